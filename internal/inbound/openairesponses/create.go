package openairesponses

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
	oai "github.com/basalt-gateway/basalt/internal/format/openairesponses"
	"github.com/basalt-gateway/basalt/internal/server"
	"github.com/basalt-gateway/basalt/internal/wire/sse"
)

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
	headers    bool
	background bool
	wrote      bool
}

func (e *encoder) emit(name string, data []byte) error {
	if !e.headers {
		e.headers = true
		hd := e.w.Header()
		hd.Set("Content-Type", sse.ContentType)
		hd.Set("Cache-Control", "no-cache")
		e.w.WriteHeader(http.StatusOK)
	}
	return e.sse.WriteEvent(name, data)
}

// WriteEvent passes one canonical event to the builder.
func (e *encoder) WriteEvent(ev canon.Event) error { return e.b.WriteEvent(ev) }

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
	if !e.background {
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
