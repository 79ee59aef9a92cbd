package openai

import (
	"context"
	"encoding/json"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/format/rerank"
)

// rerankKeys are the request keys the rerank call sets itself.
var rerankKeys = []string{"model", "query", "documents", "top_n", "max_tokens_per_doc"}

// rerankUsage is the usage of the Cohere/Jina-style rerank answers:
// "usage" (vLLM, llama.cpp server, Jina) or Cohere's "meta".
type rerankUsage struct {
	Usage *struct {
		PromptTokens int `json:"prompt_tokens"`
		TotalTokens  int `json:"total_tokens"`
	} `json:"usage"`
	Meta *struct {
		Tokens *struct {
			InputTokens float64 `json:"input_tokens"`
		} `json:"tokens"`
	} `json:"meta"`
}

func (u rerankUsage) inputTokens() int {
	switch {
	case u.Usage != nil && u.Usage.PromptTokens > 0:
		return u.Usage.PromptTokens
	case u.Usage != nil:
		return u.Usage.TotalTokens
	case u.Meta != nil && u.Meta.Tokens != nil:
		return int(u.Meta.Tokens.InputTokens)
	}
	return 0
}

// Rerank scores documents with POST {BaseURL}/rerank, the Cohere-style
// endpoint that vLLM, llama.cpp's server, Jina, Cohere-compatible servers
// and LiteLLM expose ({"model", "query", "documents", "top_n"} →
// {"results": [{"index", "relevance_score"}], "usage"?}). api.openai.com
// has no such endpoint and answers 404, which reaches the client as a
// ResourceNotFoundException. Additional fields go into the body as they
// are; max_tokens_per_doc is sent only when asked for.
func (p *Provider) Rerank(ctx context.Context, req *canon.RerankRequest) (*canon.RerankResponse, error) {
	if len(req.Documents) == 0 {
		return nil, apierr.Validationf("the rerank request has no documents")
	}
	body := map[string]any{"model": req.Model, "query": req.Query, "documents": req.Documents}
	if req.TopN != nil {
		body["top_n"] = *req.TopN
	}
	if req.MaxTokensPerDoc != nil {
		body["max_tokens_per_doc"] = *req.MaxTokensPerDoc
	}
	for k, v := range req.AdditionalFields {
		for _, taken := range rerankKeys {
			if k == taken {
				return nil, apierr.Validationf("additional model request field %q is set by the rerank request itself", k)
			}
		}
		body[k] = v
	}
	payload, err := json.Marshal(body)
	if err != nil {
		return nil, apierr.Wrap(apierr.Validation, err, "the rerank request for provider %q could not be encoded", p.name)
	}
	raw, err := p.postJSON(ctx, "/rerank", payload, "provider %q answered the rerank with more than %d bytes")
	if err != nil {
		return nil, err
	}
	out, err := rerank.DecodeResponse(raw)
	if err != nil {
		return nil, apierr.Wrap(apierr.ModelError, err, "provider %q answered with a body that is not a rerank result list", p.name)
	}
	var u rerankUsage
	_ = json.Unmarshal(raw, &u) // the results parsed, so the body is JSON; usage is optional
	out.InputTokens = u.inputTokens()
	return out, nil
}
