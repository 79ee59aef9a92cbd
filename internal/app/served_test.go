package app

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/basalt-gateway/basalt/internal/advisor"
	"github.com/basalt-gateway/basalt/internal/catalog"
)

const haiku = "anthropic.claude-3-haiku-20240307-v1:0"

func ptr[T any](v T) *T { return &v }

// localModelApp is the documented example: a local model routed to an
// Ollama (OpenAI-compatible) provider, described in the catalog section,
// plus a negotiated price for a Bedrock model.
func localModelApp(t *testing.T) *App {
	t.Helper()
	a, err := New(context.Background(), Options{
		Providers: []ProviderSpec{
			{Name: "local", Type: "local"},
			{Name: "ollama", Type: "openai", BaseURL: "http://127.0.0.1:11434/v1"},
		},
		Models: []ModelSpec{{ID: "my-llama", Provider: "ollama", Upstream: "llama3.2"}},
		CatalogOverrides: []catalog.Model{
			{ID: "my-llama", Name: "Llama 3.2 on our box", Provider: "ollama",
				InputModalities: []catalog.Modality{catalog.ModalityText}, OutputModalities: []catalog.Modality{catalog.ModalityText},
				ContextTokens: ptr(131072), Price: catalog.Price{InputPerMTok: ptr(0.0), OutputPerMTok: ptr(0.0)},
				APIs:      []catalog.API{catalog.APIConverse, catalog.APIChatCompletions},
				Workloads: []catalog.Workload{catalog.WorkloadChatAssistant}},
			{ID: haiku, Price: catalog.Price{InputPerMTok: ptr(0.1), OutputPerMTok: ptr(0.5)}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	return a
}

func TestCatalogOverridesMerged(t *testing.T) {
	a := localModelApp(t)
	m, ok := a.Catalog.Lookup("my-llama")
	if !ok || m.Name != "Llama 3.2 on our box" {
		t.Fatalf("my-llama not in the merged catalog: %v %+v", ok, m)
	}
	if got := a.Served("my-llama"); !slices.Equal(got, []string{"ollama"}) {
		t.Errorf("Served(my-llama) = %v", got)
	}
	if got := a.Served("basalt-test"); !slices.Equal(got, []string{"local"}) {
		t.Errorf("Served(basalt-test) = %v", got)
	}
	// No bedrock provider: the Bedrock catalog is known but not served.
	if got := a.Served(haiku); got != nil {
		t.Errorf("Served(%s) = %v without a bedrock provider", haiku, got)
	}
	deps, err := a.Table.Resolve(context.Background(), "my-llama")
	if err != nil || len(deps) != 1 || deps[0].Provider.Name() != "ollama" || deps[0].Upstream != "llama3.2" {
		t.Errorf("my-llama routes to %+v, %v", deps, err)
	}
	// A local name is never a Bedrock model, so a catch-all bedrock
	// provider could not claim it.
	if _, ok := a.knownBedrockModel("my-llama"); ok {
		t.Error("knownBedrockModel(my-llama) is true")
	}
	if id, ok := a.knownBedrockModel("us." + haiku); !ok || id != haiku {
		t.Errorf("knownBedrockModel(us.%s) = %q, %v", haiku, id, ok)
	}

	// The advisor sees the negotiated price: 1M input + 1M output tokens.
	ans := advisor.Advise(a.Catalog, advisor.Request{Workload: advisor.ChatAssistant, Top: advisor.MaxTop,
		MonthlyInputTokens: 1_000_000, MonthlyOutputTokens: 1_000_000})
	p, ok := findPick(ans, haiku)
	if !ok || p.MonthlyCostUSD == nil || *p.MonthlyCostUSD != 0.6 {
		t.Errorf("haiku pick %+v (found %v), want a monthly cost of 0.6", p, ok)
	}
}

func findPick(ans advisor.Answer, id string) (advisor.Pick, bool) {
	for _, r := range ans.Recommendations {
		for _, p := range r.Models {
			if p.ModelID == id {
				return p, true
			}
		}
	}
	return advisor.Pick{}, false
}

func TestServedOverHTTP(t *testing.T) {
	a := localModelApp(t)
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()
	get := func(method, path, body string, v any) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s %s: %s", method, path, resp.Status)
		}
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatal(err)
		}
	}
	var models struct {
		Data []struct {
			ID      string `json:"id"`
			OwnedBy string `json:"owned_by"`
		} `json:"data"`
	}
	get("GET", "/v1/models", "", &models)
	if !slices.ContainsFunc(models.Data, func(m struct {
		ID      string `json:"id"`
		OwnedBy string `json:"owned_by"`
	}) bool {
		return m.ID == "my-llama" && m.OwnedBy == "ollama"
	}) {
		t.Errorf("/v1/models lacks my-llama: %+v", models.Data)
	}

	var fm struct {
		ModelSummaries []struct {
			ModelID string `json:"modelId"`
		} `json:"modelSummaries"`
	}
	get("GET", "/foundation-models", "", &fm)
	if len(fm.ModelSummaries) == 0 {
		t.Fatal("/foundation-models is empty")
	}
	for _, s := range fm.ModelSummaries {
		if s.ModelID == "my-llama" || s.ModelID == "basalt-test" {
			t.Errorf("/foundation-models lists %s", s.ModelID)
		}
	}

	var ans advisor.Answer
	get("POST", "/advise", `{"workload": "chat_assistant", "served_only": true}`, &ans)
	if !ans.Understood.ServedOnly || len(ans.Recommendations) != 1 || len(ans.Recommendations[0].Models) != 1 {
		t.Fatalf("served-only answer: %+v", ans)
	}
	p := ans.Recommendations[0].Models[0]
	if p.ModelID != "my-llama" || !slices.Contains(p.Reasons, "served here by provider ollama") {
		t.Errorf("served-only pick: %+v", p)
	}
}
