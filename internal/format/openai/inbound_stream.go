package openai

import (
	"encoding/json"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
)

// StreamEncoder turns canonical events into chat.completion.chunk
// payloads (the JSON after "data: "), in OpenAI's order: a first chunk
// with role "assistant"; content, reasoning_content and tool call
// fragments; a chunk with finish_reason; then, when IncludeUsage, a chunk
// with empty choices and usage. The caller writes [DONE] (Done) last.
//
// Tool calls are numbered 0, 1, … among tool calls only (text and
// reasoning blocks take no index); a call's first fragment carries its id,
// type and name with empty arguments, later ones only argument text.
type StreamEncoder struct {
	ID           string
	Model        string
	Created      int64
	IncludeUsage bool

	toolIndex map[int]int // canonical block index → tool call index
	nextTool  int
	stopped   bool
}

// NewStreamEncoder returns an encoder for one answer.
func NewStreamEncoder(id, model string, created int64, includeUsage bool) *StreamEncoder {
	return &StreamEncoder{ID: id, Model: model, Created: created, IncludeUsage: includeUsage, toolIndex: map[int]int{}}
}

// DoneMarker is the payload that ends a successful stream.
var DoneMarker = []byte("[DONE]")

var emptyString = ""

// Encode calls emit with zero or more payloads for ev.
func (e *StreamEncoder) Encode(ev canon.Event, emit func([]byte) error) error {
	switch ev.Kind {
	case canon.EventMessageStart:
		return e.delta(Delta{Role: "assistant", Content: &emptyString}, nil, emit)
	case canon.EventBlockStart:
		if ev.BlockType != canon.BlockToolUse {
			return nil
		}
		idx := e.nextTool
		e.nextTool++
		e.toolIndex[ev.Index] = idx
		return e.delta(Delta{ToolCalls: []ToolCallDelta{{Index: idx, ID: ev.ToolUseID, Type: "function",
			Function: &FunctionCallDelta{Name: ev.ToolName}}}}, nil, emit)
	case canon.EventBlockDelta:
		if ev.Text == "" {
			return nil
		}
		switch ev.Delta {
		case canon.DeltaText:
			t := ev.Text
			return e.delta(Delta{Content: &t}, nil, emit)
		case canon.DeltaReasoningText:
			t := ev.Text
			return e.delta(Delta{ReasoningContent: &t}, nil, emit)
		case canon.DeltaToolInput:
			idx, ok := e.toolIndex[ev.Index]
			if !ok {
				return apierr.New(apierr.ModelStreamError, "the model sent tool input for block %d without starting a tool call", ev.Index)
			}
			return e.delta(Delta{ToolCalls: []ToolCallDelta{{Index: idx, Function: &FunctionCallDelta{Arguments: ev.Text}}}}, nil, emit)
		}
		return nil // signatures and redacted reasoning have no Chat Completions form
	case canon.EventMessageStop:
		e.stopped = true
		reason := FinishReasonFromCanon(ev.StopReason)
		return e.delta(Delta{}, &reason, emit)
	case canon.EventMetadata:
		if !e.IncludeUsage {
			return nil
		}
		return e.write(&ChatChunk{ID: e.ID, Object: "chat.completion.chunk", Created: e.Created, Model: e.Model,
			Choices: []ChunkChoice{}, Usage: UsageFromCanon(ev.Usage)}, emit)
	}
	return nil
}

func (e *StreamEncoder) delta(d Delta, finish *string, emit func([]byte) error) error {
	return e.write(&ChatChunk{ID: e.ID, Object: "chat.completion.chunk", Created: e.Created, Model: e.Model,
		Choices: []ChunkChoice{{Index: 0, Delta: d, FinishReason: finish}}}, emit)
}

func (e *StreamEncoder) write(c *ChatChunk, emit func([]byte) error) error {
	b, err := json.Marshal(c)
	if err != nil {
		return apierr.Wrap(apierr.Internal, err, "a stream chunk could not be encoded")
	}
	return emit(b)
}

// ErrorPayload is the mid-stream error event's payload:
// {"error":{"message","type","param","code"}}, which openai-go and
// openai-node turn into the stream's error.
func ErrorPayload(err error) []byte {
	_, body := ErrorBodyFor(err)
	b, _ := json.Marshal(body)
	return b
}
