package anthropic

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"

	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/gateway"
	"github.com/basalt-gateway/basalt/internal/testutil/fakeupstream"
)

var _ gateway.Provider = (*Provider)(nil)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const testKey = "sk-ant-api03-SECRET-test-key-0123456789"

func newProvider(t *testing.T, fake *fakeupstream.Anthropic, edit ...func(*Config)) *Provider {
	t.Helper()
	cfg := Config{Name: "anthropic-test", BaseURL: fake.URL, APIKey: testKey, HTTPClient: fake.Client()}
	for _, e := range edit {
		e(&cfg)
	}
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// call runs Converse and accumulates the answer, checking the event grammar
// on the way.
func call(t *testing.T, p *Provider, req *canon.Request) (*canon.Response, []canon.Event, error) {
	t.Helper()
	acc := canon.NewAccumulator()
	var evs []canon.Event
	err := p.Converse(context.Background(), req, canon.EventWriterFunc(func(ev canon.Event) error {
		evs = append(evs, ev)
		return acc.WriteEvent(ev)
	}))
	if err != nil {
		return nil, evs, err
	}
	resp, err := acc.Response()
	if err != nil {
		t.Fatalf("provider returned nil but the answer is incomplete: %v", err)
	}
	if evs[len(evs)-1].Kind != canon.EventMetadata {
		t.Fatalf("last event is %v, want metadata", evs[len(evs)-1].Kind)
	}
	return resp, evs, nil
}

func userText(s string) canon.Message {
	return canon.Message{Role: canon.RoleUser, Content: []canon.Block{canon.TextBlock(s)}}
}

func textOf(r *canon.Response) string {
	var sb strings.Builder
	for _, b := range r.Message.Content {
		if b.Type == canon.BlockText {
			sb.WriteString(b.Text)
		}
	}
	return sb.String()
}

// upstream decodes the body the fake received last.
func upstream(t *testing.T, fake *fakeupstream.Anthropic) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(fake.Last().Body, &m); err != nil {
		t.Fatalf("upstream body: %v", err)
	}
	return m
}

// jsonOf re-decodes v so expectations can be written as JSON literals.
func jsonOf(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("bad expectation %s: %v", s, err)
	}
	return v
}

// modes runs f for a unary and a streaming request.
func modes(t *testing.T, f func(t *testing.T, stream bool)) {
	for _, stream := range []bool{false, true} {
		name := "unary"
		if stream {
			name = "stream"
		}
		t.Run(name, func(t *testing.T) { f(t, stream) })
	}
}

func TestPlainText(t *testing.T) {
	modes(t, func(t *testing.T, stream bool) {
		fake := fakeupstream.NewAnthropic(t)
		fake.Reply(fakeupstream.AnthropicReply{Content: []fakeupstream.AnthropicBlock{{Type: "text", Text: "Hello there, friend!"}},
			Usage: fakeupstream.AnthropicUsage{InputTokens: 9, OutputTokens: 5}})
		p := newProvider(t, fake)
		resp, _, err := call(t, p, &canon.Request{Model: "claude-sonnet-4-5", Stream: stream, Messages: []canon.Message{userText("Hi")}})
		if err != nil {
			t.Fatal(err)
		}
		if got := textOf(resp); got != "Hello there, friend!" {
			t.Errorf("text = %q", got)
		}
		if resp.StopReason != canon.StopEndTurn || resp.Usage != (canon.Usage{InputTokens: 9, OutputTokens: 5}) {
			t.Errorf("stop %q usage %+v", resp.StopReason, resp.Usage)
		}
		rec := fake.Last()
		if rec.Method != http.MethodPost || rec.Path != "/v1/messages" {
			t.Errorf("request %s %s", rec.Method, rec.Path)
		}
		for h, want := range map[string]string{"X-Api-Key": testKey, "Anthropic-Version": "2023-06-01", "Content-Type": "application/json"} {
			if got := rec.Header.Get(h); got != want {
				t.Errorf("header %s = %q, want %q", h, got, want)
			}
		}
		body := upstream(t, fake)
		if body["model"] != "claude-sonnet-4-5" || (body["stream"] == true) != stream {
			t.Errorf("model %v stream %v", body["model"], body["stream"])
		}
	})
}

