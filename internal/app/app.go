// Package app wires Basalt together from its configuration: providers,
// the routing table, the gateway, the store and every HTTP surface. It is
// the only package that imports all the others.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/auth"
	"github.com/basalt-gateway/basalt/internal/catalog"
	"github.com/basalt-gateway/basalt/internal/gateway"
	"github.com/basalt-gateway/basalt/internal/inbound/advise"
	"github.com/basalt-gateway/basalt/internal/inbound/controlplane"
	"github.com/basalt-gateway/basalt/internal/inbound/converse"
	"github.com/basalt-gateway/basalt/internal/inbound/openaichat"
	responses "github.com/basalt-gateway/basalt/internal/inbound/openairesponses"
	"github.com/basalt-gateway/basalt/internal/inbound/rerank"
	"github.com/basalt-gateway/basalt/internal/provider/anthropic"
	"github.com/basalt-gateway/basalt/internal/provider/bedrock"
	"github.com/basalt-gateway/basalt/internal/provider/local"
	"github.com/basalt-gateway/basalt/internal/provider/openai"
	"github.com/basalt-gateway/basalt/internal/server"
	"github.com/basalt-gateway/basalt/internal/store"
)

// ProviderSpec describes one provider to build.
type ProviderSpec struct {
	Name, Type string
	BaseURL    string
	APIKey     string
	Timeout    time.Duration // whole call; 0 = none
	Headers    map[string]string
	// openai
	MaxTokensField string
	// anthropic
	Version          string
	DefaultMaxTokens int
	// local: pause between streamed deltas (tests of slow answers)
	Delay time.Duration
	// bedrock
	Region, Endpoint, Profile                  string
	AccessKeyID, SecretAccessKey, SessionToken string
	MaxAttempts                                int
	// ServesCatalog makes the provider serve every Bedrock model of the
	// catalog under its own id (bedrock providers do by default).
	ServesCatalog bool
	// Detected says the provider was found in the environment, not configured.
	Detected string
}

// ModelSpec routes a model id to a provider.
type ModelSpec struct {
	ID, Provider, Upstream, Region string
}

// Options is everything New needs.
type Options struct {
	DataDir   string // "" = no store (tests)
	Providers []ProviderSpec
	Models    []ModelSpec
	Log       *slog.Logger
	// HTTPClient, if set, is used for every upstream call (tests).
	HTTPClient *http.Client
	// APIKeys, if any, are required on every request (auth.api_keys).
	APIKeys []string
	// CatalogOverrides are the config file's catalog entries, merged into
	// the embedded catalog (catalog.Merge) that routing, the control plane,
	// /advise and /v1/models see.
	CatalogOverrides []catalog.Model
}

// App is a wired gateway.
type App struct {
	Gateway   *gateway.Gateway
	Table     *gateway.Table
	Catalog   *catalog.Catalog
	Providers []gateway.Provider
	Store     *store.DB

	log   *slog.Logger
	keys  *auth.Keys
	usage *store.UsageWriter
	mux   *http.ServeMux

	responses *responses.Handler // background runs end with the App

	served map[string][]string // catalog or route id -> provider names; see Served
}

