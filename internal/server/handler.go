// Package server is Basalt's HTTP layer: the one generic handler every API
// shape runs through, the middleware every response gets (request id,
// panic recovery, access log), and the listener that speaks HTTP/1.1 and
// cleartext HTTP/2 on one port.
package server

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/media"
)

// Shape is one inbound API surface (Converse, Chat Completions, Messages…):
// how its requests decode and its answers and errors encode.
type Shape interface {
	// Decode reads the request into canonical form; bad input is an
	// *apierr.Error of kind Validation.
	Decode(r *http.Request) (*canon.Request, error)
	// NewEncoder returns the writer of this shape's answer; it chooses
	// streaming or unary from req.Stream.
	NewEncoder(w http.ResponseWriter, r *http.Request, req *canon.Request) Encoder
	// WriteError answers with err in this shape's status and error body.
	WriteError(w http.ResponseWriter, r *http.Request, err error)
}

// Encoder writes one answer in a shape's wire format.
type Encoder interface {
	canon.EventWriter
	// Finish completes the answer: the unary body, or the stream's trailer.
	Finish() error
	// Fail reports err: as an HTTP error if nothing was written yet,
	// otherwise in-band (exception frame, SSE error event).
	Fail(err error)
}

// Conversation is what the handler needs from the gateway.
type Conversation interface {
	Converse(ctx context.Context, req *canon.Request, w canon.EventWriter) error
}

// Handle returns the generic handler for one shape: decode, resolve image
// URLs, converse through the gateway, encode. api names the operation in
// logs and usage records (converse, chat_completions, …).
//
// Image URLs (any shape's) are replaced by their fetched bytes here, once
// for every shape, so no provider ever sees a URL: media.ResolveImages
// with the fetcher of the request context (the production one unless a
// test set another with media.WithFetcher). A fetch failure is reported
// like a gateway error before the first event: through the encoder's
// Fail, in the shape's own error format.
func Handle(api string, gw Conversation, s Shape, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := withAPI(r.Context(), api)
		if ctx != r.Context() {
			r = r.WithContext(ctx)
		}
		req, err := s.Decode(r)
		if err != nil {
			logError(ctx, log, err)
			s.WriteError(w, r, err)
			return
		}
		enc := s.NewEncoder(w, r, req)
		err = media.ResolveImages(ctx, req)
		if err == nil {
			err = gw.Converse(ctx, req, enc)
		}
		if err == nil {
			err = enc.Finish()
		}
		if err == nil {
			return
		}
		if ctx.Err() != nil {
			// The client went away; nobody is left to tell.
			log.DebugContext(ctx, "client disconnected", "request_id", RequestID(ctx), "model", req.Model)
			return
		}
		logError(ctx, log, err)
		enc.Fail(err)
	})
}

type apiKey struct{}

// withAPI returns ctx naming the operation api. A request context from
// Middleware takes the name in place, saving a context and a copy of the
// request; any other gets a context.WithValue.
func withAPI(ctx context.Context, api string) context.Context {
	if st, ok := ctx.Value(stateKey{}).(*requestCtx); ok && (st.api == "" || st.api == api) {
		st.api = api
		return ctx
	}
	return context.WithValue(ctx, apiKey{}, api)
}

// API returns the operation name Handle gave the request ("" outside one).
func API(ctx context.Context) string {
	s, _ := ctx.Value(apiKey{}).(string)
	return s
}

func logError(ctx context.Context, log *slog.Logger, err error) {
	e := apierr.As(err)
	level := slog.LevelInfo
	if e.Kind == apierr.Internal {
		level = slog.LevelError
	}
	attrs := []any{"request_id", RequestID(ctx), "kind", e.Kind.String(), "message", e.Message}
	if e.Cause != nil {
		attrs = append(attrs, "cause", e.Cause.Error())
	}
	log.Log(ctx, level, "request failed", attrs...)
}

// ReadBody reads the request body up to limit bytes; a larger body is a
// Validation error, so no client can make the gateway buffer without bound.
func ReadBody(r *http.Request, limit int64) ([]byte, error) {
	var body []byte
	var err error
	if n := r.ContentLength; n > 0 && n <= limit {
		// The length is declared (and net/http holds the body to it): one
		// buffer of that size, where io.ReadAll would grow from 512 bytes
		// by copying, which for a large prompt is most of the time spent
		// before the upstream call.
		body = make([]byte, n)
		_, err = io.ReadFull(r.Body, body)
	} else {
		body, err = io.ReadAll(io.LimitReader(r.Body, limit+1))
	}
	if err != nil {
		if r.Context().Err() != nil {
			return nil, apierr.Wrap(apierr.Validation, err, "the request body could not be read: the client closed the connection")
		}
		return nil, apierr.Wrap(apierr.Validation, err, "the request body could not be read")
	}
	if int64(len(body)) > limit {
		return nil, apierr.Validationf("the request body is larger than the gateway's limit of %d bytes", limit)
	}
	return body, nil
}

// IsClientGone reports whether err means the client disconnected.
func IsClientGone(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, http.ErrHandlerTimeout)
}