func TestConfig(t *testing.T) {
	fake := fakeupstream.NewAnthropic(t)
	p := newProvider(t, fake, func(c *Config) { c.BaseURL += "/"; c.Version = "2099-01-01"; c.DefaultMaxTokens = 1234 })
	if p.Name() != "anthropic-test" {
		t.Errorf("Name = %q", p.Name())
	}
	if _, _, err := call(t, p, &canon.Request{Model: "m", Messages: []canon.Message{userText("hi")}}); err != nil {
		t.Fatal(err)
	}
	rec := fake.Last()
	if rec.Path != "/v1/messages" || rec.Header.Get("anthropic-version") != "2099-01-01" {
		t.Errorf("path %q version %q", rec.Path, rec.Header.Get("anthropic-version"))
	}
	if got := upstream(t, fake)["max_tokens"]; got != 1234.0 {
		t.Errorf("max_tokens = %v, want the configured default", got)
	}
	for _, bad := range []Config{{BaseURL: "api.anthropic.com"}, {BaseURL: "ftp://x"}, {BaseURL: "https://x?y=1"}, {DefaultMaxTokens: -1}} {
		if _, err := New(bad); err == nil {
			t.Errorf("New(%+v) accepted a bad config", bad)
		}
	}
	d, err := New(Config{})
	if err != nil || d.Name() != "anthropic" || d.endpoint != "https://api.anthropic.com/v1/messages" {
		t.Errorf("defaults: %v %q %q", err, d.Name(), d.endpoint)
	}
}

func TestSystemMultiTurnAndParams(t *testing.T) {
	fake := fakeupstream.NewAnthropic(t)
	p := newProvider(t, fake)
	maxT, topK := 300, 40
	temp, topP := 0.3, 0.95
	req := &canon.Request{
		Model:  "claude-sonnet-4-5",
		System: []canon.Block{canon.TextBlock("You are terse.")},
		Messages: []canon.Message{
			userText("Hi"),
			{Role: canon.RoleAssistant, Content: []canon.Block{canon.TextBlock("Hello!")}},
			userText("Capital of France?"),
		},
		Inference: canon.InferenceConfig{MaxTokens: &maxT, Temperature: &temp, TopP: &topP, TopK: &topK, StopSequences: []string{"END"}},
		User:      "u-1",
	}
	if _, _, err := call(t, p, req); err != nil {
		t.Fatal(err)
	}
	got := upstream(t, fake)
	want := jsonOf(t, `{
		"model": "claude-sonnet-4-5", "max_tokens": 300, "temperature": 0.3, "top_p": 0.95, "top_k": 40,
		"stop_sequences": ["END"], "metadata": {"user_id": "u-1"},
		"system": [{"type": "text", "text": "You are terse."}],
		"messages": [
			{"role": "user", "content": [{"type": "text", "text": "Hi"}]},
			{"role": "assistant", "content": [{"type": "text", "text": "Hello!"}]},
			{"role": "user", "content": [{"type": "text", "text": "Capital of France?"}]}
		]}`)
	if d := cmp.Diff(want, any(got)); d != "" {
		t.Errorf("upstream body (-want +got):\n%s", d)
	}
}

func TestDefaultMaxTokens(t *testing.T) {
	fake := fakeupstream.NewAnthropic(t)
	p := newProvider(t, fake)
	if _, _, err := call(t, p, &canon.Request{Model: "m", Messages: []canon.Message{userText("hi")}}); err != nil {
		t.Fatal(err)
	}
	if got := upstream(t, fake)["max_tokens"]; got != 4096.0 {
		t.Errorf("max_tokens = %v, want 4096", got)
	}
}

