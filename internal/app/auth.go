package app

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/auth"
	"github.com/basalt-gateway/basalt/internal/inbound/converse"
)

// requireKey rejects requests without a configured API key, answering in
// the error shape of the surface the client called: Anthropic's and
// OpenAI's 401 bodies, Bedrock's AccessDeniedException. /healthz stays open
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
		msg := err.Error()
		switch shape {
		case "anthropic":
			writeJSON(w, http.StatusUnauthorized, `{"type":"error","error":{"type":"authentication_error","message":`+strconv.Quote(msg)+`}}`)
		case "openai":
			writeJSON(w, http.StatusUnauthorized, `{"error":{"message":`+strconv.Quote(msg)+`,"type":"invalid_request_error","param":null,"code":"invalid_api_key"}}`)
		default:
			converse.WriteError(w, apierr.New(apierr.AccessDenied, "%s", msg))
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

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}
