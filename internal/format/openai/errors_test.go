package openai

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/basalt-gateway/basalt/internal/apierr"
)

func TestErrorFromResponse(t *testing.T) {
	for _, c := range []struct {
		name   string
		status int
		body   string
		kind   apierr.Kind
		msg    string
	}{
		{"openai 429", 429, `{"error":{"message":"Rate limit reached for gpt-4o-mini","type":"requests","param":null,"code":"rate_limit_exceeded"}}`,
			apierr.Throttling, "Rate limit reached for gpt-4o-mini"},
		{"openai quota", 429, `{"error":{"message":"You exceeded your current quota.","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}`,
			apierr.QuotaExceeded, "You exceeded your current quota."},
		{"openai 401", 401, `{"error":{"message":"Incorrect API key provided: sk-abc***xyz.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}`,
			apierr.AccessDenied, "Incorrect API key provided: sk-abc***xyz."},
		{"openai 400", 400, `{"error":{"message":"Invalid 'messages': empty array.","type":"invalid_request_error","param":"messages","code":"empty_array"}}`,
			apierr.Validation, "Invalid 'messages': empty array."},
		{"openai 404", 404, `{"error":{"message":"The model 'x' does not exist","type":"invalid_request_error","param":null,"code":"model_not_found"}}`,
			apierr.NotFound, "The model 'x' does not exist"},
		{"openai 500", 500, `{"error":{"message":"The server had an error","type":"server_error","param":null,"code":null}}`,
			apierr.Internal, "The server had an error"},
		{"503 plain text", 503, "upstream connect error\n", apierr.Unavailable, "upstream connect error"},
		{"string error", 400, `{"error":"model is required"}`, apierr.Validation, "model is required"},
		{"vllm top level", 400, `{"object":"error","message":"bad temperature","type":"BadRequestError","param":null,"code":400}`, apierr.Validation, "bad temperature"},
		{"llama.cpp numeric code", 400, `{"error":{"code":400,"message":"context too long","type":"invalid_request_error"}}`, apierr.Validation, "context too long"},
		{"fastapi detail", 404, `{"detail":"Not Found"}`, apierr.NotFound, "Not Found"},
		{"html", 502, `<html><body>Bad Gateway</body></html>`, apierr.Unavailable, "the upstream answered with HTTP 502"},
		{"empty", 504, ``, apierr.ModelTimeout, "the upstream answered with HTTP 504"},
		{"error null", 500, `{"error":null}`, apierr.Internal, "the upstream answered with HTTP 500"},
		{"binary", 500, "\x00\x01\x02", apierr.Internal, "the upstream answered with HTTP 500"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := ErrorFromResponse(c.status, []byte(c.body))
			if e.Kind != c.kind || e.Message != c.msg || e.UpstreamStatus != c.status {
				t.Errorf("got %s %q (status %d), want %s %q", e.Kind, e.Message, e.UpstreamStatus, c.kind, c.msg)
			}
		})
	}
}

func TestErrorMessageClipped(t *testing.T) {
	body, _ := json.Marshal(ErrorBody{Error: ErrorObject{Message: strings.Repeat("é", 5000)}})
	e := ErrorFromResponse(400, body)
	if n := len([]rune(e.Message)); n > maxErrorMessage+1 {
		t.Errorf("message has %d runes", n)
	}
}

func TestErrorFromStreamPayload(t *testing.T) {
	for _, c := range []struct {
		body string
		kind apierr.Kind
	}{
		{`{"error":{"message":"boom","type":"server_error","param":null,"code":null}}`, apierr.ModelStreamError},
		{`{"error":{"message":"slow down","type":"tokens","param":null,"code":"rate_limit_exceeded"}}`, apierr.Throttling},
		{`{"error":{"message":"too long","code":400}}`, apierr.Validation},
		{`{"error":{"message":"oops","code":503}}`, apierr.ModelStreamError},
		{`{"error":"plain"}`, apierr.ModelStreamError},
		{`{"error":{}}`, apierr.ModelStreamError},
	} {
		e := ErrorFromStreamPayload([]byte(c.body))
		if e.Kind != c.kind || e.Message == "" {
			t.Errorf("%s: got %s %q, want %s", c.body, e.Kind, e.Message, c.kind)
		}
	}
}

// TestErrorBodyShape pins the body the inbound surface will write: null
// param and code, as OpenAI sends them.
func TestErrorBodyShape(t *testing.T) {
	b, _ := json.Marshal(ErrorBody{Error: ErrorObject{Message: "m", Type: "invalid_request_error"}})
	if want := `{"error":{"message":"m","type":"invalid_request_error","param":null,"code":null}}`; string(b) != want {
		t.Errorf("got %s, want %s", b, want)
	}
}
