package conformance

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/anthropics/anthropic-sdk-go"
	"github.com/anthropics/anthropic-sdk-go/option"

	"github.com/basalt-gateway/basalt/internal/app"
	"github.com/basalt-gateway/basalt/internal/testutil/fakeupstream"
)

// msgUpstream is one fake behind Basalt for the Messages tests.
type msgUpstream struct {
	name string
	// start returns the options routing "test-model" to the fake.
	start        func(t *testing.T) (app.Options, *fakeupstream.Recorder)
	text         func(text string, in, out int)
	tool         func(id, name, input string)
	thinking     func(thought, sig, text string)
	midStreamErr func()
	fail429      func()
	// toolUpstream checks the tool definition and choice in the upstream body.
	toolUpstream func(t *testing.T, body map[string]any)
}

func anthropicMsgUpstream() *msgUpstream {
	var fake *fakeupstream.Anthropic
	return &msgUpstream{
		name: "anthropic",
		start: func(t *testing.T) (app.Options, *fakeupstream.Recorder) {
			fake = fakeupstream.NewAnthropic(t)
			return routeTo(app.ProviderSpec{Name: "claude", Type: "anthropic", BaseURL: fake.URL, APIKey: "sk-ant-test"}), &fake.Recorder
		},
		text: func(text string, in, out int) {
			fake.Reply(fakeupstream.AnthropicReply{Content: []fakeupstream.AnthropicBlock{{Type: "text", Text: text}},
				Usage: fakeupstream.AnthropicUsage{InputTokens: in, OutputTokens: out, CacheReadInputTokens: 4, CacheCreationInputTokens: 2}})
		},
		tool: func(id, name, input string) {
			fake.Reply(fakeupstream.AnthropicReply{Content: []fakeupstream.AnthropicBlock{{Type: "text", Text: "Let me check."}, {Type: "tool_use", ID: id, Name: name, Input: input}},
				Usage: fakeupstream.AnthropicUsage{InputTokens: 10, OutputTokens: 5}})
		},
		thinking: func(thought, sig, text string) {
			fake.Reply(fakeupstream.AnthropicReply{Content: []fakeupstream.AnthropicBlock{{Type: "thinking", Thinking: thought, Signature: sig}, {Type: "text", Text: text}},
				Usage: fakeupstream.AnthropicUsage{InputTokens: 10, OutputTokens: 20}})
		},
		midStreamErr: func() {
			fake.Reply(fakeupstream.AnthropicReply{Content: []fakeupstream.AnthropicBlock{{Type: "text", Text: "partial answer"}},
				ErrorEvent: &fakeupstream.AnthropicError{Type: "overloaded_error", Message: "Overloaded"}})
		},
		fail429: func() { fake.Fail(429, "rate_limit_error", "Number of requests has exceeded your rate limit") },
		toolUpstream: func(t *testing.T, body map[string]any) {
			tool := obj(t, list(t, body["tools"])[0])
			if tool["name"] != "get_weather" || obj(t, tool["input_schema"])["type"] != "object" {
				t.Errorf("upstream tool = %v", tool)
			}
			if tc := obj(t, body["tool_choice"]); tc["type"] != "any" {
				t.Errorf("upstream tool_choice = %v", tc)
			}
		},
	}
}

func openaiMsgUpstream() *msgUpstream {
	var fake *fakeupstream.OpenAI
	return &msgUpstream{
		name: "openai",
		start: func(t *testing.T) (app.Options, *fakeupstream.Recorder) {
			fake = fakeupstream.NewOpenAI(t)
			return routeTo(app.ProviderSpec{Name: "oa", Type: "openai", BaseURL: fake.URL, APIKey: "sk-test"}), &fake.Recorder
		},
		text: func(text string, in, out int) {
			// OpenAI counts cached tokens inside prompt_tokens.
			fake.Reply(fakeupstream.OpenAIReply{Text: text, Usage: &fakeupstream.OpenAIUsage{PromptTokens: in + 4, CompletionTokens: out, CachedTokens: 4}})
		},
		tool: func(id, name, input string) {
			fake.Reply(fakeupstream.OpenAIReply{Text: "Let me check.", ToolCalls: []fakeupstream.OpenAIToolCall{{ID: id, Name: name, Arguments: input}}})
		},
		thinking: func(thought, _, text string) {
			fake.Reply(fakeupstream.OpenAIReply{Reasoning: thought, Text: text})
		},
		midStreamErr: func() {
			fake.Reply(fakeupstream.OpenAIReply{Text: "partial answer", StreamError: &fakeupstream.OpenAIError{Message: "The server had an error", Type: "server_error"}})
		},
		fail429: func() { fake.Fail(429, "") },
		toolUpstream: func(t *testing.T, body map[string]any) {
			fn := obj(t, obj(t, list(t, body["tools"])[0])["function"])
			if fn["name"] != "get_weather" || obj(t, fn["parameters"])["type"] != "object" {
				t.Errorf("upstream tool = %v", fn)
			}
			if body["tool_choice"] != "required" {
				t.Errorf("upstream tool_choice = %v, want required", body["tool_choice"])
			}
		},
	}
}

