package bedrock_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/gateway"
	"github.com/basalt-gateway/basalt/internal/provider/bedrock"
	fu "github.com/basalt-gateway/basalt/internal/testutil/fakeupstream"
)

var _ gateway.Embedder = (*bedrock.Provider)(nil)

func intp(n int) *int { return &n }

// TestEmbedBodies: each embedding family gets its own native body (one
// call per text where the body takes one), the vectors come back in order
// and the input tokens are summed from the body or the token header.
func TestEmbedBodies(t *testing.T) {
	type call struct{ body, answer, tokens string }
	cases := []struct {
		name, model string
		req         canon.EmbedRequest
		calls       []call
		want        [][]float32
		tokens      int
	}{
		{"titan v2", "amazon.titan-embed-text-v2:0", canon.EmbedRequest{Inputs: []string{"one", "two words"}, Dimensions: intp(256)},
			[]call{
				{`{"inputText":"one","dimensions":256,"normalize":true}`, `{"embedding":[0.6,0.8],"inputTextTokenCount":1,"embeddingsByType":{"float":[0.6,0.8]}}`, ""},
				{`{"inputText":"two words","dimensions":256,"normalize":true}`, `{"embedding":[1,0],"inputTextTokenCount":2}`, ""},
			}, [][]float32{{0.6, 0.8}, {1, 0}}, 3},
		{"titan v1", "amazon.titan-embed-text-v1", canon.EmbedRequest{Inputs: []string{"hi"}},
			[]call{{`{"inputText":"hi"}`, `{"embedding":[0.5],"inputTextTokenCount":4}`, ""}}, [][]float32{{0.5}}, 4},
		{"titan profile id", "us.amazon.titan-embed-text-v2:0", canon.EmbedRequest{Inputs: []string{"hi"}},
			[]call{{`{"inputText":"hi","normalize":true}`, `{"embedding":[0.5],"inputTextTokenCount":1}`, ""}}, [][]float32{{0.5}}, 1},
		{"cohere v3", "cohere.embed-english-v3", canon.EmbedRequest{Inputs: []string{"a", "b c"}},
			[]call{{`{"texts":["a","b c"],"input_type":"search_document","embedding_types":["float"]}`,
				`{"id":"x","response_type":"embeddings_by_type","embeddings":{"float":[[1,0],[0,1]]},"texts":["a","b c"]}`, "5"}},
			[][]float32{{1, 0}, {0, 1}}, 5},
		{"cohere v4 float list", "cohere.embed-v4:0", canon.EmbedRequest{Inputs: []string{"a"}, Dimensions: intp(512)},
			[]call{{`{"texts":["a"],"input_type":"search_document","embedding_types":["float"],"output_dimension":512}`,
				`{"id":"x","response_type":"embeddings_floats","embeddings":[[0.25]],"texts":["a"]}`, "2"}},
			[][]float32{{0.25}}, 2},
		{"nova", "amazon.nova-2-multimodal-embeddings-v1:0", canon.EmbedRequest{Inputs: []string{"x", "y z"}, Dimensions: intp(384)},
			[]call{
				{`{"schemaVersion":"nova-multimodal-embed-v1","taskType":"SINGLE_EMBEDDING","singleEmbeddingParams":{"embeddingPurpose":"GENERIC_INDEX","embeddingDimension":384,"text":{"truncationMode":"NONE","value":"x"}}}`,
					`{"embeddings":[{"embeddingType":"TEXT","embedding":[0.1,0.2]}]}`, "1"},
				{`{"schemaVersion":"nova-multimodal-embed-v1","taskType":"SINGLE_EMBEDDING","singleEmbeddingParams":{"embeddingPurpose":"GENERIC_INDEX","embeddingDimension":384,"text":{"truncationMode":"NONE","value":"y z"}}}`,
					`{"embeddings":[{"embeddingType":"TEXT","embedding":[0.3,0.4]}]}`, "2"},
			}, [][]float32{{0.1, 0.2}, {0.3, 0.4}}, 3},
		// The client's purpose and truncation reach the asymmetric models
		// in their own words (canon.EmbedPurpose's table).
		{"cohere query", "cohere.embed-english-v3",
			canon.EmbedRequest{Inputs: []string{"where is it?"}, Purpose: canon.EmbedQuery, QueryTarget: canon.EmbedTargetText, Truncate: canon.EmbedTruncateEnd},
			[]call{{`{"texts":["where is it?"],"input_type":"search_query","truncate":"END","embedding_types":["float"]}`,
				`{"embeddings":[[0.5]]}`, "3"}}, [][]float32{{0.5}}, 3},
		{"cohere clustering", "cohere.embed-multilingual-v3",
			canon.EmbedRequest{Inputs: []string{"x"}, Purpose: canon.EmbedClustering, Truncate: canon.EmbedTruncateNone},
			[]call{{`{"texts":["x"],"input_type":"clustering","truncate":"NONE","embedding_types":["float"]}`,
				`{"embeddings":[[0.5]]}`, "1"}}, [][]float32{{0.5}}, 1},
		{"nova text query", "amazon.nova-2-multimodal-embeddings-v1:0",
			canon.EmbedRequest{Inputs: []string{"where is it?"}, Purpose: canon.EmbedQuery, QueryTarget: canon.EmbedTargetText, Truncate: canon.EmbedTruncateStart},
			[]call{{`{"schemaVersion":"nova-multimodal-embed-v1","taskType":"SINGLE_EMBEDDING","singleEmbeddingParams":{"embeddingPurpose":"TEXT_RETRIEVAL","text":{"truncationMode":"START","value":"where is it?"}}}`,
				`{"embeddings":[{"embeddingType":"TEXT","embedding":[0.5]}]}`, "3"}}, [][]float32{{0.5}}, 3},
		{"nova query from cohere", "amazon.nova-2-multimodal-embeddings-v1:0",
			canon.EmbedRequest{Inputs: []string{"q"}, Purpose: canon.EmbedQuery},
			[]call{{`{"schemaVersion":"nova-multimodal-embed-v1","taskType":"SINGLE_EMBEDDING","singleEmbeddingParams":{"embeddingPurpose":"GENERIC_RETRIEVAL","text":{"truncationMode":"NONE","value":"q"}}}`,
				`{"embeddings":[{"embeddingType":"TEXT","embedding":[0.5]}]}`, "1"}}, [][]float32{{0.5}}, 1},
		{"nova classification", "amazon.nova-2-multimodal-embeddings-v1:0",
			canon.EmbedRequest{Inputs: []string{"q"}, Purpose: canon.EmbedClassification, Truncate: canon.EmbedTruncateEnd},
			[]call{{`{"schemaVersion":"nova-multimodal-embed-v1","taskType":"SINGLE_EMBEDDING","singleEmbeddingParams":{"embeddingPurpose":"CLASSIFICATION","text":{"truncationMode":"END","value":"q"}}}`,
				`{"embeddings":[{"embeddingType":"TEXT","embedding":[0.5]}]}`, "1"}}, [][]float32{{0.5}}, 1},
		// Titan's body has no purpose or truncation field.
		{"titan query", "amazon.titan-embed-text-v2:0",
			canon.EmbedRequest{Inputs: []string{"q"}, Purpose: canon.EmbedQuery, Truncate: canon.EmbedTruncateEnd},
			[]call{{`{"inputText":"q","normalize":true}`, `{"embedding":[0.5],"inputTextTokenCount":1}`, ""}}, [][]float32{{0.5}}, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fake, p := setup(t)
			for _, c := range tc.calls {
				raw := fu.BedrockRaw{Body: []byte(c.answer)}
				if c.tokens != "" {
					raw.Headers = map[string]string{"X-Amzn-Bedrock-Input-Token-Count": c.tokens}
				}
				fake.ReplyRaw(raw)
			}
			req := tc.req
			req.Model = tc.model
			got, err := p.Embed(context.Background(), &req)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got.Embeddings) != fmt.Sprint(tc.want) || got.InputTokens != tc.tokens {
				t.Errorf("got %v, %d tokens; want %v, %d", got.Embeddings, got.InputTokens, tc.want, tc.tokens)
			}
			reqs := fake.Requests()
			if len(reqs) != len(tc.calls) {
				t.Fatalf("%d upstream calls, want %d", len(reqs), len(tc.calls))
			}
			for i, c := range tc.calls {
				if reqs[i].Path != "/model/"+tc.model+"/invoke" || string(reqs[i].Body) != c.body {
					t.Errorf("call %d: %s %s\nwant body %s", i, reqs[i].Path, reqs[i].Body, c.body)
				}
			}
		})
	}
}

