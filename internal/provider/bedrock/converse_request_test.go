package bedrock_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/testutil/fakeupstream"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

const (
	claude = "us.anthropic.claude-sonnet-4-20250514-v1:0"
	nova   = "amazon.nova-pro-v1:0"
	gptOSS = "openai.gpt-oss-120b-1:0"
)

var png = []byte{0x89, 'P', 'N', 'G', 1, 2, 3}

func weatherTool() canon.Tool {
	return canon.Tool{Name: "get_weather", Description: "Current weather for a city",
		InputSchema: json.RawMessage(`{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}`)}
}

func toolHistory() []canon.Message {
	return []canon.Message{
		userText("Weather in Paris?"),
		{Role: canon.RoleAssistant, Content: []canon.Block{
			canon.TextBlock("Let me check."),
			{Type: canon.BlockToolUse, ToolUse: &canon.ToolUse{ID: "tooluse_1", Name: "get_weather", Input: json.RawMessage(`{"city":"Paris","days":3,"precise":1.50}`)}},
		}},
		{Role: canon.RoleUser, Content: []canon.Block{
			{Type: canon.BlockToolResult, ToolResult: &canon.ToolResult{ToolUseID: "tooluse_1", Status: "success", Content: []canon.Block{
				canon.TextBlock("Sunny"),
				{Type: canon.BlockJSON, JSON: json.RawMessage(`{"temp_c":21,"big":12345678901234567890}`)},
			}}},
		}},
	}
}

