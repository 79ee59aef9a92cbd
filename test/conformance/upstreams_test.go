package conformance

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/basalt-gateway/basalt/internal/app"
	"github.com/basalt-gateway/basalt/internal/testutil/fakeupstream"
)

// upstream is one fake provider behind Basalt, with the dialect-specific
// checks of what reached it. Every scenario runs against each.
type upstream struct {
	name      string
	start     func(t *testing.T) (app.Options, *fakeupstream.Recorder)
	replyText func(text string, in, out int)
	replyTool func(id, name, input string)
	// checks on the JSON body the upstream received
	system    func(t *testing.T, body map[string]any) string
	inference func(t *testing.T, body map[string]any)
	toolDefs  func(t *testing.T, body map[string]any, choice string)
	toolTurn  func(t *testing.T, body map[string]any, id, name, result string)
	media     func(t *testing.T, body map[string]any)
}

const upModel = "up-model"

func routeTo(provider app.ProviderSpec) app.Options {
	return app.Options{
		Providers: []app.ProviderSpec{{Name: "local", Type: "local"}, provider},
		Models:    []app.ModelSpec{{ID: "test-model", Provider: provider.Name, Upstream: upModel}},
	}
}

func openaiUpstream() *upstream {
	var fake *fakeupstream.OpenAI
	u := &upstream{name: "openai"}
	u.start = func(t *testing.T) (app.Options, *fakeupstream.Recorder) {
		fake = fakeupstream.NewOpenAI(t)
		fake.RequireAPIKey("sk-test")
		return routeTo(app.ProviderSpec{Name: "oa", Type: "openai", BaseURL: fake.URL, APIKey: "sk-test"}), &fake.Recorder
	}
	u.replyText = func(text string, in, out int) {
		fake.Reply(fakeupstream.OpenAIReply{Text: text, FinishReason: "stop", Usage: &fakeupstream.OpenAIUsage{PromptTokens: in, CompletionTokens: out}})
	}
	u.replyTool = func(id, name, input string) {
		fake.Reply(fakeupstream.OpenAIReply{ToolCalls: []fakeupstream.OpenAIToolCall{{ID: id, Name: name, Arguments: input}}, FinishReason: "tool_calls",
			Usage: &fakeupstream.OpenAIUsage{PromptTokens: 10, CompletionTokens: 5}})
	}
	u.system = func(t *testing.T, body map[string]any) string {
		msgs := list(t, body["messages"])
		first := obj(t, msgs[0])
		if first["role"] != "system" {
			t.Fatalf("first message is %v, want the system prompt", first["role"])
		}
		return textOf(first["content"])
	}
	u.inference = func(t *testing.T, body map[string]any) {
		want := map[string]any{"max_tokens": 77.0, "temperature": 0.25, "top_p": 0.5}
		for k, v := range want {
			if body[k] != v {
				t.Errorf("%s = %v, want %v", k, body[k], v)
			}
		}
		if s := list(t, body["stop"]); len(s) != 1 || s[0] != "STOP" {
			t.Errorf("stop = %v", body["stop"])
		}
	}
	u.toolDefs = func(t *testing.T, body map[string]any, choice string) {
		tools := list(t, body["tools"])
		fn := obj(t, obj(t, tools[0])["function"])
		if fn["name"] != "get_weather" || fn["description"] != "Current weather" || obj(t, fn["parameters"])["type"] != "object" {
			t.Errorf("tool = %v", fn)
		}
		switch choice {
		case "any":
			if body["tool_choice"] != "required" {
				t.Errorf("tool_choice = %v, want required", body["tool_choice"])
			}
		case "tool":
			tc := obj(t, body["tool_choice"])
			if obj(t, tc["function"])["name"] != "get_weather" {
				t.Errorf("tool_choice = %v", tc)
			}
		}
	}
	u.toolTurn = func(t *testing.T, body map[string]any, id, name, result string) {
		msgs := list(t, body["messages"])
		var call, res map[string]any
		for _, m := range msgs {
			mm := obj(t, m)
			if mm["role"] == "assistant" && mm["tool_calls"] != nil {
				call = obj(t, list(t, mm["tool_calls"])[0])
			}
			if mm["role"] == "tool" {
				res = mm
			}
		}
		if call == nil || call["id"] != id || obj(t, call["function"])["name"] != name {
			t.Fatalf("assistant tool call = %v", call)
		}
		if res == nil || res["tool_call_id"] != id || !strings.Contains(textOf(res["content"]), result) {
			t.Fatalf("tool result message = %v", res)
		}
	}
	u.media = func(t *testing.T, body map[string]any) {
		raw, _ := json.Marshal(body)
		s := string(raw)
		if !strings.Contains(s, `"image_url"`) || !strings.Contains(s, "data:image/png;base64,iVBORw0K") {
			t.Errorf("no png data URI upstream: %s", s)
		}
		if !strings.Contains(s, "Quarterly figures: up 4%") {
			t.Errorf("document text missing upstream: %s", s)
		}
	}
	return u
}