var weatherTool = canon.Tool{Name: "get_weather", Description: "Weather for a city.",
	InputSchema: json.RawMessage(`{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}`)}

// TestToolRoundTrip: tool_use streamed in fragments → client runs the tool
// → tool_result goes back with the same id → final answer.
func TestToolRoundTrip(t *testing.T) {
	modes(t, func(t *testing.T, stream bool) {
		fake := fakeupstream.NewAnthropic(t)
		fake.Reply(fakeupstream.AnthropicReply{Content: []fakeupstream.AnthropicBlock{
			{Type: "text", Text: "Checking."},
			{Type: "tool_use", ID: "toolu_01A", Name: "get_weather", Input: `{"city": "Paris", "unit": "celsius"}`},
			{Type: "tool_use", ID: "toolu_01B", Name: "get_weather", Input: `{"city":"Tokyo"}`},
		}})
		fake.Reply(fakeupstream.AnthropicReply{Content: []fakeupstream.AnthropicBlock{{Type: "text", Text: "Paris 18C, Tokyo 25C."}}})
		p := newProvider(t, fake)
		tools := &canon.ToolConfig{Tools: []canon.Tool{weatherTool}}
		req := &canon.Request{Model: "m", Stream: stream, Tools: tools, Messages: []canon.Message{userText("Weather?")}}
		first, evs, err := call(t, p, req)
		if err != nil {
			t.Fatal(err)
		}
		if first.StopReason != canon.StopToolUse {
			t.Errorf("stop = %q", first.StopReason)
		}
		if stream {
			n := 0
			for _, ev := range evs {
				if ev.Kind == canon.EventBlockDelta && ev.Delta == canon.DeltaToolInput && ev.Index == 1 {
					n++
				}
			}
			if n < 2 {
				t.Errorf("tool input arrived in %d fragments, want several", n)
			}
		}
		var uses []*canon.ToolUse
		for _, b := range first.Message.Content {
			if b.Type == canon.BlockToolUse {
				uses = append(uses, b.ToolUse)
			}
		}
		if len(uses) != 2 || uses[0].ID != "toolu_01A" || uses[1].ID != "toolu_01B" {
			t.Fatalf("tool uses = %+v", uses)
		}
		var in map[string]string
		if err := json.Unmarshal(uses[0].Input, &in); err != nil || in["city"] != "Paris" {
			t.Fatalf("joined input %s: %v", uses[0].Input, err)
		}
		if got := upstream(t, fake)["tools"]; got == nil {
			t.Fatal("tools did not reach the upstream")
		}

		req.Messages = append(req.Messages, first.Message, canon.Message{Role: canon.RoleUser, Content: []canon.Block{
			{Type: canon.BlockToolResult, ToolResult: &canon.ToolResult{ToolUseID: "toolu_01A", Content: []canon.Block{{Type: canon.BlockJSON, JSON: json.RawMessage(`{"temp": 18}`)}}}},
			{Type: canon.BlockToolResult, ToolResult: &canon.ToolResult{ToolUseID: "toolu_01B", Status: "error", Content: []canon.Block{canon.TextBlock("timeout")}}},
		}})
		second, _, err := call(t, p, req)
		if err != nil {
			t.Fatal(err)
		}
		if textOf(second) != "Paris 18C, Tokyo 25C." {
			t.Errorf("final text %q", textOf(second))
		}
		msgs := upstream(t, fake)["messages"].([]any)
		want := jsonOf(t, `[
			{"role": "user", "content": [{"type": "text", "text": "Weather?"}]},
			{"role": "assistant", "content": [
				{"type": "text", "text": "Checking."},
				{"type": "tool_use", "id": "toolu_01A", "name": "get_weather", "input": {"city": "Paris", "unit": "celsius"}},
				{"type": "tool_use", "id": "toolu_01B", "name": "get_weather", "input": {"city": "Tokyo"}}]},
			{"role": "user", "content": [
				{"type": "tool_result", "tool_use_id": "toolu_01A", "content": [{"type": "text", "text": "{\"temp\":18}"}]},
				{"type": "tool_result", "tool_use_id": "toolu_01B", "content": [{"type": "text", "text": "timeout"}], "is_error": true}]}]`)
		if d := cmp.Diff(want, any(msgs)); d != "" {
			t.Errorf("second turn (-want +got):\n%s", d)
		}
	})
}

