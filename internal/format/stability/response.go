package stability

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/basalt-gateway/basalt/internal/canon"
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
	out := &Response{Images: make([]string, n), Seeds: make([]int64, max(slots, len(resp.Seeds))),
		FinishReasons: make([]*string, slots)}
	for i, img := range resp.Images {
		out.Images[i] = base64.StdEncoding.EncodeToString(img)
	}
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
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return nil, errors.New("the body is not a JSON object")
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("decoding the image response: %w", err)
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
	if len(out.Images) == 0 && !reason {
		return nil, errors.New("the response has neither images nor a finish reason")
	}
	return out, nil
}
