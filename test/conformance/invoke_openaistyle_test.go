package conformance

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/basalt-gateway/basalt/internal/app"
	"github.com/basalt-gateway/basalt/internal/testutil/fakeupstream"
	"github.com/basalt-gateway/basalt/internal/testutil/golden"
)

// The Chat Completions families on InvokeModel (OpenAI gpt-oss, Qwen3,
// DeepSeek's chat body) and DeepSeek-R1's prompt body.
const (
	gptOSSID     = "openai.gpt-oss-20b-1:0"
	gptOSS120ID  = "openai.gpt-oss-120b-1:0"
	qwenID       = "qwen.qwen3-32b-v1:0"
	deepseekR1ID = "deepseek.r1-v1:0"
	deepseekV3ID = "deepseek.v3-v1:0"
)

var chatFamilyIDs = []string{gptOSSID, gptOSS120ID, qwenID, deepseekR1ID, deepseekV3ID}

// chatFamiliesLocal routes the ids to basalt-test.
func chatFamiliesLocal() app.Options {
	opts := localOnly()
	for _, id := range chatFamilyIDs {
		opts.Models = append(opts.Models, app.ModelSpec{ID: id, Provider: "local", Upstream: "basalt-test"})
	}
	return opts
}

// choice is choices[0] of a chat.completion or chunk.
func choice(t *testing.T, body map[string]any) map[string]any {
	t.Helper()
	return obj(t, list(t, body["choices"])[0])
}

// chatBodyCase is a Chat Completions body driven against basalt-test.
func chatBodyCase(name, model, body, said string, inTokens int) familyCase {
	return familyCase{
		name: name, model: model, body: body, said: said, inTokens: inTokens, lengthReason: "length",
		text: func(t *testing.T, b map[string]any) string {
			ch := choice(t, b)
			msg := obj(t, ch["message"])
			u := obj(t, b["usage"])
			if b["object"] != "chat.completion" || b["model"] != model || !strings.HasPrefix(b["id"].(string), "chatcmpl-") ||
				ch["finish_reason"] != "stop" || msg["role"] != "assistant" || u["prompt_tokens"] != float64(inTokens) || u["completion_tokens"] != 4.0 {
				t.Errorf("body = %v", b)
			}
			return msg["content"].(string)
		},
		chunkText: func(t *testing.T, ch map[string]any) string {
			if ch["object"] != "chat.completion.chunk" || ch["model"] != model {
				t.Errorf("chunk = %v", ch)
			}
			if cs, _ := ch["choices"].([]any); len(cs) > 0 {
				s, _ := obj(t, obj(t, cs[0])["delta"])["content"].(string)
				return s
			}
			return ""
		},
		final: func(t *testing.T, last map[string]any) {
			if choice(t, last)["finish_reason"] != "stop" {
				t.Errorf("last chunk = %v", last)
			}
		},
		limit:  func(b map[string]any) { b["max_completion_tokens"] = 2 },
		stopOf: func(t *testing.T, b map[string]any) any { return choice(t, b)["finish_reason"] },
	}
}

func chatCases() []familyCase {
	usage := chatBodyCase("gpt-oss-120b with model and include_usage", gptOSS120ID,
		`{"model":"`+gptOSS120ID+`","messages":[{"role":"user","content":"hello bigmodel"}],"max_tokens":50,"stream_options":{"include_usage":true}}`,
		"hello bigmodel", 2)
	usage.final = func(t *testing.T, last map[string]any) {
		u := obj(t, last["usage"])
		if cs, _ := last["choices"].([]any); len(cs) != 0 || u["prompt_tokens"] != 2.0 || u["completion_tokens"] != 4.0 {
			t.Errorf("last chunk = %v, want the usage chunk", last)
		}
	}
	usage.text = func(t *testing.T, b map[string]any) string {
		return obj(t, choice(t, b)["message"])["content"].(string)
	}
	r1 := familyCase{
		name: "deepseek r1 prompt", model: deepseekR1ID,
		body: `{"prompt":"<｜begin▁of▁sentence｜>Be brief.<｜User｜>hello deepseek<｜Assistant｜><think>\n","max_tokens":50,"temperature":0.6,"top_p":0.9,"stop":["<｜end▁of▁sentence｜>"]}`,
		said: "hello deepseek", inTokens: 4,
		// The prompt opened the think block; basalt-test does not reason,
		// so the answer closes it first.
		want: "</think>\n\nYou said: hello deepseek",
		text: func(t *testing.T, b map[string]any) string {
			ch := choice(t, b)
			if ch["stop_reason"] != "stop" || len(b) != 1 {
				t.Errorf("body = %v", b)
			}
			return ch["text"].(string)
		},
		chunkText: func(t *testing.T, ch map[string]any) string { return choice(t, ch)["text"].(string) },
		final: func(t *testing.T, last map[string]any) {
			if ch := choice(t, last); ch["stop_reason"] != "stop" || ch["text"] != "" {
				t.Errorf("last chunk = %v", last)
			}
		},
		limit:        func(b map[string]any) { b["max_tokens"] = 2 },
		stopOf:       func(t *testing.T, b map[string]any) any { return choice(t, b)["stop_reason"] },
		lengthReason: "length",
	}
	return []familyCase{
		chatBodyCase("gpt-oss", gptOSSID,
			`{"messages":[{"role":"developer","content":"Be brief."},{"role":"user","content":"hello gptoss"}],"max_completion_tokens":50,"temperature":0.1,"top_p":0.9}`,
			"hello gptoss", 4),
		usage,
		chatBodyCase("qwen", qwenID,
			`{"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":[{"type":"text","text":"hello qwen"}]}],"max_tokens":50,"stop":["STOP"]}`,
			"hello qwen", 4),
		chatBodyCase("deepseek chat", deepseekV3ID,
			`{"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"hello deepseek"}],"max_tokens":50}`,
			"hello deepseek", 4),
		r1,
	}
}

