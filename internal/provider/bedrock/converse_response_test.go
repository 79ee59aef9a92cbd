package bedrock_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/basalt-gateway/basalt/internal/canon"
	fu "github.com/basalt-gateway/basalt/internal/testutil/fakeupstream"
)

// jsonValue compares raw JSON by value, since key order and spacing differ
// between Bedrock's body and what the SDK hands back.
var jsonValue = cmp.Transformer("jsonValue", func(r json.RawMessage) any {
	if len(r) == 0 {
		return nil
	}
	var v any
	if err := json.Unmarshal(r, &v); err != nil {
		return "invalid JSON: " + string(r)
	}
	return v
})

func toolUse(id, name, input string) canon.Block {
	return canon.Block{Type: canon.BlockToolUse, ToolUse: &canon.ToolUse{ID: id, Name: name, Input: json.RawMessage(input)}}
}

func reasoning(text, sig string, redacted []byte) canon.Block {
	return canon.Block{Type: canon.BlockReasoning, Reasoning: &canon.Reasoning{Text: text, Signature: sig, Redacted: redacted}}
}

var responseCases = []struct {
	name  string
	reply fu.BedrockReply
	want  canon.Response
}{
	{
		name:  "text",
		reply: fu.BedrockReply{Blocks: []fu.BedrockBlock{fu.BedrockText("Hello", ", ", "world!")}, Usage: fu.BedrockUsage{Input: 11, Output: 7}, LatencyMs: 302},
		want: canon.Response{Message: canon.Message{Role: canon.RoleAssistant, Content: []canon.Block{canon.TextBlock("Hello, world!")}},
			StopReason: canon.StopEndTurn, Usage: canon.Usage{InputTokens: 11, OutputTokens: 7}, LatencyMs: 302},
	},
	{
		name: "two_tool_calls",
		reply: fu.BedrockReply{Blocks: []fu.BedrockBlock{
			fu.BedrockText("Let me check both."),
			fu.BedrockToolUse("tooluse_a", "get_weather", `{"ci`, `ty":"Pa`, `ris"}`),
			fu.BedrockToolUse("tooluse_b", "get_weather", `{"city":`, `"Lyon","days":2}`),
		}, Usage: fu.BedrockUsage{Input: 50, Output: 40}, LatencyMs: 412},
		want: canon.Response{Message: canon.Message{Role: canon.RoleAssistant, Content: []canon.Block{
			canon.TextBlock("Let me check both."),
			toolUse("tooluse_a", "get_weather", `{"city":"Paris"}`),
			toolUse("tooluse_b", "get_weather", `{"city":"Lyon","days":2}`),
		}}, StopReason: canon.StopToolUse, Usage: canon.Usage{InputTokens: 50, OutputTokens: 40}, LatencyMs: 412},
	},
	{
		name:  "tool_without_input",
		reply: fu.BedrockReply{Blocks: []fu.BedrockBlock{fu.BedrockToolUse("t", "now")}},
		want: canon.Response{Message: canon.Message{Role: canon.RoleAssistant, Content: []canon.Block{toolUse("t", "now", `{}`)}},
			StopReason: canon.StopToolUse},
	},
	{
		name: "reasoning",
		reply: fu.BedrockReply{Blocks: []fu.BedrockBlock{
			fu.BedrockReasoning("EqoBCkgIARABGAIiQL+sig==", "First, ", "think."),
			fu.BedrockRedacted([]byte{0, 1, 2, 0xff}),
			fu.BedrockText("42"),
		}},
		want: canon.Response{Message: canon.Message{Role: canon.RoleAssistant, Content: []canon.Block{
			reasoning("First, think.", "EqoBCkgIARABGAIiQL+sig==", nil),
			reasoning("", "", []byte{0, 1, 2, 0xff}),
			canon.TextBlock("42"),
		}}, StopReason: canon.StopEndTurn},
	},
	{
		name: "cache_usage",
		reply: fu.BedrockReply{Blocks: []fu.BedrockBlock{fu.BedrockText("cached")}, StopReason: "max_tokens",
			Usage: fu.BedrockUsage{Input: 3, Output: 5, CacheRead: 1024, CacheWrite: 2048}},
		want: canon.Response{Message: canon.Message{Role: canon.RoleAssistant, Content: []canon.Block{canon.TextBlock("cached")}},
			StopReason: canon.StopMaxTokens, Usage: canon.Usage{InputTokens: 3, OutputTokens: 5, CacheReadTokens: 1024, CacheWriteTokens: 2048}},
	},
	{
		name: "additional_response_fields",
		reply: fu.BedrockReply{Blocks: []fu.BedrockBlock{fu.BedrockText("Hi")}, StopReason: "stop_sequence",
			AdditionalFields: json.RawMessage(`{"stop_sequence":"\n\nHuman:","n":12345678901234567890}`)},
		want: canon.Response{Message: canon.Message{Role: canon.RoleAssistant, Content: []canon.Block{canon.TextBlock("Hi")}},
			StopReason: canon.StopSequence, AdditionalFields: json.RawMessage(`{"n":12345678901234567890,"stop_sequence":"\n\nHuman:"}`)},
	},
}

