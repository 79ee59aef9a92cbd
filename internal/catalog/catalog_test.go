package catalog

import (
	"regexp"
	"strings"
	"testing"
)

func load(t testing.TB) *Catalog {
	t.Helper()
	c, err := Load()
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return c
}

func mustLookup(t *testing.T, c *Catalog, id string) Model {
	t.Helper()
	m, ok := c.Lookup(id)
	if !ok {
		t.Fatalf("Lookup(%q) found nothing", id)
	}
	return m
}

var (
	regionRE = regexp.MustCompile(`^[a-z]{2}(-gov)?-[a-z]+-[0-9]$`)
	dateRE   = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
)

// TestEmbeddedIntegrity holds the editorial rules for models.yaml on top of
// what Load already validates for every entry.
func TestEmbeddedIntegrity(t *testing.T) {
	c := load(t)
	if c.Len() < 150 {
		t.Fatalf("catalog has %d models; the research file had 156", c.Len())
	}
	ids := map[string]string{}
	for _, m := range c.Models() {
		t.Run(m.ID, func(t *testing.T) {
			for _, key := range append([]string{m.ID}, m.Aliases...) {
				if other, dup := ids[key]; dup {
					t.Errorf("id %q also used by %q", key, other)
				}
				ids[key] = m.ID
			}
			if m.Name == "" || m.Provider == "" || m.ProviderName == "" {
				t.Errorf("name/provider missing: %q %q %q", m.Name, m.Provider, m.ProviderName)
			}
			if got := FamilyFromID(m.ID); got != m.Family {
				t.Errorf("family %q, but FamilyFromID says %q: keep familyRules and models.yaml in step", m.Family, got)
			}
			if len(m.APIs) == 0 {
				t.Error("no API serves it")
			}
			if len(m.InputModalities) == 0 || len(m.OutputModalities) == 0 {
				t.Error("needs at least one input and one output modality")
			}
			if len(m.Sources) == 0 {
				t.Error("no source")
			}
			for _, s := range m.Sources {
				if strings.TrimSpace(s) == "" {
					t.Error("blank source")
				}
			}
			if !m.Status.valid() {
				t.Errorf("status %q", m.Status)
			}
			checkPrices(t, &m.Price)
			for _, p := range m.InferenceProfiles {
				geo, base, _ := strings.Cut(p, ".")
				if !isGeo(geo) || base != m.ID {
					t.Errorf("profile %q is not <known geo>.%s", p, m.ID)
				}
			}
			for _, r := range m.Regions {
				if !regionRE.MatchString(r) {
					t.Errorf("region %q", r)
				}
			}
			for _, d := range []string{m.EndOfLife, m.Price.AsOf} {
				if d != "" && !dateRE.MatchString(d) {
					t.Errorf("date %q", d)
				}
			}
			// A flag set true must agree with the modalities it implies.
			if isTrue(m.Capabilities.Vision) && !m.HasInput(ModalityImage) {
				t.Error("vision without image input")
			}
			if isTrue(m.Capabilities.Documents) && !m.HasInput(ModalityDocument) {
				t.Error("documents without document input")
			}
			if isTrue(m.Capabilities.Streaming) && !m.HasAPI(APIConverse) && !m.HasAPI(APIInvoke) &&
				!m.HasAPI(APIBidirectionalStream) && !m.HasAPI(APIChatCompletions) && !m.HasAPI(APIResponses) && !m.HasAPI(APIMessages) {
				t.Error("streaming but no API that streams")
			}
			if id, _ := ParseID(m.ID); m.Provider != "basalt" && id.Kind != KindBase {
				t.Errorf("Bedrock entry id parses as %v, want base", id.Kind)
			}
		})
	}
}

func checkPrices(t *testing.T, p *Price) {
	t.Helper()
	var all []*float64
	for _, f := range p.scalarFields() {
		all = append(all, *f)
	}
	for _, v := range p.PerOutputImageBySizeSteps {
		all = append(all, &v)
	}
	for _, tp := range p.Profiles {
		all = append(all, tp.InputPerMTok, tp.OutputPerMTok)
	}
	for _, tp := range p.Regions {
		all = append(all, tp.InputPerMTok, tp.OutputPerMTok)
	}
	if p.LongContext != nil {
		all = append(all, p.LongContext.InputPerMTok, p.LongContext.OutputPerMTok)
	}
	if p.Batch != nil {
		all = append(all, p.Batch.InputPerMTok, p.Batch.OutputPerMTok)
	}
	for _, v := range all {
		if v != nil && *v < 0 {
			t.Errorf("negative price %v", *v)
		}
	}
}

