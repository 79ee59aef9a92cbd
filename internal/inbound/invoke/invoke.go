// Package invoke is the inbound Bedrock runtime InvokeModel surface:
// POST /model/{modelId}/invoke and /invoke-with-response-stream, whose
// bodies are each model family's native JSON. It speaks the text families
// listed in families.go (Anthropic Claude, Amazon Nova, Amazon Titan Text,
// Meta Llama, Mistral, Cohere Command R, DeepSeek-R1's prompt body, and the
// Chat Completions body of OpenAI gpt-oss, Qwen3 and DeepSeek in chat.go):
// each body is decoded by its internal/format package into the
// canonical request, so any provider can answer it, and the answer is
// encoded back into the family's own response body or stream chunks. The
// embedding families (Amazon Titan Text Embeddings, Cohere Embed, Amazon
// Nova Multimodal Embeddings' text path; embed.go)
// are decoded into the canonical embedding request and answered by any
// provider that embeds. The rerank families (Cohere Rerank, Amazon Rerank;
// rerank.go) are decoded by internal/format/rerank and answered by any
// provider that reranks. The image families (Amazon Titan Image
// Generator, Amazon Nova Canvas, Stability AI; image.go) are decoded into
// the canonical image request and answered by any provider that generates
// images. Other families are refused with a ValidationException that lists
// the families that work.
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
// InvokeModelWithResponseStream (stream true) through gw. The embedding
// families (embed.go) are served through gw's Embed when gw has one.
func Handler(gw server.Conversation, family func(string) string, stream bool, log *slog.Logger) http.Handler {
	api := "invoke_model"
	if stream {
		api = "invoke_model_stream"
	}
	text := server.Handle(api, gw, Shape{Stream: stream, Family: family}, log)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if modelID, err := converse.ModelID(r); err == nil {
			fam := ""
			if family != nil {
				fam = family(modelID)
			}
			for _, o := range operations {
				if o.match(modelID, fam) {
					o.serve(w, r, gw, modelID, fam, stream)
					return
				}
			}
		}
		text.ServeHTTP(w, r)
	})
}

// operation is a model family whose InvokeModel call is not a conversation
// (embeddings, rerank, images): it has its own canonical request and
// gateway capability instead of the text path's event stream.
type operation struct {
	// titles name the families in the error listing what works.
	titles []string
	match  func(modelID, family string) bool
	// serve answers the call; gw is the gateway, to be asserted to the
	// capability the operation needs (nil-safe: answer with a clear error
	// when it lacks it).
	serve func(w http.ResponseWriter, r *http.Request, gw any, modelID, family string, stream bool)
}

// operations are tried in order before the text families.
var operations = []operation{embedOperation, rerankOperation, imageOperation}

// Decode picks the family's body format from the model id and decodes it.
func (s Shape) Decode(r *http.Request) (*canon.Request, error) {
	modelID, err := converse.ModelID(r)
	if err != nil {
		return nil, err
	}
	c, err := s.codec(modelID)
	if err != nil {
		return nil, err
	}
	limit := s.MaxBody
	if limit <= 0 {
		limit = DefaultMaxBody
	}
	body, err := server.ReadBody(r, limit)
	if err != nil {
		return nil, err
	}
	req, style, err := c.decode(modelID, body)
	if err != nil {
		return nil, err
	}
	if c.check != nil {
		if err := c.check(style, s.Stream); err != nil {
			return nil, err
		}
	}
	req.ShapeData = style
	req.Stream = s.Stream
	return req, nil
}

// codec returns the body format of modelID's family, or the
// ValidationException Bedrock-shaped clients get for a family this gateway
// does not speak on InvokeModel.
func (s Shape) codec(modelID string) (codec, error) {
	family := ""
	if s.Family != nil {
		family = s.Family(modelID)
	}
	if c, ok := codecs[family]; ok {
		return c, nil
	}
	if family == "" {
		family = "unknown"
	}
	return codec{}, apierr.Validationf("InvokeModel on this gateway supports the native bodies of these model families so far: %s; "+
		"model %q is of family %q. Use Converse for other text models.", supported(), modelID, family)
}

// DecodeNative decodes and validates an InvokeModel body of modelID, whose
// catalog family is family, as InvokeModel would, for operations that read
// the same bodies without answering them (CountTokens). A text family's
// body gives the canonical request, an embedding family's (embed.go) the
// canonical embedding request; the other result is nil. Other families get
// the ValidationException InvokeModel answers them with.
func DecodeNative(modelID, family string, body []byte) (*canon.Request, *canon.EmbedRequest, error) {
	if c, ok := embedCodecFor(modelID, family); ok {
		req, _, err := c.decode(modelID, body)
		return nil, req, err
	}
	c, err := Shape{Family: func(string) string { return family }}.codec(modelID)
	if err != nil {
		return nil, nil, err
	}
	req, style, err := c.decode(modelID, body)
	if err != nil {
		return nil, nil, err
	}
	req.ShapeData = style
	return req, nil, nil
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
	c, _ := s.codec(req.Model) // Decode succeeded, so the family is known
	style := req.ShapeData
	if s.Stream {
		return newStream(w, c, req.Model, style)
	}
	return &unary{w: w, model: req.Model, codec: c, style: style, acc: canon.NewAccumulator(), start: time.Now()}
}

// WriteError answers as Bedrock does.
func (Shape) WriteError(w http.ResponseWriter, _ *http.Request, err error) {
	converse.WriteError(w, err)
}

type unary struct {
	w     http.ResponseWriter
	model string
	codec codec
	style any
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
	body, err := marshalBody(u.codec.response(resp, u.model, u.style))
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
