package anthropic

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/testutil/fakeupstream"
)

// checkErr asserts err is an *apierr.Error of kind k that does not leak the
// API key, and returns it.
func checkErr(t *testing.T, err error, k apierr.Kind) *apierr.Error {
	t.Helper()
	var ae *apierr.Error
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v (%T), want *apierr.Error", err, err)
	}
	if ae.Kind != k {
		t.Errorf("kind = %v, want %v (%v)", ae.Kind, k, err)
	}
	if strings.Contains(err.Error(), testKey) || strings.Contains(ae.Message, testKey) {
		t.Errorf("the API key leaked into the error: %v", err)
	}
	return ae
}

func TestErrorStatuses(t *testing.T) {
	cases := []struct {
		status  int
		errType string
		msg     string
		kind    apierr.Kind
	}{
		{400, "invalid_request_error", "messages: roles must alternate", apierr.Validation},
		{401, "authentication_error", "invalid x-api-key", apierr.AccessDenied},
		{403, "permission_error", "Your API key does not have permission to use the specified resource.", apierr.AccessDenied},
		{404, "not_found_error", "model: claude-nope", apierr.NotFound},
		{413, "request_too_large", "Request exceeds the maximum allowed number of bytes.", apierr.Validation},
		{429, "rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit", apierr.Throttling},
		{500, "api_error", "Internal server error", apierr.Internal},
		{529, "overloaded_error", "Overloaded", apierr.Unavailable},
	}
	for _, c := range cases {
		t.Run(c.errType, func(t *testing.T) {
			modes(t, func(t *testing.T, stream bool) {
				fake := fakeupstream.NewAnthropic(t)
				fake.Fail(c.status, c.errType, c.msg)
				p := newProvider(t, fake)
				_, evs, err := call(t, p, &canon.Request{Model: "m", Stream: stream, Messages: []canon.Message{userText("hi")}})
				ae := checkErr(t, err, c.kind)
				if ae.Message != c.msg || ae.UpstreamStatus != c.status {
					t.Errorf("message %q status %d, want %q %d", ae.Message, ae.UpstreamStatus, c.msg, c.status)
				}
				if len(evs) != 0 {
					t.Errorf("%d events written before an HTTP error", len(evs))
				}
			})
		})
	}
}

// TestKeyEchoedByUpstream: even an upstream that echoes the key back does
// not get it into an error.
func TestKeyEchoedByUpstream(t *testing.T) {
	fake := fakeupstream.NewAnthropic(t)
	fake.Fail(401, "authentication_error", "invalid x-api-key: "+testKey)
	p := newProvider(t, fake)
	_, _, err := call(t, p, &canon.Request{Model: "m", Messages: []canon.Message{userText("hi")}})
	ae := checkErr(t, err, apierr.AccessDenied)
	if ae.Message != "invalid x-api-key: [redacted]" {
		t.Errorf("message = %q", ae.Message)
	}
}

func TestTimeout(t *testing.T) {
	t.Run("context deadline before headers", func(t *testing.T) {
		fake := fakeupstream.NewAnthropic(t)
		fake.Reply(fakeupstream.AnthropicReply{Stall: true})
		p := newProvider(t, fake)
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		err := p.Converse(ctx, &canon.Request{Model: "m", Messages: []canon.Message{userText("hi")}}, canon.NewAccumulator())
		checkErr(t, err, apierr.ModelTimeout)
		waitGoneIfReached(t, fake)
	})
	t.Run("context deadline mid-stream", func(t *testing.T) {
		fake := fakeupstream.NewAnthropic(t)
		fake.Reply(fakeupstream.AnthropicReply{Stall: true})
		p := newProvider(t, fake)
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		acc := canon.NewAccumulator()
		err := p.Converse(ctx, &canon.Request{Model: "m", Stream: true, Messages: []canon.Message{userText("hi")}}, acc)
		checkErr(t, err, apierr.ModelTimeout)
		waitGoneIfReached(t, fake)
	})
	t.Run("client timeout", func(t *testing.T) {
		fake := fakeupstream.NewAnthropic(t)
		fake.Reply(fakeupstream.AnthropicReply{Stall: true})
		client := fake.Client()
		client.Timeout = 100 * time.Millisecond
		p := newProvider(t, fake, func(c *Config) { c.HTTPClient = client })
		err := p.Converse(context.Background(), &canon.Request{Model: "m", Messages: []canon.Message{userText("hi")}}, canon.NewAccumulator())
		checkErr(t, err, apierr.ModelTimeout)
		waitGoneIfReached(t, fake)
	})
}

