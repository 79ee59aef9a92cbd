package anthropic

import (
	"context"
	"net/http"
	"reflect"
	"testing"
)

// TestNewRequestHeaders checks what the provider adds to
// upstreamhttp.Post (which is pinned to http.NewRequestWithContext there):
// its endpoint and headers, anthropic-beta only when betas are asked for.
func TestNewRequestHeaders(t *testing.T) {
	for _, betas := range [][]string{nil, {"a", "b"}} {
		p, err := New(Config{BaseURL: "http://h:", APIKey: "k", Version: "2023-06-01"})
		if err != nil {
			t.Fatal(err)
		}
		got := p.newRequest(context.Background(), []byte(`{}`), "application/json", betas)
		want := http.Header{"Content-Type": {"application/json"}, "Anthropic-Version": {"2023-06-01"},
			"Accept": {"application/json"}, "User-Agent": {"basalt"}, "X-Api-Key": {"k"}}
		if betas != nil {
			want["Anthropic-Beta"] = []string{"a,b"}
		}
		if got.URL.String() != "http://h/v1/messages" || !reflect.DeepEqual(got.Header, want) {
			t.Fatalf("betas %v: %s %v, want %v", betas, got.URL, got.Header, want)
		}
	}
}
