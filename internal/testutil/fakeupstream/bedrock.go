package fakeupstream

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
)

// Bedrock is a fake bedrock-runtime speaking the wire exactly as Amazon
// Bedrock does: Converse JSON, ConverseStream event-stream frames, errors with
// x-amzn-ErrorType, and exception frames mid-stream. Each request takes the
// next scripted step (Reply, Fail, Stall) in order; with none left it answers
// 500 InternalServerException so a missing script fails loudly.
//
// It does not check signatures; tests read the recorded Authorization header.
type Bedrock struct {
	Recorder
	URL string // base URL, for a client's endpoint setting

	srv  *httptest.Server
	quit chan struct{}
	gone chan struct{}

	mu     sync.Mutex
	steps  []bedrockStep
	models []string
	reqN   int
}

type bedrockStep struct {
	reply  *BedrockReply
	status int // error status when reply is nil and stall is false
	code   string
	msg    string
	stall  bool
	raw    *BedrockRaw
}

// BedrockRaw scripts the answer of a model operation that is not a
// conversation (InvokeModel of an embedding, rerank or image model,
// CountTokens): Body is sent as it is, with Headers, under status 200.
type BedrockRaw struct {
	Body    []byte
	Headers map[string]string
}

// BedrockReply scripts one successful answer. The same reply serves both
// operations: /converse gets it as one JSON body, /converse-stream as frames.
type BedrockReply struct {
	Blocks []BedrockBlock
	// StopReason defaults to tool_use when a block is a tool call, else end_turn.
	StopReason string
	Usage      BedrockUsage
	LatencyMs  int64
	// AdditionalFields is returned as additionalModelResponseFields.
	AdditionalFields json.RawMessage
	// Fault breaks a streamed answer; unary answers honour only Fault.Stall.
	Fault *BedrockFault
}

// BedrockUsage is the answer's token usage with Bedrock's semantics
// (Input excludes cache reads and writes).
type BedrockUsage struct {
	Input, Output, CacheRead, CacheWrite int
}

// BedrockBlock is one content block of a scripted answer; build it with
// BedrockText, BedrockToolUse, BedrockReasoning or BedrockRedacted. Each
// element of a part list is streamed as its own delta.
type BedrockBlock struct {
	Text      []string
	ToolUseID string
	ToolName  string
	ToolInput []string // JSON fragments; joined they must be one JSON value
	Reasoning []string
	Signature string
	Redacted  []byte
}

// BedrockText is a text block streamed as one delta per part.
func BedrockText(parts ...string) BedrockBlock { return BedrockBlock{Text: parts} }

// BedrockToolUse is a tool call whose input JSON is streamed in the given fragments.
func BedrockToolUse(id, name string, inputParts ...string) BedrockBlock {
	return BedrockBlock{ToolUseID: id, ToolName: name, ToolInput: inputParts}
}

// BedrockReasoning is visible reasoning followed by its signature delta.
func BedrockReasoning(signature string, parts ...string) BedrockBlock {
	return BedrockBlock{Reasoning: parts, Signature: signature}
}

// BedrockRedacted is redacted reasoning.
func BedrockRedacted(b []byte) BedrockBlock { return BedrockBlock{Redacted: b} }

// BedrockFault breaks a streamed answer once After frames were sent (0: before
// messageStart, 1: right after it; past the last frame: after metadata). By
// default the body then ends cleanly: a stream cut before messageStop.
type BedrockFault struct {
	After int
	// Exception sends an exception frame instead, with this lower-camel
	// :exception-type (throttlingException, modelStreamErrorException, …).
	Exception string
	Message   string
	// Stall stops sending and holds the connection until the client leaves.
	Stall bool
	// Abort resets the connection instead of ending the body.
	Abort bool
}

// NewBedrock starts a plain-HTTP fake closed by t.Cleanup.
func NewBedrock(t testing.TB) *Bedrock { return newBedrock(t, false) }

