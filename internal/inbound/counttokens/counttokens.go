// Package counttokens is the inbound Bedrock runtime CountTokens
// operation: POST /model/{modelId}/count-tokens, as aws-sdk-go-v2's
// bedrockruntime client calls it. The body is {"input": CountTokensInput},
// a union of {"converse": {messages, system?, toolConfig?,
// additionalModelRequestFields?}} and {"invokeModel": {"body": "<base64 of
// an InvokeModel body>"}}; the answer is {"inputTokens": N}.
//
// Both inputs are decoded by the surfaces that serve them for real: the
// converse member by the Converse decoder (format/bedrock), the native
// body by InvokeModel's family codecs (invoke.DecodeNative), so a body
// InvokeModel would refuse is refused here too, with the same message.
// The count comes from the serving model's provider when it can count
// (the Bedrock provider asks Bedrock's own CountTokens; an OpenAI-style
// upstream model is counted with its BPE: see the app's CountTokens), and
// otherwise from internal/tokenize, under the model id the client sent. An
// embedding body (Titan, Cohere, Nova embeddings) counts its input texts.
//
// Decisions:
//
//   - The converse member is read as a Converse body: members CountTokens
//     does not define but Converse does (inferenceConfig, …) are accepted
//     and do not change the count.
//   - Unknown top-level members are ignored, as AWS's JSON protocols do;
//     an unknown member of the input union is refused, since what it asks
//     to count is not known.
//   - The decoded invokeModel body is held to InvokeModel's 25,000,000
//     bytes.
package counttokens

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/format/bedrock"
	"github.com/basalt-gateway/basalt/internal/inbound/converse"
	"github.com/basalt-gateway/basalt/internal/inbound/invoke"
	"github.com/basalt-gateway/basalt/internal/server"
	"github.com/basalt-gateway/basalt/internal/tokenize"
)

// DefaultMaxBody is Converse's body limit, which also admits a base64
// invokeModel body of InvokeModel's 25,000,000 bytes.
const DefaultMaxBody = converse.DefaultMaxBody

// MaxInvokeBody is the InvokeModelTokensRequest body's length limit.
const MaxInvokeBody = invoke.DefaultMaxBody

// Counter counts a request's input tokens with the serving model's own
// tokenizer; ok is false when it cannot for this model (the handler then
// uses internal/tokenize). An unknown model is an *apierr.Error NotFound.
type Counter interface {
	CountTokens(ctx context.Context, req *canon.Request) (n int, ok bool, err error)
}

// EmbedCounter is a Counter that also counts embedding inputs.
type EmbedCounter interface {
	CountEmbedTokens(ctx context.Context, req *canon.EmbedRequest) (n int, ok bool, err error)
}

// Input is a decoded CountTokens input: a conversation or, for an
// embedding model's invokeModel body, the texts to embed. One is set.
type Input struct {
	Request *canon.Request
	Embed   *canon.EmbedRequest
}

// Handler serves CountTokens. family maps a model id to its catalog
// family, which picks the invokeModel body's format; counter may be nil.
func Handler(counter Counter, family func(modelID string) string, maxBody int64, log *slog.Logger) http.Handler {
	if maxBody <= 0 {
		maxBody = DefaultMaxBody
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, err := serve(r, counter, family, maxBody)
		if err != nil {
			e := apierr.As(err)
			log.InfoContext(r.Context(), "request failed", "request_id", server.RequestID(r.Context()),
				"api", "count_tokens", "kind", e.Kind.String(), "message", e.Message)
			converse.WriteError(w, err)
			return
		}
		body := strconv.AppendInt([]byte(`{"inputTokens":`), int64(min(n, math.MaxInt32)), 10)
		body = append(body, '}')
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = w.Write(body)
	})
}

func serve(r *http.Request, counter Counter, family func(string) string, maxBody int64) (int, error) {
	modelID, err := converse.ModelID(r)
	if err != nil {
		return 0, err
	}
	body, err := server.ReadBody(r, maxBody)
	if err != nil {
		return 0, err
	}
	fam := ""
	if family != nil {
		fam = family(modelID)
	}
	in, err := Decode(modelID, fam, body)
	if err != nil {
		return 0, err
	}
	return Count(r.Context(), counter, in)
}

