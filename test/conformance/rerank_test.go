package conformance

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentruntime/document"
	agenttypes "github.com/aws/aws-sdk-go-v2/service/bedrockagentruntime/types"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"

	"github.com/basalt-gateway/basalt/internal/app"
	"github.com/basalt-gateway/basalt/internal/provider/bedrock"
	"github.com/basalt-gateway/basalt/internal/testutil/fakeupstream"
	"github.com/basalt-gateway/basalt/internal/testutil/golden"
)

const (
	cohereRerankID = "cohere.rerank-v3-5:0"
	amazonRerankID = "amazon.rerank-v1:0"
)

// rerankQuery and rerankDocs: a paraphrase of the query, a document on
// another subject sharing one word, and unrelated ones.
const rerankQuery = "How do I reset my account password?"

var rerankDocs = []string{
	"The weather in Lisbon is sunny today.",
	"To reset the password of your account, open Settings and choose Security.",
	"Our account managers answer the phone on weekdays.",
	"Paella is a rice dish from Valencia.",
}

// agentClient is the bedrockagentruntime SDK client pointed at url.
func agentClient(t *testing.T, url string) *bedrockagentruntime.Client {
	t.Helper()
	hc := &http.Client{Transport: &http.Transport{}}
	t.Cleanup(hc.CloseIdleConnections)
	return bedrockagentruntime.New(bedrockagentruntime.Options{
		BaseEndpoint:     aws.String(url),
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		HTTPClient:       bedrock.SafeHTTPClient(hc),
		RetryMaxAttempts: 1,
	})
}

func textSource(s string) agenttypes.RerankSource {
	return agenttypes.RerankSource{Type: agenttypes.RerankSourceTypeInline, InlineDocumentSource: &agenttypes.RerankDocument{
		Type: agenttypes.RerankDocumentTypeText, TextDocument: &agenttypes.RerankTextDocument{Text: aws.String(s)}}}
}

func rerankInput(modelArn, query string, sources []agenttypes.RerankSource, n *int32) *bedrockagentruntime.RerankInput {
	return &bedrockagentruntime.RerankInput{
		Queries: []agenttypes.RerankQuery{{Type: agenttypes.RerankQueryContentTypeText, TextQuery: &agenttypes.RerankTextDocument{Text: aws.String(query)}}},
		Sources: sources,
		RerankingConfiguration: &agenttypes.RerankingConfiguration{
			Type: agenttypes.RerankingConfigurationTypeBedrockRerankingModel,
			BedrockRerankingConfiguration: &agenttypes.BedrockRerankingConfiguration{
				NumberOfResults:    n,
				ModelConfiguration: &agenttypes.BedrockRerankingModelConfiguration{ModelArn: aws.String(modelArn)},
			},
		},
	}
}

func textSources(docs []string) []agenttypes.RerankSource {
	out := make([]agenttypes.RerankSource, len(docs))
	for i, d := range docs {
		out[i] = textSource(d)
	}
	return out
}

// TestAgentRerankLocal: the agent runtime SDK's Rerank against basalt-rerank,
// named by foundation-model ARN and by plain id.
func TestAgentRerankLocal(t *testing.T) {
	b := start(t, localOnly())
	c := agentClient(t, b.URL)
	for _, arn := range []string{"arn:aws:bedrock:us-east-1::foundation-model/basalt-rerank", "basalt-rerank"} {
		t.Run(arn, func(t *testing.T) {
			out, err := c.Rerank(context.Background(), rerankInput(arn, rerankQuery, textSources(rerankDocs), nil))
			if err != nil {
				t.Fatal(err)
			}
			if len(out.Results) != len(rerankDocs) || out.NextToken != nil {
				t.Fatalf("%d results, next token %v", len(out.Results), out.NextToken)
			}
			// The paraphrase first, the one sharing "account" second, the
			// unrelated ones at 0 in document order.
			order := []int32{1, 2, 0, 3}
			for i, r := range out.Results {
				if aws.ToInt32(r.Index) != order[i] {
					t.Errorf("result %d: index %d, want %d", i, aws.ToInt32(r.Index), order[i])
				}
				s := aws.ToFloat32(r.RelevanceScore)
				if s < 0 || s >= 1 {
					t.Errorf("score %v outside [0, 1)", s)
				}
				if r.Document == nil || r.Document.TextDocument == nil || aws.ToString(r.Document.TextDocument.Text) != rerankDocs[order[i]] {
					t.Errorf("result %d: document %+v", i, r.Document)
				}
			}
			if s0, s1, s2 := aws.ToFloat32(out.Results[0].RelevanceScore), aws.ToFloat32(out.Results[1].RelevanceScore), aws.ToFloat32(out.Results[2].RelevanceScore); !(s0 > s1 && s1 > s2 && s2 == 0) {
				t.Errorf("scores %v %v %v", s0, s1, s2)
			}
		})
	}

	// numberOfResults cuts, JSON documents are ranked by their text and
	// come back as JSON.
	sources := textSources(rerankDocs[:1])
	sources = append(sources, agenttypes.RerankSource{Type: agenttypes.RerankSourceTypeInline, InlineDocumentSource: &agenttypes.RerankDocument{
		Type: agenttypes.RerankDocumentTypeJson, JsonDocument: document.NewLazyDocument(map[string]any{"title": "Password reset", "steps": []string{"Open Settings", "Reset"}})}})
	out, err := c.Rerank(context.Background(), rerankInput("basalt-rerank", "reset password", sources, aws.Int32(1)))
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Results) != 1 || aws.ToInt32(out.Results[0].Index) != 1 || out.Results[0].Document.Type != agenttypes.RerankDocumentTypeJson {
		t.Fatalf("results %+v", out.Results)
	}
	var doc map[string]any
	if err := out.Results[0].Document.JsonDocument.UnmarshalSmithyDocument(&doc); err != nil || doc["title"] != "Password reset" {
		t.Errorf("json document %v, %v", doc, err)
	}
}

