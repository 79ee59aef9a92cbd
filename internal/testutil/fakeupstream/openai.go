package fakeupstream

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
)

// OpenAI is a fake OpenAI API, one server with every route Basalt calls
// (see NewOpenAI). Its Chat Completions (POST /v1/chat/completions) speaks
// the wire format byte for byte: a unary chat.completion body, or
// SSE chunks ("data: {…}\n\n", ending "data: [DONE]\n\n", Content-Type
// text/event-stream) when the request has "stream": true, with the usage
// chunk only when stream_options.include_usage asks for it, as
// api.openai.com does. It records every request.
//
// Each request takes the next queued answer (Reply, Fail, Raw); when the
// queue is empty the answer served last is served again, and before anything
// was queued the fake answers "Hello from the fake OpenAI API.".
//
//	fake := fakeupstream.NewOpenAI(t)
//	fake.Reply(fakeupstream.OpenAIReply{ToolCalls: []fakeupstream.OpenAIToolCall{{ID: "call_1", Name: "f", Arguments: `{"a":1}`}}})
//	fake.Reply(fakeupstream.OpenAIReply{Text: "Done."})
//	fake.Fail(429, "") // OpenAI's real rate-limit body
//	// point the client at fake.URL (it ends in /v1), then inspect fake.Last().Body
//
// It is built by hand from the wire format rather than from Basalt's
// format/openai types, so a bug there cannot hide itself here.
type OpenAI struct {
	Recorder
	// URL is the API root to use as a client's base URL; it ends in /v1.
	URL string

	srv  *httptest.Server
	quit chan struct{}
	seq  atomic.Int64

	mu     sync.Mutex
	script []oaiStep
	served *oaiStep // the last step taken, served again once the script runs out
	apiKey string

	gone     chan struct{}
	goneOnce sync.Once
}

// OpenAIReply scripts one successful answer. Streams split Text,
// Reasoning and every tool call's Arguments into fragments of FragmentSize
// runes, one fragment per chunk.
type OpenAIReply struct {
	Model     string // echoed model; default: the request's model
	Text      string
	Reasoning string
	// ReasoningField is the delta/message key for Reasoning:
	// "reasoning_content" (DeepSeek, the default) or "reasoning" (Ollama).
	ReasoningField string
	ToolCalls      []OpenAIToolCall
	// FinishReason defaults to "tool_calls" with ToolCalls, else "stop".
	FinishReason string
	// Usage defaults to 10 prompt and 5 completion tokens.
	Usage *OpenAIUsage
	// FragmentSize is the runes per streamed fragment (default 4).
	FragmentSize int
	// InterleaveToolCalls sends parallel calls' fragments round robin
	// (call 0, call 1, call 0, …) instead of one call after the other.
	InterleaveToolCalls bool

	// Stall holds the answer until the client goes away: a unary reply
	// sends nothing at all, a stream sends its content chunks and then
	// neither finish_reason nor [DONE].
	Stall bool
	// Truncate ends the answer early but cleanly: a stream right before
	// its finish_reason chunk, a unary body halfway through its JSON.
	Truncate bool
	// StreamError replaces a stream's finish chunk with a mid-stream
	// error payload, data: {"error":{…}}, after which the stream ends.
	StreamError *OpenAIError
}

// OpenAIToolCall is one function call of a reply.
type OpenAIToolCall struct {
	ID        string // default call_<n>
	Name      string
	Arguments string // JSON text
}

// OpenAIUsage is a reply's usage. PromptTokens is prompt_tokens as OpenAI
// reports it: cached tokens included.
type OpenAIUsage struct {
	PromptTokens     int
	CompletionTokens int
	CachedTokens     int
	ReasoningTokens  int
}

// OpenAIError is an error object. Empty Param and Code are sent as null.
type OpenAIError struct {
	Message, Type, Param, Code string
}

type oaiRaw struct {
	status      int
	contentType string
	body        []byte
}

// oaiStep is one scripted answer: a reply or raw bytes.
type oaiStep struct {
	reply *OpenAIReply
	raw   *oaiRaw
}

