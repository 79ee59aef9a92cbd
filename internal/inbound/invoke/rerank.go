package invoke

import (
	"context"
	"net/http"

	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/format/rerank"
	"github.com/basalt-gateway/basalt/internal/server"
)

// Rerank families served on InvokeModel (strings of
// internal/catalog/family.go).
const (
	FamilyCohereRerank = "cohere-rerank"
	FamilyAmazonRerank = "amazon-rerank"
)

// localRerankModel is the built-in lexical reranker
// (internal/provider/local), which speaks the Cohere body when called by
// its own id.
const localRerankModel = "basalt-rerank"

// Reranker is what the rerank families need from the gateway: any provider
// implementing gateway.Reranker answers through it.
type Reranker interface {
	Rerank(ctx context.Context, req *canon.RerankRequest) (*canon.RerankResponse, error)
}

// rerankDialect returns the rerank body of modelID, if it has one.
func rerankDialect(modelID, family string) (rerank.Dialect, bool) {
	switch {
	case modelID == localRerankModel || family == FamilyCohereRerank:
		return rerank.Cohere, true
	case family == FamilyAmazonRerank:
		return rerank.Amazon, true
	}
	return 0, false
}

// rerankOperation serves the rerank families.
var rerankOperation = operation{
	titles: []string{
		"Cohere Rerank (cohere.rerank-*: query, documents, top_n, api_version 2, max_tokens_per_doc)",
		"Amazon Rerank (amazon.rerank-*: query, documents, top_n)",
	},
	match: func(modelID, family string) bool {
		_, ok := rerankDialect(modelID, family)
		return ok
	},
	serve: func(w http.ResponseWriter, r *http.Request, gw any, modelID, family string, stream bool) {
		rr, _ := gw.(Reranker)
		d, _ := rerankDialect(modelID, family)
		serveOperation(w, r, modelID, stream, refusals{model: "a rerank model", cannot: "rerank documents"}, rr != nil,
			func(ctx context.Context, body []byte) (opAnswer, error) {
				req, err := rerank.DecodeRequest(d, body)
				if err != nil {
					return opAnswer{}, err
				}
				resp, err := rr.Rerank(ctx, req.Canon(modelID))
				if err != nil {
					return opAnswer{}, err
				}
				return opAnswer{body: req.ResponseFromCanon(server.RequestID(ctx), resp), inputTokens: resp.InputTokens, countsInput: true}, nil
			})
	},
}
