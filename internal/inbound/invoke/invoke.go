// Package invoke is the inbound Bedrock runtime InvokeModel surface:
// POST /model/{modelId}/invoke and /invoke-with-response-stream, whose
// bodies are each model family's native JSON. So far it speaks the
// Anthropic Claude family (the Messages body with anthropic_version
// "bedrock-2023-05-31"); other model ids are refused with a
// ValidationException that says so.
package invoke

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/format/anthropic"
	"github.com/basalt-gateway/basalt/internal/inbound/converse"
	"github.com/basalt-gateway/basalt/internal/server"
)

// DefaultMaxBody is InvokeModel's documented body limit.
const DefaultMaxBody = 25_000_000

// BedrockAnthropicVersion is the anthropic_version a Claude body must carry.
const BedrockAnthropicVersion = "bedrock-2023-05-31"

// FamilyClaude is the catalog family of Anthropic Claude models.
const FamilyClaude = "claude"

// Shape is one of the two InvokeModel operations.
type Shape struct {
	// Stream selects InvokeModelWithResponseStream.
	Stream bool
	// Family returns the catalog family of a model id ("claude", "nova", …;
	// "" when unknown). app passes the catalog's.
	Family  func(modelID string) string
	MaxBody int64
}

var _ server.Shape = Shape{}

// Handler serves InvokeModel (stream false) or
// InvokeModelWithResponseStream (stream true) through gw.
func Handler(gw server.Conversation, family func(string) string, stream bool, log *slog.Logger) http.Handler {
	api := "invoke_model"
	if stream {
		api = "invoke_model_stream"
	}
	return server.Handle(api, gw, Shape{Stream: stream, Family: family}, log)
}

// Decode picks the family's body format from the model id and decodes it.
func (s Shape) Decode(r *http.Request) (*canon.Request, error) {
	modelID, err := converse.ModelID(r)
	if err != nil {
		return nil, err
	}
	family := ""
	if s.Family != nil {
		family = s.Family(modelID)
	}
	if family != FamilyClaude {
		if family == "" {
			family = "unknown"
		}
		return nil, apierr.Validationf("InvokeModel on this gateway supports only the Anthropic Claude family (anthropic.claude-* model ids, "+
			"with the Messages body and anthropic_version %q) so far; model %q is of family %q. Use Converse for this model.",
			BedrockAnthropicVersion, modelID, family)
	}
	limit := s.MaxBody
	if limit <= 0 {
		limit = DefaultMaxBody
	}
	body, err := server.ReadBody(r, limit)
	if err != nil {
		return nil, err
	}
	req, err := DecodeClaude(modelID, body)
	if err != nil {
		return nil, err
	}
	req.Stream = s.Stream
	return req, nil
}

// claudeKeys are the top-level keys a Bedrock Claude body may carry.
var claudeKeys = map[string]bool{
	"anthropic_version": true, "anthropic_beta": true, "max_tokens": true, "system": true, "messages": true,
	"temperature": true, "top_p": true, "top_k": true, "stop_sequences": true, "metadata": true,
	"tools": true, "tool_choice": true, "thinking": true, "output_config": true, "service_tier": true,
}

// DecodeClaude decodes a Bedrock InvokeModel Claude body for modelID. Its
// errors read like Bedrock's: "Malformed input request: #: extraneous key
// [stream] is not permitted, please reformat your input and try again."
func DecodeClaude(modelID string, body []byte) (*canon.Request, error) {
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(bytes.TrimSpace(body), &keys); err != nil || keys == nil {
		return nil, malformed("#: expected type: JSONObject")
	}
	var problems []string
	names := make([]string, 0, len(keys))
	for k := range keys {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		if !claudeKeys[k] {
			problems = append(problems, "#: extraneous key ["+k+"] is not permitted")
		}
	}
	for _, k := range []string{"anthropic_version", "max_tokens", "messages"} {
		if v, ok := keys[k]; !ok || string(v) == "null" {
			problems = append(problems, "#: required key ["+k+"] not found")
		}
	}
	if len(problems) > 0 {
		return nil, malformed(strings.Join(problems, ""))
	}
	mr, err := anthropic.DecodeRequest(body)
	if err != nil {
		return nil, malformed(apierr.As(err).Message)
	}
	if mr.AnthropicVersion != BedrockAnthropicVersion {
		return nil, malformed("#/anthropic_version: " + strconv.Quote(mr.AnthropicVersion) + " is not a valid enum value (use " + strconv.Quote(BedrockAnthropicVersion) + ")")
	}
	mr.Model = modelID
	req, err := anthropic.RequestToCanon(mr)
	if err != nil {
		return nil, malformed(apierr.As(err).Message)
	}
	return req, nil
}

func malformed(msg string) error {
	return apierr.Validationf("Malformed input request: %s, please reformat your input and try again.", msg)
}

// NewEncoder returns the event-stream encoder or the unary one.
func (s Shape) NewEncoder(w http.ResponseWriter, r *http.Request, req *canon.Request) server.Encoder {
	if s.Stream {
		return newStream(w, req.Model)
	}
	return &unary{w: w, model: req.Model, acc: canon.NewAccumulator(), start: time.Now()}
}

// WriteError answers as Bedrock does.
func (Shape) WriteError(w http.ResponseWriter, _ *http.Request, err error) {
	converse.WriteError(w, err)
}

type unary struct {
	w     http.ResponseWriter
	model string
	acc   *canon.Accumulator
	start time.Time
	wrote bool
}

func (u *unary) WriteEvent(ev canon.Event) error {
	if err := u.acc.WriteEvent(ev); err != nil {
		return apierr.Wrap(apierr.ModelError, err, "the model's answer was malformed")
	}
	return nil
}

func (u *unary) Finish() error {
	resp, err := u.acc.Response()
	if err != nil {
		return apierr.Wrap(apierr.ModelStreamError, err, "the model's answer was incomplete")
	}
	body, err := json.Marshal(anthropic.ResponseFromCanon(resp, u.model))
	if err != nil {
		return apierr.Wrap(apierr.Internal, err, "the answer could not be encoded")
	}
	latency := resp.LatencyMs
	if latency <= 0 {
		latency = time.Since(u.start).Milliseconds()
	}
	h := u.w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("X-Amzn-Bedrock-Input-Token-Count", strconv.Itoa(resp.Usage.InputTokens))
	h.Set("X-Amzn-Bedrock-Output-Token-Count", strconv.Itoa(resp.Usage.OutputTokens))
	h.Set("X-Amzn-Bedrock-Cache-Read-Input-Token-Count", strconv.Itoa(resp.Usage.CacheReadTokens))
	h.Set("X-Amzn-Bedrock-Cache-Write-Input-Token-Count", strconv.Itoa(resp.Usage.CacheWriteTokens))
	h.Set("X-Amzn-Bedrock-Invocation-Latency", strconv.FormatInt(latency, 10))
	u.w.WriteHeader(http.StatusOK)
	u.wrote = true
	_, err = u.w.Write(body)
	return err
}

func (u *unary) Fail(err error) {
	if !u.wrote {
		converse.WriteError(u.w, err)
	}
}
