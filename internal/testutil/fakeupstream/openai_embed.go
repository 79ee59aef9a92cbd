package fakeupstream

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"testing"
)

// EmbedDims is the length of the fake's embeddings.
const EmbedDims = 4

// FakeEmbedding is the vector the fake answers for input text at index i:
// exact float32 values, so float and base64 encodings can be compared.
func FakeEmbedding(text string, i int) []float32 {
	return []float32{0.5, -0.25, float32(len(text)), float32(i) + 0.125}
}

// NewOpenAIWithEmbeddings starts a fake OpenAI API that also serves
// POST /v1/embeddings: OpenAI's list shape with FakeEmbedding vectors (as
// floats, or base64 little-endian float32 when asked), usage counting one
// prompt token per input byte, and the same recording and API key check
// as chat completions. Everything else behaves as NewOpenAI.
func NewOpenAIWithEmbeddings(t testing.TB) *OpenAI {
	f := &OpenAI{quit: make(chan struct{}), gone: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/embeddings", f.serveEmbeddings)
	mux.HandleFunc("/", f.serve)
	f.srv = httptest.NewServer(mux)
	f.URL = f.srv.URL + "/v1"
	t.Cleanup(func() {
		close(f.quit)
		f.srv.Close()
	})
	return f
}

func (f *OpenAI) serveEmbeddings(w http.ResponseWriter, r *http.Request) {
	body := f.Record(r)
	if key := f.requiredKey(); key != "" && r.Header.Get("Authorization") != "Bearer "+key {
		oaiWriteRaw(w, &oaiRaw{401, "application/json", []byte(OpenAIErrorBody(401))})
		return
	}
	var in struct {
		Model          string          `json:"model"`
		Input          json.RawMessage `json:"input"`
		EncodingFormat string          `json:"encoding_format"`
	}
	if err := json.Unmarshal(body, &in); err != nil || in.Model == "" {
		oaiWriteRaw(w, &oaiRaw{400, "application/json", []byte(OpenAIErrorBody(400))})
		return
	}
	var inputs []string
	if err := json.Unmarshal(in.Input, &inputs); err != nil {
		var one string
		if err := json.Unmarshal(in.Input, &one); err != nil {
			oaiWriteRaw(w, &oaiRaw{400, "application/json", []byte(OpenAIError{Message: "'input' must be a string or an array of strings", Type: "invalid_request_error", Param: "input"}.Body())})
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
	b, _ := json.Marshal(out)
	oaiWriteRaw(w, &oaiRaw{200, "application/json", b})
}

func base64Floats(v []float32) string {
	b := make([]byte, 0, 4*len(v))
	for _, x := range v {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
	}
	return base64.StdEncoding.EncodeToString(b)
}
