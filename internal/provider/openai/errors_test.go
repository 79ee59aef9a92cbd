package openai

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/testutil/fakeupstream"
)

func TestErrorStatuses(t *testing.T) {
	for _, c := range []struct {
		status int
		kind   apierr.Kind
		msg    string // a fragment of the client message
	}{
		{400, apierr.Validation, "We could not parse the JSON body"},
		{401, apierr.AccessDenied, `provider "test-openai" refused the credentials`},
		{403, apierr.AccessDenied, `provider "test-openai" refused the credentials`},
		{404, apierr.NotFound, "does not exist"},
		{429, apierr.Throttling, "Rate limit reached for gpt-4o-mini"},
		{500, apierr.Internal, "The server had an error"},
		{503, apierr.Unavailable, "overloaded"},
		{504, apierr.ModelTimeout, "The server had an error"},
	} {
		for _, m := range modes {
			t.Run(fmt.Sprintf("%d/%s", c.status, m.name), func(t *testing.T) {
				fake := fakeupstream.NewOpenAI(t)
				fake.Fail(c.status, "")
				r := converse(t, newProvider(t, fake), simpleReq(m.stream))
				var ae *apierr.Error
				if !errors.As(r.err, &ae) {
					t.Fatalf("err = %v", r.err)
				}
				if ae.Kind != c.kind || !strings.Contains(ae.Message, c.msg) || ae.UpstreamStatus != c.status {
					t.Errorf("got %s %q (status %d), want %s containing %q", ae.Kind, ae.Message, ae.UpstreamStatus, c.kind, c.msg)
				}
				if len(r.events) != 0 {
					t.Errorf("%d events written before an HTTP error", len(r.events))
				}
			})
		}
	}
}

func TestRateLimitBodyKept(t *testing.T) {
	fake := fakeupstream.NewOpenAI(t)
	fake.Fail(429, `{"error":{"message":"Rate limit reached for requests","type":"requests","param":null,"code":"rate_limit_exceeded"}}`)
	r := converse(t, newProvider(t, fake), simpleReq(true))
	if ae := apierr.As(r.err); ae.Kind != apierr.Throttling || ae.Message != "Rate limit reached for requests" {
		t.Errorf("got %v", r.err)
	}
}

func TestTimeouts(t *testing.T) {
	t.Run("silent unary", func(t *testing.T) {
		fake := fakeupstream.NewOpenAI(t)
		fake.Reply(fakeupstream.OpenAIReply{Stall: true})
		p := newProvider(t, fake, func(c *Config) { c.Timeout = 150 * time.Millisecond })
		r := converse(t, p, simpleReq(false))
		if apierr.KindOf(r.err) != apierr.ModelTimeout {
			t.Fatalf("err = %v, want ModelTimeout", r.err)
		}
		waitGone(t, fake)
	})
	t.Run("silent stream", func(t *testing.T) {
		fake := fakeupstream.NewOpenAI(t)
		fake.Reply(fakeupstream.OpenAIReply{Text: "partial answer", Stall: true})
		p := newProvider(t, fake, func(c *Config) { c.Timeout = 150 * time.Millisecond })
		r := converse(t, p, simpleReq(true))
		if apierr.KindOf(r.err) != apierr.ModelTimeout || !strings.Contains(r.err.Error(), "sent nothing for 150ms") {
			t.Fatalf("err = %v, want ModelTimeout", r.err)
		}
		if len(r.events) == 0 {
			t.Error("the text before the stall was not streamed")
		}
		waitGone(t, fake)
	})
	t.Run("caller deadline", func(t *testing.T) {
		fake := fakeupstream.NewOpenAI(t)
		fake.Reply(fakeupstream.OpenAIReply{Stall: true})
		ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
		defer cancel()
		r := converseCtx(t, ctx, newProvider(t, fake), simpleReq(true), nil)
		if apierr.KindOf(r.err) != apierr.ModelTimeout || !errors.Is(r.err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want ModelTimeout wrapping DeadlineExceeded", r.err)
		}
		waitGone(t, fake)
	})
}

func waitGone(t *testing.T, fake *fakeupstream.OpenAI) {
	t.Helper()
	select {
	case <-fake.ClientGone():
	case <-time.After(5 * time.Second):
		t.Fatal("the upstream connection was not closed")
	}
}

func TestMidStreamError(t *testing.T) {
	for _, c := range []struct {
		name string
		err  fakeupstream.OpenAIError
		kind apierr.Kind
	}{
		{"server error", fakeupstream.OpenAIError{Message: "The server had an error while processing your request.", Type: "server_error"}, apierr.ModelStreamError},
		{"rate limit", fakeupstream.OpenAIError{Message: "Rate limit reached", Type: "tokens", Code: "rate_limit_exceeded"}, apierr.Throttling},
	} {
		t.Run(c.name, func(t *testing.T) {
			fake := fakeupstream.NewOpenAI(t)
			e := c.err
			fake.Reply(fakeupstream.OpenAIReply{Text: "Some text", StreamError: &e})
			r := converse(t, newProvider(t, fake), simpleReq(true))
			ae := apierr.As(r.err)
			if ae == nil || ae.Kind != c.kind || ae.Message != c.err.Message {
				t.Fatalf("err = %v, want %s %q", r.err, c.kind, c.err.Message)
			}
			if len(r.events) == 0 {
				t.Error("text before the error was not streamed")
			}
		})
	}
}