// NewOpenAI starts the fake; it is shut down when the test ends, releasing
// stalled answers first so shutdown does not wait on them. One server has
// every route, so tests never pick a constructor by feature: besides chat
// completions it serves POST /v1/embeddings (openai_embed.go), POST
// /v1/rerank, the Cohere-style endpoint of vLLM and llama.cpp
// (openai_rerank.go), and POST /v1/images/generations (openai_images.go).
// Any other path is OpenAI's 404 "Invalid URL".
func NewOpenAI(t testing.TB) *OpenAI {
	f := &OpenAI{quit: make(chan struct{}), gone: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/embeddings", f.serveEmbeddings)
	mux.HandleFunc("POST /v1/rerank", f.serveRerank)
	mux.HandleFunc("POST /v1/images/generations", f.serveImages)
	mux.HandleFunc("/", f.serve)
	f.srv = httptest.NewServer(mux)
	f.URL = f.srv.URL + "/v1"
	t.Cleanup(func() {
		close(f.quit)
		f.srv.Close()
	})
	return f
}

// Client returns an HTTP client for the fake whose idle connections are
// closed with it.
func (f *OpenAI) Client() *http.Client { return f.srv.Client() }

// Reply queues a successful answer.
func (f *OpenAI) Reply(r OpenAIReply) { f.push(oaiStep{reply: &r}) }

// Fail queues an error answer; an empty body means OpenAI's real error
// body for that status (OpenAIErrorBody). OpenAIError.Body builds others.
func (f *OpenAI) Fail(status int, body string) {
	if body == "" {
		body = OpenAIErrorBody(status)
	}
	f.push(oaiStep{raw: &oaiRaw{status: status, contentType: "application/json", body: []byte(body)}})
}

// Raw queues a byte-exact answer, e.g. a captured .sse file with
// contentType "text/event-stream".
func (f *OpenAI) Raw(status int, contentType string, body []byte) {
	f.push(oaiStep{raw: &oaiRaw{status: status, contentType: contentType, body: bytes.Clone(body)}})
}

// RequireAPIKey makes the fake answer 401 invalid_api_key, as OpenAI does,
// unless a request carries "Authorization: Bearer key".
func (f *OpenAI) RequireAPIKey(key string) {
	f.mu.Lock()
	f.apiKey = key
	f.mu.Unlock()
}

// ClientGone is closed once the fake sees a client go away in the middle of
// an answer (a cancelled request, a closed body, a stall given up on).
func (f *OpenAI) ClientGone() <-chan struct{} { return f.gone }

func (f *OpenAI) push(s oaiStep) {
	f.mu.Lock()
	f.script = append(f.script, s)
	f.mu.Unlock()
}

func (f *OpenAI) next() oaiStep {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.script) == 0 {
		if f.served != nil {
			return *f.served
		}
		return oaiStep{reply: &OpenAIReply{Text: "Hello from the fake OpenAI API."}}
	}
	s := f.script[0]
	f.script = f.script[1:]
	f.served = &s
	return s
}

// beginUnary starts answering one of the unary non-chat routes
// (embeddings, rerank, images): it records the request, sets its id and
// checks the API key as chat completions does. ok is false when the
// answer has been written. Then, if the head of the script is a Fail or
// Raw answer, that is the answer and the step is taken; Reply steps are
// left to chat completions.
func (f *OpenAI) beginUnary(w http.ResponseWriter, r *http.Request) (body []byte, n int64, ok bool) {
	body = f.Record(r)
	n = f.seq.Add(1)
	w.Header().Set("X-Request-Id", fmt.Sprintf("req_fake%d", n))
	if key := f.requiredKey(); key != "" && r.Header.Get("Authorization") != "Bearer "+key {
		oaiWriteRaw(w, &oaiRaw{401, "application/json", []byte(OpenAIErrorBody(401))})
		return nil, n, false
	}
	f.mu.Lock()
	var raw *oaiRaw
	if len(f.script) > 0 && f.script[0].raw != nil {
		raw, f.script = f.script[0].raw, f.script[1:]
	}
	f.mu.Unlock()
	if raw != nil {
		oaiWriteRaw(w, raw)
		return nil, n, false
	}
	return body, n, true
}

