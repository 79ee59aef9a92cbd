package openaichat

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
	format "github.com/basalt-gateway/basalt/internal/format/openai"
	"github.com/basalt-gateway/basalt/internal/wire/sse"
)

// streamEncoder writes a Chat Completions SSE stream: "data: {chunk}"
// events only (no "event:" lines), flushed one by one, ending with
// "data: [DONE]"; a failure after the first byte is one
// "data: {"error":{…}}" event and no [DONE]. While the upstream is silent
// for longer than the keepalive interval it sends an SSE comment, which
// clients ignore, from a timer (sse.Heartbeat) that ends with the request.
type streamEncoder struct {
	w     http.ResponseWriter
	enc   *format.StreamEncoder
	every time.Duration
	emit  func([]byte) error

	mu        sync.Mutex
	sse       *sse.Writer
	committed bool // status and headers sent
	closed    bool // finished or failed: nothing more may be written
	last      time.Time

	hb *sse.Heartbeat
}

var _ canon.EventWriter = (*streamEncoder)(nil)

func newStreamEncoder(ctx context.Context, w http.ResponseWriter, enc *format.StreamEncoder, every time.Duration) *streamEncoder {
	e := &streamEncoder{w: w, enc: enc, every: every, sse: sse.NewWriter(w), last: time.Now()}
	e.emit = func(b []byte) error { return e.sse.WriteEvent("", b) }
	e.hb = sse.StartHeartbeat(ctx, every, e.keepAlive)
	return e
}

// keepAlive is the heartbeat: after a whole interval of silence it sends
// an SSE comment, committing the 200 first (a client needs bytes to stay).
func (e *streamEncoder) keepAlive() time.Duration {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return 0
	}
	if wait := e.every - time.Since(e.last); wait > 0 {
		return wait
	}
	e.commit()
	if err := e.sse.WriteComment("keepalive"); err != nil {
		e.closed = true
		return 0
	}
	e.last = time.Now()
	return e.every
}

// stopKeepAlive ends the heartbeat and waits for a beat under way, so
// nothing touches the ResponseWriter after the handler returns. It must
// not be called with e.mu held.
func (e *streamEncoder) stopKeepAlive() { e.hb.Stop() }

// commit sends the status and headers; e.mu is held.
func (e *streamEncoder) commit() {
	if e.committed {
		return
	}
	e.committed = true
	h := e.w.Header()
	h.Set("Content-Type", sse.ContentType)
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	e.w.WriteHeader(http.StatusOK)
}

func (e *streamEncoder) WriteEvent(ev canon.Event) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return apierr.New(apierr.Internal, "the stream is already closed")
	}
	e.commit()
	if err := e.enc.Encode(ev, e.emit); err != nil {
		return err
	}
	e.last = time.Now()
	return nil
}

func (e *streamEncoder) Finish() error {
	e.stopKeepAlive()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil
	}
	e.closed = true
	e.commit()
	return e.sse.WriteEvent("", format.DoneMarker)
}

func (e *streamEncoder) Fail(err error) {
	e.stopKeepAlive()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return
	}
	e.closed = true
	if !e.committed {
		WriteError(e.w, err)
		return
	}
	_ = e.sse.WriteEvent("", format.ErrorPayload(err))
}
