package openairesponses

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
	oai "github.com/basalt-gateway/basalt/internal/format/openairesponses"
	"github.com/basalt-gateway/basalt/internal/server"
	"github.com/basalt-gateway/basalt/internal/wire/sse"
)

// startKeepAlive sends ": keepalive" whenever the stream has been silent
// for every, until stopKeepAlive or the end of ctx, from a timer
// (sse.Heartbeat) rather than a goroutine. As in Chat Completions, the
// first keepalive commits the 200 (a client needs bytes to stay), and only
// then: an error before it is still an ordinary HTTP error, an error after
// it goes in the stream (Fail).
func (e *encoder) startKeepAlive(ctx context.Context, every time.Duration) {
	e.last = time.Now()
	e.ka = sse.StartHeartbeat(ctx, every, func() time.Duration {
		e.mu.Lock()
		defer e.mu.Unlock()
		if e.closed {
			return 0
		}
		if wait := every - time.Since(e.last); wait > 0 {
			return wait
		}
		e.commit()
		if err := e.sse.WriteComment("keepalive"); err != nil {
			e.closed = true
			return 0
		}
		e.last = time.Now()
		return every
	})
}

// stopKeepAlive ends the heartbeat and waits for a beat under way, so
// nothing writes to the ResponseWriter after the handler returns.
// Idempotent; must not be called with e.mu held.
func (e *encoder) stopKeepAlive() {
	if e.ka == nil {
		return
	}
	e.ka.Stop()
	e.mu.Lock()
	e.closed = true
	e.mu.Unlock()
}

// encoderSlot lets the create handler stop the keepalive after the
// generic handler returned, even on paths that call neither Finish nor
// Fail (a client that went away).
type encoderSlot struct {
	mu  sync.Mutex
	enc *encoder
}

type slotKey struct{}

