package bedrock

import (
	"context"
	"slices"
	"strings"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/catalog"
	"github.com/basalt-gateway/basalt/internal/format/cohereembed"
	"github.com/basalt-gateway/basalt/internal/format/novaembed"
	"github.com/basalt-gateway/basalt/internal/format/titanembed"
)

// Embed computes embeddings with InvokeModel in the native body of the
// upstream model's family, chosen by its id:
//
//   - Amazon Titan Text Embeddings (amazon.titan-embed-text-*): one call
//     per input, since the body takes one inputText; v2 gets the
//     dimensions asked for and normalize true, v1 takes neither. The token
//     count is the answer's inputTextTokenCount. The body has no purpose
//     or truncation field: Titan is symmetric, so a purpose needs no
//     honouring, and an over-long text is Titan's own error whatever
//     truncation was asked for.
//   - Cohere Embed (cohere.embed-*): the inputs in calls of up to 96 texts
//     with the request's purpose as input_type (search_document when it
//     has none: documents are what indexes hold), its truncation as
//     truncate (left out when it has none, which Bedrock reads as NONE)
//     and embedding_types ["float"]; output_dimension on embed-v4 only.
//   - Amazon Nova Multimodal Embeddings (amazon.nova-*multimodal-embeddings*):
//     one SINGLE_EMBEDDING text call per input with the request's purpose
//     and query target as embeddingPurpose (GENERIC_INDEX when it has
//     none) and its truncation as truncationMode (NONE when it has none;
//     internal/format/novaembed).
//
// canon.EmbedPurpose has the table mapping purposes between the two.
//
// Cohere and Nova answers carry no token count, so those calls read
// Bedrock's X-Amzn-Bedrock-Input-Token-Count header. Any other model is a
// ValidationException naming the ones that work.
func (p *Provider) Embed(ctx context.Context, req *canon.EmbedRequest) (*canon.EmbedResponse, error) {
	if len(req.Inputs) == 0 {
		return nil, apierr.Validationf("the embeddings request has no input")
	}
	switch catalog.FamilyFromID(req.Model) {
	case "titan-embed":
		return p.embedTitan(ctx, req)
	case "cohere-embed":
		return p.embedCohere(ctx, req)
	case "nova-embed":
		return p.embedNova(ctx, req)
	}
	return nil, apierr.Validationf("bedrock provider %q cannot compute embeddings with model %q: it embeds with Amazon Titan Text Embeddings "+
		"(amazon.titan-embed-text-*), Cohere Embed (cohere.embed-*) and Amazon Nova Multimodal Embeddings (amazon.nova-2-multimodal-embeddings-*)", p.name, req.Model)
}

func (p *Provider) embedTitan(ctx context.Context, req *canon.EmbedRequest) (*canon.EmbedResponse, error) {
	if !strings.Contains(req.Model, "titan-embed-text") && !strings.Contains(req.Model, "titan-embed-g1-text") {
		return nil, apierr.Validationf("bedrock provider %q embeds text with the Titan Text Embeddings models (amazon.titan-embed-text-*), not %q", p.name, req.Model)
	}
	v1 := titanembed.IsV1(req.Model)
	if v1 && req.Dimensions != nil {
		return nil, apierr.Validationf("model %q does not take dimensions (Titan Text Embeddings v2 takes 256, 512 or 1024)", req.Model)
	}
	out := &canon.EmbedResponse{Embeddings: make([][]float32, len(req.Inputs))}
	for i, text := range req.Inputs {
		r := titanembed.Request{V1: v1, InputText: text, Dimensions: req.Dimensions, Normalize: true}
		body, err := r.Body()
		if err != nil {
			return nil, apierr.Wrap(apierr.Internal, err, "bedrock provider %q: could not encode the request", p.name)
		}
		answer, err := p.InvokeJSON(ctx, req.Model, body)
		if err != nil {
			return nil, err
		}
		resp, err := titanembed.DecodeResponse(answer)
		if err != nil || len(resp.Embedding) == 0 {
			return nil, p.badEmbedding(req.Model, err)
		}
		out.Embeddings[i] = resp.Embedding
		out.InputTokens += resp.InputTextTokenCount
	}
	return out, nil
}

func (p *Provider) embedCohere(ctx context.Context, req *canon.EmbedRequest) (*canon.EmbedResponse, error) {
	if req.Dimensions != nil && !strings.Contains(req.Model, "embed-v4") {
		return nil, apierr.Validationf("model %q does not take dimensions (cohere.embed-v4 takes 256, 512, 1024 or 1536)", req.Model)
	}
	out := &canon.EmbedResponse{}
	for batch := range slices.Chunk(req.Inputs, cohereembed.MaxTexts) {
		r := cohereembed.Request{Texts: batch, InputType: cohereembed.InputTypeFor(req.Purpose), Truncate: cohereembed.TruncateFor(req.Truncate),
			Types: []string{"float"}, OutputDimension: req.Dimensions}
		body, err := r.Body()
		if err != nil {
			return nil, apierr.Wrap(apierr.Internal, err, "bedrock provider %q: could not encode the request", p.name)
		}
		answer, tokens, err := p.invokeCounted(ctx, req.Model, body)
		if err != nil {
			return nil, err
		}
		vecs, err := cohereembed.DecodeFloats(answer)
		if err != nil || len(vecs) != len(batch) {
			return nil, p.badEmbedding(req.Model, err)
		}
		out.Embeddings = append(out.Embeddings, vecs...)
		out.InputTokens += tokens
	}
	return out, nil
}

func (p *Provider) embedNova(ctx context.Context, req *canon.EmbedRequest) (*canon.EmbedResponse, error) {
	if d := req.Dimensions; d != nil && !slices.Contains(novaembed.Dimensions, *d) {
		return nil, apierr.Validationf("model %q takes dimensions 256, 384, 1024 or 3072, not %d", req.Model, *d)
	}
	out := &canon.EmbedResponse{Embeddings: make([][]float32, len(req.Inputs))}
	for i, text := range req.Inputs {
		body, err := novaembed.TextBody(req, text)
		if err != nil {
			return nil, apierr.Wrap(apierr.Internal, err, "bedrock provider %q: could not encode the request", p.name)
		}
		answer, tokens, err := p.invokeCounted(ctx, req.Model, body)
		if err != nil {
			return nil, err
		}
		vec, err := novaembed.DecodeResponse(answer)
		if err != nil {
			return nil, p.badEmbedding(req.Model, err)
		}
		out.Embeddings[i] = vec
		out.InputTokens += tokens
	}
	return out, nil
}

func (p *Provider) badEmbedding(model string, err error) error {
	if err == nil {
		return apierr.New(apierr.ModelError, "bedrock provider %q: model %q answered without the embeddings asked for", p.name, model)
	}
	return apierr.Wrap(apierr.ModelError, err, "bedrock provider %q: model %q answered with a body that is not its embeddings answer", p.name, model)
}
