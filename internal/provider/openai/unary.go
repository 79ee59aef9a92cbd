package openai

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"

	"github.com/basalt-gateway/basalt/internal/apierr"
)

// postJSON posts payload to {BaseURL}path, an endpoint beside
// /chat/completions (embeddings, rerank, images), and returns the answer
// body, classifying failures like Converse: a transport failure or the end
// of ctx by transportError, a non-2xx answer by statusError. tooLarge is
// the ModelError message of an answer over maxUnaryBody bytes, with verbs
// for the provider's name and the limit.
func (p *Provider) postJSON(ctx context.Context, path string, payload []byte, tooLarge string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	endpoint := strings.TrimSuffix(p.endpoint, "/chat/completions") + path
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(payload))
	if err != nil {
		return nil, apierr.Wrap(apierr.Internal, p.redact(err), "could not build the request for provider %q", p.name)
	}
	hreq.Header.Set("Content-Type", "application/json")
	hreq.Header.Set("Accept", "application/json")
	hreq.Header.Set("User-Agent", "basalt")
	if p.apiKey != "" {
		hreq.Header.Set("Authorization", p.auth)
	}
	resp, err := p.client.Do(hreq)
	if err != nil {
		return nil, p.transportError(ctx, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		b, err := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		if err != nil && ctx.Err() != nil {
			return nil, p.contextError(ctx)
		}
		return nil, p.statusError(resp.StatusCode, b)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxUnaryBody+1))
	if err != nil {
		return nil, p.transportError(ctx, err)
	}
	if len(body) > maxUnaryBody {
		return nil, apierr.New(apierr.ModelError, tooLarge, p.name, maxUnaryBody)
	}
	return body, nil
}
