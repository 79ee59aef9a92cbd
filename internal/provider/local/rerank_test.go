package local

import (
	"context"
	"encoding/json"
	"math"
	"testing"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/gateway"
)

var _ gateway.Reranker = (*Provider)(nil)

// corpus is the hand-computed example: after Words, the documents have 6,
// 3, 3 and 4 words, so N = 4 and avgdl = 16/4 = 4.
var corpus = []string{
	"The cat sat on the mat.", // the cat sat on the mat
	"The dog sat.",            // the dog sat
	"Cats and dogs",           // cats and dogs: no stemming, so neither cat nor dog
	"A cat, a cat!",           // a cat a cat
}

func docWords(docs []string) [][]string {
	out := make([][]string, len(docs))
	for i, d := range docs {
		out[i] = Words(d)
	}
	return out
}

// TestBM25HandComputed checks BM25 against values worked out by hand.
//
// Length normalisation k1·(1 − b + b·|D|/avgdl) per document:
// D0 (6 words) 1.2·(0.25 + 0.75·6/4) = 1.65; D1 (3) 1.2·0.8125 = 0.975;
// D3 (4) 1.2·1 = 1.2.
//
// "cat sat": cat is in D0 and D3, sat in D0 and D1, so n = 2 for both and
// idf = ln(1 + (4 − 2 + 0.5)/(2 + 0.5)) = ln 2 (the classic
// Robertson–Spärck Jones weight would be ln 1 = 0 here):
// D0 = 2 · ln2 · 2.2·1/(1 + 1.65) = 4.4·ln2/2.65 = 1.150885884703…
// D1 = ln2 · 2.2/(1 + 0.975) = 0.772113315054…
// D2 = 0
// D3 = ln2 · 2.2·2/(2 + 1.2) = 0.953077373269…
//
// "mat dog": each is in one document, idf = ln(1 + 3.5/1.5) = ln(10/3):
// D0 = ln(10/3) · 2.2/2.65 = 0.999524592270…, D1 = ln(10/3) · 2.2/1.975 =
// 1.341134263046…, D2 = D3 = 0 ("dogs" is not "dog").
func TestBM25HandComputed(t *testing.T) {
	for _, tc := range []struct {
		query string
		want  []float64
	}{
		{"cat sat", []float64{1.1508858847033054, 0.7721133150541163, 0, 0.9530773732699247}},
		{"Cat, SAT? cat", []float64{1.1508858847033054, 0.7721133150541163, 0, 0.9530773732699247}}, // case and repeats ignored
		{"mat dog", []float64{0.9995245922705885, 1.3411342630466123, 0, 0}},
		{"unicorn", []float64{0, 0, 0, 0}},
		{"", []float64{0, 0, 0, 0}},
	} {
		got := BM25(Words(tc.query), docWords(corpus))
		for i := range tc.want {
			if math.Abs(got[i]-tc.want[i]) > 1e-12 {
				t.Errorf("%q: BM25(D%d) = %.15f, want %.15f", tc.query, i, got[i], tc.want[i])
			}
		}
	}
}

// TestRelevanceHandComputed: the relevance is BM25 over its supremum
// Σ idf·(k1+1); with equal idfs the ln2 factors cancel:
// D0 = 2·(1/2.65)/2 = 1/2.65, D1 = (1/1.975)/2 = 1/3.95, D3 = (2/3.2)/2 = 0.3125.
func TestRelevanceHandComputed(t *testing.T) {
	got := Relevance(Words("cat sat"), docWords(corpus))
	want := []float64{1 / 2.65, 1 / 3.95, 0, 0.3125}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-12 {
			t.Errorf("relevance(D%d) = %.15f, want %.15f", i, got[i], want[i])
		}
	}
	// A document holding the query words very often approaches, never
	// reaches, 1.
	long := []string{""}
	for range 2000 {
		long[0] += "cat sat "
	}
	r := Relevance(Words("cat sat"), docWords(append(long, "dog")))
	if r[0] < 0.9 || r[0] >= 1 {
		t.Errorf("saturated relevance %v", r[0])
	}
	if r := Relevance(nil, nil); len(r) != 0 {
		t.Errorf("empty corpus: %v", r)
	}
	if r := Relevance(Words("x"), [][]string{{}, {}}); r[0] != 0 || r[1] != 0 {
		t.Errorf("empty documents: %v", r)
	}
}

func TestRerankProvider(t *testing.T) {
	p := New("local")
	two := 2
	resp, err := p.Rerank(context.Background(), &canon.RerankRequest{Model: RerankModel, Query: "cat sat", Documents: corpus, TopN: &two})
	if err != nil {
		t.Fatal(err)
	}
	// In document order with every document scored: the gateway sorts and cuts.
	if len(resp.Results) != 4 || resp.Results[1].Index != 1 || math.Abs(resp.Results[3].Score-0.3125) > 1e-12 {
		t.Errorf("results %+v", resp.Results)
	}
	if resp.InputTokens != 2+16 {
		t.Errorf("input tokens %d", resp.InputTokens)
	}

	// max_tokens_per_doc keeps the first words: D0 becomes "the cat", so
	// "mat" (its sixth word) no longer matches.
	for _, tc := range []struct {
		max    *int
		score  bool
		tokens int
	}{{nil, true, 1 + 16}, {&two, false, 1 + 8}} {
		resp, err = p.Rerank(context.Background(), &canon.RerankRequest{Model: RerankModel, Query: "mat", Documents: corpus, MaxTokensPerDoc: tc.max})
		if err != nil {
			t.Fatal(err)
		}
		if (resp.Results[0].Score > 0) != tc.score || resp.InputTokens != tc.tokens {
			t.Errorf("max %v: %+v, tokens %d", tc.max, resp.Results, resp.InputTokens)
		}
	}

	// A JSON document is ranked by its text.
	resp, _ = p.Rerank(context.Background(), &canon.RerankRequest{Model: RerankModel, Query: "password reset",
		Documents: []string{`{"title":"Reset your password","body":"Open settings"}`, `{"title":"Weather"}`}})
	if resp.Results[0].Score <= resp.Results[1].Score {
		t.Errorf("json documents: %+v", resp.Results)
	}
}

func TestRerankProviderRefuses(t *testing.T) {
	p := New("local")
	zero := 0
	for name, req := range map[string]*canon.RerankRequest{
		"other model":       {Model: TestModel, Query: "q", Documents: []string{"d"}},
		"additional fields": {Model: RerankModel, Query: "q", Documents: []string{"d"}, AdditionalFields: map[string]json.RawMessage{"return_documents": json.RawMessage("true")}},
		"max tokens 0":      {Model: RerankModel, Query: "q", Documents: []string{"d"}, MaxTokensPerDoc: &zero},
	} {
		if _, err := p.Rerank(context.Background(), req); apierr.KindOf(err) != apierr.Validation {
			t.Errorf("%s: err %v", name, err)
		}
	}
	// And conversations with the reranker are refused clearly.
	err := p.Converse(context.Background(), &canon.Request{Model: RerankModel, Messages: []canon.Message{{Role: canon.RoleUser, Content: []canon.Block{canon.TextBlock("hi")}}}},
		canon.EventWriterFunc(func(canon.Event) error { return nil }))
	if ae := apierr.As(err); ae.Kind != apierr.Validation || ae.Message == "" {
		t.Errorf("converse: %v", err)
	}
}
