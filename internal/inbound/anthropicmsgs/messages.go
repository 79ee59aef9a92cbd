// Package anthropicmsgs is the inbound Anthropic Messages surface:
// POST /v1/messages (plain and "stream": true) and
// POST /v1/messages/count_tokens, also served under the bedrock-mantle
// prefix /anthropic, wire-compatible with the official Anthropic SDKs.
//
// Credentials may come as x-api-key (anthropic-sdk-go) or
// Authorization: Bearer (@anthropic-ai/sdk, mantle keys); keys are not
// checked yet (the auth issue adds that).
package anthropicmsgs

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/format/anthropic"
	"github.com/basalt-gateway/basalt/internal/server"
)

// DefaultMaxBody bounds a request body: Anthropic's own limit is 32 MB.
const DefaultMaxBody = 32 << 20

// DefaultKeepAlive is how long a stream may stay silent before a ping.
const DefaultKeepAlive = 15 * time.Second

// Shape is the Messages API shape.
type Shape struct {
	MaxBody int64
	// KeepAlive is the silence after which a stream gets an `event: ping`
	// (0 = DefaultKeepAlive). Pings need the Handler wrapper, which owns
	// the keep-alive goroutine and joins it before the request ends.
	KeepAlive time.Duration
}

var _ server.Shape = Shape{}

// Handler serves POST /v1/messages through gw.
func Handler(gw server.Conversation, log *slog.Logger) http.Handler {
	return Shape{}.Handler(gw, log)
}

// Handler wraps the generic handler so that a streaming answer can send
// keep-alive pings: their heartbeat is stopped, and a ping under way waited
// for, before ServeHTTP returns, so it never outlives the request nor writes
// to a finished response.
func (s Shape) Handler(gw server.Conversation, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	inner := server.Handle("messages", gw, s, log)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ka := &keepAlive{}
		defer ka.stop()
		inner.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), keepAliveKey{}, ka)))
	})
}

// Decode reads a Messages body.
func (s Shape) Decode(r *http.Request) (*canon.Request, error) {
	body, err := server.ReadBody(r, s.maxBody())
	if err != nil {
		return nil, err
	}
	mr, err := anthropic.DecodeRequest(body)
	if err != nil {
		return nil, err
	}
	return anthropic.RequestToCanon(mr)
}

func (s Shape) maxBody() int64 {
	if s.MaxBody > 0 {
		return s.MaxBody
	}
	return DefaultMaxBody
}

// NewEncoder returns the SSE encoder for "stream": true, else the unary one.
func (s Shape) NewEncoder(w http.ResponseWriter, r *http.Request, req *canon.Request) server.Encoder {
	if req.Stream {
		interval := s.KeepAlive
		if interval <= 0 {
			interval = DefaultKeepAlive
		}
		return newStream(w, r, req.Model, interval)
	}
	return &unary{w: w, r: r, model: req.Model, acc: canon.NewAccumulator()}
}

// WriteError answers with err in Anthropic's error shape.
func (Shape) WriteError(w http.ResponseWriter, r *http.Request, err error) {
	WriteError(w, r, err)
}

// WriteError writes err as the Messages API does: the status of its kind
// and {"type":"error","error":{"type","message"},"request_id"}, with the
// request id also in the request-id header.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	id := server.RequestID(r.Context())
	status, body := anthropic.ErrorResponse(err, id)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if id != "" {
		h.Set("request-id", id)
	}
	if status == http.StatusTooManyRequests || status >= 500 {
		h.Set("x-should-retry", "true")
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

type unary struct {
	w     http.ResponseWriter
	r     *http.Request
	model string
	acc   *canon.Accumulator
	wrote bool
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
	body, err := json.Marshal(anthropic.ResponseFromCanon(resp, u.model))
	if err != nil {
		return apierr.Wrap(apierr.Internal, err, "the answer could not be encoded")
	}
	h := u.w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if id := server.RequestID(u.r.Context()); id != "" {
		h.Set("request-id", id)
	}
	u.w.WriteHeader(http.StatusOK)
	u.wrote = true
	_, err = u.w.Write(body)
	return err
}

func (u *unary) Fail(err error) {
	if !u.wrote {
		WriteError(u.w, u.r, err)
	}
}
