package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"
)

var update = flag.Bool("update", false, "rewrite testdata golden files (*.golden.json, *.err) from the current output")

// secretMarker is part of every literal secret in testdata; it must never
// appear in a golden output or an error message.
const secretMarker = "SECRET-LITERAL"

// goldenJSON renders a Config the way an operator would see it: through
// MarshalYAML (keys as in the file and in struct order, durations as "30s",
// secrets redacted), re-encoded as indented JSON so golden diffs read well.
func goldenJSON(t *testing.T, c *Config) []byte {
	t.Helper()
	y, err := yaml.Marshal(c)
	if err != nil {
		t.Fatalf("yaml.Marshal: %v", err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(y, &doc); err != nil {
		t.Fatalf("yaml.Unmarshal of marshalled config: %v", err)
	}
	out, err := json.MarshalIndent(orderedJSON(doc.Content[0]), "", "  ")
	if err != nil {
		t.Fatalf("json.MarshalIndent: %v", err)
	}
	return append(out, '\n')
}

// orderedJSON converts a YAML node to a JSON-encodable value that keeps
// mapping keys in their YAML order (a map[string]any would sort them).
func orderedJSON(n *yaml.Node) any {
	switch n.Kind {
	case yaml.MappingNode:
		var obj orderedObject
		for i := 0; i+1 < len(n.Content); i += 2 {
			obj = append(obj, orderedField{n.Content[i].Value, orderedJSON(n.Content[i+1])})
		}
		return obj
	case yaml.SequenceNode:
		arr := []any{}
		for _, item := range n.Content {
			arr = append(arr, orderedJSON(item))
		}
		return arr
	}
	var v any
	if err := n.Decode(&v); err != nil {
		return n.Value
	}
	return v
}

type orderedField struct {
	key   string
	value any
}

type orderedObject []orderedField

func (o orderedObject) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(f.key)
		v, err := json.Marshal(f.value)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func checkGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}

func cases(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", dir, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata in %s: %v", dir, err)
	}
	return files
}

func TestParseValid(t *testing.T) {
	for _, file := range cases(t, "valid") {
		name := strings.TrimSuffix(filepath.Base(file), ".yaml")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			c, err := Parse(filepath.Base(file), data)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if err := c.Validate(); err != nil {
				t.Errorf("Validate after Parse: %v", err)
			}
			again, _ := Parse(filepath.Base(file), data)
			again.ApplyDefaults()
			if diff := cmp.Diff(c, again); diff != "" {
				t.Errorf("ApplyDefaults is not idempotent (-once +twice):\n%s", diff)
			}
			got := goldenJSON(t, c)
			if strings.Contains(string(got), secretMarker) {
				t.Errorf("a literal secret leaked into the marshalled config:\n%s", got)
			}
			checkGolden(t, strings.TrimSuffix(file, ".yaml")+".golden.json", got)
		})
	}
}

func TestParseInvalid(t *testing.T) {
	for _, file := range cases(t, "invalid") {
		name := strings.TrimSuffix(filepath.Base(file), ".yaml")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			c, err := Parse(filepath.Base(file), data)
			if err == nil {
				t.Fatalf("Parse succeeded, want an error; got %+v", c)
			}
			if c != nil {
				t.Errorf("Parse returned a config along with an error")
			}
			for _, e := range leafErrors(err) {
				var ce *Error
				if !errors.As(e, &ce) {
					t.Errorf("error %q is %T, want *Error", e, e)
					continue
				}
				if ce.File != filepath.Base(file) || ce.Line == 0 {
					t.Errorf("error %q lacks its file or line", e)
				}
			}
			if strings.Contains(err.Error(), secretMarker) {
				t.Errorf("a literal secret leaked into the error:\n%s", err)
			}
			checkGolden(t, strings.TrimSuffix(file, ".yaml")+".err", []byte(err.Error()+"\n"))
		})
	}
}

func leafErrors(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, leafErrors(e)...)
		}
		return out
	}
	return []error{err}
}