// requestCases cover every canonical field and block type; the golden file
// for each is the raw JSON body the fake received.
var requestCases = []struct {
	name string
	req  canon.Request
}{
	{"text", canon.Request{Model: nova, Messages: []canon.Message{userText("Hello")}}},
	{"multi_turn_system", canon.Request{Model: nova,
		System: []canon.Block{canon.TextBlock("You are terse."), canon.TextBlock("  "), canon.TextBlock("Answer in French.")},
		Messages: []canon.Message{userText("Hi"),
			{Role: canon.RoleAssistant, Content: []canon.Block{canon.TextBlock("Bonjour.")}},
			userText("How are you?")}}},
	{"inference_claude", canon.Request{Model: claude, Messages: []canon.Message{userText("Hi")},
		Inference: canon.InferenceConfig{MaxTokens: ptr(512), Temperature: ptr(0.5), TopP: ptr(0.9), TopK: ptr(40),
			StopSequences: []string{"\n\nHuman:"}, Seed: ptr(int64(7))}}},
	{"inference_nova_topk", canon.Request{Model: nova, Messages: []canon.Message{userText("Hi")},
		Inference:        canon.InferenceConfig{TopK: ptr(20)},
		AdditionalFields: map[string]json.RawMessage{"inferenceConfig": json.RawMessage(`{"repetitionPenalty":1.1}`)}}},
	{"tools_auto", canon.Request{Model: claude, Messages: []canon.Message{userText("Weather?")},
		Tools: &canon.ToolConfig{Tools: []canon.Tool{weatherTool(),
			{Name: "no_schema", Description: "Takes nothing", Strict: true}}}}},
	{"tools_any", canon.Request{Model: claude, Messages: []canon.Message{userText("Weather?")},
		Tools: &canon.ToolConfig{Tools: []canon.Tool{weatherTool()}, Choice: canon.ToolChoice{Mode: canon.ToolChoiceAny}}}},
	{"tools_specific", canon.Request{Model: claude, Messages: []canon.Message{userText("Weather?")},
		Tools: &canon.ToolConfig{Tools: []canon.Tool{weatherTool()}, Choice: canon.ToolChoice{Mode: canon.ToolChoiceTool, Name: "get_weather"}}}},
	{"tools_none", canon.Request{Model: claude, Messages: []canon.Message{userText("Weather?")},
		Tools: &canon.ToolConfig{Tools: []canon.Tool{weatherTool()}, Choice: canon.ToolChoice{Mode: canon.ToolChoiceNone}}}},
	{"tools_none_with_history", canon.Request{Model: claude, Messages: toolHistory(),
		Tools: &canon.ToolConfig{Tools: []canon.Tool{weatherTool()}, Choice: canon.ToolChoice{Mode: canon.ToolChoiceNone}}}},
	{"tool_round_trip", canon.Request{Model: claude, Messages: append(toolHistory(), canon.Message{Role: canon.RoleUser, Content: []canon.Block{
		{Type: canon.BlockToolResult, ToolResult: &canon.ToolResult{ToolUseID: "tooluse_2", Status: "error", Content: []canon.Block{
			{Type: canon.BlockImage, Image: &canon.Media{Format: "png", Bytes: png}},
			{Type: canon.BlockDocument, Document: &canon.Document{Format: "txt", Name: "log", Text: "stack trace"}},
			{Type: canon.BlockVideo, Video: &canon.Media{Format: "mp4", S3URI: "s3://bucket/clip.mp4"}},
		}}},
		canon.TextBlock("It failed."),
	}}), Tools: &canon.ToolConfig{Tools: []canon.Tool{weatherTool()}}}},
	{"blank_text_dropped", canon.Request{Model: claude, Messages: append(toolHistory()[:1], canon.Message{Role: canon.RoleAssistant, Content: []canon.Block{
		canon.TextBlock(""),
		{Type: canon.BlockToolUse, ToolUse: &canon.ToolUse{ID: "t1", Name: "get_weather"}},
	}}, canon.Message{Role: canon.RoleUser, Content: []canon.Block{
		{Type: canon.BlockToolResult, ToolResult: &canon.ToolResult{ToolUseID: "t1", Content: []canon.Block{canon.TextBlock("ok")}}},
	}}), Tools: &canon.ToolConfig{Tools: []canon.Tool{weatherTool()}}}},
	{"image", canon.Request{Model: nova, Messages: []canon.Message{{Role: canon.RoleUser, Content: []canon.Block{
		canon.TextBlock("Compare"),
		{Type: canon.BlockImage, Image: &canon.Media{Format: "png", Bytes: png}},
		{Type: canon.BlockImage, Image: &canon.Media{Format: "jpeg", S3URI: "s3://bucket/a.jpg", BucketOwner: "123456789012"}},
	}}}}},
	{"document", canon.Request{Model: claude, Messages: []canon.Message{{Role: canon.RoleUser, Content: []canon.Block{
		{Type: canon.BlockDocument, Document: &canon.Document{Format: "pdf", Name: "Report (Q1)", Bytes: []byte("%PDF-1.7"), Context: "quarterly numbers", Citations: true}},
		{Type: canon.BlockDocument, Document: &canon.Document{Format: "md", Name: "notes", Text: "# Notes"}},
		{Type: canon.BlockDocument, Document: &canon.Document{Format: "csv", Name: "data", S3URI: "s3://bucket/data.csv", BucketOwner: "123456789012"}},
		canon.TextBlock("Summarise these."),
	}}}}},
	{"video_audio", canon.Request{Model: nova, Messages: []canon.Message{{Role: canon.RoleUser, Content: []canon.Block{
		{Type: canon.BlockVideo, Video: &canon.Media{Format: "mp4", Bytes: []byte{0, 0, 0, 0x18}}},
		{Type: canon.BlockAudio, Audio: &canon.Media{Format: "mp3", Bytes: []byte{0xff, 0xfb}}},
		{Type: canon.BlockAudio, Audio: &canon.Media{Format: "wav", S3URI: "s3://bucket/a.wav"}},
		canon.TextBlock("Describe."),
	}}}}},
	{"reasoning_claude", canon.Request{Model: claude, Reasoning: &canon.ReasoningConfig{BudgetTokens: 4096},
		Inference: canon.InferenceConfig{MaxTokens: ptr(8192)},
		Messages: []canon.Message{userText("Think."), {Role: canon.RoleAssistant, Content: []canon.Block{
			{Type: canon.BlockReasoning, Reasoning: &canon.Reasoning{Text: "Let me think…", Signature: "EqoBCkgIARABGAIiQL+sig=="}},
			{Type: canon.BlockReasoning, Reasoning: &canon.Reasoning{Redacted: []byte("opaque")}},
			canon.TextBlock("Done."),
		}}, userText("Again.")}}},
	{"reasoning_claude_effort", canon.Request{Model: "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-7-sonnet-20250219-v1:0",
		Reasoning: &canon.ReasoningConfig{Effort: "low"}, Messages: []canon.Message{userText("Think.")}}},
	{"reasoning_nova", canon.Request{Model: "us.amazon.nova-2-lite-v1:0", Reasoning: &canon.ReasoningConfig{Effort: "high"},
		Messages: []canon.Message{userText("Think.")}}},
	{"reasoning_other", canon.Request{Model: gptOSS, Reasoning: &canon.ReasoningConfig{BudgetTokens: 1024},
		Messages: []canon.Message{userText("Think.")}}},
	{"cache_points", canon.Request{Model: claude,
		System: []canon.Block{canon.TextBlock("Long system prompt."), {Type: canon.BlockCachePoint, CachePoint: &canon.CachePoint{TTL: "1h"}}},
		Tools: &canon.ToolConfig{Tools: []canon.Tool{func() canon.Tool {
			t := weatherTool()
			t.CachePoint = &canon.CachePoint{}
			return t
		}()}},
		Messages: []canon.Message{{Role: canon.RoleUser, Content: []canon.Block{
			canon.TextBlock("Long document."), {Type: canon.BlockCachePoint, CachePoint: &canon.CachePoint{TTL: "5m"}}, canon.TextBlock("Question?"),
		}}}}},
	{"guard_content", canon.Request{Model: nova,
		System: []canon.Block{{Type: canon.BlockGuardContent, GuardContent: &canon.GuardContent{Text: "Policy text", Qualifiers: []string{"grounding_source"}}}},
		Messages: []canon.Message{{Role: canon.RoleUser, Content: []canon.Block{
			{Type: canon.BlockGuardContent, GuardContent: &canon.GuardContent{Text: "Is this allowed?", Qualifiers: []string{"query", "guard_content"}}},
			{Type: canon.BlockGuardContent, GuardContent: &canon.GuardContent{Image: &canon.Media{Format: "png", Bytes: png}}},
		}}}}},
	{"additional_fields", canon.Request{Model: claude, Messages: []canon.Message{userText("Hi")},
		AdditionalFields:             map[string]json.RawMessage{"anthropic_beta": json.RawMessage(`["context-1m-2025-08-07"]`), "custom": json.RawMessage(`{"n":1e3,"s":"x","z":null}`)},
		AdditionalResponseFieldPaths: []string{"/stop_sequence", "/usage/server_tool_use"},
		RequestMetadata:              map[string]string{"tenant": "acme", "trace": "abc"},
		PerformanceLatency:           "optimized",
		ServiceTier:                  "priority",
		User:                         "end-user-1"}},
	{"output_format", canon.Request{Model: nova, Messages: []canon.Message{userText("Give JSON")},
		OutputFormat: &canon.OutputFormat{Type: "json_schema", Name: "person", Description: "A person",
			Schema: json.RawMessage(`{
				"type": "object",
				"properties": {"name": {"type": "string"}}
			}`), Strict: true}}},
	{"output_json_object", canon.Request{Model: nova, Messages: []canon.Message{userText("Give JSON")},
		OutputFormat: &canon.OutputFormat{Type: "json_object"}}},
}

