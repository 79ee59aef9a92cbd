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
	"encoding/json"
	"github.com/basalt-gateway/basalt/internal/format/nativejson"
	"strings"

	"github.com/basalt-gateway/basalt/internal/apierr"
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

// StreamEncoder turns canonical events into Titan's stream chunks (see the
// package comment). The chunk passed to the sink is only valid during the
// call. It is not safe for concurrent use.
type StreamEncoder struct {
	sink    func(chunk []byte) error
	last    func(u canon.Usage, latencyMs int64) (string, any)
	stop    canon.StopReason
	stopped bool
	done    bool
}

// NewStreamEncoder returns an encoder writing chunks to sink; last, if not
// nil, adds one member to the final chunk.
func NewStreamEncoder(sink func(chunk []byte) error, last func(u canon.Usage, latencyMs int64) (string, any)) *StreamEncoder {
	return &StreamEncoder{sink: sink, last: last}
}

// Done reports whether the final chunk has been written.
func (e *StreamEncoder) Done() bool { return e.done }

type chunk struct {
	OutputText                string  `json:"outputText"`
	Index                     int     `json:"index"`
	TotalOutputTextTokenCount *int    `json:"totalOutputTextTokenCount"`
	CompletionReason          *string `json:"completionReason"`
	InputTextTokenCount       *int    `json:"inputTextTokenCount"`
}

// WriteEvent encodes one canonical event.
func (e *StreamEncoder) WriteEvent(ev canon.Event) error {
	if e.done {
		return nil
	}
	switch ev.Kind {
	case canon.EventBlockDelta:
		if ev.Delta != canon.DeltaText || ev.Text == "" {
			return nil
		}
		return e.emit(chunk{OutputText: ev.Text}, "", nil)
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
	out, in := u.OutputTokens, u.InputTokens+u.CacheReadTokens+u.CacheWriteTokens
	reason := CompletionReason(e.stop)
	key, extra := "", any(nil)
	if e.last != nil {
		key, extra = e.last(u, latencyMs)
	}
	return e.emit(chunk{TotalOutputTextTokenCount: &out, CompletionReason: &reason, InputTextTokenCount: &in}, key, extra)
}

func (e *StreamEncoder) emit(c chunk, key string, extra any) error {
	b, err := json.Marshal(c)
	if err == nil && key != "" {
		b, err = nativejson.AppendMember(b, key, extra)
	}
	if err != nil {
		return apierr.Wrap(apierr.Internal, err, "a stream chunk could not be encoded")
	}
	return e.sink(b)
}
