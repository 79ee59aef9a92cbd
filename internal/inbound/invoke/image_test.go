package invoke

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/basalt-gateway/basalt/internal/canon"
)

// imageGW answers every image request with resp.
type imageGW struct {
	got  *canon.ImageRequest
	resp *canon.ImageResponse
}

func (*imageGW) Converse(context.Context, *canon.Request, canon.EventWriter) error { return nil }

func (g *imageGW) GenerateImage(_ context.Context, req *canon.ImageRequest) (*canon.ImageResponse, error) {
	g.got = req
	return g.resp, nil
}

func TestInvokeImage(t *testing.T) {
	const nova = `{"taskType":"TEXT_IMAGE","textToImageParams":{"text":"a robot"}}`
	for _, tc := range []struct {
		name, model, body string
		resp              *canon.ImageResponse
		status            int
		want              string
	}{
		{"re-encoded", "amazon.nova-canvas-v1:0", nova, &canon.ImageResponse{Images: [][]byte{[]byte("hi")}}, 200, `{"images":["aGk="]}`},
		{"native answer passed on", "amazon.nova-canvas-v1:0", nova,
			&canon.ImageResponse{Images: [][]byte{[]byte("hi")}, Native: []byte(`{"images": ["aGk="], "error": null}`), NativeFamily: FamilyNovaCanvas},
			200, `{"images": ["aGk="], "error": null}`},
		{"another family's answer re-encoded", "stability.sd3-5-large-v1:0", `{"prompt":"a panda"}`,
			&canon.ImageResponse{Images: [][]byte{[]byte("hi")}, Native: []byte(`{"images":["aGk="]}`), NativeFamily: FamilyNovaCanvas},
			200, `{"seeds":[0],"finish_reasons":[null],"images":["aGk="]}`},
		{"filtered", "stability.sd3-5-large-v1:0", `{"prompt":"a panda"}`, &canon.ImageResponse{FinishReasons: []string{"Filter reason: prompt"}},
			200, `{"seeds":[0],"finish_reasons":["Filter reason: prompt"],"images":[]}`},
		{"empty answer", "amazon.titan-image-generator-v2:0", nova, &canon.ImageResponse{}, 424, `"the model returned no images and no reason for it"`},
		{"malformed", "amazon.nova-canvas-v1:0", `{"taskType":"TEXT_IMAGE"}`, nil, 400, "#: required key [textToImageParams] not found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gw := &imageGW{resp: tc.resp}
			w := invokeOp(t, gw, tc.model, tc.body, false)
			if w.Code != tc.status || !strings.Contains(w.Body.String(), tc.want) {
				t.Fatalf("status %d: %s, want %d with %s", w.Code, w.Body, tc.status, tc.want)
			}
			if tc.status == http.StatusOK && (gw.got.Model != tc.model || string(gw.got.Native) != tc.body) {
				t.Errorf("request %+v", gw.got)
			}
			if tc.status == http.StatusOK && w.Header().Get("Content-Type") != "application/json" {
				t.Errorf("content type %q", w.Header().Get("Content-Type"))
			}
		})
	}
}

func TestInvokeImageRefusals(t *testing.T) {
	const body = `{"prompt":"a panda"}`
	w := invokeOp(t, &imageGW{}, "stability.sd3-5-large-v1:0", body, true)
	if w.Code != 400 || !strings.Contains(w.Body.String(), "InvokeModelWithResponseStream does not serve") {
		t.Errorf("stream: %d %s", w.Code, w.Body)
	}
	w = invokeOp(t, convOnly{}, "stability.sd3-5-large-v1:0", body, false)
	if w.Code != 400 || !strings.Contains(w.Body.String(), "cannot generate images") {
		t.Errorf("no image capability: %d %s", w.Code, w.Body)
	}
}
