package openaichat

import (
	"context"
	"encoding/base64"
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

// scripted is a gateway that writes events with pauses and may fail.
type scripted struct {
	pause  time.Duration
	events []canon.Event
	err    error
	block  bool // wait for the client to go away after the events
}

func (s scripted) Converse(ctx context.Context, _ *canon.Request, w canon.EventWriter) error {
	for _, ev := range s.events {
		select {
		case <-time.After(s.pause):
		case <-ctx.Done():
			return ctx.Err()
		}
		if err := w.WriteEvent(ev); err != nil {
			return err
		}
	}
	if s.block {
		<-ctx.Done()
		return apierr.Wrap(apierr.Internal, ctx.Err(), "cancelled")
	}
	return s.err
}

var textAnswer = []canon.Event{
	{Kind: canon.EventMessageStart},
	{Kind: canon.EventBlockStart, Index: 0, BlockType: canon.BlockText},
	{Kind: canon.EventBlockDelta, Index: 0, Delta: canon.DeltaText, Text: "Hi"},
	{Kind: canon.EventBlockStop, Index: 0},
	{Kind: canon.EventMessageStop, StopReason: canon.StopEndTurn},
	{Kind: canon.EventMetadata, Usage: canon.Usage{InputTokens: 1, OutputTokens: 1}},
}

const streamBody = `{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}`

func post(t *testing.T, h http.Handler, body string) (*http.Response, string) {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := http.Post(srv.URL, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestStreamWire(t *testing.T) {
	resp, body := post(t, Handler(scripted{events: textAnswer}, Shape{}, nil), streamBody)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("status %d content type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if strings.Contains(body, "event:") || !strings.HasSuffix(body, "data: [DONE]\n\n") || strings.Count(body, "data: ") != 4 {
		t.Errorf("body:\n%s", body)
	}
}

func TestStreamFailures(t *testing.T) {
	t.Run("before the first byte", func(t *testing.T) {
		resp, body := post(t, Handler(scripted{err: apierr.New(apierr.Throttling, "slow down")}, Shape{}, nil), streamBody)
		if resp.StatusCode != 429 || body != `{"error":{"message":"slow down","type":"rate_limit_error","param":null,"code":"rate_limit_exceeded"}}` {
			t.Errorf("%d %s", resp.StatusCode, body)
		}
	})
	t.Run("after the first byte", func(t *testing.T) {
		resp, body := post(t, Handler(scripted{events: textAnswer[:3], err: apierr.New(apierr.ModelStreamError, "cut off")}, Shape{}, nil), streamBody)
		if resp.StatusCode != 200 || strings.Contains(body, "[DONE]") ||
			!strings.HasSuffix(body, `data: {"error":{"message":"cut off","type":"server_error","param":null,"code":"model_stream_error"}}`+"\n\n") {
			t.Errorf("%d %s", resp.StatusCode, body)
		}
	})
}

// TestKeepAlive checks that silence gets SSE comments, before and between
// events, and that the keepalive goroutine ends with the request (goleak).
func TestKeepAlive(t *testing.T) {
	resp, body := post(t, Handler(scripted{pause: 120 * time.Millisecond, events: textAnswer}, Shape{KeepAlive: 25 * time.Millisecond}, nil), streamBody)
	if resp.StatusCode != 200 || !strings.HasPrefix(body, ": keepalive\n\n") || strings.Count(body, ": keepalive") < 6 || !strings.HasSuffix(body, "data: [DONE]\n\n") {
		t.Errorf("body:\n%s", body)
	}
}

// TestKeepAliveClientGone: the client leaves while the model is silent;
// the handler must return without the keepalive writing afterwards.
func TestKeepAliveClientGone(t *testing.T) {
	srv := httptest.NewServer(Handler(scripted{events: textAnswer[:1], block: true}, Shape{KeepAlive: 10 * time.Millisecond}, nil))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL, strings.NewReader(streamBody))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 256)
	n, _ := io.ReadAtLeast(resp.Body, buf, 1)
	time.Sleep(50 * time.Millisecond)
	cancel()
	_ = resp.Body.Close()
	http.DefaultClient.CloseIdleConnections()
	if !strings.HasPrefix(string(buf[:n]), "data: ") {
		t.Errorf("first bytes %q", buf[:n])
	}
}

func TestUnaryAndErrors(t *testing.T) {
	resp, body := post(t, Handler(scripted{events: textAnswer}, Shape{Now: func() time.Time { return time.Unix(42, 0) }}, nil),
		`{"model":"m","messages":[{"role":"user","content":"hi"}]}`)
	if resp.StatusCode != 200 || !strings.Contains(body, `"created":42,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"Hi"},"finish_reason":"stop","logprobs":null}]`) {
		t.Errorf("%d %s", resp.StatusCode, body)
	}
	resp, body = post(t, Handler(scripted{}, Shape{}, nil), `{"model":"m","messages":[{"role":"user","content":"hi"}],"n":2}`)
	if resp.StatusCode != 400 || !strings.Contains(body, `"type":"invalid_request_error"`) {
		t.Errorf("%d %s", resp.StatusCode, body)
	}
}

type fakeEmbedder struct{ got *canon.EmbedRequest }

func (f *fakeEmbedder) Embed(_ context.Context, req *canon.EmbedRequest) (*canon.EmbedResponse, error) {
	f.got = req
	out := &canon.EmbedResponse{InputTokens: 7}
	for range req.Inputs {
		out.Embeddings = append(out.Embeddings, []float32{1, -0.5})
	}
	return out, nil
}

func TestEmbeddingsWire(t *testing.T) {
	fe := &fakeEmbedder{}
	_, body := post(t, Embeddings(fe, 0), `{"model":"e","input":["a","b"],"encoding_format":"base64","dimensions":2}`)
	b64 := base64.StdEncoding.EncodeToString([]byte{0, 0, 0x80, 0x3f, 0, 0, 0, 0xbf})
	want := `{"object":"list","data":[{"object":"embedding","index":0,"embedding":"` + b64 + `"},{"object":"embedding","index":1,"embedding":"` + b64 + `"}],"model":"e","usage":{"prompt_tokens":7,"total_tokens":7}}`
	if body != want || *fe.got.Dimensions != 2 {
		t.Errorf("got  %s\nwant %s", body, want)
	}
	_, body = post(t, Embeddings(fe, 0), `{"model":"e","input":"a"}`)
	if !strings.Contains(body, `"embedding":[1,-0.5]`) {
		t.Errorf("float body %s", body)
	}
	resp, body := post(t, Embeddings(fe, 0), `{"model":"e","input":"a","extra":1}`)
	if resp.StatusCode != 400 || !strings.Contains(body, "extra") {
		t.Errorf("%d %s", resp.StatusCode, body)
	}
}
