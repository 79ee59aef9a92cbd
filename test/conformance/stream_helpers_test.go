package conformance

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"

	"github.com/basalt-gateway/basalt/internal/app"
)

// streamed is a ConverseStream answer as the SDK delivered it.
type streamed struct {
	order      []string           // event names in arrival order
	textDeltas []string           // text deltas, all blocks
	reasoning  string             // joined reasoning text
	signature  string             // joined reasoning signature
	tools      []streamedTool     // in contentBlockStart order
	toolByIdx  map[int32]int      // block index → tools position
	blockIdx   map[string][]int32 // per delta kind, the block indexes seen
	stop       types.StopReason
	usage      *types.TokenUsage
	latencyMs  int64
	err        error // the stream's Err() at the end
}

type streamedTool struct {
	id, name  string
	fragments []string
}

func (t streamedTool) input() string { return strings.Join(t.fragments, "") }

func (s *streamed) text() string { return strings.Join(s.textDeltas, "") }

// converseStream calls ConverseStream and reads the whole stream. A
// failure of the call itself (an HTTP error before the stream) is
// returned as the error; a failure inside the stream is in streamed.err.
func converseStream(ctx context.Context, t *testing.T, c *bedrockruntime.Client, in *bedrockruntime.ConverseStreamInput) (*streamed, error) {
	t.Helper()
	out, err := c.ConverseStream(ctx, in)
	if err != nil {
		return nil, err
	}
	stream := out.GetStream()
	defer stream.Close()
	s := &streamed{toolByIdx: map[int32]int{}, blockIdx: map[string][]int32{}}
	for ev := range stream.Events() {
		s.add(t, ev)
	}
	s.err = stream.Err()
	return s, nil
}

func (s *streamed) add(t *testing.T, ev types.ConverseStreamOutput) {
	t.Helper()
	switch e := ev.(type) {
	case *types.ConverseStreamOutputMemberMessageStart:
		s.order = append(s.order, "messageStart")
		if e.Value.Role != types.ConversationRoleAssistant {
			t.Errorf("messageStart role = %q", e.Value.Role)
		}
	case *types.ConverseStreamOutputMemberContentBlockStart:
		s.order = append(s.order, "contentBlockStart")
		tu, ok := e.Value.Start.(*types.ContentBlockStartMemberToolUse)
		if !ok {
			t.Fatalf("contentBlockStart %T", e.Value.Start)
		}
		s.toolByIdx[aws.ToInt32(e.Value.ContentBlockIndex)] = len(s.tools)
		s.tools = append(s.tools, streamedTool{id: aws.ToString(tu.Value.ToolUseId), name: aws.ToString(tu.Value.Name)})
	case *types.ConverseStreamOutputMemberContentBlockDelta:
		s.order = append(s.order, "contentBlockDelta")
		idx := aws.ToInt32(e.Value.ContentBlockIndex)
		switch d := e.Value.Delta.(type) {
		case *types.ContentBlockDeltaMemberText:
			s.textDeltas = append(s.textDeltas, d.Value)
			s.blockIdx["text"] = append(s.blockIdx["text"], idx)
		case *types.ContentBlockDeltaMemberToolUse:
			i, ok := s.toolByIdx[idx]
			if !ok {
				t.Fatalf("toolUse delta for block %d without a contentBlockStart", idx)
			}
			s.tools[i].fragments = append(s.tools[i].fragments, aws.ToString(d.Value.Input))
		case *types.ContentBlockDeltaMemberReasoningContent:
			s.blockIdx["reasoning"] = append(s.blockIdx["reasoning"], idx)
			switch r := d.Value.(type) {
			case *types.ReasoningContentBlockDeltaMemberText:
				s.reasoning += r.Value
			case *types.ReasoningContentBlockDeltaMemberSignature:
				s.signature += r.Value
			default:
				t.Errorf("reasoning delta %T", r)
			}
		default:
			t.Errorf("delta %T", d)
		}
	case *types.ConverseStreamOutputMemberContentBlockStop:
		s.order = append(s.order, "contentBlockStop")
	case *types.ConverseStreamOutputMemberMessageStop:
		s.order = append(s.order, "messageStop")
		s.stop = e.Value.StopReason
	case *types.ConverseStreamOutputMemberMetadata:
		s.order = append(s.order, "metadata")
		s.usage = e.Value.Usage
		if e.Value.Metrics != nil {
			s.latencyMs = aws.ToInt64(e.Value.Metrics.LatencyMs)
		}
	default:
		t.Errorf("unknown stream event %T", ev)
	}
}

