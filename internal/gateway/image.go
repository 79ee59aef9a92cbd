package gateway

import (
	"context"
	"fmt"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
)

// ImageGenerator is the optional capability of a provider that generates
// or edits images (req.Model is the provider's own model name).
type ImageGenerator interface {
	GenerateImage(ctx context.Context, req *canon.ImageRequest) (*canon.ImageResponse, error)
}

// ImageChecker is implemented by image generators that serve only some
// image requests (an OpenAI-compatible upstream generates from text only;
// Bedrock needs the client's native body): CanGenerateImage says, before
// any call, why req is not for this provider, so the next deployment is
// tried and the client hears the reason if none can serve it.
type ImageChecker interface {
	CanGenerateImage(req *canon.ImageRequest) error
}

// imageProviders says what can serve an image model, for the errors of a
// gateway that has nothing that can.
const imageProviders = "Image models need a provider that generates images: a Bedrock provider (it serves " +
	"amazon.titan-image-*, amazon.nova-canvas-* and stability.* models with their native bodies), or an " +
	"OpenAI-compatible provider whose /images/generations serves the model (text-to-image only), mapped with a " +
	"models entry in the config file: {id: %q, provider: <name>, upstream: <its image model, e.g. gpt-image-1>}."

// CannotGenerateImages is the error of a provider asked for images it
// cannot generate.
func CannotGenerateImages(provider, model string) error {
	return apierr.Validationf("model %q is served by provider %q, which cannot generate images. "+imageProviders,
		model, provider, model)
}

// GenerateImage generates images through the first deployment of
// req.Model that can, falling back like Converse on errors another
// deployment might not have.
func (g *Gateway) GenerateImage(ctx context.Context, req *canon.ImageRequest) (*canon.ImageResponse, error) {
	called := false
	resp, err := Unary(ctx, g, req.Model, func(ctx context.Context, d Deployment) (*canon.ImageResponse, canon.Usage, error) {
		called = true
		p, ok := d.Provider.(ImageGenerator)
		if !ok {
			return nil, canon.Usage{}, ErrCapability(CannotGenerateImages(d.Provider.Name(), req.Model))
		}
		sub := *req
		sub.Model = d.Upstream
		if c, ok := d.Provider.(ImageChecker); ok {
			if err := c.CanGenerateImage(&sub); err != nil {
				return nil, canon.Usage{}, ErrCapability(err)
			}
		}
		resp, err := p.GenerateImage(ctx, &sub)
		var u canon.Usage
		if resp != nil {
			u.InputTokens, u.OutputTokens = resp.InputTokens, resp.OutputTokens
		}
		return resp, u, err
	})
	if err != nil && !called && apierr.KindOf(err) == apierr.NotFound {
		// Nothing serves the id at all: the routing table's advice is about
		// models in general, so add what an image model needs.
		ae := *apierr.As(err)
		ae.Message += " " + fmt.Sprintf(imageProviders, req.Model)
		return nil, &ae
	}
	return resp, err
}