func (s *encoderSlot) set(e *encoder) {
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

// state is one create request on its way through the generic handler.
type state struct {
	req   *oai.Request
	canon *canon.Request
	conv  *oai.Conversation
	resp  *oai.Response
}

// shape adapts create to server.Handle.
type shape struct{ h *Handler }

var _ server.Shape = shape{}

// Decode reads the body, loads the conversation previous_response_id
// continues, stores the new response (in progress, or queued) and returns
// the canonical request.
func (s shape) Decode(r *http.Request) (*canon.Request, error) {
	h := s.h
	ctx := r.Context()
	body, err := server.ReadBody(r, DefaultMaxBody)
	if err != nil {
		return nil, err
	}
	req, err := oai.DecodeRequest(body, h.newID)
	if err != nil {
		return nil, err
	}
	if req.Background && req.Stream {
		return nil, &apierr.Error{Kind: apierr.Validation, Message: "Streaming a background response (background=true with stream=true) is not supported by this gateway; create it with background and poll it with GET /v1/responses/{id}.",
			Cause: &oai.ParamError{Param: "stream", Code: "unsupported_value"}}
	}
	var prev *oai.Conversation
	if id := req.PreviousResponseID; id != "" {
		status, _, conv, found, err := h.store.GetResponse(ctx, id)
		if err != nil {
			return nil, err
		}
		if !found {
			return nil, &apierr.Error{Kind: apierr.NotFound, Message: "Previous response with id '" + id + "' not found.",
				Cause: &oai.ParamError{Param: "previous_response_id", Code: "previous_response_not_found"}}
		}
		if !oai.Terminal(status) {
			return nil, &apierr.Error{Kind: apierr.Validation, Message: "Previous response with id '" + id + "' is still " + status + "; wait until it finishes.",
				Cause: &oai.ParamError{Param: "previous_response_id", Code: "invalid_value"}}
		}
		prev = &oai.Conversation{}
		if err := json.Unmarshal(conv, prev); err != nil {
			return nil, apierr.Wrap(apierr.Internal, err, "the stored conversation of '%s' could not be read", id)
		}
	}
	creq, conv, err := oai.ToCanon(req, prev)
	if err != nil {
		return nil, err
	}
	st := &state{req: req, canon: creq, conv: conv, resp: oai.NewResponse(h.newID("resp"), h.now().Unix(), req)}
	if req.Stored() {
		items := make([][]byte, len(req.Input))
		for i, it := range req.Input {
			if items[i], err = json.Marshal(it); err != nil {
				return nil, apierr.Wrap(apierr.Internal, err, "an input item could not be encoded")
			}
		}
		resp, cj, err := st.marshal()
		if err != nil {
			return nil, err
		}
		if err := h.store.PutResponse(ctx, st.resp.ID, st.resp.Status, resp, cj, items); err != nil {
			return nil, apierr.Wrap(apierr.Internal, err, "the response could not be stored")
		}
	}
	h.pending.Store(creq, st)
	return creq, nil
}

func (st *state) marshal() (resp, conv []byte, err error) {
	if resp, err = json.Marshal(st.resp); err != nil {
		return nil, nil, apierr.Wrap(apierr.Internal, err, "the response could not be encoded")
	}
	if conv, err = json.Marshal(st.conv); err != nil {
		return nil, nil, apierr.Wrap(apierr.Internal, err, "the conversation could not be encoded")
	}
	return resp, conv, nil
}

// persist records the response's current state (store=true only).
func (h *Handler) persist(ctx context.Context, st *state) {
	if !st.req.Stored() {
		return
	}
	ctx, cancel := storeCtx(ctx)
	defer cancel()
	resp, conv, err := st.marshal()
	if err == nil {
		_, err = h.store.UpdateResponse(ctx, st.resp.ID, st.resp.Status, resp, conv)
	}
	if err != nil {
		h.log.ErrorContext(ctx, "a response could not be stored", "response_id", st.resp.ID, "err", err)
	}
}

// NewEncoder returns the writer of a unary or streamed answer.
func (s shape) NewEncoder(w http.ResponseWriter, r *http.Request, creq *canon.Request) server.Encoder {
	v, _ := s.h.pending.LoadAndDelete(creq)
	st := v.(*state)
	enc := &encoder{h: s.h, st: st, w: w, ctx: r.Context()}
	var emit oai.EmitFunc
	if st.req.Stream {
		enc.sse = sse.NewWriter(w)
		emit = enc.emit
	}
	enc.b = oai.NewBuilder(st.resp, s.h.newID, emit)
	if st.req.Stream {
		every := s.h.KeepAlive
		if every <= 0 {
			every = DefaultKeepAlive
		}
		enc.startKeepAlive(r.Context(), every)
		if slot, ok := r.Context().Value(slotKey{}).(*encoderSlot); ok {
			slot.set(enc)
		}
	}
	return enc
}

// WriteError answers with err in OpenAI's error shape.
func (shape) WriteError(w http.ResponseWriter, _ *http.Request, err error) { WriteError(w, err) }

type encoder struct {
	h          *Handler
	st         *state
	w          http.ResponseWriter
	ctx        context.Context
	sse        *sse.Writer
	b          *oai.Builder
	background bool
	wrote      bool

	// mu orders the keepalive goroutine's writes with the builder's
	// (streaming only); headers, last and closed are under it.
	mu      sync.Mutex
	headers bool      // status and headers sent
	last    time.Time // when the client last got bytes
	closed  bool      // the keepalive may write nothing more
	ka      *sse.Heartbeat
}

// emit writes one SSE event; the builder calls it with e.mu held (from
// WriteEvent, Finish or Fail).
func (e *encoder) emit(name string, data []byte) error {
	e.commit()
	e.last = time.Now()
	return e.sse.WriteEvent(name, data)
}

// commit sends the status and headers once; e.mu is held.
func (e *encoder) commit() {
	if e.headers {
		return
	}
	e.headers = true
	hd := e.w.Header()
	hd.Set("Content-Type", sse.ContentType)
	hd.Set("Cache-Control", "no-cache")
	hd.Set("X-Accel-Buffering", "no")
	e.w.WriteHeader(http.StatusOK)
}

// WriteEvent passes one canonical event to the builder.
func (e *encoder) WriteEvent(ev canon.Event) error {
	if e.ka == nil {
		return e.b.WriteEvent(ev)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.b.WriteEvent(ev)
}

// Converse runs a create request: a background one in a goroutine owned by
// the handler (the client gets the queued response at once), any other
// through the gateway while the client waits.
func (h *Handler) Converse(ctx context.Context, req *canon.Request, w canon.EventWriter) error {
	e, ok := w.(*encoder)
	if !ok {
		return h.gw.Converse(ctx, req, w)
	}
	if e.st.req.Background {
		e.background = true
		body, err := json.Marshal(e.st.resp)
		if err != nil {
			return apierr.Wrap(apierr.Internal, err, "the response could not be encoded")
		}
		if err := h.startBackground(ctx, e.st); err != nil {
			return err
		}
		e.wrote = true
		writeJSON(e.w, body)
		return nil
	}
	err := h.gw.Converse(ctx, req, e)
	if err != nil && ctx.Err() != nil {
		e.stopKeepAlive()
		// The client went away; the generic handler tells nobody, but
		// the stored response must not stay in progress.
		_ = e.b.Fail(apierr.Wrap(apierr.Unavailable, err, "The client disconnected before the response finished."))
		h.persist(ctx, e.st)
	}
	return err
}

// Finish completes the answer: the response body, or the stream's
// terminal event; the stored response and conversation are updated first.
func (e *encoder) Finish() error {
	if e.background {
		return nil
	}
	e.stopKeepAlive()
	cr, err := e.b.Finish(e.h.now().Unix())
	if cr == nil {
		return err
	}
	if e.st.resp.Status != oai.StatusFailed {
		e.st.conv.AppendAnswer(cr.Message)
	}
	e.h.persist(e.ctx, e.st)
	if err != nil || e.sse != nil {
		return err
	}
	body, err := json.Marshal(e.st.resp)
	if err != nil {
		return apierr.Wrap(apierr.Internal, err, "the response could not be encoded")
	}
	e.wrote = true
	writeJSON(e.w, body)
	return nil
}

// Fail reports err: an HTTP error before the first byte, an error event
// and response.failed after it.
func (e *encoder) Fail(err error) {
	if e.wrote {
		return
	}
	e.stopKeepAlive()
	if !e.background {
		if e.headers && !e.b.Started() {
			// A keepalive already committed the 200: the error can only
			// go in the stream, after the events that open it.
			_ = e.b.Begin()
		}
		ferr := e.b.Fail(err)
		e.h.persist(e.ctx, e.st)
		if e.b.Started() || ferr != nil {
			return
		}
	} else if e.st.req.Stored() {
		// The run never started: do not leave it queued.
		_ = e.b.Fail(err)
		e.h.persist(e.ctx, e.st)
	}
	WriteError(e.w, err)
}

// startBackground runs st in a goroutine that ends with the handler, not
// with the request.
func (h *Handler) startBackground(reqCtx context.Context, st *state) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return apierr.New(apierr.Unavailable, "The gateway is shutting down; retry the request.")
	}
	ctx, cancel := h.detached(reqCtx)
	ru := &run{cancel: cancel, done: make(chan struct{})}
	h.running[st.resp.ID] = ru
	h.wg.Add(1)
	go h.runBackground(ctx, ru, st)
	return nil
}

func (h *Handler) runBackground(ctx context.Context, ru *run, st *state) {
	defer h.wg.Done()
	defer close(ru.done)
	defer ru.cancel()
	st.resp.Status = oai.StatusInProgress
	h.persist(ctx, st)
	b := oai.NewBuilder(st.resp, h.newID, nil)
	err := h.gw.Converse(ctx, st.canon, b)
	var cr *canon.Response
	if err == nil {
		cr, err = b.Finish(h.now().Unix())
	}
	h.mu.Lock()
	cancelled := ru.cancelled
	h.mu.Unlock()
	switch {
	case err == nil:
		if st.resp.Status != oai.StatusFailed {
			st.conv.AppendAnswer(cr.Message)
		}
	case cancelled:
		b.Cancel()
	case h.base.Err() != nil:
		_ = b.Fail(apierr.Wrap(apierr.Unavailable, err, "The gateway shut down before this response finished; create it again."))
	default:
		_ = b.Fail(err)
		h.log.InfoContext(ctx, "background response failed", "request_id", server.RequestID(ctx), "response_id", st.resp.ID, "err", err)
	}
	h.persist(ctx, st)
	h.mu.Lock()
	delete(h.running, st.resp.ID)
	h.mu.Unlock()
}