// NewBedrockTLS starts an HTTPS fake (needed for Bedrock API keys, which the
// SDK sends only over TLS); HTTPClient returns a client trusting it.
func NewBedrockTLS(t testing.TB) *Bedrock { return newBedrock(t, true) }

// HTTPClient returns a client for the fake (for the TLS fake, one trusting
// its certificate).
func (b *Bedrock) HTTPClient() *http.Client { return b.srv.Client() }

func newBedrock(t testing.TB, tls bool) *Bedrock {
	t.Helper()
	b := &Bedrock{quit: make(chan struct{}), gone: make(chan struct{}, 64)}
	mux := http.NewServeMux()
	// ServeMux patterns unescape each segment after splitting, so an ARN
	// whose "/" arrives as %2F stays one model id.
	mux.HandleFunc("POST /model/{modelId}/converse", func(w http.ResponseWriter, r *http.Request) { b.serve(w, r, false) })
	mux.HandleFunc("POST /model/{modelId}/converse-stream", func(w http.ResponseWriter, r *http.Request) { b.serve(w, r, true) })
	// InvokeModel and CountTokens answer with scripted raw bodies (ReplyRaw).
	mux.HandleFunc("POST /model/{modelId}/invoke", func(w http.ResponseWriter, r *http.Request) { b.serve(w, r, false) })
	mux.HandleFunc("POST /model/{modelId}/count-tokens", func(w http.ResponseWriter, r *http.Request) { b.serve(w, r, false) })
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		b.Record(r)
		writeBedrockError(w, b.requestID(), http.StatusNotFound, "UnknownOperationException", "fakeupstream: no such operation "+r.Method+" "+r.URL.EscapedPath())
	})
	if tls {
		b.srv = httptest.NewTLSServer(mux)
	} else {
		b.srv = httptest.NewServer(mux)
	}
	b.URL = b.srv.URL
	t.Cleanup(func() {
		close(b.quit) // release stalled handlers, or Close would wait for them
		b.srv.CloseClientConnections()
		b.srv.Close()
	})
	return b
}

// Reply queues a successful answer.
func (b *Bedrock) Reply(r BedrockReply) { b.push(bedrockStep{reply: &r}) }

// ReplyRaw queues a raw JSON answer, for the operations that are not
// conversations (InvokeModel of non-text models, CountTokens).
func (b *Bedrock) ReplyRaw(r BedrockRaw) { b.push(bedrockStep{raw: &r}) }

// Fail queues an error exactly as Bedrock sends one: the status, an
// x-amzn-ErrorType header naming code (omitted when code is empty, as a load
// balancer's error would be) and a {"message": msg} body.
func (b *Bedrock) Fail(status int, code, msg string) {
	b.push(bedrockStep{status: status, code: code, msg: msg})
}

// Stall queues a request that gets no response until the client leaves.
func (b *Bedrock) Stall() { b.push(bedrockStep{stall: true}) }

// ClientGone receives once for every request whose client disconnected
// before the fake finished answering.
func (b *Bedrock) ClientGone() <-chan struct{} { return b.gone }

// ModelIDs returns the {modelId} path value of every model request, decoded.
func (b *Bedrock) ModelIDs() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.models...)
}

func (b *Bedrock) push(s bedrockStep) {
	b.mu.Lock()
	b.steps = append(b.steps, s)
	b.mu.Unlock()
}

func (b *Bedrock) requestID() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.reqN++
	return fmt.Sprintf("5e1f0000-0000-4000-8000-%012d", b.reqN)
}

