package titanimage

import (
	"errors"

	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/format/nativejson"
)

// Response is the response body of both models.
type Response struct {
	// Images are base64 PNG (or JPEG) images, never null.
	Images []string `json:"images"`
	Error  string   `json:"error,omitempty"`
}

// ResponseFromCanon builds the response body for resp.
func ResponseFromCanon(resp *canon.ImageResponse) *Response {
	return &Response{Images: nativejson.Base64Images(resp.Images), Error: resp.Error}
}

// DecodeResponse reads a response body as the model sends it (a Bedrock
// provider's answer) into the canonical response. Members other than
// images and error are ignored.
func DecodeResponse(body []byte) (*canon.ImageResponse, error) {
	var r struct {
		Images []*string `json:"images"`
		Error  *string   `json:"error"`
	}
	if err := nativejson.UnmarshalImageResponse(body, &r); err != nil {
		return nil, err
	}
	images, err := nativejson.DecodeImages(r.Images)
	if err != nil {
		return nil, err
	}
	out := &canon.ImageResponse{Images: images}
	if r.Error != nil {
		out.Error = *r.Error
	}
	if len(out.Images) == 0 && out.Error == "" {
		return nil, errors.New("the response has neither images nor an error")
	}
	return out, nil
}
