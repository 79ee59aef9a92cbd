package conformance

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"

	"github.com/basalt-gateway/basalt/internal/app"
	"github.com/basalt-gateway/basalt/internal/testutil/fakeupstream"
	"github.com/basalt-gateway/basalt/internal/testutil/golden"
)

const (
	imgTitanID = "amazon.titan-image-generator-v2:0"
	imgNovaID  = "amazon.nova-canvas-v1:0"
	imgSD35ID  = "stability.sd3-5-large-v1:0"
)

// imgBody reads a client request body from testdata/invoke_image.
func imgBody(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/invoke_image/" + name + ".request.json")
	if err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSpace(b)
}

func invokeImage(c *bedrockruntime.Client, model string, body []byte) (*bedrockruntime.InvokeModelOutput, error) {
	return c.InvokeModel(context.Background(), &bedrockruntime.InvokeModelInput{
		ModelId: aws.String(model), Body: body, ContentType: aws.String("application/json"), Accept: aws.String("application/json"),
	})
}

// TestInvokeImageOpenAI: Titan Image and Stability text-to-image bodies,
// routed with models: entries to an OpenAI-compatible provider, are served
// by /images/generations. The client's bodies, the upstream request and
// the answer are golden files; the images are the fake's pictures.
func TestInvokeImageOpenAI(t *testing.T) {
	fake := fakeupstream.NewOpenAI(t)
	b := start(t, app.Options{
		Providers: []app.ProviderSpec{{Name: "oa", Type: "openai", BaseURL: fake.URL, APIKey: "sk-test"}},
		Models: []app.ModelSpec{
			{ID: imgTitanID, Provider: "oa", Upstream: "gpt-image-1"},
			{ID: imgSD35ID, Provider: "oa", Upstream: "dall-e-3"},
		},
	})
	c := bedrockClient(t, b.URL, nil)
	for _, tc := range []struct {
		name, model, prompt string
		images              int
	}{
		{"titan-openai", imgTitanID, "A lighthouse on a cliff at sunset", 2},
		{"stability-openai", imgSD35ID, "A car made out of vegetables.", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := invokeImage(c, tc.model, imgBody(t, tc.name))
			if err != nil {
				t.Fatal(err)
			}
			if ct := aws.ToString(out.ContentType); ct != "application/json" {
				t.Errorf("content type %q", ct)
			}
			var m map[string]any
			if err := json.Unmarshal(out.Body, &m); err != nil {
				t.Fatal(err)
			}
			images := list(t, m["images"])
			if len(images) != tc.images {
				t.Fatalf("%d images", len(images))
			}
			resp := out.Body
			for i, s := range images {
				got, err := base64.StdEncoding.DecodeString(s.(string))
				if err != nil || !bytes.Equal(got, fakeupstream.FakeImage(tc.prompt, i, "png")) {
					t.Errorf("image %d is not the fake's picture (%v)", i, err)
				}
				// The PNG encoder's bytes are not part of the contract: the
				// golden file holds a placeholder.
				resp = bytes.Replace(resp, []byte(s.(string)), []byte("FakeImage "+strconv.Itoa(i)), 1)
			}
			golden.Assert(t, "testdata/invoke_image/"+tc.name+".response.json", golden.IndentJSON(t, resp))
			golden.Assert(t, "testdata/invoke_image/"+tc.name+".upstream.json", golden.IndentJSON(t, fake.Last().Body))
		})
	}

	// What /images/generations cannot do is refused before any call,
	// naming the task and the provider's kind.
	calls := len(fake.Requests())
	for _, tc := range []struct{ name, model, body, want string }{
		{"inpainting", imgTitanID, `{"taskType":"INPAINTING","inPaintingParams":{"image":"` + imgPNG + `","maskPrompt":"sky"}}`,
			`provider "oa" (model "gpt-image-1") is OpenAI-compatible: its /images/generations generates images from a text prompt alone, and this request has the image task "inpainting"`},
		{"negative prompt", imgTitanID, `{"taskType":"TEXT_IMAGE","textToImageParams":{"text":"a cat","negativeText":"dogs"}}`,
			"this request has a negative prompt (negativeText, negative_prompt), which it has no equivalent of"},
		{"image to image", imgSD35ID, `{"prompt":"a cat","mode":"image-to-image","image":"` + imgPNG + `","strength":0.5}`,
			`the image task "image_to_image"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := invokeImage(c, tc.model, []byte(tc.body))
			var ve *types.ValidationException
			if !errors.As(err, &ve) || !strings.Contains(ve.ErrorMessage(), tc.want) {
				t.Errorf("err = %v, want a ValidationException containing %q", err, tc.want)
			}
		})
	}
	if n := len(fake.Requests()); n != calls {
		t.Errorf("refused requests reached the upstream (%d calls)", n-calls)
	}

	// The upstream's own refusal reaches the client in Bedrock's shape.
	_, err := invokeImage(c, imgTitanID, []byte(`{"taskType":"TEXT_IMAGE","textToImageParams":{"text":"a cat"},"imageGenerationConfig":{"width":512,"height":512}}`))
	var ve *types.ValidationException
	if !errors.As(err, &ve) || !strings.Contains(ve.ErrorMessage(), "Invalid value: '512x512'") {
		t.Errorf("upstream refusal: %v", err)
	}
	fake.Fail(429, "")
	_, err = invokeImage(c, imgTitanID, []byte(`{"taskType":"TEXT_IMAGE","textToImageParams":{"text":"a cat"}}`))
	var te *types.ThrottlingException
	if !errors.As(err, &te) {
		t.Errorf("upstream 429: %v", err)
	}
}

// imgPNG is a 1x1 PNG, base64.
const imgPNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="

// TestInvokeImageBedrock: Nova Canvas, Titan Image and Stability bodies go
// through a Bedrock provider byte for byte, and Bedrock's answer comes back
// as it was.
func TestInvokeImageBedrock(t *testing.T) {
	isolateAWS(t)
	fake := fakeupstream.NewBedrock(t)
	b := start(t, app.Options{Providers: []app.ProviderSpec{bedrockSpec(fake.URL)}})
	c := bedrockClient(t, b.URL, nil)
	for _, tc := range []struct{ name, model, answer string }{
		{"nova-bedrock", imgNovaID, `{"images":["` + imgPNG + `"],"error":null}`},
		{"nova-inpainting-bedrock", "us." + imgNovaID, `{"images":["` + imgPNG + `","` + imgPNG + `"]}`},
		{"titan-background-bedrock", imgTitanID, `{"images":["` + imgPNG + `"]}`},
		{"stability-bedrock", imgSD35ID, `{"seeds":[2130420379],"finish_reasons":[null],"images":["` + imgPNG + `"]}`},
		{"stability-filtered-bedrock", "stability.stable-image-ultra-v1:1", `{"finish_reasons":["Filter reason: prompt"]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := imgBody(t, tc.name)
			fake.ReplyRaw(fakeupstream.BedrockRaw{Body: []byte(tc.answer)})
			out, err := invokeImage(c, tc.model, body)
			if err != nil {
				t.Fatal(err)
			}
			last := fake.Last()
			if !bytes.Equal(last.Body, body) || last.Path != "/model/"+tc.model+"/invoke" {
				t.Errorf("upstream got %s %s, want the client's body byte for byte", last.Path, last.Body)
			}
			if string(out.Body) != tc.answer {
				t.Errorf("answer %s, want Bedrock's %s", out.Body, tc.answer)
			}
		})
	}

	// Bedrock's own errors keep their exception.
	fake.Fail(400, "ValidationException", "This request has been blocked by our content filters.")
	_, err := invokeImage(c, imgNovaID, imgBody(t, "nova-bedrock"))
	var ve *types.ValidationException
	if !errors.As(err, &ve) || ve.ErrorMessage() != "This request has been blocked by our content filters." {
		t.Errorf("blocked: %v", err)
	}
	// An answer that is not an image response is the model's error.
	fake.ReplyRaw(fakeupstream.BedrockRaw{Body: []byte(`{"outputs":[]}`)})
	_, err = invokeImage(c, imgNovaID, imgBody(t, "nova-bedrock"))
	var me *types.ModelErrorException
	if !errors.As(err, &me) {
		t.Errorf("malformed answer: %v", err)
	}
}