// TestInvokeChatFamiliesLocal drives each body with aws-sdk-go-v2's
// InvokeModel and InvokeModelWithResponseStream against basalt-test.
func TestInvokeChatFamiliesLocal(t *testing.T) {
	b := start(t, chatFamiliesLocal())
	c := bedrockClient(t, b.URL, nil)
	for _, fc := range chatCases() {
		t.Run(fc.name, func(t *testing.T) { driveFamily(t, c, fc) })
	}
}

var reasoningTag = regexp.MustCompile(`</?reasoning>`)

// TestInvokeChatReasoningLocal: reasoning_effort makes basalt-test reason;
// gpt-oss writes it into content between <reasoning> tags (one tagged
// fragment per streamed chunk, as Bedrock does), Qwen into
// reasoning_content.
func TestInvokeChatReasoningLocal(t *testing.T) {
	b := start(t, chatFamiliesLocal())
	c := bedrockClient(t, b.URL, nil)
	const body = `{"messages":[{"role":"user","content":"hello there"}],"reasoning_effort":"low","max_completion_tokens":100}`

	got, _, err := invokeJSON(t, c, gptOSSID, body)
	if err != nil {
		t.Fatal(err)
	}
	msg := obj(t, choice(t, got)["message"])
	if msg["content"] != "<reasoning>Thinking about: hello there</reasoning>You said: hello there" || msg["reasoning_content"] != nil {
		t.Errorf("gpt-oss message = %v", msg)
	}
	chunks, err := invokeStreamModel(t, c, gptOSSID, body)
	if err != nil {
		t.Fatal(err)
	}
	var streamed strings.Builder
	for _, ch := range chunks {
		if cs, _ := ch["choices"].([]any); len(cs) > 0 {
			s, _ := obj(t, obj(t, cs[0])["delta"])["content"].(string)
			streamed.WriteString(s)
		}
	}
	if s := streamed.String(); !strings.HasPrefix(s, "<reasoning>Thinking </reasoning>") ||
		reasoningTag.ReplaceAllString(s, "") != "Thinking about: hello thereYou said: hello there" {
		t.Errorf("gpt-oss streamed content = %q", s)
	}

	got, _, err = invokeJSON(t, c, qwenID, body)
	if err != nil {
		t.Fatal(err)
	}
	msg = obj(t, choice(t, got)["message"])
	if msg["content"] != "You said: hello there" || msg["reasoning_content"] != "Thinking about: hello there" {
		t.Errorf("qwen message = %v", msg)
	}
	chunks, err = invokeStreamModel(t, c, qwenID, body)
	if err != nil {
		t.Fatal(err)
	}
	var reasoning, text strings.Builder
	for _, ch := range chunks {
		if cs, _ := ch["choices"].([]any); len(cs) > 0 {
			d := obj(t, obj(t, cs[0])["delta"])
			s, _ := d["reasoning_content"].(string)
			reasoning.WriteString(s)
			s, _ = d["content"].(string)
			text.WriteString(s)
		}
	}
	if reasoning.String() != "Thinking about: hello there" || text.String() != "You said: hello there" {
		t.Errorf("qwen streamed reasoning %q, text %q", reasoning.String(), text.String())
	}
}

// chatUpstream is one fake serving the chat families behind Basalt.
type chatUpstream struct {
	name  string
	start func(t *testing.T) (app.Options, *fakeupstream.Recorder)
	// reply scripts an answer with reasoning and text.
	reply func(reasoning, text string, in, out int)
	fail  func()
}

