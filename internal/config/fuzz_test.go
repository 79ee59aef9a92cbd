package config

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"
)

// FuzzParse checks that no input panics, that errors are always positioned
// *Errors, and that a config Parse accepts passes Validate and survives a
// marshal/parse round trip (when it holds no literal secret, which
// marshalling redacts on purpose). Seeds are every testdata file; crashers
// go in testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*", "*.yaml"))
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("fuzz.yaml", data)
		if err != nil {
			if c != nil {
				t.Fatal("config returned with an error")
			}
			for _, e := range leafErrors(err) {
				var ce *Error
				if !errors.As(e, &ce) || ce.File != "fuzz.yaml" {
					t.Fatalf("error %q (%T) is not a *Error naming the file", e, e)
				}
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("Parse accepted a config that Validate rejects: %v", err)
		}
		out, err := yaml.Marshal(c)
		if err != nil {
			t.Fatalf("yaml.Marshal: %v", err)
		}
		if hasLiteralSecret(c) {
			return
		}
		again, err := Parse("roundtrip.yaml", out)
		if err != nil {
			t.Fatalf("re-parsing the marshalled config: %v\n%s", err, out)
		}
		if diff := cmp.Diff(c, again); diff != "" {
			t.Fatalf("round trip changed the config (-first +second):\n%s", diff)
		}
	})
}

func hasLiteralSecret(c *Config) bool {
	for _, s := range c.Auth.APIKeys {
		if s.IsLiteral() {
			return true
		}
	}
	for _, p := range c.Providers {
		for _, s := range []Secret{p.APIKey, p.Bedrock.AccessKeyID, p.Bedrock.SecretAccessKey, p.Bedrock.SessionToken} {
			if s.IsLiteral() {
				return true
			}
		}
		for _, s := range p.Headers {
			if s.IsLiteral() {
				return true
			}
		}
	}
	return false
}
