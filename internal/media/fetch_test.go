package media

import (
	"context"
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var png1x1 = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")

// testServer serves images over TLS on loopback and returns a fetcher
// that trusts it.
func testServer(t *testing.T, h http.HandlerFunc) (*httptest.Server, *Fetcher) {
	t.Helper()
	srv := httptest.NewTLSServer(h)
	t.Cleanup(srv.Close)
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	return srv, &Fetcher{AllowLoopback: true, RootCAs: pool}
}

func images(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/cat.png":
		w.Header().Set("Content-Type", "IMAGE/PNG")
		_, _ = w.Write(png1x1)
	case "/sniffed":
		w.Header().Set("Content-Type", "application/octet-stream")
		_, _ = w.Write(png1x1)
	case "/big.png":
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write(append(png1x1, make([]byte, 100)...))
	case "/page":
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<html></html>"))
	case "/lying.png":
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write([]byte("<html>not an image</html>"))
	case "/to-http":
		http.Redirect(w, r, "http://example.com/x.png", http.StatusFound)
	default:
		http.NotFound(w, r)
	}
}

func TestFetcher(t *testing.T) {
	srv, f := testServer(t, images)
	f.MaxBytes = 50
	ctx := context.Background()
	for _, path := range []string{"/cat.png", "/sniffed"} {
		data, format, err := f.Fetch(ctx, srv.URL+path)
		if err != nil || format != "png" || len(data) != len(png1x1) {
			t.Errorf("%s: %q %d bytes %v", path, format, len(data), err)
		}
	}
	for path, want := range map[string]string{"/big.png": "larger than the limit", "/page": "not a png",
		"/lying.png": "not a png", "/missing": "HTTP 404", "/to-http": "left https"} {
		_, _, err := f.Fetch(ctx, srv.URL+path)
		if apierr.KindOf(err) != apierr.Validation || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want %q", path, err, want)
		}
	}
}

// TestFetcherRefusesPrivate checks the production fetcher: loopback,
// private and link-local addresses are refused before and at dial time.
func TestFetcherRefusesPrivate(t *testing.T) {
	srv, trusting := testServer(t, func(http.ResponseWriter, *http.Request) {
		t.Errorf("the fetcher reached a loopback server")
	})
	f := &Fetcher{RootCAs: trusting.RootCAs} // trusts the server, but loopback is not allowed
	for _, u := range []string{srv.URL + "/x.png", "https://localhost/x.png", "https://10.1.2.3/x.png", "https://169.254.169.254/latest",
		"https://[::1]/x.png", "https://[::ffff:127.0.0.1]/x.png", "http://example.com/x.png", "https://user:pw@example.com/x.png",
		"ftp://example.com/x.png"} {
		_, _, err := f.Fetch(context.Background(), u)
		if apierr.KindOf(err) != apierr.Validation {
			t.Errorf("%s: err = %v, want a Validation error", u, err)
		}
	}
	// The dial-time check holds even when the resolve-time check is passed.
	c := f.client(DefaultFetchTimeout)
	defer c.CloseIdleConnections()
	if _, err := c.Get(srv.URL); err == nil || !strings.Contains(err.Error(), "private, loopback") {
		t.Errorf("the client dialled loopback: %v", err)
	}
	// AllowLoopback opens loopback only, never private or link-local ranges.
	lo := &Fetcher{AllowLoopback: true}
	for _, u := range []string{"https://10.1.2.3/x.png", "https://169.254.169.254/latest", "https://192.168.0.1/x.png"} {
		if _, _, err := lo.Fetch(context.Background(), u); err == nil || !strings.Contains(err.Error(), "private, loopback") {
			t.Errorf("AllowLoopback: %s: err = %v", u, err)
		}
	}
}

func TestResolveImages(t *testing.T) {
	hits := 0
	srv, f := testServer(t, func(w http.ResponseWriter, r *http.Request) {
		hits++
		images(w, r)
	})
	shared := []canon.Block{{Type: canon.BlockImage, Image: &canon.Media{URL: srv.URL + "/cat.png"}}, canon.TextBlock("hi")}
	req := &canon.Request{
		System: []canon.Block{{Type: canon.BlockGuardContent, GuardContent: &canon.GuardContent{Image: &canon.Media{URL: srv.URL + "/sniffed"}}}},
		Messages: []canon.Message{
			{Role: canon.RoleUser, Content: shared},
			{Role: canon.RoleUser, Content: []canon.Block{{Type: canon.BlockToolResult, ToolResult: &canon.ToolResult{ToolUseID: "t",
				Content: []canon.Block{{Type: canon.BlockImage, Image: &canon.Media{URL: srv.URL + "/cat.png"}}}}}}},
			{Role: canon.RoleUser, Content: []canon.Block{{Type: canon.BlockImage, Image: &canon.Media{Format: "png", Bytes: png1x1}}}},
		}}
	if err := f.ResolveImages(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	for _, m := range []*canon.Media{req.System[0].GuardContent.Image, req.Messages[0].Content[0].Image,
		req.Messages[1].Content[0].ToolResult.Content[0].Image, req.Messages[2].Content[0].Image} {
		if m.Format != "png" || len(m.Bytes) != len(png1x1) || m.URL != "" {
			t.Errorf("image = %+v", m)
		}
	}
	if hits != 2 {
		t.Errorf("%d fetches, want 2 (a repeated URL is fetched once)", hits)
	}
	if shared[0].Image.URL == "" {
		t.Error("a slice shared with the caller was modified")
	}

	f.MaxImages = 1
	req = &canon.Request{Messages: []canon.Message{{Role: canon.RoleUser, Content: []canon.Block{
		{Type: canon.BlockImage, Image: &canon.Media{URL: srv.URL + "/cat.png"}},
		{Type: canon.BlockImage, Image: &canon.Media{URL: srv.URL + "/sniffed"}}}}}}
	if err := f.ResolveImages(context.Background(), req); apierr.KindOf(err) != apierr.Validation {
		t.Errorf("too many images: %v", err)
	}
	if err := ResolveImages(context.Background(), &canon.Request{Messages: []canon.Message{{Role: canon.RoleUser,
		Content: []canon.Block{{Type: canon.BlockImage, Image: &canon.Media{URL: srv.URL + "/cat.png"}}}}}}); apierr.KindOf(err) != apierr.Validation {
		t.Errorf("the production fetcher reached loopback: %v", err)
	}
}
