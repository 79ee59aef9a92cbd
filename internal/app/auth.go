package app

import (
	"net/http"
	"strings"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/auth"
	"github.com/basalt-gateway/basalt/internal/inbound/anthropicmsgs"
	"github.com/basalt-gateway/basalt/internal/inbound/converse"
	"github.com/basalt-gateway/basalt/internal/inbound/openaichat"
)

// requireKey rejects requests without a configured API key, answering
// with the error writer of the surface the client called (401 on the
// OpenAI and Anthropic surfaces, AccessDeniedException on Bedrock's). /healthz stays open
// for load balancers.
func requireKey(keys *auth.Keys, next http.Handler) http.Handler {
	if !keys.Enabled() {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" {
			next.ServeHTTP(w, r)
			return
		}
		shape := surfaceOf(r.URL.Path)
		err := keys.Check(r, shape != "bedrock")
		if err == nil {
			next.ServeHTTP(w, r)
			return
		}
		e := apierr.New(apierr.Unauthenticated, "%s", err.Error())
		switch shape {
		case "anthropic":
			anthropicmsgs.WriteError(w, r, e)
		case "openai":
			openaichat.WriteError(w, e)
		default:
			converse.WriteError(w, e)
		}
	})
}

// surfaceOf names the API family a path belongs to.
func surfaceOf(path string) string {
	switch {
	case strings.HasPrefix(path, "/v1/messages"), strings.HasPrefix(path, "/anthropic/"):
		return "anthropic"
	case strings.HasPrefix(path, "/v1/"), strings.HasPrefix(path, "/openai/"):
		return "openai"
	}
	return "bedrock"
}
