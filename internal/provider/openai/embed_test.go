package openai

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/gateway"
	"github.com/basalt-gateway/basalt/internal/testutil/fakeupstream"
)

var _ gateway.Embedder = (*Provider)(nil)

// TestEmbedAgainstFake: the body on the wire is the Embeddings API's own,
// with no purpose or truncation (it has no field for them and the fake,
// like api.openai.com, refuses unknown keys), whatever the client asked.
func TestEmbedAgainstFake(t *testing.T) {
	dims := 256
	cases := []struct {
		name string
		req  canon.EmbedRequest
		want string
	}{
		{"plain", canon.EmbedRequest{Model: "text-embedding-3-small", Inputs: []string{"a", "b c"}},
			`{"model":"text-embedding-3-small","input":["a","b c"],"encoding_format":"float"}`},
		{"dimensions and user", canon.EmbedRequest{Model: "text-embedding-3-small", Inputs: []string{"a"}, Dimensions: &dims, User: "u-1"},
			`{"model":"text-embedding-3-small","input":["a"],"encoding_format":"float","dimensions":256,"user":"u-1"}`},
		{"query purpose and truncation not sent", canon.EmbedRequest{Model: "text-embedding-3-small", Inputs: []string{"where?"},
			Purpose: canon.EmbedQuery, QueryTarget: canon.EmbedTargetText, Truncate: canon.EmbedTruncateEnd},
			`{"model":"text-embedding-3-small","input":["where?"],"encoding_format":"float"}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fake := fakeupstream.NewOpenAI(t)
			p := newProvider(t, fake)
			resp, err := p.Embed(context.Background(), &tc.req)
			if err != nil {
				t.Fatal(err)
			}
			for i, s := range tc.req.Inputs {
				if want := fakeupstream.FakeEmbedding(s, i); fmt.Sprint(resp.Embeddings[i]) != fmt.Sprint(want) {
					t.Errorf("vector %d = %v, want %v", i, resp.Embeddings[i], want)
				}
			}
			if want := len(strings.Join(tc.req.Inputs, "")); resp.InputTokens != want {
				t.Errorf("input tokens %d, want %d", resp.InputTokens, want)
			}
			checkUpstream(t, fake, "/v1/embeddings", tc.want)
		})
	}
}

func TestEmbedErrors(t *testing.T) {
	fake := fakeupstream.NewOpenAI(t)
	p := newProvider(t, fake)
	req := func(model string) *canon.EmbedRequest {
		return &canon.EmbedRequest{Model: model, Inputs: []string{"x"}}
	}
	fake.Fail(429, "")
	if _, err := p.Embed(context.Background(), req("m")); apierr.KindOf(err) != apierr.Throttling {
		t.Errorf("429: %v", err)
	}
	// The fake's own 400, as api.openai.com answers dimensions for ada-002.
	dims := 256
	ada := req("text-embedding-ada-002")
	ada.Dimensions = &dims
	if _, err := p.Embed(context.Background(), ada); apierr.KindOf(err) != apierr.Validation || !strings.Contains(err.Error(), "does not support specifying dimensions") {
		t.Errorf("ada dimensions: %v", err)
	}
	if _, err := p.Embed(context.Background(), &canon.EmbedRequest{Model: "m"}); apierr.KindOf(err) != apierr.Validation {
		t.Errorf("no input: %v", err)
	}
	fake.Raw(200, "application/json", []byte(`{"data":[{"index":3,"embedding":[1]}]}`))
	if _, err := p.Embed(context.Background(), req("m")); apierr.KindOf(err) != apierr.ModelError {
		t.Errorf("bad index: %v", err)
	}
	if n := len(fake.Requests()); n != 3 {
		t.Errorf("%d upstream calls, want 3 (no call for an empty input)", n)
	}
}
