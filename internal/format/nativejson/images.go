package nativejson

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
)

// Base64Images encodes images for the "images" member of an image family's
// response body: standard base64, never null.
func Base64Images(images [][]byte) []string {
	out := make([]string, len(images))
	for i, img := range images {
		out[i] = base64.StdEncoding.EncodeToString(img)
	}
	return out
}

// UnmarshalImageResponse reads an image family's response body, which must
// be a JSON object, into v.
func UnmarshalImageResponse(body []byte, v any) error {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return errors.New("the body is not a JSON object")
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("decoding the image response: %w", err)
	}
	return nil
}

// DecodeImages decodes the base64 "images" member of an image family's
// response body; a null or non-base64 image is an error.
func DecodeImages(images []*string) ([][]byte, error) {
	var out [][]byte
	for i, s := range images {
		if s == nil {
			return nil, fmt.Errorf("images[%d] is null", i)
		}
		b, err := base64.StdEncoding.DecodeString(*s)
		if err != nil {
			return nil, fmt.Errorf("images[%d] is not base64: %w", i, err)
		}
		out = append(out, b)
	}
	return out, nil
}
