package invoke

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/basalt-gateway/basalt/internal/canon"
)

// rerankGW is a gateway that reranks by scoring each document by its length.
type rerankGW struct{ got *canon.RerankRequest }

func (*rerankGW) Converse(context.Context, *canon.Request, canon.EventWriter) error { return nil }

func (g *rerankGW) Rerank(_ context.Context, req *canon.RerankRequest) (*canon.RerankResponse, error) {
	g.got = req
	out := &canon.RerankResponse{InputTokens: 5}
	for i, d := range req.Documents {
		out.Results = append(out.Results, canon.RerankResult{Index: i, Score: float64(len(d)) / 100})
	}
	return out, nil
}

// convOnly cannot rerank.
type convOnly struct{}

func (convOnly) Converse(context.Context, *canon.Request, canon.EventWriter) error { return nil }

func TestInvokeRerank(t *testing.T) {
	for _, tc := range []struct {
		model, body, wantKey string
		dialectCohere        bool
	}{
		{"cohere.rerank-v3-5:0", `{"query":"q","documents":["a","bbb"],"api_version":2,"top_n":1}`, "id", true},
		{"basalt-rerank", `{"query":"q","documents":["a","bbb"],"api_version":2}`, "id", true},
		{"amazon.rerank-v1:0", `{"query":"q","documents":["a","bbb"]}`, "", false},
	} {
		t.Run(tc.model, func(t *testing.T) {
			gw := &rerankGW{}
			w := invokeOp(t, gw, tc.model, tc.body, false)
			if w.Code != http.StatusOK {
				t.Fatalf("status %d: %s", w.Code, w.Body)
			}
			var m map[string]json.RawMessage
			if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil {
				t.Fatal(err)
			}
			if _, hasID := m["id"]; hasID != tc.dialectCohere || m["results"] == nil {
				t.Errorf("body %s", w.Body)
			}
			if gw.got.Model != tc.model || gw.got.Query != "q" || len(gw.got.Documents) != 2 {
				t.Errorf("canonical request %+v", gw.got)
			}
			if w.Header().Get("X-Amzn-Bedrock-Input-Token-Count") != "5" || w.Header().Get("Content-Type") != "application/json" {
				t.Errorf("headers %v", w.Header())
			}
		})
	}
}

func TestInvokeRerankRefuses(t *testing.T) {
	for _, tc := range []struct {
		name   string
		gw     any
		model  string
		body   string
		stream bool
		want   string
	}{
		{"stream", &rerankGW{}, "cohere.rerank-v3-5:0", `{"query":"q","documents":["a"],"api_version":2}`, true, "InvokeModelWithResponseStream does not serve"},
		{"no capability", convOnly{}, "amazon.rerank-v1:0", `{"query":"q","documents":["a"]}`, false, "cannot rerank"},
		{"bad body", &rerankGW{}, "cohere.rerank-v3-5:0", `{"query":"q","documents":["a"]}`, false, "#/api_version: 1 is not greater or equal to 2"},
		{"amazon body keys", &rerankGW{}, "amazon.rerank-v1:0", `{"query":"q","documents":["a"],"api_version":2}`, false, "extraneous key [api_version]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := invokeOp(t, tc.gw, tc.model, tc.body, tc.stream)
			if w.Code != http.StatusBadRequest || !strings.HasPrefix(w.Header().Get("x-amzn-ErrorType"), "ValidationException") ||
				!strings.Contains(w.Body.String(), tc.want) {
				t.Errorf("status %d %s: %s", w.Code, w.Header().Get("x-amzn-ErrorType"), w.Body)
			}
		})
	}
}
