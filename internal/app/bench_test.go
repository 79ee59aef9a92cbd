package app

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
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

// BenchmarkConverseToOpenAI is one unary Converse request through the
// whole gateway to an OpenAI-compatible upstream.
func BenchmarkConverseToOpenAI(b *testing.B) {
	h := benchApp(b, "openai", "application/json", openaiUnary)
	body := `{"messages":[{"role":"user","content":[{"text":"Say something short."}]}],"inferenceConfig":{"maxTokens":64}}`
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest("POST", "/model/bench/converse", strings.NewReader(body))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
}

const anthropicUnary = `{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[{"type":"text","text":"Hello there, this is a short answer."}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":12,"output_tokens":9}}`

func benchServe(b *testing.B, h http.Handler, path, body string, hdr map[string]string) {
	b.Helper()
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest("POST", path, strings.NewReader(body))
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
}

// BenchmarkChatToOpenAI is one unary Chat Completions request to an
// OpenAI-compatible upstream (bench scenario c).
func BenchmarkChatToOpenAI(b *testing.B) {
	h := benchApp(b, "openai", "application/json", openaiUnary)
	benchServe(b, h, "/v1/chat/completions", `{"model":"bench","messages":[{"role":"user","content":"Say something short."}],"max_tokens":64}`, nil)
}

// BenchmarkMessagesToOpenAI is one unary Anthropic Messages request to an
// OpenAI-compatible upstream (bench scenario d2).
func BenchmarkMessagesToOpenAI(b *testing.B) {
	h := benchApp(b, "openai", "application/json", openaiUnary)
	benchServe(b, h, "/v1/messages", `{"model":"bench","max_tokens":64,"messages":[{"role":"user","content":"Say something short."}]}`,
		map[string]string{"anthropic-version": "2023-06-01", "Content-Type": "application/json"})
}

// BenchmarkChatToAnthropic is one unary Chat Completions request to an
// Anthropic upstream (bench scenario d3).
func BenchmarkChatToAnthropic(b *testing.B) {
	h := benchApp(b, "anthropic", "application/json", anthropicUnary)
	benchServe(b, h, "/v1/chat/completions", `{"model":"bench","messages":[{"role":"user","content":"Say something short."}],"max_tokens":64}`, nil)
}
