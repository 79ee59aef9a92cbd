package invoke

import (
	"bytes"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/basalt-gateway/basalt/internal/apierr"
)

func claudeOnly(id string) string {
	if strings.HasPrefix(id, "anthropic.claude") {
		return FamilyClaude
	}
	return "nova"
}

func decode(body string, model string) error {
	r := httptest.NewRequest("POST", "/model/x/invoke", strings.NewReader(body))
	r.SetPathValue("modelId", model)
	_, err := Shape{Family: claudeOnly}.Decode(r)
	return err
}

func TestDecodeClaude(t *testing.T) {
	const ok = `{"anthropic_version":"bedrock-2023-05-31","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}`
	cases := []struct {
		name, model, body, want string
	}{
		{"valid", "anthropic.claude-x", ok, ""},
		{"model and stream", "anthropic.claude-x", `{"anthropic_version":"bedrock-2023-05-31","max_tokens":10,"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}`,
			"Malformed input request: #: extraneous key [model] is not permitted#: extraneous key [stream] is not permitted, please reformat your input and try again."},
		{"wrong version", "anthropic.claude-x", strings.Replace(ok, "bedrock-2023-05-31", "2023-06-01", 1), "#/anthropic_version"},
		{"no max_tokens", "anthropic.claude-x", `{"anthropic_version":"bedrock-2023-05-31","messages":[{"role":"user","content":"hi"}]}`, "required key [max_tokens] not found"},
		{"not an object", "anthropic.claude-x", `[1]`, "Malformed input request"},
		{"nova", "amazon.nova-lite-v1:0", ok, `supports only the Anthropic Claude family`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := decode(c.body, c.model)
			if c.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var ae *apierr.Error
			if !errors.As(err, &ae) || ae.Kind != apierr.Validation || !strings.Contains(ae.Message, c.want) {
				t.Fatalf("err = %v, want Validation containing %q", err, c.want)
			}
		})
	}
}

var modelKey = regexp.MustCompile(`"model":"[^"]*",`)

// FuzzDecodeClaude: arbitrary bodies with a Claude id never panic and
// fail only with Validation errors. Seeds: the Messages wire fixtures
// made Bedrock-shaped.
func FuzzDecodeClaude(f *testing.F) {
	fs, _ := filepath.Glob("../../format/anthropic/testdata/inbound/*.wire.json")
	if len(fs) == 0 {
		f.Fatal("no seeds")
	}
	for _, file := range fs {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		b = modelKey.ReplaceAll(b, []byte(`"anthropic_version":"bedrock-2023-05-31",`))
		f.Add(bytes.Replace(b, []byte(`"stream":true,`), nil, 1))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		_, err := DecodeClaude("anthropic.claude-x", in)
		if err != nil {
			var ae *apierr.Error
			if !errors.As(err, &ae) || ae.Kind != apierr.Validation {
				t.Fatalf("error %T %v", err, err)
			}
		}
	})
}
