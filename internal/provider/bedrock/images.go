package bedrock

import (
	"context"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/format/stability"
	"github.com/basalt-gateway/basalt/internal/format/titanimage"
)

// imageFamily returns the image family of a model id, inference profile or
// ARN ("" when the id does not say, as for an application inference
// profile's ARN).
func imageFamily(modelID string) string {
	if f := titanimage.FamilyOf(modelID); f != "" {
		return f
	}
	if stability.Is(modelID) {
		return stability.Family
	}
	return ""
}

// CanGenerateImage accepts image requests that carry the client's native
// body (Bedrock speaks only the models' own bodies, which Basalt does not
// re-encode) for a model of the body's family.
func (p *Provider) CanGenerateImage(req *canon.ImageRequest) error {
	if len(req.Native) == 0 || req.NativeFamily == "" {
		return apierr.Validationf("provider %q (Bedrock) generates images only from a model's native InvokeModel body, "+
			"and this request did not come with one", p.name)
	}
	if f := imageFamily(req.Model); f != "" && f != req.NativeFamily {
		return apierr.Validationf("provider %q (Bedrock) would send model %q, of family %q, a body of family %q, which it does not take; "+
			"route this model id to a %s model (or to an OpenAI-compatible provider for text-to-image)",
			p.name, req.Model, f, req.NativeFamily, req.NativeFamily)
	}
	return nil
}

// GenerateImage calls InvokeModel with the client's body as it came and
// decodes the answer; the answer travels on as Native too, so a client of
// the same family gets Bedrock's body byte for byte.
func (p *Provider) GenerateImage(ctx context.Context, req *canon.ImageRequest) (*canon.ImageResponse, error) {
	if err := p.CanGenerateImage(req); err != nil {
		return nil, err
	}
	body, err := p.InvokeJSON(ctx, req.Model, req.Native)
	if err != nil {
		return nil, err
	}
	decode := titanimage.DecodeResponse
	if req.NativeFamily == stability.Family {
		decode = stability.DecodeResponse
	}
	resp, err := decode(body)
	if err != nil {
		return nil, apierr.Wrap(apierr.ModelError, err, "Bedrock answered model %q with a body that is not a %s image response", req.Model, req.NativeFamily)
	}
	resp.Native, resp.NativeFamily = body, req.NativeFamily
	return resp, nil
}
