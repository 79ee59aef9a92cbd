package titanembed

import "encoding/json"

// This file is the outbound direction, for the Bedrock provider: the body
// it sends to a Titan text embedding model, and the answer it reads back.

type body struct {
	InputText  string `json:"inputText"`
	Dimensions *int   `json:"dimensions,omitempty"`
	Normalize  *bool  `json:"normalize,omitempty"`
}

// Body is the request body for r: inputText alone for the v1 models; for
// v2 the dimensions asked for and normalize (always sent, as the default
// may differ between versions).
func (r *Request) Body() ([]byte, error) {
	b := body{InputText: r.InputText}
	if !r.V1 {
		b.Dimensions = r.Dimensions
		b.Normalize = &r.Normalize
	}
	return json.Marshal(b)
}

// DecodeResponse reads a Titan embeddings answer body.
func DecodeResponse(data []byte) (*Response, error) {
	var r Response
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, err
	}
	return &r, nil
}
