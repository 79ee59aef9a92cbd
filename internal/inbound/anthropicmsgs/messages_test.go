package anthropicmsgs

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/server"
)

// slowGateway waits, then answers "Hi", or fails with err.
type slowGateway struct {
	wait time.Duration
	err  error
}

func (g slowGateway) Converse(ctx context.Context, req *canon.Request, w canon.EventWriter) error {
	select {
	case <-time.After(g.wait):
	case <-ctx.Done():
		return ctx.Err()
	}
	if g.err != nil {
		return g.err
	}
	return canon.Emit(w, &canon.Response{Message: canon.Message{Role: canon.RoleAssistant, Content: []canon.Block{canon.TextBlock("Hi")}},
		StopReason: canon.StopEndTurn, Usage: canon.Usage{InputTokens: 3, OutputTokens: 1}})
}

const streamBody = `{"model":"m","max_tokens":10,"stream":true,"messages":[{"role":"user","content":"hi"}]}`

func serve(t *testing.T, h http.Handler, body string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/v1/messages", strings.NewReader(body)))
	return rec
}

// TestKeepAlive: a stream silent for longer than the keep-alive interval
// gets message_start and pings, then the answer; the keep-alive goroutine
// is gone when ServeHTTP returns.
func TestKeepAlive(t *testing.T) {
	defer goleak.VerifyNone(t)
	h := Shape{KeepAlive: 10 * time.Millisecond}.Handler(slowGateway{wait: 80 * time.Millisecond}, nil)
	rec := serve(t, h, streamBody)
	out := rec.Body.String()
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "text/event-stream" {
		t.Fatalf("status %d %v", rec.Code, rec.Header())
	}
	if strings.Count(out, "event: ping\n") < 3 || strings.Count(out, "event: message_start\n") != 1 {
		t.Errorf("want message_start once and several pings:\n%s", out)
	}
	if !strings.HasPrefix(out, "event: message_start\n") || !strings.HasSuffix(out, "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n") {
		t.Errorf("stream shape:\n%s", out)
	}
}

// TestKeepAliveCommitsBeforeError: once pings went out, a failure is an
// in-band error event, not an HTTP status.
func TestKeepAliveThenError(t *testing.T) {
	defer goleak.VerifyNone(t)
	h := Shape{KeepAlive: 10 * time.Millisecond}.Handler(slowGateway{wait: 40 * time.Millisecond, err: apierr.New(apierr.Throttling, "slow down")}, nil)
	out := serve(t, h, streamBody).Body.String()
	if !strings.HasSuffix(out, "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"slow down\"}}\n\n") {
		t.Errorf("stream:\n%s", out)
	}
}

func TestErrorBeforeStream(t *testing.T) {
	defer goleak.VerifyNone(t)
	h := Handler(slowGateway{err: apierr.New(apierr.Unavailable, "busy")}, nil)
	rec := serve(t, h, streamBody)
	if rec.Code != 529 || !strings.Contains(rec.Body.String(), `"type":"overloaded_error"`) || rec.Header().Get("x-should-retry") != "true" {
		t.Errorf("%d %s", rec.Code, rec.Body)
	}
	rec = serve(t, h, `{"model":"m","messages":[]}`)
	if rec.Code != 400 || !strings.Contains(rec.Body.String(), "max_tokens: Field required") {
		t.Errorf("%d %s", rec.Code, rec.Body)
	}
}

func TestUnary(t *testing.T) {
	rec := serve(t, Handler(slowGateway{}, nil), `{"model":"m","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}`)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"content":[{"type":"text","text":"Hi"}]`) {
		t.Errorf("%d %s", rec.Code, rec.Body)
	}
}

type fixedCounter struct {
	n  int
	ok bool
}

func (c fixedCounter) CountTokens(context.Context, *canon.Request) (int, bool, error) {
	return c.n, c.ok, nil
}

func TestCountTokensHandler(t *testing.T) {
	body := `{"model":"m","messages":[{"role":"user","content":"hello world!"}]}`
	for _, c := range []struct {
		counter TokenCounter
		want    string
	}{{nil, `{"input_tokens":6}`}, {fixedCounter{42, true}, `{"input_tokens":42}`}, {fixedCounter{0, false}, `{"input_tokens":6}`}} {
		rec := httptest.NewRecorder()
		CountTokensHandler(c.counter, 0, nil).ServeHTTP(rec, httptest.NewRequest("POST", "/v1/messages/count_tokens", strings.NewReader(body)))
		if rec.Code != 200 || rec.Body.String() != c.want {
			t.Errorf("%T: %d %s, want %s", c.counter, rec.Code, rec.Body, c.want)
		}
	}
	// Without a counter, an OpenAI model is counted with its BPE:
	// 3 + "user" 1 + "hello world!" 3 + 3 priming (o200k_base).
	rec := httptest.NewRecorder()
	CountTokensHandler(nil, 0, nil).ServeHTTP(rec, httptest.NewRequest("POST", "/v1/messages/count_tokens",
		strings.NewReader(`{"model":"gpt-4o","messages":[{"role":"user","content":"hello world!"}]}`)))
	if rec.Code != 200 || rec.Body.String() != `{"input_tokens":10}` {
		t.Errorf("gpt-4o: %d %s", rec.Code, rec.Body)
	}
}

// FuzzDecode feeds arbitrary bodies to the surface's Decode. Properties:
// no panic; failures are Validation *apierr.Errors.
func FuzzDecode(f *testing.F) {
	for _, pattern := range []string{"../../format/anthropic/testdata/inbound/*.wire.json", "../../format/anthropic/testdata/inbound/invalid/*.wire.json"} {
		fs, _ := filepath.Glob(pattern)
		if len(fs) == 0 {
			f.Fatalf("no seeds match %s", pattern)
		}
		for _, file := range fs {
			b, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		r := httptest.NewRequest("POST", "/v1/messages", bytes.NewReader(in))
		_, err := Shape{}.Decode(r)
		if err != nil {
			var ae *apierr.Error
			if !errors.As(err, &ae) || ae.Kind != apierr.Validation {
				t.Fatalf("error %T %v", err, err)
			}
		}
	})
}

var _ server.Conversation = slowGateway{}
