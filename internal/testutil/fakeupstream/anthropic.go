package fakeupstream

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"unicode/utf8"
)

// Anthropic is a fake Anthropic Messages API (POST /v1/messages). It answers
// unary requests with the Message JSON and "stream": true requests with SSE
// in the real event order (message_start, content_block_start, ping,
// content_block_delta…, content_block_stop, message_delta, message_stop),
// every event named with an `event:` line, as the official SDKs require.
//
// Each request takes the next queued answer (Reply, Fail, Raw); when the
// queue is empty the answer served last is served again, and before anything
// was queued the fake answers "Hello from the fake Anthropic API.".
//
//	fake := fakeupstream.NewAnthropic(t)
//	fake.Reply(fakeupstream.AnthropicReply{Content: []fakeupstream.AnthropicBlock{{Type: "text", Text: "Hi"}}})
//	fake.Fail(529, "overloaded_error", "Overloaded")
//	// point the client at fake.URL, then inspect fake.Last().Body
type Anthropic struct {
	Recorder
	// URL is the API root to use as a client's base URL.
	URL string

	srv      *httptest.Server
	mu       sync.Mutex
	queue    []anthropicScript
	last     *anthropicScript
	n        int
	done     chan struct{}
	gone     chan struct{}
	goneOnce sync.Once
}

// AnthropicReply scripts one successful answer.
type AnthropicReply struct {
	ID    string // default "msg_fake<n>"
	Model string // default: the model the request named
	// Content is the answer. In a stream, text and thinking arrive in
	// several deltas, a signature in one signature_delta, and tool input as
	// an empty input_json_delta followed by several fragments.
	Content []AnthropicBlock
	// StopReason defaults to "tool_use" when Content has a tool_use block,
	// else "end_turn".
	StopReason   string
	StopSequence string // the matched sequence, sent with StopReason "stop_sequence"
	Usage        AnthropicUsage

	// ErrorEvent, in a stream, replaces everything after the first content
	// block's deltas with `event: error` carrying it.
	ErrorEvent *AnthropicError
	// CutBeforeStop ends a stream cleanly after the content blocks,
	// without message_delta and message_stop.
	CutBeforeStop bool
	// Stall sends nothing more until the client goes away: in a stream,
	// after message_start; in a unary answer, before the status line.
	Stall bool
}

// AnthropicBlock is one content block of a scripted answer.
type AnthropicBlock struct {
	Type      string // "text", "thinking", "redacted_thinking" or "tool_use"
	Text      string // text
	Thinking  string // thinking
	Signature string // thinking
	Data      string // redacted_thinking
	ID        string // tool_use
	Name      string // tool_use
	Input     string // tool_use: the input JSON; "" means {}
}

// AnthropicUsage is the usage the answer reports. In a stream,
// message_start carries the input and cache counts and message_delta the
// cumulative totals with the output count.
type AnthropicUsage struct {
	InputTokens              int
	OutputTokens             int
	CacheReadInputTokens     int
	CacheCreationInputTokens int
}

// AnthropicError is an error type and message, as in Anthropic's error body.
type AnthropicError struct {
	Type    string `json:"type"` // e.g. "overloaded_error"
	Message string `json:"message"`
}

type anthropicScript struct {
	reply       *AnthropicReply
	status      int
	err         AnthropicError
	contentType string
	raw         []byte
}

// NewAnthropic starts the fake; it is shut down when the test ends.
func NewAnthropic(t testing.TB) *Anthropic {
	a := &Anthropic{done: make(chan struct{}), gone: make(chan struct{})}
	a.srv = httptest.NewServer(http.HandlerFunc(a.serve))
	a.URL = a.srv.URL
	t.Cleanup(func() {
		close(a.done) // release stalled handlers so Close does not wait on them
		a.srv.Close()
	})
	return a
}

// Client returns an HTTP client for the fake whose idle connections are
// closed with it.
func (a *Anthropic) Client() *http.Client { return a.srv.Client() }

