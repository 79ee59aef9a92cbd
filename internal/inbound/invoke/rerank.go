package invoke

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/format/rerank"
	"github.com/basalt-gateway/basalt/internal/inbound/converse"
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
		serveRerank(w, r, rr, d, modelID, stream)
	},
}

// serveRerank answers a rerank family's InvokeModel call through gw.
func serveRerank(w http.ResponseWriter, r *http.Request, gw Reranker, d rerank.Dialect, modelID string, stream bool) {
	start := time.Now()
	if stream {
		converse.WriteError(w, apierr.Validationf("model %q is a rerank model, which InvokeModelWithResponseStream does not serve: use InvokeModel", modelID))
		return
	}
	if gw == nil {
		converse.WriteError(w, apierr.Validationf("this gateway cannot rerank documents"))
		return
	}
	body, err := server.ReadBody(r, DefaultMaxBody)
	if err != nil {
		converse.WriteError(w, err)
		return
	}
	req, err := rerank.DecodeRequest(d, body)
	if err != nil {
		converse.WriteError(w, err)
		return
	}
	resp, err := gw.Rerank(r.Context(), req.Canon(modelID))
	if err != nil {
		converse.WriteError(w, err)
		return
	}
	out, err := marshalBody(req.ResponseFromCanon(server.RequestID(r.Context()), resp))
	if err != nil {
		converse.WriteError(w, apierr.Wrap(apierr.Internal, err, "the answer could not be encoded"))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(out)))
	h.Set("X-Amzn-Bedrock-Input-Token-Count", strconv.Itoa(resp.InputTokens))
	h.Set("X-Amzn-Bedrock-Invocation-Latency", strconv.FormatInt(time.Since(start).Milliseconds(), 10))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(out)
}