func TestToolChoice(t *testing.T) {
	cases := []struct {
		choice canon.ToolChoice
		want   string
	}{
		{canon.ToolChoice{Mode: canon.ToolChoiceAuto}, `{"type":"auto"}`},
		{canon.ToolChoice{Mode: canon.ToolChoiceAny}, `{"type":"any"}`},
		{canon.ToolChoice{Mode: canon.ToolChoiceNone}, `{"type":"none"}`},
		{canon.ToolChoice{Mode: canon.ToolChoiceTool, Name: "get_weather"}, `{"type":"tool","name":"get_weather"}`},
	}
	fake := fakeupstream.NewAnthropic(t)
	p := newProvider(t, fake)
	for _, c := range cases {
		t.Run(c.want, func(t *testing.T) {
			req := &canon.Request{Model: "m", Messages: []canon.Message{userText("hi")},
				Tools: &canon.ToolConfig{Tools: []canon.Tool{weatherTool}, Choice: c.choice}}
			if _, _, err := call(t, p, req); err != nil {
				t.Fatal(err)
			}
			body := upstream(t, fake)
			if d := cmp.Diff(jsonOf(t, c.want), body["tool_choice"]); d != "" {
				t.Errorf("tool_choice (-want +got):\n%s", d)
			}
			tools, _ := body["tools"].([]any)
			if len(tools) != 1 {
				t.Errorf("tools = %v: the tool must reach the upstream", body["tools"])
			}
		})
	}
}

func TestImageAndPDF(t *testing.T) {
	fake := fakeupstream.NewAnthropic(t)
	p := newProvider(t, fake)
	req := &canon.Request{Model: "m", Messages: []canon.Message{{Role: canon.RoleUser, Content: []canon.Block{
		{Type: canon.BlockImage, Image: &canon.Media{Format: "png", Bytes: []byte("\x89PNG\r\n\x1a\n")}},
		{Type: canon.BlockDocument, Document: &canon.Document{Format: "pdf", Name: "report", Bytes: []byte("%PDF-1.4\n"), Citations: true}},
		canon.TextBlock("Describe both."),
	}}}}
	if _, _, err := call(t, p, req); err != nil {
		t.Fatal(err)
	}
	content := upstream(t, fake)["messages"].([]any)[0].(map[string]any)["content"]
	want := jsonOf(t, `[
		{"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}},
		{"type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": "JVBERi0xLjQK"}, "title": "report", "citations": {"enabled": true}},
		{"type": "text", "text": "Describe both."}]`)
	if d := cmp.Diff(want, content); d != "" {
		t.Errorf("content (-want +got):\n%s", d)
	}
}

