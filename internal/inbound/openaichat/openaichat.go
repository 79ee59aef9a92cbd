// Package openaichat is the inbound OpenAI Chat Completions surface:
// POST /v1/chat/completions (and the bedrock-mantle alias
// /openai/v1/chat/completions), plain and streaming, wire-compatible with
// openai-go, openai-python and openai-node. It also serves the OpenAI
// models list and embeddings endpoints.
package openaichat

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
	format "github.com/basalt-gateway/basalt/internal/format/openai"
	"github.com/basalt-gateway/basalt/internal/server"
)

// DefaultMaxBody bounds a request body (inline images and PDFs, base64).
const DefaultMaxBody = 64 << 20

// DefaultKeepAlive is how long a stream may stay silent before an SSE
// comment is sent, so proxies and clients do not drop a connection while
// a model thinks (pitfall 16).
const DefaultKeepAlive = 15 * time.Second

// Shape is the Chat Completions API shape.
type Shape struct {
	MaxBody int64
	// KeepAlive is the silence after which a stream gets an SSE comment;
	// 0 means DefaultKeepAlive.
	KeepAlive time.Duration
	// Now is the clock for "created"; nil means time.Now.
	Now func() time.Time
}

var _ server.Shape = Shape{}

// Handler returns the HTTP handler of POST /v1/chat/completions. It runs
// the generic server handler and afterwards stops the stream's keepalive,
// whichever way the request ended.
func Handler(gw server.Conversation, s Shape, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	inner := server.Handle("chat_completions", gw, s, log)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		slot := &encoderSlot{}
		r = r.WithContext(context.WithValue(r.Context(), slotKey{}, slot))
		defer slot.close()
		inner.ServeHTTP(w, r)
	})
}

// encoderSlot lets Handler stop the stream encoder's keepalive heartbeat
// after the generic handler returned, even on paths that call neither
// Finish nor Fail (a client that went away).
type encoderSlot struct {
	includeUsage bool // stream_options.include_usage, set by Decode

	mu  sync.Mutex
	enc *streamEncoder
}

type slotKey struct{}

func (s *encoderSlot) set(e *streamEncoder) {
	s.mu.Lock()
	s.enc = e
	s.mu.Unlock()
}

func (s *encoderSlot) close() {
	s.mu.Lock()
	e := s.enc
	s.mu.Unlock()
	if e != nil {
		e.stopKeepAlive()
	}
}

// Decode reads and converts the request. https image URLs stay in
// Media.URL: the generic server handler fetches them (internal/media).
func (s Shape) Decode(r *http.Request) (*canon.Request, error) {
	limit := s.MaxBody
	if limit <= 0 {
		limit = DefaultMaxBody
	}
	body, err := server.ReadBody(r, limit)
	if err != nil {
		return nil, err
	}
	wire, err := format.DecodeRequest(body)
	if err != nil {
		return nil, err
	}
	req, err := format.RequestToCanon(wire)
	if err != nil {
		return nil, err
	}
	if slot, ok := r.Context().Value(slotKey{}).(*encoderSlot); ok {
		slot.includeUsage = wire.StreamOptions != nil && wire.StreamOptions.IncludeUsage
	}
	return req, nil
}

// NewEncoder returns the unary or streaming encoder.
func (s Shape) NewEncoder(w http.ResponseWriter, r *http.Request, req *canon.Request) server.Encoder {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	id, created := NewCompletionID(), now().Unix()
	if !req.Stream {
		return &unary{w: w, acc: canon.NewAccumulator(), model: req.Model, id: id, created: created}
	}
	ka := s.KeepAlive
	if ka <= 0 {
		ka = DefaultKeepAlive
	}
	slot, _ := r.Context().Value(slotKey{}).(*encoderSlot)
	if slot == nil {
		slot = &encoderSlot{} // used outside Handler: the keepalive stops with the request context
	}
	e := newStreamEncoder(r.Context(), w, format.NewStreamEncoder(id, req.Model, created, slot.includeUsage), ka)
	slot.set(e)
	return e
}

// WriteError answers with err in OpenAI's error shape.
func (Shape) WriteError(w http.ResponseWriter, _ *http.Request, err error) { WriteError(w, err) }

// WriteError writes err as an OpenAI error response:
// {"error":{"message","type","param","code"}} with its status.
func WriteError(w http.ResponseWriter, err error) {
	status, body := format.ErrorBodyFor(err)
	b, _ := json.Marshal(body)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// NewCompletionID returns a fresh "chatcmpl-…" id.
func NewCompletionID() string { return "chatcmpl-" + randomID(24) }

const idAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

func randomID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = idAlphabet[int(b[i])%len(idAlphabet)]
	}
	return string(b)
}

type unary struct {
	w       http.ResponseWriter
	acc     *canon.Accumulator
	model   string
	id      string
	created int64
	wrote   bool
}

func (u *unary) WriteEvent(ev canon.Event) error {
	if err := u.acc.WriteEvent(ev); err != nil {
		return apierr.Wrap(apierr.ModelError, err, "the model's answer was malformed")
	}
	return nil
}

func (u *unary) Finish() error {
	resp, err := u.acc.Response()
	if err != nil {
		return apierr.Wrap(apierr.ModelStreamError, err, "the model's answer was incomplete")
	}
	body, err := json.Marshal(format.ResponseFromCanon(resp, u.model, u.id, u.created))
	if err != nil {
		return apierr.Wrap(apierr.Internal, err, "the answer could not be encoded")
	}
	h := u.w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	u.w.WriteHeader(http.StatusOK)
	u.wrote = true
	_, err = u.w.Write(body)
	return err
}

func (u *unary) Fail(err error) {
	if !u.wrote {
		WriteError(u.w, err)
	}
}