// Reply queues a successful answer.
func (a *Anthropic) Reply(r AnthropicReply) { a.push(anthropicScript{reply: &r}) }

// Fail queues an error answer with Anthropic's error body, e.g.
// Fail(429, "rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit").
func (a *Anthropic) Fail(status int, errType, msg string) {
	a.push(anthropicScript{status: status, err: AnthropicError{Type: errType, Message: msg}})
}

// Raw queues a byte-exact answer, e.g. a captured .sse stream.
func (a *Anthropic) Raw(status int, contentType string, body []byte) {
	a.push(anthropicScript{status: status, contentType: contentType, raw: bytes.Clone(body)})
}

// ClientGone is closed once the fake sees a client go away in the middle of
// an answer (a cancelled request, a closed body).
func (a *Anthropic) ClientGone() <-chan struct{} { return a.gone }

func (a *Anthropic) push(s anthropicScript) {
	a.mu.Lock()
	a.queue = append(a.queue, s)
	a.mu.Unlock()
}

func (a *Anthropic) next() (anthropicScript, int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.n++
	switch {
	case len(a.queue) > 0:
		a.last = &a.queue[0]
		a.queue = a.queue[1:]
	case a.last == nil:
		return anthropicScript{reply: &AnthropicReply{Content: []AnthropicBlock{{Type: "text", Text: "Hello from the fake Anthropic API."}}}}, a.n
	}
	return *a.last, a.n
}

func (a *Anthropic) markGone() { a.goneOnce.Do(func() { close(a.gone) }) }

