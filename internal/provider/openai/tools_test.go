package openai

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/testutil/fakeupstream"
)

var weatherTool = canon.Tool{Name: "get_weather", Description: "Current weather for a city",
	InputSchema: json.RawMessage(`{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}`)}

var timeTool = canon.Tool{Name: "get_time", InputSchema: json.RawMessage(`{"type":"object"}`)}

func toolUses(r *canon.Response) []canon.ToolUse {
	var out []canon.ToolUse
	for _, b := range r.Message.Content {
		if b.Type == canon.BlockToolUse {
			tu := *b.ToolUse
			var buf bytes.Buffer
			_ = json.Compact(&buf, tu.Input)
			tu.Input = buf.Bytes()
			out = append(out, tu)
		}
	}
	return out
}

// TestToolRoundTrip: the model calls a tool, the client answers with the
// result, the model answers; ids survive both ways and the tools reach
// the upstream on every turn (pitfall 2).
func TestToolRoundTrip(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			fake := fakeupstream.NewOpenAI(t)
			fake.Reply(fakeupstream.OpenAIReply{ToolCalls: []fakeupstream.OpenAIToolCall{
				{ID: "call_abc123", Name: "get_weather", Arguments: `{"city":"Paris"}`}}})
			fake.Reply(fakeupstream.OpenAIReply{Text: "It is sunny in Paris."})
			p := newProvider(t, fake)
			tools := &canon.ToolConfig{Tools: []canon.Tool{weatherTool}}
			req := &canon.Request{Model: "gpt-4o", Stream: m.stream, Tools: tools,
				Messages: []canon.Message{userText("Weather in Paris?")}}

			r1 := converse(t, p, req)
			if r1.err != nil {
				t.Fatal(r1.err)
			}
			if r1.resp.StopReason != canon.StopToolUse {
				t.Errorf("stop = %q", r1.resp.StopReason)
			}
			want := []canon.ToolUse{{ID: "call_abc123", Name: "get_weather", Input: json.RawMessage(`{"city":"Paris"}`)}}
			if diff := cmp.Diff(want, toolUses(r1.resp)); diff != "" {
				t.Fatalf("tool uses (-want +got):\n%s", diff)
			}
			if got := jsonOf(t, upstreamBody(t, fake)["tools"]); got != `[{"function":{"description":"Current weather for a city","name":"get_weather","parameters":{"properties":{"city":{"type":"string"}},"required":["city"],"type":"object"}},"type":"function"}]` {
				t.Errorf("tools on turn 1: %s", got)
			}

			req.Messages = append(req.Messages, r1.resp.Message, canon.Message{Role: canon.RoleUser, Content: []canon.Block{
				{Type: canon.BlockToolResult, ToolResult: &canon.ToolResult{ToolUseID: "call_abc123",
					Content: []canon.Block{{Type: canon.BlockJSON, JSON: json.RawMessage(`{"sky": "sunny"}`)}}}}}})
			r2 := converse(t, p, req)
			if r2.err != nil {
				t.Fatal(r2.err)
			}
			if textOf(r2.resp) != "It is sunny in Paris." {
				t.Errorf("answer %q", textOf(r2.resp))
			}
			body := upstreamBody(t, fake)
			wantMsgs := `[{"content":"Weather in Paris?","role":"user"},` +
				`{"content":null,"role":"assistant","tool_calls":[{"function":{"arguments":"{\"city\":\"Paris\"}","name":"get_weather"},"id":"call_abc123","type":"function"}]},` +
				`{"content":"{\"sky\":\"sunny\"}","role":"tool","tool_call_id":"call_abc123"}]`
			if got := jsonOf(t, body["messages"]); got != wantMsgs {
				t.Errorf("turn 2 messages:\n got %s\nwant %s", got, wantMsgs)
			}
			if body["tools"] == nil || body["tool_choice"] != "auto" {
				t.Errorf("turn 2 lost the tools: tools=%v tool_choice=%v", body["tools"], body["tool_choice"])
			}
		})
	}
}

