package nova

import (
	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/format/bedrock"
)

// Response is Nova's InvokeModel answer body.
type Response struct {
	Output struct {
		Message bedrock.ResponseMessage `json:"message"`
	} `json:"output"`
	StopReason string `json:"stopReason"`
	Usage      Usage  `json:"usage"`
}

// Usage is Nova's token usage, cache counters spelled as in InvokeModel.
type Usage struct {
	InputTokens               int `json:"inputTokens"`
	OutputTokens              int `json:"outputTokens"`
	TotalTokens               int `json:"totalTokens"`
	CacheReadInputTokenCount  int `json:"cacheReadInputTokenCount"`
	CacheWriteInputTokenCount int `json:"cacheWriteInputTokenCount"`
}

func usage(u canon.Usage) Usage {
	return Usage{InputTokens: u.InputTokens, OutputTokens: u.OutputTokens, TotalTokens: u.Total(),
		CacheReadInputTokenCount: u.CacheReadTokens, CacheWriteInputTokenCount: u.CacheWriteTokens}
}

// ResponseFromCanon converts a canonical answer into Nova's body: content
// blocks (text, toolUse, reasoningContent) and stop reasons as Converse
// has them.
func ResponseFromCanon(r *canon.Response) *Response {
	cr := bedrock.FromCanonResponse(r)
	out := &Response{StopReason: cr.StopReason, Usage: usage(r.Usage)}
	out.Output.Message = cr.Output.Message
	return out
}
