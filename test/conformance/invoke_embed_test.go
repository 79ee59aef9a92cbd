package conformance

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"

	"github.com/basalt-gateway/basalt/internal/app"
	"github.com/basalt-gateway/basalt/internal/testutil/fakeupstream"
	"github.com/basalt-gateway/basalt/internal/testutil/golden"
)

const (
	titanEmbedID  = "amazon.titan-embed-text-v2:0"
	cohereEmbedID = "cohere.embed-english-v3"
)

// localEmbedder routes the Bedrock embedding ids to the built-in lexical
// model basalt-embed.
func localEmbedder() app.Options {
	return app.Options{
		Providers: []app.ProviderSpec{{Name: "local", Type: "local"}},
		Models: []app.ModelSpec{
			{ID: titanEmbedID, Provider: "local", Upstream: "basalt-embed"},
			{ID: cohereEmbedID, Provider: "local", Upstream: "basalt-embed"},
		},
	}
}

func invokeEmbed(t *testing.T, c *bedrockruntime.Client, model, body string) (map[string]any, *bedrockruntime.InvokeModelOutput) {
	t.Helper()
	out, err := c.InvokeModel(context.Background(), &bedrockruntime.InvokeModelInput{
		ModelId: aws.String(model), Body: []byte(body), ContentType: aws.String("application/json"), Accept: aws.String("application/json"),
	})
	if err != nil {
		t.Fatalf("InvokeModel(%s): %v", model, err)
	}
	var m map[string]any
	if err := json.Unmarshal(out.Body, &m); err != nil {
		t.Fatalf("body %s: %v", out.Body, err)
	}
	return m, out
}

func embFloats(t *testing.T, v any) []float64 {
	t.Helper()
	var out []float64
	for _, x := range list(t, v) {
		f, ok := x.(float64)
		if !ok {
			t.Fatalf("not a number: %v", x)
		}
		out = append(out, f)
	}
	return out
}