func (a *Anthropic) serve(w http.ResponseWriter, r *http.Request) {
	body := a.Record(r)
	if r.Method != http.MethodPost || r.URL.Path != "/v1/messages" {
		writeAnthropicError(w, http.StatusNotFound, "not_found_error", "Not found")
		return
	}
	if r.Header.Get("x-api-key") == "" && r.Header.Get("Authorization") == "" {
		writeAnthropicError(w, http.StatusUnauthorized, "authentication_error", "x-api-key header is required.")
		return
	}
	if r.Header.Get("anthropic-version") == "" {
		writeAnthropicError(w, http.StatusBadRequest, "invalid_request_error", "anthropic-version: header is required")
		return
	}
	var req struct {
		Model     string          `json:"model"`
		MaxTokens *int            `json:"max_tokens"`
		Messages  json.RawMessage `json:"messages"`
		Stream    bool            `json:"stream"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		writeAnthropicError(w, http.StatusBadRequest, "invalid_request_error", "There was an error parsing the body of your request.")
		return
	}
	switch {
	case req.Model == "":
		writeAnthropicError(w, http.StatusBadRequest, "invalid_request_error", "model: Field required")
		return
	case req.MaxTokens == nil:
		writeAnthropicError(w, http.StatusBadRequest, "invalid_request_error", "max_tokens: Field required")
		return
	case len(req.Messages) == 0:
		writeAnthropicError(w, http.StatusBadRequest, "invalid_request_error", "messages: Field required")
		return
	}

	s, n := a.next()
	switch {
	case s.raw != nil:
		w.Header().Set("Content-Type", s.contentType)
		w.WriteHeader(s.status)
		_, _ = w.Write(s.raw)
	case s.reply == nil:
		writeAnthropicError(w, s.status, s.err.Type, s.err.Message)
	case req.Stream:
		a.stream(w, r, s.reply.normalize(n, req.Model))
	default:
		a.unary(w, r, s.reply.normalize(n, req.Model))
	}
}

func (rep AnthropicReply) normalize(n int, model string) AnthropicReply {
	if rep.ID == "" {
		rep.ID = fmt.Sprintf("msg_fake%02d", n)
	}
	if rep.Model == "" {
		rep.Model = model
	}
	if rep.StopReason == "" {
		rep.StopReason = "end_turn"
		for _, b := range rep.Content {
			if b.Type == "tool_use" {
				rep.StopReason = "tool_use"
			}
		}
	}
	return rep
}

func writeAnthropicError(w http.ResponseWriter, status int, errType, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("request-id", "req_fake")
	retry := "false"
	if status == 408 || status == 409 || status == 429 || status >= 500 {
		retry = "true"
	}
	w.Header().Set("x-should-retry", retry)
	w.WriteHeader(status)
	_, _ = w.Write(marshal(struct {
		Type      string         `json:"type"`
		Error     AnthropicError `json:"error"`
		RequestID string         `json:"request_id"`
	}{"error", AnthropicError{errType, msg}, "req_fake"}))
}

// Wire shapes, with keys in the order the real API writes them.

type wireUsage struct {
	InputTokens              int    `json:"input_tokens"`
	CacheCreationInputTokens int    `json:"cache_creation_input_tokens"`
	CacheReadInputTokens     int    `json:"cache_read_input_tokens"`
	OutputTokens             int    `json:"output_tokens"`
	ServiceTier              string `json:"service_tier,omitempty"`
}

type wireMessage struct {
	ID           string    `json:"id"`
	Type         string    `json:"type"`
	Role         string    `json:"role"`
	Model        string    `json:"model"`
	Content      []any     `json:"content"`
	StopReason   *string   `json:"stop_reason"`
	StopSequence *string   `json:"stop_sequence"`
	Usage        wireUsage `json:"usage"`
}

type wireText struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type wireThinking struct {
	Type      string `json:"type"`
	Thinking  string `json:"thinking"`
	Signature string `json:"signature"`
}

type wireRedacted struct {
	Type string `json:"type"`
	Data string `json:"data"`
}

type wireToolUse struct {
	Type  string          `json:"type"`
	ID    string          `json:"id"`
	Name  string          `json:"name"`
	Input json.RawMessage `json:"input"`
}

func (b AnthropicBlock) wire(final bool) any {
	switch b.Type {
	case "thinking":
		if !final {
			return wireThinking{Type: b.Type}
		}
		return wireThinking{b.Type, b.Thinking, b.Signature}
	case "redacted_thinking":
		return wireRedacted{b.Type, b.Data}
	case "tool_use":
		in := json.RawMessage(`{}`)
		if final && b.Input != "" {
			in = json.RawMessage(b.Input)
		}
		return wireToolUse{b.Type, b.ID, b.Name, in}
	}
	if !final {
		return wireText{Type: "text"}
	}
	return wireText{"text", b.Text}
}

func (rep AnthropicReply) stopSequence() *string {
	if rep.StopReason != "stop_sequence" {
		return nil
	}
	s := rep.StopSequence
	return &s
}

func (a *Anthropic) unary(w http.ResponseWriter, r *http.Request, rep AnthropicReply) {
	if rep.Stall {
		a.stall(r)
		return
	}
	content := make([]any, 0, len(rep.Content))
	for _, b := range rep.Content {
		content = append(content, b.wire(true))
	}
	stop := rep.StopReason
	u := rep.Usage
	msg := wireMessage{ID: rep.ID, Type: "message", Role: "assistant", Model: rep.Model, Content: content,
		StopReason: &stop, StopSequence: rep.stopSequence(),
		Usage: wireUsage{u.InputTokens, u.CacheCreationInputTokens, u.CacheReadInputTokens, u.OutputTokens, "standard"}}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("request-id", "req_fake")
	_, _ = w.Write(marshal(msg))
}

func (a *Anthropic) stall(r *http.Request) {
	select {
	case <-r.Context().Done():
		a.markGone()
	case <-a.done:
	}
}

func (a *Anthropic) stream(w http.ResponseWriter, r *http.Request, rep AnthropicReply) {
	w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("request-id", "req_fake")
	w.WriteHeader(http.StatusOK)
	send := func(event string, payload any) bool {
		_, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, marshal(payload))
		if err == nil {
			err = http.NewResponseController(w).Flush()
		}
		if err != nil || r.Context().Err() != nil {
			a.markGone()
			return false
		}
		return true
	}
	u := rep.Usage
	start := wireMessage{ID: rep.ID, Type: "message", Role: "assistant", Model: rep.Model, Content: []any{},
		Usage: wireUsage{u.InputTokens, u.CacheCreationInputTokens, u.CacheReadInputTokens, min(u.OutputTokens, 1), "standard"}}
	if !send("message_start", struct {
		Type    string      `json:"type"`
		Message wireMessage `json:"message"`
	}{"message_start", start}) {
		return
	}
	if rep.Stall {
		a.stall(r)
		return
	}
	for i, b := range rep.Content {
		if !send("content_block_start", struct {
			Type         string `json:"type"`
			Index        int    `json:"index"`
			ContentBlock any    `json:"content_block"`
		}{"content_block_start", i, b.wire(false)}) {
			return
		}
		if i == 0 && !send("ping", map[string]string{"type": "ping"}) {
			return
		}
		for _, d := range b.deltas() {
			if !send("content_block_delta", struct {
				Type  string `json:"type"`
				Index int    `json:"index"`
				Delta any    `json:"delta"`
			}{"content_block_delta", i, d}) {
				return
			}
		}
		if rep.ErrorEvent != nil {
			send("error", wireError{"error", *rep.ErrorEvent})
			return
		}
		if !send("content_block_stop", struct {
			Type  string `json:"type"`
			Index int    `json:"index"`
		}{"content_block_stop", i}) {
			return
		}
	}
	if rep.ErrorEvent != nil { // no content: fail right after message_start
		send("error", wireError{"error", *rep.ErrorEvent})
		return
	}
	if rep.CutBeforeStop {
		return
	}
	stop := rep.StopReason
	if !send("message_delta", struct {
		Type  string `json:"type"`
		Delta struct {
			StopReason   *string `json:"stop_reason"`
			StopSequence *string `json:"stop_sequence"`
		} `json:"delta"`
		Usage wireUsage `json:"usage"`
	}{Type: "message_delta", Delta: struct {
		StopReason   *string `json:"stop_reason"`
		StopSequence *string `json:"stop_sequence"`
	}{&stop, rep.stopSequence()}, Usage: wireUsage{u.InputTokens, u.CacheCreationInputTokens, u.CacheReadInputTokens, u.OutputTokens, ""}}) {
		return
	}
	send("message_stop", map[string]string{"type": "message_stop"})
}

type wireError struct {
	Type  string         `json:"type"`
	Error AnthropicError `json:"error"`
}

type wireDelta struct {
	Type string `json:"type"`
	Key  string `json:"-"`
	Val  string `json:"-"`
}

func (d wireDelta) MarshalJSON() ([]byte, error) {
	return []byte(`{"type":` + string(marshal(d.Type)) + `,` + string(marshal(d.Key)) + `:` + string(marshal(d.Val)) + `}`), nil
}

func (b AnthropicBlock) deltas() []wireDelta {
	var out []wireDelta
	switch b.Type {
	case "text":
		for _, p := range split(b.Text, 3) {
			out = append(out, wireDelta{"text_delta", "text", p})
		}
	case "thinking":
		for _, p := range split(b.Thinking, 3) {
			out = append(out, wireDelta{"thinking_delta", "thinking", p})
		}
		if b.Signature != "" {
			out = append(out, wireDelta{"signature_delta", "signature", b.Signature})
		}
	case "tool_use":
		// The real API opens every tool input with an empty fragment.
		out = append(out, wireDelta{"input_json_delta", "partial_json", ""})
		for _, p := range split(b.Input, 4) {
			out = append(out, wireDelta{"input_json_delta", "partial_json", p})
		}
	}
	return out
}

// split cuts s into at most n non-empty pieces at rune boundaries.
func split(s string, n int) []string {
	if s == "" {
		return nil
	}
	size := max(1, (len(s)+n-1)/n)
	var out []string
	for len(s) > 0 {
		end := min(size, len(s))
		for end < len(s) && !utf8.RuneStart(s[end]) {
			end++
		}
		out = append(out, s[:end])
		s = s[end:]
	}
	return out
}

// marshal encodes like the real API: no HTML escaping of <, > and &.
func marshal(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err) // scripted values always encode
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}
