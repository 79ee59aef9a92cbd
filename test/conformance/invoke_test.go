package conformance

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/basalt-gateway/basalt/internal/app"
	"github.com/basalt-gateway/basalt/internal/testutil/fakeupstream"
)

const claudeID = "anthropic.claude-3-haiku-20240307-v1:0"

// invokeUpstream is one fake serving claudeID behind Basalt.
type invokeUpstream struct {
	name   string
	start  func(t *testing.T) (app.Options, *fakeupstream.Recorder)
	text   func(text string, in, out int)
	tool   func(id, name, input string)
	fail   func() // an error before the answer
	midErr func()
}

func routeClaudeID(p app.ProviderSpec) app.Options {
	return app.Options{
		Providers: []app.ProviderSpec{{Name: "local", Type: "local"}, p},
		Models:    []app.ModelSpec{{ID: claudeID, Provider: p.Name, Upstream: upModel}},
	}
}

func invokeUpstreams() []*invokeUpstream {
	var af *fakeupstream.Anthropic
	var of *fakeupstream.OpenAI
	return []*invokeUpstream{{
		name: "anthropic",
		start: func(t *testing.T) (app.Options, *fakeupstream.Recorder) {
			af = fakeupstream.NewAnthropic(t)
			return routeClaudeID(app.ProviderSpec{Name: "claude", Type: "anthropic", BaseURL: af.URL, APIKey: "k"}), &af.Recorder
		},
		text: func(text string, in, out int) {
			af.Reply(fakeupstream.AnthropicReply{Content: []fakeupstream.AnthropicBlock{{Type: "text", Text: text}},
				Usage: fakeupstream.AnthropicUsage{InputTokens: in, OutputTokens: out}})
		},
		tool: func(id, name, input string) {
			af.Reply(fakeupstream.AnthropicReply{Content: []fakeupstream.AnthropicBlock{{Type: "tool_use", ID: id, Name: name, Input: input}},
				Usage: fakeupstream.AnthropicUsage{InputTokens: 10, OutputTokens: 5}})
		},
		fail: func() { af.Fail(429, "rate_limit_error", "Too many requests") },
		midErr: func() {
			af.Reply(fakeupstream.AnthropicReply{Content: []fakeupstream.AnthropicBlock{{Type: "text", Text: "partial answer"}},
				ErrorEvent: &fakeupstream.AnthropicError{Type: "api_error", Message: "Internal server error"}})
		},
	}, {
		name: "openai",
		start: func(t *testing.T) (app.Options, *fakeupstream.Recorder) {
			of = fakeupstream.NewOpenAI(t)
			return routeClaudeID(app.ProviderSpec{Name: "oa", Type: "openai", BaseURL: of.URL, APIKey: "k"}), &of.Recorder
		},
		text: func(text string, in, out int) {
			of.Reply(fakeupstream.OpenAIReply{Text: text, Usage: &fakeupstream.OpenAIUsage{PromptTokens: in, CompletionTokens: out}})
		},
		tool: func(id, name, input string) {
			of.Reply(fakeupstream.OpenAIReply{ToolCalls: []fakeupstream.OpenAIToolCall{{ID: id, Name: name, Arguments: input}}})
		},
		fail: func() { of.Fail(429, "") },
		midErr: func() {
			of.Reply(fakeupstream.OpenAIReply{Text: "partial answer", StreamError: &fakeupstream.OpenAIError{Message: "The server had an error", Type: "server_error"}})
		},
	}}
}

