package app

import (
	"testing"
)

func TestDetect(t *testing.T) {
	env := func(kv ...string) Env {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return Env{Lookup: func(k string) (string, bool) { v, ok := m[k]; return v, ok }, Home: "/home/u",
			Exists: func(p string) bool { return p == m["_exists"] }}
	}
	names := func(specs []ProviderSpec) (out []string) {
		for _, s := range specs {
			out = append(out, s.Name+":"+s.Type)
		}
		return out
	}
	cases := []struct {
		name string
		env  Env
		want []string
	}{
		{"nothing", env(), []string{"local:local"}},
		{"aws keys", env("AWS_ACCESS_KEY_ID", "a", "AWS_SECRET_ACCESS_KEY", "b", "AWS_REGION", "eu-west-1"), []string{"local:local", "bedrock:bedrock"}},
		{"aws key without secret", env("AWS_ACCESS_KEY_ID", "a"), []string{"local:local"}},
		{"aws shared file", env("_exists", "/home/u/.aws/credentials"), []string{"local:local", "bedrock:bedrock"}},
		{"openai", env("OPENAI_API_KEY", "sk"), []string{"local:local", "openai:openai"}},
		{"anthropic", env("ANTHROPIC_API_KEY", "k"), []string{"local:local", "anthropic:anthropic"}},
		{"compatible", env("BASALT_OPENAI_BASE_URL", "http://127.0.0.1:11434/v1", "BASALT_OPENAI_MODELS", "llama3.2, qwen3"), []string{"local:local", "openai-compatible:openai"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			specs, models := Detect(c.env)
			got := names(specs)
			if len(got) != len(c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
			for i := range got {
				if got[i] != c.want[i] {
					t.Fatalf("got %v, want %v", got, c.want)
				}
			}
			if c.name == "compatible" && (len(models) != 2 || models[1].ID != "qwen3" || models[1].Provider != "openai-compatible") {
				t.Fatalf("models = %+v", models)
			}
			for _, s := range specs {
				if s.Type == "bedrock" && (!s.ServesCatalog || s.Region == "") {
					t.Fatalf("bedrock spec = %+v", s)
				}
			}
		})
	}
}
