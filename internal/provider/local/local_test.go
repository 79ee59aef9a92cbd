package local

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
)

func ask(t *testing.T, req *canon.Request) (*canon.Response, []canon.Event, error) {
	t.Helper()
	acc := canon.NewAccumulator()
	var evs []canon.Event
	err := New("local").Converse(context.Background(), req, canon.EventWriterFunc(func(ev canon.Event) error {
		evs = append(evs, ev)
		return acc.WriteEvent(ev)
	}))
	if err != nil {
		return nil, evs, err
	}
	resp, err := acc.Response()
	return resp, evs, err
}

func user(blocks ...canon.Block) canon.Message {
	return canon.Message{Role: canon.RoleUser, Content: blocks}
}

func intp(i int) *int { return &i }

func weatherTools(mode canon.ToolChoiceMode) *canon.ToolConfig {
	return &canon.ToolConfig{Choice: canon.ToolChoice{Mode: mode}, Tools: []canon.Tool{
		{Name: "get_weather", InputSchema: json.RawMessage(`{"type":"object"}`)},
		{Name: "get_time", InputSchema: json.RawMessage(`{"type":"object"}`)},
	}}
}

func TestRules(t *testing.T) {
	cases := []struct {
		name      string
		req       canon.Request
		wantText  string
		wantStop  canon.StopReason
		wantTools []string
		wantInput string
	}{
		{name: "echo", req: canon.Request{Messages: []canon.Message{user(canon.TextBlock("hello there"))}},
			wantText: "You said: hello there", wantStop: canon.StopEndTurn},
		{name: "attachments", req: canon.Request{Messages: []canon.Message{user(canon.TextBlock("look"),
			canon.Block{Type: canon.BlockImage, Image: &canon.Media{Format: "png", Bytes: []byte{1, 2, 3}}},
			canon.Block{Type: canon.BlockDocument, Document: &canon.Document{Name: "doc", Format: "txt", Text: "abcd"}})}},
			wantText: `You said: look [received: image/png 3 bytes; document "doc" (txt) 4 bytes]`, wantStop: canon.StopEndTurn},
		{name: "max tokens", req: canon.Request{Messages: []canon.Message{user(canon.TextBlock("one two three four"))}, Inference: canon.InferenceConfig{MaxTokens: intp(3)}},
			wantText: "You said: one", wantStop: canon.StopMaxTokens},
		{name: "stop sequence", req: canon.Request{Messages: []canon.Message{user(canon.TextBlock("alpha STOP beta"))}, Inference: canon.InferenceConfig{StopSequences: []string{"STOP"}}},
			wantText: "You said: alpha ", wantStop: canon.StopSequence},
		{name: "tool named in text", req: canon.Request{Messages: []canon.Message{user(canon.TextBlock(`use get_weather {"city":"Paris"}`))}, Tools: weatherTools(canon.ToolChoiceAuto)},
			wantText: "Calling get_weather.", wantStop: canon.StopToolUse, wantTools: []string{"get_weather"}, wantInput: `{"city":"Paris"}`},
		{name: "parallel tools", req: canon.Request{Messages: []canon.Message{user(canon.TextBlock("get_time and get_weather"))}, Tools: weatherTools(canon.ToolChoiceAuto)},
			wantText: "Calling get_weather, get_time.", wantStop: canon.StopToolUse, wantTools: []string{"get_weather", "get_time"}, wantInput: `{}`},
		{name: "tool choice any", req: canon.Request{Messages: []canon.Message{user(canon.TextBlock("hi"))}, Tools: weatherTools(canon.ToolChoiceAny)},
			wantStop: canon.StopToolUse, wantTools: []string{"get_weather"}, wantInput: `{}`},
		{name: "tool choice named", req: canon.Request{Messages: []canon.Message{user(canon.TextBlock("get_weather"))}, Tools: &canon.ToolConfig{Tools: weatherTools(0).Tools, Choice: canon.ToolChoice{Mode: canon.ToolChoiceTool, Name: "get_time"}}},
			wantStop: canon.StopToolUse, wantTools: []string{"get_time"}, wantInput: `{}`},
		{name: "tool choice none", req: canon.Request{Messages: []canon.Message{user(canon.TextBlock("get_weather"))}, Tools: weatherTools(canon.ToolChoiceNone)},
			wantText: "You said: get_weather", wantStop: canon.StopEndTurn},
		{name: "tool name inside a word", req: canon.Request{Messages: []canon.Message{user(canon.TextBlock("xget_weather"))}, Tools: weatherTools(canon.ToolChoiceAuto)},
			wantText: "You said: xget_weather", wantStop: canon.StopEndTurn},
		{name: "tool result", req: canon.Request{Messages: []canon.Message{
			user(canon.TextBlock("weather?")),
			{Role: canon.RoleAssistant, Content: []canon.Block{{Type: canon.BlockToolUse, ToolUse: &canon.ToolUse{ID: "t1", Name: "get_weather", Input: json.RawMessage(`{}`)}}}},
			user(canon.Block{Type: canon.BlockToolResult, ToolResult: &canon.ToolResult{ToolUseID: "t1", Content: []canon.Block{{Type: canon.BlockJSON, JSON: json.RawMessage(`{"temp":21}`)}}}}),
		}, Tools: weatherTools(canon.ToolChoiceAuto)},
			wantText: `Tool get_weather returned: {"temp":21}`, wantStop: canon.StopEndTurn},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.req.Model = TestModel
			resp, _, err := ask(t, &c.req)
			if err != nil {
				t.Fatal(err)
			}
			var text string
			var tools []string
			for _, b := range resp.Message.Content {
				switch b.Type {
				case canon.BlockText:
					text += b.Text
				case canon.BlockToolUse:
					tools = append(tools, b.ToolUse.Name)
					if string(b.ToolUse.Input) != c.wantInput {
						t.Errorf("input = %s, want %s", b.ToolUse.Input, c.wantInput)
					}
					if !strings.HasPrefix(b.ToolUse.ID, "tooluse_") {
						t.Errorf("id = %q", b.ToolUse.ID)
					}
				}
			}
			if text != c.wantText || resp.StopReason != c.wantStop || strings.Join(tools, ",") != strings.Join(c.wantTools, ",") {
				t.Fatalf("got text %q stop %s tools %v; want %q %s %v", text, resp.StopReason, tools, c.wantText, c.wantStop, c.wantTools)
			}
			if resp.Usage.InputTokens == 0 || (c.wantText != "" && resp.Usage.OutputTokens == 0) {
				t.Errorf("usage = %+v", resp.Usage)
			}
		})
	}
}

