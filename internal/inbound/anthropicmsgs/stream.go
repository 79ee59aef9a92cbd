package anthropicmsgs

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/format/anthropic"
	"github.com/basalt-gateway/basalt/internal/server"
	"github.com/basalt-gateway/basalt/internal/wire/sse"
)

// stream writes the answer as Messages SSE, every event with its `event:`
// line (the SDKs skip events without one). Writes come from the gateway's
// goroutine and from the keep-alive goroutine, so mu serialises them.
type stream struct {
	w        http.ResponseWriter
	r        *http.Request
	interval time.Duration

	mu     sync.Mutex
	enc    *anthropic.StreamEncoder
	sw     *sse.Writer
	last   time.Time // last write, for the keep-alive
	closed bool      // Finish or Fail ran: nothing more may be written
	werr   error     // a keep-alive write failed: the client is gone
	ka     *keepAlive
}

func newStream(w http.ResponseWriter, r *http.Request, model string, interval time.Duration) *stream {
	s := &stream{w: w, r: r, interval: interval, last: time.Now()}
	s.enc = anthropic.NewStreamEncoder(s.sink, anthropic.StreamEncoderOptions{Model: model})
	if ka, ok := r.Context().Value(keepAliveKey{}).(*keepAlive); ok {
		s.ka = ka
		ka.start(r.Context(), interval, s.keepAlive)
	}
	return s
}

// sink writes one event; the first one commits the 200 and the headers.
func (s *stream) sink(name string, data []byte) error {
	if s.sw == nil {
		h := s.w.Header()
		h.Set("Content-Type", sse.ContentType)
		h.Set("Cache-Control", "no-cache")
		h.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
		if id := server.RequestID(s.r.Context()); id != "" {
			h.Set("request-id", id)
		}
		s.w.WriteHeader(http.StatusOK)
		s.sw = sse.NewWriter(s.w)
	}
	s.last = time.Now()
	return s.sw.WriteEvent(name, data)
}

func (s *stream) WriteEvent(ev canon.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.werr != nil {
		return s.werr
	}
	if s.closed {
		return nil
	}
	return s.enc.WriteEvent(ev)
}

func (s *stream) Finish() error {
	s.mu.Lock()
	err := s.enc.Finish()
	if err == nil {
		s.closed = true
	}
	s.mu.Unlock()
	if err == nil && s.ka != nil {
		s.ka.stop()
	}
	return err
}

// Fail reports err as an HTTP error before the first byte, else as an
// `event: error`, which the SDKs raise as an API error.
func (s *stream) Fail(err error) {
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		switch {
		case s.sw == nil:
			WriteError(s.w, s.r, err)
		case !s.enc.Done():
			_ = s.sw.WriteEvent(anthropic.EventError, anthropic.ErrorEventData(err))
		}
	}
	s.mu.Unlock()
	if s.ka != nil {
		s.ka.stop()
	}
}

// keepAlive is the heartbeat: after interval of silence it sends a ping,
// committing the stream (message_start) if nothing was sent yet, as
// Anthropic does while a model thinks. It returns how long to wait before
// the next check.
func (s *stream) keepAlive() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.werr != nil {
		return 0
	}
	if idle := time.Since(s.last); idle < s.interval {
		return s.interval - idle
	}
	if err := s.enc.Ping(); err != nil {
		s.werr = err // the client is gone; the gateway learns it on its next write
		return 0
	}
	return s.interval
}

type keepAliveKey struct{}

// keepAlive holds at most one heartbeat per request (a timer, not a
// goroutine). Handler stops it before the request ends.
type keepAlive struct {
	mu      sync.Mutex
	hb      *sse.Heartbeat
	stopped bool
}

func (k *keepAlive) start(ctx context.Context, interval time.Duration, tick func() time.Duration) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.hb == nil && !k.stopped {
		k.hb = sse.StartHeartbeat(ctx, interval, tick)
	}
}

// stop ends the heartbeat and waits for a ping under way; safe to call
// more than once.
func (k *keepAlive) stop() {
	k.mu.Lock()
	hb := k.hb
	k.stopped = true
	k.mu.Unlock()
	hb.Stop()
}