// TestEmbedCohereBatches: more than 96 texts go in several calls, in order.
func TestEmbedCohereBatches(t *testing.T) {
	fake, p := setup(t)
	inputs := make([]string, 100)
	for i := range inputs {
		inputs[i] = fmt.Sprint("t", i)
	}
	answer := func(n, first int) []byte {
		vecs := make([]string, n)
		for i := range vecs {
			vecs[i] = fmt.Sprintf("[%d]", first+i)
		}
		return []byte(`{"embeddings":{"float":[` + strings.Join(vecs, ",") + `]}}`)
	}
	fake.ReplyRaw(fu.BedrockRaw{Body: answer(96, 0), Headers: map[string]string{"X-Amzn-Bedrock-Input-Token-Count": "96"}})
	fake.ReplyRaw(fu.BedrockRaw{Body: answer(4, 96), Headers: map[string]string{"X-Amzn-Bedrock-Input-Token-Count": "4"}})
	got, err := p.Embed(context.Background(), &canon.EmbedRequest{Model: "cohere.embed-multilingual-v3", Inputs: inputs})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Embeddings) != 100 || got.Embeddings[99][0] != 99 || got.InputTokens != 100 {
		t.Errorf("got %d vectors, last %v, %d tokens", len(got.Embeddings), got.Embeddings[99], got.InputTokens)
	}
	if reqs := fake.Requests(); len(reqs) != 2 || !strings.Contains(string(reqs[1].Body), `"texts":["t96","t97","t98","t99"]`) {
		t.Errorf("upstream calls: %d, second %s", len(reqs), reqs[len(reqs)-1].Body)
	}
}

