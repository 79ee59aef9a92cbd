package fakeupstream

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"hash/fnv"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"net/http"
	"slices"
	"strings"
)

// FakeImage is the image the fake draws for prompt at index i: a 2x2
// picture whose colors come from the prompt, encoded as format ("png",
// "jpeg"; "webp" gets a bare WebP header, there being no encoder in the
// standard library), so tests can predict the exact bytes.
func FakeImage(prompt string, i int, format string) []byte {
	h := fnv.New32a()
	fmt.Fprintf(h, "%s\x00%d", prompt, i)
	s := h.Sum32()
	img := image.NewNRGBA(image.Rect(0, 0, 2, 2))
	for p := range 4 {
		img.Set(p%2, p/2, color.NRGBA{R: byte(s >> (p * 2)), G: byte(s >> 8), B: byte(s >> 16), A: 255})
	}
	var b bytes.Buffer
	switch format {
	case "jpeg":
		_ = jpeg.Encode(&b, img, nil)
	case "webp":
		b.WriteString("RIFF\x1a\x00\x00\x00WEBPVP8L")
		fmt.Fprintf(&b, "%08x", s)
	default:
		_ = png.Encode(&b, img)
	}
	return b.Bytes()
}

// imageSizes are the sizes api.openai.com accepts per model family.
var imageSizes = map[string][]string{
	"gpt-image": {"1024x1024", "1024x1536", "1536x1024", "auto"},
	"dall-e-3":  {"1024x1024", "1024x1792", "1792x1024"},
	"dall-e-2":  {"256x256", "512x512", "1024x1024"},
}

// serveImages answers POST /v1/images/generations as api.openai.com does:
// {"model" (default dall-e-2), "prompt", "n", "size", "quality",
// "response_format", "output_format"} → {"created", "data": [{"b64_json"
// | "url", "revised_prompt" (dall-e-3)}], plus "usage", "size", "quality"
// and "output_format" for gpt-image-* models}, with FakeImage pictures.
// It checks what the real API refuses with its own error bodies: a
// missing prompt, response_format sent to a gpt-image model, a size the
// model does not offer (other model names take any size, as
// OpenAI-compatible servers do), n other than 1 for dall-e-3. dall-e
// models answer with URLs unless asked for b64_json. The API key is
// checked as for chat completions and every request is recorded. A Fail
// or Raw answer at the head of the script answers the next images call
// instead; Reply steps are left to chat completions.
func (f *OpenAI) serveImages(w http.ResponseWriter, r *http.Request) {
	body, n, ok := f.beginUnary(w, r)
	if !ok {
		return
	}
	var in struct {
		Model          string  `json:"model"`
		Prompt         *string `json:"prompt"`
		N              *int    `json:"n"`
		Size           string  `json:"size"`
		Quality        string  `json:"quality"`
		ResponseFormat *string `json:"response_format"`
		OutputFormat   string  `json:"output_format"`
	}
	if !decodeBody(w, body, &in) {
		return
	}
	if in.Model == "" {
		in.Model = "dall-e-2"
	}
	family := in.Model
	if strings.HasPrefix(family, "gpt-image") {
		family = "gpt-image"
	}
	count := 1
	if in.N != nil {
		count = *in.N
	}
	switch {
	case in.Prompt == nil:
		oaiInvalid(w, OpenAIError{Message: "Missing required parameter: 'prompt'.", Param: "prompt", Code: "missing_required_parameter"})
		return
	case family == "gpt-image" && in.ResponseFormat != nil:
		oaiInvalid(w, OpenAIError{Message: "Unknown parameter: 'response_format'.", Param: "response_format", Code: "unknown_parameter"})
		return
	case count < 1 || count > 10:
		oaiInvalid(w, OpenAIError{Message: fmt.Sprintf("Invalid 'n': integer below minimum value. Expected a value >= 1, but got %d instead.", count),
			Param: "n", Code: "integer_below_min_value"})
		return
	case family == "dall-e-3" && count != 1:
		oaiInvalid(w, OpenAIError{Message: "You must provide n=1 for this model."})
		return
	}
	if sizes, ok := imageSizes[family]; ok && in.Size != "" && !slices.Contains(sizes, in.Size) {
		if family == "gpt-image" {
			oaiInvalid(w, OpenAIError{Message: fmt.Sprintf("Invalid value: '%s'. Supported values are: '1024x1024', '1024x1536', '1536x1024', and 'auto'.", in.Size),
				Param: "size", Code: "invalid_value"})
		} else {
			oaiInvalid(w, OpenAIError{Message: fmt.Sprintf("'%s' is not one of ['%s'] - 'size'", in.Size, strings.Join(sizes, "', '"))})
		}
		return
	}
	type item struct {
		B64JSON       string `json:"b64_json,omitempty"`
		URL           string `json:"url,omitempty"`
		RevisedPrompt string `json:"revised_prompt,omitempty"`
	}
	type usage struct {
		InputTokens  int `json:"input_tokens"`
		OutputTokens int `json:"output_tokens"`
		TotalTokens  int `json:"total_tokens"`
	}
	out := struct {
		Created      int64  `json:"created"`
		Data         []item `json:"data"`
		Size         string `json:"size,omitempty"`
		Quality      string `json:"quality,omitempty"`
		OutputFormat string `json:"output_format,omitempty"`
		Usage        *usage `json:"usage,omitempty"`
	}{Created: 1_700_000_000}
	format := "png"
	if family == "gpt-image" && in.OutputFormat != "" {
		format = in.OutputFormat
	}
	for i := range count {
		it := item{}
		if family == "gpt-image" || in.ResponseFormat != nil && *in.ResponseFormat == "b64_json" {
			it.B64JSON = base64.StdEncoding.EncodeToString(FakeImage(*in.Prompt, i, format))
		} else {
			it.URL = fmt.Sprintf("https://fake-openai.invalid/images/%d-%d.png", n, i)
		}
		if family == "dall-e-3" {
			it.RevisedPrompt = "A detailed rendering of: " + *in.Prompt
		}
		out.Data = append(out.Data, it)
	}
	if family == "gpt-image" {
		out.Size, out.Quality, out.OutputFormat = in.Size, in.Quality, format
		if out.Size == "" {
			out.Size = "1024x1024"
		}
		if out.Quality == "" {
			out.Quality = "medium"
		}
		u := usage{InputTokens: len(*in.Prompt), OutputTokens: 1056 * count}
		u.TotalTokens = u.InputTokens + u.OutputTokens
		out.Usage = &u
	}
	oaiWriteJSON(w, out)
}
