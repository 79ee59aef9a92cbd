package conformance

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/shared"

	"github.com/basalt-gateway/basalt/internal/app"
	"github.com/basalt-gateway/basalt/internal/testutil/fakeupstream"
)

// openaiClient is openai-go pointed at Basalt, as a user configures it.
func openaiClient(t *testing.T, url string) openai.Client {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return openai.NewClient(option.WithBaseURL(url+"/v1"), option.WithAPIKey("x"), option.WithMaxRetries(0),
		option.WithHTTPClient(&http.Client{Transport: tr, Timeout: 30 * time.Second}))
}

func chatParams(model string, msgs ...openai.ChatCompletionMessageParamUnion) openai.ChatCompletionNewParams {
	return openai.ChatCompletionNewParams{Model: model, Messages: msgs}
}

// accumulate reads a stream to its end with openai-go's accumulator.
func accumulate(t *testing.T, c openai.Client, p openai.ChatCompletionNewParams) (openai.ChatCompletion, []openai.ChatCompletionChunk, error) {
	t.Helper()
	s := c.Chat.Completions.NewStreaming(context.Background(), p)
	defer s.Close()
	var acc openai.ChatCompletionAccumulator
	var chunks []openai.ChatCompletionChunk
	for s.Next() {
		ch := s.Current()
		if !acc.AddChunk(ch) {
			t.Fatalf("the accumulator refused chunk %s", ch.RawJSON())
		}
		chunks = append(chunks, ch)
	}
	return acc.ChatCompletion, chunks, s.Err()
}

func weatherFn() openai.ChatCompletionToolUnionParam {
	return openai.ChatCompletionFunctionTool(shared.FunctionDefinitionParam{
		Name:        "get_weather",
		Description: openai.String("Current weather"),
		Parameters: shared.FunctionParameters{"type": "object",
			"properties": map[string]any{"city": map[string]any{"type": "string"}}, "required": []string{"city"}},
	})
}

