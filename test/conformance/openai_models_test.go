package conformance

import (
	"context"
	"errors"
	"testing"

	"github.com/openai/openai-go/v3"

	"github.com/basalt-gateway/basalt/internal/app"
	"github.com/basalt-gateway/basalt/internal/testutil/fakeupstream"
)

func TestOpenAIModels(t *testing.T) {
	fake := fakeupstream.NewOpenAI(t)
	opts := routeTo(app.ProviderSpec{Name: "oa", Type: "openai", BaseURL: fake.URL})
	b := start(t, opts)
	c := openaiClient(t, b.URL)
	ctx := context.Background()

	page, err := c.Models.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	for _, m := range page.Data {
		if m.Object != "model" {
			t.Errorf("%s: object %q", m.ID, m.Object)
		}
		ids[m.ID] = m.OwnedBy
	}
	if ids["test-model"] != "oa" || ids["basalt-test"] != "local" || ids["basalt-embed"] != "local" || ids["basalt-rerank"] != "local" || len(ids) != 4 {
		t.Errorf("models = %v, want test-model (oa), basalt-test, basalt-embed and basalt-rerank (local) only: no catalog-serving provider is configured", ids)
	}

	m, err := c.Models.Get(ctx, "test-model")
	if err != nil || m.ID != "test-model" || m.OwnedBy != "oa" {
		t.Errorf("get test-model = %+v, %v", m, err)
	}
	m, err = c.Models.Get(ctx, "oa/gpt-4o-mini")
	if err != nil || m.ID != "oa/gpt-4o-mini" {
		t.Errorf("get oa/gpt-4o-mini = %+v, %v", m, err)
	}
	_, err = c.Models.Get(ctx, "no-such-model")
	var oe *openai.Error
	if !errors.As(err, &oe) || oe.StatusCode != 404 || oe.Code != "model_not_found" {
		t.Errorf("unknown model: %v", err)
	}
}

func TestOpenAIModelsWithCatalog(t *testing.T) {
	// A bedrock provider serves the whole catalog; it is never called here.
	b := start(t, app.Options{Providers: []app.ProviderSpec{{Name: "local", Type: "local"},
		{Name: "aws", Type: "bedrock", Region: "us-east-1", AccessKeyID: "AKID", SecretAccessKey: "secret", Endpoint: "http://127.0.0.1:1", ServesCatalog: true}}})
	c := openaiClient(t, b.URL)
	page, err := c.Models.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, m := range page.Data {
		ids[m.ID] = true
	}
	if !ids["basalt-test"] || !ids["amazon.nova-lite-v1:0"] || len(ids) < 20 {
		t.Errorf("%d models, basalt-test %v, nova lite %v", len(ids), ids["basalt-test"], ids["amazon.nova-lite-v1:0"])
	}
	if _, err := c.Models.Get(context.Background(), "us.amazon.nova-lite-v1:0"); err != nil {
		t.Errorf("profile id: %v", err)
	}
}

func TestOpenAIEmbeddings(t *testing.T) {
	fake := fakeupstream.NewOpenAI(t)
	fake.RequireAPIKey("sk-test")
	b := start(t, routeTo(app.ProviderSpec{Name: "oa", Type: "openai", BaseURL: fake.URL, APIKey: "sk-test"}))
	c := openaiClient(t, b.URL)
	ctx := context.Background()
	inputs := []string{"hello", "embeddings world"}

	for _, enc := range []openai.EmbeddingNewParamsEncodingFormat{"", openai.EmbeddingNewParamsEncodingFormatFloat, openai.EmbeddingNewParamsEncodingFormatBase64} {
		t.Run("encoding "+string(enc), func(t *testing.T) {
			out, err := c.Embeddings.New(ctx, openai.EmbeddingNewParams{Model: "test-model", EncodingFormat: enc,
				Input: openai.EmbeddingNewParamsInputUnion{OfArrayOfStrings: inputs}})
			if err != nil {
				t.Fatal(err)
			}
			if out.Object != "list" || out.Model != "test-model" || len(out.Data) != 2 {
				t.Fatalf("response = %s", out.RawJSON())
			}
			for i, d := range out.Data {
				want := fakeupstream.FakeEmbedding(inputs[i], i)
				if d.Index != int64(i) || len(d.Embedding) != len(want) {
					t.Fatalf("data[%d] = %s", i, d.RawJSON())
				}
				for j := range want {
					if d.Embedding[j] != float64(want[j]) {
						t.Errorf("data[%d][%d] = %v, want %v", i, j, d.Embedding[j], want[j])
					}
				}
			}
			if out.Usage.PromptTokens != int64(len(inputs[0])+len(inputs[1])) {
				t.Errorf("usage = %s", out.Usage.RawJSON())
			}
			body := lastBody(t, &fake.Recorder)
			if body["model"] != upModel || fake.Last().Path != "/v1/embeddings" {
				t.Errorf("upstream %s %v", fake.Last().Path, body)
			}
		})
	}

	t.Run("single string", func(t *testing.T) {
		out, err := c.Embeddings.New(ctx, openai.EmbeddingNewParams{Model: "test-model", Input: openai.EmbeddingNewParamsInputUnion{OfString: openai.String("one")}})
		if err != nil || len(out.Data) != 1 || out.Data[0].Embedding[2] != 3 {
			t.Fatalf("out = %v, err %v", out, err)
		}
	})

	t.Run("provider that cannot embed", func(t *testing.T) {
		_, err := c.Embeddings.New(ctx, openai.EmbeddingNewParams{Model: "basalt-test", Input: openai.EmbeddingNewParamsInputUnion{OfString: openai.String("x")}})
		var oe *openai.Error
		if !errors.As(err, &oe) || oe.StatusCode != 400 || oe.Message == "" {
			t.Fatalf("err = %v", err)
		}
		t.Log(oe.Message)
	})

	t.Run("token arrays refused", func(t *testing.T) {
		_, err := c.Embeddings.New(ctx, openai.EmbeddingNewParams{Model: "test-model", Input: openai.EmbeddingNewParamsInputUnion{OfArrayOfTokens: []int64{1, 2}}})
		var oe *openai.Error
		if !errors.As(err, &oe) || oe.StatusCode != 400 {
			t.Fatalf("err = %v", err)
		}
	})
}
