package catalog

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLookupIDForms(t *testing.T) {
	c := load(t)
	const (
		haiku3 = "anthropic.claude-3-haiku-20240307-v1:0"
		sonnet = "anthropic.claude-sonnet-4-5-20250929-v1:0"
		lite   = "amazon.nova-lite-v1:0"
	)
	tests := []struct {
		name, id, want string // want "" = not found
	}{
		{"base", lite, lite},
		{"mantle id is its own entry", "openai.gpt-oss-120b", "openai.gpt-oss-120b"},
		{"runtime id of the same model", "openai.gpt-oss-120b-1:0", "openai.gpt-oss-120b-1:0"},
		{"alias", "amazon.titan-image-generator-v2", "amazon.titan-image-generator-v2:0"},
		{"basalt alias", "basalt-test", "basalt-test"},
		{"profile us", "us." + sonnet, sonnet},
		{"profile eu", "eu." + sonnet, sonnet},
		{"profile apac", "apac." + lite, lite},
		{"profile jp", "jp." + sonnet, sonnet},
		{"profile au", "au." + sonnet, sonnet},
		{"profile us-gov", "us-gov." + sonnet, sonnet},
		{"profile global", "global." + sonnet, sonnet},
		// Not in the sources' profile list; the prefix alone decides, because
		// those lists are known to be incomplete.
		{"profile ca, unlisted", "ca." + lite, lite},
		{"foundation-model ARN", "arn:aws:bedrock:us-east-1::foundation-model/" + haiku3, haiku3},
		{"foundation-model ARN, GovCloud", "arn:aws-us-gov:bedrock:us-gov-west-1::foundation-model/" + haiku3, haiku3},
		{"inference-profile ARN", "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us." + haiku3, haiku3},
		{"inference-profile ARN, global", "arn:aws:bedrock:eu-west-1:123456789012:inference-profile/global." + sonnet, sonnet},
		{"application profile ARN", "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6", ""},
		{"provisioned ARN", "arn:aws:bedrock:us-east-1:123456789012:provisioned-model/a1b2c3d4e5f6", ""},
		{"custom-model ARN naming its base", "arn:aws:bedrock:us-east-1:123456789012:custom-model/" + lite + ":300k/a1b2c3d4e5f6", ""},
		{"imported model ARN", "arn:aws:bedrock:us-east-1:123456789012:imported-model/a1b2c3d4e5f6", ""},
		{"unknown base", "amazon.nova-ultra-v9:0", ""},
		{"unknown base behind a profile", "us.amazon.nova-ultra-v9:0", ""},
		{"profile of a profile", "us.us." + lite, ""},
		{"case matters", strings.ToUpper(lite), ""},
		{"empty", "", ""},
		{"garbage ARN", "arn:aws:bedrock:us-east-1", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, ok := c.Lookup(tt.id)
			if got := m.ID; ok != (tt.want != "") || got != tt.want {
				t.Fatalf("Lookup(%q) = %q, %v; want %q", tt.id, got, ok, tt.want)
			}
			if id, ok := c.Resolve(tt.id); id != tt.want || ok != (tt.want != "") {
				t.Fatalf("Resolve(%q) = %q, %v; want %q", tt.id, id, ok, tt.want)
			}
		})
	}
}