// TestThinkingReplay: a signed thinking block comes back from the upstream
// and is replayed first in the next turn, signature byte for byte.
func TestThinkingReplay(t *testing.T) {
	const sig = "EqQBCkgIARABGAIiQL+/7x9<&>==/Zq+\u2028Wn0vKXh3"
	modes(t, func(t *testing.T, stream bool) {
		fake := fakeupstream.NewAnthropic(t)
		fake.Reply(fakeupstream.AnthropicReply{Content: []fakeupstream.AnthropicBlock{
			{Type: "thinking", Thinking: "I need the weather tool.", Signature: sig},
			{Type: "redacted_thinking", Data: "EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5"},
			{Type: "tool_use", ID: "toolu_9", Name: "get_weather", Input: `{"city":"Oslo"}`},
		}})
		fake.Reply(fakeupstream.AnthropicReply{Content: []fakeupstream.AnthropicBlock{{Type: "text", Text: "Cold."}}})
		p := newProvider(t, fake)
		req := &canon.Request{Model: "m", Stream: stream, Reasoning: &canon.ReasoningConfig{BudgetTokens: 2048},
			Tools: &canon.ToolConfig{Tools: []canon.Tool{weatherTool}}, Messages: []canon.Message{userText("Oslo?")}}
		first, _, err := call(t, p, req)
		if err != nil {
			t.Fatal(err)
		}
		if th := upstream(t, fake)["thinking"]; cmp.Diff(jsonOf(t, `{"type":"enabled","budget_tokens":2048}`), th) != "" {
			t.Errorf("thinking = %v", th)
		}
		r := first.Message.Content[0].Reasoning
		if r == nil || r.Signature != sig || r.Text != "I need the weather tool." {
			t.Fatalf("reasoning = %+v", r)
		}
		req.Messages = append(req.Messages, first.Message, canon.Message{Role: canon.RoleUser, Content: []canon.Block{
			{Type: canon.BlockToolResult, ToolResult: &canon.ToolResult{ToolUseID: "toolu_9", Content: []canon.Block{canon.TextBlock("-5C")}}}}})
		if _, _, err := call(t, p, req); err != nil {
			t.Fatal(err)
		}
		var body struct {
			Messages []struct {
				Role    string            `json:"role"`
				Content []json.RawMessage `json:"content"`
			} `json:"messages"`
		}
		if err := json.Unmarshal(fake.Last().Body, &body); err != nil {
			t.Fatal(err)
		}
		asst := body.Messages[1]
		var first0 struct{ Type, Thinking, Signature string }
		_ = json.Unmarshal(asst.Content[0], &first0)
		if asst.Role != "assistant" || first0.Type != "thinking" || first0.Signature != sig || first0.Thinking != "I need the weather tool." {
			t.Errorf("first assistant block = %s, want the signed thinking block", asst.Content[0])
		}
		if got := string(asst.Content[1]); got != `{"type":"redacted_thinking","data":"EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5"}` {
			t.Errorf("second block = %s", got)
		}
	})
}

func TestCachePointPositions(t *testing.T) {
	fake := fakeupstream.NewAnthropic(t)
	p := newProvider(t, fake)
	cp := func(ttl string) canon.Block {
		return canon.Block{Type: canon.BlockCachePoint, CachePoint: &canon.CachePoint{TTL: ttl}}
	}
	tool := weatherTool
	tool.CachePoint = &canon.CachePoint{TTL: "1h"}
	req := &canon.Request{Model: "m",
		System:   []canon.Block{canon.TextBlock("sys one"), canon.TextBlock("sys two"), cp("1h")},
		Tools:    &canon.ToolConfig{Tools: []canon.Tool{tool}},
		Messages: []canon.Message{{Role: canon.RoleUser, Content: []canon.Block{canon.TextBlock("doc"), cp(""), canon.TextBlock("question")}}},
	}
	if _, _, err := call(t, p, req); err != nil {
		t.Fatal(err)
	}
	body := upstream(t, fake)
	want := jsonOf(t, `{
		"system": [{"type": "text", "text": "sys one"}, {"type": "text", "text": "sys two", "cache_control": {"type": "ephemeral", "ttl": "1h"}}],
		"tool_cache": {"type": "ephemeral", "ttl": "1h"},
		"content": [{"type": "text", "text": "doc", "cache_control": {"type": "ephemeral"}}, {"type": "text", "text": "question"}]}`)
	got := map[string]any{
		"system":     body["system"],
		"tool_cache": body["tools"].([]any)[0].(map[string]any)["cache_control"],
		"content":    body["messages"].([]any)[0].(map[string]any)["content"],
	}
	if d := cmp.Diff(want, any(got)); d != "" {
		t.Errorf("cache_control positions (-want +got):\n%s", d)
	}
}