func anthropicClient(t *testing.T, url string) anthropic.Client {
	hc := &http.Client{Transport: &http.Transport{}}
	t.Cleanup(hc.CloseIdleConnections)
	return anthropic.NewClient(option.WithBaseURL(url), option.WithAPIKey("x"), option.WithHTTPClient(hc), option.WithMaxRetries(0))
}

var msgWeatherTool = anthropic.ToolUnionParam{OfTool: &anthropic.ToolParam{
	Name:        "get_weather",
	Description: anthropic.String("Current weather"),
	InputSchema: anthropic.ToolInputSchemaParam{Properties: map[string]any{"city": map[string]any{"type": "string"}}, Required: []string{"city"}},
}}

func msgParams(text string) anthropic.MessageNewParams {
	return anthropic.MessageNewParams{Model: "test-model", MaxTokens: 2048,
		System:   []anthropic.TextBlockParam{{Text: "Be brief."}},
		Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock(text))}}
}

// streamMessage runs a streaming call and accumulates it as the SDK
// documents; it returns the message, the event types in order and the
// stream's error.
func streamMessage(t *testing.T, c anthropic.Client, p anthropic.MessageNewParams) (anthropic.Message, []string, error) {
	t.Helper()
	s := c.Messages.NewStreaming(context.Background(), p)
	defer s.Close()
	var msg anthropic.Message
	var types []string
	for s.Next() {
		ev := s.Current()
		types = append(types, ev.Type)
		if err := msg.Accumulate(ev); err != nil {
			t.Fatalf("Accumulate(%s): %v", ev.Type, err)
		}
	}
	return msg, types, s.Err()
}

