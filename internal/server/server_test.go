package server

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
)

var discard = slog.New(slog.DiscardHandler)

func TestGracefulShutdown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	inHandler := make(chan struct{})
	release := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(inHandler)
		<-release
		_, _ = io.WriteString(w, "finished")
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, ln, Options{ShutdownTimeout: 5 * time.Second}, h, discard) }()
	url := "http://" + ln.Addr().String()

	type result struct {
		body string
		err  error
	}
	got := make(chan result, 1)
	go func() {
		resp, err := http.Get(url)
		if err != nil {
			got <- result{err: err}
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got <- result{body: string(b)}
	}()
	<-inHandler
	cancel() // SIGTERM arrives while a request is in flight
	time.Sleep(100 * time.Millisecond)
	if c, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
		c.Close()
		t.Error("a new connection was accepted during shutdown")
	}
	close(release)
	if r := <-got; r.err != nil || r.body != "finished" {
		t.Fatalf("in-flight request: %+v", r)
	}
	if err := <-done; err != nil {
		t.Fatalf("Serve: %v", err)
	}
}

func TestMiddlewareRecoversAndTagsRequests(t *testing.T) {
	h := Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if RequestID(r.Context()) == "" {
			t.Error("no request id in context")
		}
		panic("bug")
	}), discard)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/x", nil))
	if rec.Code != 500 || rec.Header().Get("x-amzn-ErrorType") != "InternalServerException" || len(rec.Header().Get("x-amzn-RequestId")) != 36 {
		t.Fatalf("status %d headers %v", rec.Code, rec.Header())
	}
	if strings.Contains(rec.Body.String(), "bug") {
		t.Fatal("panic value leaked to the client")
	}
}

func TestReadBodyLimit(t *testing.T) {
	r := httptest.NewRequest("POST", "/", strings.NewReader(strings.Repeat("x", 11)))
	if _, err := ReadBody(r, 10); apierr.KindOf(err) != apierr.Validation {
		t.Fatalf("err = %v", err)
	}
	r = httptest.NewRequest("POST", "/", strings.NewReader("0123456789"))
	if b, err := ReadBody(r, 10); err != nil || len(b) != 10 {
		t.Fatalf("exact limit: %d %v", len(b), err)
	}
}

func TestHandleMapsFailures(t *testing.T) {
	rec := httptest.NewRecorder()
	h := Handle("test", convFunc(nil), badShape{}, discard)
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/", nil))
	if rec.Code != 400 || rec.Body.String() != "Validation: bad" {
		t.Fatalf("decode error: %d %q", rec.Code, rec.Body.String())
	}
}

type convFunc func() error

func (f convFunc) Converse(context.Context, *canon.Request, canon.EventWriter) error { return f() }

type badShape struct{}

func (badShape) Decode(*http.Request) (*canon.Request, error) {
	return nil, apierr.Validationf("bad")
}
func (badShape) NewEncoder(http.ResponseWriter, *http.Request, *canon.Request) Encoder { return nil }
func (badShape) WriteError(w http.ResponseWriter, _ *http.Request, err error) {
	w.WriteHeader(400)
	e := apierr.As(err)
	_, _ = io.WriteString(w, strings.TrimSuffix(e.Kind.String(), "Exception")+": "+e.Message)
}
