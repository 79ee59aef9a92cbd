package catalog

import (
	"errors"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

func decodeSection(t *testing.T, src string) ([]Model, error) {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatalf("yaml: %v", err)
	}
	root := doc.Content[0]
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "catalog" {
			return DecodeOverrides("basalt.yaml", root.Content[i+1])
		}
	}
	t.Fatal("no catalog key")
	return nil, nil
}

func TestDecodeOverrides(t *testing.T) {
	models, err := decodeSection(t, `
catalog:
  - id: my-llama
    name: Llama 3.2 on our box
    provider: ollama
    input_modalities: [text]
    output_modalities: [text]
    context_tokens: 131072
    price: {input_per_mtok: 0, output_per_mtok: 0}
    capabilities: {streaming: true, tool_use: ~}
    apis: [converse, chat_completions]
    workloads: [chat_assistant]
  - id: anthropic.claude-3-haiku-20240307-v1:0
    price:
      input_per_mtok: 0.2
      profiles: {us: {input_per_mtok: 0.21, output_per_mtok: 1}}
    regions: []
`)
	if err != nil {
		t.Fatal(err)
	}
	if len(models) != 2 {
		t.Fatalf("got %d models", len(models))
	}
	m := models[0]
	if m.ID != "my-llama" || m.Name != "Llama 3.2 on our box" || m.Provider != "ollama" || *m.ContextTokens != 131072 ||
		*m.Price.InputPerMTok != 0 || *m.Price.OutputPerMTok != 0 || !*m.Capabilities.Streaming ||
		m.Capabilities.ToolUse != nil || len(m.APIs) != 2 || m.Workloads[0] != WorkloadChatAssistant || m.MaxOutputTokens != nil {
		t.Errorf("my-llama decoded as %+v", m)
	}
	h := models[1]
	if *h.Price.InputPerMTok != 0.2 || h.Price.OutputPerMTok != nil || *h.Price.Profiles["us"].InputPerMTok != 0.21 ||
		h.Regions == nil || len(h.Regions) != 0 || h.InputModalities != nil {
		t.Errorf("override decoded as %+v", h)
	}
	// Null and absent sections are no overrides.
	for _, src := range []string{"catalog: ~\n", "catalog: []\n"} {
		if got, err := decodeSection(t, src); err != nil || len(got) != 0 {
			t.Errorf("%q: %v, %v", src, got, err)
		}
	}
	if got, err := DecodeOverrides("x", nil); got != nil || err != nil {
		t.Errorf("nil node: %v, %v", got, err)
	}
}

func TestDecodeOverridesErrors(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      []string
	}{
		{"not a list", "catalog: {id: x}\n", []string{`basalt.yaml:1:10: catalog: expected a list of model entries, got a mapping`}},
		{"entry not a mapping", "catalog:\n  - my-llama\n", []string{`basalt.yaml:2:5: catalog[0]: expected a mapping (a model entry), got a string`}},
		{"unknown key", "catalog:\n  - id: my-llama\n    pric: {input_per_mtok: 1}\n", []string{`basalt.yaml:3:5: catalog[0]: unknown key "pric" (did you mean "price"?)`}},
		{"missing id", "catalog:\n  - name: x\n  - id: ~\n", []string{
			`basalt.yaml:2:5: catalog[0]: missing required key "id"`,
			`basalt.yaml:3:9: catalog[1].id: must not be empty`}},
		{"bad id", "catalog:\n  - id: 'my llama'\n", []string{`basalt.yaml:2:9: catalog[0].id: invalid model id: character ' ' at offset 2`}},
		{"duplicate id", "catalog:\n  - id: a.b\n  - id: a.b\n", []string{`basalt.yaml:3:9: catalog[1].id: id "a.b" is already overridden by catalog[0]`}},
		{"price types", `catalog:
  - id: x
    price:
      input_per_mtok: "3"
      output_per_mtok: -1
      cache_read_per_mtok: .nan
      profiles: {mars: {input_per_mtok: 1}}
`, []string{
			`basalt.yaml:4:23: catalog[0].price.input_per_mtok: expected a price in USD (a number), got the string "3"`,
			`basalt.yaml:5:24: catalog[0].price.output_per_mtok: "-1" is not a non-negative amount`,
			`basalt.yaml:6:28: catalog[0].price.cache_read_per_mtok: ".nan" is not a non-negative amount`,
			`basalt.yaml:7:18: catalog[0].price.profiles: "mars" is not a geo prefix; want one of us, eu, apac, jp, au, ca, us-gov, global`}},
		{"enums and ints", `catalog:
  - id: x
    status: retired
    input_modalities: [txt]
    apis: [converse, grpc]
    workloads: [chat]
    context_tokens: 0
    max_output_tokens: 1.5
    capabilities: {vision: "yes", tool_use: 1}
    end_of_life: soon
    inference_profiles: [amazon.nova-lite-v1:0]
`, []string{
			`basalt.yaml:3:13: catalog[0].status: unknown status "retired"; want one of active, preview, legacy, end_of_life`,
			`basalt.yaml:4:24: catalog[0].input_modalities[0]: unknown modality "txt" (did you mean "text"?); want one of text, image, document, video, audio, embedding, rerank`,
			`basalt.yaml:5:22: catalog[0].apis[1]: unknown api "grpc"; want one of converse, invoke, chat_completions, responses, messages, async_invoke, bidirectional_stream`,
			`basalt.yaml:6:17: catalog[0].workloads[0]: unknown workload "chat"`,
			`basalt.yaml:7:21: catalog[0].context_tokens: must be a positive number (omit the key when unknown)`,
			`basalt.yaml:8:24: catalog[0].max_output_tokens: expected a whole number, got "1.5"`,
			`basalt.yaml:9:28: catalog[0].capabilities.vision: expected true or false, got a string`,
			`basalt.yaml:9:45: catalog[0].capabilities.tool_use: expected true or false, got a number`,
			`basalt.yaml:10:18: catalog[0].end_of_life: "soon" is not a date YYYY-MM-DD`,
			`basalt.yaml:11:26: catalog[0].inference_profiles[0]: "amazon.nova-lite-v1:0" is not a geo-prefixed inference profile id`}},
		{"custom tag", "catalog:\n  - id: x\n    name: !secret y\n", []string{`basalt.yaml:3:11: catalog[0].name: unsupported YAML tag "!secret"`}},
		{"duplicate key", "catalog:\n  - id: x\n    id: y\n", []string{`basalt.yaml:3:5: catalog[0]: duplicate key "id" (first written on line 2)`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			models, err := decodeSection(t, tc.src)
			if err == nil {
				t.Fatalf("no error; got %+v", models)
			}
			if models != nil {
				t.Error("models returned with an error")
			}
			var leaves []error
			if j, ok := err.(interface{ Unwrap() []error }); ok {
				leaves = j.Unwrap()
			}
			if len(leaves) != len(tc.want) {
				t.Fatalf("got %d errors, want %d:\n%v", len(leaves), len(tc.want), err)
			}
			for i, e := range leaves {
				var de *DecodeError
				if !errors.As(e, &de) || de.Line == 0 {
					t.Errorf("error %q is not a positioned *DecodeError", e)
				}
				if !strings.HasPrefix(e.Error(), tc.want[i]) {
					t.Errorf("error %d:\n got %s\nwant %s", i, e, tc.want[i])
				}
			}
		})
	}
}

