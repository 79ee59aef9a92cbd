package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

func TestParseSecret(t *testing.T) {
	tests := []struct {
		in      string
		env     string
		literal bool
		err     string
	}{
		{in: ""},
		{in: "env:OPENAI_API_KEY", env: "OPENAI_API_KEY"},
		{in: "env:_x1", env: "_x1"},
		{in: "sk-abc", literal: true},
		{in: "env", literal: true},
		{in: "$", literal: true},
		{in: "$not a var", literal: true},
		{in: "${UNCLOSED", literal: true},
		{in: "pa$$word", literal: true},
		{in: "env:", err: `names no variable; write "env:NAME"`},
		{in: "env:1X", err: `invalid environment variable name "1X"`},
		{in: "env:A-B", err: `invalid environment variable name "A-B"`},
		{in: "env: A", err: `invalid environment variable name " A"`},
		{in: "ENV:A", err: `write the "env:" prefix in lower case`},
		{in: "Env:A", err: `write the "env:" prefix in lower case`},
		{in: "$OPENAI_API_KEY", err: `write "env:OPENAI_API_KEY"`},
		{in: "${OPENAI_API_KEY}", err: `write "env:OPENAI_API_KEY"`},
		{in: "sk-abc\n", err: "control character"},
		{in: "a\x00b", err: "control character"},
		{in: "\xff\xfe", err: "not valid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			s, err := ParseSecret(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want one containing %q", err, tt.err)
				}
				if tt.in != "" && !strings.HasPrefix(strings.ToLower(tt.in), "env:") && strings.Contains(err.Error(), tt.in) {
					t.Errorf("error quotes the literal: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if name, ok := s.EnvVar(); name != tt.env || ok != (tt.env != "") {
				t.Errorf("EnvVar = %q, %v; want %q", name, ok, tt.env)
			}
			if s.IsLiteral() != tt.literal {
				t.Errorf("IsLiteral = %v, want %v", s.IsLiteral(), tt.literal)
			}
			if s.IsZero() != (tt.in == "") {
				t.Errorf("IsZero = %v", s.IsZero())
			}
		})
	}
}

