package counttokens

import (
	"context"
	"os"
	"testing"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/catalog"
	"github.com/basalt-gateway/basalt/internal/testutil/golden"
)

// fuzzModels are the models a fuzzed body is decoded and counted for: one
// per body format, and an OpenAI model so the BPE counts fuzzed text.
var fuzzModels = []string{claude, "amazon.nova-lite-v1:0", "amazon.titan-embed-text-v2:0", "cohere.embed-english-v3",
	"meta.llama3-8b-instruct-v1:0", "mistral.mistral-large-2402-v1:0", "openai.gpt-oss-120b-1:0", "gpt-4o"}

// FuzzDecode feeds arbitrary bodies to Decode and counts what decodes.
// Properties: no panic; a failure is a Validation *apierr.Error; a success
// is exactly one input, whose count is positive.
func FuzzDecode(f *testing.F) {
	for _, file := range golden.Glob(f, "testdata/requests/*.json") {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		for i := range fuzzModels {
			f.Add(b, uint8(i))
		}
	}
	f.Add([]byte(`{"input":{"converse":{"messages":[{"role":"user","content":[{"text":" \n \n \n"}]}]}}}`), uint8(7))
	f.Add([]byte(`{"input":{"invokeModel":{"body":"e30="}}}`), uint8(0))
	f.Add([]byte(`{"input":{"converse":null,"invokeModel":{}}}`), uint8(0))
	f.Fuzz(func(t *testing.T, body []byte, pick uint8) {
		model := fuzzModels[int(pick)%len(fuzzModels)]
		in, err := Decode(model, catalog.FamilyFromID(model), body)
		if err != nil {
			if e, ok := err.(*apierr.Error); !ok || e.Kind != apierr.Validation {
				t.Fatalf("error %T %v is not a Validation *apierr.Error", err, err)
			}
			return
		}
		if (in.Request == nil) == (in.Embed == nil) {
			t.Fatalf("decoded %+v: want exactly one input", in)
		}
		n, err := Count(context.Background(), nil, in)
		if err != nil || n < 1 {
			t.Fatalf("count %d, %v", n, err)
		}
	})
}
