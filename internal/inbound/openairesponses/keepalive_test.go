package openairesponses

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
		goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"))
}

// silent stays quiet for pause, then answers or fails.
type silent struct {
	pause time.Duration
	err   error
}

func (s silent) Converse(ctx context.Context, _ *canon.Request, w canon.EventWriter) error {
	select {
	case <-time.After(s.pause):
	case <-ctx.Done():
		return ctx.Err()
	}
	if s.err != nil {
		return s.err
	}
	for _, ev := range []canon.Event{
		{Kind: canon.EventMessageStart},
		{Kind: canon.EventBlockStart, Index: 0, BlockType: canon.BlockText},
		{Kind: canon.EventBlockDelta, Index: 0, Delta: canon.DeltaText, Text: "Hi"},
		{Kind: canon.EventBlockStop, Index: 0},
		{Kind: canon.EventMessageStop, StopReason: canon.StopEndTurn},
		{Kind: canon.EventMetadata, Usage: canon.Usage{InputTokens: 1, OutputTokens: 1}},
	} {
		if err := w.WriteEvent(ev); err != nil {
			return err
		}
	}
	return nil
}

func serveStream(t *testing.T, conv silent, every time.Duration) (*http.Response, string) {
	t.Helper()
	h := New(conv, nil, nil)
	h.KeepAlive = every
	mux := http.NewServeMux()
	h.Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	defer h.Close()
	resp, err := http.Post(srv.URL+"/v1/responses", "application/json", strings.NewReader(`{"model":"m","input":"x","stream":true,"store":false}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	srv.Client().CloseIdleConnections()
	return resp, string(body)
}

func TestKeepAlive(t *testing.T) {
	resp, body := serveStream(t, silent{pause: 120 * time.Millisecond}, 20*time.Millisecond)
	if resp.StatusCode != 200 || !strings.HasPrefix(body, ": keepalive\n\n") || !strings.Contains(body, "event: response.completed") {
		t.Fatalf("%d %q", resp.StatusCode, body)
	}
	// The keepalives stop once the answer flows: none after the first event.
	if i, j := strings.Index(body, "event: response.created"), strings.LastIndex(body, ": keepalive"); i < j {
		t.Errorf("keepalive after the first event: %q", body)
	}
}

// An error before any byte is an ordinary HTTP error; after a keepalive
// committed the 200 it is an in-stream error + response.failed, with the
// events that open the stream before them.
func TestKeepAliveErrors(t *testing.T) {
	quota := apierr.New(apierr.Throttling, "slow down")
	resp, body := serveStream(t, silent{pause: 5 * time.Millisecond, err: quota}, time.Hour)
	if resp.StatusCode != 429 || strings.Contains(body, "keepalive") || !strings.Contains(body, "slow down") {
		t.Fatalf("before the first byte: %d %q", resp.StatusCode, body)
	}
	resp, body = serveStream(t, silent{pause: 80 * time.Millisecond, err: quota}, 20*time.Millisecond)
	if resp.StatusCode != 200 || !strings.HasPrefix(body, ": keepalive") {
		t.Fatalf("after a keepalive: %d %q", resp.StatusCode, body)
	}
	for _, want := range []string{"event: response.created", "event: error", "slow down", "event: response.failed"} {
		if !strings.Contains(body, want) {
			t.Errorf("after a keepalive: no %q in %q", want, body)
		}
	}
}

// A client that goes away during the silence ends the request, and the
// keepalive goroutine with it (goleak checks).
func TestKeepAliveClientGone(t *testing.T) {
	h := New(silent{pause: time.Hour}, nil, nil)
	h.KeepAlive = 10 * time.Millisecond
	mux := http.NewServeMux()
	h.Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	defer h.Close()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "POST", srv.URL+"/v1/responses", strings.NewReader(`{"model":"m","input":"x","stream":true,"store":false}`))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, len(": keepalive\n\n"))
	if _, err := io.ReadFull(resp.Body, buf); err != nil || string(buf) != ": keepalive\n\n" {
		t.Fatalf("%q %v", buf, err)
	}
	cancel()
	_ = resp.Body.Close()
	srv.Close() // waits for the handler
	http.DefaultClient.CloseIdleConnections()
}