func TestTruncatedAnswerIsAnError(t *testing.T) {
	for _, c := range []struct {
		stream bool
		kind   apierr.Kind
	}{{true, apierr.ModelStreamError}, {false, apierr.ModelError}} {
		t.Run(fmt.Sprint("stream=", c.stream), func(t *testing.T) {
			fake := fakeupstream.NewOpenAI(t)
			fake.Reply(fakeupstream.OpenAIReply{Text: "The answer is forty", Truncate: true})
			r := converse(t, newProvider(t, fake), simpleReq(c.stream))
			if apierr.KindOf(r.err) != c.kind {
				t.Fatalf("err = %v, want %s", r.err, c.kind)
			}
			for _, ev := range r.events {
				if ev.Kind == canon.EventMessageStop {
					t.Error("a cut answer was given a messageStop")
				}
			}
		})
	}
}

// TestClientGoesAway: when the writer fails or ctx is cancelled mid-stream,
// Converse returns promptly and the upstream sees its connection close.
func TestClientGoesAway(t *testing.T) {
	t.Run("writer fails", func(t *testing.T) {
		fake := fakeupstream.NewOpenAI(t)
		fake.Reply(fakeupstream.OpenAIReply{Text: "a long answer that keeps going", Stall: true})
		gone := errors.New("client disconnected")
		writes := 0
		r := converseCtx(t, context.Background(), newProvider(t, fake), simpleReq(true), func(ev canon.Event) error {
			writes++
			if ev.Kind == canon.EventBlockDelta {
				return gone
			}
			return nil
		})
		if !errors.Is(r.err, gone) {
			t.Fatalf("err = %v, want the writer's error", r.err)
		}
		if writes != len(r.events) || r.events[len(r.events)-1].Kind != canon.EventBlockDelta {
			t.Errorf("events written after the writer failed")
		}
		waitGone(t, fake)
	})
	t.Run("context cancelled", func(t *testing.T) {
		fake := fakeupstream.NewOpenAI(t)
		fake.Reply(fakeupstream.OpenAIReply{Text: "a long answer", Stall: true})
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		start := time.Now()
		r := converseCtx(t, ctx, newProvider(t, fake), simpleReq(true), func(ev canon.Event) error {
			if ev.Kind == canon.EventBlockDelta {
				cancel()
			}
			return nil
		})
		if !errors.Is(r.err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", r.err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("Converse took %s to notice the cancellation", d)
		}
		waitGone(t, fake)
	})
}

func TestConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	p, err := New(Config{Name: "local-vllm", BaseURL: "http://admin:" + testKey + "@" + addr + "/v1", APIKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	defer p.CloseIdleConnections()
	r := converse(t, p, simpleReq(true))
	ae := apierr.As(r.err)
	if ae.Kind != apierr.Unavailable || !strings.Contains(ae.Message, `"local-vllm"`) || !strings.Contains(ae.Message, addr+"/v1") {
		t.Errorf("got %s %q, want Unavailable naming the provider and URL", ae.Kind, ae.Message)
	}
}

// TestAPIKeyNeverLeaks drives every error path with an upstream that
// echoes the key back and checks no error text or printed config holds it.
func TestAPIKeyNeverLeaks(t *testing.T) {
	echo := fmt.Sprintf(`{"error":{"message":"Incorrect API key provided: %s.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}`, testKey)
	for _, c := range []struct {
		name  string
		setup func(*fakeupstream.OpenAI)
	}{
		{"401 echo", func(f *fakeupstream.OpenAI) { f.Fail(401, echo) }},
		{"400 echo", func(f *fakeupstream.OpenAI) { f.Fail(400, echo) }},
		{"500 plain", func(f *fakeupstream.OpenAI) { f.Fail(500, "bad key "+testKey) }},
		{"mid-stream echo", func(f *fakeupstream.OpenAI) {
			f.Reply(fakeupstream.OpenAIReply{Text: "x", StreamError: &fakeupstream.OpenAIError{Message: "key " + testKey, Type: "server_error"}})
		}},
		{"event error echo", func(f *fakeupstream.OpenAI) {
			f.Raw(200, "text/event-stream", []byte("event: error\ndata: {\"error\":{\"message\":\""+testKey+"\"}}\n\n"))
		}},
		{"wrong key", func(f *fakeupstream.OpenAI) { f.RequireAPIKey("sk-other") }},
	} {
		t.Run(c.name, func(t *testing.T) {
			fake := fakeupstream.NewOpenAI(t)
			c.setup(fake)
			r := converse(t, newProvider(t, fake), simpleReq(true))
			if r.err == nil {
				t.Fatal("want an error")
			}
			ae := apierr.As(r.err)
			for _, s := range []string{r.err.Error(), ae.Message, fmt.Sprintf("%v %+v", r.err, r.err)} {
				if strings.Contains(s, testKey) {
					t.Errorf("key leaked: %s", s)
				}
			}
		})
	}
	cfg := Config{BaseURL: "http://u:" + testKey + "@h/v1", APIKey: testKey}
	var logged strings.Builder
	slog.New(slog.NewTextHandler(&logged, nil)).Info("cfg", "config", cfg)
	for _, s := range []string{fmt.Sprintf("%v %+v %#v %s", cfg, cfg, cfg, cfg), logged.String()} {
		if strings.Contains(s, testKey) {
			t.Errorf("config printing leaks the key: %s", s)
		}
	}
	if _, err := New(Config{BaseURL: "ftp://u:" + testKey + "@h", APIKey: testKey}); err == nil || strings.Contains(err.Error(), testKey) {
		t.Errorf("New error leaks the key: %v", err)
	}
}