func TestExampleErrorText(t *testing.T) {
	// The error format is documented; pin one example outside the goldens so
	// a careless -update cannot change it.
	data, err := os.ReadFile("testdata/invalid/unknown-key.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Parse("basalt.yaml", data)
	want := `basalt.yaml:7:5: providers[1]: unknown key "baseurl" (did you mean "base_url"?)`
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}

func TestDefault(t *testing.T) {
	d := Default()
	if err := d.Validate(); err != nil {
		t.Fatalf("Default().Validate: %v", err)
	}
	want := &Config{
		Server: Server{
			Addr:              "127.0.0.1:8080",
			ShutdownTimeout:   30 * time.Second,
			ReadHeaderTimeout: 10 * time.Second,
			IdleTimeout:       5 * time.Minute,
		},
		Log:     Log{Level: "info", Format: "text"},
		DataDir: "./basalt-data",
	}
	if diff := cmp.Diff(want, d); diff != "" {
		t.Errorf("Default() (-want +got):\n%s", diff)
	}
	for _, in := range []string{"", "\n", "# comment\n", "~\n", "---\n"} {
		c, err := Parse("empty.yaml", []byte(in))
		if err != nil {
			t.Errorf("Parse(%q): %v", in, err)
			continue
		}
		if diff := cmp.Diff(d, c); diff != "" {
			t.Errorf("Parse(%q) differs from Default() (-want +got):\n%s", in, diff)
		}
	}
	a, b := Default(), Default()
	if a == b || &a.Server == &b.Server {
		t.Error("Default must return a fresh Config each call")
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "basalt.yaml")
	if err := os.WriteFile(path, []byte("log: {level: debug}\nserver:\n  addr: :0\n  nope: 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path)
	if want := path + `:4:3: server: unknown key "nope"`; err == nil || err.Error() != want {
		t.Errorf("Load error = %v, want %s", err, want)
	}
	if err := os.WriteFile(path, []byte("log: {level: debug}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path)
	if err != nil || c.Log.Level != "debug" || c.Server.Addr != DefaultAddr {
		t.Errorf("Load = %+v, %v", c, err)
	}
	if _, err := Load(filepath.Join(dir, "missing.yaml")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load of a missing file: %v, want os.ErrNotExist", err)
	}
}

func TestParseNoFilename(t *testing.T) {
	_, err := Parse("", []byte("bogus: 1\n"))
	if want := `<input>:1:1: unknown key "bogus"`; err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}

func TestErrorsAreCollected(t *testing.T) {
	_, err := Parse("c.yaml", []byte("a: 1\nb: 2\nserver: {addr: nope}\n"))
	if n := len(leafErrors(err)); n != 3 {
		t.Fatalf("got %d errors, want 3: %v", n, err)
	}
	var ce *Error
	if !errors.As(err, &ce) || ce.Line != 1 || ce.Path != "" || ce.Msg != `unknown key "a"` {
		t.Errorf("errors.As found %+v, want the first error in file order", ce)
	}
}

// TestValidateInCode covers Configs built by hand (the CLI's environment
// detection), which have no file positions and may skip ApplyDefaults.
func TestValidateInCode(t *testing.T) {
	valid := func() *Config {
		return &Config{
			Providers: []Provider{
				{Name: "openai", Type: TypeOpenAI, APIKey: EnvSecret("OPENAI_API_KEY")},
				{Name: "aws", Type: TypeBedrock},
			},
			Models: []Model{{ID: "gpt", Provider: "openai"}},
		}
	}
	tests := []struct {
		name   string
		modify func(*Config)
		want   string
	}{
		{"valid without defaults", func(*Config) {}, ""},
		{"bad env name", func(c *Config) { c.Providers[0].APIKey = EnvSecret("not valid") },
			`providers[0].api_key: invalid environment variable name "not valid" after "env:" (use letters, digits and _, not starting with a digit)`},
		{"literal with newline", func(c *Config) { c.Providers[0].Headers = map[string]Secret{"X-A": LiteralSecret("a\nb")} },
			`providers[0].headers["X-A"]: contains a control character such as a newline (a YAML block scalar adds one; use a quoted string)`},
		{"negative durations", func(c *Config) { c.Server.IdleTimeout = -1; c.Providers[0].Timeout = -time.Second },
			"server.idle_timeout: must be positive\nproviders[0].timeout: must be positive"},
		{"negative ints", func(c *Config) { c.Providers[1].Bedrock.MaxAttempts = -1 },
			"providers[1].max_attempts: must be at least 1"},
		{"other type's option", func(c *Config) { c.Providers[0].Bedrock.Region = "us-east-1" },
			`providers[0]: key "region" applies only to type bedrock, not openai`},
		{"dangling model", func(c *Config) { c.Models[0].Provider = "opena" },
			`models[0].provider: unknown provider "opena" (did you mean "openai"?); configured: openai, aws, local`},
		{"duplicate names", func(c *Config) { c.Providers[1].Name = "openai" },
			`providers[1].name: duplicate provider name "openai" (already used by providers[0])`},
		{"model repeats with upstream defaulted", func(c *Config) {
			c.Models = append(c.Models, Model{ID: "gpt", Provider: "openai", Upstream: "gpt"})
		}, "models[1]: repeats models[0] (same id, provider, upstream and region)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := valid()
			tt.modify(c)
			got := ""
			if err := c.Validate(); err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("Validate:\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestApplyDefaults(t *testing.T) {
	c := &Config{Providers: []Provider{
		{Name: "o", Type: TypeOpenAI},
		{Name: "compat", Type: TypeOpenAI, BaseURL: "http://h:1/v1//"},
		{Name: "proxy", Type: TypeOpenAI, BaseURL: "https://API.OpenAI.com/v1"},
		{Name: "a", Type: TypeAnthropic, BaseURL: "https://a.example/"},
		{Name: "b", Type: TypeBedrock},
		{Name: "l", Type: TypeLocal},
		{Name: "x", Type: "unknown"},
	}, Models: []Model{{ID: "m", Provider: "o"}}}
	c.ApplyDefaults()
	want := []Provider{
		{Name: "o", Type: TypeOpenAI, BaseURL: DefaultOpenAIBaseURL, Timeout: DefaultProviderTimeout,
			OpenAI: OpenAIOptions{MaxTokensField: FieldMaxCompletionTokens}},
		{Name: "compat", Type: TypeOpenAI, BaseURL: "http://h:1/v1", Timeout: DefaultProviderTimeout,
			OpenAI: OpenAIOptions{MaxTokensField: FieldMaxTokens}},
		{Name: "proxy", Type: TypeOpenAI, BaseURL: "https://API.OpenAI.com/v1", Timeout: DefaultProviderTimeout,
			OpenAI: OpenAIOptions{MaxTokensField: FieldMaxCompletionTokens}},
		{Name: "a", Type: TypeAnthropic, BaseURL: "https://a.example", Timeout: DefaultProviderTimeout,
			Anthropic: AnthropicOptions{Version: DefaultAnthropicVersion, DefaultMaxTokens: DefaultAnthropicMaxTokens}},
		{Name: "b", Type: TypeBedrock, Timeout: DefaultProviderTimeout, Bedrock: BedrockOptions{MaxAttempts: 1}},
		{Name: "l", Type: TypeLocal},
		{Name: "x", Type: "unknown"},
	}
	if diff := cmp.Diff(want, c.Providers); diff != "" {
		t.Errorf("providers (-want +got):\n%s", diff)
	}
	if c.Models[0].Upstream != "m" {
		t.Errorf("upstream = %q, want the id", c.Models[0].Upstream)
	}
}

func TestParentPath(t *testing.T) {
	for in, want := range map[string]string{
		"":                             "",
		"server":                       "",
		"server.addr":                  "server",
		"providers[1]":                 "providers",
		"providers[1].name":            "providers[1]",
		`providers[0].headers["a.b["]`: "providers[0].headers",
		`h["say \"x.y\""]`:             "h",
	} {
		if got := parentPath(in); got != want {
			t.Errorf("parentPath(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestParseAdversarial feeds inputs built to make a naive decoder expand
// aliases exponentially or loop on self-referencing merges; each must end
// with ordinary errors.
func TestParseAdversarial(t *testing.T) {
	var laughs strings.Builder
	laughs.WriteString("x-0: &l0 {id: m, provider: p}\n")
	for i := 1; i < 30; i++ {
		fmt.Fprintf(&laughs, "x-%d: &l%d {<<: [*l%d, *l%d, *l%d, *l%d]}\n", i, i, i-1, i-1, i-1, i-1)
	}
	laughs.WriteString("providers: [{name: p, type: local}]\nmodels: [*l29, *l29, *l29]\n")

	var seqs strings.Builder
	seqs.WriteString("x-0: &s0 [a, b, c, d, e, f, g, h]\n")
	for i := 1; i < 30; i++ {
		fmt.Fprintf(&seqs, "x-%d: &s%d [*s%d, *s%d, *s%d, *s%d, *s%d, *s%d]\n", i, i, i-1, i-1, i-1, i-1, i-1, i-1)
	}
	seqs.WriteString("models: *s29\nproviders: *s29\n")

	tests := map[string]struct {
		in      string
		wantErr bool
	}{
		"merge laughs":    {laughs.String(), true}, // the three models repeat each other
		"sequence laughs": {seqs.String(), true},
		"self merge":      {"providers:\n  - &p\n    <<: *p\n    name: a\n    type: local\n", false},
		"mutual merge":    {"x-a: &a {<<: *a, name: q}\nproviders: [{<<: [*a, *a], type: local}]\n", false},
		"deep nesting":    {"models: " + strings.Repeat("[", 20000) + strings.Repeat("]", 20000), true},
		"alias as key":    {"x-k: &k server\n*k : {addr: ':1'}\n", false},
		"many errors":     {strings.Repeat("- x\n", 5000), true},
		"long key":        {strings.Repeat("k", 1<<16) + ": 1\n", true},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := Parse("adv.yaml", []byte(tt.in))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error: %v", err, tt.wantErr)
			}
			if err != nil && len(err.Error()) > 1<<20 {
				t.Errorf("error text is %d bytes", len(err.Error()))
			}
		})
	}
}

func TestParseAliasBudget(t *testing.T) {
	var b strings.Builder
	b.WriteString("x-h: &h\n")
	for i := range 1000 {
		fmt.Fprintf(&b, "  X-H%d: v\n", i)
	}
	b.WriteString("x-p: &p {name: p, type: openai, headers: *h}\nproviders: [")
	for range 1000 {
		b.WriteString("*p, ")
	}
	b.WriteString("]\n")
	_, err := Parse("bomb.yaml", []byte(b.String()))
	if err == nil || !strings.Contains(err.Error(), "expands to more than 100000 values") {
		t.Fatalf("got %.300v", err)
	}
}
