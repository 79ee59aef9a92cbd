package app

import (
	"context"
	"net/http"

	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/inbound/anthropicmsgs"
	"github.com/basalt-gateway/basalt/internal/inbound/invoke"
)

// ModelFamily returns the catalog family of a model id ("claude", "nova",
// …; "" when the id names no known family). InvokeModel picks its body
// format with it.
func (a *App) ModelFamily(id string) string { return a.Catalog.Family(id) }

// tokenCounter is what a provider implements to count tokens with its own
// tokenizer (the architecture's optional gateway.TokenCounter capability).
type tokenCounter interface {
	CountTokens(ctx context.Context, req *canon.Request) (int, error)
}

// CountTokens counts req's input tokens through the first deployment of its
// model whose provider can count; ok is false when none can (the caller
// estimates). An unknown model is the resolver's NotFound error.
func (a *App) CountTokens(ctx context.Context, req *canon.Request) (int, bool, error) {
	deps, err := a.Table.Resolve(ctx, req.Model)
	if err != nil {
		return 0, false, err
	}
	for _, d := range deps {
		if tc, ok := d.Provider.(tokenCounter); ok {
			sub := *req
			sub.Model = d.Upstream
			n, err := tc.CountTokens(ctx, &sub)
			return n, err == nil, err
		}
	}
	return 0, false, nil
}

var _ anthropicmsgs.TokenCounter = (*App)(nil)

// anthropicRoutes registers the Anthropic Messages surface (also under the
// bedrock-mantle prefix /anthropic) and InvokeModel.
func (a *App) anthropicRoutes(mux *http.ServeMux) {
	msgs := anthropicmsgs.Handler(a.Gateway, a.log)
	count := anthropicmsgs.CountTokensHandler(a, 0, a.log)
	for _, prefix := range []string{"", "/anthropic"} {
		mux.Handle("POST "+prefix+"/v1/messages", msgs)
		mux.Handle("POST "+prefix+"/v1/messages/count_tokens", count)
	}
	mux.Handle("POST /model/{modelId}/invoke", invoke.Handler(a.Gateway, a.ModelFamily, false, a.log))
	mux.Handle("POST /model/{modelId}/invoke-with-response-stream", invoke.Handler(a.Gateway, a.ModelFamily, true, a.log))
}