func anthropicUpstream() *upstream {
	var fake *fakeupstream.Anthropic
	u := &upstream{name: "anthropic"}
	u.start = func(t *testing.T) (app.Options, *fakeupstream.Recorder) {
		fake = fakeupstream.NewAnthropic(t)
		return routeTo(app.ProviderSpec{Name: "claude", Type: "anthropic", BaseURL: fake.URL, APIKey: "sk-ant-test"}), &fake.Recorder
	}
	u.replyText = func(text string, in, out int) {
		fake.Reply(fakeupstream.AnthropicReply{Content: []fakeupstream.AnthropicBlock{{Type: "text", Text: text}}, StopReason: "end_turn",
			Usage: fakeupstream.AnthropicUsage{InputTokens: in, OutputTokens: out}})
	}
	u.replyTool = func(id, name, input string) {
		fake.Reply(fakeupstream.AnthropicReply{Content: []fakeupstream.AnthropicBlock{{Type: "tool_use", ID: id, Name: name, Input: input}},
			StopReason: "tool_use", Usage: fakeupstream.AnthropicUsage{InputTokens: 10, OutputTokens: 5}})
	}
	u.system = func(t *testing.T, body map[string]any) string { return textOf(body["system"]) }
	u.inference = func(t *testing.T, body map[string]any) {
		want := map[string]any{"max_tokens": 77.0, "temperature": 0.25, "top_p": 0.5}
		for k, v := range want {
			if body[k] != v {
				t.Errorf("%s = %v, want %v", k, body[k], v)
			}
		}
		if s := list(t, body["stop_sequences"]); len(s) != 1 || s[0] != "STOP" {
			t.Errorf("stop_sequences = %v", body["stop_sequences"])
		}
	}
	u.toolDefs = func(t *testing.T, body map[string]any, choice string) {
		tool := obj(t, list(t, body["tools"])[0])
		if tool["name"] != "get_weather" || tool["description"] != "Current weather" || obj(t, tool["input_schema"])["type"] != "object" {
			t.Errorf("tool = %v", tool)
		}
		if choice != "" {
			tc := obj(t, body["tool_choice"])
			if tc["type"] != choice || (choice == "tool" && tc["name"] != "get_weather") {
				t.Errorf("tool_choice = %v, want %s", tc, choice)
			}
		}
	}
	u.toolTurn = func(t *testing.T, body map[string]any, id, name, result string) {
		var use, res map[string]any
		for _, m := range list(t, body["messages"]) {
			content, ok := obj(t, m)["content"].([]any)
			if !ok {
				continue
			}
			for _, b := range content {
				bb := obj(t, b)
				switch bb["type"] {
				case "tool_use":
					use = bb
				case "tool_result":
					res = bb
				}
			}
		}
		if use == nil || use["id"] != id || use["name"] != name {
			t.Fatalf("tool_use = %v", use)
		}
		if res == nil || res["tool_use_id"] != id || !strings.Contains(textOf(res["content"]), result) {
			t.Fatalf("tool_result = %v", res)
		}
	}
	u.media = func(t *testing.T, body map[string]any) {
		raw, _ := json.Marshal(body)
		s := string(raw)
		if !strings.Contains(s, `"media_type":"image/png"`) || !strings.Contains(s, `"data":"iVBORw0K`) {
			t.Errorf("no png image block upstream: %s", s)
		}
		if !strings.Contains(s, `"type":"document"`) || !strings.Contains(s, "Quarterly figures: up 4%") {
			t.Errorf("document missing upstream: %s", s)
		}
	}
	return u
}

func obj(t *testing.T, v any) map[string]any {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("%v is %T, want an object", v, v)
	}
	return m
}

func list(t *testing.T, v any) []any {
	t.Helper()
	l, ok := v.([]any)
	if !ok || len(l) == 0 {
		t.Fatalf("%v is %T, want a non-empty array", v, v)
	}
	return l
}

// textOf joins the text of a string or an array of text parts/blocks.
func textOf(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []any:
		var parts []string
		for _, p := range x {
			if m, ok := p.(map[string]any); ok {
				if s, ok := m["text"].(string); ok {
					parts = append(parts, s)
				}
			}
		}
		return strings.Join(parts, "\n")
	}
	return ""
}

func lastBody(t *testing.T, rec *fakeupstream.Recorder) map[string]any {
	t.Helper()
	var body map[string]any
	if err := json.Unmarshal(rec.Last().Body, &body); err != nil {
		t.Fatalf("upstream body: %v", err)
	}
	return body
}