func TestParseID(t *testing.T) {
	const lite = "amazon.nova-lite-v1:0"
	tests := []struct {
		in   string
		want ID
	}{
		{lite, ID{Kind: KindBase, BaseID: lite}},
		{"deepseek.v3.2", ID{Kind: KindBase, BaseID: "deepseek.v3.2"}},
		{"us-gov." + lite, ID{Kind: KindProfile, GeoPrefix: "us-gov", BaseID: lite}},
		{"global.anthropic.claude-sonnet-4-6", ID{Kind: KindProfile, GeoPrefix: "global", BaseID: "anthropic.claude-sonnet-4-6"}},
		{"basalt-test", ID{Kind: KindAlias}},
		{"meta-llama/Llama-3.1-8B-Instruct", ID{Kind: KindAlias}},
		{"Amazon.Nova-Lite-v1:0", ID{Kind: KindAlias}},
		{"arn:aws:bedrock:us-east-1::foundation-model/" + lite, ID{Kind: KindFoundationModelARN,
			Partition: "aws", Region: "us-east-1", BaseID: lite, Resource: lite}},
		{"arn:aws:bedrock:us-east-1:123456789012:inference-profile/us." + lite, ID{Kind: KindInferenceProfileARN,
			Partition: "aws", Region: "us-east-1", Account: "123456789012", GeoPrefix: "us", BaseID: lite, Resource: "us." + lite}},
		{"arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6", ID{Kind: KindApplicationProfileARN,
			Partition: "aws", Region: "us-east-1", Account: "123456789012", Resource: "a1b2c3d4e5f6"}},
		{"arn:aws:bedrock:us-west-2:123456789012:provisioned-model/a1b2c3d4e5f6", ID{Kind: KindProvisionedARN,
			Partition: "aws", Region: "us-west-2", Account: "123456789012", Resource: "a1b2c3d4e5f6"}},
		{"arn:aws:bedrock:us-east-1:123456789012:custom-model/" + lite + ":300k/a1b2c3d4e5f6", ID{Kind: KindCustomModelARN,
			Partition: "aws", Region: "us-east-1", Account: "123456789012", Resource: lite + ":300k/a1b2c3d4e5f6"}},
		{"arn:aws:bedrock:us-east-1:123456789012:imported-model/a1b2c3d4e5f6", ID{Kind: KindImportedModelARN,
			Partition: "aws", Region: "us-east-1", Account: "123456789012", Resource: "a1b2c3d4e5f6"}},
		{"arn:aws:bedrock:us-east-1:123456789012:prompt/PROMPT12AB:1", ID{Kind: KindPromptARN,
			Partition: "aws", Region: "us-east-1", Account: "123456789012", Resource: "PROMPT12AB:1"}},
		{"arn:aws:bedrock:us-east-1:123456789012:default-prompt-router/anthropic.claude:1", ID{Kind: KindPromptRouterARN,
			Partition: "aws", Region: "us-east-1", Account: "123456789012", Resource: "anthropic.claude:1"}},
		{"arn:aws:sagemaker:us-east-1:123456789012:endpoint/my-endpoint", ID{Kind: KindMarketplaceARN,
			Partition: "aws", Region: "us-east-1", Account: "123456789012", Resource: "my-endpoint"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseID(tt.in)
			if err != nil {
				t.Fatalf("ParseID: %v", err)
			}
			tt.want.Raw = tt.in
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Fatalf("ParseID(%q) (-want +got):\n%s", tt.in, d)
			}
		})
	}
}

func TestParseIDRejects(t *testing.T) {
	bad := map[string]string{
		"empty":                        "",
		"too long":                     "amazon." + strings.Repeat("a", MaxIDLen),
		"space":                        "amazon.nova lite",
		"newline":                      "amazon.nova-lite\n",
		"non-ASCII":                    "amazon.nova-lité",
		"percent-encoded":              "arn%3Aaws%3Abedrock",
		"profile without model":        "us.",
		"profile of a non-id":          "global.claude",
		"profile of a profile":         "us.eu.amazon.nova-lite-v1:0",
		"ARN foundation model profile": "arn:aws:bedrock:us-east-1::foundation-model/us.amazon.nova-lite-v1:0",
		"ARN too short":                "arn:aws:bedrock:us-east-1",
		"ARN wrong service":            "arn:aws:s3:::bucket/key",
		"ARN bad partition":            "arn:azure:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0",
		"ARN no region":                "arn:aws:bedrock::123456789012:inference-profile/us.amazon.nova-lite-v1:0",
		"ARN short account":            "arn:aws:bedrock:us-east-1:1234:inference-profile/us.amazon.nova-lite-v1:0",
		"ARN no resource id":           "arn:aws:bedrock:us-east-1::foundation-model/",
		"ARN no resource type":         "arn:aws:bedrock:us-east-1::amazon.nova-lite-v1:0",
		"ARN unknown resource type":    "arn:aws:bedrock:us-east-1:123456789012:guardrail/abc",
		"ARN foundation model is bad":  "arn:aws:bedrock:us-east-1::foundation-model/Nova",
		"ARN space in resource":        "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova lite",
	}
	for name, in := range bad {
		t.Run(name, func(t *testing.T) {
			id, err := ParseID(in)
			if err == nil {
				t.Fatalf("ParseID(%q) = %+v, want an error", in, id)
			}
			if !errors.Is(err, ErrInvalidID) {
				t.Fatalf("error %v does not wrap ErrInvalidID", err)
			}
		})
	}
	if _, err := ParseID("amazon." + strings.Repeat("a", MaxIDLen-len("amazon."))); err != nil {
		t.Fatalf("an id of exactly %d bytes is allowed: %v", MaxIDLen, err)
	}
}

