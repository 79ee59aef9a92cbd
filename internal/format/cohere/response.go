package cohere

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"github.com/basalt-gateway/basalt/internal/format/nativejson"
	"strings"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
)

// Response is Command R's answer body.
type Response struct {
	ResponseID   string     `json:"response_id"`
	Text         string     `json:"text"`
	GenerationID string     `json:"generation_id"`
	ChatHistory  []Turn     `json:"chat_history"`
	FinishReason string     `json:"finish_reason"`
	ToolCalls    []ToolCall `json:"tool_calls,omitempty"`
	Meta         Meta       `json:"meta"`
}

// Meta carries token usage.
type Meta struct {
	APIVersion struct {
		Version string `json:"version"`
	} `json:"api_version"`
	BilledUnits Units `json:"billed_units"`
	Tokens      Units `json:"tokens"`
}

// Units counts tokens.
type Units struct {
	InputTokens  int `json:"input_tokens"`
	OutputTokens int `json:"output_tokens"`
}

// FinishReason is Cohere's word for a canonical stop reason.
func FinishReason(s canon.StopReason) string {
	switch s {
	case canon.StopMaxTokens, canon.StopContextWindowExceeded:
		return "MAX_TOKENS"
	case canon.StopContentFiltered, canon.StopGuardrailIntervened:
		return "ERROR_TOXIC"
	}
	return "COMPLETE"
}

// newID is a random UUID-shaped id.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// ResponseFromCanon converts a canonical answer for the request call (nil
// means no history to echo). ids, if given, are the response and
// generation ids (tests); otherwise fresh ones are made.
func ResponseFromCanon(r *canon.Response, call *Call, ids ...string) *Response {
	var sb strings.Builder
	var calls []ToolCall
	for _, b := range r.Message.Content {
		switch b.Type {
		case canon.BlockText:
			sb.WriteString(b.Text)
		case canon.BlockToolUse:
			in := b.ToolUse.Input
			if len(in) == 0 {
				in = json.RawMessage("{}")
			}
			calls = append(calls, ToolCall{Name: b.ToolUse.Name, Parameters: in})
		}
	}
	out := &Response{Text: sb.String(), FinishReason: FinishReason(r.StopReason), ToolCalls: calls}
	if len(ids) == 2 {
		out.ResponseID, out.GenerationID = ids[0], ids[1]
	} else {
		out.ResponseID, out.GenerationID = newID(), newID()
	}
	out.ChatHistory = []Turn{}
	if call != nil {
		out.ChatHistory = append(out.ChatHistory, call.History...)
		if call.Message != "" {
			out.ChatHistory = append(out.ChatHistory, Turn{Role: "USER", Message: call.Message})
		}
	}
	out.ChatHistory = append(out.ChatHistory, Turn{Role: "CHATBOT", Message: out.Text, ToolCalls: calls})
	out.Meta.APIVersion.Version = "1"
	in := r.Usage.InputTokens + r.Usage.CacheReadTokens + r.Usage.CacheWriteTokens
	out.Meta.BilledUnits = Units{InputTokens: in, OutputTokens: r.Usage.OutputTokens}
	out.Meta.Tokens = out.Meta.BilledUnits
	return out
}

// StreamEncoder turns canonical events into Cohere's chat stream events
// (see the package comment). The chunk passed to the sink is only valid
// during the call. It is not safe for concurrent use.
type StreamEncoder struct {
	sink    func(chunk []byte) error
	call    *Call
	last    func(u canon.Usage, latencyMs int64) (string, any)
	ids     [2]string
	acc     *canon.Accumulator
	started bool
	tool    *ToolCall // the open tool-use block's call
	input   strings.Builder
	stopped bool
	done    bool
}

// NewStreamEncoder returns an encoder writing chunks to sink for the
// request call; last, if not nil, adds one member to the final chunk. ids,
// if given, are the response and generation ids (tests).
func NewStreamEncoder(sink func(chunk []byte) error, call *Call, last func(u canon.Usage, latencyMs int64) (string, any), ids ...string) *StreamEncoder {
	e := &StreamEncoder{sink: sink, call: call, last: last, acc: canon.NewAccumulator()}
	if len(ids) == 2 {
		e.ids = [2]string{ids[0], ids[1]}
	} else {
		e.ids = [2]string{newID(), newID()}
	}
	return e
}

