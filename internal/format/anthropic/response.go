package anthropic

import (
	"bytes"
	"encoding/json"
	"slices"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/format/jsonbytes"
)

// ResponseOptions carries what the caller's request asked of the answer.
type ResponseOptions struct {
	// AdditionalResponseFieldPaths is canon.Request's; "/stop_sequence" is
	// the one path the Messages dialect answers (as Bedrock does for Claude).
	AdditionalResponseFieldPaths []string
}

// DecodeResponse parses a unary Messages answer. A body that is an error
// object (some proxies answer 200 with one) becomes that error.
func DecodeResponse(data []byte) (*MessagesResponse, error) {
	if resp, ok := decodeResponseFast(data); ok {
		if resp.Type == EventError {
			return nil, ErrorFromEvent(data)
		}
		return resp, nil
	}
	resp := new(MessagesResponse)
	if !jsonbytes.Decode(data, resp) {
		*resp = MessagesResponse{}
		if err := json.Unmarshal(data, resp); err != nil {
			return nil, apierr.Wrap(apierr.ModelError, err, "the upstream returned a malformed Messages response")
		}
	}
	if resp.Type == EventError {
		return nil, ErrorFromEvent(data)
	}
	return resp, nil
}

// ResponseToCanon converts a unary answer. Blocks canon cannot carry
// (server tool calls and results) are skipped; a redacted_thinking block's
// opaque data string becomes Reasoning.Redacted bytes unchanged, so it
// replays byte for byte.
func ResponseToCanon(resp *MessagesResponse, opts ResponseOptions) (*canon.Response, error) {
	if resp == nil {
		return nil, apierr.New(apierr.ModelError, "the upstream returned an empty Messages response")
	}
	out := &canon.Response{Message: canon.Message{Role: canon.RoleAssistant}}
	for _, b := range resp.Content {
		switch b.Type {
		case BlockText:
			out.Message.Content = append(out.Message.Content, canon.TextBlock(b.Text))
		case BlockThinking:
			out.Message.Content = append(out.Message.Content, canon.Block{Type: canon.BlockReasoning,
				Reasoning: &canon.Reasoning{Text: b.Thinking, Signature: b.Signature}})
		case BlockRedactedThinking:
			out.Message.Content = append(out.Message.Content, canon.Block{Type: canon.BlockReasoning,
				Reasoning: &canon.Reasoning{Redacted: []byte(b.Data)}})
		case BlockToolUse:
			in := b.Input
			if len(bytes.TrimSpace(in)) == 0 || string(in) == "null" {
				in = json.RawMessage(`{}`)
			}
			out.Message.Content = append(out.Message.Content, canon.Block{Type: canon.BlockToolUse,
				ToolUse: &canon.ToolUse{ID: b.ID, Name: b.Name, Input: in}})
		}
	}
	out.StopReason = StopReasonToCanon(deref(resp.StopReason))
	out.AdditionalFields = additionalFields(opts, resp.StopSequence)
	out.Usage = UsageToCanon(resp.Usage)
	return out, nil
}

// StopReasonToCanon maps an Anthropic stop_reason. pause_turn (a server
// tool loop paused) ends the turn as far as the client can tell; an empty or
// unknown reason is treated as end_turn rather than failing a finished answer.
func StopReasonToCanon(r string) canon.StopReason {
	switch r {
	case StopMaxTokens:
		return canon.StopMaxTokens
	case StopStopSequence:
		return canon.StopSequence
	case StopToolUse:
		return canon.StopToolUse
	case StopRefusal:
		return canon.StopContentFiltered
	case StopModelContextWindowExceeded:
		return canon.StopContextWindowExceeded
	}
	return canon.StopEndTurn
}

// UsageToCanon converts usage. Anthropic's input_tokens already excludes
// cache reads and writes, exactly like canon's InputTokens.
func UsageToCanon(u Usage) canon.Usage {
	return canon.Usage{
		InputTokens:      u.InputTokens,
		OutputTokens:     u.OutputTokens,
		CacheReadTokens:  u.CacheReadInputTokens,
		CacheWriteTokens: u.CacheCreationInputTokens,
	}
}

func additionalFields(opts ResponseOptions, stopSequence *string) json.RawMessage {
	if stopSequence == nil || !slices.Contains(opts.AdditionalResponseFieldPaths, "/stop_sequence") {
		return nil
	}
	b, _ := json.Marshal(struct {
		StopSequence string `json:"stop_sequence"`
	}{*stopSequence})
	return b
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
