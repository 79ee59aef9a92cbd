package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"time"
)

type ctxKey struct{}

// RequestID returns the id the middleware gave the request ("" outside one).
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(ctxKey{}).(string)
	return id
}

// requestState is what the middleware keeps for one request, in one
// allocation: the status writer, the id header's value and the context
// carrying the id (and the operation, once Handle names it) where
// context.WithValue would take one allocation for each value.
type requestState struct {
	statusWriter
	ids [1]string
	ctx requestCtx
}

// requestCtx is the request context the middleware hands on: the
// server's, with the values of ctxKey and apiKey.
type requestCtx struct {
	context.Context
	id  string
	api string // set by Handle, before any other goroutine sees the context
}

type stateKey struct{}

func (c *requestCtx) Value(key any) any {
	switch key.(type) {
	case ctxKey:
		return c.id
	case apiKey:
		if c.api != "" {
			return c.api
		}
	case stateKey:
		return c
	}
	return c.Context.Value(key)
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40 // UUID version 4
	b[8] = b[8]&0x3f | 0x80
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:])
}

// Middleware gives every request an id (sent back as x-amzn-RequestId,
// which the AWS SDKs read, and x-request-id), turns a panic into a 500
// instead of a dropped connection, and logs each request.
func Middleware(next http.Handler, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := newRequestID()
		h := w.Header()
		st := &requestState{statusWriter: statusWriter{ResponseWriter: w}, ids: [1]string{id}}
		st.ctx = requestCtx{Context: r.Context(), id: id}
		// Canonical keys set directly, sharing one value slice (capped at
		// length one, so an Add copies): Header.Set would canonicalize both
		// keys and allocate a slice for each on every request.
		h["X-Amzn-Requestid"] = st.ids[:]
		h["X-Request-Id"] = st.ids[:]
		r = r.WithContext(&st.ctx)
		rw := &st.statusWriter
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				log.ErrorContext(r.Context(), "panic serving request", "request_id", id, "panic", p)
				if !rw.wrote {
					h.Set("Content-Type", "application/json")
					h.Set("x-amzn-ErrorType", "InternalServerException")
					rw.WriteHeader(http.StatusInternalServerError)
					_, _ = rw.Write([]byte(`{"message":"The server encountered an internal error while processing the request."}`))
				}
			}
			// Checked first: the arguments (a path, boxed numbers) are
			// otherwise built on every request even with debug logging off.
			if log.Enabled(r.Context(), slog.LevelDebug) {
				log.DebugContext(r.Context(), "request", "request_id", id, "method", r.Method, "path", r.URL.EscapedPath(),
					"proto", r.Proto, "status", rw.status, "duration_ms", time.Since(start).Milliseconds())
			}
		}()
		next.ServeHTTP(rw, r)
	})
}

// statusWriter remembers the status for the access log. It forwards
// Flush and Unwrap so streaming and http.ResponseController keep working.
type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (s *statusWriter) WriteHeader(code int) {
	if !s.wrote {
		s.status, s.wrote = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if !s.wrote {
		s.status, s.wrote = http.StatusOK, true
	}
	return s.ResponseWriter.Write(b)
}

func (s *statusWriter) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }
