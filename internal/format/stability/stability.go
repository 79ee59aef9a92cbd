// Package stability is the InvokeModel body dialect of Stability AI's
// image models on Bedrock: Stable Diffusion 3.5 Large and 3 Large
// (stability.sd3-5-large-v1:0, stability.sd3-large-v1:0), Stable Image
// Core and Stable Image Ultra (stability.stable-image-core-*,
// stability.stable-image-ultra-*). It turns the request body into the
// canonical image request and images into the response body
// {"seeds": […], "finish_reasons": [null | "Filter reason: …"], "images":
// [base64…]}. It is pure: no I/O.
//
// Request: {"prompt" (required, up to 10,000 characters),
// "negative_prompt" (up to 10,000), "aspect_ratio": "16:9"|"1:1"|"21:9"|
// "2:3"|"3:2"|"4:5"|"5:4"|"9:16"|"9:21" (text-to-image only), "seed":
// 0-4294967294, "output_format": "jpeg"|"png"|"webp"}; SD3 and SD3.5 add
// "mode": "text-to-image"|"image-to-image", where image-to-image requires
// "image" (base64) and "strength" (0-1). Sources: the Bedrock user guide's
// "Stability.ai Stable Diffusion 3.5 Large", "Stable Image Ultra request
// and response" and "Stable Image Core request and response" pages
// (docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-diffusion-3-5-large.html
// and siblings): the fields above, the response shape and the finish
// reasons "Filter reason: prompt", "Filter reason: output image", "Filter
// reason: input image" and "Inference error". Decisions where those pages
// are thin, made so that nothing Bedrock accepts is refused (a Bedrock
// provider passes the body on byte for byte, and Bedrock judges it):
//
//   - SD3 and SD3.5 also take "cfg_scale" (1-10), and Stable Image Core
//     "style_preset" (Stability's 17 presets), as Stability's own API
//     documents for those models.
//   - Stable Image Ultra takes "image" and "strength" without a "mode"
//     (Stability's API for Ultra): an image makes it image-to-image.
//   - An "aspect_ratio" on an image-to-image request is refused rather
//     than ignored: the output takes the input image's shape.
//   - Input images must decode (standard base64) to PNG, JPEG or WebP.
//   - Stability's image services (upscale, inpaint, erase, search and
//     replace, recolor, style guide and transfer, control sketch and
//     structure, remove background, outpaint) each have their own body and
//     are refused with a ValidationException naming the models served, as
//     is the legacy SDXL body ({"text_prompts": […]}) of
//     stability.stable-diffusion-xl-*, which Bedrock has retired.
//   - Responses: seeds are reported as the provider gives them, 0 (which
//     Stability reads as "random") where it gives none; an error about the
//     whole answer becomes the finish reason.
package stability

import (
	"bytes"
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/format/nativejson"
)

// Family is the catalog family (internal/catalog/family.go) of Stability's
// models.
const Family = "stability"

// MaxPrompt bounds prompt and negative_prompt.
const MaxPrompt = 10_000

// MaxSeed is the largest seed.
const MaxSeed = 4_294_967_294

// AspectRatios are the accepted aspect_ratio values.
var AspectRatios = []string{"16:9", "1:1", "21:9", "2:3", "3:2", "4:5", "5:4", "9:16", "9:21"}

// StylePresets are Stable Image Core's style_preset values.
var StylePresets = []string{"3d-model", "analog-film", "anime", "cinematic", "comic-book", "digital-art", "enhance",
	"fantasy-art", "isometric", "line-art", "low-poly", "modeling-compound", "neon-punk", "origami", "photographic",
	"pixel-art", "tile-texture"}

// served names the models whose body this package speaks, for errors.
const served = "stability.sd3-5-large-v1:0, stability.sd3-large-v1:0, stability.stable-image-core-* and stability.stable-image-ultra-*"

type kind int

const (
	kindOther kind = iota
	kindSD3
	kindUltra
	kindCore
	kindSDXL
)

// kindOf classifies a model id, inference profile or ARN.
func kindOf(modelID string) kind {
	i := strings.Index(modelID, "stability.")
	if i < 0 {
		return kindOther
	}
	base := modelID[i:]
	switch {
	case strings.HasPrefix(base, "stability.sd3"):
		return kindSD3
	case strings.HasPrefix(base, "stability.stable-image-ultra"):
		return kindUltra
	case strings.HasPrefix(base, "stability.stable-image-core"):
		return kindCore
	case strings.HasPrefix(base, "stability.stable-diffusion-xl"):
		return kindSDXL
	}
	return kindOther
}

// Is reports whether modelID (an id, inference profile or ARN) names a
// Stability model.
func Is(modelID string) bool { return strings.Contains(modelID, "stability.") }

