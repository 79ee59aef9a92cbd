package store

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// UsageWriter records usage off the request path: Add never blocks on the
// database, and a single goroutine writes rows in batches. If the database
// falls behind by more than the buffer, rows are dropped and counted rather
// than slowing every model call.
type UsageWriter struct {
	db      *DB
	log     *slog.Logger
	ch      chan Usage
	done    chan struct{}
	mu      sync.Mutex
	dropped int
	closed  bool
}

// batchLinger is how long the writer waits, after the first row of a
// batch, for more rows to write in the same transaction.
const batchLinger = 25 * time.Millisecond

// NewUsageWriter starts the writer goroutine; Close stops it.
func NewUsageWriter(db *DB, log *slog.Logger) *UsageWriter {
	w := &UsageWriter{db: db, log: log, ch: make(chan Usage, 4096), done: make(chan struct{})}
	go w.loop()
	return w
}

// Add queues one row.
func (w *UsageWriter) Add(u Usage) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return
	}
	select {
	case w.ch <- u:
	default:
		w.dropped++
	}
}

// Close writes what is queued and stops.
func (w *UsageWriter) Close() {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return
	}
	w.closed = true
	close(w.ch)
	w.mu.Unlock()
	<-w.done
}

func (w *UsageWriter) loop() {
	defer close(w.done)
	batch := make([]Usage, 0, 256)
	linger := time.NewTimer(batchLinger)
	linger.Stop()
	for u := range w.ch {
		batch = append(batch[:0], u)
		// Wait a moment for more rows before writing: under load, one
		// transaction per row (one WAL commit each) cost more CPU than the
		// requests being recorded.
		linger.Reset(batchLinger)
	drain:
		for len(batch) < cap(batch) {
			select {
			case u, ok := <-w.ch:
				if !ok {
					break drain
				}
				batch = append(batch, u)
			case <-linger.C:
				break drain
			}
		}
		linger.Stop()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := w.db.recordBatch(ctx, batch); err != nil {
			w.log.Warn("usage rows not recorded", "rows", len(batch), "err", err)
		}
		cancel()
		w.mu.Lock()
		if w.dropped > 0 {
			w.log.Warn("usage rows dropped: the database is not keeping up", "rows", w.dropped)
			w.dropped = 0
		}
		w.mu.Unlock()
	}
}
