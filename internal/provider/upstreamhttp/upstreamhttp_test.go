package upstreamhttp

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"reflect"
	"testing"
)

type requestTestKey struct{}

// TestPostMatchesNewRequestWithContext pins Post to what
// http.NewRequestWithContext builds, for the endpoint shapes the providers
// accept, with and without a body, and with headers left out when empty.
func TestPostMatchesNewRequestWithContext(t *testing.T) {
	ctx := context.WithValue(context.Background(), requestTestKey{}, 1)
	for _, raw := range []string{
		"http://localhost:11434/v1/chat/completions", "https://api.openai.com/v1/", "http://h:/v1", "http://[::1]:8000/v1",
		"http://user:pw@h/a%2Fb/v1", "http://h/v1?x=1", "https://api.anthropic.com/v1/messages",
	} {
		for _, payload := range [][]byte{[]byte(`{"model":"m"}`), nil} {
			u, err := ParseEndpoint(raw)
			if err != nil {
				t.Fatal(err)
			}
			got := Post(ctx, u, payload, "Content-Type", "application/json", "Authorization", "", "Accept", "text/event-stream")
			var body io.Reader
			if payload != nil {
				body = bytes.NewReader(payload)
			}
			want, err := http.NewRequestWithContext(ctx, http.MethodPost, raw, body)
			if err != nil {
				t.Fatal(err)
			}
			want.Header = http.Header{"Content-Type": {"application/json"}, "Accept": {"text/event-stream"}}
			compareRequests(t, raw, got, want)
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
	if want.GetBody == nil {
		want.GetBody = func() (io.ReadCloser, error) { return http.NoBody, nil }
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
		var gb, wb []byte
		if g != nil {
			gb, _ = io.ReadAll(g)
		}
		if w != nil {
			wb, _ = io.ReadAll(w)
		}
		if !bytes.Equal(gb, wb) {
			t.Fatalf("%s: %s %q, want %q", name, r.name, gb, wb)
		}
	}
	// The transport sends an in-memory body with the headers (it
	// recognises io.NopCloser of a *bytes.Reader); a body of another type
	// would be flushed separately.
	if want.Body != nil && reflect.TypeOf(got.Body) != reflect.TypeOf(want.Body) {
		t.Fatalf("%s: body is a %T, want %T", name, got.Body, want.Body)
	}
}
