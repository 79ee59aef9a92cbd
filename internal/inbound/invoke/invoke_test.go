package invoke

import (
	"bytes"
	"context"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/catalog"
)

func decode(body string, model string) error {
	r := httptest.NewRequest("POST", "/model/x/invoke", strings.NewReader(body))
	r.SetPathValue("modelId", model)
	_, err := Shape{Family: catalog.FamilyFromID}.Decode(r)
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
		{"claude body to nova", "amazon.nova-lite-v1:0", ok, `#: extraneous key [anthropic_version] is not permitted#: extraneous key [max_tokens] is not permitted`},
		{"nova", "us.amazon.nova-lite-v1:0", `{"messages":[{"role":"user","content":[{"text":"hi"}]}]}`, ""},
		{"titan", "amazon.titan-text-express-v1", `{"inputText":"hi"}`, ""},
		{"llama", "meta.llama3-8b-instruct-v1:0", `{"prompt":"hi"}`, ""},
		{"mistral prompt", "mistral.mistral-7b-instruct-v0:2", `{"prompt":"<s>[INST] hi [/INST]"}`, ""},
		{"mistral chat", "mistral.mistral-large-2407-v1:0", `{"messages":[{"role":"user","content":"hi"}]}`, ""},
		{"cohere", "cohere.command-r-v1:0", `{"message":"hi"}`, ""},
		{"embeddings", "amazon.titan-embed-text-v2:0", `{"inputText":"hi"}`, `model "amazon.titan-embed-text-v2:0" is of family "titan-embed"`},
		{"unknown", "my-alias", `{"inputText":"hi"}`, `Amazon Titan Text (amazon.titan-text-*`},
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

// invokeOp serves an InvokeModel (stream false) or
// InvokeModelWithResponseStream call of model with body through gw, whose
// Converse, if it has one, makes it the gateway.
func invokeOp(t *testing.T, gw any, model, body string, stream bool) *httptest.ResponseRecorder {
	t.Helper()
	conv, _ := gw.(interface {
		Converse(context.Context, *canon.Request, canon.EventWriter) error
	})
	h := Handler(conv, catalog.FamilyFromID, stream, nil)
	r := httptest.NewRequest("POST", "/model/"+model+"/invoke", strings.NewReader(body))
	r.SetPathValue("modelId", model)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
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

// TestFamiliesMatchCatalog: each family this surface serves is the one
// the catalog gives real model ids (by the id rules and by the embedded
// catalog's entries, which app uses), and the id reaches the body format
// meant for it, so a family renamed in the catalog cannot silently turn a
// served family into a refused one.
func TestFamiliesMatchCatalog(t *testing.T) {
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	const text = "text"
	ops := map[string]operation{"embed": embedOperation, "rerank": rerankOperation, "image": imageOperation}
	for _, c := range []struct{ id, family, served string }{
		{"anthropic.claude-3-haiku-20240307-v1:0", FamilyClaude, text},
		{"us.amazon.nova-pro-v1:0", FamilyNova, text},
		{"amazon.nova-2-lite-v1:0", FamilyNova, text},
		{"amazon.titan-text-premier-v1:0", FamilyTitan, text},
		{"meta.llama4-scout-17b-instruct-v1:0", FamilyLlama, text},
		{"mistral.mistral-large-2407-v1:0", FamilyMistral, text},
		{"cohere.command-r-plus-v1:0", FamilyCohere, text},
		{"openai.gpt-oss-120b-1:0", FamilyGPTOSS, text},
		{"openai.gpt-oss-20b-1:0", FamilyGPTOSS, text},
		{"qwen.qwen3-32b-v1:0", FamilyQwen, text},
		{"qwen.qwen3-coder-30b-a3b-v1:0", FamilyQwen, text},
		{"deepseek.v3-v1:0", FamilyDeepSeek, text},
		{"deepseek.r1-v1:0", FamilyDeepSeek, text},
		{"us.deepseek.r1-v1:0", FamilyDeepSeek, text},
		{"amazon.titan-embed-text-v2:0", FamilyTitanEmbed, "embed"},
		{"amazon.titan-embed-text-v1", FamilyTitanEmbed, "embed"},
		{"cohere.embed-english-v3", FamilyCohereEmbed, "embed"},
		{"cohere.embed-v4:0", FamilyCohereEmbed, "embed"},
		{"amazon.nova-2-multimodal-embeddings-v1:0", FamilyNovaEmbed, "embed"},
		{"cohere.rerank-v3-5:0", FamilyCohereRerank, "rerank"},
		{"amazon.rerank-v1:0", FamilyAmazonRerank, "rerank"},
		{"amazon.titan-image-generator-v1", FamilyTitanImage, "image"},
		{"amazon.titan-image-generator-v2:0", FamilyTitanImage, "image"},
		{"amazon.nova-canvas-v1:0", FamilyNovaCanvas, "image"},
		{"us.amazon.nova-canvas-v1:0", FamilyNovaCanvas, "image"},
		{"stability.sd3-5-large-v1:0", FamilyStability, "image"},
		{"stability.stable-image-core-v1:1", FamilyStability, "image"},
		{"stability.stable-image-ultra-v1:1", FamilyStability, "image"},
	} {
		if _, ok := cat.Lookup(c.id); !ok {
			t.Errorf("%s is not in the catalog", c.id)
		}
		if got := catalog.FamilyFromID(c.id); got != c.family {
			t.Errorf("FamilyFromID(%q) = %q, want %q", c.id, got, c.family)
		}
		if got := cat.Family(c.id); got != c.family {
			t.Errorf("catalog family of %q = %q, want %q", c.id, got, c.family)
		}
		var matched []string
		for name, o := range ops {
			if o.match(c.id, c.family) {
				matched = append(matched, name)
			}
		}
		switch _, isText := codecs[c.family]; {
		case c.served == text && (!isText || len(matched) > 0):
			t.Errorf("%s (%s): text codec %v, operations %v; want the text codec alone", c.id, c.family, isText, matched)
		case c.served != text && (isText || len(matched) != 1 || matched[0] != c.served):
			t.Errorf("%s (%s): text codec %v, operations %v; want operation %s alone", c.id, c.family, isText, matched, c.served)
		}
	}
}

// TestStylesCarried: a style recorded by Decode reaches NewEncoder.
func TestStylesCarried(t *testing.T) {
	r := httptest.NewRequest("POST", "/model/x/invoke", strings.NewReader(`{"messages":[{"role":"user","content":"hi"}]}`))
	r.SetPathValue("modelId", "mistral.mistral-large-2407-v1:0")
	s := Shape{Family: catalog.FamilyFromID}
	req, err := s.Decode(r)
	if err != nil {
		t.Fatal(err)
	}
	if req.ShapeData == nil {
		t.Fatal("style not recorded")
	}
	enc := s.NewEncoder(httptest.NewRecorder(), r, req)
	if u, ok := enc.(*unary); !ok || u.style == nil {
		t.Fatalf("encoder = %#v", enc)
	}
}
