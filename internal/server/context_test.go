package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
)

type otherKey struct{}

// TestRequestContext checks what the middleware's context carries: the
// request id, the operation Handle names, and the server's own values and
// cancellation, through contexts derived from it.
func TestRequestContext(t *testing.T) {
	var inner context.Context
	var id string
	h := Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id = RequestID(r.Context())
		if API(r.Context()) != "" {
			t.Errorf("API before Handle = %q", API(r.Context()))
		}
		ctx := withAPI(r.Context(), "converse")
		if ctx != r.Context() {
			t.Error("withAPI made a new context for a middleware request")
		}
		derived, cancel := context.WithCancel(ctx)
		defer cancel()
		inner = derived
		if got := API(derived); got != "converse" {
			t.Errorf("API = %q", got)
		}
		if RequestID(derived) != id || id == "" {
			t.Errorf("RequestID = %q, want %q", RequestID(derived), id)
		}
		if derived.Value(otherKey{}) != "server value" {
			t.Error("a value of the server's context is lost")
		}
		// Another operation nested inside shadows the name, as a
		// context.WithValue would.
		nested := withAPI(derived, "messages")
		if API(nested) != "messages" || API(derived) != "converse" {
			t.Errorf("nested API = %q, outer %q", API(nested), API(derived))
		}
		w.WriteHeader(http.StatusNoContent)
	}), discard)
	base, cancel := context.WithCancel(context.WithValue(context.Background(), otherKey{}, "server value"))
	req := httptest.NewRequest("GET", "/", nil).WithContext(base)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Header().Get("X-Request-Id") != id || rec.Header().Get("X-Amzn-Requestid") != id {
		t.Errorf("id headers %v, want %q", rec.Header(), id)
	}
	cancel()
	<-inner.Done() // the server's cancellation reaches contexts derived from the request's
	if API(context.Background()) != "" || RequestID(context.Background()) != "" {
		t.Error("values outside a request")
	}
	if got := API(withAPI(context.Background(), "x")); got != "x" {
		t.Errorf("API outside the middleware = %q", got)
	}
}
