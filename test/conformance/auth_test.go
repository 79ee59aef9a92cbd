package conformance

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/anthropics/anthropic-sdk-go"
	anthropicoption "github.com/anthropics/anthropic-sdk-go/option"
	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
)

// TestAPIKeys: with auth.api_keys set, every surface wants a key and
// answers a missing or wrong one in its own error shape.
func TestAPIKeys(t *testing.T) {
	opts := localOnly()
	opts.APIKeys = []string{"sk-basalt-1", "sk-basalt-2"}
	b := start(t, opts)
	ctx := context.Background()

	oa := func(key string) *openai.Client {
		c := openai.NewClient(option.WithBaseURL(b.URL+"/v1"), option.WithAPIKey(key), option.WithMaxRetries(0))
		return &c
	}
	chat := openai.ChatCompletionNewParams{Model: "basalt-test", Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")}}
	if _, err := oa("sk-basalt-2").Chat.Completions.New(ctx, chat); err != nil {
		t.Fatalf("openai with a good key: %v", err)
	}
	_, err := oa("wrong").Chat.Completions.New(ctx, chat)
	var oe *openai.Error
	if !errors.As(err, &oe) || oe.StatusCode != 401 || oe.Code != "invalid_api_key" {
		t.Fatalf("openai with a wrong key: %v", err)
	}

	an := func(key string) *anthropic.Client {
		c := anthropic.NewClient(anthropicoption.WithBaseURL(b.URL), anthropicoption.WithAPIKey(key), anthropicoption.WithMaxRetries(0))
		return &c
	}
	msg := anthropic.MessageNewParams{Model: "basalt-test", MaxTokens: 64, Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("hi"))}}
	if _, err := an("sk-basalt-1").Messages.New(ctx, msg); err != nil {
		t.Fatalf("anthropic with a good key (x-api-key): %v", err)
	}
	_, err = an("wrong").Messages.New(ctx, msg)
	var ae *anthropic.Error
	if !errors.As(err, &ae) || ae.StatusCode != 401 || !strings.Contains(ae.RawJSON(), "authentication_error") {
		t.Fatalf("anthropic with a wrong key: %v", err)
	}

	body := `{"messages":[{"role":"user","content":[{"text":"hi"}]}]}`
	post := func(auth string) (*http.Response, string) {
		req, _ := http.NewRequest("POST", b.URL+"/model/basalt-test/converse", strings.NewReader(body))
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		return resp, string(out)
	}
	if resp, out := post("Bearer sk-basalt-1"); resp.StatusCode != 200 {
		t.Fatalf("bedrock with a bearer key: %d %s", resp.StatusCode, out)
	}
	if resp, out := post(""); resp.StatusCode != 403 || !strings.HasPrefix(resp.Header.Get("X-Amzn-Errortype"), "AccessDeniedException") {
		t.Fatalf("bedrock without a key: %d %s", resp.StatusCode, out)
	}
	if resp, out := post("AWS4-HMAC-SHA256 Credential=AKID/20261125/us-east-1/bedrock/aws4_request, SignedHeaders=host, Signature=00"); resp.StatusCode != 403 || !strings.Contains(out, "SigV4") {
		t.Fatalf("bedrock with SigV4: %d %s", resp.StatusCode, out)
	}
	resp, err := http.Get(b.URL + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz must stay open: %v %v", resp, err)
	}
	resp.Body.Close()
}
