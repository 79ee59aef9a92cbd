package bedrock_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
	fu "github.com/basalt-gateway/basalt/internal/testutil/fakeupstream"
)

// longReply has enough frames for faults to land mid-answer: messageStart,
// three text deltas, stop, messageStop, metadata.
func longReply(f *fu.BedrockFault) fu.BedrockReply {
	return fu.BedrockReply{Blocks: []fu.BedrockBlock{fu.BedrockText("one ", "two ", "three")}, Fault: f}
}

func streamReq() *canon.Request {
	return &canon.Request{Model: claude, Stream: true, Messages: []canon.Message{userText("hi")}}
}

func TestStreamException(t *testing.T) {
	cases := []struct {
		exception string
		kind      apierr.Kind
	}{
		{"throttlingException", apierr.Throttling},
		{"modelStreamErrorException", apierr.ModelStreamError},
		{"validationException", apierr.Validation},
		{"internalServerException", apierr.Internal},
		{"serviceUnavailableException", apierr.Unavailable},
		{"someFutureException", apierr.ModelStreamError},
	}
	for _, tc := range cases {
		t.Run(tc.exception, func(t *testing.T) {
			fake, p := setup(t)
			fake.Reply(longReply(&fu.BedrockFault{After: 3, Exception: tc.exception, Message: "upstream said no"}))
			var rec recorder
			err := p.Converse(context.Background(), streamReq(), &rec)
			e := apierr.As(err)
			if err == nil || e.Kind != tc.kind || e.Message != "upstream said no" {
				t.Fatalf("err = %v, want %v with the upstream message", err, tc.kind)
			}
			if len(rec.events) == 0 || rec.events[0].Kind != canon.EventMessageStart {
				t.Errorf("events before the exception were not forwarded: %+v", rec.events)
			}
		})
	}
}

// TestStreamTruncated checks that an answer that stops before messageStop is
// an error however the stream ends; the SDK itself reports all of these as a
// normal end of stream.
func TestStreamTruncated(t *testing.T) {
	cases := map[string]*fu.BedrockFault{
		"clean end after a delta":    {After: 3},
		"clean end before any frame": {After: 0},
		"reset after a delta":        {After: 3, Abort: true},
		"clean end after block stop": {After: 5},
		"reset before message start": {After: 0, Abort: true},
	}
	for name, fault := range cases {
		t.Run(name, func(t *testing.T) {
			fake, p := setup(t)
			fake.Reply(longReply(fault))
			_, err := converse(t, p, streamReq())
			if got := apierr.KindOf(err); err == nil || got != apierr.ModelStreamError {
				t.Fatalf("err = %v (kind %v), want ModelStreamErrorException", err, got)
			}
		})
	}
}

// TestStreamWithoutMetadata checks that a stream ending right after
// messageStop is a complete answer (the gateway supplies the metadata).
func TestStreamWithoutMetadata(t *testing.T) {
	fake, p := setup(t)
	fake.Reply(longReply(&fu.BedrockFault{After: 6}))
	got, err := converse(t, p, streamReq())
	if err != nil {
		t.Fatal(err)
	}
	if got.StopReason != canon.StopEndTurn {
		t.Errorf("stop reason = %q", got.StopReason)
	}
}

func waitGone(t *testing.T, fake *fu.Bedrock) {
	t.Helper()
	select {
	case <-fake.ClientGone():
	case <-time.After(5 * time.Second):
		t.Fatal("the fake never saw the client disconnect")
	}
}

// TestStreamCancel checks that canceling the context mid-answer returns
// promptly and closes the upstream connection.
func TestStreamCancel(t *testing.T) {
	fake, p := setup(t)
	fake.Reply(longReply(&fu.BedrockFault{After: 3, Stall: true}))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := canon.EventWriterFunc(func(ev canon.Event) error {
		if ev.Kind == canon.EventBlockDelta {
			cancel()
		}
		return nil
	})
	done := make(chan error, 1)
	go func() { done <- p.Converse(ctx, streamReq(), w) }()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want one wrapping context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Converse did not return after cancel")
	}
	waitGone(t, fake)
}

// TestStreamWriterError checks that a failing receiver stops the stream, its
// error comes back unchanged, and the upstream connection is closed.
func TestStreamWriterError(t *testing.T) {
	fake, p := setup(t)
	fake.Reply(longReply(&fu.BedrockFault{After: 4, Stall: true}))
	clientGone := errors.New("client went away")
	n := 0
	w := canon.EventWriterFunc(func(canon.Event) error {
		n++
		if n == 2 {
			return clientGone
		}
		return nil
	})
	err := p.Converse(context.Background(), streamReq(), w)
	if !errors.Is(err, clientGone) {
		t.Fatalf("err = %v, want the writer's error", err)
	}
	if n != 2 {
		t.Errorf("writer called %d times after failing, want it left alone", n-2)
	}
	waitGone(t, fake)
}

// TestUnaryWriterError checks the unary path returns the writer's error too.
func TestUnaryWriterError(t *testing.T) {
	fake, p := setup(t)
	fake.Reply(longReply(nil))
	stop := errors.New("stop")
	err := p.Converse(context.Background(), &canon.Request{Model: claude, Messages: []canon.Message{userText("hi")}},
		canon.EventWriterFunc(func(canon.Event) error { return stop }))
	if !errors.Is(err, stop) {
		t.Fatalf("err = %v, want the writer's error", err)
	}
}

// TestUnaryCancel checks a unary call stalled upstream ends on cancel and
// leaves the connection.
func TestUnaryCancel(t *testing.T) {
	fake, p := setup(t)
	fake.Stall()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err := func() (*canon.Response, error) {
		acc := canon.NewAccumulator()
		return nil, p.Converse(ctx, &canon.Request{Model: claude, Messages: []canon.Message{userText("hi")}}, acc)
	}()
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want one wrapping context.Canceled", err)
	}
	waitGone(t, fake)
}
