// Package titanembed is the InvokeModel body dialect of Amazon Titan Text
// Embeddings (amazon.titan-embed-text-v2:0, amazon.titan-embed-text-v1,
// amazon.titan-embed-g1-text-02): the request body into the canonical
// embedding request, and the canonical vectors into Titan's response body.
// It is pure: no I/O.
//
// v2 request: {"inputText": "…", "dimensions": 256|512|1024,
// "normalize": bool, "embeddingTypes": ["float"|"binary"]}; v1 takes
// inputText alone. v2 response: {"embedding": [floats],
// "inputTextTokenCount": n, "embeddingsByType": {"float": […], "binary":
// […]}}; v1 response: {"embedding", "inputTextTokenCount"}. Decisions
// where Bedrock's documentation is thin:
//
//   - "embedding" always carries the float vector, even when
//     embeddingTypes asks for binary only, so clients reading it work.
//   - normalize (default true) L2-normalises the vector the provider
//     returned; normalize false passes the provider's vector through as it
//     came (most providers, the local model included, already normalise).
//   - binary is one 0/1 integer per dimension: 1 where the float is
//     positive.
//   - The body has no purpose or truncation field (Titan Text Embeddings is
//     symmetric, and an over-long inputText is an error), so the canonical
//     request leaves both unsaid and the outbound body (Body) cannot carry
//     a purpose or truncation asked for through another dialect.
package titanembed

import (
	"encoding/json"
	"math"
	"strings"

	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/format/nativejson"
)

// MaxInputChars bounds inputText as Bedrock documents (50,000 characters).
const MaxInputChars = 50_000

// Request is a decoded Titan embeddings body.
type Request struct {
	// V1 is set for the v1 models, whose body and answer are inputText and
	// embedding alone.
	V1         bool
	InputText  string
	Dimensions *int
	Normalize  bool
	// Float and Binary are the embedding types asked for.
	Float, Binary bool
}

// IsV1 reports whether modelID is a v1 Titan text embedding model.
func IsV1(modelID string) bool {
	return strings.Contains(modelID, "titan-embed-text-v1") || strings.Contains(modelID, "titan-embed-g1-text")
}

// DecodeRequest validates a Titan embeddings body for modelID. Every
// problem is a Validation error starting "Malformed input request:" that
// names the bad keys.
func DecodeRequest(modelID string, body []byte) (*Request, error) {
	var problems []string
	allowed := []string{"inputText", "dimensions", "normalize", "embeddingTypes"}
	v1 := IsV1(modelID)
	if v1 {
		allowed = allowed[:1]
	}
	top, ok := nativejson.ParseObject("#", body, &problems, allowed...)
	if !ok {
		return nil, nativejson.Malformed(problems)
	}
	r := &Request{V1: v1, Normalize: true, Float: true}
	top.Require("inputText")
	if text, ok := top.Str("inputText"); ok {
		switch n := len([]rune(text)); {
		case strings.TrimSpace(text) == "":
			top.Fail("inputText", "expected minLength: 1, actual: 0")
		case n > MaxInputChars:
			top.Fail("inputText", "expected maxLength: 50000, actual: "+itoa(n))
		default:
			r.InputText = text
		}
	}
	if !v1 {
		if d := top.Integer("dimensions", 0, 1<<20); d != nil {
			if *d != 256 && *d != 512 && *d != 1024 {
				top.Fail("dimensions", itoa(*d)+" is not a valid enum value")
			} else {
				r.Dimensions = d
			}
		}
		if v := top.Get("normalize"); v != nil {
			var b bool
			if json.Unmarshal(v, &b) != nil {
				top.WrongType("normalize", "Boolean")
			} else {
				r.Normalize = b
			}
		}
		if top.Get("embeddingTypes") != nil {
			types := top.Strings("embeddingTypes", 2)
			if types != nil {
				r.Float, r.Binary = false, false
				if len(types) == 0 {
					top.Fail("embeddingTypes", "expected minimum item count: 1, found: 0")
				}
				for i, t := range types {
					switch t {
					case "float":
						r.Float = true
					case "binary":
						r.Binary = true
					default:
						top.Problem(top.Sub("embeddingTypes") + "/" + itoa(i) + ": " + t + " is not a valid enum value")
					}
				}
			}
		}
	}
	if len(problems) > 0 {
		return nil, nativejson.Malformed(problems)
	}
	return r, nil
}

// Canon is the canonical embedding request for model.
func (r *Request) Canon(model string) *canon.EmbedRequest {
	return &canon.EmbedRequest{Model: model, Inputs: []string{r.InputText}, Dimensions: r.Dimensions}
}

// Response is Titan's embeddings answer body.
type Response struct {
	Embedding           []float32 `json:"embedding"`
	InputTextTokenCount int       `json:"inputTextTokenCount"`
	EmbeddingsByType    *ByType   `json:"embeddingsByType,omitempty"`
}

// ByType holds the vector in each type asked for.
type ByType struct {
	Float  []float32 `json:"float,omitempty"`
	Binary []int     `json:"binary,omitempty"`
}

// ResponseFromCanon builds the answer to r from the provider's vector and
// token count.
func (r *Request) ResponseFromCanon(vec []float32, tokens int) *Response {
	if r.Normalize && !r.V1 {
		vec = Normalize(vec)
	}
	out := &Response{Embedding: vec, InputTextTokenCount: tokens}
	if out.Embedding == nil {
		out.Embedding = []float32{}
	}
	if r.V1 {
		return out
	}
	out.EmbeddingsByType = &ByType{}
	if r.Float {
		out.EmbeddingsByType.Float = out.Embedding
	}
	if r.Binary {
		out.EmbeddingsByType.Binary = make([]int, len(vec))
		for i, x := range vec {
			if x > 0 {
				out.EmbeddingsByType.Binary[i] = 1
			}
		}
	}
	return out
}

// Normalize returns v scaled to unit length (v itself if it is zero).
func Normalize(v []float32) []float32 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	if s == 0 || math.Abs(s-1) < 1e-9 {
		return v
	}
	n := math.Sqrt(s)
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(float64(x) / n)
	}
	return out
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
