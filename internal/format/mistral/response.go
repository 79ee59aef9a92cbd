package mistral

import (
	"encoding/json"
	"github.com/basalt-gateway/basalt/internal/format/nativejson"
	"strings"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
)

// PromptResponse is the prompt style's answer body.
type PromptResponse struct {
	Outputs []Output `json:"outputs"`
}

// Output is one prompt-style generation.
type Output struct {
	Text       string  `json:"text"`
	StopReason *string `json:"stop_reason"`
}

// ChatResponse is the chat style's answer body.
type ChatResponse struct {
	Choices []Choice `json:"choices"`
}

// Choice is one chat-style answer.
type Choice struct {
	Index      int     `json:"index"`
	Message    Message `json:"message"`
	StopReason *string `json:"stop_reason"`
}

// Message is the assistant's chat-style message.
type Message struct {
	Role      string     `json:"role"`
	Content   string     `json:"content"`
	ToolCalls []ToolCall `json:"tool_calls,omitempty"`
}

// ToolCall is one function call.
type ToolCall struct {
	ID       string `json:"id"`
	Type     string `json:"type"`
	Function struct {
		Name      string `json:"name"`
		Arguments string `json:"arguments"`
	} `json:"function"`
}

// StopReason is Mistral's word for a canonical stop reason.
func StopReason(s canon.StopReason) string {
	switch s {
	case canon.StopMaxTokens, canon.StopContextWindowExceeded:
		return "length"
	case canon.StopToolUse:
		return "tool_calls"
	}
	return "stop"
}

func toolCall(id, name string, input json.RawMessage) ToolCall {
	tc := ToolCall{ID: id, Type: "function"}
	tc.Function.Name = name
	tc.Function.Arguments = string(input)
	if tc.Function.Arguments == "" {
		tc.Function.Arguments = "{}"
	}
	return tc
}

// ResponseFromCanon converts a canonical answer into the body of the
// request's style: text blocks joined, tool use as tool_calls (chat style;
// the prompt style has none), reasoning dropped.
func ResponseFromCanon(r *canon.Response, style Style) any {
	var sb strings.Builder
	var calls []ToolCall
	for _, b := range r.Message.Content {
		switch b.Type {
		case canon.BlockText:
			sb.WriteString(b.Text)
		case canon.BlockToolUse:
			calls = append(calls, toolCall(b.ToolUse.ID, b.ToolUse.Name, b.ToolUse.Input))
		}
	}
	reason := StopReason(r.StopReason)
	if style == StylePrompt {
		if reason == "tool_calls" {
			reason = "stop"
		}
		return &PromptResponse{Outputs: []Output{{Text: sb.String(), StopReason: &reason}}}
	}
	return &ChatResponse{Choices: []Choice{{Message: Message{Role: "assistant", Content: sb.String(), ToolCalls: calls}, StopReason: &reason}}}
}

// StreamEncoder turns canonical events into the stream chunks of the
// request's style (see the package comment). The chunk passed to the sink
// is only valid during the call. It is not safe for concurrent use.
type StreamEncoder struct {
	sink    func(chunk []byte) error
	style   Style
	last    func(u canon.Usage, latencyMs int64) (string, any)
	tool    *ToolCall // the tool call being gathered
	input   strings.Builder
	stop    canon.StopReason
	stopped bool
	done    bool
}

// NewStreamEncoder returns an encoder writing chunks of style to sink;
// last, if not nil, adds one member to the final chunk.
func NewStreamEncoder(sink func(chunk []byte) error, style Style, last func(u canon.Usage, latencyMs int64) (string, any)) *StreamEncoder {
	return &StreamEncoder{sink: sink, style: style, last: last}
}

// Done reports whether the final chunk has been written.
func (e *StreamEncoder) Done() bool { return e.done }

// WriteEvent encodes one canonical event.
func (e *StreamEncoder) WriteEvent(ev canon.Event) error {
	if e.done {
		return nil
	}
	switch ev.Kind {
	case canon.EventBlockStart:
		if ev.BlockType == canon.BlockToolUse && e.style == StyleChat {
			tc := toolCall(ev.ToolUseID, ev.ToolName, nil)
			e.tool = &tc
			e.input.Reset()
		}
	case canon.EventBlockDelta:
		switch {
		case ev.Delta == canon.DeltaText && ev.Text != "":
			return e.chunk(ev.Text, nil, nil, "", nil)
		case ev.Delta == canon.DeltaToolInput && e.tool != nil:
			e.input.WriteString(ev.Text)
		}
	case canon.EventBlockStop:
		if e.tool != nil {
			if in := strings.TrimSpace(e.input.String()); in != "" {
				e.tool.Function.Arguments = in
			}
			calls := []ToolCall{*e.tool}
			e.tool = nil
			return e.chunk("", calls, nil, "", nil)
		}
	case canon.EventMessageStop:
		e.stopped, e.stop = true, ev.StopReason
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
	reason := StopReason(e.stop)
	if e.style == StylePrompt && reason == "tool_calls" {
		reason = "stop"
	}
	key, extra := "", any(nil)
	if e.last != nil {
		key, extra = e.last(u, latencyMs)
	}
	return e.chunk("", nil, &reason, key, extra)
}

// chunk writes one chunk of the request's style, with the member key:
// extra when key is not empty.
func (e *StreamEncoder) chunk(s string, calls []ToolCall, stop *string, key string, extra any) error {
	var v any
	if e.style == StylePrompt {
		v = PromptResponse{Outputs: []Output{{Text: s, StopReason: stop}}}
	} else {
		v = ChatResponse{Choices: []Choice{{Message: Message{Role: "assistant", Content: s, ToolCalls: calls}, StopReason: stop}}}
	}
	b, err := json.Marshal(v)
	if err == nil && key != "" {
		b, err = nativejson.AppendMember(b, key, extra)
	}
	if err != nil {
		return apierr.Wrap(apierr.Internal, err, "a stream chunk could not be encoded")
	}
	return e.sink(b)
}
