package bedrock_test

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/gateway"
	"github.com/basalt-gateway/basalt/internal/provider/bedrock"
	fu "github.com/basalt-gateway/basalt/internal/testutil/fakeupstream"
)

var _ gateway.Reranker = (*bedrock.Provider)(nil)

// TestRerankBodies: each rerank family gets its own native body and the
// answer's results come back as the model gave them.
func TestRerankBodies(t *testing.T) {
	for _, tc := range []struct {
		name, model, path string
		req               canon.RerankRequest
		body, answer      string
		want              []canon.RerankResult
	}{
		{"cohere", "cohere.rerank-v3-5:0", "/model/cohere.rerank-v3-5:0/invoke",
			canon.RerankRequest{Query: "q", Documents: []string{"a", `{"t":"b"}`}, TopN: ptr(1), MaxTokensPerDoc: ptr(100)},
			`{"api_version":2,"documents":["a","{\"t\":\"b\"}"],"max_tokens_per_doc":100,"query":"q","top_n":1}`,
			`{"id":"e3b4","results":[{"index":1,"relevance_score":0.73}]}`,
			[]canon.RerankResult{{Index: 1, Score: 0.73}}},
		{"cohere by ARN", "arn:aws:bedrock:us-west-2::foundation-model/cohere.rerank-v3-5:0", "/model/arn:aws:bedrock:us-west-2::foundation-model/cohere.rerank-v3-5:0/invoke",
			canon.RerankRequest{Query: "q", Documents: []string{"a"}, AdditionalFields: map[string]json.RawMessage{"priority": json.RawMessage(`"high"`)}},
			`{"api_version":2,"documents":["a"],"priority":"high","query":"q"}`,
			`{"id":"x","results":[{"index":0,"relevance_score":0.1}]}`,
			[]canon.RerankResult{{Index: 0, Score: 0.1}}},
		{"amazon", "amazon.rerank-v1:0", "/model/amazon.rerank-v1:0/invoke",
			canon.RerankRequest{Query: "q", Documents: []string{"a", "b", "c"}},
			`{"documents":["a","b","c"],"query":"q"}`,
			`{"results":[{"index":2,"relevance_score":0.9},{"index":0,"relevance_score":0.2},{"index":1,"relevance_score":0.01}]}`,
			[]canon.RerankResult{{Index: 2, Score: 0.9}, {Index: 0, Score: 0.2}, {Index: 1, Score: 0.01}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake, p := setup(t)
			fake.ReplyRaw(fu.BedrockRaw{Body: []byte(tc.answer)})
			req := tc.req
			req.Model = tc.model
			got, err := p.Rerank(context.Background(), &req)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.Results, tc.want) {
				t.Errorf("results %+v, want %+v", got.Results, tc.want)
			}
			reqs := fake.Requests()
			if len(reqs) != 1 || reqs[0].Path != tc.path || string(reqs[0].Body) != tc.body {
				t.Fatalf("upstream %d calls: %s %s\nwant %s %s", len(reqs), reqs[0].Path, reqs[0].Body, tc.path, tc.body)
			}
		})
	}
}

func TestRerankErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		model string
		req   canon.RerankRequest
		setup func(*fu.Bedrock)
		kind  apierr.Kind
	}{
		{"not a rerank model", "anthropic.claude-3-haiku-20240307-v1:0", canon.RerankRequest{Query: "q", Documents: []string{"a"}}, nil, apierr.Validation},
		{"amazon max tokens", "amazon.rerank-v1:0", canon.RerankRequest{Query: "q", Documents: []string{"a"}, MaxTokensPerDoc: ptr(5)}, nil, apierr.Validation},
		{"no documents", "amazon.rerank-v1:0", canon.RerankRequest{Query: "q"}, nil, apierr.Validation},
		{"throttled", "cohere.rerank-v3-5:0", canon.RerankRequest{Query: "q", Documents: []string{"a"}},
			func(f *fu.Bedrock) {
				f.Fail(429, "ThrottlingException", "Too many requests, please wait before trying again.")
			}, apierr.Throttling},
		{"upstream validation", "cohere.rerank-v3-5:0", canon.RerankRequest{Query: "q", Documents: []string{"a"}},
			func(f *fu.Bedrock) {
				f.Fail(400, "ValidationException", "Malformed input request: #/api_version: 1 is not greater or equal to 2, please reformat your input and try again.")
			}, apierr.Validation},
		{"malformed answer", "amazon.rerank-v1:0", canon.RerankRequest{Query: "q", Documents: []string{"a"}},
			func(f *fu.Bedrock) { f.ReplyRaw(fu.BedrockRaw{Body: []byte(`{"scores":[1]}`)}) }, apierr.ModelError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake, p := setup(t)
			if tc.setup != nil {
				tc.setup(fake)
			}
			req := tc.req
			req.Model = tc.model
			_, err := p.Rerank(context.Background(), &req)
			if apierr.KindOf(err) != tc.kind {
				t.Fatalf("err %v, want %v", err, tc.kind)
			}
			if tc.setup == nil && len(fake.Requests()) != 0 {
				t.Error("refused request reached the upstream")
			}
		})
	}
}