func TestSecretResolve(t *testing.T) {
	env := map[string]string{"SET": "value-from-env", "EMPTY": ""}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	tests := []struct {
		s       Secret
		want    string
		errText string
	}{
		{s: Secret{}, want: ""},
		{s: LiteralSecret("lit"), want: "lit"},
		{s: LiteralSecret(""), want: ""},
		{s: EnvSecret("SET"), want: "value-from-env"},
		{s: EnvSecret("EMPTY"), want: ""},
		{s: EnvSecret("UNSET"), errText: "environment variable UNSET is not set (referenced as env:UNSET)"},
	}
	for _, tt := range tests {
		got, err := tt.s.Resolve(lookup)
		if tt.errText != "" {
			if err == nil || err.Error() != tt.errText || !errors.Is(err, ErrEnvNotSet) {
				t.Errorf("%#v.Resolve: err = %v, want %q matching ErrEnvNotSet", tt.s, err, tt.errText)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%#v.Resolve = %q, %v; want %q", tt.s, got, err, tt.want)
		}
	}
	if _, err := EnvSecret("SET").Resolve(nil); err == nil {
		t.Error("Resolve(nil) on a reference must fail, not read the process environment")
	}
	if v, err := LiteralSecret("x").Resolve(nil); v != "x" || err != nil {
		t.Errorf("a literal needs no lookup: %q, %v", v, err)
	}
}

func TestSecretEqual(t *testing.T) {
	a, b := LiteralSecret("x"), LiteralSecret("x")
	if !a.Equal(b) || a.Equal(LiteralSecret("y")) || a.Equal(EnvSecret("x")) || !EnvSecret("A").Equal(EnvSecret("A")) || !(Secret{}).Equal(LiteralSecret("")) {
		t.Error("Equal compares the wrong things")
	}
}

// holder puts secrets where fmt cannot call their methods: an unexported
// field of a struct from another package would be printed by reflection.
type holder struct {
	secret   Secret
	provider Provider
	ptr      *Secret
}

// TestSecretNeverPrinted checks every formatting and encoding path that a
// log line, an error or a debug dump might take.
func TestSecretNeverPrinted(t *testing.T) {
	const value = "sk-THE-ACTUAL-SECRET-VALUE"
	lit := LiteralSecret(value)
	env := EnvSecret("OPENAI_API_KEY")
	prov := Provider{Name: "p", Type: TypeOpenAI, APIKey: lit,
		Headers: map[string]Secret{"X-Auth": lit},
		Bedrock: BedrockOptions{SecretAccessKey: lit, SessionToken: lit}}
	cfg := &Config{Providers: []Provider{prov}}
	values := map[string]any{
		"Secret":      lit,
		"*Secret":     &lit,
		"Provider":    prov,
		"*Config":     cfg,
		"Config":      *cfg,
		"[]Secret":    []Secret{lit},
		"map":         map[string]Secret{"k": lit},
		"unexported":  holder{secret: lit, provider: prov, ptr: &lit},
		"*unexported": &holder{secret: lit, provider: prov, ptr: &lit},
		"any-slice":   []any{lit, &lit},
	}

	var outputs []string
	for name, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T"} {
			outputs = append(outputs, name+" "+verb+": "+fmt.Sprintf(verb, v))
		}
		outputs = append(outputs, name+" Sprint: "+fmt.Sprint(v), name+" Sprintln: "+fmt.Sprintln(v))
		outputs = append(outputs, name+" error: "+fmt.Errorf("wrapped: %v", v).Error())

		if j, err := json.Marshal(v); err == nil {
			outputs = append(outputs, name+" json: "+string(j))
		}
		if y, err := yaml.Marshal(v); err == nil {
			outputs = append(outputs, name+" yaml: "+string(y))
		}
		for _, h := range []func(*bytes.Buffer) slog.Handler{
			func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
			func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
		} {
			var buf bytes.Buffer
			log := slog.New(h(&buf))
			log.Info("msg", "v", v)
			log.Info("msg", slog.Any("any", v), slog.Group("g", "v", v))
			log.With("with", v).Info("msg")
			outputs = append(outputs, name+" slog: "+buf.String())
		}
	}
	text, _ := lit.MarshalText()
	outputs = append(outputs, "MarshalText: "+string(text))

	for _, out := range outputs {
		if strings.Contains(out, value) {
			t.Errorf("secret printed: %s", out)
		}
		// Hex verbs would show the value as hex if they bypassed String.
		if strings.Contains(strings.ToLower(out), fmt.Sprintf("%x", value)) {
			t.Errorf("secret printed as hex: %s", out)
		}
	}

	// The redacted forms themselves.
	for _, c := range []struct{ got, want string }{
		{lit.String(), "[redacted]"},
		{fmt.Sprintf("%v", lit), "[redacted]"},
		{fmt.Sprintf("%#v", lit), `config.LiteralSecret("[redacted]")`},
		{fmt.Sprintf("%v", env), "env:OPENAI_API_KEY"},
		{fmt.Sprintf("%#v", env), `config.EnvSecret("OPENAI_API_KEY")`},
		{fmt.Sprintf("%#v", Secret{}), "config.Secret{}"},
		{fmt.Sprintf("%q", lit), `"[redacted]"`},
		{mustJSON(t, lit), `"[redacted]"`},
		{mustJSON(t, env), `"env:OPENAI_API_KEY"`},
		{mustJSON(t, Secret{}), `""`},
		{lit.LogValue().String(), "[redacted]"},
	} {
		if c.got != c.want {
			t.Errorf("got %s, want %s", c.got, c.want)
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestSecretNotInErrors checks that validation problems around literal
// secrets never quote them.
func TestSecretNotInErrors(t *testing.T) {
	const value = "sk-THE-ACTUAL-SECRET-VALUE"
	in := `
providers:
  - name: a
    type: local
    api_key: "` + value + `"
  - name: b
    type: bedrock
    secret_access_key: "` + value + `"
    api_key: "` + value + `"
    headers:
      Host: "` + value + `"
      "Bad Name": "` + value + `"
  - name: c
    type: openai
    base_url: "` + value + `"
    headers: "` + value + `"
    timeout: "` + value + `"
  - ` + value + `
models: "` + value + `"
`
	_, err := Parse("s.yaml", []byte(in))
	if err == nil {
		t.Fatal("want errors")
	}
	// timeout is not a secret field, so quoting its bad value is fine; the
	// test puts the value there only to prove the other messages do not.
	for _, line := range strings.Split(err.Error(), "\n") {
		if strings.Contains(line, value) && !strings.Contains(line, "providers[2].timeout") {
			t.Errorf("error quotes a secret: %s", line)
		}
	}
}