// checkOrder checks the ordering contract: messageStart first, messageStop
// then metadata last, nothing else around them.
func (s *streamed) checkOrder(t *testing.T) {
	t.Helper()
	n := len(s.order)
	if n < 3 || s.order[0] != "messageStart" || s.order[n-2] != "messageStop" || s.order[n-1] != "metadata" {
		t.Fatalf("event order = %v", s.order)
	}
	for i, e := range s.order[1 : n-2] {
		if e == "messageStart" || e == "messageStop" || e == "metadata" {
			t.Fatalf("event %d is a second %s: %v", i+1, e, s.order)
		}
	}
}

func streamInput(model, text string) *bedrockruntime.ConverseStreamInput {
	return &bedrockruntime.ConverseStreamInput{ModelId: aws.String(model), Messages: []types.Message{userText(text)}}
}

// sameJSON reports whether a and b are the same JSON value.
func sameJSON(t *testing.T, a, b string) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal([]byte(a), &x); err != nil {
		t.Fatalf("%q is not JSON: %v", a, err)
	}
	if err := json.Unmarshal([]byte(b), &y); err != nil {
		t.Fatalf("%q is not JSON: %v", b, err)
	}
	ja, _ := json.Marshal(x)
	jb, _ := json.Marshal(y)
	return string(ja) == string(jb)
}

// waitGone waits up to a second for an upstream fake to see its client go.
func waitGone(t *testing.T, gone <-chan struct{}) {
	t.Helper()
	select {
	case <-gone:
	case <-time.After(time.Second):
		t.Fatal("the upstream did not see the client go away within a second")
	}
}

// Flow control: small socket buffers on every hop Basalt writes to or reads
// from make the bytes in flight small, so a stalled client shows up as a
// stalled upstream read within a few hundred KiB.

const smallSockBuf = 32 << 10

// smallBufListener shrinks the send buffer of every accepted connection.
type smallBufListener struct{ net.Listener }

func (l smallBufListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetWriteBuffer(smallSockBuf)
	}
	return c, err
}

// smallBufTransport is an HTTP/1.1 transport whose connections have a small
// receive buffer.
func smallBufTransport() *http.Transport {
	d := &net.Dialer{Timeout: 5 * time.Second}
	return &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := d.DialContext(ctx, network, addr)
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetReadBuffer(smallSockBuf)
		}
		return c, err
	}}
}

// countingTransport counts the response body bytes its caller has read.
type countingTransport struct {
	rt http.RoundTripper
	n  *atomic.Int64
}

func (c countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.rt.RoundTrip(r)
	if err == nil {
		resp.Body = countingBody{resp.Body, c.n}
	}
	return resp, err
}

type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (b countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}

// startSmallBuffers starts Basalt like start does, with small socket
// buffers towards its clients and its upstreams, and counts the bytes it
// reads from upstreams.
func startSmallBuffers(t *testing.T, opts app.Options) (*basalt, *atomic.Int64) {
	t.Helper()
	read := new(atomic.Int64)
	tr := smallBufTransport()
	t.Cleanup(tr.CloseIdleConnections)
	opts.HTTPClient = &http.Client{Transport: countingTransport{tr, read}}
	a, err := app.New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(a.Handler())
	srv.Listener = smallBufListener{srv.Listener}
	srv.Start()
	t.Cleanup(func() {
		srv.Close()
		_ = a.Close()
	})
	return &basalt{URL: srv.URL, App: a}, read
}

// plateau polls n until it has not changed for quiet, and returns it; it
// fails the test if n keeps growing past limit.
func plateau(t *testing.T, n *atomic.Int64, quiet time.Duration, limit int64) int64 {
	t.Helper()
	last, since := n.Load(), time.Now()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		cur := n.Load()
		if cur > limit {
			t.Fatalf("Basalt read %d bytes from the upstream while its client read nothing (limit %d)", cur, limit)
		}
		if cur != last {
			last, since = cur, time.Now()
			continue
		}
		if time.Since(since) >= quiet {
			return cur
		}
	}
	t.Fatal("the upstream read never settled")
	return 0
}
