// Package gateway routes a canonical request to the deployments that serve
// its model: it resolves the id, calls a provider, falls back to the next
// deployment while nothing has reached the client yet, and checks that every
// answer stream is complete.
package gateway

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
)

// Provider is an upstream that answers canonical requests.
type Provider interface {
	// Name is the provider's configured name (used in logs and errors).
	Name() string
	// Converse sends req (req.Model is the provider's own model name) and
	// writes the answer to w as canonical events, one upstream chunk at a
	// time. It returns when the answer is complete, ctx is done or w fails,
	// and never writes to w after returning. Errors are *apierr.Error
	// (upstream 429 → Throttling, …) wrapping the cause.
	Converse(ctx context.Context, req *canon.Request, w canon.EventWriter) error
}

// Deployment is one place a model is served.
type Deployment struct {
	Provider Provider
	Upstream string // the provider's model name
	Region   string
}

// Resolver maps the model id a client sent to the deployments serving it, in
// order of preference. An unknown id is an *apierr.Error of kind NotFound
// whose message says how to configure a provider for it.
type Resolver interface {
	Resolve(ctx context.Context, modelID string) ([]Deployment, error)
}

// Call is the outcome of one attempt at one deployment, for accounting.
type Call struct {
	Model     string // the id the client sent
	Provider  string
	Upstream  string
	Usage     canon.Usage
	LatencyMs int64
	Err       error // nil on success
}

// Recorder receives every attempt's outcome. It must not block.
type Recorder interface {
	Record(ctx context.Context, c Call)
}

// Gateway is the request path shared by every API shape.
type Gateway struct {
	// Recorder, if set before serving, is told about every attempt.
	Recorder Recorder
	// Timeouts, if set before serving, bound each call to a provider (by
	// provider name), a stream included: past it the call fails with
	// ModelTimeout and, like other failures before the first event, falls
	// back to the next deployment.
	Timeouts map[string]time.Duration

	resolver Resolver
	log      *slog.Logger
	now      func() time.Time
	cooldown time.Duration

	mu        sync.Mutex
	unhealthy map[deploymentKey]time.Time // until when a deployment is skipped
}

type deploymentKey struct{ provider, upstream string }

// New returns a Gateway resolving models with r.
func New(r Resolver, log *slog.Logger) *Gateway {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Gateway{resolver: r, log: log, now: time.Now, cooldown: 30 * time.Second,
		unhealthy: map[deploymentKey]time.Time{}}
}

// Converse answers req through the first healthy deployment of its model,
// writing canonical events to w. A deployment that fails before anything
// reached w is marked unhealthy for a while and the next one is tried; after
// the first event, the error goes to the caller, which reports it in-band.
func (g *Gateway) Converse(ctx context.Context, req *canon.Request, w canon.EventWriter) error {
	deps, err := g.resolver.Resolve(ctx, req.Model)
	if err != nil {
		return err
	}
	if len(deps) == 0 {
		return apierr.New(apierr.NotFound, "no deployment serves model %q", req.Model)
	}
	deps = g.healthyFirst(deps)
	var lastErr error
	for i, d := range deps {
		// The provider's copy of the request and the writer escape to the
		// heap; one allocation holds both.
		at := &attempt{sub: *req, cw: checkedWriter{w: w, start: g.now(), now: g.now}}
		sub, cw := &at.sub, &at.cw
		sub.Model = d.Upstream
		err := g.bounded(ctx, d, func(ctx context.Context) error { return d.Provider.Converse(ctx, sub, cw) })
		if err == nil && !cw.stopped && cw.werr == nil {
			err = apierr.New(apierr.ModelStreamError, "the upstream answer ended before its stop event")
		}
		if err == nil && !cw.metadata {
			// Every stream ends with usage; a provider that had none to
			// report still owes the client the closing metadata event.
			err = cw.WriteEvent(canon.Event{Kind: canon.EventMetadata})
		}
		if g.Recorder != nil {
			g.Recorder.Record(ctx, Call{Model: req.Model, Provider: d.Provider.Name(), Upstream: d.Upstream,
				Usage: cw.usage, LatencyMs: g.now().Sub(cw.start).Milliseconds(), Err: err})
		}
		if err == nil {
			g.markHealthy(d)
			return nil
		}
		if cw.werr != nil && errors.Is(err, cw.werr) {
			return err // the client side failed; nothing to retry
		}
		lastErr = err
		if ctx.Err() != nil {
			return err
		}
		if cw.sent || !retryable(err) {
			return err
		}
		g.markUnhealthy(d)
		if i < len(deps)-1 {
			g.log.WarnContext(ctx, "deployment failed, trying the next one",
				"model", req.Model, "provider", d.Provider.Name(), "upstream", d.Upstream, "err", err)
		}
	}
	return lastErr
}

