package cohereembed

import (
	"encoding/json"
	"errors"

	"github.com/basalt-gateway/basalt/internal/canon"
)

// This file is the outbound direction, for the Bedrock provider: the body
// it sends to a Cohere Embed model, and the vectors it reads back.

// InputTypeFor is the input_type for purpose p: search_document when the
// client gave none, as indexes hold documents. A query's target is
// dropped, Cohere having one query type (see canon.EmbedPurpose).
func InputTypeFor(p canon.EmbedPurpose) string {
	for k, v := range purposes {
		if v == p {
			return k
		}
	}
	return "search_document"
}

// TruncateFor is the truncate value for t; "" (leave it out, which Bedrock
// reads as NONE) when the client gave none.
func TruncateFor(t canon.EmbedTruncate) string {
	for k, v := range truncations {
		if v == t {
			return k
		}
	}
	return ""
}

type body struct {
	Texts           []string `json:"texts"`
	InputType       string   `json:"input_type"`
	Truncate        string   `json:"truncate,omitempty"`
	EmbeddingTypes  []string `json:"embedding_types,omitempty"`
	OutputDimension *int     `json:"output_dimension,omitempty"`
}

// Body is the request body for r.
func (r *Request) Body() ([]byte, error) {
	return json.Marshal(body{Texts: r.Texts, InputType: r.InputType, Truncate: r.Truncate,
		EmbeddingTypes: r.Types, OutputDimension: r.OutputDimension})
}

// DecodeFloats reads the float vectors out of a Cohere Embed answer body,
// whether "embeddings" is the plain list (embeddings_floats) or the object
// keyed by type (embeddings_by_type, which must then hold "float").
func DecodeFloats(data []byte) ([][]float32, error) {
	var r struct {
		Embeddings json.RawMessage `json:"embeddings"`
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, err
	}
	var list [][]float32
	if err := json.Unmarshal(r.Embeddings, &list); err == nil && list != nil {
		return list, nil
	}
	var by struct {
		Float [][]float32 `json:"float"`
	}
	if err := json.Unmarshal(r.Embeddings, &by); err != nil {
		return nil, err
	}
	if by.Float == nil {
		return nil, errors.New("the answer has no float embeddings")
	}
	return by.Float, nil
}