// decodeBody unmarshals a request body into v, answering api.openai.com's
// 400 for a body that is not JSON; ok is false when it has.
func decodeBody(w http.ResponseWriter, body []byte, v any) (ok bool) {
	if err := json.Unmarshal(body, v); err != nil {
		oaiWriteRaw(w, &oaiRaw{400, "application/json", []byte(OpenAIErrorBody(400))})
		return false
	}
	return true
}

// oaiInvalid answers 400 with e as an invalid_request_error.
func oaiInvalid(w http.ResponseWriter, e OpenAIError) {
	e.Type = "invalid_request_error"
	oaiWriteRaw(w, &oaiRaw{400, "application/json", []byte(e.Body())})
}

// oaiWriteJSON answers 200 with v as JSON.
func oaiWriteJSON(w http.ResponseWriter, v any) {
	b, _ := json.Marshal(v)
	oaiWriteRaw(w, &oaiRaw{200, "application/json", b})
}

func (f *OpenAI) requiredKey() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.apiKey
}

func (f *OpenAI) markGone() { f.goneOnce.Do(func() { close(f.gone) }) }

// OpenAIErrorBody returns the body api.openai.com sends with status.
func OpenAIErrorBody(status int) string {
	e := OpenAIError{Message: "The server had an error while processing your request. Sorry about that!", Type: "server_error"}
	switch status {
	case 400:
		e = OpenAIError{Message: "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)", Type: "invalid_request_error"}
	case 401:
		e = OpenAIError{Message: "Incorrect API key provided: sk-wrong***************ey00. You can find your API key at https://platform.openai.com/account/api-keys.", Type: "invalid_request_error", Code: "invalid_api_key"}
	case 403:
		e = OpenAIError{Message: "Country, region, or territory not supported", Type: "request_forbidden", Code: "unsupported_country_region_territory"}
	case 404:
		e = OpenAIError{Message: "The model `gpt-nonexistent` does not exist or you do not have access to it.", Type: "invalid_request_error", Code: "model_not_found"}
	case 429:
		e = OpenAIError{Message: "Rate limit reached for gpt-4o-mini in organization org-fake on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s.", Type: "requests", Code: "rate_limit_exceeded"}
	case 503:
		e = OpenAIError{Message: "The engine is currently overloaded, please try again later.", Type: "server_error"}
	}
	return e.Body()
}

// Body is the error response body carrying e.
func (e OpenAIError) Body() string {
	b, _ := json.Marshal(struct {
		Error oaiError `json:"error"`
	}{e.wire()})
	return string(b)
}

type oaiError struct {
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	Code    *string `json:"code"`
}

func (e OpenAIError) wire() oaiError {
	w := oaiError{Message: e.Message, Type: e.Type}
	if e.Param != "" {
		w.Param = &e.Param
	}
	if e.Code != "" {
		w.Code = &e.Code
	}
	return w
}

// oaiIncoming is what the fake reads from a request body.
type oaiIncoming struct {
	Model         *string           `json:"model"`
	Messages      []json.RawMessage `json:"messages"`
	Stream        bool              `json:"stream"`
	StreamOptions *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
}

