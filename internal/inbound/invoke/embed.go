package invoke

import (
	"context"
	"net/http"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/format/cohereembed"
	"github.com/basalt-gateway/basalt/internal/format/novaembed"
	"github.com/basalt-gateway/basalt/internal/format/titanembed"
	"github.com/basalt-gateway/basalt/internal/server"
)

// Embedding families served on InvokeModel (strings of
// internal/catalog/family.go).
const (
	FamilyTitanEmbed  = "titan-embed"
	FamilyCohereEmbed = "cohere-embed"
	FamilyNovaEmbed   = "nova-embed"
)

// localEmbedModel is the built-in lexical embedding model
// (internal/provider/local), which speaks the Titan v2 body when called
// by its own id.
const localEmbedModel = "basalt-embed"

// Embedder is what the embedding families need from the gateway: any
// provider implementing gateway.Embedder answers through it.
type Embedder interface {
	Embed(ctx context.Context, req *canon.EmbedRequest) (*canon.EmbedResponse, error)
}

// embedCodec is one embedding family's native body format: decode
// validates the body and returns the canonical request and a function
// turning the answer into the response body. The canonical request carries
// everything the body says of the texts: Cohere's input_type and truncate
// and Nova's embeddingPurpose and truncationMode become its purpose, query
// target and truncation (canon.EmbedPurpose maps the two dialects), which
// asymmetric upstreams receive in their own words.
type embedCodec struct {
	title  string
	decode func(modelID string, body []byte) (*canon.EmbedRequest, func(ctx context.Context, resp *canon.EmbedResponse) any, error)
}

var embedCodecs = map[string]embedCodec{
	FamilyTitanEmbed: {
		title: "Amazon Titan Text Embeddings (amazon.titan-embed-text-*: inputText, dimensions, normalize, embeddingTypes)",
		decode: func(modelID string, body []byte) (*canon.EmbedRequest, func(context.Context, *canon.EmbedResponse) any, error) {
			r, err := titanembed.DecodeRequest(modelID, body)
			if err != nil {
				return nil, nil, err
			}
			return r.Canon(modelID), func(_ context.Context, resp *canon.EmbedResponse) any {
				return r.ResponseFromCanon(resp.Embeddings[0], resp.InputTokens)
			}, nil
		},
	},
	FamilyCohereEmbed: {
		title: "Cohere Embed (cohere.embed-*: texts, input_type, embedding_types, truncate)",
		decode: func(modelID string, body []byte) (*canon.EmbedRequest, func(context.Context, *canon.EmbedResponse) any, error) {
			r, err := cohereembed.DecodeRequest(modelID, body)
			if err != nil {
				return nil, nil, err
			}
			return r.Canon(modelID), func(ctx context.Context, resp *canon.EmbedResponse) any {
				return r.ResponseFromCanon(server.RequestID(ctx), resp.Embeddings)
			}, nil
		},
	},
	FamilyNovaEmbed: {
		title: "Amazon Nova Multimodal Embeddings, text only (amazon.nova-2-multimodal-embeddings-*: taskType SINGLE_EMBEDDING, singleEmbeddingParams.text)",
		decode: func(modelID string, body []byte) (*canon.EmbedRequest, func(context.Context, *canon.EmbedResponse) any, error) {
			r, err := novaembed.DecodeRequest(body)
			if err != nil {
				return nil, nil, err
			}
			return r.Canon(modelID), func(_ context.Context, resp *canon.EmbedResponse) any {
				return novaembed.ResponseFromCanon(resp.Embeddings[0])
			}, nil
		},
	},
}

// embedCodecFor returns the embedding body format of modelID, if it has one.
func embedCodecFor(modelID, family string) (embedCodec, bool) {
	if modelID == localEmbedModel {
		return embedCodecs[FamilyTitanEmbed], true
	}
	c, ok := embedCodecs[family]
	return c, ok
}

// embedOperation serves the embedding families.
var embedOperation = operation{
	titles: []string{embedCodecs[FamilyTitanEmbed].title, embedCodecs[FamilyCohereEmbed].title, embedCodecs[FamilyNovaEmbed].title},
	match: func(modelID, family string) bool {
		_, ok := embedCodecFor(modelID, family)
		return ok
	},
	serve: func(w http.ResponseWriter, r *http.Request, gw any, modelID, family string, stream bool) {
		emb, _ := gw.(Embedder)
		c, _ := embedCodecFor(modelID, family)
		serveOperation(w, r, modelID, stream, refusals{model: "an embedding model", cannot: "compute embeddings"}, emb != nil,
			func(ctx context.Context, body []byte) (opAnswer, error) {
				req, respond, err := c.decode(modelID, body)
				if err != nil {
					return opAnswer{}, err
				}
				resp, err := emb.Embed(ctx, req)
				if err != nil {
					return opAnswer{}, err
				}
				if len(resp.Embeddings) != len(req.Inputs) {
					return opAnswer{}, apierr.New(apierr.ModelError, "the model returned %d embeddings for %d inputs", len(resp.Embeddings), len(req.Inputs))
				}
				return opAnswer{body: respond(ctx, resp), inputTokens: resp.InputTokens, countsInput: true}, nil
			})
	},
}
