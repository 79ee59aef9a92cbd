package fakeupstream

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"maps"
	"math"
	"net/http"
	"slices"
)

// EmbedDims is the length of the fake's embeddings.
const EmbedDims = 4

// FakeEmbedding is the vector the fake answers for input text at index i:
// exact float32 values, so float and base64 encodings can be compared.
func FakeEmbedding(text string, i int) []float32 {
	return []float32{0.5, -0.25, float32(len(text)), float32(i) + 0.125}
}

// embeddingKeys are the request keys api.openai.com's embeddings endpoint
// takes; it refuses any other.
var embeddingKeys = map[string]bool{"model": true, "input": true, "encoding_format": true, "dimensions": true, "user": true}

// serveEmbeddings answers POST /v1/embeddings as api.openai.com does:
// OpenAI's list shape with FakeEmbedding vectors (as floats, or base64
// little-endian float32 when asked), usage counting one prompt token per
// input byte. It refuses what the real API refuses, with its error
// bodies: a key it does not take (Unrecognized request argument, so a
// field no OpenAI-compatible server reads cannot slip through unseen),
// dimensions for text-embedding-ada-002, a missing model or input. The API
// key is checked as for chat completions and every request is recorded. A
// Fail or Raw answer at the head of the script answers the next embeddings
// call instead; Reply steps are left to chat completions.
func (f *OpenAI) serveEmbeddings(w http.ResponseWriter, r *http.Request) {
	body, _, ok := f.beginUnary(w, r)
	if !ok {
		return
	}
	var keys map[string]json.RawMessage
	if !decodeBody(w, body, &keys) {
		return
	}
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		if !embeddingKeys[k] {
			oaiInvalid(w, OpenAIError{Message: "Unrecognized request argument supplied: " + k})
			return
		}
	}
	var in struct {
		Model          string          `json:"model"`
		Input          json.RawMessage `json:"input"`
		EncodingFormat string          `json:"encoding_format"`
		Dimensions     *int            `json:"dimensions"`
	}
	if !decodeBody(w, body, &in) {
		return
	}
	switch {
	case in.Model == "":
		oaiInvalid(w, OpenAIError{Message: "you must provide a model parameter"})
		return
	case in.Input == nil:
		oaiInvalid(w, OpenAIError{Message: "Missing required parameter: 'input'.", Param: "input", Code: "missing_required_parameter"})
		return
	case in.Dimensions != nil && in.Model == "text-embedding-ada-002":
		oaiInvalid(w, OpenAIError{Message: "This model does not support specifying dimensions."})
		return
	}
	var inputs []string
	if err := json.Unmarshal(in.Input, &inputs); err != nil {
		var one string
		if err := json.Unmarshal(in.Input, &one); err != nil {
			oaiInvalid(w, OpenAIError{Message: "'input' must be a string or an array of strings", Param: "input"})
			return
		}
		inputs = []string{one}
	}
	type item struct {
		Object    string `json:"object"`
		Index     int    `json:"index"`
		Embedding any    `json:"embedding"`
	}
	out := struct {
		Object string `json:"object"`
		Data   []item `json:"data"`
		Model  string `json:"model"`
		Usage  struct {
			PromptTokens int `json:"prompt_tokens"`
			TotalTokens  int `json:"total_tokens"`
		} `json:"usage"`
	}{Object: "list", Model: in.Model}
	for i, s := range inputs {
		var v any = FakeEmbedding(s, i)
		if in.EncodingFormat == "base64" {
			v = base64Floats(FakeEmbedding(s, i))
		}
		out.Data = append(out.Data, item{Object: "embedding", Index: i, Embedding: v})
		out.Usage.PromptTokens += len(s)
	}
	out.Usage.TotalTokens = out.Usage.PromptTokens
	oaiWriteJSON(w, out)
}

func base64Floats(v []float32) string {
	b := make([]byte, 0, 4*len(v))
	for _, x := range v {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
	}
	return base64.StdEncoding.EncodeToString(b)
}