// TestAgentRerankOpenAI: the agent runtime's Rerank served by an
// OpenAI-compatible server's /rerank (vLLM, llama.cpp); the upstream
// request is a golden file.
func TestAgentRerankOpenAI(t *testing.T) {
	fake := fakeupstream.NewOpenAI(t)
	b := start(t, app.Options{
		Providers: []app.ProviderSpec{{Name: "vllm", Type: "openai", BaseURL: fake.URL, APIKey: "sk-test"}},
		Models:    []app.ModelSpec{{ID: "my-reranker", Provider: "vllm", Upstream: "BAAI/bge-reranker-v2-m3"}},
	})
	c := agentClient(t, b.URL)
	in := rerankInput("my-reranker", rerankQuery, textSources(rerankDocs), aws.Int32(2))
	in.RerankingConfiguration.BedrockRerankingConfiguration.ModelConfiguration.AdditionalModelRequestFields = map[string]document.Interface{
		"max_tokens_per_doc": document.NewLazyDocument(512),
		"truncation":         document.NewLazyDocument(true),
	}
	out, err := c.Rerank(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Results) != 2 {
		t.Fatalf("%d results", len(out.Results))
	}
	for _, r := range out.Results {
		i := aws.ToInt32(r.Index)
		if want := float32(fakeupstream.FakeRerankScore(rerankQuery, rerankDocs[i])); aws.ToFloat32(r.RelevanceScore) != want {
			t.Errorf("document %d: score %v, want %v", i, aws.ToFloat32(r.RelevanceScore), want)
		}
	}
	if aws.ToInt32(out.Results[0].Index) != 1 {
		t.Errorf("first result %d", aws.ToInt32(out.Results[0].Index))
	}
	golden.Assert(t, "testdata/rerank/agent-openai.upstream.json", golden.IndentJSON(t, fake.Last().Body))
	if fake.Last().Path != "/v1/rerank" {
		t.Errorf("upstream path %s", fake.Last().Path)
	}
}

