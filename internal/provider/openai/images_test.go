package openai

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/gateway"
	"github.com/basalt-gateway/basalt/internal/testutil/fakeupstream"
)

var (
	_ gateway.ImageGenerator = (*Provider)(nil)
	_ gateway.ImageChecker   = (*Provider)(nil)
)

func f64(v float64) *float64 { return &v }
func i64(v int64) *int64     { return &v }

// TestGenerateImageAgainstFake: the canonical request becomes OpenAI's
// images body, and the fake's pictures come back decoded.
func TestGenerateImageAgainstFake(t *testing.T) {
	for _, tc := range []struct {
		name   string
		req    canon.ImageRequest
		body   string
		format string
		tokens int
		// err is the upstream's refusal, when the fake refuses as OpenAI does.
		err string
	}{
		{name: "gpt-image with Titan's fields", req: canon.ImageRequest{Model: "gpt-image-1", Task: canon.ImageTextToImage, Prompt: "a lighthouse",
			Count: 2, Width: 1536, Height: 1024, Quality: "premium", Seed: i64(42), CfgScale: f64(8)},
			body: `{"model":"gpt-image-1","prompt":"a lighthouse","n":2,"size":"1536x1024","quality":"high"}`, format: "png", tokens: 12},
		{name: "dall-e-3 premium", req: canon.ImageRequest{Model: "dall-e-3", Task: canon.ImageTextToImage, Prompt: "a fox", Quality: "premium", Width: 1024},
			body: `{"model":"dall-e-3","prompt":"a fox","size":"1024x1024","quality":"hd","response_format":"b64_json"}`, format: "png"},
		{name: "gpt-image jpeg", req: canon.ImageRequest{Model: "gpt-image-1", Task: canon.ImageTextToImage, Prompt: "a panda", OutputFormat: "jpeg", Quality: "standard"},
			body: `{"model":"gpt-image-1","prompt":"a panda","output_format":"jpeg"}`, format: "jpeg", tokens: 7},
		{name: "stability aspect ratio", req: canon.ImageRequest{Model: "gpt-image-1", Task: canon.ImageTextToImage, Prompt: "a panda", AspectRatio: "16:9"},
			body: `{"model":"gpt-image-1","prompt":"a panda","size":"1344x768"}`,
			err:  "Invalid value: '1344x768'. Supported values are: '1024x1024', '1024x1536', '1536x1024', and 'auto'."},
		{name: "compatible server, no size", req: canon.ImageRequest{Model: "sdxl-turbo", Task: canon.ImageTextToImage, Prompt: "a cat", OutputFormat: "png"},
			body: `{"model":"sdxl-turbo","prompt":"a cat","response_format":"b64_json"}`, format: "png"},
		{name: "compatible server, one side", req: canon.ImageRequest{Model: "sdxl-turbo", Task: canon.ImageTextToImage, Prompt: "a cat", Height: 512, Count: 3},
			body: `{"model":"sdxl-turbo","prompt":"a cat","n":3,"size":"1024x512","response_format":"b64_json"}`, format: "png"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := fakeupstream.NewOpenAI(t)
			p := newProvider(t, fake)
			if err := p.CanGenerateImage(&tc.req); err != nil {
				t.Fatal(err)
			}
			resp, err := p.GenerateImage(context.Background(), &tc.req)
			checkUpstream(t, fake, "/v1/images/generations", tc.body)
			if tc.err != "" {
				if apierr.KindOf(err) != apierr.Validation || apierr.As(err).Message != tc.err {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			n := max(tc.req.Count, 1)
			if len(resp.Images) != n {
				t.Fatalf("%d images", len(resp.Images))
			}
			for i, img := range resp.Images {
				if !bytes.Equal(img, fakeupstream.FakeImage(tc.req.Prompt, i, tc.format)) {
					t.Errorf("image %d differs", i)
				}
			}
			if tc.tokens != 0 && (resp.InputTokens != tc.tokens || resp.OutputTokens != 1056*n) {
				t.Errorf("usage %d/%d", resp.InputTokens, resp.OutputTokens)
			}
		})
	}
}

// checkUpstream checks the last request the fake received: POST path with
// the test key and body want.
func checkUpstream(t *testing.T, fake *fakeupstream.OpenAI, path, want string) {
	t.Helper()
	got := fake.Last()
	if got.Path != path || got.Header.Get("Authorization") != "Bearer "+testKey {
		t.Errorf("request %s %v", got.Path, got.Header)
	}
	if string(got.Body) != want {
		t.Errorf("upstream body\n got %s\nwant %s", got.Body, want)
	}
}

// TestGenerateImageRefusals: what /images/generations cannot do is refused
// before any call, naming what is in the way.
func TestGenerateImageRefusals(t *testing.T) {
	fake := fakeupstream.NewOpenAI(t)
	p := newProvider(t, fake)
	text := func(mod func(*canon.ImageRequest)) *canon.ImageRequest {
		r := &canon.ImageRequest{Model: "gpt-image-1", Task: canon.ImageTextToImage, Prompt: "x"}
		mod(r)
		return r
	}
	for _, tc := range []struct {
		name string
		req  *canon.ImageRequest
		want string
	}{
		{"inpainting", text(func(r *canon.ImageRequest) { r.Task = canon.ImageInpainting }), `the image task "inpainting"`},
		{"image to image", text(func(r *canon.ImageRequest) { r.Task = canon.ImageToImage }), `the image task "image_to_image"`},
		{"negative prompt", text(func(r *canon.ImageRequest) { r.NegativePrompt = "dogs" }), "a negative prompt (negativeText, negative_prompt)"},
		{"condition image", text(func(r *canon.ImageRequest) { r.Reference = []byte("\x89PNG") }), "a conditioning image"},
		{"style", text(func(r *canon.ImageRequest) { r.Style = "MAXIMALISM" }), `the style "MAXIMALISM"`},
		{"no prompt", text(func(r *canon.ImageRequest) { r.Prompt = "" }), "no prompt"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := p.GenerateImage(context.Background(), tc.req)
			msg := apierr.As(err).Message
			if apierr.KindOf(err) != apierr.Validation || !strings.Contains(msg, tc.want) || !strings.Contains(msg, "OpenAI-compatible") {
				t.Errorf("err = %v", err)
			}
		})
	}
	if n := len(fake.Requests()); n != 0 {
		t.Errorf("%d upstream calls", n)
	}
}

