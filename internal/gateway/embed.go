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
	return Unary(ctx, g, req.Model, func(ctx context.Context, d Deployment) (*canon.EmbedResponse, canon.Usage, error) {
		e, ok := d.Provider.(Embedder)
		if !ok {
			return nil, canon.Usage{}, ErrCapability(CannotEmbed(d.Provider.Name(), req.Model))
		}
		sub := *req
		sub.Model = d.Upstream
		resp, err := e.Embed(ctx, &sub)
		var u canon.Usage
		if resp != nil {
			u.InputTokens = resp.InputTokens
		}
		return resp, u, err
	})
}

// capabilityError marks a deployment whose provider lacks the capability
// asked for: the next deployment is tried, nothing is recorded and the
// deployment stays healthy.
type capabilityError struct{ err error }

func (e capabilityError) Error() string { return e.err.Error() }
func (e capabilityError) Unwrap() error { return e.err }

// ErrCapability wraps the error a Unary call function returns for a
// provider without the capability (gateway.CannotEmbed and its kind).
func ErrCapability(err error) error { return capabilityError{err} }

// Unary calls one non-conversation operation (embeddings, rerank, image
// generation, …) on the deployments of model in order of health, with
// Converse's fallback rules: a deployment whose call fails with an error
// another deployment might not have is marked unhealthy and the next one is
// tried. call returns ErrCapability(…) for a provider that cannot serve the
// operation; if no deployment can, the first such error is returned. Every
// real attempt is recorded with the usage call reports.
func Unary[T any](ctx context.Context, g *Gateway, model string, call func(ctx context.Context, d Deployment) (T, canon.Usage, error)) (T, error) {
	var zero T
	deps, err := g.resolver.Resolve(ctx, model)
	if err != nil {
		return zero, err
	}
	if len(deps) == 0 {
		return zero, apierr.New(apierr.NotFound, "no deployment serves model %q", model)
	}
	var lastErr, capErr error
	for _, d := range g.healthyFirst(deps) {
		start := g.now()
		var resp T
		var u canon.Usage
		err := g.bounded(ctx, d, func(ctx context.Context) (err error) {
			resp, u, err = call(ctx, d)
			return err
		})
		if ce, ok := err.(capabilityError); ok {
			if capErr == nil {
				capErr = ce.err
			}
			continue
		}
		if g.Recorder != nil {
			g.Recorder.Record(ctx, Call{Model: model, Provider: d.Provider.Name(), Upstream: d.Upstream,
				Usage: u, LatencyMs: g.now().Sub(start).Milliseconds(), Err: err})
		}
		if err == nil {
			g.markHealthy(d)
			return resp, nil
		}
		lastErr = err
		if ctx.Err() != nil || !retryable(err) {
			return zero, err
		}
		g.markUnhealthy(d)
	}
	if lastErr == nil {
		lastErr = capErr
	}
	return zero, lastErr
}