// New builds an App.
func New(ctx context.Context, o Options) (*App, error) {
	log := o.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cat, err := catalog.Load()
	if err != nil {
		return nil, fmt.Errorf("loading the model catalog: %w", err)
	}
	if len(o.CatalogOverrides) > 0 {
		if cat, err = cat.Merge(o.CatalogOverrides); err != nil {
			return nil, fmt.Errorf("config catalog section: %w", err)
		}
	}
	a := &App{Catalog: cat, log: log, keys: auth.New(o.APIKeys)}
	byName := map[string]gateway.Provider{}
	var catchAll []gateway.Provider
	var routes []gateway.Route
	timeouts := map[string]time.Duration{}
	for _, ps := range o.Providers {
		p, err := buildProvider(ctx, ps, o.HTTPClient)
		if err != nil {
			return nil, fmt.Errorf("provider %q: %w", ps.Name, err)
		}
		if _, dup := byName[ps.Name]; dup {
			return nil, fmt.Errorf("provider %q is defined twice", ps.Name)
		}
		byName[ps.Name] = p
		if ps.Timeout > 0 {
			timeouts[ps.Name] = ps.Timeout
		}
		a.Providers = append(a.Providers, p)
		if ps.ServesCatalog {
			catchAll = append(catchAll, p)
		}
		if lp, ok := p.(*local.Provider); ok {
			for _, m := range lp.Models() {
				routes = append(routes, gateway.Route{ID: m, Provider: p, Upstream: m})
			}
		}
		attrs := []any{"name", ps.Name, "type", ps.Type}
		if ps.BaseURL != "" {
			attrs = append(attrs, "base_url", ps.BaseURL)
		}
		if ps.Region != "" {
			attrs = append(attrs, "region", ps.Region)
		}
		if ps.Detected != "" {
			attrs = append(attrs, "detected_from", ps.Detected)
		}
		log.Info("provider ready", attrs...)
	}
	var configured []gateway.Route
	for _, m := range o.Models {
		p, ok := byName[m.Provider]
		if !ok {
			return nil, fmt.Errorf("model %q names provider %q, which is not configured", m.ID, m.Provider)
		}
		if m.Region != "" {
			// Per-route regions need the router's per-region Bedrock clients;
			// refuse rather than silently serve from the provider's region.
			return nil, fmt.Errorf("model %q: per-model region is not supported yet; set region on a bedrock provider instead", m.ID)
		}
		configured = append(configured, gateway.Route{ID: m.ID, Provider: p, Upstream: m.Upstream, Region: m.Region})
	}
	// Configured routes come first so a user can remap basalt-test too.
	routes = append(configured, routes...)
	a.Table = gateway.NewTable(routes, a.Providers, catchAll, a.knownBedrockModel)
	a.Gateway = gateway.New(a.Table, log)
	a.Gateway.Timeouts = timeouts
	a.served = a.servedIndex() // served.go
	if o.DataDir != "" {
		db, err := store.Open(ctx, o.DataDir)
		if err != nil {
			return nil, err
		}
		a.Store = db
		a.usage = store.NewUsageWriter(db, log)
		a.Gateway.Recorder = usageRecorder{a.usage}
		log.Info("data directory ready", "path", db.Path())
	}
	a.mux = a.routes()
	return a, nil
}

// knownBedrockModel reports whether id (in any form: base, profile, ARN)
// is a Bedrock model in the catalog, and its base id.
func (a *App) knownBedrockModel(id string) (string, bool) {
	m, ok := a.Catalog.Lookup(id)
	if !ok || !m.IsBedrock() {
		return "", false
	}
	return m.ID, true
}

// Handler is the HTTP handler serving every surface.
func (a *App) Handler() http.Handler {
	return server.Middleware(requireKey(a.keys, a.mux), a.log)
}

// Close flushes usage and closes the store.
func (a *App) Close() error {
	if a.responses != nil {
		a.responses.Close() // before the store: background runs record their outcome
	}
	if a.usage != nil {
		a.usage.Close()
	}
	if a.Store != nil {
		return a.Store.Close()
	}
	return nil
}