func embCos(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

func TestInvokeTitanEmbedLocal(t *testing.T) {
	b := start(t, localEmbedder())
	c := bedrockClient(t, b.URL, nil)
	embed := func(text string, extra string) (map[string]any, []float64) {
		body, _ := json.Marshal(text)
		m, out := invokeEmbed(t, c, titanEmbedID, `{"inputText":`+string(body)+extra+`}`)
		if ct := aws.ToString(out.ContentType); ct != "application/json" {
			t.Errorf("content type %q", ct)
		}
		return m, embFloats(t, m["embedding"])
	}
	m, q := embed("How do I reset my account password?", "")
	if len(q) != 1024 || m["inputTextTokenCount"] != 7.0 {
		t.Errorf("len %d, tokens %v", len(q), m["inputTextTokenCount"])
	}
	if n := math.Sqrt(embCos(q, q)); math.Abs(n-1) > 1e-5 {
		t.Errorf("norm %v", n)
	}
	if by := embFloats(t, obj(t, m["embeddingsByType"])["float"]); len(by) != 1024 || by[3] != q[3] {
		t.Errorf("embeddingsByType.float differs")
	}
	_, para := embed("Resetting the password of your account", "")
	_, other := embed("The weather in Lisbon is sunny today", "")
	if embCos(q, para) <= embCos(q, other) {
		t.Errorf("paraphrase %.3f <= unrelated %.3f", embCos(q, para), embCos(q, other))
	}
	// Deterministic.
	if _, again := embed("How do I reset my account password?", ""); embCos(q, again) < 1-1e-6 {
		t.Error("not deterministic")
	}
	for _, d := range []int{256, 512} {
		m, v := embed("How do I reset my account password?", `,"dimensions":`+embItoa(d)+`,"embeddingTypes":["float","binary"]`)
		bin := list(t, obj(t, m["embeddingsByType"])["binary"])
		if len(v) != d || len(bin) != d {
			t.Errorf("dimensions %d: got %d floats, %d bits", d, len(v), len(bin))
		}
		for i, x := range v {
			if (x > 0) != (bin[i] == 1.0) {
				t.Fatalf("bit %d = %v for %v", i, bin[i], x)
			}
		}
	}
}

func embItoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestInvokeCohereEmbedLocal(t *testing.T) {
	b := start(t, localEmbedder())
	c := bedrockClient(t, b.URL, nil)
	m, _ := invokeEmbed(t, c, cohereEmbedID, `{"texts":["How do I reset my account password?","Resetting the password of your account","The weather in Lisbon is sunny today"],"input_type":"search_document"}`)
	if m["response_type"] != "embeddings_floats" || m["id"] == "" || len(list(t, m["texts"])) != 3 {
		t.Errorf("body: type %v id %v texts %v", m["response_type"], m["id"], m["texts"])
	}
	vs := list(t, m["embeddings"])
	q, p, u := embFloats(t, vs[0]), embFloats(t, vs[1]), embFloats(t, vs[2])
	if len(q) != 1024 || embCos(q, p) <= embCos(q, u) {
		t.Errorf("len %d, paraphrase %.3f, unrelated %.3f", len(q), embCos(q, p), embCos(q, u))
	}
	// basalt-embed is symmetric: input_type does not change a vector.
	m, _ = invokeEmbed(t, c, cohereEmbedID, `{"texts":["How do I reset my account password?"],"input_type":"search_query"}`)
	if v := embFloats(t, list(t, m["embeddings"])[0]); len(v) != len(q) || embCos(v, q) < 1-1e-6 {
		t.Errorf("search_query vector differs from search_document's")
	}
	m, _ = invokeEmbed(t, c, cohereEmbedID, `{"texts":["a b"],"input_type":"search_query","embedding_types":["float","int8","ubinary"],"truncate":"END"}`)
	by := obj(t, m["embeddings"])
	if m["response_type"] != "embeddings_by_type" || len(list(t, list(t, by["int8"])[0])) != 1024 || len(list(t, list(t, by["ubinary"])[0])) != 128 {
		t.Errorf("by type: %v", m["response_type"])
	}
}

func TestInvokeBasaltEmbedByOwnID(t *testing.T) {
	b := start(t, localOnly())
	c := bedrockClient(t, b.URL, nil)
	m, _ := invokeEmbed(t, c, "basalt-embed", `{"inputText":"hello world","dimensions":256}`)
	if len(embFloats(t, m["embedding"])) != 256 {
		t.Errorf("embedding length %d", len(embFloats(t, m["embedding"])))
	}
	// And the OpenAI-compatible endpoint.
	resp, err := http.Post(b.URL+"/v1/embeddings", "application/json", strings.NewReader(`{"model":"basalt-embed","input":["a","b c"],"dimensions":512}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var oa struct {
		Data []struct {
			Embedding []float64 `json:"embedding"`
		} `json:"data"`
		Usage struct {
			PromptTokens int `json:"prompt_tokens"`
		} `json:"usage"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&oa); err != nil || resp.StatusCode != 200 {
		t.Fatalf("status %d, %v", resp.StatusCode, err)
	}
	if len(oa.Data) != 2 || len(oa.Data[1].Embedding) != 512 || oa.Usage.PromptTokens != 3 {
		t.Errorf("openai embeddings: %d items, usage %d", len(oa.Data), oa.Usage.PromptTokens)
	}
}

func TestInvokeEmbedInvalid(t *testing.T) {
	b := start(t, localEmbedder())
	c := bedrockClient(t, b.URL, nil)
	for _, tc := range []struct{ model, body, want string }{
		{titanEmbedID, `{"inputText":"x","dimension":256}`, "extraneous key [dimension] is not permitted"},
		{titanEmbedID, `{"inputText":"x","dimensions":300}`, "#/dimensions: 300 is not a valid enum value"},
		{cohereEmbedID, `{"texts":["x"]}`, "required key [input_type] not found"},
		{cohereEmbedID, `{"texts":["x"],"input_type":"search_query","model":"y"}`, "extraneous key [model]"},
		{cohereEmbedID, `{"texts":["x"],"input_type":"image"}`, "#/input_type: image is for image inputs, which this gateway does not embed"},
		{cohereEmbedID, `{"texts":["x"],"input_type":"search_query","truncate":"MIDDLE"}`, "#/truncate: MIDDLE is not a valid enum value"},
	} {
		_, err := c.InvokeModel(context.Background(), &bedrockruntime.InvokeModelInput{ModelId: aws.String(tc.model), Body: []byte(tc.body)})
		var ve *types.ValidationException
		if !errors.As(err, &ve) || !strings.Contains(ve.ErrorMessage(), tc.want) {
			t.Errorf("%s %s: %v", tc.model, tc.body, err)
		}
	}
	// Streaming an embedding model is refused.
	_, err := c.InvokeModelWithResponseStream(context.Background(), &bedrockruntime.InvokeModelWithResponseStreamInput{
		ModelId: aws.String(titanEmbedID), Body: []byte(`{"inputText":"x"}`)})
	var ve *types.ValidationException
	if !errors.As(err, &ve) {
		t.Errorf("stream: %v", err)
	}
}

// TestInvokeEmbedOpenAI serves the Titan and Cohere bodies through an
// OpenAI-compatible /embeddings upstream; request and response bodies are
// golden files.
func TestInvokeEmbedOpenAI(t *testing.T) {
	fake := fakeupstream.NewOpenAI(t)
	b := start(t, app.Options{
		Providers: []app.ProviderSpec{{Name: "oa", Type: "openai", BaseURL: fake.URL, APIKey: "sk-test"}},
		Models: []app.ModelSpec{
			{ID: titanEmbedID, Provider: "oa", Upstream: "text-embedding-3-small"},
			{ID: cohereEmbedID, Provider: "oa", Upstream: "text-embedding-3-small"},
		},
	})
	c := bedrockClient(t, b.URL, nil)
	for _, tc := range []struct{ name, model, body string }{
		{"titan", titanEmbedID, `{"inputText":"Hello there","dimensions":512,"normalize":false,"embeddingTypes":["float","binary"]}`},
		{"titan-normalized", titanEmbedID, `{"inputText":"Hi"}`},
		{"cohere", cohereEmbedID, `{"texts":["one","two three"],"input_type":"search_document"}`},
		// OpenAI's Embeddings API has no purpose or truncation field (the
		// fake refuses unknown keys, as api.openai.com does).
		{"cohere-query", cohereEmbedID, `{"texts":["one","two three"],"input_type":"search_query","truncate":"END"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, out := invokeEmbed(t, c, tc.model, tc.body)
			if m["id"] != nil {
				m["id"] = "<request id>"
			}
			golden.Assert(t, "testdata/invoke_embed/"+tc.name+".response.json", golden.Indent(t, m))
			golden.Assert(t, "testdata/invoke_embed/"+tc.name+".upstream.json", golden.IndentJSON(t, fake.Last().Body))
			if out.ContentType == nil {
				t.Error("no content type")
			}
		})
	}
}
