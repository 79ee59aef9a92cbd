package bedrock

import (
	"context"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/catalog"
	"github.com/basalt-gateway/basalt/internal/format/rerank"
)

// Rerank scores documents with InvokeModel in the native body of the
// upstream model's family, chosen by its id (base id, profile or
// foundation-model ARN alike): the Cohere Rerank body (api_version 2) for
// cohere.rerank-*, the Amazon Rerank body for amazon.rerank-*; see
// internal/format/rerank. Additional fields are merged into the body, as
// the agent runtime's Rerank does with additionalModelRequestFields. The
// answers carry no token count. Any other model is a ValidationException
// naming the ones that work.
func (p *Provider) Rerank(ctx context.Context, req *canon.RerankRequest) (*canon.RerankResponse, error) {
	var d rerank.Dialect
	switch catalog.FamilyFromID(req.Model) {
	case "cohere-rerank":
		d = rerank.Cohere
	case "amazon-rerank":
		d = rerank.Amazon
	default:
		return nil, apierr.Validationf("bedrock provider %q cannot rerank with model %q: it reranks with Cohere Rerank (cohere.rerank-*) and Amazon Rerank (amazon.rerank-*)", p.name, req.Model)
	}
	if len(req.Documents) == 0 {
		return nil, apierr.Validationf("the rerank request has no documents")
	}
	body, err := rerank.EncodeRequest(d, req)
	if err != nil {
		if ae := apierr.As(err); ae.Kind == apierr.Validation {
			return nil, ae
		}
		return nil, apierr.Wrap(apierr.Internal, err, "bedrock provider %q: could not encode the rerank request", p.name)
	}
	answer, err := p.InvokeJSON(ctx, req.Model, body)
	if err != nil {
		return nil, err
	}
	out, err := rerank.DecodeResponse(answer)
	if err != nil {
		return nil, apierr.Wrap(apierr.ModelError, err, "bedrock provider %q: model %q answered with a body that is not a rerank result list", p.name, req.Model)
	}
	return out, nil
}