func TestStreamsWordByWordAndReasoning(t *testing.T) {
	req := &canon.Request{Model: TestModel, Reasoning: &canon.ReasoningConfig{BudgetTokens: 100},
		Messages: []canon.Message{user(canon.TextBlock("a b c"))}}
	resp, evs, err := ask(t, req)
	if err != nil {
		t.Fatal(err)
	}
	deltas := 0
	for _, ev := range evs {
		if ev.Kind == canon.EventBlockDelta && ev.Delta == canon.DeltaText {
			deltas++
		}
	}
	if deltas != 5 { // "You ", "said: ", "a ", "b ", "c"
		t.Errorf("text deltas = %d, want 5", deltas)
	}
	r := resp.Message.Content[0]
	if r.Type != canon.BlockReasoning || r.Reasoning.Signature != "basalt-test-signature" || r.Reasoning.Text != "Thinking about: a b c" {
		t.Fatalf("first block = %+v", r)
	}
	if evs[len(evs)-1].Kind != canon.EventMetadata || evs[len(evs)-2].Kind != canon.EventMessageStop {
		t.Error("stream does not end with messageStop, metadata")
	}
}

func TestScriptedErrors(t *testing.T) {
	req := &canon.Request{Model: TestModel, Messages: []canon.Message{user(canon.TextBlock("basalt-test:error:ThrottlingException"))}}
	_, evs, err := ask(t, req)
	if apierr.KindOf(err) != apierr.Throttling || len(evs) != 0 {
		t.Fatalf("err = %v after %d events", err, len(evs))
	}
	req.Messages = []canon.Message{user(canon.TextBlock("basalt-test:error-after-start:ServiceUnavailableException"))}
	_, evs, err = ask(t, req)
	if apierr.KindOf(err) != apierr.Unavailable || len(evs) == 0 {
		t.Fatalf("err = %v after %d events", err, len(evs))
	}
	req.Messages = []canon.Message{user(canon.TextBlock("basalt-test:error:NoSuchException"))}
	if _, _, err = ask(t, req); apierr.KindOf(err) != apierr.Validation {
		t.Fatalf("unknown name: %v", err)
	}
	req.Model = "other"
	if _, _, err = ask(t, req); apierr.KindOf(err) != apierr.NotFound {
		t.Fatalf("other model: %v", err)
	}
}

func TestStopsWhenWriterFails(t *testing.T) {
	stop := errors.New("client gone")
	n := 0
	err := New("l").Converse(context.Background(), &canon.Request{Model: TestModel, Messages: []canon.Message{user(canon.TextBlock("a b c d e f"))}},
		canon.EventWriterFunc(func(canon.Event) error { n++; return stop }))
	if !errors.Is(err, stop) || n != 1 {
		t.Fatalf("err = %v after %d writes", err, n)
	}
}
