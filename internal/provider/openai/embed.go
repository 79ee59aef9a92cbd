package openai

import (
	"context"
	"encoding/json"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
)

type embedRequest struct {
	Model          string   `json:"model"`
	Input          []string `json:"input"`
	EncodingFormat string   `json:"encoding_format"`
	Dimensions     *int     `json:"dimensions,omitempty"`
	User           string   `json:"user,omitempty"`
}

type embedResponse struct {
	Data []struct {
		Index     int       `json:"index"`
		Embedding []float32 `json:"embedding"`
	} `json:"data"`
	Usage struct {
		PromptTokens int `json:"prompt_tokens"`
	} `json:"usage"`
}

// Embed computes embeddings with POST {BaseURL}/embeddings, asking for
// floats (every OpenAI-compatible server speaks them).
//
// The request's purpose and truncation are not sent: the Embeddings API
// has no field for either (api.openai.com refuses unknown ones). OpenAI's
// models are symmetric, one vector per text whatever it is for, so a
// purpose needs no honouring; an over-long input is the upstream's 400
// whatever truncation was asked for, never a vector of a shortened text. A
// server hosting an asymmetric model that expects a "query: " prefix or
// the like gets the texts as the client sent them: Basalt does not invent
// prefixes.
func (p *Provider) Embed(ctx context.Context, req *canon.EmbedRequest) (*canon.EmbedResponse, error) {
	if len(req.Inputs) == 0 {
		return nil, apierr.Validationf("the embeddings request has no input")
	}
	payload, err := json.Marshal(embedRequest{Model: req.Model, Input: req.Inputs, EncodingFormat: "float",
		Dimensions: req.Dimensions, User: req.User})
	if err != nil {
		return nil, apierr.Wrap(apierr.Internal, err, "could not encode the request for provider %q", p.name)
	}
	body, err := p.postJSON(ctx, "/embeddings", payload, "provider %q answered with more than %d bytes of embeddings")
	if err != nil {
		return nil, err
	}
	var er embedResponse
	if err := json.Unmarshal(body, &er); err != nil {
		return nil, apierr.Wrap(apierr.ModelError, err, "provider %q answered with a body that is not an embeddings list", p.name)
	}
	out := &canon.EmbedResponse{Embeddings: make([][]float32, len(req.Inputs)), InputTokens: er.Usage.PromptTokens}
	for _, d := range er.Data {
		if d.Index < 0 || d.Index >= len(out.Embeddings) || out.Embeddings[d.Index] != nil {
			return nil, apierr.New(apierr.ModelError, "provider %q answered with an embedding index %d that does not match the inputs", p.name, d.Index)
		}
		out.Embeddings[d.Index] = d.Embedding
	}
	for i, e := range out.Embeddings {
		if e == nil {
			return nil, apierr.New(apierr.ModelError, "provider %q answered with no embedding for input %d", p.name, i)
		}
	}
	return out, nil
}