// TestInvokeImageFamilyMismatch: a Bedrock route sending one family's body
// to another family's model is refused before the call.
func TestInvokeImageFamilyMismatch(t *testing.T) {
	isolateAWS(t)
	fake := fakeupstream.NewBedrock(t)
	spec := bedrockSpec(fake.URL)
	spec.ServesCatalog = false
	b := start(t, app.Options{Providers: []app.ProviderSpec{spec},
		Models: []app.ModelSpec{{ID: imgNovaID, Provider: "aws", Upstream: imgTitanID}}})
	c := bedrockClient(t, b.URL, nil)
	_, err := invokeImage(c, imgNovaID, imgBody(t, "nova-bedrock"))
	var ve *types.ValidationException
	if !errors.As(err, &ve) || !strings.Contains(ve.ErrorMessage(),
		`provider "aws" (Bedrock) would send model "amazon.titan-image-generator-v2:0", of family "titan-image", a body of family "nova-canvas"`) {
		t.Errorf("err = %v", err)
	}
	if n := len(fake.Requests()); n != 0 {
		t.Errorf("%d calls reached Bedrock", n)
	}
}

// TestInvokeImageInvalid: malformed bodies are 400 ValidationExceptions
// naming the bad field, before any provider is involved.
func TestInvokeImageInvalid(t *testing.T) {
	b := start(t, localOnly())
	c := bedrockClient(t, b.URL, nil)
	for _, tc := range []struct{ name, model, body, want string }{
		{"titan no text", imgTitanID, `{"taskType":"TEXT_IMAGE","textToImageParams":{}}`,
			"Malformed input request: #/textToImageParams: required key [text] not found"},
		{"titan unknown task", imgTitanID, `{"taskType":"TEXT_TO_IMAGE"}`, "#/taskType: TEXT_TO_IMAGE is not a valid enum value"},
		{"titan too many images", imgTitanID, `{"taskType":"TEXT_IMAGE","textToImageParams":{"text":"x"},"imageGenerationConfig":{"numberOfImages":6}}`,
			"#/imageGenerationConfig/numberOfImages: 6 is not between 1 and 5"},
		{"titan size", imgTitanID, `{"taskType":"TEXT_IMAGE","textToImageParams":{"text":"x"},"imageGenerationConfig":{"width":1000,"height":1000}}`,
			"#/imageGenerationConfig: width 1000 and height 1000 are not a supported size"},
		{"background removal config", imgTitanID, `{"taskType":"BACKGROUND_REMOVAL","backgroundRemovalParams":{"image":"` + imgPNG + `"},"imageGenerationConfig":{"numberOfImages":1}}`,
			"#: extraneous key [imageGenerationConfig] is not permitted"},
		{"nova mask", imgNovaID, `{"taskType":"INPAINTING","inPaintingParams":{"image":"` + imgPNG + `"}}`,
			"#/inPaintingParams: exactly one of [maskPrompt, maskImage] is required, found neither"},
		{"nova image data", imgNovaID, `{"taskType":"BACKGROUND_REMOVAL","backgroundRemovalParams":{"image":"aGVsbG8="}}`,
			"#/backgroundRemovalParams/image: the base64 data is not a PNG or JPEG image"},
		{"nova size", imgNovaID, `{"taskType":"TEXT_IMAGE","textToImageParams":{"text":"x"},"imageGenerationConfig":{"width":1000}}`,
			"#/imageGenerationConfig/width: 1000 is not a multiple of 16"},
		{"nova virtual try-on", imgNovaID, `{"taskType":"VIRTUAL_TRY_ON","virtualTryOnParams":{}}`,
			"taskType VIRTUAL_TRY_ON (Nova Canvas virtual try-on) is not served by this gateway yet"},
		{"stability extraneous", imgSD35ID, `{"prompt":"x","text_prompts":[{"text":"x"}]}`, "#: extraneous key [text_prompts] is not permitted"},
		{"stability image-to-image", imgSD35ID, `{"prompt":"x","mode":"image-to-image"}`,
			"#: required key [image] not found#: required key [strength] not found"},
		{"stability legacy sdxl", "stability.stable-diffusion-xl-v1", `{"text_prompts":[{"text":"x"}]}`, "is Stability's legacy SDXL"},
		{"stability service", "stability.stable-image-remove-background-v1:0", `{"image":"` + imgPNG + `"}`,
			"is not one of the Stability models this gateway serves on InvokeModel"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := invokeImage(c, tc.model, []byte(tc.body))
			var ve *types.ValidationException
			var re interface{ HTTPStatusCode() int }
			if !errors.As(err, &ve) || !strings.Contains(ve.ErrorMessage(), tc.want) {
				t.Fatalf("err = %v, want a ValidationException containing %q", err, tc.want)
			}
			if !errors.As(err, &re) || re.HTTPStatusCode() != 400 {
				t.Errorf("status = %v", err)
			}
		})
	}
	// Streaming an image model is refused.
	_, err := c.InvokeModelWithResponseStream(context.Background(), &bedrockruntime.InvokeModelWithResponseStreamInput{
		ModelId: aws.String(imgNovaID), Body: imgBody(t, "nova-bedrock")})
	var ve *types.ValidationException
	if !errors.As(err, &ve) || !strings.Contains(ve.ErrorMessage(), "InvokeModelWithResponseStream does not serve") {
		t.Errorf("stream: %v", err)
	}
}