func waitGone(t *testing.T, fake *fakeupstream.Anthropic) {
	t.Helper()
	select {
	case <-fake.ClientGone():
	case <-time.After(5 * time.Second):
		t.Fatal("the upstream never saw the client go away")
	}
}

// waitGoneIfReached is waitGone for deadline tests: on a loaded machine the
// deadline may pass before the request reaches the fake at all, and then
// there is no connection to see closing.
func waitGoneIfReached(t *testing.T, fake *fakeupstream.Anthropic) {
	t.Helper()
	if len(fake.Requests()) > 0 {
		waitGone(t, fake)
	}
}

func TestUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL
	srv.Close() // nothing listens there any more
	p, err := New(Config{Name: "claude-direct", BaseURL: base, APIKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	err = p.Converse(context.Background(), &canon.Request{Model: "m", Messages: []canon.Message{userText("hi")}}, canon.NewAccumulator())
	ae := checkErr(t, err, apierr.Unavailable)
	if !strings.Contains(ae.Message, "claude-direct") || !strings.Contains(ae.Message, base) {
		t.Errorf("message %q should name the provider and %s", ae.Message, base)
	}
}

func TestMidStreamErrorEvent(t *testing.T) {
	fake := fakeupstream.NewAnthropic(t)
	fake.Reply(fakeupstream.AnthropicReply{Content: []fakeupstream.AnthropicBlock{{Type: "text", Text: "Partial answer"}},
		ErrorEvent: &fakeupstream.AnthropicError{Type: "overloaded_error", Message: "Overloaded"}})
	p := newProvider(t, fake)
	_, evs, err := call(t, p, &canon.Request{Model: "m", Stream: true, Messages: []canon.Message{userText("hi")}})
	ae := checkErr(t, err, apierr.Unavailable)
	if ae.Message != "Overloaded" {
		t.Errorf("message = %q", ae.Message)
	}
	if len(evs) == 0 || evs[0].Kind != canon.EventMessageStart {
		t.Errorf("events before the error: %+v", evs)
	}
	for _, ev := range evs {
		if ev.Kind == canon.EventMessageStop {
			t.Error("a failed stream must not end with messageStop")
		}
	}
}

func TestTruncatedStream(t *testing.T) {
	t.Run("clean cut before message_stop", func(t *testing.T) {
		fake := fakeupstream.NewAnthropic(t)
		fake.Reply(fakeupstream.AnthropicReply{Content: []fakeupstream.AnthropicBlock{{Type: "text", Text: "The answer is"}}, CutBeforeStop: true})
		p := newProvider(t, fake)
		_, _, err := call(t, p, &canon.Request{Model: "m", Stream: true, Messages: []canon.Message{userText("hi")}})
		checkErr(t, err, apierr.ModelStreamError)
	})
	t.Run("capture cut mid-event", func(t *testing.T) {
		raw, err := os.ReadFile("../../format/anthropic/testdata/stream/truncated.sse")
		if err != nil {
			t.Fatal(err)
		}
		fake := fakeupstream.NewAnthropic(t)
		fake.Raw(200, "text/event-stream", raw)
		p := newProvider(t, fake)
		_, _, err = call(t, p, &canon.Request{Model: "m", Stream: true, Messages: []canon.Message{userText("hi")}})
		checkErr(t, err, apierr.ModelStreamError)
	})
}

// TestCancellation: when the client goes away (ctx cancelled) or the writer
// fails, Converse returns promptly and the upstream sees the connection close.
func TestCancellation(t *testing.T) {
	t.Run("context cancelled", func(t *testing.T) {
		fake := fakeupstream.NewAnthropic(t)
		fake.Reply(fakeupstream.AnthropicReply{Stall: true})
		p := newProvider(t, fake)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		w := canon.EventWriterFunc(func(ev canon.Event) error {
			if ev.Kind == canon.EventMessageStart {
				cancel() // the client leaves after the first event
			}
			return nil
		})
		go func() {
			done <- p.Converse(ctx, &canon.Request{Model: "m", Stream: true, Messages: []canon.Message{userText("hi")}}, w)
		}()
		select {
		case err := <-done:
			if !errors.Is(err, context.Canceled) {
				t.Errorf("err = %v, want one wrapping context.Canceled", err)
			}
			checkErr(t, err, apierr.Internal)
		case <-time.After(5 * time.Second):
			t.Fatal("Converse did not return after cancellation")
		}
		waitGone(t, fake)
	})
	t.Run("writer fails", func(t *testing.T) {
		fake := fakeupstream.NewAnthropic(t)
		fake.Reply(fakeupstream.AnthropicReply{Stall: true})
		p := newProvider(t, fake)
		gone := errors.New("client connection closed")
		err := p.Converse(context.Background(), &canon.Request{Model: "m", Stream: true, Messages: []canon.Message{userText("hi")}},
			canon.EventWriterFunc(func(canon.Event) error { return gone }))
		if err != gone {
			t.Errorf("err = %v, want the writer's error unchanged", err)
		}
		waitGone(t, fake)
	})
}

func TestCaptureReplayOverHTTP(t *testing.T) {
	raw, err := os.ReadFile("../../format/anthropic/testdata/stream/thinking_tool.sse")
	if err != nil {
		t.Fatal(err)
	}
	fake := fakeupstream.NewAnthropic(t)
	fake.Raw(200, "text/event-stream; charset=utf-8", raw)
	p := newProvider(t, fake)
	resp, _, err := call(t, p, &canon.Request{Model: "m", Stream: true, Messages: []canon.Message{userText("hi")}})
	if err != nil {
		t.Fatal(err)
	}
	if resp.StopReason != canon.StopToolUse || len(resp.Message.Content) != 3 ||
		resp.Usage != (canon.Usage{InputTokens: 25, OutputTokens: 89, CacheReadTokens: 2000, CacheWriteTokens: 1000}) {
		t.Errorf("response = %+v", resp)
	}
}

// TestStreamAnsweredWithJSON: a proxy that ignores "stream" and answers
// unary still works, because the content type decides.
func TestStreamAnsweredWithJSON(t *testing.T) {
	fake := fakeupstream.NewAnthropic(t)
	fake.Raw(200, "application/json", []byte(`{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[{"type":"text","text":"unary anyway"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":1,"output_tokens":2}}`))
	p := newProvider(t, fake)
	resp, _, err := call(t, p, &canon.Request{Model: "m", Stream: true, Messages: []canon.Message{userText("hi")}})
	if err != nil {
		t.Fatal(err)
	}
	if textOf(resp) != "unary anyway" {
		t.Errorf("text = %q", textOf(resp))
	}
}

func TestInvalidRequestNeverReachesUpstream(t *testing.T) {
	fake := fakeupstream.NewAnthropic(t)
	p := newProvider(t, fake)
	_, _, err := call(t, p, &canon.Request{Model: "m", Messages: []canon.Message{{Role: canon.RoleUser, Content: []canon.Block{
		{Type: canon.BlockVideo, Video: &canon.Media{Format: "mp4", Bytes: []byte{0}}}}}}})
	checkErr(t, err, apierr.Validation)
	if n := len(fake.Requests()); n != 0 {
		t.Errorf("%d requests reached the upstream", n)
	}
}