// TestMessagesThroughProviders drives /v1/messages with anthropic-sdk-go
// against each fake upstream, plain and streaming.
func TestMessagesThroughProviders(t *testing.T) {
	for _, mk := range []func() *msgUpstream{anthropicMsgUpstream, openaiMsgUpstream} {
		u := mk()
		t.Run(u.name, func(t *testing.T) {
			opts, rec := u.start(t)
			b := start(t, opts)
			c := anthropicClient(t, b.URL)
			ctx := context.Background()

			t.Run("plain text", func(t *testing.T) {
				u.text("Hi there!", 12, 3)
				p := msgParams("Hello")
				p.Temperature = anthropic.Float(0.25)
				p.StopSequences = []string{"STOP"}
				msg, err := c.Messages.New(ctx, p)
				if err != nil {
					t.Fatal(err)
				}
				if len(msg.Content) != 1 || msg.Content[0].Type != "text" || msg.Content[0].Text != "Hi there!" {
					t.Fatalf("content = %+v", msg.Content)
				}
				if !strings.HasPrefix(msg.ID, "msg_") || msg.Model != "test-model" || msg.StopReason != anthropic.StopReasonEndTurn {
					t.Errorf("id %q model %q stop %q", msg.ID, msg.Model, msg.StopReason)
				}
				if msg.Usage.InputTokens != 12 || msg.Usage.OutputTokens != 3 || msg.Usage.CacheReadInputTokens != 4 {
					t.Errorf("usage = %+v", msg.Usage)
				}
				raw := string(rec.Last().Body)
				if !strings.Contains(raw, "Be brief.") || !strings.Contains(raw, "Hello") || !strings.Contains(raw, "STOP") {
					t.Errorf("upstream body misses system, message or stop sequence: %s", raw)
				}
			})

			t.Run("streaming text", func(t *testing.T) {
				u.text("Streaming is fun to watch.", 12, 6)
				msg, types, err := streamMessage(t, c, msgParams("Hello"))
				if err != nil {
					t.Fatal(err)
				}
				if got := msg.Content[0].Text; got != "Streaming is fun to watch." {
					t.Errorf("text = %q", got)
				}
				if types[0] != "message_start" || types[len(types)-1] != "message_stop" || types[len(types)-2] != "message_delta" {
					t.Errorf("event order = %v", types)
				}
				if msg.StopReason != anthropic.StopReasonEndTurn || msg.Usage.InputTokens != 12 || msg.Usage.OutputTokens != 6 || msg.Usage.CacheReadInputTokens != 4 {
					t.Errorf("stop %q usage %+v", msg.StopReason, msg.Usage)
				}
			})

			toolParams := func() anthropic.MessageNewParams {
				p := msgParams("Weather in Paris?")
				p.Tools = []anthropic.ToolUnionParam{msgWeatherTool}
				p.ToolChoice = anthropic.ToolChoiceUnionParam{OfAny: &anthropic.ToolChoiceAnyParam{}}
				return p
			}
			checkTool := func(t *testing.T, msg anthropic.Message) {
				t.Helper()
				var tu *anthropic.ContentBlockUnion
				for i := range msg.Content {
					if msg.Content[i].Type == "tool_use" {
						tu = &msg.Content[i]
					}
				}
				if tu == nil {
					t.Fatalf("no tool_use block in %+v", msg.Content)
				}
				var in map[string]any
				if err := json.Unmarshal(tu.Input, &in); err != nil || in["city"] != "Paris" {
					t.Errorf("tool input = %s (%v)", tu.Input, err)
				}
				if tu.ID != "toolu_1" || tu.Name != "get_weather" || msg.StopReason != anthropic.StopReasonToolUse {
					t.Errorf("tool_use %q %q stop %q", tu.ID, tu.Name, msg.StopReason)
				}
				u.toolUpstream(t, lastBody(t, rec))
			}

			t.Run("tool use", func(t *testing.T) {
				u.tool("toolu_1", "get_weather", `{"city":"Paris"}`)
				msg, err := c.Messages.New(ctx, toolParams())
				if err != nil {
					t.Fatal(err)
				}
				checkTool(t, *msg)
			})

			t.Run("streaming tool use", func(t *testing.T) {
				u.tool("toolu_1", "get_weather", `{"city":"Paris"}`)
				msg, _, err := streamMessage(t, c, toolParams())
				if err != nil {
					t.Fatal(err)
				}
				checkTool(t, msg)
			})

			t.Run("tool result turn", func(t *testing.T) {
				u.text("It is sunny.", 20, 4)
				p := toolParams()
				p.ToolChoice = anthropic.ToolChoiceUnionParam{}
				p.Messages = append(p.Messages,
					anthropic.NewAssistantMessage(anthropic.NewToolUseBlock("toolu_1", map[string]any{"city": "Paris"}, "get_weather")),
					anthropic.NewUserMessage(anthropic.NewToolResultBlock("toolu_1", "sunny, 24C", false)))
				msg, err := c.Messages.New(ctx, p)
				if err != nil {
					t.Fatal(err)
				}
				if msg.Content[0].Text != "It is sunny." {
					t.Errorf("content = %+v", msg.Content)
				}
				raw := string(rec.Last().Body)
				if !strings.Contains(raw, "toolu_1") || !strings.Contains(raw, "sunny, 24C") {
					t.Errorf("tool turn missing upstream: %s", raw)
				}
			})

			t.Run("streaming thinking", func(t *testing.T) {
				u.thinking("Paris is in France, so…", "sig-abc123", "Sunny.")
				p := msgParams("Weather in Paris?")
				p.Thinking = anthropic.ThinkingConfigParamOfEnabled(1024)
				msg, _, err := streamMessage(t, c, p)
				if err != nil {
					t.Fatal(err)
				}
				if len(msg.Content) != 2 || msg.Content[0].Type != "thinking" || msg.Content[0].Thinking != "Paris is in France, so…" {
					t.Fatalf("content = %+v", msg.Content)
				}
				if u.name == "anthropic" && msg.Content[0].Signature != "sig-abc123" {
					t.Errorf("signature = %q", msg.Content[0].Signature)
				}
				if msg.Content[1].Text != "Sunny." {
					t.Errorf("text = %q", msg.Content[1].Text)
				}
				body := lastBody(t, rec)
				if u.name == "anthropic" {
					if th := obj(t, body["thinking"]); th["type"] != "enabled" || th["budget_tokens"] != 1024.0 {
						t.Errorf("upstream thinking = %v", th)
					}
				} else if body["reasoning_effort"] == nil {
					t.Errorf("upstream has no reasoning_effort: %v", body)
				}
			})

			t.Run("upstream 429", func(t *testing.T) {
				u.fail429()
				_, err := c.Messages.New(ctx, msgParams("Hello"))
				var ae *anthropic.Error
				if !errors.As(err, &ae) || ae.StatusCode != 429 || ae.Type() != "rate_limit_error" {
					t.Fatalf("err = %v, want a 429 rate_limit_error", err)
				}
			})

			t.Run("mid-stream upstream error", func(t *testing.T) {
				u.midStreamErr()
				msg, _, err := streamMessage(t, c, msgParams("Hello"))
				var ae *anthropic.Error
				if !errors.As(err, &ae) {
					t.Fatalf("stream err = %v (%T), want *anthropic.Error; message %+v", err, err, msg)
				}
				if ae.Type() == "" {
					t.Errorf("error has no type: %v", ae)
				}
			})
		})
	}
}

