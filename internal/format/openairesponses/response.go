package openairesponses

import (
	"encoding/json"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
)

// NewResponse returns the response object for r before any output: status
// in_progress (queued for background runs), empty output, and every
// request setting echoed as OpenAI echoes it.
func NewResponse(id string, createdAt int64, r *Request) *Response {
	resp := &Response{
		ID: id, Object: "response", CreatedAt: createdAt, Status: StatusInProgress,
		Background: r.Background, Instructions: r.Instructions, MaxOutputTokens: r.MaxOutputTokens,
		MaxToolCalls: r.MaxToolCalls, Model: r.Model, Output: []any{}, ParallelToolCalls: true,
		ServiceTier: "default", Store: r.Stored(), Temperature: 1, TopP: 1, Truncation: "disabled",
		Tools: nonNil(r.Tools), ToolChoice: json.RawMessage(`"auto"`), Metadata: r.Metadata,
		Text: TextConfig{Format: TextFormat{Type: "text"}}, AccessPrograms: AccessPrograms{Cyber: "standard"},
	}
	if r.Background {
		resp.Status = StatusQueued
	}
	if resp.Metadata == nil {
		resp.Metadata = map[string]string{}
	}
	if r.ParallelToolCalls != nil {
		resp.ParallelToolCalls = *r.ParallelToolCalls
	}
	if r.Temperature != nil {
		resp.Temperature = *r.Temperature
	}
	if r.TopP != nil {
		resp.TopP = *r.TopP
	}
	if r.Truncation != "" {
		resp.Truncation = r.Truncation
	}
	if r.ServiceTier != "" && r.ServiceTier != "auto" {
		resp.ServiceTier = r.ServiceTier
	}
	if len(r.ToolChoice) > 0 {
		resp.ToolChoice = r.ToolChoice
	}
	if r.Text != nil {
		resp.Text = *r.Text
	}
	if r.Reasoning != nil {
		resp.Reasoning = *r.Reasoning
	}
	if r.PreviousResponseID != "" {
		resp.PreviousResponseID = &r.PreviousResponseID
	}
	if r.User != "" {
		resp.User = &r.User
	}
	if r.SafetyIdentifier != "" {
		resp.SafetyIdentifier = &r.SafetyIdentifier
	}
	if r.PromptCacheKey != "" {
		resp.PromptCacheKey = &r.PromptCacheKey
	}
	return resp
}

// UsageFromCanon converts canonical usage (input excludes cache reads and
// writes) to Responses usage (input_tokens includes them).
func UsageFromCanon(u canon.Usage) *Usage {
	in := u.InputTokens + u.CacheReadTokens + u.CacheWriteTokens
	return &Usage{
		InputTokens:        in,
		InputTokensDetails: InputTokensDetails{CachedTokens: u.CacheReadTokens, CacheWriteTokens: u.CacheWriteTokens},
		OutputTokens:       u.OutputTokens,
		TotalTokens:        in + u.OutputTokens,
	}
}

// StatusFromStop maps a canonical stop reason to the response's status,
// incomplete_details and error.
func StatusFromStop(stop canon.StopReason) (string, *IncompleteDetails, *ResponseError) {
	switch stop {
	case canon.StopMaxTokens, canon.StopContextWindowExceeded:
		return StatusIncomplete, &IncompleteDetails{Reason: "max_output_tokens"}, nil
	case canon.StopContentFiltered, canon.StopGuardrailIntervened:
		return StatusIncomplete, &IncompleteDetails{Reason: "content_filter"}, nil
	case canon.StopMalformedToolUse:
		return StatusFailed, nil, &ResponseError{Code: "server_error", Message: "The model produced a malformed tool call."}
	case canon.StopMalformedModelOutput:
		return StatusFailed, nil, &ResponseError{Code: "server_error", Message: "The model produced malformed output."}
	}
	return StatusCompleted, nil, nil
}

// ErrorFromAPI is the response.error member for a failure.
func ErrorFromAPI(e *apierr.Error) *ResponseError {
	code := "server_error"
	switch e.Kind {
	case apierr.Throttling, apierr.QuotaExceeded:
		code = "rate_limit_exceeded"
	case apierr.Validation:
		code = "invalid_prompt"
	}
	return &ResponseError{Code: code, Message: e.Message}
}

func reasoningItem(id string, r *canon.Reasoning) Item {
	it := Item{Type: "reasoning", ID: id, Status: StatusCompleted, Summary: []Part{}}
	if r.Text != "" {
		it.Content = []Part{{Type: "reasoning_text", Text: r.Text}}
	}
	if r.Signature != "" {
		it.EncryptedContent = &r.Signature
	} else if len(r.Redacted) > 0 {
		s := redactedPrefix + encodeBase64(r.Redacted)
		it.EncryptedContent = &s
	}
	return it
}
