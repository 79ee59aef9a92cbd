package gateway

import (
	"context"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
)

// Embedder is the optional capability of a provider that computes
// embeddings (req.Model is the provider's own model name).
type Embedder interface {
	Embed(ctx context.Context, req *canon.EmbedRequest) (*canon.EmbedResponse, error)
}

// CannotEmbed is the error of a provider asked for embeddings it cannot
// compute; wrappers that forward Embed return it too.
func CannotEmbed(provider, model string) error {
	return apierr.Validationf("model %q is served by provider %q, which cannot compute embeddings", model, provider)
}

// Embed computes embeddings through the first deployment of req.Model
// that answers, falling back like Converse on errors another deployment
// might not have.
func (g *Gateway) Embed(ctx context.Context, req *canon.EmbedRequest) (*canon.EmbedResponse, error) {
	deps, err := g.resolver.Resolve(ctx, req.Model)
	if err != nil {
		return nil, err
	}
	if len(deps) == 0 {
		return nil, apierr.New(apierr.NotFound, "no deployment serves model %q", req.Model)
	}
	var lastErr error
	for _, d := range g.healthyFirst(deps) {
		e, ok := d.Provider.(Embedder)
		if !ok {
			if lastErr == nil {
				lastErr = CannotEmbed(d.Provider.Name(), req.Model)
			}
			continue
		}
		sub := *req
		sub.Model = d.Upstream
		start := g.now()
		resp, err := e.Embed(ctx, &sub)
		if g.Recorder != nil {
			var u canon.Usage
			if resp != nil {
				u.InputTokens = resp.InputTokens
			}
			g.Recorder.Record(ctx, Call{Model: req.Model, Provider: d.Provider.Name(), Upstream: d.Upstream,
				Usage: u, LatencyMs: g.now().Sub(start).Milliseconds(), Err: err})
		}
		if err == nil {
			g.markHealthy(d)
			return resp, nil
		}
		lastErr = err
		if ctx.Err() != nil || !retryable(err) {
			return nil, err
		}
		g.markUnhealthy(d)
	}
	return nil, lastErr
}