func TestChatLocal(t *testing.T) {
	b := start(t, localOnly())
	c := openaiClient(t, b.URL)
	ctx := context.Background()

	t.Run("plain", func(t *testing.T) {
		out, err := c.Chat.Completions.New(ctx, chatParams("basalt-test", openai.SystemMessage("Be brief."), openai.UserMessage("hello there")))
		if err != nil {
			t.Fatal(err)
		}
		if out.Object != "chat.completion" || !strings.HasPrefix(out.ID, "chatcmpl-") || out.Model != "basalt-test" || out.Created == 0 {
			t.Errorf("envelope: id %q object %q model %q created %d", out.ID, out.Object, out.Model, out.Created)
		}
		ch := out.Choices[0]
		if ch.Message.Content != "You said: hello there" || ch.FinishReason != "stop" || ch.Message.Role != "assistant" {
			t.Errorf("choice = %+v", ch)
		}
		if out.Usage.TotalTokens == 0 || out.Usage.TotalTokens != out.Usage.PromptTokens+out.Usage.CompletionTokens {
			t.Errorf("usage = %+v", out.Usage)
		}
	})

	t.Run("mantle alias", func(t *testing.T) {
		c2 := openai.NewClient(option.WithBaseURL(b.URL+"/openai/v1"), option.WithAPIKey("x"), option.WithMaxRetries(0))
		out, err := c2.Chat.Completions.New(ctx, chatParams("basalt-test", openai.UserMessage("alias")))
		if err != nil {
			t.Fatal(err)
		}
		if out.Choices[0].Message.Content != "You said: alias" {
			t.Errorf("content = %q", out.Choices[0].Message.Content)
		}
	})

	t.Run("streaming", func(t *testing.T) {
		p := chatParams("basalt-test", openai.UserMessage("one two three four"))
		p.StreamOptions = openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)}
		acc, chunks, err := accumulate(t, c, p)
		if err != nil {
			t.Fatal(err)
		}
		if got := acc.Choices[0].Message.Content; got != "You said: one two three four" {
			t.Errorf("content = %q", got)
		}
		if acc.Choices[0].FinishReason != "stop" {
			t.Errorf("finish = %q", acc.Choices[0].FinishReason)
		}
		if chunks[0].Choices[0].Delta.Role != "assistant" {
			t.Errorf("first chunk %s has no role", chunks[0].RawJSON())
		}
		last := chunks[len(chunks)-1]
		if len(last.Choices) != 0 || last.Usage.TotalTokens == 0 {
			t.Errorf("last chunk %s is not the usage chunk", last.RawJSON())
		}
		for _, ch := range chunks[:len(chunks)-1] {
			if ch.JSON.Usage.Valid() && ch.Usage.TotalTokens != 0 {
				t.Errorf("usage before the usage chunk: %s", ch.RawJSON())
			}
		}
	})

	t.Run("streaming without include_usage", func(t *testing.T) {
		_, chunks, err := accumulate(t, c, chatParams("basalt-test", openai.UserMessage("hi")))
		if err != nil {
			t.Fatal(err)
		}
		for _, ch := range chunks {
			if len(ch.Choices) == 0 || ch.Usage.TotalTokens != 0 {
				t.Errorf("unexpected usage chunk %s", ch.RawJSON())
			}
		}
	})

	t.Run("tool call by basalt-test, required", func(t *testing.T) {
		p := chatParams("basalt-test", openai.UserMessage(`weather please {"city":"Paris"}`))
		p.Tools = []openai.ChatCompletionToolUnionParam{weatherFn()}
		p.ToolChoice = openai.ChatCompletionToolChoiceOptionUnionParam{OfAuto: openai.String("required")}
		out, err := c.Chat.Completions.New(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		ch := out.Choices[0]
		if ch.FinishReason != "tool_calls" || len(ch.Message.ToolCalls) != 1 {
			t.Fatalf("choice = %s", ch.RawJSON())
		}
		tc := ch.Message.ToolCalls[0]
		if tc.Function.Name != "get_weather" || tc.Function.Arguments != `{"city":"Paris"}` || tc.ID == "" {
			t.Errorf("tool call = %s", tc.RawJSON())
		}
		// Round trip: the answer replayed with the tool's result.
		p.Messages = append(p.Messages, ch.Message.ToParam(), openai.ToolMessage("18C and sunny", tc.ID))
		p.ToolChoice = openai.ChatCompletionToolChoiceOptionUnionParam{OfAuto: openai.String("auto")}
		out, err = c.Chat.Completions.New(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if got := out.Choices[0].Message.Content; got != "Tool get_weather returned: 18C and sunny" {
			t.Errorf("content = %q", got)
		}
	})

	t.Run("errors", func(t *testing.T) {
		for _, tc := range []struct {
			name   string
			params openai.ChatCompletionNewParams
			status int
			msg    string
			typ    string
		}{
			{"throttled", chatParams("basalt-test", openai.UserMessage("basalt-test:error:ThrottlingException")), 429, "", "rate_limit_error"},
			{"unavailable", chatParams("basalt-test", openai.UserMessage("basalt-test:error:ServiceUnavailableException")), 503, "", "server_error"},
			{"unknown model", chatParams("no-such-model", openai.UserMessage("hi")), 404, "no-such-model", "invalid_request_error"},
			{"n > 1", func() openai.ChatCompletionNewParams {
				p := chatParams("basalt-test", openai.UserMessage("hi"))
				p.N = openai.Int(2)
				return p
			}(), 400, "n = 2 is not supported", "invalid_request_error"},
			{"logprobs", func() openai.ChatCompletionNewParams {
				p := chatParams("basalt-test", openai.UserMessage("hi"))
				p.Logprobs = openai.Bool(true)
				return p
			}(), 400, "logprobs is not supported", "invalid_request_error"},
			{"bad tool name", func() openai.ChatCompletionNewParams {
				p := chatParams("basalt-test", openai.UserMessage("hi"))
				p.Tools = []openai.ChatCompletionToolUnionParam{openai.ChatCompletionFunctionTool(shared.FunctionDefinitionParam{Name: "get weather!"})}
				return p
			}(), 400, "get weather!", "invalid_request_error"},
			{"unknown argument", func() openai.ChatCompletionNewParams {
				p := chatParams("basalt-test", openai.UserMessage("hi"))
				p.SetExtraFields(map[string]any{"frobnicate": true})
				return p
			}(), 400, "frobnicate", "invalid_request_error"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				for _, stream := range []bool{false, true} {
					var err error
					if stream {
						s := c.Chat.Completions.NewStreaming(ctx, tc.params)
						for s.Next() {
						}
						err = s.Err()
						_ = s.Close()
					} else {
						_, err = c.Chat.Completions.New(ctx, tc.params)
					}
					var oe *openai.Error
					if !errors.As(err, &oe) {
						t.Fatalf("stream %v: err = %v (%T), want *openai.Error", stream, err, err)
					}
					if oe.StatusCode != tc.status || !strings.Contains(oe.Message, tc.msg) || oe.Type != tc.typ {
						t.Errorf("stream %v: status %d type %q message %q; want %d %q containing %q", stream, oe.StatusCode, oe.Type, oe.Message, tc.status, tc.typ, tc.msg)
					}
				}
			})
		}
	})

	t.Run("mid-stream failure", func(t *testing.T) {
		acc, chunks, err := accumulate(t, c, chatParams("basalt-test", openai.UserMessage("basalt-test:error-after-start:ModelStreamErrorException and more words")))
		if err == nil {
			t.Fatalf("stream ended without error: %+v", acc)
		}
		if len(chunks) == 0 {
			t.Errorf("no chunk before the error")
		}
		if !strings.Contains(err.Error(), "error") {
			t.Errorf("err = %v", err)
		}
	})
}

