package openai

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/gateway"
	"github.com/basalt-gateway/basalt/internal/testutil/fakeupstream"
)

var _ gateway.Reranker = (*Provider)(nil)

func TestRerankAgainstFake(t *testing.T) {
	fake := fakeupstream.NewOpenAI(t)
	p := newProvider(t, fake)
	top, maxTok := 2, 64
	req := &canon.RerankRequest{Model: "bge-reranker-v2-m3", Query: "reset my password",
		Documents: []string{"weather in Lisbon", "how to reset a password", "reset the router"}, TopN: &top, MaxTokensPerDoc: &maxTok,
		AdditionalFields: map[string]json.RawMessage{"return_documents": json.RawMessage("false")}}
	resp, err := p.Rerank(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Results) != 2 || resp.Results[0].Index != 1 || resp.Results[1].Index != 2 {
		t.Fatalf("results %+v", resp.Results)
	}
	if want := fakeupstream.FakeRerankScore(req.Query, req.Documents[1]); resp.Results[0].Score != want {
		t.Errorf("score %v, want %v", resp.Results[0].Score, want)
	}
	if want := len(req.Query) + len("weather in Lisbon") + len("how to reset a password") + len("reset the router"); resp.InputTokens != want {
		t.Errorf("input tokens %d, want %d", resp.InputTokens, want)
	}
	checkUpstream(t, fake, "/v1/rerank", `{"documents":["weather in Lisbon","how to reset a password","reset the router"],`+
		`"max_tokens_per_doc":64,"model":"bge-reranker-v2-m3","query":"reset my password","return_documents":false,"top_n":2}`)
}

func TestRerankErrors(t *testing.T) {
	fake := fakeupstream.NewOpenAI(t)
	p := newProvider(t, fake)
	ok := func() *canon.RerankRequest {
		return &canon.RerankRequest{Model: "m", Query: "q", Documents: []string{"d"}}
	}
	fake.Fail(429, "")
	if _, err := p.Rerank(context.Background(), ok()); apierr.KindOf(err) != apierr.Throttling {
		t.Errorf("429: %v", err)
	}
	fake.Fail(404, fakeupstream.OpenAIError{Message: "Invalid URL (POST /v1/rerank)", Type: "invalid_request_error"}.Body())
	if _, err := p.Rerank(context.Background(), ok()); apierr.KindOf(err) != apierr.NotFound {
		t.Errorf("404: %v", err)
	}
	clash := ok()
	clash.AdditionalFields = map[string]json.RawMessage{"query": json.RawMessage(`"x"`)}
	if _, err := p.Rerank(context.Background(), clash); apierr.KindOf(err) != apierr.Validation {
		t.Errorf("clashing field: %v", err)
	}
	if _, err := p.Rerank(context.Background(), &canon.RerankRequest{Model: "m", Query: "q"}); apierr.KindOf(err) != apierr.Validation {
		t.Errorf("no documents: %v", err)
	}
	// The fake's own 400 for a bad request reaches the caller as a validation error.
	bad := ok()
	bad.Model = ""
	if _, err := p.Rerank(context.Background(), bad); apierr.KindOf(err) != apierr.Validation {
		t.Errorf("400: %v", err)
	}
}

func TestRerankMalformedAnswers(t *testing.T) {
	for name, body := range map[string]string{
		"not json":   `<html>`,
		"no results": `{"data":[]}`,
		"no score":   `{"results":[{"index":0}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(body))
			}))
			defer srv.Close()
			p, err := New(Config{Name: "x", BaseURL: srv.URL + "/v1"})
			if err != nil {
				t.Fatal(err)
			}
			_, err = p.Rerank(context.Background(), &canon.RerankRequest{Model: "m", Query: "q", Documents: []string{"d"}})
			if ae := apierr.As(err); ae.Kind != apierr.ModelError || !strings.Contains(ae.Message, `"x"`) {
				t.Errorf("err %v", err)
			}
		})
	}
	// Cohere's usage shape is read too.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`{"id":"a","results":[{"index":0,"relevance_score":0.5}],"meta":{"tokens":{"input_tokens":12}}}`))
	}))
	defer srv.Close()
	p, _ := New(Config{Name: "x", BaseURL: srv.URL})
	resp, err := p.Rerank(context.Background(), &canon.RerankRequest{Model: "m", Query: "q", Documents: []string{"d"}})
	if err != nil || resp.InputTokens != 12 {
		t.Errorf("cohere meta: %+v %v", resp, err)
	}
}
