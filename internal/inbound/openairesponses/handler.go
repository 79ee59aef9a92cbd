// Package openairesponses is the inbound OpenAI Responses API surface:
// POST /v1/responses (unary, streaming, background), GET and DELETE
// /v1/responses/{id}, GET /v1/responses/{id}/input_items and POST
// /v1/responses/{id}/cancel, also under /openai/v1. Responses are stored
// (store defaults to true) so previous_response_id continues a
// conversation, across restarts when the Store is the SQLite one.
package openairesponses

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
	oai "github.com/basalt-gateway/basalt/internal/format/openairesponses"
	"github.com/basalt-gateway/basalt/internal/server"
)

// DefaultMaxBody bounds a request body (images and PDFs arrive inline).
const DefaultMaxBody = 64 << 20

// DefaultKeepAlive is how long a stream may stay silent before an SSE
// comment is sent, so proxies and clients do not drop a connection while
// a model thinks (pitfall 16).
const DefaultKeepAlive = 15 * time.Second

// Handler serves the Responses surface. Background runs belong to it, not
// to a request: Close cancels them and waits for them to finish.
type Handler struct {
	// KeepAlive is the silence after which a stream gets an SSE comment
	// (": keepalive"); 0 means DefaultKeepAlive. Set it before Register.
	KeepAlive time.Duration

	gw    server.Conversation
	store Store
	log   *slog.Logger
	now   func() time.Time
	newID oai.IDFunc

	base    context.Context // ends when Close is called
	stop    context.CancelFunc
	wg      sync.WaitGroup
	mu      sync.Mutex
	closed  bool
	running map[string]*run
	pending sync.Map // *canon.Request → *state, from Decode to NewEncoder
}

// run is one background response in progress.
type run struct {
	cancel    context.CancelFunc
	done      chan struct{}
	cancelled bool // by the client (POST …/cancel), under Handler.mu
}

// New returns a Handler answering through gw and keeping responses in st
// (nil: in memory). Responses a previous process left queued or in
// progress are marked failed first, so none is ever stuck.
func New(gw server.Conversation, st Store, log *slog.Logger) *Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if st == nil {
		st = NewMemoryStore()
	}
	base, stop := context.WithCancel(context.Background())
	h := &Handler{gw: gw, store: st, log: log, now: time.Now, newID: NewID, base: base, stop: stop, running: map[string]*run{}}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if n, err := h.failUnfinished(ctx); err != nil {
		log.Error("could not mark unfinished responses failed", "err", err)
	} else if n > 0 {
		log.Warn("responses left unfinished by the previous run were marked failed", "count", n)
	}
	return h
}

// NewID returns prefix_ and 48 random hex digits, like OpenAI's ids.
func NewID(prefix string) string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	return prefix + "_" + hex.EncodeToString(b[:])
}

// Register adds the routes under /v1 and /openai/v1.
func (h *Handler) Register(mux *http.ServeMux) {
	inner := server.Handle("responses", h, shape{h}, h.log)
	// The stream's keepalive goroutine is stopped, and waited for, before
	// the request ends, whichever way it ended (a client that went away
	// gets neither Finish nor Fail).
	create := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		slot := &encoderSlot{}
		defer slot.close()
		inner.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), slotKey{}, slot)))
	})
	for _, p := range []string{"/v1", "/openai/v1"} {
		mux.Handle("POST "+p+"/responses", create)
		mux.HandleFunc("GET "+p+"/responses/{id}", h.get)
		mux.HandleFunc("DELETE "+p+"/responses/{id}", h.delete)
		mux.HandleFunc("GET "+p+"/responses/{id}/input_items", h.inputItems)
		mux.HandleFunc("POST "+p+"/responses/{id}/cancel", h.cancel)
	}
}

// Close cancels every background run and waits until each has recorded its
// outcome. Later background requests are refused.
func (h *Handler) Close() {
	h.mu.Lock()
	h.closed = true
	h.mu.Unlock()
	h.stop()
	h.wg.Wait()
}