// openaiFake starts Basalt in front of the fake OpenAI API, routing
// test-model to it.
func openaiFake(t *testing.T) (*basalt, *fakeupstream.OpenAI) {
	t.Helper()
	fake := fakeupstream.NewOpenAI(t)
	return start(t, routeTo(app.ProviderSpec{Name: "oa", Type: "openai", BaseURL: fake.URL, APIKey: "sk-test"})), fake
}

func TestChatThroughOpenAIUpstream(t *testing.T) {
	b, fake := openaiFake(t)
	c := openaiClient(t, b.URL)
	ctx := context.Background()

	t.Run("parallel tool calls streamed equal unary", func(t *testing.T) {
		reply := fakeupstream.OpenAIReply{ToolCalls: []fakeupstream.OpenAIToolCall{
			{ID: "call_a", Name: "get_weather", Arguments: `{"city":"Paris","unit":"celsius"}`},
			{ID: "call_b", Name: "get_weather", Arguments: `{"city":"Tokyo","unit":"celsius"}`},
		}, FragmentSize: 3, InterleaveToolCalls: true}
		p := chatParams("test-model", openai.UserMessage("weather in Paris and Tokyo"))
		p.Tools = []openai.ChatCompletionToolUnionParam{weatherFn()}
		p.ToolChoice = openai.ChatCompletionToolChoiceOptionUnionParam{OfAuto: openai.String("required")}
		p.ParallelToolCalls = openai.Bool(true)

		fake.Reply(reply)
		unary, err := c.Chat.Completions.New(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		body := lastBody(t, &fake.Recorder)
		fn := obj(t, obj(t, list(t, body["tools"])[0])["function"])
		if fn["name"] != "get_weather" || body["tool_choice"] != "required" {
			t.Errorf("tools did not reach the upstream: %s", fake.Last().Body)
		}

		fake.Reply(reply)
		streamed, chunks, err := accumulate(t, c, p)
		if err != nil {
			t.Fatal(err)
		}
		want, got := unary.Choices[0].Message.ToolCalls, streamed.Choices[0].Message.ToolCalls
		if len(want) != 2 || len(got) != 2 {
			t.Fatalf("tool calls: unary %d, streamed %d", len(want), len(got))
		}
		for i := range want {
			if want[i].ID != got[i].ID || want[i].Function.Name != got[i].Function.Name || want[i].Function.Arguments != got[i].Function.Arguments {
				t.Errorf("call %d: unary %s, streamed %s", i, want[i].RawJSON(), got[i].RawJSON())
			}
		}
		if want[0].ID != "call_a" || want[1].ID != "call_b" || want[1].Function.Arguments != `{"city":"Tokyo","unit":"celsius"}` {
			t.Errorf("unary calls = %v", want)
		}
		if streamed.Choices[0].FinishReason != "tool_calls" || unary.Choices[0].FinishReason != "tool_calls" {
			t.Errorf("finish reasons: %q %q", unary.Choices[0].FinishReason, streamed.Choices[0].FinishReason)
		}
		// Per-call indexes 0 and 1, id and name only on each call's first fragment.
		firsts := map[int64]int{}
		for _, ch := range chunks {
			for _, choice := range ch.Choices {
				for _, tc := range choice.Delta.ToolCalls {
					if tc.ID != "" {
						firsts[tc.Index]++
						if tc.Function.Name != "get_weather" || tc.Type != "function" {
							t.Errorf("first fragment %s lacks name or type", tc.RawJSON())
						}
					} else if tc.Function.Name != "" {
						t.Errorf("later fragment %s repeats the name", tc.RawJSON())
					}
				}
			}
		}
		if firsts[0] != 1 || firsts[1] != 1 || len(firsts) != 2 {
			t.Errorf("first fragments by index = %v", firsts)
		}
	})

	t.Run("tool round trip keeps ids", func(t *testing.T) {
		fake.Reply(fakeupstream.OpenAIReply{Text: "Paris is sunny."})
		p := chatParams("test-model",
			openai.UserMessage("weather?"),
			openai.ChatCompletionMessageParamUnion{OfAssistant: &openai.ChatCompletionAssistantMessageParam{
				Content: openai.ChatCompletionAssistantMessageParamContentUnion{OfString: openai.String("")},
				ToolCalls: []openai.ChatCompletionMessageToolCallUnionParam{
					{OfFunction: &openai.ChatCompletionMessageFunctionToolCallParam{ID: "call_xyz", Function: openai.ChatCompletionMessageFunctionToolCallFunctionParam{Name: "get_weather", Arguments: `{"city":"Paris"}`}}},
					{OfFunction: &openai.ChatCompletionMessageFunctionToolCallParam{ID: "call_abc", Function: openai.ChatCompletionMessageFunctionToolCallFunctionParam{Name: "get_weather", Arguments: `{"city":"Lyon"}`}}},
				}}},
			openai.ToolMessage("sunny", "call_xyz"),
			openai.ToolMessage("rainy", "call_abc"))
		p.Tools = []openai.ChatCompletionToolUnionParam{weatherFn()}
		out, err := c.Chat.Completions.New(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if out.Choices[0].Message.Content != "Paris is sunny." {
			t.Errorf("content = %q", out.Choices[0].Message.Content)
		}
		body := lastBody(t, &fake.Recorder)
		var ids []string
		var results []string
		for _, m := range list(t, body["messages"]) {
			mm := obj(t, m)
			if calls, ok := mm["tool_calls"].([]any); ok {
				for _, tc := range calls {
					ids = append(ids, obj(t, tc)["id"].(string))
				}
			}
			if mm["role"] == "tool" {
				results = append(results, mm["tool_call_id"].(string)+"="+textOf(mm["content"]))
			}
		}
		if strings.Join(ids, ",") != "call_xyz,call_abc" || strings.Join(results, ",") != "call_xyz=sunny,call_abc=rainy" {
			t.Errorf("upstream ids %v results %v: %s", ids, results, fake.Last().Body)
		}
	})

	t.Run("response_format json_schema", func(t *testing.T) {
		fake.Reply(fakeupstream.OpenAIReply{Text: `{"city":"Paris"}`})
		p := chatParams("test-model", openai.UserMessage("give me json"))
		p.ResponseFormat = openai.ChatCompletionNewParamsResponseFormatUnion{OfJSONSchema: &shared.ResponseFormatJSONSchemaParam{
			JSONSchema: shared.ResponseFormatJSONSchemaJSONSchemaParam{Name: "city", Strict: openai.Bool(true),
				Schema: map[string]any{"type": "object", "properties": map[string]any{"city": map[string]any{"type": "string"}}}}}}
		out, err := c.Chat.Completions.New(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if out.Choices[0].Message.Content != `{"city":"Paris"}` {
			t.Errorf("content = %q", out.Choices[0].Message.Content)
		}
		rf := obj(t, lastBody(t, &fake.Recorder)["response_format"])
		js := obj(t, rf["json_schema"])
		if rf["type"] != "json_schema" || js["name"] != "city" || js["strict"] != true || obj(t, js["schema"])["type"] != "object" {
			t.Errorf("response_format upstream = %v", rf)
		}
	})

	t.Run("usage with cached tokens", func(t *testing.T) {
		reply := fakeupstream.OpenAIReply{Text: "cached answer", Usage: &fakeupstream.OpenAIUsage{PromptTokens: 100, CompletionTokens: 7, CachedTokens: 40}}
		fake.Reply(reply)
		out, err := c.Chat.Completions.New(ctx, chatParams("test-model", openai.UserMessage("hi")))
		if err != nil {
			t.Fatal(err)
		}
		u := out.Usage
		if u.PromptTokens != 100 || u.CompletionTokens != 7 || u.TotalTokens != 107 || u.PromptTokensDetails.CachedTokens != 40 {
			t.Errorf("unary usage = %s", u.RawJSON())
		}
		fake.Reply(reply)
		p := chatParams("test-model", openai.UserMessage("hi"))
		p.StreamOptions = openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)}
		acc, _, err := accumulate(t, c, p)
		if err != nil {
			t.Fatal(err)
		}
		u = acc.Usage
		if u.PromptTokens != 100 || u.CompletionTokens != 7 || u.TotalTokens != 107 || u.PromptTokensDetails.CachedTokens != 40 {
			t.Errorf("streamed usage = %s", u.RawJSON())
		}
	})

	t.Run("upstream error before the first byte", func(t *testing.T) {
		fake.Fail(429, "")
		p := chatParams("test-model", openai.UserMessage("hi"))
		s := c.Chat.Completions.NewStreaming(ctx, p)
		for s.Next() {
		}
		_ = s.Close()
		var oe *openai.Error
		if !errors.As(s.Err(), &oe) || oe.StatusCode != 429 {
			t.Fatalf("err = %v, want a 429 *openai.Error", s.Err())
		}
	})

	t.Run("upstream error mid-stream", func(t *testing.T) {
		fake.Reply(fakeupstream.OpenAIReply{Text: "partial answer here", StreamError: &fakeupstream.OpenAIError{
			Message: "The server had an error while processing your request.", Type: "server_error"}})
		_, chunks, err := accumulate(t, c, chatParams("test-model", openai.UserMessage("hi")))
		if err == nil || !strings.Contains(err.Error(), "The server had an error") {
			t.Fatalf("err = %v, want the upstream's message", err)
		}
		if len(chunks) == 0 {
			t.Errorf("no chunks before the error")
		}
	})
}

// TestChatStreamFromAnthropic is the cross-shape case: a Chat Completions
// stream served by an Anthropic Messages upstream.
func TestChatStreamFromAnthropic(t *testing.T) {
	fake := fakeupstream.NewAnthropic(t)
	b := start(t, routeTo(app.ProviderSpec{Name: "claude", Type: "anthropic", BaseURL: fake.URL, APIKey: "sk-ant-test"}))
	c := openaiClient(t, b.URL)

	fake.Reply(fakeupstream.AnthropicReply{Content: []fakeupstream.AnthropicBlock{
		{Type: "thinking", Thinking: "Let me check.", Signature: "sig"},
		{Type: "text", Text: "Checking both cities."},
		{Type: "tool_use", ID: "toolu_1", Name: "get_weather", Input: `{"city":"Paris"}`},
		{Type: "tool_use", ID: "toolu_2", Name: "get_weather", Input: `{"city":"Tokyo"}`},
	}, StopReason: "tool_use", Usage: fakeupstream.AnthropicUsage{InputTokens: 20, OutputTokens: 9, CacheReadInputTokens: 5}})
	p := chatParams("test-model", openai.SystemMessage("You are terse."), openai.UserMessage("weather in Paris and Tokyo"))
	p.Tools = []openai.ChatCompletionToolUnionParam{weatherFn()}
	p.ReasoningEffort = shared.ReasoningEffortLow
	p.StreamOptions = openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)}
	acc, chunks, err := accumulate(t, c, p)
	if err != nil {
		t.Fatal(err)
	}
	m := acc.Choices[0].Message
	if m.Content != "Checking both cities." || acc.Choices[0].FinishReason != "tool_calls" {
		t.Errorf("content %q finish %q", m.Content, acc.Choices[0].FinishReason)
	}
	if len(m.ToolCalls) != 2 || m.ToolCalls[0].ID != "toolu_1" || m.ToolCalls[1].Function.Arguments != `{"city":"Tokyo"}` {
		t.Errorf("tool calls = %v", m.ToolCalls)
	}
	var reasoning strings.Builder
	for _, ch := range chunks {
		for _, choice := range ch.Choices {
			var d struct {
				ReasoningContent string `json:"reasoning_content"`
				ToolCalls        []struct {
					Index int `json:"index"`
				} `json:"tool_calls"`
			}
			_ = json.Unmarshal([]byte(choice.Delta.RawJSON()), &d)
			reasoning.WriteString(d.ReasoningContent)
			for _, tc := range d.ToolCalls {
				if tc.Index > 1 {
					t.Errorf("tool call index %d: text and reasoning blocks must not count", tc.Index)
				}
			}
		}
	}
	if reasoning.String() != "Let me check." {
		t.Errorf("reasoning_content = %q", reasoning.String())
	}
	if u := acc.Usage; u.PromptTokens != 25 || u.PromptTokensDetails.CachedTokens != 5 || u.CompletionTokens != 9 {
		t.Errorf("usage = %s", u.RawJSON())
	}
	body := lastBody(t, &fake.Recorder)
	if textOf(body["system"]) != "You are terse." || obj(t, list(t, body["tools"])[0])["name"] != "get_weather" {
		t.Errorf("upstream body = %s", fake.Last().Body)
	}
}