func (b *Bedrock) serve(w http.ResponseWriter, r *http.Request, stream bool) {
	b.Record(r)
	id := b.requestID()
	b.mu.Lock()
	b.models = append(b.models, r.PathValue("modelId"))
	var step bedrockStep
	if len(b.steps) > 0 {
		step, b.steps = b.steps[0], b.steps[1:]
	} else {
		step = bedrockStep{status: 500, code: "InternalServerException", msg: "fakeupstream: no reply scripted for this request"}
	}
	b.mu.Unlock()

	switch {
	case step.stall || (step.reply != nil && !stream && step.reply.Fault != nil && step.reply.Fault.Stall):
		b.stall(r)
	case step.raw != nil:
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("x-amzn-RequestId", id)
		for k, v := range step.raw.Headers {
			w.Header().Set(k, v)
		}
		_, _ = w.Write(step.raw.Body)
	case step.reply == nil:
		writeBedrockError(w, id, step.status, step.code, step.msg)
	case stream:
		b.stream(w, r, id, step.reply)
	default:
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("x-amzn-RequestId", id)
		_, _ = w.Write(step.reply.unaryBody())
	}
}

func (b *Bedrock) stall(r *http.Request) {
	select {
	case <-r.Context().Done():
		b.signalGone()
	case <-b.quit:
	}
}

func (b *Bedrock) signalGone() {
	select {
	case b.gone <- struct{}{}:
	default: // nobody is counting that many disconnects
	}
}

func writeBedrockError(w http.ResponseWriter, id string, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("x-amzn-RequestId", id)
	if code != "" {
		w.Header().Set("x-amzn-ErrorType", code+":http://internal.amazon.com/coral/com.amazon.bedrock/")
	}
	w.WriteHeader(status)
	body, _ := json.Marshal(map[string]string{"message": msg})
	_, _ = w.Write(body)
}

type bedrockFrame struct {
	eventType string
	payload   any
}

func (b *Bedrock) stream(w http.ResponseWriter, r *http.Request, id string, rep *BedrockReply) {
	w.Header().Set("Content-Type", "application/vnd.amazon.eventstream")
	w.Header().Set("x-amzn-RequestId", id)
	w.WriteHeader(http.StatusOK)
	flusher, _ := w.(http.Flusher)
	if flusher != nil {
		flusher.Flush()
	}
	enc := eventstream.NewEncoder()
	frames := rep.frames()
	for i, f := range frames {
		if rep.Fault != nil && i == rep.Fault.After {
			b.fault(w, r, enc, flusher, rep.Fault)
			return
		}
		payload, _ := json.Marshal(f.payload)
		msg := eventstream.Message{Payload: payload}
		msg.Headers.Set(":event-type", eventstream.StringValue(f.eventType))
		msg.Headers.Set(":content-type", eventstream.StringValue("application/json"))
		msg.Headers.Set(":message-type", eventstream.StringValue("event"))
		if err := enc.Encode(w, msg); err != nil || r.Context().Err() != nil {
			b.signalGone()
			return
		}
		if flusher != nil {
			flusher.Flush()
		}
	}
	if rep.Fault != nil && rep.Fault.After >= len(frames) {
		b.fault(w, r, enc, flusher, rep.Fault)
	}
}

func (b *Bedrock) fault(w http.ResponseWriter, r *http.Request, enc *eventstream.Encoder, flusher http.Flusher, f *BedrockFault) {
	switch {
	case f.Exception != "":
		payload, _ := json.Marshal(map[string]string{"message": f.Message})
		msg := eventstream.Message{Payload: payload}
		msg.Headers.Set(":exception-type", eventstream.StringValue(f.Exception))
		msg.Headers.Set(":content-type", eventstream.StringValue("application/json"))
		msg.Headers.Set(":message-type", eventstream.StringValue("exception"))
		_ = enc.Encode(w, msg)
		if flusher != nil {
			flusher.Flush()
		}
	case f.Stall:
		b.stall(r)
	case f.Abort:
		panic(http.ErrAbortHandler) // net/http drops the connection without ending the body
	}
}

func (rep *BedrockReply) stopReason() string {
	if rep.StopReason != "" {
		return rep.StopReason
	}
	for _, bl := range rep.Blocks {
		if bl.ToolName != "" {
			return "tool_use"
		}
	}
	return "end_turn"
}

