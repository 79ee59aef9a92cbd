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
// clients ignore, from a goroutine that ends with the request.
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

	stop     chan struct{}
	done     chan struct{}
	stopOnce sync.Once
}

var _ canon.EventWriter = (*streamEncoder)(nil)

func newStreamEncoder(ctx context.Context, w http.ResponseWriter, enc *format.StreamEncoder, every time.Duration) *streamEncoder {
	e := &streamEncoder{w: w, enc: enc, every: every, sse: sse.NewWriter(w), last: time.Now(),
		stop: make(chan struct{}), done: make(chan struct{})}
	e.emit = func(b []byte) error { return e.sse.WriteEvent("", b) }
	go e.keepAlive(ctx)
	return e
}

func (e *streamEncoder) keepAlive(ctx context.Context) {
	defer close(e.done)
	t := time.NewTimer(e.every)
	defer t.Stop()
	for {
		select {
		case <-e.stop:
			return
		case <-ctx.Done():
			return
		case <-t.C:
		}
		e.mu.Lock()
		if e.closed {
			e.mu.Unlock()
			return
		}
		wait := e.every - time.Since(e.last)
		if wait <= 0 {
			e.commit()
			if err := e.sse.WriteComment("keepalive"); err != nil {
				e.closed = true
				e.mu.Unlock()
				return
			}
			e.last = time.Now()
			wait = e.every
		}
		e.mu.Unlock()
		t.Reset(wait)
	}
}

// stopKeepAlive ends the keepalive goroutine and waits for it, so nothing
// touches the ResponseWriter after the handler returns.
func (e *streamEncoder) stopKeepAlive() {
	e.stopOnce.Do(func() { close(e.stop) })
	<-e.done
}

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
