package bedrock_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/provider/bedrock"
	fu "github.com/basalt-gateway/basalt/internal/testutil/fakeupstream"
)

// TestErrorMapping sends every Bedrock exception with its real status, as
// both operations receive it before the first byte, and checks the Kind,
// that Bedrock's message is kept and that the status is recorded.
func TestErrorMapping(t *testing.T) {
	cases := []struct {
		status int
		code   string
		kind   apierr.Kind
	}{
		{400, "ValidationException", apierr.Validation},
		{403, "AccessDeniedException", apierr.AccessDenied},
		{404, "ResourceNotFoundException", apierr.NotFound},
		{429, "ThrottlingException", apierr.Throttling},
		{408, "ModelTimeoutException", apierr.ModelTimeout},
		{429, "ModelNotReadyException", apierr.ModelNotReady},
		{424, "ModelErrorException", apierr.ModelError},
		{424, "ModelStreamErrorException", apierr.ModelStreamError},
		{500, "InternalServerException", apierr.Internal},
		{503, "ServiceUnavailableException", apierr.Unavailable},
		{400, "ServiceQuotaExceededException", apierr.QuotaExceeded},
		{400, "ConflictException", apierr.Conflict},
		// Not Bedrock exceptions: classified by status.
		{502, "", apierr.Unavailable},
		{504, "", apierr.ModelTimeout},
		{500, "", apierr.Internal},
		{418, "TeapotException", apierr.Validation},
		{401, "UnrecognizedClientException", apierr.AccessDenied},
	}
	for _, tc := range cases {
		for _, stream := range []bool{false, true} {
			name := fmt.Sprintf("%d_%s_stream=%v", tc.status, tc.code, stream)
			t.Run(name, func(t *testing.T) {
				fake, p := setup(t)
				msg := "upstream message for " + tc.code
				fake.Fail(tc.status, tc.code, msg)
				_, err := converse(t, p, &canon.Request{Model: nova, Stream: stream, Messages: []canon.Message{userText("hi")}})
				e := apierr.As(err)
				if err == nil || e.Kind != tc.kind {
					t.Fatalf("err = %v, want kind %v", err, tc.kind)
				}
				if e.Message != msg {
					t.Errorf("message = %q, want Bedrock's %q", e.Message, msg)
				}
				if e.UpstreamStatus != tc.status {
					t.Errorf("upstream status = %d, want %d", e.UpstreamStatus, tc.status)
				}
				if n := len(fake.Requests()); n != 1 {
					t.Errorf("%d attempts, want 1 (the gateway does the retrying)", n)
				}
			})
		}
	}
}

func TestTimeout(t *testing.T) {
	for _, stream := range []bool{false, true} {
		t.Run(fmt.Sprintf("stream=%v", stream), func(t *testing.T) {
			fake, p := setup(t)
			if stream {
				fake.Reply(longReply(&fu.BedrockFault{After: 2, Stall: true}))
			} else {
				fake.Stall()
			}
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			err := p.Converse(ctx, &canon.Request{Model: nova, Stream: stream, Messages: []canon.Message{userText("hi")}}, canon.NewAccumulator())
			if got := apierr.KindOf(err); got != apierr.ModelTimeout {
				t.Fatalf("err = %v (kind %v), want ModelTimeoutException", err, got)
			}
			waitGone(t, fake)
		})
	}
}

// TestUnreachable checks a connection failure names the provider and the
// endpoint, is retryable elsewhere (Unavailable), and leaks no credential
// through any of the ways an error is printed.
func TestUnreachable(t *testing.T) {
	isolateAWS(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	for _, cfg := range []bedrock.Config{testConfig("http://" + addr),
		{Name: "keyed", Region: "us-east-1", Endpoint: "https://" + addr, BearerToken: "bearer-token-must-never-leak"}} {
		p := newProvider(t, cfg)
		endpoint := cfg.Endpoint
		for _, stream := range []bool{false, true} {
			_, err := converse(t, p, &canon.Request{Model: nova, Stream: stream, Messages: []canon.Message{userText("hi")}})
			e := apierr.As(err)
			if err == nil || e.Kind != apierr.Unavailable {
				t.Fatalf("err = %v, want ServiceUnavailableException", err)
			}
			if !strings.Contains(e.Message, cfg.Name) || !strings.Contains(e.Message, endpoint) {
				t.Errorf("message %q does not name the provider and endpoint", e.Message)
			}
			assertNoSecrets(t, err)
		}
	}
}

func assertNoSecrets(t *testing.T, v any) {
	t.Helper()
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		s := fmt.Sprintf(format, v)
		for _, secret := range []string{testSecretKey, testToken, "bearer-token-must-never-leak", "endpoint-password"} {
			if strings.Contains(s, secret) {
				t.Errorf("%s output leaks a secret: %s", format, s)
			}
		}
	}
}

func TestConfigRedacted(t *testing.T) {
	cfg := testConfig("https://user:endpoint-password@vpce.example.com")
	cfg.BearerToken = "bearer-token-must-never-leak"
	assertNoSecrets(t, cfg)
	assertNoSecrets(t, &cfg)
}

// TestErrorLeaksNoSecret covers errors built from Bedrock's answers too.
func TestErrorLeaksNoSecret(t *testing.T) {
	fake, p := setup(t)
	fake.Fail(403, "AccessDeniedException", "User is not authorized")
	_, err := converse(t, p, &canon.Request{Model: nova, Messages: []canon.Message{userText("hi")}})
	if err == nil {
		t.Fatal("no error")
	}
	assertNoSecrets(t, err)
}
