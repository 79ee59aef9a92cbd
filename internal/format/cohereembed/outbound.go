package cohereembed

import (
	"encoding/json"
	"errors"
)

// This file is the outbound direction, for the Bedrock provider: the body
// it sends to a Cohere Embed model, and the vectors it reads back.

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
