package bedrock_test

import (
	"context"
	"strings"
	"testing"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/gateway"
	"github.com/basalt-gateway/basalt/internal/provider/bedrock"
	fu "github.com/basalt-gateway/basalt/internal/testutil/fakeupstream"
)

var (
	_ gateway.ImageGenerator = (*bedrock.Provider)(nil)
	_ gateway.ImageChecker   = (*bedrock.Provider)(nil)
)

// TestGenerateImagePassThrough: the client's native body reaches Bedrock
// byte for byte, and the answer comes back decoded and as it came.
func TestGenerateImagePassThrough(t *testing.T) {
	for _, tc := range []struct {
		name, model, family, body, answer string
		images                            []string
		seeds                             []int64
		reasons                           []string
	}{
		{"nova canvas", "amazon.nova-canvas-v1:0", "nova-canvas",
			`{"taskType":"TEXT_IMAGE", "textToImageParams":{"text":"a robot"}}`, `{"images":["aGk=","aG8="],"error":null}`,
			[]string{"hi", "ho"}, nil, nil},
		{"titan by profile", "us.amazon.titan-image-generator-v2:0", "titan-image",
			`{"taskType":"BACKGROUND_REMOVAL","backgroundRemovalParams":{"image":"iVBO"}}`, `{"images":["aGk="]}`,
			[]string{"hi"}, nil, nil},
		{"stability", "stability.sd3-5-large-v1:0", "stability",
			`{"prompt":"a panda"}`, `{"seeds":[2130420379],"finish_reasons":[null],"images":["aGk="]}`,
			[]string{"hi"}, []int64{2130420379}, []string{""}},
		{"stability filtered", "stability.stable-image-core-v1:1", "stability",
			`{"prompt":"a panda"}`, `{"finish_reasons":["Filter reason: prompt"]}`,
			nil, nil, []string{"Filter reason: prompt"}},
		{"application profile", "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc", "nova-canvas",
			`{"taskType":"TEXT_IMAGE","textToImageParams":{"text":"x"}}`, `{"images":["aGk="]}`,
			[]string{"hi"}, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake, p := setup(t)
			fake.ReplyRaw(fu.BedrockRaw{Body: []byte(tc.answer)})
			resp, err := p.GenerateImage(context.Background(), &canon.ImageRequest{Model: tc.model, Task: canon.ImageTextToImage,
				Native: []byte(tc.body), NativeFamily: tc.family})
			if err != nil {
				t.Fatal(err)
			}
			reqs := fake.Requests()
			if len(reqs) != 1 || string(reqs[0].Body) != tc.body || fake.ModelIDs()[0] != tc.model {
				t.Fatalf("upstream %d calls: %s %v", len(reqs), reqs[0].Body, fake.ModelIDs())
			}
			var images []string
			for _, img := range resp.Images {
				images = append(images, string(img))
			}
			if strings.Join(images, ",") != strings.Join(tc.images, ",") || len(resp.Seeds) != len(tc.seeds) ||
				strings.Join(resp.FinishReasons, ",") != strings.Join(tc.reasons, ",") {
				t.Errorf("response %+v", resp)
			}
			if string(resp.Native) != tc.answer || resp.NativeFamily != tc.family {
				t.Errorf("native %s %s", resp.Native, resp.NativeFamily)
			}
		})
	}
}

func TestGenerateImageErrors(t *testing.T) {
	nova := func(model string) *canon.ImageRequest {
		return &canon.ImageRequest{Model: model, Task: canon.ImageTextToImage, Prompt: "x",
			Native: []byte(`{"taskType":"TEXT_IMAGE","textToImageParams":{"text":"x"}}`), NativeFamily: "nova-canvas"}
	}
	for _, tc := range []struct {
		name  string
		req   *canon.ImageRequest
		setup func(*fu.Bedrock)
		kind  apierr.Kind
		want  string
	}{
		{"no native body", &canon.ImageRequest{Model: "amazon.nova-canvas-v1:0", Task: canon.ImageTextToImage, Prompt: "x"}, nil,
			apierr.Validation, "only from a model's native InvokeModel body"},
		{"other family", nova("amazon.titan-image-generator-v2:0"), nil, apierr.Validation,
			`would send model "amazon.titan-image-generator-v2:0", of family "titan-image", a body of family "nova-canvas"`},
		{"stability id", nova("stability.sd3-5-large-v1:0"), nil, apierr.Validation, `of family "stability"`},
		{"throttled", nova("amazon.nova-canvas-v1:0"),
			func(f *fu.Bedrock) {
				f.Fail(429, "ThrottlingException", "Too many requests, please wait before trying again.")
			}, apierr.Throttling, "Too many requests"},
		{"blocked", nova("amazon.nova-canvas-v1:0"),
			func(f *fu.Bedrock) {
				f.Fail(400, "ValidationException", "This request has been blocked by our content filters. Our filters automatically flagged this prompt because it may conflict our AUP or AWS Responsible AI Policy.")
			}, apierr.Validation, "blocked by our content filters"},
		{"malformed answer", nova("amazon.nova-canvas-v1:0"), func(f *fu.Bedrock) { f.ReplyRaw(fu.BedrockRaw{Body: []byte(`{"images":[42]}`)}) },
			apierr.ModelError, "not a nova-canvas image response"},
		{"empty answer", nova("amazon.nova-canvas-v1:0"), func(f *fu.Bedrock) { f.ReplyRaw(fu.BedrockRaw{Body: []byte(`{}`)}) },
			apierr.ModelError, "not a nova-canvas image response"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake, p := setup(t)
			if tc.setup != nil {
				tc.setup(fake)
			}
			_, err := p.GenerateImage(context.Background(), tc.req)
			if apierr.KindOf(err) != tc.kind || !strings.Contains(apierr.As(err).Message, tc.want) {
				t.Errorf("err = %v, want %v containing %q", err, tc.kind, tc.want)
			}
			if tc.setup == nil && len(fake.Requests()) != 0 {
				t.Error("refused request reached Bedrock")
			}
		})
	}
}
