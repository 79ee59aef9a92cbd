package app

import (
	"context"
	"errors"
	"net/http"

	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/inbound/anthropicmsgs"
	"github.com/basalt-gateway/basalt/internal/inbound/counttokens"
	"github.com/basalt-gateway/basalt/internal/inbound/invoke"
	"github.com/basalt-gateway/basalt/internal/tokenize"
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
// model that can count: one whose provider counts (a provider answering
// errors.ErrUnsupported cannot for that model), or whose upstream model has
// a tokenizer internal/tokenize embeds (OpenAI's). ok is false when none
// can (the caller estimates). An unknown model is the resolver's NotFound.
func (a *App) CountTokens(ctx context.Context, req *canon.Request) (int, bool, error) {
	deps, err := a.Table.Resolve(ctx, req.Model)
	if err != nil {
		return 0, false, err
	}
	for _, d := range deps {
		sub := *req
		sub.Model = d.Upstream
		if tc, ok := d.Provider.(tokenCounter); ok {
			n, err := tc.CountTokens(ctx, &sub)
			if !errors.Is(err, errors.ErrUnsupported) {
				return n, err == nil, err
			}
		}
		if tokenize.EncodingFor(d.Upstream) != "" {
			return tokenize.Request(&sub).Tokens, true, nil
		}
	}
	return 0, false, nil
}

// CountEmbedTokens counts an embedding request's input tokens with the BPE
// of the first deployment whose upstream model's tokenizer internal/tokenize
// embeds (OpenAI's text-embedding-3 and ada-002); ok is false otherwise.
func (a *App) CountEmbedTokens(ctx context.Context, req *canon.EmbedRequest) (int, bool, error) {
	deps, err := a.Table.Resolve(ctx, req.Model)
	if err != nil {
		return 0, false, err
	}
	for _, d := range deps {
		if tokenize.EncodingFor(d.Upstream) != "" {
			return tokenize.Texts(d.Upstream, req.Inputs).Tokens, true, nil
		}
	}
	return 0, false, nil
}

var (
	_ anthropicmsgs.TokenCounter = (*App)(nil)
	_ counttokens.EmbedCounter   = (*App)(nil)
)

// anthropicRoutes registers the Anthropic Messages surface (also under the
// bedrock-mantle prefix /anthropic), InvokeModel and CountTokens.
func (a *App) anthropicRoutes(mux *http.ServeMux) {
	msgs := anthropicmsgs.Handler(a.Gateway, a.log)
	count := anthropicmsgs.CountTokensHandler(a, 0, a.log)
	for _, prefix := range []string{"", "/anthropic"} {
		mux.Handle("POST "+prefix+"/v1/messages", msgs)
		mux.Handle("POST "+prefix+"/v1/messages/count_tokens", count)
	}
	mux.Handle("POST /model/{modelId}/invoke", invoke.Handler(a.Gateway, a.ModelFamily, false, a.log))
	mux.Handle("POST /model/{modelId}/invoke-with-response-stream", invoke.Handler(a.Gateway, a.ModelFamily, true, a.log))
	mux.Handle("POST /model/{modelId}/count-tokens", counttokens.Handler(a, a.ModelFamily, 0, a.log))
}