// TestResponse checks that unary and streamed answers accumulate to the same
// canonical response.
func TestResponse(t *testing.T) {
	for _, tc := range responseCases {
		for _, stream := range []bool{false, true} {
			name := tc.name + map[bool]string{false: "/unary", true: "/stream"}[stream]
			t.Run(name, func(t *testing.T) {
				fake, p := setup(t)
				fake.Reply(tc.reply)
				got, err := converse(t, p, &canon.Request{Model: claude, Stream: stream, Messages: []canon.Message{userText("hi")}})
				if err != nil {
					t.Fatal(err)
				}
				if d := cmp.Diff(&tc.want, got, jsonValue); d != "" {
					t.Errorf("answer (-want +got):\n%s", d)
				}
			})
		}
	}
}

// TestAdditionalFieldDigits checks that large numbers in
// additionalModelResponseFields survive both paths digit for digit.
func TestAdditionalFieldDigits(t *testing.T) {
	for _, stream := range []bool{false, true} {
		fake, p := setup(t)
		fake.Reply(fu.BedrockReply{Blocks: []fu.BedrockBlock{fu.BedrockText("x")}, AdditionalFields: json.RawMessage(`{"n":12345678901234567890}`)})
		got, err := converse(t, p, &canon.Request{Model: claude, Stream: stream, Messages: []canon.Message{userText("hi")}})
		if err != nil {
			t.Fatal(err)
		}
		if string(got.AdditionalFields) != `{"n":12345678901234567890}` {
			t.Errorf("stream=%v: additional fields = %s", stream, got.AdditionalFields)
		}
	}
}

// TestStreamEvents checks the canonical event sequence of a streamed answer:
// text and reasoning blocks get the start event Converse does not send, each
// fragment is forwarded as it arrives, and indexes follow the final message.
func TestStreamEvents(t *testing.T) {
	fake, p := setup(t)
	fake.Reply(fu.BedrockReply{Blocks: []fu.BedrockBlock{
		fu.BedrockReasoning("sig", "hm"),
		fu.BedrockText("A", "B"),
		fu.BedrockToolUse("t1", "f", `{"a":`, `1}`),
		fu.BedrockToolUse("t2", "g", `{}`),
	}, Usage: fu.BedrockUsage{Input: 1, Output: 2, CacheRead: 3, CacheWrite: 4}, LatencyMs: 9})
	var rec recorder
	if err := p.Converse(context.Background(), &canon.Request{Model: claude, Stream: true, Messages: []canon.Message{userText("hi")}}, &rec); err != nil {
		t.Fatal(err)
	}
	want := []canon.Event{
		{Kind: canon.EventMessageStart},
		{Kind: canon.EventBlockStart, Index: 0, BlockType: canon.BlockReasoning},
		{Kind: canon.EventBlockDelta, Index: 0, Delta: canon.DeltaReasoningText, Text: "hm"},
		{Kind: canon.EventBlockDelta, Index: 0, Delta: canon.DeltaReasoningSignature, Text: "sig"},
		{Kind: canon.EventBlockStop, Index: 0},
		{Kind: canon.EventBlockStart, Index: 1, BlockType: canon.BlockText},
		{Kind: canon.EventBlockDelta, Index: 1, Delta: canon.DeltaText, Text: "A"},
		{Kind: canon.EventBlockDelta, Index: 1, Delta: canon.DeltaText, Text: "B"},
		{Kind: canon.EventBlockStop, Index: 1},
		{Kind: canon.EventBlockStart, Index: 2, BlockType: canon.BlockToolUse, ToolUseID: "t1", ToolName: "f"},
		{Kind: canon.EventBlockDelta, Index: 2, Delta: canon.DeltaToolInput, Text: `{"a":`},
		{Kind: canon.EventBlockDelta, Index: 2, Delta: canon.DeltaToolInput, Text: `1}`},
		{Kind: canon.EventBlockStop, Index: 2},
		{Kind: canon.EventBlockStart, Index: 3, BlockType: canon.BlockToolUse, ToolUseID: "t2", ToolName: "g"},
		{Kind: canon.EventBlockDelta, Index: 3, Delta: canon.DeltaToolInput, Text: `{}`},
		{Kind: canon.EventBlockStop, Index: 3},
		{Kind: canon.EventMessageStop, StopReason: canon.StopToolUse},
		{Kind: canon.EventMetadata, Usage: canon.Usage{InputTokens: 1, OutputTokens: 2, CacheReadTokens: 3, CacheWriteTokens: 4}, LatencyMs: 9},
	}
	if d := cmp.Diff(want, rec.events); d != "" {
		t.Errorf("events (-want +got):\n%s", d)
	}
}
