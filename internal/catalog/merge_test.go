package catalog

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func ptr[T any](v T) *T { return &v }

func TestMergeOverridesOnlySetFields(t *testing.T) {
	c := load(t)
	const id = "amazon.nova-lite-v1:0"
	before := mustLookup(t, c, id)
	merged, err := c.Merge([]Model{{
		ID:           id,
		Price:        Price{InputPerMTok: ptr(0.05), Basis: "negotiated"},
		Capabilities: Capabilities{Citations: ptr(true)},
		Notes:        []string{"our discount"},
		Quotas:       Quotas{TokensPerMinute: ptr(400000)},
	}})
	if err != nil {
		t.Fatal(err)
	}
	got := mustLookup(t, merged, id)
	want := before.Clone()
	want.Price.InputPerMTok = ptr(0.05)
	want.Price.Basis = "negotiated"
	want.Capabilities.Citations = ptr(true)
	want.Notes = append(want.Notes, "our discount")
	want.Quotas.TokensPerMinute = ptr(400000)
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("merged entry (-want +got):\n%s", d)
	}
	if d := cmp.Diff(before, mustLookup(t, c, id)); d != "" {
		t.Fatalf("Merge changed the original catalog:\n%s", d)
	}
	if merged.Len() != c.Len() {
		t.Fatalf("Len %d, want %d", merged.Len(), c.Len())
	}
}

func TestMergeAddsEntries(t *testing.T) {
	c := load(t)
	merged, err := c.Merge([]Model{
		{ // a local model under a user's own name
			ID:               "llama3.2:3b",
			Name:             "Llama 3.2 3B on Ollama",
			InputModalities:  []Modality{ModalityText},
			OutputModalities: []Modality{ModalityText},
			APIs:             []API{APIChatCompletions},
			Price:            Price{InputPerMTok: ptr(0.0), OutputPerMTok: ptr(0.0)},
			Sources:          []string{"basalt.yaml"},
		},
		{ID: "my-assistant", APIs: []API{APIConverse}},
		// A profile id with its own price starts from the model it names.
		{ID: "eu.amazon.nova-pro-v1:0", Price: Price{InputPerMTok: ptr(0.9)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if merged.Len() != c.Len()+3 {
		t.Fatalf("Len %d, want %d", merged.Len(), c.Len()+3)
	}

	local := mustLookup(t, merged, "llama3.2:3b")
	if local.Status != StatusActive || local.Provider != "llama3" || local.ContextTokens != nil || local.Capabilities.ToolUse != nil {
		t.Errorf("new entry = %+v", local)
	}
	if a := mustLookup(t, merged, "my-assistant"); a.Family != "" || a.Provider != "" {
		t.Errorf("alias entry family/provider = %q/%q, want unknown", a.Family, a.Provider)
	}

	profile := mustLookup(t, merged, "eu.amazon.nova-pro-v1:0")
	base := mustLookup(t, merged, "amazon.nova-pro-v1:0")
	if *profile.Price.InputPerMTok != 0.9 || *base.Price.InputPerMTok != 0.8 {
		t.Errorf("profile/base input price = %v/%v", *profile.Price.InputPerMTok, *base.Price.InputPerMTok)
	}
	if profile.ContextTokens == nil || *profile.ContextTokens != *base.ContextTokens || profile.Family != "nova" {
		t.Error("profile entry did not inherit the base model's facts")
	}
	// The other profiles of the same model still resolve to the base entry,
	// and so does the ARN form of the overridden one.
	if id, _ := merged.Resolve("us.amazon.nova-pro-v1:0"); id != "amazon.nova-pro-v1:0" {
		t.Errorf("us. profile resolves to %q", id)
	}
	arn := "arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.amazon.nova-pro-v1:0"
	if id, _ := merged.Resolve(arn); id != "eu.amazon.nova-pro-v1:0" {
		t.Errorf("profile ARN resolves to %q", id)
	}
	if _, ok := c.Lookup("llama3.2:3b"); ok {
		t.Error("Merge added to the original catalog")
	}
}

func TestMergeThroughAlias(t *testing.T) {
	merged, err := load(t).Merge([]Model{{ID: "amazon.titan-image-generator-v2", Price: Price{PerOutputImage: ptr(0.007)}}})
	if err != nil {
		t.Fatal(err)
	}
	if m := mustLookup(t, merged, "amazon.titan-image-generator-v2:0"); *m.Price.PerOutputImage != 0.007 {
		t.Errorf("alias override did not reach the entry: %v", *m.Price.PerOutputImage)
	}
}

func TestMergeMergesPriceMaps(t *testing.T) {
	const id = "amazon.nova-pro-v1:0"
	merged, err := load(t).Merge([]Model{{ID: id, Price: Price{Profiles: map[string]TokenPrice{"global": {InputPerMTok: ptr(0.7)}}}}})
	if err != nil {
		t.Fatal(err)
	}
	p := mustLookup(t, merged, id).Price.Profiles
	if p["global"].InputPerMTok == nil || *p["global"].InputPerMTok != 0.7 || p["eu"].InputPerMTok == nil {
		t.Errorf("profiles = %v, want the new global row beside the sourced eu row", p)
	}
}

func TestMergeRejects(t *testing.T) {
	c := load(t)
	cases := map[string][]Model{
		"no id":            {{Name: "x"}},
		"bad id":           {{ID: "arn:aws:nope"}},
		"twice":            {{ID: "a.b"}, {ID: "a.b"}},
		"negative price":   {{ID: "amazon.nova-lite-v1:0", Price: Price{OutputPerMTok: ptr(-1.0)}}},
		"NaN price":        {{ID: "x.y", Price: Price{Regions: map[string]TokenPrice{"us-east-1": {InputPerMTok: ptr(nan())}}}}},
		"unknown api":      {{ID: "x.y", APIs: []API{"soap"}}},
		"unknown status":   {{ID: "x.y", Status: "retired"}},
		"alias collision":  {{ID: "x.y", Aliases: []string{"amazon.nova-lite-v1:0"}}},
		"zero context":     {{ID: "x.y", ContextTokens: ptr(0)}},
		"bad profile geo":  {{ID: "x.y", Price: Price{Profiles: map[string]TokenPrice{"mars": {}}}}},
		"bad profile id":   {{ID: "x.y", InferenceProfiles: []string{"x.y"}}},
		"bad modality":     {{ID: "x.y", InputModalities: []Modality{"smell"}}},
		"bad end of life":  {{ID: "x.y", EndOfLife: "soon"}},
		"bad workload":     {{ID: "x.y", Workloads: []Workload{"gaming"}}},
		"negative batch":   {{ID: "x.y", Price: Price{Batch: &TokenPrice{InputPerMTok: ptr(-2.0)}}}},
		"long ctx no size": {{ID: "x.y", Price: Price{LongContext: &LongContextPrice{InputPerMTok: ptr(1.0)}}}},
	}
	for name, overrides := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := c.Merge(overrides); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func nan() float64 {
	zero := 0.0
	return zero / zero
}
