package openaichat

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"math"
	"net/http"
	"strings"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/server"
)

// Embedder is what the embeddings endpoint needs from the gateway.
type Embedder interface {
	Embed(ctx context.Context, req *canon.EmbedRequest) (*canon.EmbedResponse, error)
}

// maxEmbedInputs bounds the inputs of one request, as OpenAI does.
const maxEmbedInputs = 2048

type embeddingsRequest struct {
	Model          string          `json:"model"`
	Input          json.RawMessage `json:"input"`
	EncodingFormat string          `json:"encoding_format"`
	Dimensions     *int            `json:"dimensions"`
	User           string          `json:"user"`
}

// DecodeEmbeddings parses a POST /v1/embeddings body. Unknown keys and
// token-array inputs are refused with a message that says so.
func DecodeEmbeddings(body []byte) (*canon.EmbedRequest, string, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var in embeddingsRequest
	if err := dec.Decode(&in); err != nil {
		if strings.HasPrefix(err.Error(), "json: unknown field ") {
			return nil, "", apierr.Validationf("Unrecognized request argument supplied: %s", strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`))
		}
		return nil, "", apierr.Wrap(apierr.Validation, err, "We could not parse the JSON body of your request.")
	}
	if in.Model == "" {
		return nil, "", apierr.Validationf("you must provide a model parameter")
	}
	switch in.EncodingFormat {
	case "":
		in.EncodingFormat = "float"
	case "float", "base64":
	default:
		return nil, "", apierr.Validationf("Invalid value for 'encoding_format': %q is not float or base64.", in.EncodingFormat)
	}
	if in.Dimensions != nil && *in.Dimensions < 1 {
		return nil, "", apierr.Validationf("Invalid 'dimensions': %d is less than the minimum of 1.", *in.Dimensions)
	}
	req := &canon.EmbedRequest{Model: in.Model, Dimensions: in.Dimensions, User: in.User}
	raw := bytes.TrimSpace(in.Input)
	switch {
	case len(raw) == 0 || bytes.Equal(raw, []byte("null")):
		return nil, "", apierr.Validationf("Missing required parameter: 'input'.")
	case raw[0] == '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, "", apierr.Validationf("Invalid 'input': not a valid string.")
		}
		req.Inputs = []string{s}
	default:
		if err := json.Unmarshal(raw, &req.Inputs); err != nil {
			return nil, "", apierr.Validationf("Invalid 'input': expected a string or an array of strings; token arrays are not supported by this gateway.")
		}
	}
	if len(req.Inputs) == 0 || len(req.Inputs) > maxEmbedInputs {
		return nil, "", apierr.Validationf("Invalid 'input': expected between 1 and %d inputs, got %d.", maxEmbedInputs, len(req.Inputs))
	}
	for i, s := range req.Inputs {
		if s == "" {
			return nil, "", apierr.Validationf("Invalid 'input[%d]': an input cannot be an empty string.", i)
		}
	}
	return req, in.EncodingFormat, nil
}

type embeddingItem struct {
	Object    string `json:"object"`
	Index     int    `json:"index"`
	Embedding any    `json:"embedding"`
}

type embeddingsResponse struct {
	Object string          `json:"object"`
	Data   []embeddingItem `json:"data"`
	Model  string          `json:"model"`
	Usage  struct {
		PromptTokens int `json:"prompt_tokens"`
		TotalTokens  int `json:"total_tokens"`
	} `json:"usage"`
}

// Embeddings serves POST /v1/embeddings through the gateway's resolver.
func Embeddings(gw Embedder, maxBody int64) http.Handler {
	if maxBody <= 0 {
		maxBody = DefaultMaxBody
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := server.ReadBody(r, maxBody)
		if err != nil {
			WriteError(w, err)
			return
		}
		req, encoding, err := DecodeEmbeddings(body)
		if err != nil {
			WriteError(w, err)
			return
		}
		resp, err := gw.Embed(r.Context(), req)
		if err != nil {
			WriteError(w, err)
			return
		}
		if len(resp.Embeddings) != len(req.Inputs) {
			WriteError(w, apierr.New(apierr.ModelError, "the model returned %d embeddings for %d inputs", len(resp.Embeddings), len(req.Inputs)))
			return
		}
		out := embeddingsResponse{Object: "list", Model: req.Model, Data: make([]embeddingItem, len(resp.Embeddings))}
		for i, v := range resp.Embeddings {
			var e any = v
			if encoding == "base64" {
				e = EncodeBase64Floats(v)
			}
			out.Data[i] = embeddingItem{Object: "embedding", Index: i, Embedding: e}
		}
		out.Usage.PromptTokens = resp.InputTokens
		out.Usage.TotalTokens = resp.InputTokens
		writeJSON(w, out)
	})
}

// EncodeBase64Floats packs v as little-endian float32 values in base64,
// the encoding_format "base64" wire form.
func EncodeBase64Floats(v []float32) string {
	b := make([]byte, 0, 4*len(v))
	for _, x := range v {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
	}
	return base64.StdEncoding.EncodeToString(b)
}
