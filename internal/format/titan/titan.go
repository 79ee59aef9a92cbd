// Package titan is the InvokeModel body dialect of Amazon Titan Text
// (amazon.titan-text-express|lite|premier-*, amazon.titan-tg1-*): the
// request body into the canonical request, and canonical answers into
// Titan's response body and stream chunks. It is pure: no I/O.
//
// Request: {"inputText": "…", "textGenerationConfig": {"maxTokenCount",
// "temperature", "topP", "stopSequences"}}; inputText becomes one user
// message as written (Titan's "User: …\nBot:" convention is left to the
// model). Decisions where Bedrock's documentation is thin (the spec's open
// question 6):
//
//   - completionReason maps end_turn and tool_use to FINISH, max_tokens to
//     LENGTH, stop_sequence to STOP_CRITERIA_MET, and content_filtered or
//     guardrail_intervened to CONTENT_FILTERED.
//   - Stream chunks: one per text delta, {"outputText": "…", "index": 0,
//     "totalOutputTextTokenCount": null, "completionReason": null,
//     "inputTextTokenCount": null} (the counts are known only at the end),
//     then a final chunk with "outputText": "", the token counts, the
//     completion reason and the last-chunk member (Bedrock's
//     "amazon-bedrock-invocationMetrics").
package titan

import (
	"github.com/basalt-gateway/basalt/internal/format/nativejson"
	"strings"

	"github.com/basalt-gateway/basalt/internal/canon"
)

// DecodeRequest validates a Titan Text body for modelID and converts it.
// Every problem is a Validation error starting "Malformed input request:"
// that names the bad keys.
func DecodeRequest(modelID string, body []byte) (*canon.Request, error) {
	var problems []string
	top, ok := nativejson.ParseObject("#", body, &problems, "inputText", "textGenerationConfig")
	if !ok {
		return nil, nativejson.Malformed(problems)
	}
	top.Require("inputText")
	text, ok := top.Str("inputText")
	if ok && strings.TrimSpace(text) == "" {
		top.Fail("inputText", "expected minLength: 1, actual: 0")
	}
	req := &canon.Request{Model: modelID}
	if raw := top.Get("textGenerationConfig"); raw != nil {
		if tc, ok := nativejson.ParseObject("#/textGenerationConfig", raw, &problems, "maxTokenCount", "temperature", "topP", "stopSequences"); ok {
			req.Inference.MaxTokens = tc.Integer("maxTokenCount", 0, 1_000_000)
			req.Inference.Temperature = tc.Number("temperature", 0, 1)
			req.Inference.TopP = tc.Number("topP", 0, 1)
			req.Inference.StopSequences = tc.Strings("stopSequences", 100)
		}
	}
	if len(problems) > 0 {
		return nil, nativejson.Malformed(problems)
	}
	req.Messages = []canon.Message{{Role: canon.RoleUser, Content: []canon.Block{canon.TextBlock(text)}}}
	return req, nil
}

// Response is Titan Text's answer body.
type Response struct {
	InputTextTokenCount int      `json:"inputTextTokenCount"`
	Results             []Result `json:"results"`
}

// Result is one generation.
type Result struct {
	TokenCount       int    `json:"tokenCount"`
	OutputText       string `json:"outputText"`
	CompletionReason string `json:"completionReason"`
}

// CompletionReason is Titan's word for a canonical stop reason.
func CompletionReason(s canon.StopReason) string {
	switch s {
	case canon.StopMaxTokens, canon.StopContextWindowExceeded:
		return "LENGTH"
	case canon.StopSequence:
		return "STOP_CRITERIA_MET"
	case canon.StopContentFiltered, canon.StopGuardrailIntervened:
		return "CONTENT_FILTERED"
	}
	return "FINISH"
}

// ResponseFromCanon converts a canonical answer: its text blocks joined
// (Titan has no tool use or reasoning) into one result.
func ResponseFromCanon(r *canon.Response) *Response {
	var sb strings.Builder
	for _, b := range r.Message.Content {
		if b.Type == canon.BlockText {
			sb.WriteString(b.Text)
		}
	}
	return &Response{InputTextTokenCount: r.Usage.InputTokens + r.Usage.CacheReadTokens + r.Usage.CacheWriteTokens,
		Results: []Result{{TokenCount: r.Usage.OutputTokens, OutputText: sb.String(), CompletionReason: CompletionReason(r.StopReason)}}}
}

type chunk struct {
	OutputText                string  `json:"outputText"`
	Index                     int     `json:"index"`
	TotalOutputTextTokenCount *int    `json:"totalOutputTextTokenCount"`
	CompletionReason          *string `json:"completionReason"`
	InputTextTokenCount       *int    `json:"inputTextTokenCount"`
}

// NewStreamEncoder returns the encoder of Titan's stream chunks (see the
// package comment); last, if not nil, adds one member to the final chunk.
func NewStreamEncoder(sink func(chunk []byte) error, last func(u canon.Usage, latencyMs int64) (string, any)) *nativejson.TextStream {
	return nativejson.NewTextStream(sink, last,
		func(text string) any { return chunk{OutputText: text} },
		func(u canon.Usage, stop canon.StopReason) any {
			out, in := u.OutputTokens, u.InputTokens+u.CacheReadTokens+u.CacheWriteTokens
			reason := CompletionReason(stop)
			return chunk{TotalOutputTextTokenCount: &out, CompletionReason: &reason, InputTextTokenCount: &in}
		})
}