func isTrue(b *bool) bool { return b != nil && *b }

// TestUnknownStaysNil guards the rule the advisor depends on: a gap in the
// sources reaches callers as nil, not as 0 or false.
func TestUnknownStaysNil(t *testing.T) {
	c := load(t)
	sonic := mustLookup(t, c, "amazon.nova-sonic-v1:0") // no source gave limits or prices
	if sonic.ContextTokens != nil || sonic.MaxOutputTokens != nil {
		t.Errorf("Nova Sonic limits = %v/%v, want nil", sonic.ContextTokens, sonic.MaxOutputTokens)
	}
	if sonic.Price.InputPerMTok != nil || sonic.Price.OutputPerMTok != nil {
		t.Error("Nova Sonic prices should be unknown")
	}
	if sonic.Capabilities.Vision != nil || sonic.Capabilities.Reasoning != nil {
		t.Error("Nova Sonic vision/reasoning should be unknown")
	}
	if sonic.Regions != nil {
		t.Errorf("Nova Sonic regions = %v, want nil (unknown, not nowhere)", sonic.Regions)
	}
	// Explicit false in the source stays false; it is not the same as unknown.
	lite := mustLookup(t, c, "amazon.nova-lite-v1:0")
	if lite.Capabilities.Reasoning == nil || *lite.Capabilities.Reasoning {
		t.Errorf("Nova Lite reasoning = %v, want explicit false", lite.Capabilities.Reasoning)
	}
	// Corrected entries: placeholder zero prices and a dubious context became unknown.
	if m := mustLookup(t, c, "anthropic.claude-mythos-preview"); m.Price.InputPerMTok != nil {
		t.Errorf("mythos input price = %v, want nil (LiteLLM's 0 is a placeholder)", *m.Price.InputPerMTok)
	}
	if m := mustLookup(t, c, "anthropic.claude-3-5-sonnet-20240620-v1:0"); m.ContextTokens != nil {
		t.Errorf("Claude 3.5 Sonnet context = %d, want nil", *m.ContextTokens)
	}
	for _, m := range c.Models() {
		if m.Capabilities.Citations != nil && m.Provider != "basalt" {
			t.Errorf("%s: citations = %v, but no source covered citations", m.ID, *m.Capabilities.Citations)
		}
		if m.Quotas.RequestsPerMinute != nil || m.Quotas.TokensPerMinute != nil {
			t.Errorf("%s: quotas set, but no source published them", m.ID)
		}
	}
}

func TestBasaltTest(t *testing.T) {
	m := mustLookup(t, load(t), "basalt-test")
	if m.Provider != "basalt" || m.Family != FamilyBasalt || m.Status != StatusActive {
		t.Errorf("provider/family/status = %q/%q/%q", m.Provider, m.Family, m.Status)
	}
	for _, a := range []API{APIConverse, APIInvoke, APIChatCompletions, APIResponses, APIMessages} {
		if !m.HasAPI(a) {
			t.Errorf("missing api %s", a)
		}
	}
	if !isTrue(m.Capabilities.Streaming) || !isTrue(m.Capabilities.ToolUse) {
		t.Error("basalt-test streams and uses tools")
	}
	for _, p := range []*float64{m.Price.InputPerMTok, m.Price.OutputPerMTok} {
		if p == nil || *p != 0 {
			t.Errorf("price %v, want a known 0", p)
		}
	}
}

func TestCopiesAreIndependent(t *testing.T) {
	c := load(t)
	m := mustLookup(t, c, "amazon.nova-lite-v1:0")
	*m.ContextTokens = 1
	*m.Price.InputPerMTok = 99
	m.APIs[0] = "x"
	m.Price.Profiles["eu"] = TokenPrice{}
	*m.Capabilities.Vision = false
	again := mustLookup(t, c, "amazon.nova-lite-v1:0")
	if *again.ContextTokens != 300000 || *again.Price.InputPerMTok != 0.06 || again.APIs[0] != APIConverse ||
		again.Price.Profiles["eu"].InputPerMTok == nil || !*again.Capabilities.Vision {
		t.Fatal("changing a returned Model changed the catalog")
	}
	all := c.Models()
	all[0].Sources[0] = "changed"
	if c.Models()[0].Sources[0] == "changed" {
		t.Fatal("Models returned shared slices")
	}
}