func claudeBody(t *testing.T, extra map[string]any) []byte {
	t.Helper()
	body := map[string]any{
		"anthropic_version": "bedrock-2023-05-31",
		"max_tokens":        256,
		"system":            "Be brief.",
		"messages":          []any{map[string]any{"role": "user", "content": []any{map[string]any{"type": "text", "text": "Weather in Paris?"}}}},
	}
	for k, v := range extra {
		body[k] = v
	}
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var claudeTools = map[string]any{
	"tools": []any{map[string]any{"name": "get_weather", "description": "Current weather",
		"input_schema": map[string]any{"type": "object", "properties": map[string]any{"city": map[string]any{"type": "string"}}}}},
	"tool_choice": map[string]any{"type": "any"},
}

// invokeStream streams body to the Claude test id.
func invokeStream(t *testing.T, c *bedrockruntime.Client, body []byte) ([]map[string]any, error) {
	t.Helper()
	return invokeStreamModel(t, c, claudeID, string(body))
}

// TestInvokeClaude drives InvokeModel and InvokeModelWithResponseStream
// with aws-sdk-go-v2 and a Claude model id served by each fake.
func TestInvokeClaude(t *testing.T) {
	for _, u := range invokeUpstreams() {
		t.Run(u.name, func(t *testing.T) {
			opts, rec := u.start(t)
			b := start(t, opts)
			c := bedrockClient(t, b.URL, nil)
			ctx := context.Background()

			t.Run("invoke", func(t *testing.T) {
				u.text("Sunny and warm.", 11, 4)
				out, err := c.InvokeModel(ctx, &bedrockruntime.InvokeModelInput{ModelId: aws.String(claudeID), Body: claudeBody(t, nil),
					ContentType: aws.String("application/json"), Accept: aws.String("application/json")})
				if err != nil {
					t.Fatal(err)
				}
				var msg struct {
					ID, Type, Role string
					Content        []struct{ Type, Text string }
					StopReason     string `json:"stop_reason"`
					Usage          struct {
						InputTokens  int `json:"input_tokens"`
						OutputTokens int `json:"output_tokens"`
					}
				}
				if err := json.Unmarshal(out.Body, &msg); err != nil {
					t.Fatal(err)
				}
				if msg.Type != "message" || msg.Role != "assistant" || len(msg.Content) != 1 || msg.Content[0].Text != "Sunny and warm." ||
					msg.StopReason != "end_turn" || msg.Usage.InputTokens != 11 || msg.Usage.OutputTokens != 4 {
					t.Errorf("body = %s", out.Body)
				}
				if aws.ToString(out.ContentType) != "application/json" {
					t.Errorf("content type = %q", aws.ToString(out.ContentType))
				}
				raw := awsmiddleware.GetRawResponse(out.ResultMetadata).(*smithyhttp.Response)
				if raw.Header.Get("X-Amzn-Bedrock-Input-Token-Count") != "11" || raw.Header.Get("X-Amzn-Bedrock-Output-Token-Count") != "4" {
					t.Errorf("token headers = %v", raw.Header)
				}
				if _, err := strconv.Atoi(raw.Header.Get("X-Amzn-Bedrock-Invocation-Latency")); err != nil {
					t.Errorf("latency header: %v", err)
				}
				if !strings.Contains(string(rec.Last().Body), "Be brief.") {
					t.Errorf("system prompt missing upstream: %s", rec.Last().Body)
				}
			})

			t.Run("stream text", func(t *testing.T) {
				u.text("Sunny and warm in Paris today.", 11, 7)
				chunks, err := invokeStream(t, c, claudeBody(t, nil))
				if err != nil {
					t.Fatal(err)
				}
				var types []string
				var text strings.Builder
				for _, ch := range chunks {
					types = append(types, ch["type"].(string))
					if d, ok := ch["delta"].(map[string]any); ok && d["type"] == "text_delta" {
						text.WriteString(d["text"].(string))
					}
				}
				if text.String() != "Sunny and warm in Paris today." {
					t.Errorf("text = %q", text.String())
				}
				if types[0] != "message_start" || types[len(types)-1] != "message_stop" || types[len(types)-2] != "message_delta" {
					t.Errorf("chunk types = %v", types)
				}
				for _, ty := range types {
					if ty == "ping" {
						t.Errorf("ping forwarded: %v", types)
					}
				}
				last := chunks[len(chunks)-1]
				m, ok := last["amazon-bedrock-invocationMetrics"].(map[string]any)
				if !ok {
					t.Fatalf("last chunk has no invocation metrics: %v", last)
				}
				if m["inputTokenCount"] != 11.0 || m["outputTokenCount"] != 7.0 || m["invocationLatency"] == nil || m["firstByteLatency"] == nil {
					t.Errorf("metrics = %v", m)
				}
				md := chunks[len(chunks)-2]
				if obj(t, md["delta"])["stop_reason"] != "end_turn" || obj(t, md["usage"])["output_tokens"] != 7.0 {
					t.Errorf("message_delta = %v", md)
				}
			})

			t.Run("stream tool use", func(t *testing.T) {
				u.tool("toolu_9", "get_weather", `{"city":"Paris"}`)
				chunks, err := invokeStream(t, c, claudeBody(t, claudeTools))
				if err != nil {
					t.Fatal(err)
				}
				var input strings.Builder
				var start map[string]any
				for _, ch := range chunks {
					if cb, ok := ch["content_block"].(map[string]any); ok && cb["type"] == "tool_use" {
						start = cb
					}
					if d, ok := ch["delta"].(map[string]any); ok && d["type"] == "input_json_delta" {
						input.WriteString(d["partial_json"].(string))
					}
				}
				if start == nil || start["id"] != "toolu_9" || start["name"] != "get_weather" {
					t.Fatalf("tool_use start = %v", start)
				}
				var in map[string]any
				if err := json.Unmarshal([]byte(input.String()), &in); err != nil || in["city"] != "Paris" {
					t.Errorf("tool input %q: %v", input.String(), err)
				}
				if !strings.Contains(string(rec.Last().Body), "get_weather") {
					t.Errorf("tool missing upstream: %s", rec.Last().Body)
				}
			})

			t.Run("error before the stream", func(t *testing.T) {
				u.fail()
				_, err := invokeStream(t, c, claudeBody(t, nil))
				var te *types.ThrottlingException
				if !errors.As(err, &te) {
					t.Fatalf("err = %v, want ThrottlingException", err)
				}
			})

			t.Run("error mid-stream", func(t *testing.T) {
				u.midErr()
				chunks, err := invokeStream(t, c, claudeBody(t, nil))
				var ie *types.InternalServerException
				var me *types.ModelStreamErrorException
				if !errors.As(err, &ie) && !errors.As(err, &me) {
					t.Fatalf("err = %v (%T), want a typed stream exception", err, err)
				}
				if len(chunks) == 0 || chunks[0]["type"] != "message_start" {
					t.Errorf("chunks before the error = %v", chunks)
				}
			})
		})
	}
}

// TestInvokeValidation checks Bedrock's errors for bad Claude bodies and
// for model families InvokeModel does not speak yet (the other text
// families are in invoke_families_test.go).
func TestInvokeValidation(t *testing.T) {
	fake := fakeupstream.NewAnthropic(t)
	b := start(t, routeClaudeID(app.ProviderSpec{Name: "claude", Type: "anthropic", BaseURL: fake.URL, APIKey: "k"}))
	c := bedrockClient(t, b.URL, nil)
	cases := []struct {
		name, model string
		body        []byte
		want        string
	}{
		{"model and stream keys", claudeID, claudeBody(t, map[string]any{"model": "x", "stream": true}),
			"Malformed input request: #: extraneous key [model] is not permitted#: extraneous key [stream] is not permitted"},
		{"no anthropic_version", claudeID, []byte(`{"max_tokens":5,"messages":[{"role":"user","content":"hi"}]}`), "required key [anthropic_version] not found"},
		{"messages not a list", claudeID, []byte(`{"anthropic_version":"bedrock-2023-05-31","max_tokens":5,"messages":5}`), "Malformed input request"},
		{"family without a native body", "ai21.jamba-1-5-mini-v1:0", claudeBody(t, nil), `is of family "jamba"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.InvokeModel(context.Background(), &bedrockruntime.InvokeModelInput{ModelId: aws.String(tc.model), Body: tc.body})
			var ve *types.ValidationException
			if !errors.As(err, &ve) || !strings.Contains(ve.ErrorMessage(), tc.want) {
				t.Fatalf("err = %v, want a ValidationException containing %q", err, tc.want)
			}
		})
	}
}