func (a *App) routes() *http.ServeMux {
	mux := http.NewServeMux()
	conv := converse.Shape{}
	mux.Handle("POST /model/{modelId}/converse", server.Handle("converse", a.Gateway, conv, a.log))
	mux.Handle("POST /advise", advise.Handler{Catalog: a.Catalog, Served: a.Served})
	controlplane.New(a.bedrockCatalog(), controlplane.Options{}).Register(mux)
	mux.Handle("POST /model/{modelId}/converse-stream", server.Handle("converse_stream", a.Gateway, converse.StreamShape{}, a.log))
	mux.Handle("POST /v1/chat/completions", openaichat.Handler(a.Gateway, openaichat.Shape{}, a.log))
	mux.Handle("POST /openai/v1/chat/completions", openaichat.Handler(a.Gateway, openaichat.Shape{}, a.log))
	mux.Handle("GET /v1/models", openaichat.ListModels(a.modelDirectory()))
	mux.Handle("GET /v1/models/{id...}", openaichat.GetModel(a.modelDirectory()))
	mux.Handle("POST /v1/embeddings", openaichat.Embeddings(a.Gateway, 0))
	mux.Handle("GET /openai/v1/models", openaichat.ListModels(a.modelDirectory()))
	mux.Handle("GET /openai/v1/models/{id...}", openaichat.GetModel(a.modelDirectory()))
	mux.Handle("POST /openai/v1/embeddings", openaichat.Embeddings(a.Gateway, 0))
	mux.Handle("POST /rerank", rerank.Handler(a.Gateway, 0)) // the agent runtime's Rerank
	// /v1/responses[/{id}[/input_items|/cancel]], also under /openai/v1
	a.responses = responses.New(a.Gateway, a.responseStore(), a.log)
	a.responses.Register(mux)
	a.anthropicRoutes(mux) // /v1/messages[/count_tokens], /anthropic/v1/messages…, /model/{modelId}/invoke[-with-response-stream]
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"ok"}`))
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		converse.WriteError(w, apierr.New(apierr.NotFound, "%s %s is not an operation this gateway serves", r.Method, r.URL.EscapedPath()))
	})
	return mux
}

func buildProvider(ctx context.Context, ps ProviderSpec, hc *http.Client) (gateway.Provider, error) {
	client := httpClient(hc, ps.Headers)
	var p gateway.Provider
	var err error
	switch ps.Type {
	case "local":
		lp := local.New(ps.Name)
		lp.Delay = ps.Delay
		p = lp
	case "openai":
		p, err = openai.New(openai.Config{Name: ps.Name, BaseURL: ps.BaseURL, APIKey: ps.APIKey, HTTPClient: client, MaxTokensField: ps.MaxTokensField})
	case "anthropic":
		p, err = anthropic.New(anthropic.Config{Name: ps.Name, BaseURL: ps.BaseURL, APIKey: ps.APIKey, HTTPClient: client,
			DefaultMaxTokens: ps.DefaultMaxTokens, Version: ps.Version})
	case "bedrock":
		p, err = bedrock.New(ctx, bedrock.Config{Name: ps.Name, Region: ps.Region, Endpoint: ps.Endpoint, Profile: ps.Profile,
			AccessKeyID: ps.AccessKeyID, SecretAccessKey: ps.SecretAccessKey, SessionToken: ps.SessionToken,
			BearerToken: ps.APIKey, HTTPClient: client, MaxAttempts: ps.MaxAttempts})
	default:
		return nil, fmt.Errorf("unknown provider type %q (want openai, anthropic, bedrock or local)", ps.Type)
	}
	if err != nil {
		return nil, err
	}
	return p, nil
}

// httpClient returns the client for one provider: the shared one (or the
// default), with the provider's extra headers added to every request.
func httpClient(base *http.Client, headers map[string]string) *http.Client {
	if len(headers) == 0 {
		return base
	}
	c := &http.Client{}
	if base != nil {
		*c = *base
	}
	rt := c.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	c.Transport = headerTransport{rt: rt, headers: headers}
	return c
}

type headerTransport struct {
	rt      http.RoundTripper
	headers map[string]string
}

func (h headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	for k, v := range h.headers {
		r.Header.Set(k, v)
	}
	return h.rt.RoundTrip(r)
}

type usageRecorder struct{ w *store.UsageWriter }

func (u usageRecorder) Record(ctx context.Context, c gateway.Call) {
	status := "ok"
	switch {
	case c.Err == nil:
	case errors.Is(c.Err, context.Canceled) && ctx.Err() != nil:
		// The client went away; providers report that as Internal, which
		// would count it as a gateway failure.
		status = "canceled"
	default:
		status = apierr.KindOf(c.Err).String()
	}
	u.w.Add(store.Usage{RequestID: server.RequestID(ctx), At: time.Now(), API: server.API(ctx), Model: c.Model,
		Provider: c.Provider, Upstream: c.Upstream, InputTokens: c.Usage.InputTokens, OutputTokens: c.Usage.OutputTokens,
		CacheReadTokens: c.Usage.CacheReadTokens, CacheWriteTokens: c.Usage.CacheWriteTokens, LatencyMs: c.LatencyMs, Status: status})
}

var _ responses.Store = (*store.DB)(nil)

// responseStore is the SQLite store, or nil (in memory) without a data directory.
func (a *App) responseStore() responses.Store {
	if a.Store == nil {
		return nil
	}
	return a.Store
}