func TestFilter(t *testing.T) {
	c := load(t)
	tests := []struct {
		name  string
		q     Query
		check func(Model) bool
		min   int
	}{
		{"provider slug", Query{Provider: "anthropic"}, func(m Model) bool { return m.Family == "claude" }, 20},
		{"provider display name, any case", Query{Provider: "mistral ai"}, func(m Model) bool { return m.Provider == "mistral" }, 10},
		{"output image", Query{OutputModality: "IMAGE"}, func(m Model) bool { return m.HasOutput(ModalityImage) }, 20},
		{"input video", Query{InputModality: ModalityVideo}, func(m Model) bool { return m.HasInput(ModalityVideo) }, 4},
		{"api", Query{API: APIAsyncInvoke}, func(m Model) bool { return m.HasAPI(APIAsyncInvoke) }, 4},
		{"profiles", Query{InferenceType: InferenceProfile}, func(m Model) bool { return len(m.InferenceProfiles) > 0 }, 40},
		{"on demand", Query{InferenceType: "on_demand"}, func(m Model) bool { return m.Price.known() }, 100},
		{"combined", Query{Provider: "Amazon", OutputModality: ModalityEmbedding}, func(m Model) bool {
			return m.Provider == "amazon" && m.HasOutput(ModalityEmbedding)
		}, 4},
		{"workload", Query{Workload: WorkloadRealtimeVoice}, func(m Model) bool { return m.Family == "nova-sonic" }, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := c.Filter(tt.q)
			if len(got) < tt.min {
				t.Errorf("%d matches, want at least %d", len(got), tt.min)
			}
			for _, m := range got {
				if !tt.check(m) {
					t.Errorf("%s should not match", m.ID)
				}
			}
		})
	}
	if got := c.Filter(Query{InferenceType: InferenceProvisioned}); len(got) != 0 {
		t.Errorf("PROVISIONED matched %d models; no source covers it", len(got))
	}
	if got := c.Filter(Query{}); len(got) != c.Len() {
		t.Errorf("empty query matched %d of %d", len(got), c.Len())
	}
}

func TestPriceTokens(t *testing.T) {
	m := mustLookup(t, load(t), "anthropic.claude-sonnet-4-5-20250929-v1:0")
	cases := []struct {
		geo, region string
		in          float64
		exact       bool
	}{
		{"", "", 3, true},
		{"us", "", 3.3, true},
		{"global", "", 3, false}, // no separate row: base price, flagged as a guess
		{"", "us-gov-west-1", 3.6, true},
		{"", "eu-west-3", 3, false},
	}
	for _, tc := range cases {
		tp, exact := m.Price.Tokens(tc.geo, tc.region)
		if tp.InputPerMTok == nil || *tp.InputPerMTok != tc.in || exact != tc.exact {
			t.Errorf("Tokens(%q, %q) = %v, %v; want %v, %v", tc.geo, tc.region, tp.InputPerMTok, exact, tc.in, tc.exact)
		}
	}
}

func TestParseRejectsBadFiles(t *testing.T) {
	cases := map[string]string{
		"unknown key":    "schema_version: 2\nmodels:\n  - id: a.b\n    colour: red\n",
		"wrong version":  "schema_version: 1\nmodels: []\n",
		"duplicate id":   "schema_version: 2\nmodels:\n  - {id: a.b, status: active}\n  - {id: a.b, status: active}\n",
		"negative price": "schema_version: 2\nmodels:\n  - {id: a.b, status: active, price: {input_per_mtok: -1}}\n",
		"bad status":     "schema_version: 2\nmodels:\n  - {id: a.b, status: retired}\n",
		"bad api":        "schema_version: 2\nmodels:\n  - {id: a.b, status: active, apis: [grpc]}\n",
		"bad profile":    "schema_version: 2\nmodels:\n  - {id: a.b, status: active, inference_profiles: [xx.a.b]}\n",
		"two documents":  "schema_version: 2\nmodels: []\n---\nschema_version: 2\n",
	}
	for name, doc := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := parse([]byte(doc)); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func BenchmarkLookupProfileARN(b *testing.B) {
	c := load(b)
	id := "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-6"
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := c.Resolve(id); !ok {
			b.Fatal("not found")
		}
	}
}
