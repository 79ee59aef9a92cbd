package anthropic

import (
	"crypto/rand"
	"encoding/json"

	"github.com/basalt-gateway/basalt/internal/canon"
)

// This file is the inbound direction of answers: canon → the Message object
// a Messages client (or a Bedrock InvokeModel Claude client) reads.

// NewMessageID returns a fresh message id in Anthropic's style:
// "msg_" followed by 24 base62 characters.
func NewMessageID() string {
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	var b [24]byte
	_, _ = rand.Read(b[:])
	out := make([]byte, 4, 4+len(b))
	copy(out, "msg_")
	for _, c := range b {
		out = append(out, alphabet[int(c)%len(alphabet)])
	}
	return string(out)
}

// ResponseFromCanon builds the Message object of a complete answer. model
// is the id the client asked for (Anthropic echoes the request's model).
// The id is fresh; callers that streamed the same answer reuse theirs.
func ResponseFromCanon(resp *canon.Response, model string) *MessagesResponse {
	out := &MessagesResponse{ID: NewMessageID(), Type: "message", Role: "assistant", Model: model,
		Content: make(Blocks, 0, len(resp.Message.Content))}
	for _, b := range resp.Message.Content {
		switch b.Type {
		case canon.BlockText:
			out.Content = append(out.Content, ContentBlock{Type: BlockText, Text: b.Text})
		case canon.BlockToolUse:
			if b.ToolUse == nil {
				continue
			}
			out.Content = append(out.Content, ContentBlock{Type: BlockToolUse, ID: b.ToolUse.ID, Name: b.ToolUse.Name, Input: b.ToolUse.Input})
		case canon.BlockReasoning:
			if b.Reasoning == nil {
				continue
			}
			out.Content = append(out.Content, reasoningBlock(b.Reasoning))
		}
	}
	sr := StopReasonFromCanon(resp.StopReason)
	out.StopReason = &sr
	if sr == StopStopSequence {
		out.StopSequence = StopSequenceFromFields(resp.AdditionalFields)
	}
	out.Usage = UsageFromCanon(resp.Usage)
	return out
}

// reasoningBlock is a thinking block, or redacted_thinking when the model's
// reasoning came back encrypted (its opaque data string is canon's bytes).
func reasoningBlock(r *canon.Reasoning) ContentBlock {
	if len(r.Redacted) > 0 && r.Text == "" {
		return ContentBlock{Type: BlockRedactedThinking, Data: string(r.Redacted)}
	}
	return ContentBlock{Type: BlockThinking, Thinking: r.Text, Signature: r.Signature}
}

// StopReasonFromCanon maps a canonical stop reason to Anthropic's. Content
// filtering and guardrail interventions are "refusal" (Anthropic's stop for
// a declined answer); the malformed-output reasons have no Anthropic
// equivalent and end the turn.
func StopReasonFromCanon(r canon.StopReason) string {
	switch r {
	case canon.StopToolUse:
		return StopToolUse
	case canon.StopMaxTokens:
		return StopMaxTokens
	case canon.StopSequence:
		return StopStopSequence
	case canon.StopContentFiltered, canon.StopGuardrailIntervened:
		return StopRefusal
	case canon.StopContextWindowExceeded:
		return StopModelContextWindowExceeded
	}
	return StopEndTurn
}

// StopSequenceFromFields reads the matched stop sequence from a canonical
// answer's AdditionalFields ({"stop_sequence": "…"}, which providers fill
// when the request's AdditionalResponseFieldPaths asks for it).
func StopSequenceFromFields(fields json.RawMessage) *string {
	if len(fields) == 0 {
		return nil
	}
	var v struct {
		StopSequence *string `json:"stop_sequence"`
	}
	if json.Unmarshal(fields, &v) != nil || v.StopSequence == nil {
		return nil
	}
	return v.StopSequence
}

// UsageFromCanon converts usage: canon's InputTokens already excludes cache
// reads and writes, exactly as Anthropic's input_tokens does.
func UsageFromCanon(u canon.Usage) Usage {
	return Usage{
		InputTokens:              u.InputTokens,
		OutputTokens:             u.OutputTokens,
		CacheReadInputTokens:     u.CacheReadTokens,
		CacheCreationInputTokens: u.CacheWriteTokens,
	}
}
