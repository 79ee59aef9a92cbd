package invoke

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/format/stability"
	"github.com/basalt-gateway/basalt/internal/format/titanimage"
	"github.com/basalt-gateway/basalt/internal/inbound/converse"
	"github.com/basalt-gateway/basalt/internal/server"
)

// Image generation families served on InvokeModel (strings of
// internal/catalog/family.go).
const (
	FamilyTitanImage = titanimage.FamilyTitan
	FamilyNovaCanvas = titanimage.FamilyNovaCanvas
	FamilyStability  = stability.Family
)

// ImageGenerator is what the image families need from the gateway: any
// provider implementing gateway.ImageGenerator answers through it.
type ImageGenerator interface {
	GenerateImage(ctx context.Context, req *canon.ImageRequest) (*canon.ImageResponse, error)
}

// imageCodec is one image family's native body format.
type imageCodec struct {
	family string
	title  string
	decode func(modelID string, body []byte) (*canon.ImageRequest, error)
	encode func(resp *canon.ImageResponse) any
}

func titanImageCodec(title, family string) imageCodec {
	return imageCodec{
		family: family,
		title:  title,
		decode: func(modelID string, body []byte) (*canon.ImageRequest, error) {
			return titanimage.DecodeRequest(modelID, family, body)
		},
		encode: func(resp *canon.ImageResponse) any { return titanimage.ResponseFromCanon(resp) },
	}
}

var imageCodecs = map[string]imageCodec{
	FamilyTitanImage: titanImageCodec("Amazon Titan Image Generator (amazon.titan-image-generator-*: taskType TEXT_IMAGE, "+
		"COLOR_GUIDED_GENERATION, IMAGE_VARIATION, INPAINTING, OUTPAINTING, BACKGROUND_REMOVAL)", FamilyTitanImage),
	FamilyNovaCanvas: titanImageCodec("Amazon Nova Canvas (amazon.nova-canvas-*: the Titan Image taskTypes, not VIRTUAL_TRY_ON)", FamilyNovaCanvas),
	FamilyStability: {
		family: FamilyStability,
		title:  "Stability AI (stability.sd3-5-large, sd3-large, stable-image-core, stable-image-ultra: prompt, mode, image, strength)",
		decode: stability.DecodeRequest,
		encode: func(resp *canon.ImageResponse) any { return stability.ResponseFromCanon(resp) },
	},
}

// imageOperation serves the image generation families.
var imageOperation = operation{
	titles: []string{imageCodecs[FamilyTitanImage].title, imageCodecs[FamilyNovaCanvas].title, imageCodecs[FamilyStability].title},
	match: func(_, family string) bool {
		_, ok := imageCodecs[family]
		return ok
	},
	serve: func(w http.ResponseWriter, r *http.Request, gw any, modelID, family string, stream bool) {
		g, _ := gw.(ImageGenerator)
		serveImage(w, r, g, imageCodecs[family], modelID, stream)
	},
}

// serveImage answers an image family's InvokeModel call through gw.
func serveImage(w http.ResponseWriter, r *http.Request, gw ImageGenerator, c imageCodec, modelID string, stream bool) {
	start := time.Now()
	if stream {
		converse.WriteError(w, apierr.Validationf("model %q is an image generation model, which InvokeModelWithResponseStream does not serve: use InvokeModel", modelID))
		return
	}
	if gw == nil {
		converse.WriteError(w, apierr.Validationf("this gateway cannot generate images"))
		return
	}
	body, err := server.ReadBody(r, DefaultMaxBody)
	if err != nil {
		converse.WriteError(w, err)
		return
	}
	req, err := c.decode(modelID, body)
	if err != nil {
		converse.WriteError(w, err)
		return
	}
	resp, err := gw.GenerateImage(r.Context(), req)
	if err != nil {
		converse.WriteError(w, err)
		return
	}
	if len(resp.Images) == 0 && resp.Error == "" && !hasReason(resp.FinishReasons) {
		converse.WriteError(w, apierr.New(apierr.ModelError, "the model returned no images and no reason for it"))
		return
	}
	out := resp.Native
	if resp.NativeFamily != c.family || len(out) == 0 {
		if out, err = marshalBody(c.encode(resp)); err != nil {
			converse.WriteError(w, apierr.Wrap(apierr.Internal, err, "the answer could not be encoded"))
			return
		}
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(out)))
	h.Set("X-Amzn-Bedrock-Invocation-Latency", strconv.FormatInt(time.Since(start).Milliseconds(), 10))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(out)
}

func hasReason(reasons []string) bool {
	for _, r := range reasons {
		if r != "" {
			return true
		}
	}
	return false
}
