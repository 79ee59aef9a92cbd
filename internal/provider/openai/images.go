package openai

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
)

type imagesRequest struct {
	Model          string `json:"model"`
	Prompt         string `json:"prompt"`
	N              int    `json:"n,omitempty"`
	Size           string `json:"size,omitempty"`
	Quality        string `json:"quality,omitempty"`
	ResponseFormat string `json:"response_format,omitempty"`
	OutputFormat   string `json:"output_format,omitempty"`
}

type imagesResponse struct {
	Data []struct {
		B64JSON string `json:"b64_json"`
		URL     string `json:"url"`
	} `json:"data"`
	Usage struct {
		InputTokens  int `json:"input_tokens"`
		OutputTokens int `json:"output_tokens"`
	} `json:"usage"`
}

// stabilitySizes are the pixel sizes Stability renders each aspect ratio at.
var stabilitySizes = map[string]string{
	"1:1": "1024x1024", "16:9": "1344x768", "9:16": "768x1344", "21:9": "1536x640", "9:21": "640x1536",
	"3:2": "1216x832", "2:3": "832x1216", "5:4": "1088x896", "4:5": "896x1088",
}

// CanGenerateImage refuses, before any call, what /images/generations
// cannot do.
func (p *Provider) CanGenerateImage(req *canon.ImageRequest) error {
	refuse := func(what string, or ...string) error {
		return apierr.Validationf("provider %q (model %q) is OpenAI-compatible: its /images/generations generates images "+
			"from a text prompt alone, and this request has %s. Route the model to a Bedrock provider for that%s.",
			p.name, req.Model, what, strings.Join(or, ""))
	}
	switch {
	case req.Task != canon.ImageTextToImage:
		return refuse("the image task " + strconv.Quote(string(req.Task)))
	case req.Prompt == "":
		return refuse("no prompt")
	case req.NegativePrompt != "":
		return refuse("a negative prompt (negativeText, negative_prompt), which it has no equivalent of", ", or leave the negative prompt out")
	case len(req.Reference) > 0:
		return refuse("a conditioning image (conditionImage)")
	case req.Style != "":
		return refuse("the style "+strconv.Quote(req.Style)+", which it has no equivalent of", ", or leave the style out")
	case req.AspectRatio != "" && stabilitySizes[req.AspectRatio] == "":
		return refuse("the aspect ratio " + strconv.Quote(req.AspectRatio))
	}
	return nil
}

// GenerateImage generates images with POST {BaseURL}/images/generations,
// OpenAI's Images API, which generates from text only: other tasks (variations,
// inpainting, …) are refused before any call. The canonical request maps
// onto it as follows:
//
//   - n is Count; size is "WxH" from Width and Height as given (a side
//     left out is 1024, Titan Image's and Nova Canvas's default), not
//     rounded to a size OpenAI lists: api.openai.com refuses a size it does
//     not offer and names the ones it does, which beats an image of a size
//     nobody asked for, and other OpenAI-compatible servers take any size.
//     Stability's AspectRatio becomes the ~1 megapixel size Stability
//     renders it at ("16:9" → "1344x768"). Neither: no size, the server's
//     default.
//   - quality: "premium" becomes "hd" for dall-e-* models and "high" for
//     others (gpt-image-*); "standard", the default, sends none.
//   - response_format "b64_json" is asked for, except from gpt-image-*
//     models, which always answer base64 and reject the parameter; an
//     answer carrying URLs instead is refused rather than fetched.
//   - output_format is sent when it is not png (gpt-image-* takes it).
//   - The negative prompt, a conditioning image and a named style have no
//     place in the Images API and change what is drawn, so a request with
//     any of them is refused (nothing a client sent is dropped silently).
//   - Seed and cfgScale are sampling controls the API has no field for;
//     they are not sent, and the images still answer the prompt.
//     Stability answers report seed 0 ("random").
func (p *Provider) GenerateImage(ctx context.Context, req *canon.ImageRequest) (*canon.ImageResponse, error) {
	if err := p.CanGenerateImage(req); err != nil {
		return nil, err
	}
	dalle := strings.HasPrefix(req.Model, "dall-e")
	ir := imagesRequest{Model: req.Model, Prompt: req.Prompt, N: req.Count, Size: imageSize(req)}
	if !strings.HasPrefix(req.Model, "gpt-image") {
		ir.ResponseFormat = "b64_json"
	}
	if req.Quality == "premium" {
		ir.Quality = "high"
		if dalle {
			ir.Quality = "hd"
		}
	}
	if req.OutputFormat != "" && req.OutputFormat != "png" {
		ir.OutputFormat = req.OutputFormat
	}
	payload, err := json.Marshal(ir)
	if err != nil {
		return nil, apierr.Wrap(apierr.Internal, err, "could not encode the request for provider %q", p.name)
	}
	body, err := p.postJSON(ctx, "/images/generations", payload, "provider %q answered with more than %d bytes")
	if err != nil {
		return nil, err
	}
	return decodeImages(p.name, body)
}

// decodeImages reads an /images/generations answer from provider name.
func decodeImages(name string, body []byte) (*canon.ImageResponse, error) {
	var r imagesResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, apierr.Wrap(apierr.ModelError, err, "provider %q answered with a body that is not an images response", name)
	}
	out := &canon.ImageResponse{InputTokens: r.Usage.InputTokens, OutputTokens: r.Usage.OutputTokens}
	for i, d := range r.Data {
		if d.B64JSON == "" {
			if d.URL != "" {
				return nil, apierr.New(apierr.ModelError, "provider %q answered with an image URL instead of base64 data (image %d); "+
					"Basalt asks for response_format b64_json and does not fetch images", name, i)
			}
			return nil, apierr.New(apierr.ModelError, "provider %q answered with no data for image %d", name, i)
		}
		img, err := base64.StdEncoding.DecodeString(d.B64JSON)
		if err != nil {
			return nil, apierr.Wrap(apierr.ModelError, err, "provider %q answered with image %d that is not base64", name, i)
		}
		out.Images = append(out.Images, img)
	}
	if len(out.Images) == 0 {
		return nil, apierr.New(apierr.ModelError, "provider %q answered with no images", name)
	}
	return out, nil
}

// imageSize is the size parameter for req ("" for the server's default).
func imageSize(req *canon.ImageRequest) string {
	if req.Width == 0 && req.Height == 0 {
		return stabilitySizes[req.AspectRatio]
	}
	w, h := req.Width, req.Height
	if w == 0 {
		w = 1024
	}
	if h == 0 {
		h = 1024
	}
	return strconv.Itoa(w) + "x" + strconv.Itoa(h)
}
