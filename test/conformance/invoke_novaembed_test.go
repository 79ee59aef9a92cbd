package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	"github.com/openai/openai-go/v3"

	"github.com/basalt-gateway/basalt/internal/app"
	"github.com/basalt-gateway/basalt/internal/testutil/fakeupstream"
	"github.com/basalt-gateway/basalt/internal/testutil/golden"
)

const novaEmbedID = "amazon.nova-2-multimodal-embeddings-v1:0"

// novaEmbedBody is a SINGLE_EMBEDDING text body indexing text (purpose
// GENERIC_INDEX, truncationMode END); dims 0 leaves embeddingDimension out.
func novaEmbedBody(text string, dims int) string {
	return novaEmbedBodyFor(text, dims, "GENERIC_INDEX", "END")
}

// novaEmbedBodyFor is novaEmbedBody with the given embeddingPurpose and
// truncationMode.
func novaEmbedBodyFor(text string, dims int, purpose, truncation string) string {
	params := map[string]any{"embeddingPurpose": purpose, "text": map[string]any{"truncationMode": truncation, "value": text}}
	if dims != 0 {
		params["embeddingDimension"] = dims
	}
	b, _ := json.Marshal(map[string]any{"schemaVersion": "nova-multimodal-embed-v1", "taskType": "SINGLE_EMBEDDING", "singleEmbeddingParams": params})
	return string(b)
}

// novaVector checks the answer's shape and returns its TEXT vector.
func novaVector(t *testing.T, m map[string]any) []float64 {
	t.Helper()
	es := list(t, m["embeddings"])
	e := obj(t, es[0])
	if len(es) != 1 || e["embeddingType"] != "TEXT" || e["truncatedCharLength"] != nil || len(m) != 1 {
		t.Errorf("body = %v", m)
	}
	return embFloats(t, e["embedding"])
}

