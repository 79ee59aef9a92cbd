package openai

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/testutil/fakeupstream"
)

// sentUpstream is what a golden file records of one upstream request:
// method, path, the headers Basalt sets (secrets redacted) and the body.
type sentUpstream struct {
	Method  string            `json:"method"`
	Path    string            `json:"path"`
	Headers map[string]string `json:"headers"`
	Body    json.RawMessage   `json:"body"`
}

// TestUpstreamGolden pins the exact request for a few canonical requests
// in testdata/<case>.upstream.json (go test -update rewrites them).
func TestUpstreamGolden(t *testing.T) {
	maxT := 512
	temp := 0.2
	cases := map[string]struct {
		cfg func(*Config)
		req *canon.Request
	}{
		"stream_tools": {req: &canon.Request{Model: "gpt-4o", Stream: true,
			System:    []canon.Block{canon.TextBlock("You are a weather bot.")},
			Messages:  []canon.Message{userText("Weather in Paris?")},
			Inference: canon.InferenceConfig{MaxTokens: &maxT, Temperature: &temp},
			Tools:     &canon.ToolConfig{Tools: []canon.Tool{weatherTool}, Choice: canon.ToolChoice{Mode: canon.ToolChoiceAny}}}},
		"unary_reasoning_model": {
			cfg: func(c *Config) { c.MaxTokensField = "max_completion_tokens" },
			req: &canon.Request{Model: "o4-mini", Messages: []canon.Message{userText("Prove it.")},
				Inference: canon.InferenceConfig{MaxTokens: &maxT}, Reasoning: &canon.ReasoningConfig{Effort: "high"},
				OutputFormat: &canon.OutputFormat{Type: "json_schema", Name: "proof",
					Schema: json.RawMessage(`{"type":"object","properties":{"steps":{"type":"array","items":{"type":"string"}}}}`)}}},
		"no_key_local_server": {
			cfg: func(c *Config) { c.APIKey = "" },
			req: &canon.Request{Model: "qwen3:8b", Stream: true, Messages: []canon.Message{userText("Hi")},
				AdditionalFields: map[string]json.RawMessage{"keep_alive": json.RawMessage(`"5m"`)}}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			fake := fakeupstream.NewOpenAI(t)
			mods := []func(*Config){}
			if c.cfg != nil {
				mods = append(mods, c.cfg)
			}
			if r := converse(t, newProvider(t, fake, mods...), c.req); r.err != nil {
				t.Fatal(r.err)
			}
			rec := fake.Last()
			got := sentUpstream{Method: rec.Method, Path: rec.Path, Headers: map[string]string{}, Body: rec.Body}
			for _, h := range []string{"Authorization", "Content-Type", "Accept", "User-Agent"} {
				if v := rec.Header.Get(h); v != "" {
					got.Headers[h] = v
				}
			}
			if got.Headers["Authorization"] == "Bearer "+testKey {
				got.Headers["Authorization"] = "Bearer [REDACTED]"
			}
			b, err := json.MarshalIndent(got, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			b = append(b, '\n')
			path := filepath.Join("testdata", name+".upstream.json")
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, b, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), string(b)); diff != "" {
				t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
			}
		})
	}
}
