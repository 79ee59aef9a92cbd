package local

import (
	"context"
	"math"
	"slices"
	"testing"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/gateway"
)

var _ gateway.Embedder = (*Provider)(nil)

func dot(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

func TestEmbeddingDeterministicUnitLength(t *testing.T) {
	for _, dims := range EmbedDimensions {
		a, n := Embedding("The quick brown fox jumps over the lazy dog.", dims)
		b, _ := Embedding("The quick brown fox jumps over the lazy dog.", dims)
		if len(a) != dims || n != 9 || !slices.Equal(a, b) {
			t.Fatalf("dims %d: len %d, words %d, equal %v", dims, len(a), n, slices.Equal(a, b))
		}
		if l := math.Sqrt(dot(a, a)); math.Abs(l-1) > 1e-5 {
			t.Errorf("dims %d: length %v", dims, l)
		}
	}
	if v, n := Embedding(" ,.; ", 1024); n != 0 || dot(v, v) != 0 {
		t.Errorf("no words: %d words, norm² %v", n, dot(v, v))
	}
}

// TestEmbeddingPinned pins a few coordinates so the vectors cannot drift
// between versions (stored indexes would silently go stale).
func TestEmbeddingPinned(t *testing.T) {
	v, _ := Embedding("hello world", 1024)
	var nz int
	var sum float64
	for _, x := range v {
		if x != 0 {
			nz++
		}
		sum += float64(x)
	}
	// 2 words + 1 bigram + 10 trigrams, two of which share a slot.
	if nz != 12 {
		t.Errorf("non-zero slots = %d", nz)
	}
	if math.Abs(sum-embedPinnedSum) > 1e-6 {
		t.Errorf("sum = %.9f, want %.9f", sum, embedPinnedSum)
	}
}

func TestEmbeddingSimilarity(t *testing.T) {
	q, _ := Embedding("How do I reset my account password?", 1024)
	para, _ := Embedding("Resetting the password of your account", 1024)
	unrelated, _ := Embedding("The weather in Lisbon is sunny today", 1024)
	if p, u := dot(q, para), dot(q, unrelated); p <= u || p < 0.2 {
		t.Errorf("paraphrase %.3f, unrelated %.3f", p, u)
	}
	// Folding keeps the ordering.
	for _, d := range []int{256, 512} {
		q, _ := Embedding("How do I reset my account password?", d)
		p, _ := Embedding("Resetting the password of your account", d)
		u, _ := Embedding("The weather in Lisbon is sunny today", d)
		if dot(q, p) <= dot(q, u) {
			t.Errorf("dims %d: paraphrase %.3f, unrelated %.3f", d, dot(q, p), dot(q, u))
		}
	}
	// Character 3-grams tolerate inflection.
	a, _ := Embedding("connection", 1024)
	b, _ := Embedding("connections", 1024)
	c, _ := Embedding("banana", 1024)
	if dot(a, b) < 0.5 || dot(a, c) > 0.3 {
		t.Errorf("connection~connections %.3f, ~banana %.3f", dot(a, b), dot(a, c))
	}
}

func TestEmbedProvider(t *testing.T) {
	p := New("local")
	d := 256
	resp, err := p.Embed(context.Background(), &canon.EmbedRequest{Model: EmbedModel, Inputs: []string{"one two", "three"}, Dimensions: &d})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Embeddings) != 2 || len(resp.Embeddings[0]) != 256 || resp.InputTokens != 3 {
		t.Errorf("resp: %d vectors, %d dims, %d tokens", len(resp.Embeddings), len(resp.Embeddings[0]), resp.InputTokens)
	}
	bad := 300
	for _, req := range []*canon.EmbedRequest{
		{Model: EmbedModel, Inputs: []string{"x"}, Dimensions: &bad},
		{Model: TestModel, Inputs: []string{"x"}},
	} {
		if _, err := p.Embed(context.Background(), req); apierr.As(err).Kind != apierr.Validation {
			t.Errorf("%+v: err = %v", req, err)
		}
	}
	if !slices.Contains(p.Models(), EmbedModel) {
		t.Error("Models() lacks basalt-embed")
	}
	err = p.Converse(context.Background(), &canon.Request{Model: EmbedModel}, canon.EventWriterFunc(func(canon.Event) error { return nil }))
	if apierr.As(err).Kind != apierr.Validation {
		t.Errorf("Converse(basalt-embed) = %v", err)
	}
}

func BenchmarkEmbedding(b *testing.B) {
	text := "Basalt is a self-hosted model gateway that speaks the Bedrock runtime API and routes to many providers."
	for b.Loop() {
		Embedding(text, 1024)
	}
}

const embedPinnedSum = 1.224744916