// TestRequestGolden checks the exact body that reaches Bedrock for every
// case, through both Converse and ConverseStream (whose bodies are the same).
func TestRequestGolden(t *testing.T) {
	for _, tc := range requestCases {
		t.Run(tc.name, func(t *testing.T) {
			fake, p := setup(t)
			var bodies [2][]byte
			for i, stream := range []bool{false, true} {
				fake.Reply(fakeupstream.BedrockReply{Blocks: []fakeupstream.BedrockBlock{fakeupstream.BedrockText("ok")}})
				req := tc.req
				req.Stream = stream
				if _, err := converse(t, p, &req); err != nil {
					t.Fatalf("stream=%v: %v", stream, err)
				}
				last := fake.Last()
				wantPath := "/model/" + tc.req.Model + map[bool]string{false: "/converse", true: "/converse-stream"}[stream]
				if last.Path != wantPath {
					t.Errorf("path = %q, want %q", last.Path, wantPath)
				}
				bodies[i] = last.Body
			}
			if d := cmp.Diff(parseJSON(t, bodies[0]), parseJSON(t, bodies[1])); d != "" {
				t.Errorf("converse and converse-stream bodies differ (-converse +stream):\n%s", d)
			}
			checkGolden(t, filepath.Join("testdata", "request", tc.name+".json"), bodies[0])
		})
	}
}