// TestInvokeNovaEmbedLocal serves the Nova Multimodal Embeddings text body
// from the built-in basalt-embed model.
func TestInvokeNovaEmbedLocal(t *testing.T) {
	b := start(t, app.Options{
		Providers: []app.ProviderSpec{{Name: "local", Type: "local"}},
		Models:    []app.ModelSpec{{ID: novaEmbedID, Provider: "local", Upstream: "basalt-embed"}},
	})
	c := bedrockClient(t, b.URL, nil)
	embed := func(text string, dims int) []float64 {
		m, out := invokeEmbed(t, c, novaEmbedID, novaEmbedBody(text, dims))
		if aws.ToString(out.ContentType) != "application/json" {
			t.Errorf("content type %q", aws.ToString(out.ContentType))
		}
		return novaVector(t, m)
	}
	q := embed("How do I reset my account password?", 0)
	if len(q) != 1024 || math.Abs(math.Sqrt(embCos(q, q))-1) > 1e-5 {
		t.Errorf("default: %d dimensions, norm %v", len(q), math.Sqrt(embCos(q, q)))
	}
	para, other := embed("Resetting the password of your account", 0), embed("The weather in Lisbon is sunny today", 0)
	if embCos(q, para) <= embCos(q, other) {
		t.Errorf("paraphrase %.3f <= unrelated %.3f", embCos(q, para), embCos(q, other))
	}
	if v := embed("How do I reset my account password?", 256); len(v) != 256 {
		t.Errorf("embeddingDimension 256: %d values", len(v))
	}
	// basalt-embed is symmetric: a query's vector is the document's.
	m, _ := invokeEmbed(t, c, novaEmbedID, novaEmbedBodyFor("How do I reset my account password?", 0, "TEXT_RETRIEVAL", "NONE"))
	if v := novaVector(t, m); len(v) != len(q) || embCos(v, q) < 1-1e-6 {
		t.Errorf("TEXT_RETRIEVAL vector differs from GENERIC_INDEX's")
	}
	// The token header counts basalt-embed's words.
	_, raw, err := invokeJSON(t, c, novaEmbedID, novaEmbedBody("one two three", 256))
	if err != nil || raw.Header.Get("X-Amzn-Bedrock-Input-Token-Count") != "3" {
		t.Errorf("token header %q, %v", raw.Header.Get("X-Amzn-Bedrock-Input-Token-Count"), err)
	}

	// Malformed bodies, media inputs and dimensions the model lacks are
	// ValidationExceptions naming the field; streaming is refused.
	for _, tc := range []struct{ name, body, want string }{
		{"image", `{"taskType":"SINGLE_EMBEDDING","singleEmbeddingParams":{"embeddingPurpose":"IMAGE_RETRIEVAL","image":{"format":"png","source":{"bytes":"iVBORw0KGgo="}}}}`,
			"#/singleEmbeddingParams/image: image input is not supported: only the text path"},
		{"segmented", `{"taskType":"SEGMENTED_EMBEDDING","segmentedEmbeddingParams":{"embeddingPurpose":"GENERIC_INDEX"}}`, "#/taskType: SEGMENTED_EMBEDDING is not supported"},
		{"bad purpose", strings.Replace(novaEmbedBody("x", 0), "GENERIC_INDEX", "SEARCH", 1), "#/singleEmbeddingParams/embeddingPurpose: SEARCH is not a valid enum value"},
		{"bad dimension", novaEmbedBody("x", 512), "#/singleEmbeddingParams/embeddingDimension: 512 is not a valid enum value"},
		{"titan body", `{"inputText":"x"}`, "#: extraneous key [inputText] is not permitted#: required key [taskType] not found"},
		{"dimension basalt-embed lacks", novaEmbedBody("x", 384), "basalt-embed supports dimensions 256, 512 or 1024, not 384"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.InvokeModel(context.Background(), &bedrockruntime.InvokeModelInput{ModelId: aws.String(novaEmbedID), Body: []byte(tc.body)})
			var ve *types.ValidationException
			if !errors.As(err, &ve) || !strings.Contains(ve.ErrorMessage(), tc.want) {
				t.Errorf("err = %v, want a ValidationException containing %q", err, tc.want)
			}
		})
	}
	_, err = c.InvokeModelWithResponseStream(context.Background(), &bedrockruntime.InvokeModelWithResponseStreamInput{
		ModelId: aws.String(novaEmbedID), Body: []byte(novaEmbedBody("x", 0))})
	var ve *types.ValidationException
	if !errors.As(err, &ve) || !strings.Contains(ve.ErrorMessage(), "use InvokeModel") {
		t.Errorf("stream: %v", err)
	}
}

// TestInvokeNovaEmbedOpenAI serves the Nova body from an OpenAI-compatible
// /embeddings upstream.
func TestInvokeNovaEmbedOpenAI(t *testing.T) {
	fake := fakeupstream.NewOpenAI(t)
	b := start(t, app.Options{
		Providers: []app.ProviderSpec{{Name: "oa", Type: "openai", BaseURL: fake.URL, APIKey: "sk-test"}},
		Models:    []app.ModelSpec{{ID: novaEmbedID, Provider: "oa", Upstream: "text-embedding-3-small"}},
	})
	c := bedrockClient(t, b.URL, nil)
	m, _ := invokeEmbed(t, c, novaEmbedID, novaEmbedBody("Hello there", 1024))
	want := fakeupstream.FakeEmbedding("Hello there", 0)
	if v := novaVector(t, m); len(v) != len(want) || v[0] != float64(want[0]) {
		t.Errorf("vector %v, want %v", v, want)
	}
	golden.Assert(t, "testdata/invoke_embed/nova.upstream.json", golden.IndentJSON(t, fake.Last().Body))

	// The Embeddings API has no purpose or truncation field (OpenAI's
	// models are symmetric): a query body gets the same upstream call.
	m, _ = invokeEmbed(t, c, novaEmbedID, novaEmbedBodyFor("Hello there", 1024, "TEXT_RETRIEVAL", "START"))
	if v := novaVector(t, m); len(v) != len(want) {
		t.Errorf("query vector %v", v)
	}
	if got := string(fake.Last().Body); got != `{"model":"text-embedding-3-small","input":["Hello there"],"encoding_format":"float","dimensions":1024}` {
		t.Errorf("upstream body %s", got)
	}
}

