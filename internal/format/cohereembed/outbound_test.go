package cohereembed

import (
	"encoding/json"
	"testing"

	"github.com/basalt-gateway/basalt/internal/canon"
)

// TestOutbound: the body sent upstream decodes as a valid request, and the
// float vectors read back from both answer forms.
func TestOutbound(t *testing.T) {
	d := 256
	r := Request{Texts: []string{"a", "b"}, InputType: "search_document", Types: []string{"float"}, OutputDimension: &d}
	b, err := r.Body()
	if err != nil || string(b) != `{"texts":["a","b"],"input_type":"search_document","embedding_types":["float"],"output_dimension":256}` {
		t.Fatalf("Body = %s, %v", b, err)
	}
	if _, err := DecodeRequest("cohere.embed-v4:0", b); err != nil {
		t.Errorf("own body refused: %v", err)
	}
	vecs := [][]float32{{1, 0}, {0, 1}}
	for _, types := range [][]string{nil, {"float", "int8"}} {
		req := Request{Texts: []string{"a", "b"}, Types: types}
		out, _ := json.Marshal(req.ResponseFromCanon("id", vecs))
		got, err := DecodeFloats(out)
		if err != nil || len(got) != 2 || got[1][1] != 1 {
			t.Errorf("types %v: DecodeFloats = %v, %v", types, got, err)
		}
	}
	for _, bad := range []string{`{"embeddings":{"int8":[[1]]}}`, `{"embeddings":"x"}`, `[`} {
		if _, err := DecodeFloats([]byte(bad)); err == nil {
			t.Errorf("DecodeFloats(%s) accepted", bad)
		}
	}
}

// TestPurposeRoundTrip: every input_type and truncate comes back unchanged
// through the canonical request, each as its own canonical value, and what
// other dialects (or none) say reaches Cohere as documented.
func TestPurposeRoundTrip(t *testing.T) {
	seen := map[canon.EmbedPurpose]string{}
	for _, it := range InputTypes {
		for _, tr := range []string{"", "NONE", "START", "END"} {
			body := `{"texts":["q"],"input_type":"` + it + `"`
			if tr != "" {
				body += `,"truncate":"` + tr + `"`
			}
			r, err := DecodeRequest(v3Model, []byte(body+"}"))
			if err != nil {
				t.Fatal(err)
			}
			c := r.Canon(v3Model)
			if got := InputTypeFor(c.Purpose); got != it {
				t.Errorf("%s → %q → %s", it, c.Purpose, got)
			}
			if got := TruncateFor(c.Truncate); got != tr {
				t.Errorf("truncate %q → %q → %q", tr, c.Truncate, got)
			}
			if prev, ok := seen[c.Purpose]; ok && prev != it {
				t.Errorf("%s and %s both became %q", prev, it, c.Purpose)
			}
			seen[c.Purpose] = it
		}
	}
	for p, want := range map[canon.EmbedPurpose]string{"": "search_document", canon.EmbedQuery: "search_query", "unknown": "search_document"} {
		if got := InputTypeFor(p); got != want {
			t.Errorf("InputTypeFor(%q) = %s, want %s", p, got, want)
		}
	}
	// A Nova query of a text index is a search query to Cohere.
	r := Request{Texts: []string{"q"}, InputType: InputTypeFor(canon.EmbedQuery), Truncate: TruncateFor(canon.EmbedTruncateStart)}
	if b, _ := r.Body(); string(b) != `{"texts":["q"],"input_type":"search_query","truncate":"START"}` {
		t.Errorf("Body = %s", b)
	}
}
