package app

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// cannedTransport answers every upstream call from memory, so the
// benchmarks measure Basalt's own work per request: routing, decoding,
// translating both ways and encoding, without a network.
type cannedTransport struct {
	contentType string
	body        []byte
}

func (c cannedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	_, _ = io.Copy(io.Discard, r.Body)
	_ = r.Body.Close()
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {c.contentType}},
		Body: io.NopCloser(bytes.NewReader(c.body)), Request: r}, nil
}

const openaiUnary = `{"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"Hello there, this is a short answer."},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":9,"total_tokens":21}}`

const anthropicUnary = `{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[{"type":"text","text":"Hello there, this is a short answer."}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":12,"output_tokens":9}}`

const (
	converseBody = `{"messages":[{"role":"user","content":[{"text":"Say something short."}]}],"inferenceConfig":{"maxTokens":64}}`
	chatBody     = `{"model":"bench","messages":[{"role":"user","content":"Say something short."}],"max_tokens":64}`
	messagesBody = `{"model":"bench","max_tokens":64,"messages":[{"role":"user","content":"Say something short."}]}`
)

var messagesHeaders = map[string]string{"anthropic-version": "2023-06-01", "Content-Type": "application/json"}

func benchApp(b *testing.B, typ, contentType, body string) http.Handler {
	b.Helper()
	a, err := New(context.Background(), Options{
		Providers:  []ProviderSpec{{Name: "up", Type: typ, BaseURL: "http://upstream.invalid/v1", APIKey: "k"}},
		Models:     []ModelSpec{{ID: "bench", Provider: "up", Upstream: "m"}},
		HTTPClient: &http.Client{Transport: cannedTransport{contentType: contentType, body: []byte(body)}},
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = a.Close() })
	return a.Handler()
}

// serveOnce is the harness every benchmark shares: an httptest request
// and recorder around one call of h.
func serveOnce(h http.Handler, path, body string, hdr map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("POST", path, strings.NewReader(body))
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// cost is allocations and bytes per operation.
type cost struct{ allocs, bytes float64 }

// measure runs f once to warm it up, then n times, and returns its average
// cost. It is testing.AllocsPerRun with bytes too; testing.Benchmark cannot
// be used inside a benchmark (it waits for the lock the running one holds).
func measure(n int, f func()) cost {
	f()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	for range n {
		f()
	}
	runtime.ReadMemStats(&m1)
	return cost{float64(m1.Mallocs-m0.Mallocs) / float64(n), float64(m1.TotalAlloc-m0.TotalAlloc) / float64(n)}
}

// drain is the floor handler: it reads the body and answers 200, the
// least any proxy does.
var drain = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	w.WriteHeader(http.StatusOK)
})

// harnessFloors caches the harness's own cost per request shape (the
// headers a benchmark sets cost allocations too), measured once per
// process however often the benchmarks run.
var harnessFloors sync.Map // path+body+headers -> cost

func harnessFloor(path, body string, hdr map[string]string) cost {
	key := path + "\x00" + body
	for k, v := range hdr {
		key += "\x00" + k + ":" + v
	}
	if c, ok := harnessFloors.Load(key); ok {
		return c.(cost)
	}
	c := measure(1000, func() { serveOnce(drain, path, body, hdr) })
	harnessFloors.Store(key, c)
	return c
}

// resettableBody lets the transport floor reuse one request without
// allocating a new body each time.
type resettableBody struct{ bytes.Reader }

func (*resettableBody) Close() error { return nil }

// transportFloor is the canned upstream's own cost per call: the
// *http.Response, its header and body reader.
var transportFloor = sync.OnceValue(func() cost {
	rt := cannedTransport{contentType: "application/json", body: []byte(openaiUnary)}
	body := &resettableBody{}
	req := httptest.NewRequest("POST", "http://upstream.invalid/v1/chat/completions", body)
	return measure(1000, func() {
		body.Reset([]byte(chatBody))
		resp, _ := rt.RoundTrip(req)
		_, _ = io.Copy(io.Discard, resp.Body)
	})
})

