package titanimage

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/basalt-gateway/basalt/internal/canon"
)

// Response is the response body of both models.
type Response struct {
	// Images are base64 PNG (or JPEG) images, never null.
	Images []string `json:"images"`
	Error  string   `json:"error,omitempty"`
}

// ResponseFromCanon builds the response body for resp.
func ResponseFromCanon(resp *canon.ImageResponse) *Response {
	out := &Response{Images: make([]string, len(resp.Images)), Error: resp.Error}
	for i, img := range resp.Images {
		out.Images[i] = base64.StdEncoding.EncodeToString(img)
	}
	return out
}

// DecodeResponse reads a response body as the model sends it (a Bedrock
// provider's answer) into the canonical response. Members other than
// images and error are ignored.
func DecodeResponse(body []byte) (*canon.ImageResponse, error) {
	var r struct {
		Images []*string `json:"images"`
		Error  *string   `json:"error"`
	}
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return nil, errors.New("the body is not a JSON object")
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("decoding the image response: %w", err)
	}
	out := &canon.ImageResponse{}
	if r.Error != nil {
		out.Error = *r.Error
	}
	for i, s := range r.Images {
		if s == nil {
			return nil, fmt.Errorf("images[%d] is null", i)
		}
		b, err := base64.StdEncoding.DecodeString(*s)
		if err != nil {
			return nil, fmt.Errorf("images[%d] is not base64: %w", i, err)
		}
		out.Images = append(out.Images, b)
	}
	if len(out.Images) == 0 && out.Error == "" {
		return nil, errors.New("the response has neither images nor an error")
	}
	return out, nil
}
