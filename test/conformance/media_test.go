package conformance

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/basalt-gateway/basalt/internal/app"
	"github.com/basalt-gateway/basalt/internal/media"
	"github.com/basalt-gateway/basalt/internal/testutil/fakeupstream"
)

var catPNG = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")

// imageHost serves /cat.png and a non-image /page over TLS on loopback, and
// returns a fetcher that trusts its certificate and, explicitly, its
// loopback address (the production fetcher refuses both).
func imageHost(t *testing.T) (*httptest.Server, *media.Fetcher) {
	t.Helper()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/cat.png":
			w.Header().Set("Content-Type", "image/png")
			_, _ = w.Write(catPNG)
		case "/page":
			w.Header().Set("Content-Type", "image/png") // lies: the bytes decide
			_, _ = w.Write([]byte("<html>hello</html>"))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	return srv, &media.Fetcher{AllowLoopback: true, RootCAs: pool}
}

// startFetching is start with f as the image fetcher of every request.
func startFetching(t *testing.T, opts app.Options, f *media.Fetcher) string {
	t.Helper()
	a, err := app.New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(media.Handler(a.Handler(), f))
	t.Cleanup(func() {
		srv.Close()
		_ = a.Close()
	})
	return srv.URL
}

func postJSON(t *testing.T, url, body string) (int, string) {
	t.Helper()
	hc := &http.Client{Transport: &http.Transport{}}
	defer hc.CloseIdleConnections()
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("anthropic-version", "2023-06-01")
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestImageURLsReachProvidersAsBytes: an https image URL sent on any shape
// is fetched by the gateway, so the Bedrock provider (which cannot send a
// URL) gets the bytes with their sniffed format.
func TestImageURLsReachProvidersAsBytes(t *testing.T) {
	isolateAWS(t)
	img, fetcher := imageHost(t)
	fake := fakeupstream.NewBedrock(t)
	opts := app.Options{Providers: []app.ProviderSpec{bedrockSpec(fake.URL)}}
	url := startFetching(t, opts, fetcher)
	model := "us.anthropic.claude-3-haiku-20240307-v1:0"
	shapes := []struct {
		name, path, body, errShape string
	}{
		{"chat completions", "/v1/chat/completions",
			`{"model":"` + model + `","messages":[{"role":"user","content":[{"type":"text","text":"what is it?"},{"type":"image_url","image_url":{"url":"%s"}}]}]}`,
			`"error":{`},
		{"responses", "/v1/responses",
			`{"model":"` + model + `","store":false,"input":[{"role":"user","content":[{"type":"input_text","text":"what is it?"},{"type":"input_image","image_url":"%s"}]}]}`,
			`"error":{`},
		{"messages", "/v1/messages",
			`{"model":"` + model + `","max_tokens":64,"messages":[{"role":"user","content":[{"type":"text","text":"what is it?"},{"type":"image","source":{"type":"url","url":"%s"}}]}]}`,
			`"type":"error"`},
	}
	for _, s := range shapes {
		t.Run(s.name, func(t *testing.T) {
			fake.Reply(fakeupstream.BedrockReply{Blocks: []fakeupstream.BedrockBlock{fakeupstream.BedrockText("A cat.")},
				StopReason: "end_turn", Usage: fakeupstream.BedrockUsage{Input: 9, Output: 2}})
			status, body := postJSON(t, url+s.path, strings.Replace(s.body, "%s", img.URL+"/cat.png", 1))
			if status != 200 || !strings.Contains(body, "A cat.") {
				t.Fatalf("%d %s", status, body)
			}
			var up struct {
				Messages []struct {
					Content []struct {
						Image *struct {
							Format string
							Source map[string]json.RawMessage
						}
					}
				}
			}
			if err := json.Unmarshal(fake.Last().Body, &up); err != nil {
				t.Fatal(err)
			}
			var found bool
			for _, m := range up.Messages {
				for _, c := range m.Content {
					if c.Image == nil {
						continue
					}
					found = true
					var b64 string
					_ = json.Unmarshal(c.Image.Source["bytes"], &b64)
					data, _ := base64.StdEncoding.DecodeString(b64)
					if c.Image.Format != "png" || !bytes.Equal(data, catPNG) || len(c.Image.Source) != 1 {
						t.Errorf("upstream image = %s %v", c.Image.Format, c.Image.Source)
					}
				}
			}
			if !found || bytes.Contains(fake.Last().Body, []byte(img.URL)) {
				t.Errorf("the upstream got no image bytes, or the URL: %s", fake.Last().Body)
			}

			// Not an image: a 400 in the caller's own shape, nothing upstream.
			n := len(fake.Requests())
			status, body = postJSON(t, url+s.path, strings.Replace(s.body, "%s", img.URL+"/page", 1))
			if status != 400 || !strings.Contains(body, "not a png, jpeg, gif or webp") || !strings.Contains(body, s.errShape) {
				t.Errorf("non-image: %d %s", status, body)
			}
			if len(fake.Requests()) != n {
				t.Error("a request with a bad image reached the upstream")
			}
		})
	}
}

// TestImageURLsProductionRefusesLoopback: without the test's explicit
// option the gateway never fetches from a loopback address.
func TestImageURLsProductionRefusesLoopback(t *testing.T) {
	img, _ := imageHost(t)
	b := start(t, localOnly())
	status, body := postJSON(t, b.URL+"/v1/chat/completions",
		`{"model":"basalt-test","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"`+img.URL+`/cat.png"}}]}]}`)
	if status != 400 || !strings.Contains(body, "private, loopback or link-local") {
		t.Errorf("%d %s", status, body)
	}
}