func chatUpstreams() []*chatUpstream {
	route := func(p app.ProviderSpec) app.Options {
		opts := app.Options{Providers: []app.ProviderSpec{{Name: "local", Type: "local"}, p}}
		for _, id := range chatFamilyIDs {
			opts.Models = append(opts.Models, app.ModelSpec{ID: id, Provider: p.Name, Upstream: upModel})
		}
		return opts
	}
	var of *fakeupstream.OpenAI
	var af *fakeupstream.Anthropic
	return []*chatUpstream{{
		name: "openai",
		start: func(t *testing.T) (app.Options, *fakeupstream.Recorder) {
			of = fakeupstream.NewOpenAI(t)
			return route(app.ProviderSpec{Name: "oa", Type: "openai", BaseURL: of.URL, APIKey: "k"}), &of.Recorder
		},
		reply: func(reasoning, text string, in, out int) {
			of.Reply(fakeupstream.OpenAIReply{Reasoning: reasoning, Text: text, Usage: &fakeupstream.OpenAIUsage{PromptTokens: in, CompletionTokens: out}})
		},
		fail: func() { of.Fail(429, "") },
	}, {
		name: "anthropic",
		start: func(t *testing.T) (app.Options, *fakeupstream.Recorder) {
			af = fakeupstream.NewAnthropic(t)
			return route(app.ProviderSpec{Name: "claude", Type: "anthropic", BaseURL: af.URL, APIKey: "k"}), &af.Recorder
		},
		reply: func(reasoning, text string, in, out int) {
			var blocks []fakeupstream.AnthropicBlock
			if reasoning != "" {
				blocks = append(blocks, fakeupstream.AnthropicBlock{Type: "thinking", Thinking: reasoning, Signature: "sig"})
			}
			af.Reply(fakeupstream.AnthropicReply{Content: append(blocks, fakeupstream.AnthropicBlock{Type: "text", Text: text}),
				Usage: fakeupstream.AnthropicUsage{InputTokens: in, OutputTokens: out}})
		},
		fail: func() { af.Fail(429, "rate_limit_error", "Too many requests") },
	}}
}

var (
	volatileID      = regexp.MustCompile(`"id":"chatcmpl-[A-Za-z0-9]+"`)
	volatileCreated = regexp.MustCompile(`"created":[0-9]+`)
)

// indented is b pretty-printed, with the completion id and creation time
// (new on every call) replaced.
func indented(t *testing.T, b []byte) []byte {
	t.Helper()
	b = volatileID.ReplaceAll(b, []byte(`"id":"chatcmpl-<id>"`))
	b = volatileCreated.ReplaceAll(b, []byte(`"created":0`))
	return golden.IndentJSON(t, b)
}

