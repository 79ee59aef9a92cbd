package stability

import (
	"bytes"
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

// models maps a golden case's file name prefix to its model.
var models = map[string]string{
	"sd35":    "stability.sd3-5-large-v1:0",
	"sd3":     "stability.sd3-large-v1:0",
	"ultra":   "stability.stable-image-ultra-v1:1",
	"core":    "us.stability.stable-image-core-v1:1",
	"sdxl":    "stability.stable-diffusion-xl-v1",
	"service": "stability.stable-image-inpaint-v1:0",
}

func modelOf(t *testing.T, path string) string {
	prefix, _, _ := strings.Cut(filepath.Base(path), "-")
	m, ok := models[prefix]
	if !ok {
		t.Fatalf("%s: no model for prefix %q", path, prefix)
	}
	return m
}

// TestDecodeRequestGolden: testdata/request/<model>-<case>.wire.json → the
// canonical request (Native left out: it is the body itself) in
// <case>.canon.json.
func TestDecodeRequestGolden(t *testing.T) {
	familytest.RequestGolden(t, func(t *testing.T, f string, body []byte) []byte {
		model := modelOf(t, f)
		req, err := DecodeRequest(model, body)
		if err != nil {
			t.Fatal(err)
		}
		return familytest.ImageRequestJSON(t, req, body, model, Family)
	})
}

// TestDecodeRequestInvalid: testdata/request/invalid/<model>-<case>.wire.json
// → the ValidationException message in <case>.err.
func TestDecodeRequestInvalid(t *testing.T) {
	familytest.InvalidFiles(t, func(t *testing.T, f string, body []byte) error {
		_, err := DecodeRequest(modelOf(t, f), body)
		return err
	})
}

func TestServes(t *testing.T) {
	for id, want := range map[string]bool{
		"stability.sd3-5-large-v1:0":                                           true,
		"us.stability.stable-image-ultra-v1:1":                                 true,
		"stability.stable-image-core-v1:0":                                     true,
		"arn:aws:bedrock:us-west-2::foundation-model/stability.sd3-large-v1:0": true,
		"stability.stable-image-erase-object-v1:0":                             false,
		"stability.stable-diffusion-xl-v1":                                     false,
		"amazon.nova-canvas-v1:0":                                              false,
	} {
		if Serves(id) != want || !Is(id) != (id == "amazon.nova-canvas-v1:0") {
			t.Errorf("Serves(%s) = %v, Is = %v", id, Serves(id), Is(id))
		}
	}
}

func TestResponseGolden(t *testing.T) {
	for name, resp := range map[string]*canon.ImageResponse{
		"image":       {Images: [][]byte{[]byte("\x89PNG one")}, Seeds: []int64{2130420379}},
		"no-seed":     {Images: [][]byte{[]byte("\x89PNG one"), []byte("\x89PNG two")}},
		"filtered":    {FinishReasons: []string{"Filter reason: prompt"}, Seeds: []int64{7}},
		"error":       {Error: "This request has been blocked by our content filters."},
		"mixed":       {Images: [][]byte{[]byte("\x89PNG one"), []byte("\x89PNG two")}, FinishReasons: []string{"", "Filter reason: output image"}, Seeds: []int64{1, 2}},
		"more-seeds":  {Images: [][]byte{[]byte("\x89PNG one")}, Seeds: []int64{1, 2}},
		"reason-only": {FinishReasons: []string{"Inference error"}},
	} {
		t.Run(name, func(t *testing.T) {
			b := golden.Indent(t, ResponseFromCanon(resp))
			golden.Assert(t, "testdata/response/"+name+".json", b)
			back, err := DecodeResponse(b)
			if err != nil {
				t.Fatal(err)
			}
			if len(back.Images) != len(resp.Images) {
				t.Errorf("round trip = %+v", back)
			}
		})
	}
}

func TestDecodeResponse(t *testing.T) {
	r, err := DecodeResponse([]byte(`{'seeds': [1]}`))
	if err == nil {
		t.Errorf("single quotes accepted: %+v", r)
	}
	r, err = DecodeResponse([]byte(`{"seeds":[2130420379],"finish_reasons":[null],"images":["aGk="]}`))
	if err != nil || string(r.Images[0]) != "hi" || r.Seeds[0] != 2130420379 || r.FinishReasons[0] != "" {
		t.Errorf("documented answer: %v %+v", err, r)
	}
	r, err = DecodeResponse([]byte(`{"finish_reasons":["Filter reason: prompt"]}`))
	if err != nil || len(r.Images) != 0 || r.FinishReasons[0] != "Filter reason: prompt" {
		t.Errorf("filtered answer: %v %+v", err, r)
	}
	for _, body := range []string{``, `[]`, `{}`, `{"finish_reasons":[null]}`, `{"images":["%%"]}`, `{"images":[null]}`, `{"seeds":[1.5],"images":["aGk="]}`} {
		if _, err := DecodeResponse([]byte(body)); err == nil {
			t.Errorf("%s: accepted", body)
		}
	}
}

func FuzzDecodeRequest(f *testing.F) {
	for _, p := range familytest.SeedFiles(f) {
		b, _ := os.ReadFile(p)
		for i := range uint8(3) {
			f.Add(b, i)
		}
	}
	ids := []string{models["sd35"], models["ultra"], models["core"]}
	f.Fuzz(func(t *testing.T, in []byte, which uint8) {
		req, err := DecodeRequest(ids[int(which)%len(ids)], in)
		if err != nil {
			if ae := apierr.As(err); ae.Kind != apierr.Validation || !strings.HasPrefix(ae.Message, "Malformed input request: ") {
				t.Fatalf("error %v", err)
			}
			return
		}
		if req.Prompt == "" || !bytes.Equal(req.Native, in) {
			t.Fatalf("accepted without a prompt: %+v", req)
		}
		if (req.Task == canon.ImageToImage) != (len(req.Images) == 1) {
			t.Fatalf("task %s with %d images", req.Task, len(req.Images))
		}
		if req.Task == canon.ImageToImage && req.AspectRatio != "" {
			t.Fatal("image-to-image with an aspect ratio")
		}
		for _, img := range req.Images {
			if !IsImage(img) {
				t.Fatalf("accepted a non-image %q", img)
			}
		}
	})
}

func FuzzDecodeResponse(f *testing.F) {
	f.Add([]byte(`{"seeds":[2130420379],"finish_reasons":[null],"images":["aGk="]}`))
	f.Add([]byte(`{"finish_reasons":["Filter reason: prompt"]}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		r, err := DecodeResponse(in)
		if err != nil {
			return
		}
		out := ResponseFromCanon(r)
		if len(out.Images) == 0 && len(out.FinishReasons) == 0 {
			t.Fatal("accepted an empty answer")
		}
		if _, err := json.Marshal(out); err != nil {
			t.Fatal(err)
		}
	})
}