func parseJSON(t *testing.T, b []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("invalid JSON %q: %v", b, err)
	}
	return v
}

// checkGolden compares JSON by value (the SDK writes map keys in random
// order) and stores it indented with sorted keys so diffs read well.
func checkGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	gotV := parseJSON(t, got)
	if *update {
		b, err := json.MarshalIndent(gotV, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if d := cmp.Diff(parseJSON(t, want), gotV); d != "" {
		t.Errorf("body sent to Bedrock differs from %s (-want +got):\n%s", path, d)
	}
}

func TestRequestInvalid(t *testing.T) {
	cases := []struct {
		name string
		req  canon.Request
	}{
		{"no model", canon.Request{Messages: []canon.Message{userText("hi")}}},
		{"image url", canon.Request{Model: nova, Messages: []canon.Message{{Role: canon.RoleUser, Content: []canon.Block{
			{Type: canon.BlockImage, Image: &canon.Media{Format: "png", URL: "https://example.com/a.png"}}}}}}},
		{"empty document", canon.Request{Model: nova, Messages: []canon.Message{{Role: canon.RoleUser, Content: []canon.Block{
			{Type: canon.BlockDocument, Document: &canon.Document{Name: "x"}}}}}}},
		{"bad tool input", canon.Request{Model: nova, Messages: []canon.Message{{Role: canon.RoleAssistant, Content: []canon.Block{
			{Type: canon.BlockToolUse, ToolUse: &canon.ToolUse{ID: "a", Name: "f", Input: json.RawMessage(`{"a":`)}}}}}}},
		{"bad schema", canon.Request{Model: nova, Messages: []canon.Message{userText("hi")},
			Tools: &canon.ToolConfig{Tools: []canon.Tool{{Name: "f", InputSchema: json.RawMessage(`{`)}}}}},
		{"bad additional field", canon.Request{Model: nova, Messages: []canon.Message{userText("hi")},
			AdditionalFields: map[string]json.RawMessage{"x": json.RawMessage(`nope`)}}},
		{"json block in message", canon.Request{Model: nova, Messages: []canon.Message{{Role: canon.RoleUser, Content: []canon.Block{
			{Type: canon.BlockJSON, JSON: json.RawMessage(`{}`)}}}}}},
		{"tool use in system", canon.Request{Model: nova, Messages: []canon.Message{userText("hi")},
			System: []canon.Block{{Type: canon.BlockToolUse, ToolUse: &canon.ToolUse{ID: "a", Name: "f"}}}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fake, p := setup(t)
			_, err := converse(t, p, &tc.req)
			if got := apierr.KindOf(err); err == nil || got != apierr.Validation {
				t.Fatalf("err = %v (kind %v), want ValidationException", err, got)
			}
			if n := len(fake.Requests()); n != 0 {
				t.Errorf("%d requests reached Bedrock, want none", n)
			}
		})
	}
}