func (rep *BedrockReply) usage() map[string]int {
	u := rep.Usage
	m := map[string]int{"inputTokens": u.Input, "outputTokens": u.Output,
		"totalTokens": u.Input + u.Output + u.CacheRead + u.CacheWrite}
	if u.CacheRead != 0 {
		m["cacheReadInputTokens"] = u.CacheRead
	}
	if u.CacheWrite != 0 {
		m["cacheWriteInputTokens"] = u.CacheWrite
	}
	return m
}

func (rep *BedrockReply) unaryBody() []byte {
	content := make([]any, 0, len(rep.Blocks))
	for _, bl := range rep.Blocks {
		switch {
		case bl.ToolName != "":
			input := json.RawMessage(strings.Join(bl.ToolInput, ""))
			if len(input) == 0 {
				input = json.RawMessage(`{}`)
			}
			content = append(content, map[string]any{"toolUse": map[string]any{
				"toolUseId": bl.ToolUseID, "name": bl.ToolName, "input": input}})
		case bl.Redacted != nil:
			content = append(content, map[string]any{"reasoningContent": map[string]any{"redactedContent": bl.Redacted}})
		case bl.Reasoning != nil || bl.Signature != "":
			rt := map[string]string{"text": strings.Join(bl.Reasoning, "")}
			if bl.Signature != "" {
				rt["signature"] = bl.Signature
			}
			content = append(content, map[string]any{"reasoningContent": map[string]any{"reasoningText": rt}})
		default:
			content = append(content, map[string]string{"text": strings.Join(bl.Text, "")})
		}
	}
	body := map[string]any{
		"output":     map[string]any{"message": map[string]any{"role": "assistant", "content": content}},
		"stopReason": rep.stopReason(),
		"usage":      rep.usage(),
		"metrics":    map[string]int64{"latencyMs": rep.LatencyMs},
	}
	if len(rep.AdditionalFields) > 0 {
		body["additionalModelResponseFields"] = rep.AdditionalFields
	}
	out, _ := json.Marshal(body)
	return out
}

// frames lays the answer out in ConverseStream's order: messageStart, per
// block (a start only for tool use) its deltas and stop, messageStop, metadata.
func (rep *BedrockReply) frames() []bedrockFrame {
	fs := []bedrockFrame{{"messageStart", map[string]string{"role": "assistant"}}}
	delta := func(i int, d any) {
		fs = append(fs, bedrockFrame{"contentBlockDelta", map[string]any{"contentBlockIndex": i, "delta": d}})
	}
	for i, bl := range rep.Blocks {
		switch {
		case bl.ToolName != "":
			fs = append(fs, bedrockFrame{"contentBlockStart", map[string]any{"contentBlockIndex": i,
				"start": map[string]any{"toolUse": map[string]string{"toolUseId": bl.ToolUseID, "name": bl.ToolName}}}})
			for _, p := range bl.ToolInput {
				delta(i, map[string]any{"toolUse": map[string]string{"input": p}})
			}
		case bl.Redacted != nil:
			delta(i, map[string]any{"reasoningContent": map[string][]byte{"redactedContent": bl.Redacted}})
		case bl.Reasoning != nil || bl.Signature != "":
			for _, p := range bl.Reasoning {
				delta(i, map[string]any{"reasoningContent": map[string]string{"text": p}})
			}
			if bl.Signature != "" {
				delta(i, map[string]any{"reasoningContent": map[string]string{"signature": bl.Signature}})
			}
		default:
			for _, p := range bl.Text {
				delta(i, map[string]string{"text": p})
			}
		}
		fs = append(fs, bedrockFrame{"contentBlockStop", map[string]int{"contentBlockIndex": i}})
	}
	stop := map[string]any{"stopReason": rep.stopReason()}
	if len(rep.AdditionalFields) > 0 {
		stop["additionalModelResponseFields"] = rep.AdditionalFields
	}
	fs = append(fs, bedrockFrame{"messageStop", stop},
		bedrockFrame{"metadata", map[string]any{"usage": rep.usage(), "metrics": map[string]int64{"latencyMs": rep.LatencyMs}}})
	return fs
}