func TestEmbedErrors(t *testing.T) {
	cases := []struct {
		name  string
		req   canon.EmbedRequest
		setup func(f *fu.Bedrock)
		kind  apierr.Kind
		want  string
		calls int
	}{
		{"chat model", canon.EmbedRequest{Model: "amazon.nova-lite-v1:0", Inputs: []string{"x"}}, nil,
			apierr.Validation, `cannot compute embeddings with model "amazon.nova-lite-v1:0"`, 0},
		{"alias", canon.EmbedRequest{Model: "my-embedder", Inputs: []string{"x"}}, nil, apierr.Validation, "Cohere Embed (cohere.embed-*)", 0},
		{"no input", canon.EmbedRequest{Model: "amazon.titan-embed-text-v2:0"}, nil, apierr.Validation, "no input", 0},
		{"titan image", canon.EmbedRequest{Model: "amazon.titan-embed-image-v1", Inputs: []string{"x"}}, nil, apierr.Validation, "amazon.titan-embed-text-*", 0},
		{"titan v1 dimensions", canon.EmbedRequest{Model: "amazon.titan-embed-text-v1", Inputs: []string{"x"}, Dimensions: intp(256)}, nil,
			apierr.Validation, "does not take dimensions", 0},
		{"cohere v3 dimensions", canon.EmbedRequest{Model: "cohere.embed-english-v3", Inputs: []string{"x"}, Dimensions: intp(256)}, nil,
			apierr.Validation, "does not take dimensions", 0},
		{"nova dimensions", canon.EmbedRequest{Model: "amazon.nova-2-multimodal-embeddings-v1:0", Inputs: []string{"x"}, Dimensions: intp(512)}, nil,
			apierr.Validation, "256, 384, 1024 or 3072, not 512", 0},
		{"upstream validation", canon.EmbedRequest{Model: "amazon.titan-embed-text-v2:0", Inputs: []string{"x"}, Dimensions: intp(300)},
			func(f *fu.Bedrock) {
				f.Fail(400, "ValidationException", "Malformed input request: #/dimensions: 300 is not a valid enum value")
			}, apierr.Validation, "300 is not a valid enum value", 1},
		{"throttled", canon.EmbedRequest{Model: "cohere.embed-english-v3", Inputs: []string{"x"}},
			func(f *fu.Bedrock) { f.Fail(429, "ThrottlingException", "Too many requests") }, apierr.Throttling, "Too many requests", 1},
		{"second call fails", canon.EmbedRequest{Model: "amazon.nova-2-multimodal-embeddings-v1:0", Inputs: []string{"x", "y"}},
			func(f *fu.Bedrock) {
				f.ReplyRaw(fu.BedrockRaw{Body: []byte(`{"embeddings":[{"embeddingType":"TEXT","embedding":[1]}]}`)})
				f.Fail(503, "ServiceUnavailableException", "busy")
			}, apierr.Unavailable, "busy", 2},
		{"malformed titan answer", canon.EmbedRequest{Model: "amazon.titan-embed-text-v2:0", Inputs: []string{"x"}},
			func(f *fu.Bedrock) { f.ReplyRaw(fu.BedrockRaw{Body: []byte(`{"embedding":"no"}`)}) }, apierr.ModelError, "not its embeddings answer", 1},
		{"empty titan answer", canon.EmbedRequest{Model: "amazon.titan-embed-text-v2:0", Inputs: []string{"x"}},
			func(f *fu.Bedrock) { f.ReplyRaw(fu.BedrockRaw{Body: []byte(`{"inputTextTokenCount":1}`)}) }, apierr.ModelError, "without the embeddings", 1},
		{"cohere count mismatch", canon.EmbedRequest{Model: "cohere.embed-english-v3", Inputs: []string{"x", "y"}},
			func(f *fu.Bedrock) { f.ReplyRaw(fu.BedrockRaw{Body: []byte(`{"embeddings":[[1]]}`)}) }, apierr.ModelError, "without the embeddings", 1},
		{"nova image answer", canon.EmbedRequest{Model: "amazon.nova-2-multimodal-embeddings-v1:0", Inputs: []string{"x"}},
			func(f *fu.Bedrock) {
				f.ReplyRaw(fu.BedrockRaw{Body: []byte(`{"embeddings":[{"embeddingType":"IMAGE","embedding":[1]}]}`)})
			}, apierr.ModelError, "no TEXT embedding", 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fake, p := setup(t)
			if tc.setup != nil {
				tc.setup(fake)
			}
			req := tc.req
			_, err := p.Embed(context.Background(), &req)
			if apierr.KindOf(err) != tc.kind || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v (kind %v), want %v containing %q", err, apierr.KindOf(err), tc.kind, tc.want)
			}
			if n := len(fake.Requests()); n != tc.calls {
				t.Errorf("%d upstream calls, want %d", n, tc.calls)
			}
			if strings.Contains(err.Error(), testSecretKey) || strings.Contains(err.Error(), testToken) {
				t.Errorf("secret in error: %v", err)
			}
		})
	}
}
