package anthropic

import (
	"strings"
	"testing"

	"github.com/basalt-gateway/basalt/internal/apierr"
)

func TestErrorFromStatus(t *testing.T) {
	body := func(typ, msg string) string {
		return `{"type":"error","error":{"type":"` + typ + `","message":"` + msg + `"},"request_id":"req_1"}`
	}
	cases := []struct {
		name    string
		status  int
		body    string
		kind    apierr.Kind
		message string
	}{
		{"400", 400, body("invalid_request_error", "max_tokens: Field required"), apierr.Validation, "max_tokens: Field required"},
		{"401", 401, body("authentication_error", "invalid x-api-key"), apierr.AccessDenied, "invalid x-api-key"},
		{"403", 403, body("permission_error", "Your API key does not have permission"), apierr.AccessDenied, "Your API key does not have permission"},
		{"404", 404, body("not_found_error", "model: claude-9"), apierr.NotFound, "model: claude-9"},
		{"413", 413, body("request_too_large", "Request exceeds the maximum size"), apierr.Validation, "Request exceeds the maximum size"},
		{"429", 429, body("rate_limit_error", "Number of requests has exceeded your rate limit"), apierr.Throttling, "Number of requests has exceeded your rate limit"},
		{"500", 500, body("api_error", "Internal server error"), apierr.Internal, "Internal server error"},
		{"529", 529, body("overloaded_error", "Overloaded"), apierr.Unavailable, "Overloaded"},
		{"502 html", 502, "<html><body>Bad Gateway</body></html>", apierr.Unavailable, "the upstream answered with HTTP 502"},
		{"503 plain text", 503, "upstream connect error or disconnect/reset before headers\nmore", apierr.Unavailable, "upstream connect error or disconnect/reset before headers"},
		{"504 empty", 504, "", apierr.ModelTimeout, "the upstream answered with HTTP 504"},
		{"proxy message shape", 401, `{"message":"Unauthorized"}`, apierr.AccessDenied, "Unauthorized"},
		{"invalid utf-8", 500, "\xff\xfe", apierr.Internal, "the upstream answered with HTTP 500"},
		{"long text cut", 400, strings.Repeat("x", 1000), apierr.Validation, strings.Repeat("x", maxPlainTextMessage) + "…"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := ErrorFromStatus(c.status, []byte(c.body))
			if e.Kind != c.kind || e.Message != c.message || e.UpstreamStatus != c.status {
				t.Errorf("got %v %q (status %d), want %v %q", e.Kind, e.Message, e.UpstreamStatus, c.kind, c.message)
			}
		})
	}
}

func TestErrorFromEvent(t *testing.T) {
	cases := []struct {
		data string
		kind apierr.Kind
		msg  string
	}{
		{`{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`, apierr.Unavailable, "Overloaded"},
		{`{"type":"error","error":{"type":"rate_limit_error","message":"slow down"}}`, apierr.Throttling, "slow down"},
		{`{"type":"error","error":{"type":"api_error","message":"boom"}}`, apierr.Internal, "boom"},
		{`{"type":"error","error":{"type":"invalid_request_error","message":"bad"}}`, apierr.Validation, "bad"},
		{`{"type":"error","error":{"type":"authentication_error","message":"who"}}`, apierr.AccessDenied, "who"},
		{`{"type":"error","error":{"type":"not_found_error","message":"gone"}}`, apierr.NotFound, "gone"},
		{`{"type":"error","error":{"type":"timeout_error","message":"late"}}`, apierr.ModelTimeout, "late"},
		{`{"type":"error","error":{"type":"brand_new_error","message":"?"}}`, apierr.ModelStreamError, "?"},
		{`not json`, apierr.ModelStreamError, "not json"},
		{``, apierr.ModelStreamError, "the upstream reported an error in the middle of the answer"},
	}
	for _, c := range cases {
		e := ErrorFromEvent([]byte(c.data))
		if e.Kind != c.kind || e.Message != c.msg {
			t.Errorf("%s: got %v %q, want %v %q", c.data, e.Kind, e.Message, c.kind, c.msg)
		}
	}
}