// Count counts in through counter where it can, else with internal/tokenize.
func Count(ctx context.Context, counter Counter, in Input) (int, error) {
	if in.Embed != nil {
		if ec, ok := counter.(EmbedCounter); ok {
			n, ok, err := ec.CountEmbedTokens(ctx, in.Embed)
			if err != nil || ok {
				return n, err
			}
		}
		return tokenize.Texts(in.Embed.Model, in.Embed.Inputs).Tokens, nil
	}
	if counter != nil {
		n, ok, err := counter.CountTokens(ctx, in.Request)
		if err != nil || ok {
			return n, err
		}
	}
	return tokenize.Request(in.Request).Tokens, nil
}

// Decode parses and validates a CountTokens body for modelID, whose catalog
// family is family. Every problem is an apierr Validation error naming the
// field, in Bedrock's words.
func Decode(modelID, family string, body []byte) (Input, error) {
	var wire struct {
		Input json.RawMessage `json:"input"`
	}
	if err := json.Unmarshal(body, &wire); err != nil {
		return Input{}, malformed("the request body must be a JSON object with an input member")
	}
	if isNull(wire.Input) {
		return Input{}, notNull("input")
	}
	var union map[string]json.RawMessage
	if err := json.Unmarshal(wire.Input, &union); err != nil {
		return Input{}, malformed("input must be an object with one member, converse or invokeModel")
	}
	var set, unknown []string
	for k, v := range union {
		switch {
		case k != "converse" && k != "invokeModel":
			unknown = append(unknown, k)
		case !isNull(v):
			set = append(set, k)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return Input{}, malformed("input has unknown member " + strings.Join(unknown, ", ") + "; CountTokensInput's members are converse and invokeModel")
	}
	switch len(set) {
	case 0:
		return Input{}, apierr.Validationf("input: the CountTokensInput must set exactly one member (converse or invokeModel), and none is set")
	case 2:
		return Input{}, apierr.Validationf("input: the CountTokensInput must set exactly one member (converse or invokeModel), but 2 are set")
	}
	if set[0] == "converse" {
		req, err := decodeConverse(modelID, union["converse"])
		return Input{Request: req}, err
	}
	native, err := invokeBody(union["invokeModel"])
	if err != nil {
		return Input{}, err
	}
	req, emb, err := invoke.DecodeNative(modelID, family, native)
	if err != nil {
		return Input{}, err
	}
	return Input{Request: req, Embed: emb}, nil
}

// decodeConverse reads the converse member with the Converse decoder.
func decodeConverse(modelID string, raw json.RawMessage) (*canon.Request, error) {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(raw, &members); err != nil {
		return nil, malformed("input.converse must be an object")
	}
	if isNull(members["messages"]) {
		return nil, notNull("input.converse.messages")
	}
	return bedrock.DecodeRequest(modelID, raw)
}

// invokeBody returns the decoded bytes of the invokeModel member's body.
func invokeBody(raw json.RawMessage) ([]byte, error) {
	var m struct {
		Body *string `json:"body"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, malformed("input.invokeModel must be an object with a body string (the base64 of the InvokeModel body)")
	}
	if m.Body == nil {
		return nil, notNull("input.invokeModel.body")
	}
	if base64.StdEncoding.DecodedLen(len(*m.Body)) > MaxInvokeBody+2 {
		return nil, tooLong("input.invokeModel.body")
	}
	b, err := base64.StdEncoding.DecodeString(*m.Body)
	if err != nil {
		return nil, malformed("input.invokeModel.body is not valid base64 (" + err.Error() + ")")
	}
	if len(b) > MaxInvokeBody {
		return nil, tooLong("input.invokeModel.body")
	}
	return b, nil
}

func isNull(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || string(t) == "null"
}

func malformed(msg string) error {
	return apierr.Validationf("Malformed input request: %s, please reformat your input and try again.", msg)
}

func notNull(field string) error {
	return apierr.Validationf("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", field)
}

func tooLong(field string) error {
	return apierr.Validationf("1 validation error detected: Value at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", field, MaxInvokeBody)
}
