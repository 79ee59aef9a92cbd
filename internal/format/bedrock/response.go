package bedrock

import (
	"encoding/json"

	"github.com/basalt-gateway/basalt/internal/canon"
)

// FromCanonResponse converts a canonical answer to the Converse response.
func FromCanonResponse(r *canon.Response) *ConverseResponse {
	out := &ConverseResponse{StopReason: string(r.StopReason)}
	if out.StopReason == "" {
		out.StopReason = string(canon.StopEndTurn)
	}
	out.Output.Message.Role = "assistant"
	out.Output.Message.Content = make([]ResponseBlock, 0, len(r.Message.Content))
	for _, b := range r.Message.Content {
		switch b.Type {
		case canon.BlockText:
			t := b.Text
			out.Output.Message.Content = append(out.Output.Message.Content, ResponseBlock{Text: &t})
		case canon.BlockToolUse:
			in := b.ToolUse.Input
			if len(in) == 0 {
				in = json.RawMessage("{}")
			}
			out.Output.Message.Content = append(out.Output.Message.Content, ResponseBlock{ToolUse: &ToolUse{
				ToolUseID: b.ToolUse.ID, Name: b.ToolUse.Name, Input: in, Type: b.ToolUse.Type}})
		case canon.BlockReasoning:
			out.Output.Message.Content = append(out.Output.Message.Content, ResponseBlock{ReasoningContent: reasoningContent(b.Reasoning)})
		}
	}
	out.Usage = usage(r.Usage)
	out.Metrics.LatencyMs = r.LatencyMs
	out.AdditionalModelResponseFields = r.AdditionalFields
	return out
}

func reasoningContent(r *canon.Reasoning) *ReasoningContent {
	if len(r.Redacted) > 0 && r.Text == "" {
		return &ReasoningContent{RedactedContent: r.Redacted}
	}
	rc := &ReasoningContent{}
	rc.ReasoningText = &struct {
		Text      string `json:"text"`
		Signature string `json:"signature,omitempty"`
	}{Text: r.Text, Signature: r.Signature}
	return rc
}

func usage(u canon.Usage) Usage {
	return Usage{InputTokens: u.InputTokens, OutputTokens: u.OutputTokens, TotalTokens: u.Total(),
		CacheReadInputTokens: u.CacheReadTokens, CacheWriteInputTokens: u.CacheWriteTokens}
}