func TestFamily(t *testing.T) {
	c := load(t)
	tests := map[string]string{
		"anthropic.claude-3-haiku-20240307-v1:0": "claude",
		"us.anthropic.claude-opus-9-v1:0":        "claude", // unknown model, known vendor rule
		"amazon.nova-pro-v1:0":                   "nova",
		"apac.amazon.nova-canvas-v2:0":           "nova-canvas",
		"amazon.titan-embed-text-v3:0":           "titan-embed",
		"meta.llama5-instruct-v1:0":              "llama",
		"mistral.pixtral-large-2502-v1:0":        "mistral",
		"cohere.rerank-v4:0":                     "cohere-rerank",
		"ai21.jamba-2-v1:0":                      "jamba",
		"deepseek.r2-v1:0":                       "deepseek",
		"openai.gpt-oss-120b-1:0":                "gpt-oss",
		"qwen.qwen4-v1:0":                        "qwen",
		"luma.ray-v2:0":                          "luma", // no rule: vendor prefix
		"arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-text-lite-v1": "titan-text",
		"basalt-test": FamilyBasalt,
		"gpt-4o":      "",
		"arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6": "",
		"": "",
	}
	for id, want := range tests {
		if got := c.Family(id); got != want {
			t.Errorf("Family(%q) = %q, want %q", id, got, want)
		}
	}
	// The catalog entry wins over the rule for ids it knows.
	if got := c.Family("amazon.titan-image-generator-v2"); got != "titan-image" {
		t.Errorf("Family(alias) = %q", got)
	}
}

func FuzzParseID(f *testing.F) {
	seeds := []string{
		"", "amazon.nova-lite-v1:0", "us.amazon.nova-lite-v1:0", "us-gov.x.y", "global.", "basalt-test",
		"arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0",
		"arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-6",
		"arn:aws:bedrock:us-east-1:123456789012:custom-model/a.b:1/x",
		"arn:aws-cn:bedrock:cn-north-1:123456789012:prompt/P:1", "arn:::::", "arn:aws:bedrock:-:1:/",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseID(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidID) {
				t.Fatalf("error %v does not wrap ErrInvalidID", err)
			}
			return
		}
		if id.Raw != s || id.Kind == KindUnknown || len(s) > MaxIDLen {
			t.Fatalf("ParseID(%q) = %+v", s, id)
		}
		if id.BaseID != "" {
			// A base id found inside another form must parse as a base id itself.
			if b, err := ParseID(id.BaseID); err != nil || b.Kind != KindBase {
				t.Fatalf("ParseID(%q).BaseID %q does not parse as a base id (%v, %v)", s, id.BaseID, b.Kind, err)
			}
		}
		if id.Kind == KindProfile && id.GeoPrefix+"."+id.BaseID != s {
			t.Fatalf("profile %q split into %q + %q", s, id.GeoPrefix, id.BaseID)
		}
		_ = FamilyFromID(s)
	})
}
