package titanembed

import (
	"encoding/json"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/testutil/familytest"
	"github.com/basalt-gateway/basalt/internal/testutil/golden"
)

const (
	v2Model = "amazon.titan-embed-text-v2:0"
	v1Model = "amazon.titan-embed-text-v1"
)

// TestDecodeRequestGolden: testdata/request/<case>.wire.json → the decoded
// request and its canonical form in <case>.canon.json.
func TestDecodeRequestGolden(t *testing.T) {
	familytest.RequestGolden(t, func(t *testing.T, _ string, body []byte) []byte {
		r, err := DecodeRequest(v2Model, body)
		if err != nil {
			t.Fatal(err)
		}
		return golden.Indent(t, map[string]any{"request": r, "canon": r.Canon(v2Model)})
	})
}

// TestDecodeRequestInvalid: testdata/request/invalid/<case>.wire.json →
// the ValidationException message in <case>.err.
func TestDecodeRequestInvalid(t *testing.T) {
	familytest.InvalidGolden(t, func(body []byte) error { _, err := DecodeRequest(v2Model, body); return err })
}

func TestV1(t *testing.T) {
	if _, err := DecodeRequest(v1Model, []byte(`{"inputText":"x","dimensions":256}`)); err == nil ||
		!strings.Contains(err.Error(), "extraneous key [dimensions]") {
		t.Errorf("v1 with dimensions: %v", err)
	}
	r, err := DecodeRequest(v1Model, []byte(`{"inputText":"x"}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(r.ResponseFromCanon([]float32{3, 4}, 1))
	if string(b) != `{"embedding":[3,4],"inputTextTokenCount":1}` {
		t.Errorf("v1 response = %s", b)
	}
}

func TestResponseGolden(t *testing.T) {
	cases := map[string]string{
		"default":     `{"inputText":"x"}`,
		"binary-only": `{"inputText":"x","embeddingTypes":["binary"]}`,
		"both":        `{"inputText":"x","embeddingTypes":["float","binary"]}`,
		"raw":         `{"inputText":"x","normalize":false}`,
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			r, err := DecodeRequest(v2Model, []byte(body))
			if err != nil {
				t.Fatal(err)
			}
			resp := r.ResponseFromCanon([]float32{3, -4, 0}, 7)
			golden.Assert(t, "testdata/response/"+name+".json", golden.Indent(t, resp))
		})
	}
}

func TestNormalize(t *testing.T) {
	v := Normalize([]float32{3, 4})
	if math.Abs(float64(v[0])-0.6) > 1e-6 || math.Abs(float64(v[1])-0.8) > 1e-6 {
		t.Errorf("Normalize = %v", v)
	}
	if z := Normalize([]float32{0, 0}); z[0] != 0 || z[1] != 0 {
		t.Errorf("Normalize(0) = %v", z)
	}
}

func FuzzDecodeRequest(f *testing.F) {
	for _, p := range familytest.SeedFiles(f) {
		b, _ := os.ReadFile(p)
		f.Add(b, false)
	}
	f.Fuzz(func(t *testing.T, in []byte, v1 bool) {
		model := v2Model
		if v1 {
			model = v1Model
		}
		r, err := DecodeRequest(model, in)
		if err != nil {
			if ae := apierr.As(err); ae.Kind != apierr.Validation || !strings.HasPrefix(ae.Message, "Malformed input request: ") {
				t.Fatalf("error %v", err)
			}
			return
		}
		if strings.TrimSpace(r.InputText) == "" {
			t.Fatal("accepted an empty inputText")
		}
		if d := r.Dimensions; d != nil && *d != 256 && *d != 512 && *d != 1024 {
			t.Fatalf("accepted dimensions %d", *d)
		}
		if _, err := json.Marshal(r.ResponseFromCanon([]float32{1, 2}, 1)); err != nil {
			t.Fatal(err)
		}
	})
}