func TestUsageWithCache(t *testing.T) {
	modes(t, func(t *testing.T, stream bool) {
		fake := fakeupstream.NewAnthropic(t)
		fake.Reply(fakeupstream.AnthropicReply{Content: []fakeupstream.AnthropicBlock{{Type: "text", Text: "ok"}},
			Usage: fakeupstream.AnthropicUsage{InputTokens: 25, OutputTokens: 40, CacheReadInputTokens: 2000, CacheCreationInputTokens: 1000}})
		p := newProvider(t, fake)
		resp, _, err := call(t, p, &canon.Request{Model: "m", Stream: stream, Messages: []canon.Message{userText("hi")}})
		if err != nil {
			t.Fatal(err)
		}
		want := canon.Usage{InputTokens: 25, OutputTokens: 40, CacheReadTokens: 2000, CacheWriteTokens: 1000}
		if resp.Usage != want || resp.Usage.Total() != 3065 {
			t.Errorf("usage = %+v (total %d), want %+v", resp.Usage, resp.Usage.Total(), want)
		}
	})
}

func TestStopReasons(t *testing.T) {
	cases := map[string]canon.StopReason{
		"end_turn": canon.StopEndTurn, "max_tokens": canon.StopMaxTokens, "stop_sequence": canon.StopSequence,
		"tool_use": canon.StopToolUse, "refusal": canon.StopContentFiltered, "pause_turn": canon.StopEndTurn,
		"model_context_window_exceeded": canon.StopContextWindowExceeded,
	}
	for in, want := range cases {
		t.Run(in, func(t *testing.T) {
			modes(t, func(t *testing.T, stream bool) {
				fake := fakeupstream.NewAnthropic(t)
				fake.Reply(fakeupstream.AnthropicReply{Content: []fakeupstream.AnthropicBlock{{Type: "text", Text: "x"}},
					StopReason: in, StopSequence: "STOP"})
				p := newProvider(t, fake)
				resp, _, err := call(t, p, &canon.Request{Model: "m", Stream: stream, Messages: []canon.Message{userText("hi")},
					AdditionalResponseFieldPaths: []string{"/stop_sequence"}})
				if err != nil {
					t.Fatal(err)
				}
				if resp.StopReason != want {
					t.Errorf("stop = %q, want %q", resp.StopReason, want)
				}
				wantFields := ""
				if in == "stop_sequence" {
					wantFields = `{"stop_sequence":"STOP"}`
				}
				if string(resp.AdditionalFields) != wantFields {
					t.Errorf("additional fields = %s, want %s", resp.AdditionalFields, wantFields)
				}
			})
		})
	}
}

func TestBetaHeader(t *testing.T) {
	fake := fakeupstream.NewAnthropic(t)
	p := newProvider(t, fake)
	req := &canon.Request{Model: "m", Messages: []canon.Message{userText("hi")}, AdditionalFields: map[string]json.RawMessage{
		"anthropic_beta": json.RawMessage(`["context-1m-2025-08-07","interleaved-thinking-2025-05-14"]`),
		"container":      json.RawMessage(`"cntr_1"`),
	}}
	if _, _, err := call(t, p, req); err != nil {
		t.Fatal(err)
	}
	if got := fake.Last().Header.Get("anthropic-beta"); got != "context-1m-2025-08-07,interleaved-thinking-2025-05-14" {
		t.Errorf("anthropic-beta = %q", got)
	}
	body := upstream(t, fake)
	if _, ok := body["anthropic_beta"]; ok {
		t.Error("anthropic_beta must travel as a header, not in the body")
	}
	if body["container"] != "cntr_1" {
		t.Errorf("extra field lost: %v", body)
	}
}
