package titanimage

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/testutil/familytest"
	"github.com/basalt-gateway/basalt/internal/testutil/golden"
)

const (
	titanV2 = "amazon.titan-image-generator-v2:0"
	titanV1 = "amazon.titan-image-generator-v1"
	nova    = "amazon.nova-canvas-v1:0"
)

// modelOf picks a golden case's model from its file name prefix.
func modelOf(path string) (string, string) {
	name := filepath.Base(path)
	switch {
	case strings.HasPrefix(name, "titanv1-"):
		return titanV1, FamilyTitan
	case strings.HasPrefix(name, "nova-"):
		return nova, FamilyNovaCanvas
	}
	return titanV2, FamilyTitan
}

// TestDecodeRequestGolden: testdata/request/<model>-<case>.wire.json → the
// canonical request (Native left out: it is the body itself) in
// <case>.canon.json.
func TestDecodeRequestGolden(t *testing.T) {
	familytest.RequestGolden(t, func(t *testing.T, f string, body []byte) []byte {
		model, family := modelOf(f)
		req, err := DecodeRequest(model, family, body)
		if err != nil {
			t.Fatal(err)
		}
		return familytest.ImageRequestJSON(t, req, body, model, family)
	})
}

// TestDecodeRequestInvalid: testdata/request/invalid/<model>-<case>.wire.json
// → the ValidationException message in <case>.err.
func TestDecodeRequestInvalid(t *testing.T) {
	familytest.InvalidFiles(t, func(_ *testing.T, f string, body []byte) error {
		model, family := modelOf(f)
		_, err := DecodeRequest(model, family, body)
		return err
	})
}

func TestFamilyOf(t *testing.T) {
	for id, want := range map[string]string{
		titanV2: FamilyTitan, titanV1: FamilyTitan, nova: FamilyNovaCanvas,
		"us.amazon.nova-canvas-v1:0": FamilyNovaCanvas,
		"arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-image-generator-v2:0": FamilyTitan,
		"amazon.nova-lite-v1:0": "", "stability.sd3-5-large-v1:0": "",
	} {
		if got := FamilyOf(id); got != want {
			t.Errorf("FamilyOf(%s) = %q, want %q", id, got, want)
		}
	}
	// The family given wins over the id's (a models: alias).
	req, err := DecodeRequest("my-canvas", FamilyNovaCanvas, []byte(`{"taskType":"TEXT_IMAGE","textToImageParams":{"text":"x","style":"MAXIMALISM"}}`))
	if err != nil || req.NativeFamily != FamilyNovaCanvas {
		t.Errorf("alias: %v %+v", err, req)
	}
}

func TestResponseGolden(t *testing.T) {
	for name, resp := range map[string]*canon.ImageResponse{
		"two-images": {Images: [][]byte{[]byte("\x89PNG one"), []byte("\x89PNG two")}},
		"error":      {Error: "This request has been blocked by our content filters."},
	} {
		t.Run(name, func(t *testing.T) {
			b := golden.Indent(t, ResponseFromCanon(resp))
			golden.Assert(t, "testdata/response/"+name+".json", b)
			back, err := DecodeResponse(b)
			if err != nil {
				t.Fatal(err)
			}
			if len(back.Images) != len(resp.Images) || back.Error != resp.Error {
				t.Errorf("round trip = %+v", back)
			}
			for i := range resp.Images {
				if !bytes.Equal(back.Images[i], resp.Images[i]) {
					t.Errorf("image %d = %q", i, back.Images[i])
				}
			}
		})
	}
}

func TestDecodeResponseInvalid(t *testing.T) {
	for _, body := range []string{``, `[]`, `{"images":"x"}`, `{"images":["%%%"]}`, `{"images":[null]}`, `{}`, `{"images":[],"error":null}`} {
		if _, err := DecodeResponse([]byte(body)); err == nil {
			t.Errorf("%s: accepted", body)
		}
	}
	r, err := DecodeResponse([]byte(`{"images":["aGk="],"error":null,"maskImage":"x"}`))
	if err != nil || string(r.Images[0]) != "hi" {
		t.Errorf("extra members: %v %+v", err, r)
	}
}

func FuzzDecodeRequest(f *testing.F) {
	for _, p := range familytest.SeedFiles(f) {
		b, _ := os.ReadFile(p)
		f.Add(b, uint8(0))
		f.Add(b, uint8(2))
	}
	f.Fuzz(func(t *testing.T, in []byte, which uint8) {
		model, family := []string{titanV2, titanV1, nova}[which%3], FamilyTitan
		if which%3 == 2 {
			family = FamilyNovaCanvas
		}
		req, err := DecodeRequest(model, family, in)
		if err != nil {
			if ae := apierr.As(err); ae.Kind != apierr.Validation {
				t.Fatalf("error %v", err)
			}
			return
		}
		if req.Task == "" || !bytes.Equal(req.Native, in) {
			t.Fatalf("accepted without a task: %+v", req)
		}
		if (req.Task == canon.ImageTextToImage || req.Task == canon.ImageColorGuided) && req.Prompt == "" {
			t.Fatal("accepted a generation without text")
		}
		if req.Count < 0 || req.Count > MaxImages {
			t.Fatalf("count %d", req.Count)
		}
		for _, img := range append(append(req.Images, req.Mask), req.Reference) {
			if img != nil && !bytes.HasPrefix(img, pngMagic) && !bytes.HasPrefix(img, jpegMagic) {
				t.Fatalf("accepted an image that is neither PNG nor JPEG: %q", img)
			}
		}
	})
}

func FuzzDecodeResponse(f *testing.F) {
	f.Add([]byte(`{"images":["aGk="]}`))
	f.Add([]byte(`{"images":[],"error":"blocked"}`))
	f.Add([]byte(`{"images":["` + base64.StdEncoding.EncodeToString([]byte("\x89PNG")) + `"],"error":null}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		r, err := DecodeResponse(in)
		if err != nil {
			return
		}
		if len(r.Images) == 0 && r.Error == "" {
			t.Fatal("accepted an empty answer")
		}
		if _, err := json.Marshal(ResponseFromCanon(r)); err != nil {
			t.Fatal(err)
		}
	})
}