// TestAgentRerankErrors: requests the SDK lets through but the API refuses
// are ValidationExceptions naming the field; models that cannot rerank or
// do not exist answer as Bedrock does.
func TestAgentRerankErrors(t *testing.T) {
	b := start(t, localOnly())
	c := agentClient(t, b.URL)
	twoQueries := rerankInput("basalt-rerank", "q", textSources([]string{"d"}), nil)
	twoQueries.Queries = append(twoQueries.Queries, twoQueries.Queries[0])
	for _, tc := range []struct {
		name string
		in   *bedrockagentruntime.RerankInput
		want string
		ok   func(error) bool
	}{
		{"numberOfResults 0", rerankInput("basalt-rerank", "q", textSources([]string{"d"}), aws.Int32(0)),
			"'rerankingConfiguration.bedrockRerankingConfiguration.numberOfResults' failed to satisfy constraint", isAgentValidation},
		{"two queries", twoQueries, "'queries' failed to satisfy constraint: Member must have exactly 1 item", isAgentValidation},
		{"empty text", rerankInput("basalt-rerank", "q", textSources([]string{"ok", ""}), nil),
			"'sources.2.member.inlineDocumentSource.textDocument.text'", isAgentValidation},
		{"no sources", rerankInput("basalt-rerank", "q", []agenttypes.RerankSource{}, nil), "'sources'", isAgentValidation},
		{"not a reranker", rerankInput("basalt-test", "q", textSources([]string{"d"}), nil), `reranks only with "basalt-rerank"`, isAgentValidation},
		{"unknown model", rerankInput("arn:aws:bedrock:us-east-1::foundation-model/nobody.reranker-v9", "q", textSources([]string{"d"}), nil), "nobody.reranker-v9",
			func(err error) bool { var nf *agenttypes.ResourceNotFoundException; return errors.As(err, &nf) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.Rerank(context.Background(), tc.in)
			if !tc.ok(err) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func isAgentValidation(err error) bool {
	var ve *agenttypes.ValidationException
	return errors.As(err, &ve)
}

// localReranker routes the Bedrock rerank ids to basalt-rerank.
func localReranker() app.Options {
	return app.Options{
		Providers: []app.ProviderSpec{{Name: "local", Type: "local"}},
		Models: []app.ModelSpec{
			{ID: cohereRerankID, Provider: "local", Upstream: "basalt-rerank"},
			{ID: amazonRerankID, Provider: "local", Upstream: "basalt-rerank"},
		},
	}
}

func invokeRerankJSON(t *testing.T, c *bedrockruntime.Client, model string, body any) map[string]any {
	t.Helper()
	raw, _ := json.Marshal(body)
	out, err := c.InvokeModel(context.Background(), &bedrockruntime.InvokeModelInput{
		ModelId: aws.String(model), Body: raw, ContentType: aws.String("application/json"), Accept: aws.String("application/json")})
	if err != nil {
		t.Fatalf("InvokeModel(%s): %v", model, err)
	}
	var m map[string]any
	if err := json.Unmarshal(out.Body, &m); err != nil {
		t.Fatalf("body %s: %v", out.Body, err)
	}
	return m
}

// rankedIndexes reads results[].index and checks the scores are in [0, 1]
// and in descending order.
func rankedIndexes(t *testing.T, m map[string]any) []int {
	t.Helper()
	var out []int
	last := 2.0
	for _, r := range list(t, m["results"]) {
		o := obj(t, r)
		s, ok := o["relevance_score"].(float64)
		if !ok || s < 0 || s > 1 || s > last {
			t.Errorf("relevance_score %v after %v", o["relevance_score"], last)
		}
		last = s
		out = append(out, int(o["index"].(float64)))
	}
	return out
}

// TestInvokeRerankLocal: InvokeModel with the Cohere and Amazon rerank
// bodies, answered by basalt-rerank.
func TestInvokeRerankLocal(t *testing.T) {
	b := start(t, localReranker())
	c := bedrockClient(t, b.URL, nil)
	for _, tc := range []struct {
		name, model string
		body        map[string]any
		want        []int
		cohere      bool
	}{
		{"cohere", cohereRerankID, map[string]any{"query": rerankQuery, "documents": rerankDocs, "top_n": 2, "api_version": 2}, []int{1, 2}, true},
		{"basalt-rerank by id", "basalt-rerank", map[string]any{"query": rerankQuery, "documents": rerankDocs, "api_version": 2}, []int{1, 2, 0, 3}, true},
		{"amazon", amazonRerankID, map[string]any{"query": rerankQuery, "documents": rerankDocs}, []int{1, 2, 0, 3}, false},
		{"amazon json document", amazonRerankID, map[string]any{"query": "reset password", "documents": []any{"Paella", map[string]any{"faq": "password reset"}}, "top_n": 1}, []int{1}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := invokeRerankJSON(t, c, tc.model, tc.body)
			got := rankedIndexes(t, m)
			if len(got) != len(tc.want) {
				t.Fatalf("indexes %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("indexes %v, want %v", got, tc.want)
				}
			}
			if id, _ := m["id"].(string); (id != "") != tc.cohere {
				t.Errorf("id %q", id)
			}
		})
	}
}

// TestInvokeRerankBedrock: the rerank bodies through a Bedrock provider
// (the Bedrock fake): request and response bodies are golden files.
func TestInvokeRerankBedrock(t *testing.T) {
	fake := fakeupstream.NewBedrock(t)
	b := start(t, app.Options{Providers: []app.ProviderSpec{bedrockSpec(fake.URL)}})
	c := bedrockClient(t, b.URL, nil)
	for _, tc := range []struct {
		name, model string
		body        map[string]any
		answer      string
	}{
		{"cohere", cohereRerankID, map[string]any{"query": rerankQuery, "documents": rerankDocs, "top_n": 2, "api_version": 2, "max_tokens_per_doc": 1024},
			`{"id":"5f0e2a4c","results":[{"index":1,"relevance_score":0.98},{"index":2,"relevance_score":0.12}],"meta":{"api_version":{"version":"2"}}}`},
		{"amazon", amazonRerankID, map[string]any{"query": rerankQuery, "documents": rerankDocs},
			// Out of order, as nothing promises otherwise: Basalt sorts.
			`{"results":[{"index":0,"relevance_score":0.01},{"index":1,"relevance_score":0.93},{"index":3,"relevance_score":0.0},{"index":2,"relevance_score":0.2}]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake.ReplyRaw(fakeupstream.BedrockRaw{Body: []byte(tc.answer)})
			m := invokeRerankJSON(t, c, tc.model, tc.body)
			if m["id"] != nil {
				m["id"] = "REQUEST-ID"
			}
			golden.Assert(t, "testdata/rerank/invoke-bedrock-"+tc.name+".response.json", golden.Indent(t, m))
			reqs := fake.Requests()
			last := reqs[len(reqs)-1]
			if last.Path != "/model/"+tc.model+"/invoke" {
				t.Errorf("upstream path %s", last.Path)
			}
			golden.Assert(t, "testdata/rerank/invoke-bedrock-"+tc.name+".upstream.json", golden.IndentJSON(t, last.Body))
		})
	}

	// The agent runtime's Rerank of a Bedrock model becomes an InvokeModel
	// of that model upstream.
	fake.ReplyRaw(fakeupstream.BedrockRaw{Body: []byte(`{"results":[{"index":1,"relevance_score":0.7},{"index":0,"relevance_score":0.3}]}`)})
	out, err := agentClient(t, b.URL).Rerank(context.Background(),
		rerankInput("arn:aws:bedrock:us-east-1::foundation-model/"+amazonRerankID, "q", textSources([]string{"a", "b"}), nil))
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Results) != 2 || aws.ToInt32(out.Results[0].Index) != 1 || aws.ToFloat32(out.Results[0].RelevanceScore) != 0.7 {
		t.Errorf("results %+v", out.Results)
	}
	reqs := fake.Requests()
	if last := reqs[len(reqs)-1]; last.Path != "/model/"+amazonRerankID+"/invoke" || string(last.Body) != `{"documents":["a","b"],"query":"q"}` {
		t.Errorf("upstream %s %s", last.Path, last.Body)
	}
}

// TestInvokeRerankInvalid: malformed rerank bodies are ValidationExceptions
// naming the bad field, and streaming is refused.
func TestInvokeRerankInvalid(t *testing.T) {
	b := start(t, localReranker())
	c := bedrockClient(t, b.URL, nil)
	for _, tc := range []struct{ model, body, want string }{
		{cohereRerankID, `{"query":"q","documents":["a"]}`, "#/api_version: 1 is not greater or equal to 2"},
		{cohereRerankID, `{"query":"q","documents":[],"api_version":2}`, "#/documents: expected minimum item count: 1, found: 0"},
		{cohereRerankID, `{"query":"q","documents":["a"],"api_version":2,"top_n":0}`, "#/top_n: 0 is not greater or equal to 1"},
		{cohereRerankID, `{"query":"q","documents":["a"],"api_version":2,"return_documents":true}`, "extraneous key [return_documents] is not permitted"},
		{amazonRerankID, `{"documents":["a"]}`, "required key [query] not found"},
		{amazonRerankID, `{"query":"q","documents":["a",7]}`, "#/documents/1: expected type: String or JSONObject, found: Number"},
		{"basalt-rerank", `{"query":"q","documents":"a","api_version":2}`, "#/documents: expected type: JSONArray, found: String"},
	} {
		_, err := c.InvokeModel(context.Background(), &bedrockruntime.InvokeModelInput{ModelId: aws.String(tc.model), Body: []byte(tc.body)})
		var ve *types.ValidationException
		if !errors.As(err, &ve) || !strings.Contains(ve.ErrorMessage(), tc.want) {
			t.Errorf("%s %s: %v", tc.model, tc.body, err)
		}
	}
	_, err := c.InvokeModelWithResponseStream(context.Background(), &bedrockruntime.InvokeModelWithResponseStreamInput{
		ModelId: aws.String(cohereRerankID), Body: []byte(`{"query":"q","documents":["a"],"api_version":2}`)})
	var ve *types.ValidationException
	if !errors.As(err, &ve) || !strings.Contains(ve.ErrorMessage(), "rerank model") {
		t.Errorf("stream: %v", err)
	}
}
