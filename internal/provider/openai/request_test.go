package openai

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"reflect"
	"testing"
)

type requestTestKey struct{}

// TestNewRequestMatchesNewRequestWithContext pins newRequest to what
// http.NewRequestWithContext builds, for the endpoint shapes New accepts.
func TestNewRequestMatchesNewRequestWithContext(t *testing.T) {
	ctx := context.WithValue(context.Background(), requestTestKey{}, 1)
	payload := []byte(`{"model":"m"}`)
	for _, base := range []string{
		"http://localhost:11434/v1", "https://api.openai.com/v1/", "http://h:/v1", "http://[::1]:8000/v1",
		"http://user:pw@h/a%2Fb/v1", "http://h/v1?x=1",
	} {
		for _, key := range []string{"", "sk-1"} {
			p, err := New(Config{BaseURL: base, APIKey: key})
			if err != nil {
				t.Fatalf("%s: %v", base, err)
			}
			got := p.newRequest(ctx, payload, "text/event-stream")
			want, err := http.NewRequestWithContext(ctx, http.MethodPost, p.endpoint, bytes.NewReader(payload))
			if err != nil {
				t.Fatal(err)
			}
			want.Header = http.Header{"Content-Type": {"application/json"}, "User-Agent": {"basalt"}, "Accept": {"text/event-stream"}}
			if key != "" {
				want.Header["Authorization"] = []string{"Bearer " + key}
			}
			compareRequests(t, base, got, want)
		}
	}
}

func compareRequests(t *testing.T, name string, got, want *http.Request) {
	t.Helper()
	if got.Context() != want.Context() || got.Method != want.Method || !reflect.DeepEqual(got.URL, want.URL) || got.Host != want.Host ||
		got.Proto != want.Proto || got.ProtoMajor != want.ProtoMajor || got.ProtoMinor != want.ProtoMinor ||
		got.ContentLength != want.ContentLength || !reflect.DeepEqual(got.Header, want.Header) {
		t.Fatalf("%s:\n got %+v\nwant %+v", name, got, want)
	}
	for _, r := range []struct {
		name      string
		got, want func() (io.ReadCloser, error)
	}{
		{"body", func() (io.ReadCloser, error) { return got.Body, nil }, func() (io.ReadCloser, error) { return want.Body, nil }},
		{"GetBody", got.GetBody, want.GetBody},
		{"GetBody again", got.GetBody, want.GetBody},
	} {
		g, _ := r.got()
		w, _ := r.want()
		gb, _ := io.ReadAll(g)
		wb, _ := io.ReadAll(w)
		if !bytes.Equal(gb, wb) {
			t.Fatalf("%s: %s %q, want %q", name, r.name, gb, wb)
		}
	}
	// The transport sends an in-memory body with the headers (it
	// recognises io.NopCloser of a *bytes.Reader); a body of another type
	// would be flushed separately.
	if reflect.TypeOf(got.Body) != reflect.TypeOf(want.Body) {
		t.Fatalf("%s: body is a %T, want %T", name, got.Body, want.Body)
	}
}
