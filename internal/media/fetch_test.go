package openaichat

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
)

var png1x1 = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")

func TestFetcher(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/cat.png":
			w.Header().Set("Content-Type", "IMAGE/PNG")
			_, _ = w.Write(png1x1)
		case "/sniffed":
			w.Header().Set("Content-Type", "application/octet-stream")
			_, _ = w.Write(png1x1)
		case "/big.png":
			w.Header().Set("Content-Type", "image/png")
			_, _ = w.Write(make([]byte, 100))
		case "/page":
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte("<html></html>"))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	defer srv.Client().CloseIdleConnections()
	f := &Fetcher{AllowPrivate: true, Client: srv.Client(), MaxBytes: 50}
	ctx := context.Background()

	req := &canon.Request{Messages: []canon.Message{{Role: canon.RoleUser, Content: []canon.Block{
		{Type: canon.BlockImage, Image: &canon.Media{URL: srv.URL + "/cat.png"}},
		{Type: canon.BlockImage, Image: &canon.Media{URL: srv.URL + "/sniffed"}}}}}}
	if err := f.FetchImages(ctx, req); err != nil {
		t.Fatal(err)
	}
	for _, b := range req.Messages[0].Content {
		if b.Image.Format != "png" || len(b.Image.Bytes) != len(png1x1) || b.Image.URL != "" {
			t.Errorf("image = %+v", b.Image)
		}
	}
	for path, want := range map[string]string{"/big.png": "larger than the limit", "/page": "not a png", "/missing": "HTTP 404"} {
		_, _, err := f.Fetch(ctx, srv.URL+path)
		if apierr.KindOf(err) != apierr.Validation || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want %q", path, err, want)
		}
	}
}

// TestFetcherRefusesPrivate checks the default fetcher: loopback, private
// and link-local addresses are refused before and at dial time.
func TestFetcherRefusesPrivate(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("the fetcher reached a loopback server")
	}))
	defer srv.Close()
	f := &Fetcher{}
	for _, u := range []string{srv.URL + "/x.png", "https://localhost/x.png", "https://10.1.2.3/x.png", "https://169.254.169.254/latest",
		"https://[::1]/x.png", "https://[::ffff:127.0.0.1]/x.png", "http://example.com/x.png", "https://user:pw@example.com/x.png"} {
		_, _, err := f.Fetch(context.Background(), u)
		if apierr.KindOf(err) != apierr.Validation {
			t.Errorf("%s: err = %v, want a Validation error", u, err)
		}
	}
	// The dial-time check holds even when a check before it is skipped.
	c := safeClient(false)
	if _, err := c.Get(srv.URL); err == nil || !strings.Contains(err.Error(), "private, loopback") {
		t.Errorf("safe client dialled loopback: %v", err)
	}
}