var errProviderTimeout = errors.New("provider timeout")

// bounded runs call under d's provider timeout, if it has one.
func (g *Gateway) bounded(ctx context.Context, d Deployment, call func(ctx context.Context) error) error {
	limit := g.Timeouts[d.Provider.Name()]
	if limit <= 0 {
		return call(ctx)
	}
	ctx, cancel := context.WithTimeoutCause(ctx, limit, errProviderTimeout)
	defer cancel()
	err := call(ctx)
	if err != nil && errors.Is(context.Cause(ctx), errProviderTimeout) {
		return apierr.Wrap(apierr.ModelTimeout, err, "the model did not answer within the provider's timeout of %s", limit)
	}
	return err
}

// retryable reports whether another deployment might succeed where this one failed.
func retryable(err error) bool {
	switch apierr.KindOf(err) {
	case apierr.Throttling, apierr.Unavailable, apierr.Internal, apierr.ModelTimeout,
		apierr.ModelNotReady, apierr.ModelStreamError, apierr.AccessDenied, apierr.NotFound:
		return true
	}
	return false
}

func (g *Gateway) healthyFirst(deps []Deployment) []Deployment {
	if len(deps) < 2 {
		return deps
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	out := make([]Deployment, 0, len(deps))
	var sick []Deployment
	for _, d := range deps {
		if until, ok := g.unhealthy[key(d)]; ok && now.Before(until) {
			sick = append(sick, d)
			continue
		}
		out = append(out, d)
	}
	return append(out, sick...)
}

func key(d Deployment) deploymentKey { return deploymentKey{d.Provider.Name(), d.Upstream} }

func (g *Gateway) markUnhealthy(d Deployment) {
	g.mu.Lock()
	g.unhealthy[key(d)] = g.now().Add(g.cooldown)
	g.mu.Unlock()
}

func (g *Gateway) markHealthy(d Deployment) {
	g.mu.Lock()
	delete(g.unhealthy, key(d))
	g.mu.Unlock()
}

// attempt is one try at one deployment.
type attempt struct {
	sub canon.Request
	cw  checkedWriter
}

// checkedWriter passes events through, records whether any reached the
// client and whether the answer finished, and fills in the latency when the
// provider did not measure it.
type checkedWriter struct {
	w        canon.EventWriter
	start    time.Time
	now      func() time.Time
	sent     bool
	stopped  bool
	metadata bool
	usage    canon.Usage
	werr     error
}

func (c *checkedWriter) WriteEvent(ev canon.Event) error {
	switch ev.Kind {
	case canon.EventMessageStop:
		c.stopped = true
	case canon.EventMetadata:
		c.metadata = true
		c.usage = ev.Usage
		if ev.LatencyMs == 0 {
			ev.LatencyMs = c.now().Sub(c.start).Milliseconds()
		}
	}
	c.sent = true
	if err := c.w.WriteEvent(ev); err != nil {
		c.werr = err
		return err
	}
	return nil
}
