// Package cohereembed is the InvokeModel body dialect of Cohere Embed on
// Bedrock (cohere.embed-english-v3, cohere.embed-multilingual-v3,
// cohere.embed-v4:0): the request body into the canonical embedding
// request, and the canonical vectors into Cohere's response body. It is
// pure: no I/O.
//
// Request: {"texts": […], "input_type": "search_document"|"search_query"|
// "classification"|"clustering" (required), "truncate": "NONE"|"START"|"END",
// "embedding_types": ["float","int8","uint8","binary","ubinary"],
// "output_dimension": 256|512|1024|1536 (v4 only)}. Response without
// embedding_types: {"id", "response_type": "embeddings_floats",
// "embeddings": [[…]], "texts": […]}; with it: "response_type":
// "embeddings_by_type" and "embeddings": {"float": [[…]], "int8": …}.
// Decisions where Bedrock's documentation is thin:
//
//   - Image inputs ("images", input_type "image") are refused: no provider
//     behind this surface embeds images yet.
//   - input_type becomes the canonical purpose (search_document →
//     document, search_query → query, classification, clustering) and
//     truncate the canonical truncation (NONE, START, END → none, start,
//     end; absent → unsaid, which Bedrock reads as NONE), so an asymmetric
//     upstream gets them (canon.EmbedPurpose maps them onto Nova's
//     embeddingPurpose and truncationMode); symmetric ones ignore them.
//   - int8/uint8 scale each vector by its largest magnitude to ±127
//     (uint8 adds 128); binary/ubinary pack one sign bit per dimension,
//     most significant first, eight to a byte (binary as signed int8 =
//     byte-128, as Cohere does). These are faithful to Cohere's layouts but
//     not to its calibrated quantisation.
package cohereembed

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/format/nativejson"
)

// MaxTexts is Cohere's limit on texts per call.
const MaxTexts = 96

// InputTypes are the accepted input_type values.
var InputTypes = []string{"search_document", "search_query", "classification", "clustering"}

// EmbeddingTypes are the accepted embedding_types values.
var EmbeddingTypes = []string{"float", "int8", "uint8", "binary", "ubinary"}

// Request is a decoded Cohere Embed body.
type Request struct {
	Texts     []string
	InputType string
	Truncate  string
	// Types is embedding_types as given; nil when absent (the float list
	// answer).
	Types           []string
	OutputDimension *int
}

// DecodeRequest validates a Cohere Embed body for modelID. Every problem is
// a Validation error starting "Malformed input request:" that names the bad
// keys.
func DecodeRequest(modelID string, body []byte) (*Request, error) {
	var problems []string
	top, ok := nativejson.ParseObject("#", body, &problems,
		"texts", "images", "input_type", "truncate", "embedding_types", "output_dimension")
	if !ok {
		return nil, nativejson.Malformed(problems)
	}
	r := &Request{}
	if top.Get("images") != nil {
		top.Fail("images", "image inputs are not supported by this gateway")
	}
	if top.Require("texts") {
		if texts := top.Strings("texts", MaxTexts); texts != nil {
			if len(texts) == 0 {
				top.Fail("texts", "expected minimum item count: 1, found: 0")
			}
			for i, s := range texts {
				if s == "" {
					top.Problem(top.Sub("texts") + "/" + strconv.Itoa(i) + ": expected minLength: 1, actual: 0")
				}
			}
			r.Texts = texts
		}
	}
	if top.Require("input_type") {
		if s, ok := top.Str("input_type"); ok {
			switch {
			case s == "image":
				top.Fail("input_type", "image is for image inputs, which this gateway does not embed: send texts with search_document, search_query, classification or clustering")
			case !slices.Contains(InputTypes, s):
				top.Fail("input_type", s+" is not a valid enum value")
			}
			r.InputType = s
		}
	}
	if s, ok := top.Str("truncate"); ok {
		if _, known := truncations[s]; !known {
			top.Fail("truncate", s+" is not a valid enum value")
		}
		r.Truncate = s
	}
	if top.Get("embedding_types") != nil {
		if types := top.Strings("embedding_types", len(EmbeddingTypes)); types != nil {
			if len(types) == 0 {
				top.Fail("embedding_types", "expected minimum item count: 1, found: 0")
			}
			for i, t := range types {
				if !slices.Contains(EmbeddingTypes, t) {
					top.Problem(top.Sub("embedding_types") + "/" + strconv.Itoa(i) + ": " + t + " is not a valid enum value")
				}
			}
			r.Types = types
		}
	}
	if top.Get("output_dimension") != nil {
		if !isV4(modelID) {
			top.Fail("output_dimension", "not supported by this model (cohere.embed-v4 only)")
		} else if d := top.Integer("output_dimension", 0, 1<<20); d != nil {
			if *d != 256 && *d != 512 && *d != 1024 && *d != 1536 {
				top.Fail("output_dimension", strconv.Itoa(*d)+" is not a valid enum value")
			} else {
				r.OutputDimension = d
			}
		}
	}
	if len(problems) > 0 {
		return nil, nativejson.Malformed(problems)
	}
	return r, nil
}

