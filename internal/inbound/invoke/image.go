package invoke

import (
	"context"
	"net/http"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/format/stability"
	"github.com/basalt-gateway/basalt/internal/format/titanimage"
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
		c := imageCodecs[family]
		serveOperation(w, r, modelID, stream, refusals{model: "an image generation model", cannot: "generate images"}, g != nil,
			func(ctx context.Context, body []byte) (opAnswer, error) {
				req, err := c.decode(modelID, body)
				if err != nil {
					return opAnswer{}, err
				}
				resp, err := g.GenerateImage(ctx, req)
				if err != nil {
					return opAnswer{}, err
				}
				if len(resp.Images) == 0 && resp.Error == "" && !hasReason(resp.FinishReasons) {
					return opAnswer{}, apierr.New(apierr.ModelError, "the model returned no images and no reason for it")
				}
				if resp.NativeFamily == c.family && len(resp.Native) > 0 {
					return opAnswer{raw: resp.Native}, nil // the provider's own body of this family, as it came
				}
				return opAnswer{body: c.encode(resp)}, nil
			})
	},
}

func hasReason(reasons []string) bool {
	for _, r := range reasons {
		if r != "" {
			return true
		}
	}
	return false
}