// TestInvokeImageNoProvider: with nothing that can generate images, the
// client hears what to configure.
func TestInvokeImageNoProvider(t *testing.T) {
	b := start(t, localOnly())
	c := bedrockClient(t, b.URL, nil)
	_, err := invokeImage(c, imgNovaID, imgBody(t, "nova-bedrock"))
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) || !strings.Contains(nf.ErrorMessage(), `Model "amazon.nova-canvas-v1:0" is a Bedrock model, but no provider serves it here`) ||
		!strings.Contains(nf.ErrorMessage(), "Image models need a provider that generates images: a Bedrock provider") ||
		!strings.Contains(nf.ErrorMessage(), `an OpenAI-compatible provider whose /images/generations serves the model (text-to-image only), mapped with a models entry`) {
		t.Errorf("unrouted: %v", err)
	}

	// Routed to the local provider, which draws nothing.
	b = start(t, app.Options{Providers: []app.ProviderSpec{{Name: "local", Type: "local"}},
		Models: []app.ModelSpec{{ID: imgNovaID, Provider: "local", Upstream: "basalt-test"}}})
	c = bedrockClient(t, b.URL, nil)
	_, err = invokeImage(c, imgNovaID, imgBody(t, "nova-bedrock"))
	var ve *types.ValidationException
	if !errors.As(err, &ve) || !strings.Contains(ve.ErrorMessage(), `model "amazon.nova-canvas-v1:0" is served by provider "local", which cannot generate images`) {
		t.Errorf("local: %v", err)
	}
}
