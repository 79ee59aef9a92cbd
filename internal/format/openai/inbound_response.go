package openai

import (
	"strings"

	"github.com/basalt-gateway/basalt/internal/canon"
)

// FinishReasonFromCanon maps a canonical stop reason to finish_reason.
func FinishReasonFromCanon(r canon.StopReason) string {
	switch r {
	case canon.StopMaxTokens, canon.StopContextWindowExceeded:
		return FinishLength
	case canon.StopToolUse:
		return FinishToolCalls
	case canon.StopContentFiltered, canon.StopGuardrailIntervened:
		return FinishContentFilter
	}
	return FinishStop // end_turn, stop_sequence, malformed_* (the answer ended)
}

// UsageFromCanon converts usage to OpenAI semantics: prompt_tokens counts
// cache reads and writes too, and cached_tokens says how many were read
// from the cache (pitfall 9), so nothing is counted twice.
func UsageFromCanon(u canon.Usage) *Usage {
	prompt := u.InputTokens + u.CacheReadTokens + u.CacheWriteTokens
	return &Usage{
		PromptTokens:        prompt,
		CompletionTokens:    u.OutputTokens,
		TotalTokens:         prompt + u.OutputTokens,
		PromptTokensDetails: &PromptTokensDetails{CachedTokens: u.CacheReadTokens, CacheWriteTokens: u.CacheWriteTokens},
	}
}

// ResponseFromCanon renders a unary answer as a chat.completion. model is
// the id the client asked for, id the completion id, created its Unix time.
func ResponseFromCanon(r *canon.Response, model, id string, created int64) *ChatResponse {
	msg := Message{Role: "assistant"}
	var text, reasoning strings.Builder
	for _, b := range r.Message.Content {
		switch b.Type {
		case canon.BlockText:
			text.WriteString(b.Text)
		case canon.BlockReasoning:
			if b.Reasoning != nil {
				reasoning.WriteString(b.Reasoning.Text)
			}
		case canon.BlockToolUse:
			tu := b.ToolUse
			args := string(tu.Input)
			if strings.TrimSpace(args) == "" {
				args = "{}"
			}
			msg.ToolCalls = append(msg.ToolCalls, ToolCall{ID: tu.ID, Type: "function", Function: FunctionCall{Name: tu.Name, Arguments: args}})
		}
	}
	if text.Len() > 0 || len(msg.ToolCalls) == 0 {
		msg.Content = TextContent(text.String())
	}
	msg.ReasoningContent = reasoning.String()
	return &ChatResponse{
		ID:      id,
		Object:  "chat.completion",
		Created: created,
		Model:   model,
		Choices: []Choice{{Index: 0, Message: msg, FinishReason: FinishReasonFromCanon(r.StopReason)}},
		Usage:   UsageFromCanon(r.Usage),
	}
}
