package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/basalt-gateway/basalt/internal/advisor"
)

const localModelConfig = `providers:
  - name: ollama
    type: openai
    base_url: "http://127.0.0.1:11434/v1"
models:
  - {id: my-llama, provider: ollama, upstream: llama3.2}
catalog:
  - id: my-llama
    name: Llama 3.2 on our box
    input_modalities: [text]
    output_modalities: [text]
    context_tokens: 131072
    price: {input_per_mtok: 0, output_per_mtok: 0}
    apis: [converse, chat_completions]
    workloads: [chat_assistant]
`

func TestAdviseServedFromConfig(t *testing.T) {
	t.Setenv("BASALT_CONFIG", "")
	dir := t.TempDir()
	cfg := filepath.Join(dir, "basalt.yaml")
	if err := os.WriteFile(cfg, []byte(localModelConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, "advise", "--config", cfg, "--served", "--json", "--workload", "chat_assistant")
	if code != ExitOK {
		t.Fatalf("code %d: %s", code, errOut)
	}
	var ans advisor.Answer
	if err := json.Unmarshal([]byte(out), &ans); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !ans.Understood.ServedOnly || len(ans.Recommendations) != 1 {
		t.Fatalf("answer: %s", out)
	}
	picks := ans.Recommendations[0].Models
	if len(picks) != 1 || picks[0].ModelID != "my-llama" || !slices.Contains(picks[0].Reasons, "served here by provider ollama") {
		t.Errorf("picks: %+v", picks)
	}
	if _, err := os.Stat(filepath.Join(dir, "basalt-data")); err == nil {
		t.Error("advise created a data directory")
	}

	// The readable table also ranks it; models --catalog shows who serves it.
	if code, out, errOut := run(t, "advise", "--config", cfg, "--served"); code != ExitOK || !strings.Contains(out, "my-llama") {
		t.Errorf("table: code %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = run(t, "models", "--config", cfg, "--catalog", "--json")
	if code != ExitOK {
		t.Fatalf("models: %s", errOut)
	}
	var rows []modelRow
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatal(err)
	}
	var catalogRow *modelRow
	for i := range rows {
		if rows[i].ID == "my-llama" && rows[i].Source == "catalog" {
			catalogRow = &rows[i]
		}
	}
	if catalogRow == nil || catalogRow.Provider != "ollama" || catalogRow.Name != "Llama 3.2 on our box" {
		t.Errorf("my-llama catalog row: %+v", catalogRow)
	}

	// A catalog problem is reported with its position, like any config error.
	bad := filepath.Join(dir, "bad.yaml")
	_ = os.WriteFile(bad, []byte("catalog:\n  - id: my-llama\n    pric: {input_per_mtok: 1}\n"), 0o600)
	if code, _, errOut := run(t, "advise", "--config", bad); code != ExitUsage ||
		!strings.Contains(errOut, `bad.yaml:3:5: catalog[0]: unknown key "pric" (did you mean "price"?)`) {
		t.Errorf("code %d: %s", code, errOut)
	}
}

// TestAdviseFlagsOverrideFreeText: a flag given explicitly wins over what
// the free text said, and the text still sets what no flag did.
func TestAdviseFlagsOverrideFreeText(t *testing.T) {
	t.Setenv("BASALT_CONFIG", "")
	code, out, errOut := run(t, "advise", "--json", "--region", "us-west-2", "answer questions over our PDFs in eu-central-1, cheap")
	if code != ExitOK {
		t.Fatalf("code %d: %s", code, errOut)
	}
	var ans map[string]any
	if err := json.Unmarshal([]byte(out), &ans); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	u, _ := json.Marshal(ans["understood"])
	if !strings.Contains(string(u), `"us-west-2"`) || strings.Contains(string(u), `"region":"eu-central-1"`) {
		t.Errorf("understood: %s", u)
	}
	if !strings.Contains(string(u), `"rag"`) {
		t.Errorf("the text's workload was lost: %s", u)
	}
}
