package openai

import (
	"context"
	"errors"
	"testing"

	sdk "github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	"github.com/basalt-gateway/basalt/internal/testutil/fakeupstream"
)

// TestFakeSpeaksSDKWire checks the fake with the official openai-go client,
// so the provider tests above stand on the real wire format and not on a
// dialect the fake and the provider happen to share.
func TestFakeSpeaksSDKWire(t *testing.T) {
	reply := fakeupstream.OpenAIReply{
		Text: "Checking both. ☀️",
		ToolCalls: []fakeupstream.OpenAIToolCall{
			{ID: "call_1", Name: "get_weather", Arguments: `{"city":"Paris"}`},
			{ID: "call_2", Name: "get_time", Arguments: `{"tz":"Asia/Tokyo"}`},
		},
		InterleaveToolCalls: true, FragmentSize: 2,
		Usage: &fakeupstream.OpenAIUsage{PromptTokens: 50, CompletionTokens: 20, CachedTokens: 32},
	}
	fake := fakeupstream.NewOpenAI(t)
	fake.RequireAPIKey("sk-fake")
	fake.Reply(reply)
	client := sdk.NewClient(option.WithBaseURL(fake.URL+"/"), option.WithAPIKey("sk-fake"),
		option.WithHTTPClient(fake.Client()), option.WithMaxRetries(0))
	params := sdk.ChatCompletionNewParams{Model: "gpt-4o", Messages: []sdk.ChatCompletionMessageParamUnion{sdk.UserMessage("Hi")}}
	ctx := context.Background()

	check := func(t *testing.T, cc *sdk.ChatCompletion) {
		t.Helper()
		if len(cc.Choices) != 1 {
			t.Fatalf("%d choices", len(cc.Choices))
		}
		ch := cc.Choices[0]
		if ch.Message.Content != reply.Text || ch.FinishReason != "tool_calls" || len(ch.Message.ToolCalls) != 2 {
			t.Fatalf("choice %+v", ch)
		}
		for i, tc := range ch.Message.ToolCalls {
			if tc.ID != reply.ToolCalls[i].ID || tc.Function.Name != reply.ToolCalls[i].Name || tc.Function.Arguments != reply.ToolCalls[i].Arguments {
				t.Errorf("tool call %d = %+v", i, tc)
			}
		}
		if cc.Usage.PromptTokens != 50 || cc.Usage.CompletionTokens != 20 || cc.Usage.PromptTokensDetails.CachedTokens != 32 {
			t.Errorf("usage %+v", cc.Usage)
		}
	}

	t.Run("unary", func(t *testing.T) {
		cc, err := client.Chat.Completions.New(ctx, params)
		if err != nil {
			t.Fatal(err)
		}
		check(t, cc)
	})
	t.Run("stream", func(t *testing.T) {
		p := params
		p.StreamOptions = sdk.ChatCompletionStreamOptionsParam{IncludeUsage: sdk.Bool(true)}
		stream := client.Chat.Completions.NewStreaming(ctx, p)
		defer stream.Close()
		var acc sdk.ChatCompletionAccumulator
		for stream.Next() {
			if !acc.AddChunk(stream.Current()) {
				t.Fatal("the SDK accumulator refused a chunk")
			}
		}
		if err := stream.Err(); err != nil {
			t.Fatal(err)
		}
		check(t, &acc.ChatCompletion)
	})
	t.Run("errors", func(t *testing.T) {
		fake.Fail(429, "")
		_, err := client.Chat.Completions.New(ctx, params)
		var ae *sdk.Error
		if !errors.As(err, &ae) || ae.StatusCode != 429 || ae.Code != "rate_limit_exceeded" || ae.Type != "requests" {
			t.Fatalf("err = %v", err)
		}
		fake.Reply(fakeupstream.OpenAIReply{Text: "x", StreamError: &fakeupstream.OpenAIError{Message: "boom", Type: "server_error"}})
		stream := client.Chat.Completions.NewStreaming(ctx, params)
		defer stream.Close()
		for stream.Next() {
		}
		if stream.Err() == nil {
			t.Fatal("the SDK did not see the mid-stream error")
		}
	})
}