// Done reports whether the final chunk has been written.
func (e *StreamEncoder) Done() bool { return e.done }

type event struct {
	IsFinished   bool       `json:"is_finished"`
	EventType    string     `json:"event_type"`
	GenerationID string     `json:"generation_id,omitempty"`
	Text         *string    `json:"text,omitempty"`
	ToolCalls    []ToolCall `json:"tool_calls,omitempty"`
	FinishReason string     `json:"finish_reason,omitempty"`
	Response     *Response  `json:"response,omitempty"`
}

// WriteEvent encodes one canonical event.
func (e *StreamEncoder) WriteEvent(ev canon.Event) error {
	if e.done {
		return nil
	}
	if ev.Kind != canon.EventMetadata {
		if err := e.acc.WriteEvent(ev); err != nil {
			return apierr.Wrap(apierr.ModelStreamError, err, "the model's answer was malformed")
		}
	}
	if !e.started {
		e.started = true
		if err := e.emit(event{EventType: "stream-start", GenerationID: e.ids[1]}, "", nil); err != nil {
			return err
		}
	}
	switch ev.Kind {
	case canon.EventBlockStart:
		if ev.BlockType == canon.BlockToolUse {
			e.tool = &ToolCall{Name: ev.ToolName}
			e.input.Reset()
		}
	case canon.EventBlockDelta:
		switch {
		case ev.Delta == canon.DeltaText && ev.Text != "":
			t := ev.Text
			return e.emit(event{EventType: "text-generation", Text: &t}, "", nil)
		case ev.Delta == canon.DeltaToolInput && e.tool != nil:
			e.input.WriteString(ev.Text)
		}
	case canon.EventBlockStop:
		if e.tool != nil {
			tc := *e.tool
			e.tool = nil
			tc.Parameters = json.RawMessage(strings.TrimSpace(e.input.String()))
			if len(tc.Parameters) == 0 || !json.Valid(tc.Parameters) {
				tc.Parameters = json.RawMessage("{}")
			}
			return e.emit(event{EventType: "tool-calls-generation", ToolCalls: []ToolCall{tc}}, "", nil)
		}
	case canon.EventMessageStop:
		e.stopped = true
	case canon.EventMetadata:
		return e.end(ev.Usage, ev.LatencyMs)
	}
	return nil
}

// Finish writes the final chunk if the answer stopped without usage; a
// stream that never stopped is an error.
func (e *StreamEncoder) Finish() error {
	if e.done {
		return nil
	}
	if !e.stopped {
		return apierr.New(apierr.ModelStreamError, "the model's answer ended before its stop event")
	}
	return e.end(canon.Usage{}, 0)
}

func (e *StreamEncoder) end(u canon.Usage, latencyMs int64) error {
	if !e.stopped {
		return apierr.New(apierr.ModelStreamError, "the model's answer reported usage before its stop event")
	}
	e.done = true
	r, err := e.acc.Response()
	if err != nil {
		return apierr.Wrap(apierr.ModelStreamError, err, "the model's answer was incomplete")
	}
	full := *r
	full.Usage = u
	resp := ResponseFromCanon(&full, e.call, e.ids[0], e.ids[1])
	key, extra := "", any(nil)
	if e.last != nil {
		key, extra = e.last(u, latencyMs)
	}
	return e.emit(event{IsFinished: true, EventType: "stream-end", FinishReason: resp.FinishReason, Response: resp}, key, extra)
}

func (e *StreamEncoder) emit(ev event, key string, extra any) error {
	b, err := json.Marshal(ev)
	if err == nil && key != "" {
		b, err = nativejson.AppendMember(b, key, extra)
	}
	if err != nil {
		return apierr.Wrap(apierr.Internal, err, "a stream chunk could not be encoded")
	}
	return e.sink(b)
}