// TestMessagesLocal covers what needs no upstream: the SDK against the
// built-in test model, count_tokens, the mantle alias and the error shape.
func TestMessagesLocal(t *testing.T) {
	b := start(t, localOnly())
	c := anthropicClient(t, b.URL)
	ctx := context.Background()

	t.Run("basalt-test through the mantle alias", func(t *testing.T) {
		ac := anthropic.NewClient(option.WithBaseURL(b.URL+"/anthropic"), option.WithAPIKey("x"), option.WithMaxRetries(0))
		p := msgParams("hello there")
		p.Model = "basalt-test"
		msg, err := ac.Messages.New(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(msg.Content[0].Text, "hello there") {
			t.Errorf("content = %+v", msg.Content)
		}
	})

	t.Run("count_tokens", func(t *testing.T) {
		count := func(text string) int64 {
			res, err := c.Messages.CountTokens(ctx, anthropic.MessageCountTokensParams{Model: "basalt-test",
				Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock(text))}})
			if err != nil {
				t.Fatal(err)
			}
			return res.InputTokens
		}
		short, long := count("hi"), count(strings.Repeat("lorem ipsum dolor sit amet ", 40))
		if short < 1 || long <= short*10 {
			t.Errorf("count_tokens short %d long %d", short, long)
		}
	})

	t.Run("unknown model is 404 not_found_error", func(t *testing.T) {
		p := msgParams("hi")
		p.Model = "no-such-model"
		_, err := c.Messages.New(ctx, p)
		var ae *anthropic.Error
		if !errors.As(err, &ae) || ae.StatusCode != 404 || ae.Type() != "not_found_error" {
			t.Fatalf("err = %v", err)
		}
	})

	t.Run("bad thinking budget is 400 invalid_request_error", func(t *testing.T) {
		p := msgParams("hi")
		p.Model = "basalt-test"
		p.Thinking = anthropic.ThinkingConfigParamOfEnabled(100)
		_, err := c.Messages.New(ctx, p)
		var ae *anthropic.Error
		if !errors.As(err, &ae) || ae.StatusCode != 400 || ae.Type() != "invalid_request_error" || !strings.Contains(err.Error(), "budget_tokens") {
			t.Fatalf("err = %v", err)
		}
	})

	t.Run("unknown top-level key is refused", func(t *testing.T) {
		p := msgParams("hi")
		p.Model = "basalt-test"
		_, err := c.Messages.New(ctx, p, option.WithJSONSet("frobnicate", true))
		var ae *anthropic.Error
		if !errors.As(err, &ae) || ae.StatusCode != 400 || !strings.Contains(err.Error(), "frobnicate") {
			t.Fatalf("err = %v", err)
		}
	})

	t.Run("throttling before the stream is an HTTP 429", func(t *testing.T) {
		p := msgParams("basalt-test:error:ThrottlingException")
		p.Model = "basalt-test"
		_, _, err := streamMessage(t, c, p)
		var ae *anthropic.Error
		if !errors.As(err, &ae) || ae.StatusCode != 429 || ae.Type() != "rate_limit_error" {
			t.Fatalf("err = %v", err)
		}
	})

	t.Run("failure after the first byte is an error event", func(t *testing.T) {
		p := msgParams("basalt-test:error-after-start:ModelStreamErrorException")
		p.Model = "basalt-test"
		_, types, err := streamMessage(t, c, p)
		var ae *anthropic.Error
		if !errors.As(err, &ae) || ae.Type() != "api_error" {
			t.Fatalf("err = %v (events %v)", err, types)
		}
		if len(types) == 0 || types[0] != "message_start" {
			t.Errorf("events before the error = %v", types)
		}
	})
}