func isV4(modelID string) bool { return strings.Contains(modelID, "embed-v4") }

// Canon is the canonical embedding request for model.
func (r *Request) Canon(model string) *canon.EmbedRequest {
	return &canon.EmbedRequest{Model: model, Inputs: slices.Clone(r.Texts), Dimensions: r.OutputDimension,
		Purpose: purposes[r.InputType], Truncate: truncations[r.Truncate]}
}

// purposes maps input_type onto the canonical purpose; InputTypeFor is the
// way back.
var purposes = map[string]canon.EmbedPurpose{
	"search_document": canon.EmbedDocument,
	"search_query":    canon.EmbedQuery,
	"classification":  canon.EmbedClassification,
	"clustering":      canon.EmbedClustering,
}

// truncations maps truncate onto the canonical truncation; TruncateFor is the
// way back.
var truncations = map[string]canon.EmbedTruncate{
	"NONE":  canon.EmbedTruncateNone,
	"START": canon.EmbedTruncateStart,
	"END":   canon.EmbedTruncateEnd,
}

// Response is Cohere's embeddings answer body. Embeddings is [][]float32
// for embeddings_floats and map[string]any for embeddings_by_type.
type Response struct {
	ID           string   `json:"id"`
	ResponseType string   `json:"response_type"`
	Embeddings   any      `json:"embeddings"`
	Texts        []string `json:"texts"`
}

// ResponseFromCanon builds the answer to r, with id, from the provider's
// vectors (one per text, in order).
func (r *Request) ResponseFromCanon(id string, vecs [][]float32) *Response {
	out := &Response{ID: id, Texts: r.Texts}
	if r.Types == nil {
		out.ResponseType = "embeddings_floats"
		out.Embeddings = vecs
		return out
	}
	out.ResponseType = "embeddings_by_type"
	by := map[string]any{}
	for _, t := range r.Types {
		switch t {
		case "float":
			by[t] = vecs
		case "int8", "uint8":
			q := make([][]int, len(vecs))
			for i, v := range vecs {
				q[i] = quantize(v, t == "uint8")
			}
			by[t] = q
		case "binary", "ubinary":
			q := make([][]int, len(vecs))
			for i, v := range vecs {
				q[i] = packBits(v, t == "binary")
			}
			by[t] = q
		}
	}
	out.Embeddings = by
	return out
}

func quantize(v []float32, unsigned bool) []int {
	var m float64
	for _, x := range v {
		m = math.Max(m, math.Abs(float64(x)))
	}
	out := make([]int, len(v))
	for i, x := range v {
		q := 0
		if m > 0 {
			q = int(math.Round(float64(x) / m * 127))
		}
		if unsigned {
			q += 128
		}
		out[i] = q
	}
	return out
}

func packBits(v []float32, signed bool) []int {
	out := make([]int, (len(v)+7)/8)
	for i, x := range v {
		if x > 0 {
			out[i/8] |= 1 << (7 - i%8)
		}
	}
	if signed {
		for i := range out {
			out[i] -= 128
		}
	}
	return out
}
