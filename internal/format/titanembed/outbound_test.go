package titanembed

import (
	"encoding/json"
	"testing"
)

// TestOutbound: the body sent upstream decodes as a valid request with the
// same meaning, and the answer this package writes reads back.
func TestOutbound(t *testing.T) {
	d := 512
	for _, tc := range []struct {
		model string
		r     Request
		want  string
	}{
		{v2Model, Request{InputText: "hi", Dimensions: &d, Normalize: true}, `{"inputText":"hi","dimensions":512,"normalize":true}`},
		{v2Model, Request{InputText: "hi"}, `{"inputText":"hi","normalize":false}`},
		{v1Model, Request{V1: true, InputText: "hi", Dimensions: &d, Normalize: true}, `{"inputText":"hi"}`},
	} {
		b, err := tc.r.Body()
		if err != nil || string(b) != tc.want {
			t.Errorf("Body = %s, %v; want %s", b, err, tc.want)
		}
		back, err := DecodeRequest(tc.model, b)
		if err != nil || back.InputText != "hi" {
			t.Errorf("%s does not decode: %v", b, err)
		}
	}
	r := Request{InputText: "x", Float: true}
	out, _ := json.Marshal(r.ResponseFromCanon([]float32{0.6, 0.8}, 3))
	got, err := DecodeResponse(out)
	if err != nil || len(got.Embedding) != 2 || got.InputTextTokenCount != 3 {
		t.Errorf("DecodeResponse = %+v, %v", got, err)
	}
	if _, err := DecodeResponse([]byte(`{"embedding":"x"}`)); err == nil {
		t.Error("bad answer accepted")
	}
}
