package bedrock_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"testing"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
	fu "github.com/basalt-gateway/basalt/internal/testutil/fakeupstream"
)

func countReq(model string) *canon.Request {
	max := 100
	return &canon.Request{
		Model:     model,
		System:    []canon.Block{canon.TextBlock("Be brief.")},
		Messages:  []canon.Message{userText("What is the weather in Paris?")},
		Inference: canon.InferenceConfig{MaxTokens: &max}, // not part of CountTokens' converse input
		Tools: &canon.ToolConfig{Tools: []canon.Tool{{Name: "get_weather", Description: "Current weather",
			InputSchema: json.RawMessage(`{"type":"object","properties":{"city":{"type":"string"}}}`)}}},
		Reasoning: &canon.ReasoningConfig{BudgetTokens: 2048},
	}
}

// TestCountTokens checks the CountTokens call that reaches Bedrock: its
// path (a profile id becomes its base model) and its converse input.
func TestCountTokens(t *testing.T) {
	for _, c := range []struct{ model, path string }{
		{"anthropic.claude-sonnet-4-20250514-v1:0", "/model/anthropic.claude-sonnet-4-20250514-v1:0/count-tokens"},
		{claude, "/model/anthropic.claude-sonnet-4-20250514-v1:0/count-tokens"},
		// The fake records the path unescaped (the SDK sends the ARN's / as %2F).
		{"arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-4-20250514-v1:0",
			"/model/arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-4-20250514-v1:0/count-tokens"},
	} {
		fake, p := setup(t)
		fake.ReplyRaw(fu.BedrockRaw{Body: []byte(`{"inputTokens":42}`)})
		n, err := p.CountTokens(context.Background(), countReq(c.model))
		if err != nil || n != 42 {
			t.Fatalf("%s: %d, %v", c.model, n, err)
		}
		last := fake.Last()
		if last.Path != c.path {
			t.Errorf("%s: path %s, want %s", c.model, last.Path, c.path)
		}
		checkGolden(t, filepath.Join("testdata", "counttokens", "request.json"), last.Body)
	}
}

func TestCountTokensUnsupported(t *testing.T) {
	fake, p := setup(t)
	// Bedrock counts Claude models only: others are refused without a call.
	_, err := p.CountTokens(context.Background(), countReq("amazon.nova-lite-v1:0"))
	if !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("nova: %v", err)
	}
	if n := len(fake.Requests()); n != 0 {
		t.Errorf("%d requests reached Bedrock", n)
	}
	// A Claude model Bedrock cannot count.
	fake.Fail(400, "ValidationException", "The provided model doesn't support counting tokens.")
	_, err = p.CountTokens(context.Background(), countReq(claude))
	if !errors.Is(err, errors.ErrUnsupported) || apierr.KindOf(err) != apierr.Validation {
		t.Errorf("refused model: %v", err)
	}
}

func TestCountTokensErrors(t *testing.T) {
	for _, c := range []struct {
		status int
		code   string
		kind   apierr.Kind
	}{
		{429, "ThrottlingException", apierr.Throttling},
		{403, "AccessDeniedException", apierr.AccessDenied},
		{404, "ResourceNotFoundException", apierr.NotFound},
		{400, "ValidationException", apierr.Validation},
		{503, "ServiceUnavailableException", apierr.Unavailable},
	} {
		fake, p := setup(t)
		fake.Fail(c.status, c.code, "upstream says no")
		_, err := p.CountTokens(context.Background(), countReq(claude))
		if apierr.KindOf(err) != c.kind || errors.Is(err, errors.ErrUnsupported) || apierr.As(err).Message != "upstream says no" {
			t.Errorf("%s: %v", c.code, err)
		}
	}
	// An answer without inputTokens is the model's error, not a zero.
	fake, p := setup(t)
	fake.ReplyRaw(fu.BedrockRaw{Body: []byte(`{}`)})
	if _, err := p.CountTokens(context.Background(), countReq(claude)); apierr.KindOf(err) != apierr.ModelError {
		t.Errorf("no inputTokens: %v", err)
	}
}