func TestGenerateImageErrors(t *testing.T) {
	ok := func(model string) *canon.ImageRequest {
		return &canon.ImageRequest{Model: model, Task: canon.ImageTextToImage, Prompt: "a cat"}
	}
	for _, tc := range []struct {
		name  string
		setup func(*fakeupstream.OpenAI)
		req   *canon.ImageRequest
		kind  apierr.Kind
		want  string
	}{
		{"throttled", func(f *fakeupstream.OpenAI) { f.Fail(429, "") }, ok("gpt-image-1"), apierr.Throttling, "Rate limit reached"},
		{"unknown model", func(f *fakeupstream.OpenAI) { f.Fail(404, "") }, ok("gpt-image-9"), apierr.NotFound, "does not exist"},
		{"content policy", func(f *fakeupstream.OpenAI) {
			f.Fail(400, fakeupstream.OpenAIError{Message: "Your request was rejected as a result of our safety system.",
				Type: "image_generation_user_error", Code: "content_policy_violation"}.Body())
		}, ok("dall-e-3"), apierr.Validation, "safety system"},
		{"dall-e-3 n", nil, &canon.ImageRequest{Model: "dall-e-3", Task: canon.ImageTextToImage, Prompt: "a", Count: 2}, apierr.Validation, "n=1"},
		{"wrong key", func(f *fakeupstream.OpenAI) { f.RequireAPIKey("sk-other") }, ok("gpt-image-1"), apierr.AccessDenied, "refused the credentials"},
		{"url answer", func(f *fakeupstream.OpenAI) {
			f.Raw(200, "application/json", []byte(`{"created":1,"data":[{"url":"https://example.invalid/a.png"}]}`))
		}, ok("some-model"), apierr.ModelError, "image URL instead of base64"},
		{"not base64", func(f *fakeupstream.OpenAI) {
			f.Raw(200, "application/json", []byte(`{"created":1,"data":[{"b64_json":"%%"}]}`))
		},
			ok("gpt-image-1"), apierr.ModelError, "not base64"},
		{"no images", func(f *fakeupstream.OpenAI) { f.Raw(200, "application/json", []byte(`{"created":1,"data":[]}`)) },
			ok("gpt-image-1"), apierr.ModelError, "no images"},
		{"not json", func(f *fakeupstream.OpenAI) { f.Raw(200, "application/json", []byte(`<html>`)) },
			ok("gpt-image-1"), apierr.ModelError, "not an images response"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := fakeupstream.NewOpenAI(t)
			if tc.setup != nil {
				tc.setup(fake)
			}
			p := newProvider(t, fake)
			_, err := p.GenerateImage(context.Background(), tc.req)
			if apierr.KindOf(err) != tc.kind || !strings.Contains(apierr.As(err).Message, tc.want) {
				t.Errorf("err = %v, want %v containing %q", err, tc.kind, tc.want)
			}
			if strings.Contains(err.Error(), testKey) {
				t.Error("the API key leaked into the error")
			}
		})
	}
}

func FuzzDecodeImages(f *testing.F) {
	f.Add([]byte(`{"created":1,"data":[{"b64_json":"aGk="}],"usage":{"input_tokens":3,"output_tokens":4}}`))
	f.Add([]byte(`{"created":1,"data":[{"url":"https://example.invalid/a.png","revised_prompt":"x"}]}`))
	f.Add([]byte(`{"data":[]}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		r, err := decodeImages("p", in)
		if err != nil {
			if apierr.KindOf(err) != apierr.ModelError {
				t.Fatalf("error %v", err)
			}
			return
		}
		if len(r.Images) == 0 {
			t.Fatal("accepted an answer without images")
		}
	})
}
