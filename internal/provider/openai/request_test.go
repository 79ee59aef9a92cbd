package openai

import (
	"context"
	"net/http"
	"reflect"
	"testing"
)

// TestNewRequestHeaders checks what the provider adds to
// upstreamhttp.Post (which is pinned to http.NewRequestWithContext there):
// its endpoint and headers, the key only when there is one.
func TestNewRequestHeaders(t *testing.T) {
	for _, key := range []string{"", "sk-1"} {
		p, err := New(Config{BaseURL: "http://h:/v1", APIKey: key})
		if err != nil {
			t.Fatal(err)
		}
		got := p.newRequest(context.Background(), []byte(`{}`), "text/event-stream")
		want := http.Header{"Content-Type": {"application/json"}, "User-Agent": {"basalt"}, "Accept": {"text/event-stream"}}
		if key != "" {
			want["Authorization"] = []string{"Bearer " + key}
		}
		if got.URL.String() != "http://h/v1/chat/completions" || !reflect.DeepEqual(got.Header, want) {
			t.Fatalf("key %q: %s %v, want %v", key, got.URL, got.Header, want)
		}
	}
}
