package advisor

import (
	"encoding/json"
	goldenfile "github.com/basalt-gateway/basalt/internal/testutil/golden"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/basalt-gateway/basalt/internal/catalog"
)

func load(t testing.TB) *catalog.Catalog {
	t.Helper()
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

func apiNames(a Answer) []API {
	var out []API
	for _, c := range a.APIs {
		out = append(out, c.Name)
	}
	return out
}

func role(t *testing.T, a Answer, r Role) []Pick {
	t.Helper()
	for _, rec := range a.Recommendations {
		if rec.Role == r {
			return rec.Models
		}
	}
	t.Fatalf("no %s role in %+v", r, a.Recommendations)
	return nil
}

func families(cat *catalog.Catalog, picks []Pick) []string {
	var out []string
	for _, p := range picks {
		if f := cat.Family(p.ModelID); !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

func ids(picks []Pick) []string {
	var out []string
	for _, p := range picks {
		out = append(out, p.ModelID)
	}
	return out
}

// TestSeedRecommendations reproduces every recommendation of the model
// selection guide: each workload and client → the APIs and model families
// (or models) it names.
func TestSeedRecommendations(t *testing.T) {
	cat := load(t)
	cases := []struct {
		name string
		req  Request
		apis []API // exactly, in order
		role Role
		top  int
		// every pick must be one of these id prefixes (the guide's list)
		allowed []string
		// and these families must appear among the top
		want []string
	}{
		{"chat assistant", Request{Workload: ChatAssistant}, []API{Converse, ConverseStream}, RoleGenerator, 10,
			// step 2 (general enterprise assistant) and step 1 (Converse chat candidates)
			[]string{"amazon.nova-pro", "amazon.nova-lite", "amazon.nova-2-lite", "anthropic.claude", "meta.llama", "mistral.",
				"openai.gpt-oss", "qwen.", "deepseek.", "cohere.command"},
			[]string{"nova", "claude", "llama", "mistral"}},
		{"text automation", Request{Workload: TextAutomation}, []API{Converse, Invoke}, RoleGenerator, 5,
			[]string{"amazon.nova-micro", "amazon.nova-lite", "amazon.nova-2-lite"}, []string{"nova"}},
		{"reasoning and coding", Request{Workload: ReasoningCoding}, []API{Converse, ConverseStream}, RoleGenerator, 10,
			[]string{"anthropic.claude", "openai.gpt", "mistral.devstral", "qwen.qwen3-coder", "deepseek.", "moonshot.kimi-k2-thinking", "moonshotai.kimi-k2-thinking"},
			[]string{"claude", "gpt-oss", "qwen", "deepseek"}},
		{"rag generator", Request{Workload: RAG}, []API{Invoke, Converse}, RoleGenerator, 5, nil, nil},
		{"image understanding", Request{Workload: ImageUnderstanding}, []API{Converse, Invoke}, RoleGenerator, 10,
			[]string{"amazon.nova-lite", "amazon.nova-pro", "amazon.nova-2-lite", "anthropic.claude", "meta.llama", "qwen.qwen3-vl", "mistral.pixtral", "writer.palmyra-vision"},
			[]string{"nova", "claude", "llama"}},
		{"image generation", Request{Workload: ImageGeneration}, []API{Invoke}, RoleGenerator, 10,
			[]string{"amazon.nova-canvas", "amazon.titan-image", "stability."}, []string{"nova-canvas", "titan-image", "stability"}},
		{"video generation", Request{Workload: VideoGeneration}, []API{AsyncInvoke}, RoleGenerator, 5,
			[]string{"amazon.nova-reel"}, []string{"nova-reel"}},
		{"media embeddings", Request{Workload: MediaEmbeddings}, []API{AsyncInvoke, Invoke}, RoleEmbedding, 5,
			[]string{"twelvelabs.marengo", "amazon.nova-2-multimodal-embeddings"}, []string{"marengo", "nova-embed"}},
		{"realtime voice", Request{Workload: RealtimeVoice}, []API{BidirectionalStream}, RoleVoice, 5,
			[]string{"amazon.nova-sonic", "amazon.nova-2-sonic"}, []string{"nova-sonic"}},
		{"moderation", Request{Workload: Moderation}, []API{Guardrails, Converse}, RoleClassifier, 5,
			[]string{"openai.gpt-oss-safeguard"}, []string{"gpt-oss"}},
		{"openai chat", Request{Workload: ChatAssistant, Client: ClientOpenAI}, []API{ChatCompletions, Responses}, RoleGenerator, 10,
			[]string{"openai.gpt", "qwen.", "mistral.", "minimax.", "deepseek.", "nvidia.nemotron", "zai.glm", "xai.grok", "google.gemma", "anthropic.claude", "amazon.nova", "meta.llama", "cohere."},
			[]string{"gpt-oss"}},
		{"openai agentic", Request{Workload: ReasoningCoding, Client: ClientOpenAI}, []API{Responses, ChatCompletions}, RoleGenerator, 5,
			[]string{"openai.gpt", "qwen.", "mistral.", "minimax.", "deepseek.", "nvidia.nemotron", "zai.glm", "xai.grok", "google.gemma", "moonshot"},
			[]string{"gpt-oss"}},
		{"openai with tools", Request{Workload: ChatAssistant, Client: ClientOpenAI, Require: []string{"tools"}}, []API{Responses, ChatCompletions}, RoleGenerator, 5, nil, nil},
		{"anthropic", Request{Workload: ChatAssistant, Client: ClientAnthropic}, []API{Messages}, RoleGenerator, 10,
			[]string{"anthropic.claude"}, []string{"claude"}},
		{"anthropic coding", Request{Workload: ReasoningCoding, Client: ClientAnthropic}, []API{Messages}, RoleGenerator, 5,
			[]string{"anthropic.claude"}, []string{"claude"}},
		{"openai moderation", Request{Workload: Moderation, Client: ClientOpenAI}, []API{Guardrails, ChatCompletions, Responses}, RoleClassifier, 5,
			[]string{"openai.gpt-oss-safeguard"}, []string{"gpt-oss"}},
		{"streaming automation", Request{Workload: TextAutomation, Require: []string{"streaming"}}, []API{Converse, Invoke, ConverseStream, InvokeStream}, RoleGenerator, 5, nil, nil},
		{"openai video stays async", Request{Workload: VideoGeneration, Client: ClientOpenAI}, []API{AsyncInvoke}, RoleGenerator, 5,
			[]string{"amazon.nova-reel"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.req.Top = c.top
			if err := c.req.Validate(); err != nil {
				t.Fatal(err)
			}
			a := Advise(cat, c.req)
			if got := apiNames(a); !slices.Equal(got, c.apis) {
				t.Errorf("apis %v, want %v", got, c.apis)
			}
			for _, api := range a.APIs {
				if api.Why == "" {
					t.Errorf("api %s has no why", api.Name)
				}
			}
			picks := role(t, a, c.role)
			if len(picks) == 0 {
				t.Fatal("no picks")
			}
			for _, p := range picks {
				if c.allowed != nil && !slices.ContainsFunc(c.allowed, func(pre string) bool { return strings.HasPrefix(p.ModelID, pre) }) {
					t.Errorf("pick %s is not among the guide's models %v", p.ModelID, c.allowed)
				}
				if len(p.Reasons) < 3 || !strings.HasPrefix(p.Reasons[len(p.Reasons)-1], "score = ") {
					t.Errorf("pick %s reasons %q", p.ModelID, p.Reasons)
				}
			}
			fams := families(cat, picks)
			for _, f := range c.want {
				if !slices.Contains(fams, f) {
					t.Errorf("family %s not among the top %d: %v", f, c.top, ids(picks))
				}
			}
		})
	}
}

func TestRAGRoles(t *testing.T) {
	cat := load(t)
	a := Advise(cat, Request{Workload: RAG})
	var roles []Role
	for _, r := range a.Recommendations {
		roles = append(roles, r.Role)
	}
	if !slices.Equal(roles, []Role{RoleEmbedding, RoleReranker, RoleGenerator}) {
		t.Fatalf("roles %v", roles)
	}
	for _, p := range role(t, a, RoleEmbedding) {
		if m, _ := cat.Lookup(p.ModelID); !m.HasOutput(catalog.ModalityEmbedding) {
			t.Errorf("embedding pick %s does not embed", p.ModelID)
		}
	}
	rr := role(t, a, RoleReranker)
	if len(rr) == 0 || !strings.HasPrefix(rr[0].Reasons[0], "optional role") {
		t.Errorf("reranker %+v", rr)
	}
	for _, p := range rr {
		if m, _ := cat.Lookup(p.ModelID); !m.HasOutput(catalog.ModalityRerank) {
			t.Errorf("reranker pick %s does not rerank", p.ModelID)
		}
	}
}

func picksHave(picks []Pick, id string) bool {
	return slices.ContainsFunc(picks, func(p Pick) bool { return p.ModelID == id })
}

func rejectedFor(a Answer, id string) string {
	for _, r := range a.Rejected {
		if r.ModelID == id {
			return r.Reason
		}
	}
	return ""
}

func TestConstraints(t *testing.T) {
	cat := load(t)
	all := func(r Request) Request { r.Top = MaxTop; return r }

	t.Run("region where the model is absent removes it", func(t *testing.T) {
		// Nova Canvas is listed in us-east-1, ap-northeast-1, eu-west-1 and has
		// only a us. profile.
		a := Advise(cat, all(Request{Workload: ImageGeneration, Region: "eu-central-1"}))
		if picksHave(role(t, a, RoleGenerator), "amazon.nova-canvas-v1:0") {
			t.Fatal("nova canvas recommended in eu-central-1")
		}
		if r := rejectedFor(a, "amazon.nova-canvas-v1:0"); !strings.Contains(r, "not available in eu-central-1") {
			t.Fatalf("rejection %q", r)
		}
		a = Advise(cat, all(Request{Workload: ImageGeneration, Region: "eu-west-1"}))
		if !picksHave(role(t, a, RoleGenerator), "amazon.nova-canvas-v1:0") {
			t.Fatal("nova canvas missing in eu-west-1, where it is listed")
		}
		// Reachable through a profile: the pick says which id to call.
		a = Advise(cat, all(Request{Workload: ChatAssistant, Region: "eu-central-1"}))
		for _, p := range role(t, a, RoleGenerator) {
			if p.ModelID == "amazon.nova-pro-v1:0" && !slices.ContainsFunc(p.Reasons, func(s string) bool { return strings.Contains(s, "eu.amazon.nova-pro-v1:0") }) {
				t.Errorf("nova pro reasons %q", p.Reasons)
			}
		}
	})

	t.Run("vision requirement removes text-only models", func(t *testing.T) {
		a := Advise(cat, all(Request{Workload: ChatAssistant, Require: []string{"vision"}}))
		picks := role(t, a, RoleGenerator)
		if len(picks) == 0 {
			t.Fatal("no vision model")
		}
		for _, p := range picks {
			m, _ := cat.Lookup(p.ModelID)
			if !m.HasInput(catalog.ModalityImage) || m.Capabilities.Vision == nil || !*m.Capabilities.Vision {
				t.Errorf("%s recommended without vision", p.ModelID)
			}
		}
		if picksHave(picks, "amazon.nova-micro-v1:0") || picksHave(picks, "meta.llama3-3-70b-instruct-v1:0") {
			t.Error("text-only model recommended")
		}
	})

	t.Run("unknown vision is rejected as unknown", func(t *testing.T) {
		// meta.llama3-1-8b-instruct-v1:0 has vision: null in the catalog.
		a := Advise(cat, all(Request{Workload: ChatAssistant, Require: []string{"vision"}}))
		if r := rejectedFor(a, "meta.llama3-1-8b-instruct-v1:0"); !strings.Contains(r, "vision support unknown") {
			// the rejection list is capped; check the engine directly
			adv := New(cat)
			c := candFor(t, adv, Request{Workload: ChatAssistant, Require: []string{"vision"}}, "meta.llama3-1-8b-instruct-v1:0")
			n := normalize(Request{Workload: ChatAssistant, Require: []string{"vision"}})
			rs := workloadRoles(ChatAssistant)[0]
			if got := explainFails(&c, &rs, &n, parseRequires(n.require)); got != "vision support unknown" {
				t.Fatalf("reason %q", got)
			}
		}
	})

	t.Run("price cap", func(t *testing.T) {
		a := Advise(cat, all(Request{Workload: ChatAssistant, MaxInputPrice: 0.5, MaxOutputPrice: 1}))
		picks := role(t, a, RoleGenerator)
		if len(picks) == 0 {
			t.Fatal("nothing under the cap")
		}
		for _, p := range picks {
			m, _ := cat.Lookup(p.ModelID)
			if *m.Price.InputPerMTok > 0.5 || *m.Price.OutputPerMTok > 1 {
				t.Errorf("%s over the cap", p.ModelID)
			}
		}
		if picksHave(picks, "anthropic.claude-sonnet-4-6") {
			t.Error("sonnet under a 0.5 cap")
		}
		if r := rejectedFor(a, "anthropic.claude-sonnet-4-6"); r != "" && !strings.Contains(r, "input price USD 3 > 0.5") {
			t.Errorf("reason %q", r)
		}
	})

	t.Run("unknown price never passes a cap", func(t *testing.T) {
		// anthropic.claude-mythos-preview has no price.
		c := candFor(t, New(cat), Request{Workload: ChatAssistant, MaxInputPrice: 1000, MaxOutputPrice: 1000}, "anthropic.claude-mythos-preview")
		if c.fails&(failInPrice|failOutPrice) != failInPrice|failOutPrice {
			t.Fatalf("fails %b", c.fails)
		}
	})

	t.Run("context minimum", func(t *testing.T) {
		a := Advise(cat, all(Request{Workload: ChatAssistant, MinContext: 500_000}))
		for _, p := range role(t, a, RoleGenerator) {
			if m, _ := cat.Lookup(p.ModelID); m.ContextTokens == nil || *m.ContextTokens < 500_000 {
				t.Errorf("%s below the context minimum", p.ModelID)
			}
		}
		// claude-3-5-sonnet-20240620 has context: null.
		c := candFor(t, New(cat), Request{Workload: ChatAssistant, MinContext: 1}, "anthropic.claude-3-5-sonnet-20240620-v1:0")
		if c.fails&failContext == 0 {
			t.Fatal("unknown context passed a minimum")
		}
	})

	t.Run("unknown values never satisfy", func(t *testing.T) {
		// No quota is published: every model fails --min-tpm, as unknown.
		a := Advise(cat, Request{Workload: ChatAssistant, MinTPM: 1})
		if n := len(role(t, a, RoleGenerator)); n != 0 {
			t.Fatalf("%d picks with unknown quotas", n)
		}
		if len(a.Rejected) == 0 || !strings.Contains(a.Rejected[0].Reason, "tokens-per-minute quota unknown") {
			t.Fatalf("rejected %+v", a.Rejected)
		}
		// A model the config adds with every flag unknown meets no requirement.
		m, _ := cat.Merge([]catalog.Model{{ID: "acme.mystery-v1:0", Name: "Mystery", Provider: "acme",
			InputModalities: []catalog.Modality{catalog.ModalityText, catalog.ModalityImage}, OutputModalities: []catalog.Modality{catalog.ModalityText},
			APIs: []catalog.API{catalog.APIConverse}, Workloads: []catalog.Workload{catalog.WorkloadChatAssistant}}})
		for _, req := range RequireNames()[:10] {
			c := candFor(t, New(m), Request{Workload: ChatAssistant, Require: []string{req}}, "acme.mystery-v1:0")
			if c.fails&failRequire == 0 {
				t.Errorf("unknown %s satisfied the requirement", req)
			}
		}
		c := candFor(t, New(m), Request{Workload: ChatAssistant, Region: "us-east-1"}, "acme.mystery-v1:0")
		if c.fails&failRegion == 0 {
			t.Error("unknown Regions satisfied a Region")
		}
	})

	t.Run("legacy ranks below, end of life excluded", func(t *testing.T) {
		a := Advise(cat, all(Request{Workload: ChatAssistant}))
		seenLegacy := false
		for _, p := range role(t, a, RoleGenerator) {
			m, _ := cat.Lookup(p.ModelID)
			if m.Status == catalog.StatusLegacy {
				seenLegacy = true
			} else if seenLegacy {
				t.Fatalf("active %s after a legacy model", p.ModelID)
			}
		}
		eol, _ := cat.Merge([]catalog.Model{{ID: "meta.llama3-1-8b-instruct-v1:0", Status: catalog.StatusEndOfLife}})
		c := candFor(t, New(eol), Request{Workload: ChatAssistant}, "meta.llama3-1-8b-instruct-v1:0")
		if c.fails&failEOL == 0 {
			t.Fatal("end-of-life model passed")
		}
	})

	t.Run("anthropic client rejects non-Claude with the reason", func(t *testing.T) {
		a := Advise(cat, Request{Workload: ChatAssistant, Client: ClientAnthropic})
		for _, p := range role(t, a, RoleGenerator) {
			if !strings.HasPrefix(p.ModelID, "anthropic.claude") {
				t.Errorf("%s via messages", p.ModelID)
			}
			if !slices.ContainsFunc(p.Reasons, func(s string) bool { return strings.Contains(s, "not verified") }) {
				t.Errorf("%s: messages is unverified in the catalog, reasons should say so: %q", p.ModelID, p.Reasons)
			}
		}
	})

	t.Run("monthly cost", func(t *testing.T) {
		a := Advise(cat, Request{Workload: TextAutomation, MonthlyInputTokens: 10_000_000, MonthlyOutputTokens: 2_000_000, Top: 3})
		for _, p := range role(t, a, RoleGenerator) {
			m, _ := cat.Lookup(p.ModelID)
			want := *m.Price.InputPerMTok*10 + *m.Price.OutputPerMTok*2
			if p.MonthlyCostUSD == nil || *p.MonthlyCostUSD-want > 0.006 || want-*p.MonthlyCostUSD > 0.006 {
				t.Errorf("%s monthly %v, want %.2f", p.ModelID, p.MonthlyCostUSD, want)
			}
		}
	})
}

func candFor(t *testing.T, a *Advisor, r Request, id string) cand {
	t.Helper()
	n := normalize(r)
	rs := workloadRoles(n.Workload)
	p := &rs[len(rs)-1]
	for i := range a.entries {
		if a.entries[i].m.ID == id {
			c, ok := a.consider(&a.entries[i], p, p.apis(n.Client), &n, parseRequires(n.require), weightsFor(n.Priority))
			if !ok {
				t.Fatalf("%s is not a candidate", id)
			}
			return c
		}
	}
	t.Fatalf("%s not in the catalog", id)
	return cand{}
}

func TestValidate(t *testing.T) {
	bad := Request{Workload: "poetry", Require: []string{"telepathy"}, Region: "Mars", MaxInputPrice: -1, MinContext: -2,
		Priority: "speed", Client: "cobol", Top: 99}
	err := bad.Validate()
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{`workload "poetry"`, `requirement "telepathy"`, `region "Mars"`, "max_input_price", "min_context",
		`priority "speed"`, `client "cobol"`, "top"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	good := Request{Workload: RAG, Require: []string{"Vision", "tool-use", "input:video", "embedding"}, Region: "us-gov-west-1"}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	n := normalize(good)
	if !slices.Equal(n.require, []string{"vision", "tools", "input:video", "output:embedding"}) {
		t.Fatalf("normalized %v", n.require)
	}
}

// TestGolden pins the table and JSON renderings.
func TestGolden(t *testing.T) {
	cat := load(t)
	cases := map[string]Request{
		"chat-default":    {},
		"rag-eu-cost":     {Workload: RAG, Require: []string{"documents"}, Region: "eu-central-1", Priority: Cost, MonthlyInputTokens: 50_000_000, MonthlyOutputTokens: 5_000_000, Top: 3},
		"openai-coding":   {Workload: ReasoningCoding, Client: ClientOpenAI, Require: []string{"tools"}, Top: 3},
		"vision-capped":   {Workload: ImageUnderstanding, MaxInputPrice: 1, MaxOutputPrice: 4, MinContext: 200000, Top: 3},
		"video":           {Workload: VideoGeneration},
		"voice-anthropic": {Workload: RealtimeVoice, Client: ClientAnthropic, Priority: Latency},
	}
	for name, req := range cases {
		t.Run(name, func(t *testing.T) {
			a := Advise(cat, req)
			js, err := json.MarshalIndent(a, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden(t, name+".json", string(js)+"\n")
			golden(t, name+".txt", a.Text())
		})
	}
	t.Run("free-text", func(t *testing.T) {
		r, u := ParseFreeText("answer questions over our PDFs in eu-central-1, cheap")
		a := Advise(cat, r)
		a.Understood.Text, a.Understood.Rules = u.Text, u.Rules
		js, _ := json.MarshalIndent(a, "", "  ")
		golden(t, "free-text.json", string(js)+"\n")
		golden(t, "free-text.txt", a.Text())
	})
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	goldenfile.Assert(t, filepath.Join("testdata", name), []byte(got))
}

func TestAdviseIsDeterministicAndConcurrent(t *testing.T) {
	cat := load(t)
	req := Request{Workload: RAG, Region: "us-east-1", Priority: Quality}
	want, _ := json.Marshal(Advise(cat, req))
	done := make(chan string, 8)
	for range 8 {
		go func() {
			b, _ := json.Marshal(Advise(cat, req))
			done <- string(b)
		}()
	}
	for range 8 {
		if got := <-done; got != string(want) {
			t.Fatal("answers differ")
		}
	}
}

func BenchmarkAdvise(b *testing.B) {
	cat := load(b)
	reqs := []Request{
		{Workload: ChatAssistant},
		{Workload: RAG, Require: []string{"documents"}, Region: "eu-central-1", Priority: Cost, MonthlyInputTokens: 1e7},
		{Workload: ReasoningCoding, Client: ClientOpenAI, Require: []string{"tools"}},
	}
	Advise(cat, reqs[0]) // build the per-catalog cache outside the timing
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		_ = Advise(cat, reqs[i%len(reqs)])
	}
}
