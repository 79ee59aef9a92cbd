package anthropicmsgs

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/format/anthropic"
	"github.com/basalt-gateway/basalt/internal/server"
	"github.com/basalt-gateway/basalt/internal/tokenize"
)

// TokenCounter counts a request's input tokens with the serving model's
// own tokenizer. ok is false when no provider of the model can count (the
// handler then estimates); an unknown model is an *apierr.Error NotFound.
type TokenCounter interface {
	CountTokens(ctx context.Context, req *canon.Request) (n int, ok bool, err error)
}

// CountTokensHandler serves POST /v1/messages/count_tokens: the body is a
// Messages request without max_tokens, the answer {"input_tokens": N}.
// With a nil counter, or one that cannot count for the model, N is
// tokenize.Request's count: exact for OpenAI models, else an estimate.
func CountTokensHandler(counter TokenCounter, maxBody int64, log *slog.Logger) http.Handler {
	if maxBody <= 0 {
		maxBody = DefaultMaxBody
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, err := countTokens(r, counter, maxBody)
		if err != nil {
			e := apierr.As(err)
			log.InfoContext(r.Context(), "request failed", "request_id", server.RequestID(r.Context()),
				"api", "count_tokens", "kind", e.Kind.String(), "message", e.Message)
			WriteError(w, r, err)
			return
		}
		body := strconv.AppendInt([]byte(`{"input_tokens":`), int64(n), 10)
		body = append(body, '}')
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Content-Length", strconv.Itoa(len(body)))
		if id := server.RequestID(r.Context()); id != "" {
			h.Set("request-id", id)
		}
		_, _ = w.Write(body)
	})
}

func countTokens(r *http.Request, counter TokenCounter, maxBody int64) (int, error) {
	body, err := server.ReadBody(r, maxBody)
	if err != nil {
		return 0, err
	}
	mr, err := anthropic.DecodeCountTokensRequest(body)
	if err != nil {
		return 0, err
	}
	if mr.Stream {
		return 0, apierr.Validationf("stream: Extra inputs are not permitted")
	}
	req, err := anthropic.CountTokensRequestToCanon(mr)
	if err != nil {
		return 0, err
	}
	if counter != nil {
		n, ok, err := counter.CountTokens(r.Context(), req)
		if err != nil {
			return 0, err
		}
		if ok {
			return n, nil
		}
	}
	return tokenize.Request(req).Tokens, nil
}