// TestInvokeChatFamiliesUpstreams serves each body from the OpenAI and
// Anthropic fakes: the body that reaches the upstream and the answer the
// client gets are golden files; streams carry the same text and the
// metrics; upstream errors are Bedrock's typed exceptions.
func TestInvokeChatFamiliesUpstreams(t *testing.T) {
	bodies := []struct{ name, model, body string }{
		{"gpt-oss", gptOSSID, `{"messages":[{"role":"developer","content":"Be brief."},{"role":"user","content":"Weather in Paris?"}],` +
			`"max_completion_tokens":300,"temperature":0.5,"top_p":0.9,"stop":["END"],"reasoning_effort":"medium"}`},
		{"qwen", qwenID, `{"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Weather in Paris?"}],"max_tokens":300,"temperature":0.7}`},
		{"deepseek-r1", deepseekR1ID, `{"prompt":"<｜begin▁of▁sentence｜>Be brief.<｜User｜>Weather in Paris?<｜Assistant｜><think>\n","max_tokens":300,"temperature":0.6,"stop":["<｜end▁of▁sentence｜>"]}`},
	}
	for _, u := range chatUpstreams() {
		t.Run(u.name, func(t *testing.T) {
			opts, rec := u.start(t)
			b := start(t, opts)
			c := bedrockClient(t, b.URL, nil)
			for _, tc := range bodies {
				t.Run(tc.name, func(t *testing.T) {
					u.reply("The user wants the weather.", "Sunny, 21 °C.", 12, 9)
					res, err := c.InvokeModel(context.Background(), &bedrockruntime.InvokeModelInput{ModelId: aws.String(tc.model), Body: []byte(tc.body)})
					if err != nil {
						t.Fatal(err)
					}
					checkTokenHeaders(t, awsmiddleware.GetRawResponse(res.ResultMetadata).(*smithyhttp.Response), 12, 9)
					var out map[string]any
					if err := json.Unmarshal(res.Body, &out); err != nil {
						t.Fatal(err)
					}
					dir := "testdata/invoke_chat/" + u.name + "/" + tc.name
					golden.Assert(t, dir+".response.json", indented(t, res.Body))
					golden.Assert(t, dir+".upstream.json", indented(t, rec.Last().Body))

					u.reply("The user wants the weather.", "Sunny, 21 °C.", 12, 9)
					chunks, err := invokeStreamModel(t, c, tc.model, tc.body)
					if err != nil {
						t.Fatal(err)
					}
					var text strings.Builder
					for _, ch := range chunks {
						cs, _ := ch["choices"].([]any)
						if len(cs) == 0 {
							continue
						}
						ch0 := obj(t, cs[0])
						if s, ok := ch0["text"].(string); ok {
							text.WriteString(s)
						}
						if d, ok := ch0["delta"].(map[string]any); ok {
							s, _ := d["content"].(string)
							text.WriteString(s)
						}
					}
					unary := choice(t, out)
					want, _ := unary["text"].(string)
					if m, ok := unary["message"].(map[string]any); ok {
						want, _ = m["content"].(string)
					}
					if tc.name == "gpt-oss" {
						want = reasoningTag.ReplaceAllString(want, "")
						text2 := reasoningTag.ReplaceAllString(text.String(), "")
						text.Reset()
						text.WriteString(text2)
					}
					if text.String() != want {
						t.Errorf("streamed text %q, unary %q", text.String(), want)
					}
					checkMetrics(t, chunks[len(chunks)-1], 12, 9)

					u.fail()
					_, err = invokeStreamModel(t, c, tc.model, tc.body)
					var te *types.ThrottlingException
					if !errors.As(err, &te) {
						t.Fatalf("err = %v, want ThrottlingException", err)
					}
				})
			}
		})
	}
}

// TestInvokeChatFamiliesValidation: malformed bodies are
// ValidationExceptions that name the bad field.
func TestInvokeChatFamiliesValidation(t *testing.T) {
	b := start(t, chatFamiliesLocal())
	c := bedrockClient(t, b.URL, nil)
	const hi = `"messages":[{"role":"user","content":"hi"}]`
	cases := []struct {
		name, model, body, want string
		stream                  bool
	}{
		{"gpt-oss stream true on InvokeModel", gptOSSID, `{` + hi + `,"stream":true}`, "stream is true in the body, but this is InvokeModel", false},
		{"gpt-oss stream false on the stream", gptOSSID, `{` + hi + `,"stream":false}`, "stream is false in the body", true},
		{"gpt-oss other model", gptOSSID, `{"model":"` + gptOSS120ID + `",` + hi + `}`, `model "openai.gpt-oss-120b-1:0" in the body does not match`, false},
		{"gpt-oss unknown key", gptOSSID, `{` + hi + `,"max_gen_len":5}`, "max_gen_len", false},
		{"gpt-oss image", gptOSSID, `{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}}]}]}`, "text input only", false},
		{"gpt-oss bad temperature", gptOSSID, `{` + hi + `,"temperature":3}`, "'temperature'", false},
		{"qwen messages not an array", qwenID, `{"messages":"hi"}`, "'messages'", false},
		{"qwen claude body", qwenID, `{"anthropic_version":"bedrock-2023-05-31",` + hi + `,"max_tokens":5}`, "anthropic_version", false},
		{"deepseek r1 extraneous", deepseekR1ID, `{"prompt":"hi","max_gen_len":5}`, "#: extraneous key [max_gen_len] is not permitted", false},
		{"deepseek r1 max_tokens", deepseekR1ID, `{"prompt":"hi","max_tokens":0}`, "#/max_tokens: 0 is not between 1 and 32768", false},
		{"deepseek r1 stop", deepseekR1ID, `{"prompt":"hi","stop":"END"}`, "#/stop: expected type: JSONArray of String, found: String", false},
		{"deepseek r1 no prompt", deepseekR1ID, `{"inputText":"hi"}`, "#: required key [prompt] not found", true},
		{"deepseek chat stream", deepseekV3ID, `{` + hi + `,"stream":true}`, "stream is true in the body", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			if tc.stream {
				_, err = invokeStreamModel(t, c, tc.model, tc.body)
			} else {
				_, _, err = invokeJSON(t, c, tc.model, tc.body)
			}
			var ve *types.ValidationException
			if !errors.As(err, &ve) || !strings.Contains(ve.ErrorMessage(), tc.want) {
				t.Fatalf("err = %v, want a ValidationException containing %q", err, tc.want)
			}
		})
	}
}