func TestDecodeOverridesAliasesAndMerge(t *testing.T) {
	models, err := decodeSection(t, `
x-free: &free {input_per_mtok: 0, output_per_mtok: 0}
x-base: &base
  input_modalities: [text]
  output_modalities: [text]
catalog:
  - <<: *base
    id: a-local
    price: *free
  - <<: *base
    id: b-local
    output_modalities: [embedding]
`)
	if err != nil {
		t.Fatal(err)
	}
	if *models[0].Price.OutputPerMTok != 0 || models[0].OutputModalities[0] != ModalityText || models[1].OutputModalities[0] != ModalityEmbedding {
		t.Errorf("got %+v", models)
	}
	// A billion-laughs section costs one error per alias use, not one per
	// expanded value: the schema has no list of lists to expand into.
	var b strings.Builder
	b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 8; i++ {
		b.WriteString("a" + string(rune('0'+i)) + ": &a" + string(rune('0'+i)) + " [")
		for j := range 10 {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*a" + string(rune('0'+i-1)))
		}
		b.WriteString("]\n")
	}
	b.WriteString("catalog:\n  - id: x\n    notes: *a7\n")
	_, err = decodeSection(t, b.String())
	if err == nil || strings.Count(err.Error(), "\n") != 9 {
		t.Errorf("got %v", err)
	}
}

func TestMergeDecodedLocalModel(t *testing.T) {
	base, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	overrides, err := decodeSection(t, `
catalog:
  - id: my-llama
    name: Llama 3.2 on our box
    input_modalities: [text]
    output_modalities: [text]
    context_tokens: 131072
    price: {input_per_mtok: 0, output_per_mtok: 0}
    apis: [converse, chat_completions]
    workloads: [chat_assistant]
`)
	if err != nil {
		t.Fatal(err)
	}
	merged, err := base.Merge(overrides)
	if err != nil {
		t.Fatal(err)
	}
	m, ok := merged.Lookup("my-llama")
	if !ok || m.Status != StatusActive || m.IsBedrock() {
		t.Errorf("my-llama: %v %+v (bedrock %v)", ok, m, m.IsBedrock())
	}
	sub := merged.Subset((*Model).IsBedrock)
	if _, ok := sub.Lookup("my-llama"); ok {
		t.Error("Subset(IsBedrock) kept my-llama")
	}
	if _, ok := sub.Lookup("basalt-test"); ok {
		t.Error("Subset(IsBedrock) kept basalt-test")
	}
	builtIn := 0 // basalt-test, basalt-embed, …
	for _, m := range base.Models() {
		if m.Provider == "basalt" {
			builtIn++
		}
	}
	if builtIn < 2 || sub.Len() != base.Len()-builtIn {
		t.Errorf("Subset has %d of %d models (%d built in)", sub.Len(), base.Len(), builtIn)
	}
}