func TestToolChoice(t *testing.T) {
	for _, c := range []struct {
		name   string
		choice canon.ToolChoice
		want   string
	}{
		{"auto", canon.ToolChoice{Mode: canon.ToolChoiceAuto}, `"auto"`},
		{"any", canon.ToolChoice{Mode: canon.ToolChoiceAny}, `"required"`},
		{"none", canon.ToolChoice{Mode: canon.ToolChoiceNone}, `"none"`},
		{"tool", canon.ToolChoice{Mode: canon.ToolChoiceTool, Name: "get_time"}, `{"function":{"name":"get_time"},"type":"function"}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			fake := fakeupstream.NewOpenAI(t)
			p := newProvider(t, fake)
			req := simpleReq(true)
			req.Tools = &canon.ToolConfig{Tools: []canon.Tool{weatherTool, timeTool}, Choice: c.choice}
			if r := converse(t, p, req); r.err != nil {
				t.Fatal(r.err)
			}
			body := upstreamBody(t, fake)
			if got := jsonOf(t, body["tool_choice"]); got != c.want {
				t.Errorf("tool_choice = %s, want %s", got, c.want)
			}
			if tools, _ := body["tools"].([]any); len(tools) != 2 {
				t.Errorf("tools = %v", body["tools"])
			}
		})
	}
}

// TestParallelToolCallsStreamEqualsUnary is pitfall 1: two parallel calls,
// their argument fragments interleaved on the wire, come out as two
// tool-use blocks with their own ids whose joined arguments equal the
// unary answer's.
func TestParallelToolCallsStreamEqualsUnary(t *testing.T) {
	reply := fakeupstream.OpenAIReply{
		ToolCalls: []fakeupstream.OpenAIToolCall{
			{ID: "call_K3dZ1", Name: "get_weather", Arguments: `{"city": "Paris", "unit": "celsius"}`},
			{ID: "call_Q8Jx2", Name: "get_time", Arguments: `{"timezone": "Asia/Tokyo"}`},
		},
		FragmentSize: 3, InterleaveToolCalls: true,
	}
	answers := map[bool]*canon.Response{}
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			fake := fakeupstream.NewOpenAI(t)
			fake.Reply(reply)
			req := simpleReq(m.stream)
			req.Tools = &canon.ToolConfig{Tools: []canon.Tool{weatherTool, timeTool}}
			r := converse(t, newProvider(t, fake), req)
			if r.err != nil {
				t.Fatal(r.err)
			}
			answers[m.stream] = r.resp
			if !m.stream {
				return
			}
			starts, deltas := map[int]string{}, map[int]int{}
			for _, ev := range r.events {
				switch {
				case ev.Kind == canon.EventBlockStart && ev.BlockType == canon.BlockToolUse:
					starts[ev.Index] = ev.ToolUseID
				case ev.Kind == canon.EventBlockDelta && ev.Delta == canon.DeltaToolInput:
					deltas[ev.Index]++
				}
			}
			if diff := cmp.Diff(map[int]string{0: "call_K3dZ1", 1: "call_Q8Jx2"}, starts); diff != "" {
				t.Errorf("tool blocks (-want +got):\n%s", diff)
			}
			if deltas[0] < 2 {
				t.Errorf("the first call's arguments were not streamed incrementally (%d deltas)", deltas[0])
			}
		})
	}
	if answers[false] == nil || answers[true] == nil {
		return
	}
	if diff := cmp.Diff(toolUses(answers[false]), toolUses(answers[true])); diff != "" {
		t.Errorf("stream differs from unary (-unary +stream):\n%s", diff)
	}
	want := []canon.ToolUse{
		{ID: "call_K3dZ1", Name: "get_weather", Input: json.RawMessage(`{"city":"Paris","unit":"celsius"}`)},
		{ID: "call_Q8Jx2", Name: "get_time", Input: json.RawMessage(`{"timezone":"Asia/Tokyo"}`)},
	}
	if diff := cmp.Diff(want, toolUses(answers[true])); diff != "" {
		t.Errorf("tool uses (-want +got):\n%s", diff)
	}
}

func TestReasoningComesBack(t *testing.T) {
	for _, field := range []string{"reasoning_content", "reasoning"} {
		for _, m := range modes {
			t.Run(field+"/"+m.name, func(t *testing.T) {
				fake := fakeupstream.NewOpenAI(t)
				fake.Reply(fakeupstream.OpenAIReply{Reasoning: "The user greets me.", ReasoningField: field, Text: "Hi!"})
				r := converse(t, newProvider(t, fake), simpleReq(m.stream))
				if r.err != nil {
					t.Fatal(r.err)
				}
				c := r.resp.Message.Content
				if len(c) != 2 || c[0].Type != canon.BlockReasoning || c[0].Reasoning.Text != "The user greets me." || c[1].Text != "Hi!" {
					t.Errorf("content %+v", c)
				}
			})
		}
	}
}
