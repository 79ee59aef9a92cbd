package cohereembed

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/testutil/familytest"
	"github.com/basalt-gateway/basalt/internal/testutil/golden"
)

const (
	v3Model = "cohere.embed-english-v3"
	v4Model = "cohere.embed-v4:0"
)

func TestDecodeRequestGolden(t *testing.T) {
	familytest.RequestGolden(t, func(t *testing.T, _ string, body []byte) []byte {
		r, err := DecodeRequest(v3Model, body)
		if err != nil {
			t.Fatal(err)
		}
		return golden.Indent(t, map[string]any{"request": r, "canon": r.Canon(v3Model)})
	})
}

func TestDecodeRequestInvalid(t *testing.T) {
	familytest.InvalidGolden(t, func(body []byte) error { _, err := DecodeRequest(v3Model, body); return err })
}

func TestOutputDimensionV4(t *testing.T) {
	r, err := DecodeRequest(v4Model, []byte(`{"texts":["x"],"input_type":"classification","output_dimension":512}`))
	if err != nil || r.Canon(v4Model).Dimensions == nil || *r.Canon(v4Model).Dimensions != 512 {
		t.Fatalf("%+v %v", r, err)
	}
	if _, err := DecodeRequest(v4Model, []byte(`{"texts":["x"],"input_type":"classification","output_dimension":100}`)); err == nil {
		t.Error("accepted output_dimension 100")
	}
}

func TestResponseGolden(t *testing.T) {
	vecs := [][]float32{{0.5, -1, 0.25, 0, 0.1, -0.1, 0.9, 0.3, -0.2}, {1, 0, 0, 0, 0, 0, 0, 0, 0}}
	cases := map[string]string{
		"floats":  `{"texts":["a","b"],"input_type":"search_document"}`,
		"by-type": `{"texts":["a","b"],"input_type":"search_document","embedding_types":["float","int8","uint8","binary","ubinary"]}`,
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			r, err := DecodeRequest(v3Model, []byte(body))
			if err != nil {
				t.Fatal(err)
			}
			golden.Assert(t, "testdata/response/"+name+".json", golden.Indent(t, r.ResponseFromCanon("req-1", vecs)))
		})
	}
}

func TestPacking(t *testing.T) {
	if got := packBits([]float32{1, -1, 1, 1, -1, -1, -1, 1, 1}, false); !slices.Equal(got, []int{0b10110001, 0b10000000}) {
		t.Errorf("ubinary = %v", got)
	}
	if got := packBits([]float32{1, -1, 1, 1, -1, -1, -1, 1}, true); !slices.Equal(got, []int{0b10110001 - 128}) {
		t.Errorf("binary = %v", got)
	}
	if got := quantize([]float32{0.5, -1, 0}, false); !slices.Equal(got, []int{64, -127, 0}) {
		t.Errorf("int8 = %v", got)
	}
	if got := quantize([]float32{0.5, -1, 0}, true); !slices.Equal(got, []int{192, 1, 128}) {
		t.Errorf("uint8 = %v", got)
	}
}

func FuzzDecodeRequest(f *testing.F) {
	for _, p := range familytest.SeedFiles(f) {
		b, _ := os.ReadFile(p)
		f.Add(b, false)
	}
	f.Fuzz(func(t *testing.T, in []byte, v4 bool) {
		model := v3Model
		if v4 {
			model = v4Model
		}
		r, err := DecodeRequest(model, in)
		if err != nil {
			if ae := apierr.As(err); ae.Kind != apierr.Validation || !strings.HasPrefix(ae.Message, "Malformed input request: ") {
				t.Fatalf("error %v", err)
			}
			return
		}
		if len(r.Texts) == 0 || len(r.Texts) > MaxTexts || !slices.Contains(InputTypes, r.InputType) {
			t.Fatalf("accepted %+v", r)
		}
		// Nothing the client sent is lost on the way to a Cohere upstream.
		if c := r.Canon(model); InputTypeFor(c.Purpose) != r.InputType || TruncateFor(c.Truncate) != r.Truncate {
			t.Fatalf("%+v became %+v", r, c)
		}
		vecs := make([][]float32, len(r.Texts))
		for i := range vecs {
			vecs[i] = []float32{0.1, -0.2}
		}
		if _, err := json.Marshal(r.ResponseFromCanon("id", vecs)); err != nil {
			t.Fatal(err)
		}
	})
}
