package app

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"
)

// streamUpstream answers every Chat Completions stream at once with a role
// chunk, three tokens, the finish chunk, usage and [DONE], flushing each.
func streamUpstream() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/event-stream")
		fl := w.(http.Flusher)
		chunk := func(delta, finish string) {
			fmt.Fprintf(w, `data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"m","choices":[{"index":0,"delta":%s,"finish_reason":%s}]}`+"\n\n", delta, finish)
			fl.Flush()
		}
		chunk(`{"role":"assistant","content":""}`, "null")
		for _, t := range []string{"tokA ", "tokB ", "tokC"} {
			chunk(`{"content":"`+t+`"}`, "null")
		}
		chunk(`{}`, `"stop"`)
		fmt.Fprint(w, `data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"m","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":3,"total_tokens":8}}`+"\n\ndata: [DONE]\n\n")
	})
}

// firstToken sends one streaming request and returns the time until the
// first token's bytes arrived; it reads the stream to its end.
func firstToken(tb testing.TB, c *http.Client, url, body string) time.Duration {
	start := time.Now()
	resp, err := c.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		tb.Fatalf("%s: HTTP %d: %s", url, resp.StatusCode, b)
	}
	var seen []byte
	buf := make([]byte, 4096)
	var ttft time.Duration
	for {
		n, err := resp.Body.Read(buf)
		if ttft == 0 {
			seen = append(seen, buf[:n]...)
			if bytes.Contains(seen, []byte("tokA")) {
				ttft = time.Since(start)
			}
		}
		if err != nil {
			break
		}
	}
	if ttft == 0 {
		tb.Fatalf("%s: no token in %q", url, seen)
	}
	return ttft
}

// BenchmarkStreamTTFT measures what Basalt adds to the time to first token
// over a bare httputil.ReverseProxy, both in this process over loopback
// TCP to the same upstream, the paths taking turns so that noise falls on
// both alike. It reports the proxy's median and, for a Chat Completions
// stream (same shape) and a ConverseStream (translated), the median that
// Basalt adds; for Chat Completions also how much of it falls before the
// request reaches the upstream (decoding and re-encoding the request) and
// how much after (reading, translating and writing the first chunks).
func BenchmarkStreamTTFT(b *testing.B) {
	arrived := make(chan time.Time, 1)
	inner := streamUpstream()
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- time.Now()
		inner.ServeHTTP(w, r)
	}))
	defer up.Close()
	u, _ := url.Parse(up.URL)
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.FlushInterval = -1
	rp.ErrorLog = log.New(io.Discard, "", 0) // streams end by the client hanging up
	proxy := httptest.NewServer(rp)
	defer proxy.Close()
	a, err := New(context.Background(), Options{
		Providers: []ProviderSpec{{Name: "up", Type: "openai", BaseURL: up.URL + "/v1", APIKey: "k"}},
		Models:    []ModelSpec{{ID: "bench", Provider: "up", Upstream: "m"}},
	})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = a.Close() }()
	gw := httptest.NewServer(a.Handler())
	defer gw.Close()

	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	defer c.CloseIdleConnections()
	const chat = `{"model":"bench","stream":true,"messages":[{"role":"user","content":"hi"}]}`
	const conv = `{"messages":[{"role":"user","content":[{"text":"hi"}]}]}`
	// timed returns the time to first token and the part of it before the
	// upstream got the request.
	timed := func(url, body string) (ttft, before time.Duration) {
		start := time.Now()
		ttft = firstToken(b, c, url, body)
		return ttft, (<-arrived).Sub(start)
	}
	var px, pxIn, ch, chIn, cv []time.Duration
	for b.Loop() {
		t, in := timed(proxy.URL+"/v1/chat/completions", chat)
		px, pxIn = append(px, t), append(pxIn, in)
		t, in = timed(gw.URL+"/v1/chat/completions", chat)
		ch, chIn = append(ch, t), append(chIn, in)
		t, _ = timed(gw.URL+"/model/bench/converse-stream", conv)
		cv = append(cv, t)
	}
	med := func(d []time.Duration) float64 {
		sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
		return float64(d[len(d)/2].Nanoseconds()) / 1e3
	}
	p := med(px)
	b.ReportMetric(p, "proxy-ttft-µs")
	b.ReportMetric(med(ch)-p, "chat-added-µs")
	b.ReportMetric(med(chIn)-med(pxIn), "chat-added-before-upstream-µs")
	b.ReportMetric(med(cv)-p, "converse-added-µs")
}
