package sse

import (
	"context"
	"sync"
	"time"
)

// Heartbeat runs a stream's keepalive from a timer rather than a goroutine
// of its own: an idle open stream then holds a timer of about a hundred
// bytes instead of a parked goroutine and its stack (2–8 KB), which is most
// of what a keepalive cost per stream.
type Heartbeat struct {
	mu      sync.Mutex // held while beat runs, so Stop can wait for it
	t       *time.Timer
	stopped bool
	unhook  func() bool
}

// StartHeartbeat calls beat once interval has passed and then again after
// whatever duration beat returns; beat decides from the stream's last write
// how long until it has been silent for a whole interval, and returns 0 or
// less to end the heartbeat. The heartbeat also ends with ctx.
//
// beat runs on the timer's goroutine and typically takes the stream's lock
// to write; Stop waits for a running beat, so Stop must not be called with
// a lock beat takes.
func StartHeartbeat(ctx context.Context, interval time.Duration, beat func() time.Duration) *Heartbeat {
	h := &Heartbeat{}
	h.mu.Lock() // a beat due at once waits until h.t is set
	defer h.mu.Unlock()
	h.t = time.AfterFunc(interval, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		if h.stopped {
			return
		}
		if next := beat(); next > 0 {
			h.t.Reset(next)
		} else {
			h.stop()
		}
	})
	h.unhook = context.AfterFunc(ctx, h.Stop)
	return h
}

// Stop ends the heartbeat and waits for a beat under way, so that no beat
// runs after it returns. It is safe to call more than once, on nil, and
// concurrently.
func (h *Heartbeat) Stop() {
	if h == nil {
		return
	}
	h.mu.Lock()
	h.stop()
	h.mu.Unlock()
}

// stop is Stop with h.mu held.
func (h *Heartbeat) stop() {
	if h.stopped {
		return
	}
	h.stopped = true
	h.t.Stop()
	h.unhook()
}