func (f *OpenAI) serve(w http.ResponseWriter, r *http.Request) {
	body := f.Record(r)
	n := f.seq.Add(1)
	w.Header().Set("X-Request-Id", fmt.Sprintf("req_fake%d", n))
	if r.Method != http.MethodPost || r.URL.Path != "/v1/chat/completions" {
		oaiWriteRaw(w, &oaiRaw{404, "application/json", []byte(OpenAIError{
			Message: fmt.Sprintf("Invalid URL (%s %s)", r.Method, r.URL.Path), Type: "invalid_request_error"}.Body())})
		return
	}
	if key := f.requiredKey(); key != "" && r.Header.Get("Authorization") != "Bearer "+key {
		oaiWriteRaw(w, &oaiRaw{401, "application/json", []byte(OpenAIErrorBody(401))})
		return
	}
	// Requests the real API refuses before reading them take no script step.
	step := f.next()
	if step.raw != nil {
		oaiWriteRaw(w, step.raw)
		return
	}
	var in oaiIncoming
	if !decodeBody(w, body, &in) {
		return
	}
	if in.Model == nil || *in.Model == "" {
		oaiInvalid(w, OpenAIError{Message: "you must provide a model parameter"})
		return
	}
	if len(in.Messages) == 0 {
		oaiInvalid(w, OpenAIError{Message: "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
			Param: "messages", Code: "empty_array"})
		return
	}
	reply := *step.reply
	if reply.Model == "" {
		reply.Model = *in.Model
	}
	id := fmt.Sprintf("chatcmpl-fake%d", n)
	if in.Stream {
		f.stream(w, r, id, &reply, in.StreamOptions != nil && in.StreamOptions.IncludeUsage)
		return
	}
	f.unary(w, r, id, &reply)
}

func oaiWriteRaw(w http.ResponseWriter, a *oaiRaw) {
	if a.contentType != "" {
		w.Header().Set("Content-Type", a.contentType)
	}
	w.WriteHeader(a.status)
	_, _ = w.Write(a.body)
}

// wait blocks until the client goes away or the fake is closed.
func (f *OpenAI) wait(r *http.Request) {
	select {
	case <-r.Context().Done():
		f.markGone()
	case <-f.quit:
	}
}

func (rp *OpenAIReply) finishReason() string {
	switch {
	case rp.FinishReason != "":
		return rp.FinishReason
	case len(rp.ToolCalls) > 0:
		return "tool_calls"
	}
	return "stop"
}

func (rp *OpenAIReply) callID(i int) string {
	if id := rp.ToolCalls[i].ID; id != "" {
		return id
	}
	return fmt.Sprintf("call_%d", i)
}

func (rp *OpenAIReply) usage() oaiUsage {
	u := OpenAIUsage{PromptTokens: 10, CompletionTokens: 5}
	if rp.Usage != nil {
		u = *rp.Usage
	}
	return oaiUsage{
		PromptTokens: u.PromptTokens, CompletionTokens: u.CompletionTokens,
		TotalTokens:             u.PromptTokens + u.CompletionTokens,
		PromptTokensDetails:     oaiPromptDetails{CachedTokens: u.CachedTokens},
		CompletionTokensDetails: oaiCompletionDetails{ReasoningTokens: u.ReasoningTokens},
	}
}

// Wire structs, fields in api.openai.com's order.

type oaiUsage struct {
	PromptTokens            int                  `json:"prompt_tokens"`
	CompletionTokens        int                  `json:"completion_tokens"`
	TotalTokens             int                  `json:"total_tokens"`
	PromptTokensDetails     oaiPromptDetails     `json:"prompt_tokens_details"`
	CompletionTokensDetails oaiCompletionDetails `json:"completion_tokens_details"`
}

type oaiPromptDetails struct {
	CachedTokens int `json:"cached_tokens"`
	AudioTokens  int `json:"audio_tokens"`
}

type oaiCompletionDetails struct {
	ReasoningTokens          int `json:"reasoning_tokens"`
	AudioTokens              int `json:"audio_tokens"`
	AcceptedPredictionTokens int `json:"accepted_prediction_tokens"`
	RejectedPredictionTokens int `json:"rejected_prediction_tokens"`
}

type oaiToolCall struct {
	ID       string `json:"id"`
	Type     string `json:"type"`
	Function struct {
		Name      string `json:"name"`
		Arguments string `json:"arguments"`
	} `json:"function"`
}

type oaiMessage struct {
	Role             string        `json:"role"`
	Content          *string       `json:"content"`
	ReasoningContent *string       `json:"reasoning_content,omitempty"`
	Reasoning        *string       `json:"reasoning,omitempty"`
	ToolCalls        []oaiToolCall `json:"tool_calls,omitempty"`
	Refusal          *string       `json:"refusal"`
	Annotations      []any         `json:"annotations"`
}

