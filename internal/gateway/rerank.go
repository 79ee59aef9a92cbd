package gateway

import (
	"context"
	"math"
	"slices"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
)

// Reranker is the optional capability of a provider that orders documents
// by relevance to a query (req.Model is the provider's own model name).
type Reranker interface {
	Rerank(ctx context.Context, req *canon.RerankRequest) (*canon.RerankResponse, error)
}

// CannotRerank is the error of a provider asked to rerank when it cannot.
func CannotRerank(provider, model string) error {
	return apierr.Validationf("model %q is served by provider %q, which cannot rerank documents", model, provider)
}

// Rerank scores req's documents through the first deployment of req.Model
// that answers, falling back like Converse. The answer is checked (every
// index names a document, at most once, with a finite score; anything else
// is a ModelErrorException) and returned sorted by score, highest first
// (ties in document order), and cut to req.TopN, so clients get the same
// shape whichever provider answered.
func (g *Gateway) Rerank(ctx context.Context, req *canon.RerankRequest) (*canon.RerankResponse, error) {
	return Unary(ctx, g, req.Model, func(ctx context.Context, d Deployment) (*canon.RerankResponse, canon.Usage, error) {
		r, ok := d.Provider.(Reranker)
		if !ok {
			return nil, canon.Usage{}, ErrCapability(CannotRerank(d.Provider.Name(), req.Model))
		}
		sub := *req
		sub.Model = d.Upstream
		resp, err := r.Rerank(ctx, &sub)
		var u canon.Usage
		if resp != nil {
			u.InputTokens = resp.InputTokens
		}
		if err != nil {
			return nil, u, err
		}
		out, err := ranked(resp, len(req.Documents), req.TopN)
		if err != nil {
			return nil, u, apierr.Wrap(apierr.ModelError, err, "provider %q answered the rerank with %v", d.Provider.Name(), err)
		}
		return out, u, nil
	})
}

// rankError is a malformed provider answer, described for the client.
type rankError string

func (e rankError) Error() string { return string(e) }

// ranked validates resp against n documents and returns it ordered and cut
// to topN.
func ranked(resp *canon.RerankResponse, n int, topN *int) (*canon.RerankResponse, error) {
	if resp == nil {
		return nil, rankError("no results")
	}
	seen := make([]bool, n)
	for _, r := range resp.Results {
		if r.Index < 0 || r.Index >= n {
			return nil, rankError("a result index out of range")
		}
		if seen[r.Index] {
			return nil, rankError("the same document twice")
		}
		if math.IsNaN(r.Score) || math.IsInf(r.Score, 0) {
			return nil, rankError("a score that is not a number")
		}
		seen[r.Index] = true
	}
	out := &canon.RerankResponse{Results: slices.Clone(resp.Results), InputTokens: resp.InputTokens}
	slices.SortStableFunc(out.Results, func(a, b canon.RerankResult) int {
		switch {
		case a.Score > b.Score:
			return -1
		case a.Score < b.Score:
			return 1
		}
		return a.Index - b.Index
	})
	if topN != nil && *topN >= 0 && *topN < len(out.Results) {
		out.Results = out.Results[:*topN]
	}
	return out, nil
}