// Serves reports whether modelID is one of the models this package speaks
// for (its other Stability models are refused by DecodeRequest).
func Serves(modelID string) bool {
	k := kindOf(modelID)
	return k == kindSD3 || k == kindUltra || k == kindCore
}

// DecodeRequest validates a Stability body for modelID and returns the
// canonical request, carrying body as its Native. Problems with the body
// are a ValidationException starting "Malformed input request:" that names
// every bad field.
func DecodeRequest(modelID string, body []byte) (*canon.ImageRequest, error) {
	k := kindOf(modelID)
	allowed := []string{"prompt", "negative_prompt", "aspect_ratio", "seed", "output_format"}
	switch k {
	case kindSD3:
		allowed = append(allowed, "mode", "image", "strength", "cfg_scale")
	case kindUltra:
		allowed = append(allowed, "image", "strength")
	case kindCore:
		allowed = append(allowed, "style_preset")
	case kindSDXL:
		return nil, apierr.Validationf("model %q is Stability's legacy SDXL, whose text_prompts body this gateway does not serve "+
			"(Amazon Bedrock has retired the model); use one of %s, whose body is {\"prompt\": …}", modelID, served)
	default:
		return nil, apierr.Validationf("model %q is not one of the Stability models this gateway serves on InvokeModel: "+
			"Stability's image services (upscale, inpaint, erase, search and replace, style transfer, …) each have their own body, "+
			"which is not supported yet; it serves %s", modelID, served)
	}
	var problems []string
	o, ok := nativejson.ParseObject("#", body, &problems, allowed...)
	if !ok {
		return nil, nativejson.Malformed(problems)
	}
	req := &canon.ImageRequest{Model: modelID, Task: canon.ImageTextToImage, Native: body, NativeFamily: Family}
	req.Prompt = text(o, "prompt", true)
	req.NegativePrompt = text(o, "negative_prompt", false)
	mode := o.Enum("mode", "text-to-image", "image-to-image")
	if mode == "image-to-image" || (k == kindUltra && o.Get("image") != nil) {
		req.Task = canon.ImageToImage
	}
	if req.Task == canon.ImageToImage {
		if o.Require("image") {
			req.Images = image(o, "image")
		}
		if k == kindSD3 {
			o.Require("strength")
		}
		if o.Get("aspect_ratio") != nil {
			o.Fail("aspect_ratio", "only text-to-image takes an aspect ratio (the output has the input image's)")
		}
	} else if k != kindCore {
		hint := ` (set "mode": "image-to-image")`
		if k == kindUltra {
			hint = " (send an image)"
		}
		for _, key := range []string{"image", "strength"} {
			if o.Get(key) != nil {
				o.Fail(key, "only image-to-image takes "+key+hint)
			}
		}
	}
	req.Strength = o.Number("strength", 0, 1)
	req.AspectRatio = o.Enum("aspect_ratio", AspectRatios...)
	if s := o.Integer("seed", 0, MaxSeed); s != nil {
		seed := int64(*s)
		req.Seed = &seed
	}
	req.OutputFormat = o.Enum("output_format", "jpeg", "png", "webp")
	req.CfgScale = o.Number("cfg_scale", 1, 10)
	req.Style = o.Enum("style_preset", StylePresets...)
	if len(problems) > 0 {
		return nil, nativejson.Malformed(problems)
	}
	return req, nil
}

func text(o *nativejson.Object, k string, required bool) string {
	if required && !o.Require(k) {
		return ""
	}
	s, ok := o.Str(k)
	if !ok {
		return ""
	}
	switch n := len([]rune(s)); {
	case n == 0 && required:
		o.Fail(k, "expected minLength: 1, actual: 0")
	case n > MaxPrompt:
		o.Fail(k, "expected maxLength: "+strconv.Itoa(MaxPrompt)+", actual: "+strconv.Itoa(n))
	}
	return s
}

// image returns the decoded image of string member k, recording a problem
// unless it is base64 of a PNG, JPEG or WebP image.
func image(o *nativejson.Object, k string) [][]byte {
	s, ok := o.Str(k)
	if !ok {
		return nil
	}
	b, err := base64.StdEncoding.DecodeString(s)
	switch {
	case err != nil || len(b) == 0:
		o.Fail(k, "expected a base64-encoded PNG, JPEG or WebP image")
	case !IsImage(b):
		o.Fail(k, "the base64 data is not a PNG, JPEG or WebP image")
	default:
		return [][]byte{b}
	}
	return nil
}

// IsImage reports whether b starts like a PNG, JPEG or WebP file.
func IsImage(b []byte) bool {
	return bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) || bytes.HasPrefix(b, []byte{0xff, 0xd8, 0xff}) ||
		len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP"
}
