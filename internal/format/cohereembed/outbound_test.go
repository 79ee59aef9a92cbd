package cohereembed

import (
	"encoding/json"
	"testing"
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