type oaiCompletion struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Created int64  `json:"created"`
	Model   string `json:"model"`
	Choices []struct {
		Index        int             `json:"index"`
		Message      oaiMessage      `json:"message"`
		Logprobs     json.RawMessage `json:"logprobs"`
		FinishReason string          `json:"finish_reason"`
	} `json:"choices"`
	Usage             oaiUsage `json:"usage"`
	ServiceTier       string   `json:"service_tier"`
	SystemFingerprint string   `json:"system_fingerprint"`
}

const oaiCreated = 1700000000

func (f *OpenAI) unary(w http.ResponseWriter, r *http.Request, id string, rp *OpenAIReply) {
	if rp.Stall {
		f.wait(r)
		return
	}
	msg := oaiMessage{Role: "assistant", Annotations: []any{}}
	if rp.Text != "" || len(rp.ToolCalls) == 0 {
		msg.Content = &rp.Text
	}
	if rp.Reasoning != "" {
		if rp.ReasoningField == "reasoning" {
			msg.Reasoning = &rp.Reasoning
		} else {
			msg.ReasoningContent = &rp.Reasoning
		}
	}
	for i, tc := range rp.ToolCalls {
		wt := oaiToolCall{ID: rp.callID(i), Type: "function"}
		wt.Function.Name, wt.Function.Arguments = tc.Name, tc.Arguments
		msg.ToolCalls = append(msg.ToolCalls, wt)
	}
	c := oaiCompletion{ID: id, Object: "chat.completion", Created: oaiCreated, Model: rp.Model,
		Usage: rp.usage(), ServiceTier: "default", SystemFingerprint: "fp_fake"}
	c.Choices = append(c.Choices, struct {
		Index        int             `json:"index"`
		Message      oaiMessage      `json:"message"`
		Logprobs     json.RawMessage `json:"logprobs"`
		FinishReason string          `json:"finish_reason"`
	}{0, msg, json.RawMessage("null"), rp.finishReason()})
	b, _ := json.MarshalIndent(c, "", "  ")
	if rp.Truncate {
		b = b[:len(b)/2]
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

// oaiFragments splits s into pieces of n runes, so multi-byte characters
// stay whole as they do on the real wire.
func oaiFragments(s string, n int) []string {
	if n <= 0 {
		n = 4
	}
	var out []string
	r := []rune(s)
	for len(r) > 0 {
		k := min(n, len(r))
		out = append(out, string(r[:k]))
		r = r[k:]
	}
	return out
}

type oaiChunk struct {
	ID                string           `json:"id"`
	Object            string           `json:"object"`
	Created           int64            `json:"created"`
	Model             string           `json:"model"`
	ServiceTier       string           `json:"service_tier"`
	SystemFingerprint string           `json:"system_fingerprint"`
	Choices           []oaiChunkChoice `json:"choices"`
	// Usage is null on every chunk but the last when the client asked for
	// usage, and absent when it did not.
	Usage json.RawMessage `json:"usage,omitempty"`
}

type oaiChunkChoice struct {
	Index        int             `json:"index"`
	Delta        oaiDelta        `json:"delta"`
	Logprobs     json.RawMessage `json:"logprobs"`
	FinishReason *string         `json:"finish_reason"`
}

type oaiDelta struct {
	Role             string             `json:"role,omitempty"`
	Content          json.RawMessage    `json:"content,omitempty"`
	ReasoningContent *string            `json:"reasoning_content,omitempty"`
	Reasoning        *string            `json:"reasoning,omitempty"`
	ToolCalls        []oaiToolCallDelta `json:"tool_calls,omitempty"`
	Refusal          json.RawMessage    `json:"refusal,omitempty"`
}

type oaiToolCallDelta struct {
	Index    int    `json:"index"`
	ID       string `json:"id,omitempty"`
	Type     string `json:"type,omitempty"`
	Function struct {
		Name      string `json:"name,omitempty"`
		Arguments string `json:"arguments"`
	} `json:"function"`
}

var oaiNull = json.RawMessage("null")

func oaiString(s string) json.RawMessage {
	b, _ := json.Marshal(s)
	return b
}

// streamDeltas lays out a reply as the deltas OpenAI sends: role first
// (merged into the first tool call when there is no text), reasoning,
// text, then every tool call's header and argument oaiFragments.
func (rp *OpenAIReply) streamDeltas() []oaiDelta {
	n := rp.FragmentSize
	var out []oaiDelta
	for _, s := range oaiFragments(rp.Reasoning, n) {
		s := s
		d := oaiDelta{}
		if rp.ReasoningField == "reasoning" {
			d.Reasoning = &s
		} else {
			d.ReasoningContent = &s
		}
		out = append(out, d)
	}
	for _, s := range oaiFragments(rp.Text, n) {
		out = append(out, oaiDelta{Content: oaiString(s)})
	}
	calls := make([][]oaiToolCallDelta, len(rp.ToolCalls))
	for i, tc := range rp.ToolCalls {
		h := oaiToolCallDelta{Index: i, ID: rp.callID(i), Type: "function"}
		h.Function.Name = tc.Name
		calls[i] = append(calls[i], h)
		for _, a := range oaiFragments(tc.Arguments, n) {
			d := oaiToolCallDelta{Index: i}
			d.Function.Arguments = a
			calls[i] = append(calls[i], d)
		}
	}
	for _, tcd := range oaiInterleave(calls, rp.InterleaveToolCalls) {
		out = append(out, oaiDelta{ToolCalls: []oaiToolCallDelta{tcd}})
	}
	if len(out) > 0 && len(out[0].ToolCalls) > 0 {
		out[0].Role, out[0].Content, out[0].Refusal = "assistant", oaiNull, oaiNull
	} else {
		out = append([]oaiDelta{{Role: "assistant", Content: oaiString(""), Refusal: oaiNull}}, out...)
	}
	return out
}

func oaiInterleave(calls [][]oaiToolCallDelta, roundRobin bool) []oaiToolCallDelta {
	var out []oaiToolCallDelta
	if !roundRobin {
		for _, c := range calls {
			out = append(out, c...)
		}
		return out
	}
	for k := 0; ; k++ {
		more := false
		for _, c := range calls {
			if k < len(c) {
				out = append(out, c[k])
				more = true
			}
		}
		if !more {
			return out
		}
	}
}

func (f *OpenAI) stream(w http.ResponseWriter, r *http.Request, id string, rp *OpenAIReply, includeUsage bool) {
	w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	flusher, _ := w.(http.Flusher)
	usage := json.RawMessage(nil)
	if includeUsage {
		usage = oaiNull
	}
	send := func(payload []byte) bool {
		_, err := fmt.Fprintf(w, "data: %s\n\n", payload)
		if flusher != nil {
			flusher.Flush()
		}
		if err != nil || r.Context().Err() != nil {
			f.markGone()
			return false
		}
		return true
	}
	chunk := func(choices []oaiChunkChoice, u json.RawMessage) []byte {
		b, _ := json.Marshal(oaiChunk{ID: id, Object: "chat.completion.chunk", Created: oaiCreated, Model: rp.Model,
			ServiceTier: "default", SystemFingerprint: "fp_fake", Choices: choices, Usage: u})
		return b
	}
	for _, d := range rp.streamDeltas() {
		if !send(chunk([]oaiChunkChoice{{Delta: d, Logprobs: oaiNull}}, usage)) {
			return
		}
	}
	switch {
	case rp.Stall:
		f.wait(r)
		return
	case rp.Truncate:
		return
	case rp.StreamError != nil:
		send([]byte(rp.StreamError.Body()))
		return
	}
	reason := rp.finishReason()
	if !send(chunk([]oaiChunkChoice{{Delta: oaiDelta{}, Logprobs: oaiNull, FinishReason: &reason}}, usage)) {
		return
	}
	if includeUsage {
		u, _ := json.Marshal(rp.usage())
		if !send(chunk([]oaiChunkChoice{}, u)) {
			return
		}
	}
	send([]byte("[DONE]"))
}
