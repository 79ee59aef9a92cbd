package stability

import (
	"errors"

	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/format/nativejson"
)

// Response is the response body of Stability's models. Member order
// follows Bedrock's documentation.
type Response struct {
	Seeds         []int64   `json:"seeds"`
	FinishReasons []*string `json:"finish_reasons"`
	Images        []string  `json:"images"`
}

// ResponseFromCanon builds the response body for resp: one seed and one
// finish reason (null when it is fine) per image, filtered ones included,
// with seed 0 where the provider reported none.
func ResponseFromCanon(resp *canon.ImageResponse) *Response {
	n := len(resp.Images)
	slots := max(n, len(resp.FinishReasons))
	out := &Response{Images: nativejson.Base64Images(resp.Images), Seeds: make([]int64, max(slots, len(resp.Seeds))),
		FinishReasons: make([]*string, slots)}
	copy(out.Seeds, resp.Seeds)
	for i, r := range resp.FinishReasons {
		if r != "" {
			out.FinishReasons[i] = &r
		}
	}
	if slots == 0 && resp.Error != "" {
		out.FinishReasons = []*string{&resp.Error}
		out.Seeds = append(out.Seeds, make([]int64, max(0, 1-len(out.Seeds)))...)
	}
	return out
}

// DecodeResponse reads a response body as the model sends it (a Bedrock
// provider's answer) into the canonical response. A filtered answer may
// carry finish reasons and no images.
func DecodeResponse(body []byte) (*canon.ImageResponse, error) {
	var r struct {
		Seeds         []int64   `json:"seeds"`
		FinishReasons []*string `json:"finish_reasons"`
		Images        []*string `json:"images"`
	}
	if err := nativejson.UnmarshalImageResponse(body, &r); err != nil {
		return nil, err
	}
	out := &canon.ImageResponse{Seeds: r.Seeds}
	reason := false
	for _, f := range r.FinishReasons {
		s := ""
		if f != nil {
			s, reason = *f, true
		}
		out.FinishReasons = append(out.FinishReasons, s)
	}
	images, err := nativejson.DecodeImages(r.Images)
	if err != nil {
		return nil, err
	}
	out.Images = images
	if len(out.Images) == 0 && !reason {
		return nil, errors.New("the response has neither images nor a finish reason")
	}
	return out, nil
}