// benchServe runs one request shape through h. Unless it is the floor
// itself, it also reports what h costs over the floor (the harness's
// request and recorder, and the canned upstream's answer) as
// over-floor-allocs/op and over-floor-B/op: the part the gateway (or the
// bare proxy) adds. (Not quite all of it: the recorder copies the response
// header when the status is written, so the two or so allocations that
// copy costs for a gateway's headers, which the floor's empty header does
// not, are counted as the gateway's.) A warm-up request first keeps
// one-time costs (type caches, pools) out of the numbers, so they mean the
// same at -benchtime=1x.
func benchServe(b *testing.B, h http.Handler, path, body string, hdr map[string]string, floor bool) {
	b.Helper()
	var fl cost
	if !floor {
		hf, tf := harnessFloor(path, body, hdr), transportFloor()
		fl = cost{hf.allocs + tf.allocs, hf.bytes + tf.bytes}
	}
	if rec := serveOnce(h, path, body, hdr); rec.Code != 200 {
		b.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	b.ReportAllocs()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	for b.Loop() {
		if rec := serveOnce(h, path, body, hdr); rec.Code != 200 {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
	if floor {
		return
	}
	runtime.ReadMemStats(&m1)
	n := float64(b.N)
	b.ReportMetric(float64(m1.Mallocs-m0.Mallocs)/n-fl.allocs, "over-floor-allocs/op")
	b.ReportMetric(float64(m1.TotalAlloc-m0.TotalAlloc)/n-fl.bytes, "over-floor-B/op")
}

// BenchmarkFloor is the harness alone: a handler that drains the body and
// answers 200. Every other benchmark's over-floor metrics subtract this
// (and the canned upstream's cost).
func BenchmarkFloor(b *testing.B) {
	benchServe(b, drain, "/v1/chat/completions", chatBody, nil, true)
}

// BenchmarkReverseProxy is a bare httputil.ReverseProxy in the same
// harness with the same canned upstream: the least a gateway that
// translates nothing costs, to compare Basalt's numbers with.
func BenchmarkReverseProxy(b *testing.B) {
	target, err := url.Parse("http://upstream.invalid/v1")
	if err != nil {
		b.Fatal(err)
	}
	p := &httputil.ReverseProxy{
		Rewrite:   func(r *httputil.ProxyRequest) { r.SetURL(target) },
		Transport: cannedTransport{contentType: "application/json", body: []byte(openaiUnary)},
	}
	benchServe(b, p, "/v1/chat/completions", chatBody, nil, false)
}

// BenchmarkConverseToOpenAI is one unary Converse request through the
// whole gateway to an OpenAI-compatible upstream.
func BenchmarkConverseToOpenAI(b *testing.B) {
	h := benchApp(b, "openai", "application/json", openaiUnary)
	benchServe(b, h, "/model/bench/converse", converseBody, nil, false)
}

// BenchmarkChatToOpenAI is one unary Chat Completions request to an
// OpenAI-compatible upstream (bench scenario c).
func BenchmarkChatToOpenAI(b *testing.B) {
	h := benchApp(b, "openai", "application/json", openaiUnary)
	benchServe(b, h, "/v1/chat/completions", chatBody, nil, false)
}

// BenchmarkMessagesToOpenAI is one unary Anthropic Messages request to an
// OpenAI-compatible upstream (bench scenario d2).
func BenchmarkMessagesToOpenAI(b *testing.B) {
	h := benchApp(b, "openai", "application/json", openaiUnary)
	benchServe(b, h, "/v1/messages", messagesBody, messagesHeaders, false)
}

// BenchmarkChatToAnthropic is one unary Chat Completions request to an
// Anthropic upstream (bench scenario d3).
func BenchmarkChatToAnthropic(b *testing.B) {
	h := benchApp(b, "anthropic", "application/json", anthropicUnary)
	benchServe(b, h, "/v1/chat/completions", chatBody, nil, false)
}