// Client ids routed to another embedding family's model on the bedrock
// provider, so a body of one dialect reaches an upstream of the other.
const (
	cohereToNovaID = "cohere.embed-multilingual-v3"
	novaToCohereID = "us.amazon.nova-2-multimodal-embeddings-v1:0"
)

// TestEmbedThroughBedrockProvider: Basalt's bedrock provider embeds with
// each upstream model's own body against the Bedrock fake, for the Nova,
// Titan and Cohere bodies on InvokeModel and for OpenAI's /v1/embeddings
// (openai-go) with a Titan id. The bodies the fake received are golden
// files, or exact strings where they carry the client's purpose.
func TestEmbedThroughBedrockProvider(t *testing.T) {
	isolateAWS(t)
	fake := fakeupstream.NewBedrock(t)
	b := start(t, app.Options{Providers: []app.ProviderSpec{bedrockSpec(fake.URL)}, Models: []app.ModelSpec{
		{ID: cohereToNovaID, Provider: "aws", Upstream: novaEmbedID},
		{ID: novaToCohereID, Provider: "aws", Upstream: cohereEmbedID},
	}})
	c := bedrockClient(t, b.URL, nil)
	tokens := func(n string) map[string]string { return map[string]string{"X-Amzn-Bedrock-Input-Token-Count": n} }
	upstream := func(t *testing.T, name string, from int) {
		t.Helper()
		var all bytes.Buffer
		for _, r := range fake.Requests()[from:] {
			all.WriteString(r.Path + "\n")
			all.Write(golden.IndentJSON(t, r.Body))
		}
		golden.Assert(t, "testdata/invoke_embed/bedrock-"+name+".upstream.txt", all.Bytes())
	}

	t.Run("nova", func(t *testing.T) {
		from := len(fake.Requests())
		fake.ReplyRaw(fakeupstream.BedrockRaw{Body: []byte(`{"embeddings":[{"embeddingType":"TEXT","embedding":[0.125,-0.5,0.25]}]}`), Headers: tokens("7")})
		m, raw, err := invokeJSON(t, c, novaEmbedID, novaEmbedBody("Hello there", 1024))
		if err != nil {
			t.Fatal(err)
		}
		if v := novaVector(t, m); len(v) != 3 || v[1] != -0.5 {
			t.Errorf("vector %v", v)
		}
		if raw.Header.Get("X-Amzn-Bedrock-Input-Token-Count") != "7" {
			t.Errorf("token header %q", raw.Header.Get("X-Amzn-Bedrock-Input-Token-Count"))
		}
		upstream(t, "nova", from)
	})

	// What the client says a text is for, and how to truncate it, reaches
	// the upstream in its own dialect (canon.EmbedPurpose's table).
	t.Run("purpose", func(t *testing.T) {
		novaAnswer := fakeupstream.BedrockRaw{Body: []byte(`{"embeddings":[{"embeddingType":"TEXT","embedding":[0.5]}]}`), Headers: tokens("2")}
		cohereAnswer := fakeupstream.BedrockRaw{Body: []byte(`{"id":"u","response_type":"embeddings_floats","embeddings":[[0.5]],"texts":["x"]}`), Headers: tokens("2")}
		for _, tc := range []struct {
			name, model, body string
			answer            fakeupstream.BedrockRaw
			path, upstream    string
		}{
			{"nova text query", novaEmbedID, novaEmbedBodyFor("where is my order?", 256, "TEXT_RETRIEVAL", "START"), novaAnswer,
				"/model/" + novaEmbedID + "/invoke",
				`{"schemaVersion":"nova-multimodal-embed-v1","taskType":"SINGLE_EMBEDDING","singleEmbeddingParams":{"embeddingPurpose":"TEXT_RETRIEVAL","embeddingDimension":256,"text":{"truncationMode":"START","value":"where is my order?"}}}`},
			{"nova document-image query", novaEmbedID, novaEmbedBodyFor("invoice total", 0, "DOCUMENT_RETRIEVAL", "NONE"), novaAnswer,
				"/model/" + novaEmbedID + "/invoke",
				`{"schemaVersion":"nova-multimodal-embed-v1","taskType":"SINGLE_EMBEDDING","singleEmbeddingParams":{"embeddingPurpose":"DOCUMENT_RETRIEVAL","text":{"truncationMode":"NONE","value":"invoice total"}}}`},
			{"nova clustering", novaEmbedID, novaEmbedBodyFor("x", 0, "CLUSTERING", "END"), novaAnswer,
				"/model/" + novaEmbedID + "/invoke",
				`{"schemaVersion":"nova-multimodal-embed-v1","taskType":"SINGLE_EMBEDDING","singleEmbeddingParams":{"embeddingPurpose":"CLUSTERING","text":{"truncationMode":"END","value":"x"}}}`},
			{"cohere classification", cohereEmbedID, `{"texts":["x"],"input_type":"classification","truncate":"START"}`, cohereAnswer,
				"/model/" + cohereEmbedID + "/invoke",
				`{"texts":["x"],"input_type":"classification","truncate":"START","embedding_types":["float"]}`},
			{"cohere query to nova", cohereToNovaID, `{"texts":["where is my order?"],"input_type":"search_query","truncate":"END"}`, novaAnswer,
				"/model/" + novaEmbedID + "/invoke",
				`{"schemaVersion":"nova-multimodal-embed-v1","taskType":"SINGLE_EMBEDDING","singleEmbeddingParams":{"embeddingPurpose":"GENERIC_RETRIEVAL","text":{"truncationMode":"END","value":"where is my order?"}}}`},
			{"cohere document to nova", cohereToNovaID, `{"texts":["x"],"input_type":"search_document"}`, novaAnswer,
				"/model/" + novaEmbedID + "/invoke",
				`{"schemaVersion":"nova-multimodal-embed-v1","taskType":"SINGLE_EMBEDDING","singleEmbeddingParams":{"embeddingPurpose":"GENERIC_INDEX","text":{"truncationMode":"NONE","value":"x"}}}`},
			{"nova query to cohere", novaToCohereID, novaEmbedBodyFor("x", 0, "TEXT_RETRIEVAL", "START"), cohereAnswer,
				"/model/" + cohereEmbedID + "/invoke",
				`{"texts":["x"],"input_type":"search_query","truncate":"START","embedding_types":["float"]}`},
			{"nova index to cohere", novaToCohereID, novaEmbedBodyFor("x", 0, "GENERIC_INDEX", "NONE"), cohereAnswer,
				"/model/" + cohereEmbedID + "/invoke",
				`{"texts":["x"],"input_type":"search_document","truncate":"NONE","embedding_types":["float"]}`},
		} {
			t.Run(tc.name, func(t *testing.T) {
				from := len(fake.Requests())
				fake.ReplyRaw(tc.answer)
				if _, _, err := invokeJSON(t, c, tc.model, tc.body); err != nil {
					t.Fatal(err)
				}
				reqs := fake.Requests()[from:]
				if len(reqs) != 1 || reqs[0].Path != tc.path || string(reqs[0].Body) != tc.upstream {
					for _, r := range reqs {
						t.Logf("%s %s", r.Path, r.Body)
					}
					t.Errorf("want one call %s %s", tc.path, tc.upstream)
				}
			})
		}
	})

	t.Run("titan", func(t *testing.T) {
		from := len(fake.Requests())
		fake.ReplyRaw(fakeupstream.BedrockRaw{Body: []byte(`{"embedding":[0.6,0.8],"inputTextTokenCount":3,"embeddingsByType":{"float":[0.6,0.8]}}`)})
		m, _ := invokeEmbed(t, c, titanEmbedID, `{"inputText":"Hello there friend","dimensions":256,"embeddingTypes":["float","binary"]}`)
		got, _ := json.Marshal(m)
		if string(got) != `{"embedding":[0.6,0.8],"embeddingsByType":{"binary":[1,1],"float":[0.6,0.8]},"inputTextTokenCount":3}` {
			t.Errorf("body %s", got)
		}
		upstream(t, "titan", from)
	})

	t.Run("cohere", func(t *testing.T) {
		from := len(fake.Requests())
		fake.ReplyRaw(fakeupstream.BedrockRaw{Body: []byte(`{"id":"u","response_type":"embeddings_by_type","embeddings":{"float":[[1,0],[0,1]]},"texts":["a","b c"]}`),
			Headers: tokens("3")})
		m, _ := invokeEmbed(t, c, cohereEmbedID, `{"texts":["a","b c"],"input_type":"search_query"}`)
		if vs := list(t, m["embeddings"]); m["response_type"] != "embeddings_floats" || len(vs) != 2 || embFloats(t, vs[1])[1] != 1 {
			t.Errorf("body %v", m)
		}
		upstream(t, "cohere", from)
	})

	t.Run("openai embeddings with a titan id", func(t *testing.T) {
		from := len(fake.Requests())
		fake.ReplyRaw(fakeupstream.BedrockRaw{Body: []byte(`{"embedding":[1,0],"inputTextTokenCount":1}`)})
		fake.ReplyRaw(fakeupstream.BedrockRaw{Body: []byte(`{"embedding":[0,1],"inputTextTokenCount":2}`)})
		oc := openaiClient(t, b.URL)
		out, err := oc.Embeddings.New(context.Background(), openai.EmbeddingNewParams{Model: titanEmbedID, Dimensions: openai.Int(512),
			Input: openai.EmbeddingNewParamsInputUnion{OfArrayOfStrings: []string{"one", "two words"}}})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Data) != 2 || out.Data[1].Embedding[1] != 1 || out.Usage.PromptTokens != 3 || out.Model != titanEmbedID {
			t.Errorf("response %s", out.RawJSON())
		}
		upstream(t, "openai-titan", from)
	})

	t.Run("upstream errors", func(t *testing.T) {
		fake.Fail(400, "ValidationException", "Malformed input request: #/singleEmbeddingParams/text/value: expected maxLength: 50000")
		_, _, err := invokeJSON(t, c, novaEmbedID, novaEmbedBody("long", 0))
		var ve *types.ValidationException
		if !errors.As(err, &ve) || !strings.Contains(ve.ErrorMessage(), "expected maxLength") {
			t.Errorf("validation: %v", err)
		}
		fake.Fail(429, "ThrottlingException", "Too many requests, please wait before trying again.")
		_, _, err = invokeJSON(t, c, titanEmbedID, `{"inputText":"x"}`)
		var te *types.ThrottlingException
		if !errors.As(err, &te) {
			t.Errorf("throttling: %v", err)
		}
		// A chat model asked for embeddings over the OpenAI surface.
		oc := openaiClient(t, b.URL)
		_, err = oc.Embeddings.New(context.Background(), openai.EmbeddingNewParams{Model: "amazon.nova-lite-v1:0",
			Input: openai.EmbeddingNewParamsInputUnion{OfString: openai.String("x")}})
		var oe *openai.Error
		if !errors.As(err, &oe) || oe.StatusCode != 400 || !strings.Contains(oe.Message, "cannot compute embeddings") {
			t.Errorf("chat model: %v", err)
		}
	})
}
