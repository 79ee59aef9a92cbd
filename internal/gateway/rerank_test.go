package gateway

import (
	"context"
	"math"
	"reflect"
	"testing"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
)

// reranker is a provider that reranks with scripted results.
type reranker struct {
	fake
	results []canon.RerankResult
	err     error
}

func (r *reranker) Rerank(_ context.Context, req *canon.RerankRequest) (*canon.RerankResponse, error) {
	r.calls++
	r.got = req.Model
	if r.err != nil {
		return nil, r.err
	}
	return &canon.RerankResponse{Results: r.results, InputTokens: 7}, nil
}

func intp(n int) *int { return &n }

func TestRerankOrdersAndCuts(t *testing.T) {
	docs := []string{"a", "b", "c", "d"}
	unordered := []canon.RerankResult{{Index: 0, Score: 0.1}, {Index: 3, Score: 0.9}, {Index: 1, Score: 0.5}, {Index: 2, Score: 0.5}}
	for _, tc := range []struct {
		name string
		topN *int
		want []canon.RerankResult
	}{
		{"all", nil, []canon.RerankResult{{Index: 3, Score: 0.9}, {Index: 1, Score: 0.5}, {Index: 2, Score: 0.5}, {Index: 0, Score: 0.1}}},
		{"top2", intp(2), []canon.RerankResult{{Index: 3, Score: 0.9}, {Index: 1, Score: 0.5}}},
		{"top larger than docs", intp(10), []canon.RerankResult{{Index: 3, Score: 0.9}, {Index: 1, Score: 0.5}, {Index: 2, Score: 0.5}, {Index: 0, Score: 0.1}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &reranker{fake: fake{name: "p"}, results: unordered}
			var rec callLog
			g := New(NewTable([]Route{{ID: "r", Provider: p, Upstream: "up"}}, nil, nil, nil), nil)
			g.Recorder = &rec
			resp, err := g.Rerank(context.Background(), &canon.RerankRequest{Model: "r", Query: "q", Documents: docs, TopN: tc.topN})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(resp.Results, tc.want) {
				t.Errorf("results %+v, want %+v", resp.Results, tc.want)
			}
			if p.got != "up" || len(rec) != 1 || rec[0].Usage.InputTokens != 7 {
				t.Errorf("upstream %q, calls %+v", p.got, rec)
			}
			// The provider's slice is not reordered behind its back.
			if unordered[0].Index != 0 {
				t.Error("provider results mutated")
			}
		})
	}
}

func TestRerankRejectsMalformedAnswers(t *testing.T) {
	for name, results := range map[string][]canon.RerankResult{
		"out of range": {{Index: 2, Score: 1}},
		"negative":     {{Index: -1, Score: 1}},
		"duplicate":    {{Index: 0, Score: 1}, {Index: 0, Score: 0.5}},
		"NaN":          {{Index: 0, Score: math.NaN()}},
	} {
		t.Run(name, func(t *testing.T) {
			p := &reranker{fake: fake{name: "p"}, results: results}
			g := New(NewTable([]Route{{ID: "r", Provider: p}}, nil, nil, nil), nil)
			_, err := g.Rerank(context.Background(), &canon.RerankRequest{Model: "r", Documents: []string{"a", "b"}})
			if apierr.KindOf(err) != apierr.ModelError {
				t.Fatalf("err %v, want ModelError", err)
			}
		})
	}
}

func TestRerankSkipsProvidersWithoutTheCapability(t *testing.T) {
	plain := &fake{name: "plain", run: answer("x")}
	down := &reranker{fake: fake{name: "down"}, err: apierr.New(apierr.Unavailable, "down")}
	good := &reranker{fake: fake{name: "good"}, results: []canon.RerankResult{{Index: 0, Score: 1}}}
	g := New(NewTable([]Route{
		{ID: "r", Provider: plain, Upstream: "p"},
		{ID: "r", Provider: down, Upstream: "d"},
		{ID: "r", Provider: good, Upstream: "g"},
	}, nil, nil, nil), nil)
	resp, err := g.Rerank(context.Background(), &canon.RerankRequest{Model: "r", Documents: []string{"a"}})
	if err != nil || len(resp.Results) != 1 || down.calls != 1 || good.got != "g" {
		t.Fatalf("resp %+v err %v, down calls %d, good got %q", resp, err, down.calls, good.got)
	}

	// Only providers that cannot rerank: the capability error names the first.
	g = New(NewTable([]Route{{ID: "r", Provider: plain}}, nil, nil, nil), nil)
	_, err = g.Rerank(context.Background(), &canon.RerankRequest{Model: "r", Documents: []string{"a"}})
	if ae := apierr.As(err); ae.Kind != apierr.Validation || ae.Message != `model "r" is served by provider "plain", which cannot rerank documents` {
		t.Fatalf("err %v", err)
	}
}