// WriteError writes err as an OpenAI error body with its status.
func WriteError(w http.ResponseWriter, err error) {
	status, body := oai.ErrorBody(err)
	hd := w.Header()
	hd.Set("Content-Type", "application/json")
	hd.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func writeJSON(w http.ResponseWriter, body []byte) {
	hd := w.Header()
	hd.Set("Content-Type", "application/json")
	hd.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

func notFound(id string) error {
	return &apierr.Error{Kind: apierr.NotFound, Message: "Response with id '" + id + "' not found.",
		Cause: &oai.ParamError{Param: "response_id", Code: "not_found"}}
}

func (h *Handler) get(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if r.URL.Query().Get("stream") == "true" {
		WriteError(w, apierr.Validationf("Replaying a response as a stream (stream=true) is not supported by this gateway; retrieve it without stream."))
		return
	}
	_, resp, _, found, err := h.store.GetResponse(r.Context(), id)
	if err == nil && !found {
		err = notFound(id)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, resp)
}

func (h *Handler) delete(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	h.mu.Lock()
	if ru := h.running[id]; ru != nil {
		ru.cancel()
	}
	h.mu.Unlock()
	found, err := h.store.DeleteResponse(r.Context(), id)
	if err == nil && !found {
		err = notFound(id)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	body, _ := json.Marshal(oai.DeletedResponse{ID: id, Object: "response", Deleted: true})
	writeJSON(w, body)
}

func (h *Handler) inputItems(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	q := r.URL.Query()
	limit := 20
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 100 {
			WriteError(w, &apierr.Error{Kind: apierr.Validation, Message: "Invalid 'limit': expected an integer between 1 and 100.",
				Cause: &oai.ParamError{Param: "limit", Code: "invalid_value"}})
			return
		}
		limit = n
	}
	order := q.Get("order")
	if order == "" {
		order = "desc"
	}
	if order != "asc" && order != "desc" {
		WriteError(w, &apierr.Error{Kind: apierr.Validation, Message: "Invalid 'order': expected 'asc' or 'desc'.",
			Cause: &oai.ParamError{Param: "order", Code: "invalid_value"}})
		return
	}
	items, found, err := h.store.ResponseInputItems(r.Context(), id)
	if err == nil && !found {
		err = notFound(id)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	page, err := paginate(items, q.Get("after"), limit, order == "desc")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	body, _ := json.Marshal(page)
	writeJSON(w, body)
}

// paginate returns the page of items after the item with id after.
func paginate(items [][]byte, after string, limit int, desc bool) (*oai.ItemList, error) {
	ids := make([]string, len(items))
	order := make([]int, len(items))
	for i, it := range items {
		var v struct{ ID string }
		_ = json.Unmarshal(it, &v)
		ids[i] = v.ID
		order[i] = i
		if desc {
			order[i] = len(items) - 1 - i
		}
	}
	start := 0
	if after != "" {
		start = -1
		for k, i := range order {
			if ids[i] == after {
				start = k + 1
				break
			}
		}
		if start < 0 {
			return nil, &apierr.Error{Kind: apierr.Validation, Message: "Invalid 'after': no input item with id '" + after + "' in this response.",
				Cause: &oai.ParamError{Param: "after", Code: "invalid_value"}}
		}
	}
	page := &oai.ItemList{Object: "list", Data: []json.RawMessage{}}
	for k := start; k < len(order) && len(page.Data) < limit; k++ {
		page.Data = append(page.Data, items[order[k]])
		if page.FirstID == nil {
			page.FirstID = &ids[order[k]]
		}
		page.LastID = &ids[order[k]]
	}
	page.HasMore = start+len(page.Data) < len(order)
	return page, nil
}

func (h *Handler) cancel(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	h.mu.Lock()
	ru := h.running[id]
	if ru != nil {
		ru.cancelled = true
		ru.cancel()
	}
	h.mu.Unlock()
	if ru != nil {
		select {
		case <-ru.done:
		case <-r.Context().Done():
			return
		}
	}
	status, resp, conv, found, err := h.store.GetResponse(r.Context(), id)
	if err == nil && !found {
		err = notFound(id)
	}
	if err == nil && ru == nil {
		var bg struct{ Background bool }
		_ = json.Unmarshal(resp, &bg)
		if !bg.Background {
			err = &apierr.Error{Kind: apierr.Validation, Message: "Only responses created with background=true can be cancelled.",
				Cause: &oai.ParamError{Param: "response_id", Code: "invalid_value"}}
		} else if !oai.Terminal(status) {
			// Not running in this process yet not finished: record it cancelled.
			resp, err = patchStatus(resp, oai.StatusCancelled, nil)
			if err == nil {
				_, err = h.store.UpdateResponse(r.Context(), id, oai.StatusCancelled, resp, conv)
			}
		}
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, resp)
}

func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	e := apierr.As(err)
	if e.Kind == apierr.Internal {
		h.log.ErrorContext(r.Context(), "responses request failed", "request_id", server.RequestID(r.Context()), "err", err)
	}
	WriteError(w, e)
}

// failUnfinished marks responses a previous process left queued or in
// progress as failed: nobody runs them any more.
func (h *Handler) failUnfinished(ctx context.Context) (int, error) {
	ids, err := h.store.UnfinishedResponses(ctx)
	if err != nil {
		return 0, err
	}
	for _, id := range ids {
		_, resp, conv, found, err := h.store.GetResponse(ctx, id)
		if err != nil || !found {
			continue
		}
		resp, err = patchStatus(resp, oai.StatusFailed, &oai.ResponseError{Code: "server_error",
			Message: "The gateway restarted before this response finished; create it again."})
		if err != nil {
			return 0, err
		}
		if _, err := h.store.UpdateResponse(ctx, id, oai.StatusFailed, resp, conv); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}

// patchStatus sets status (and error) in a stored response object.
func patchStatus(resp []byte, status string, e *oai.ResponseError) ([]byte, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(resp, &m); err != nil {
		return nil, apierr.Wrap(apierr.Internal, err, "a stored response is corrupt")
	}
	m["status"], _ = json.Marshal(status)
	if e != nil {
		m["error"], _ = json.Marshal(e)
	}
	return json.Marshal(m)
}

// detached is a context with ctx's values (request id, API name for
// accounting) that ends with the handler, not with the request.
func (h *Handler) detached(ctx context.Context) (context.Context, context.CancelFunc) {
	c, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stop := context.AfterFunc(h.base, cancel)
	return c, func() { stop(); cancel() }
}

// storeCtx bounds a store write that must happen even if the request ended.
func storeCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
}

var _ server.Conversation = (*Handler)(nil)
var _ canon.EventWriter = (*oai.Builder)(nil)
