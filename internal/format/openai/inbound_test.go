package openai

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
)

// jsonValues compares raw JSON by value, not by key order.
var jsonValues = cmp.Transformer("jsonValue", func(r json.RawMessage) any {
	var v any
	if len(r) == 0 {
		return nil
	}
	if json.Unmarshal(r, &v) != nil {
		return string(r)
	}
	return v
})

// decodeInbound runs the whole inbound path: bytes → wire → canon.
func decodeInbound(body []byte) (*canon.Request, error) {
	wire, err := DecodeRequest(body)
	if err != nil {
		return nil, err
	}
	return RequestToCanon(wire)
}

// renderCanonRequest writes req as golden JSON with block types and tool
// choice modes by name, the form readCanonRequest reads back.
func renderCanonRequest(t *testing.T, req *canon.Request) json.RawMessage {
	t.Helper()
	raw, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	var tree map[string]any
	if err := json.Unmarshal(raw, &tree); err != nil {
		t.Fatal(err)
	}
	nameBlocks(tree["System"])
	if msgs, ok := tree["Messages"].([]any); ok {
		for _, m := range msgs {
			nameBlocks(m.(map[string]any)["Content"])
		}
	}
	if tools, ok := tree["Tools"].(map[string]any); ok {
		ch := tools["Choice"].(map[string]any)
		for name, mode := range choiceModeByName {
			if ch["Mode"] == float64(mode) {
				ch["Mode"] = name
			}
		}
	}
	out, err := json.Marshal(prune(tree))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// prune drops null, empty and false members so goldens show what is set.
func prune(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			e = prune(e)
			switch ev := e.(type) {
			case nil:
				delete(x, k)
				continue
			case string:
				if ev == "" {
					delete(x, k)
					continue
				}
			case bool:
				if !ev {
					delete(x, k)
					continue
				}
			}
			x[k] = e
		}
	case []any:
		for i, e := range x {
			x[i] = prune(e)
		}
	}
	return v
}

func nameBlocks(v any) {
	blocks, _ := v.([]any)
	for _, b := range blocks {
		bm := b.(map[string]any)
		if n, ok := bm["Type"].(float64); ok {
			bm["Type"] = canon.BlockType(n).String()
		}
		if tr, ok := bm["ToolResult"].(map[string]any); ok {
			nameBlocks(tr["Content"])
		}
	}
}

// TestInboundRequestGolden decodes testdata/inbound/<case>.wire.json as a
// client sends it and compares the canonical request with <case>.canon.json.
func TestInboundRequestGolden(t *testing.T) {
	for _, in := range casesIn(t, "testdata/inbound", ".wire.json") {
		name := strings.TrimSuffix(filepath.Base(in), ".wire.json")
		t.Run(name, func(t *testing.T) {
			body, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			req, err := decodeInbound(body)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			goldenPath := strings.TrimSuffix(in, ".wire.json") + ".canon.json"
			golden(t, goldenPath, renderCanonRequest(t, req))
			if *update {
				return
			}
			// The golden file must mean exactly what was decoded.
			want := readCanonRequest(t, goldenPath)
			if diff := cmp.Diff(want, req, jsonValues); diff != "" {
				t.Errorf("golden does not round-trip (-golden +got):\n%s", diff)
			}
		})
	}
}

// TestInboundRequestInvalid checks that each invalid request is a
// Validation error with the golden message in <case>.err.
func TestInboundRequestInvalid(t *testing.T) {
	for _, in := range casesIn(t, "testdata/inbound/invalid", ".wire.json") {
		name := strings.TrimSuffix(filepath.Base(in), ".wire.json")
		t.Run(name, func(t *testing.T) {
			body, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			req, err := decodeInbound(body)
			if err == nil {
				t.Fatalf("want an error, got %+v", req)
			}
			got := renderErr(t, err)
			if got.Kind != apierr.Validation.String() {
				t.Errorf("kind = %s, want Validation", got.Kind)
			}
			golden(t, strings.TrimSuffix(in, ".wire.json")+".err", got)
		})
	}
}

// FuzzDecodeRequest feeds arbitrary bodies to the inbound decoder: it must
// never panic, and every failure must be a Validation *apierr.Error.
func FuzzDecodeRequest(f *testing.F) {
	for _, dir := range []string{"testdata/inbound", "testdata/inbound/invalid"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.wire.json"))
		for _, p := range files {
			b, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := decodeInbound(body)
		if err != nil {
			if apierr.KindOf(err) != apierr.Validation {
				t.Fatalf("error %v is not a Validation *apierr.Error", err)
			}
			return
		}
		if req.Model == "" || len(req.Messages) == 0 {
			t.Fatalf("accepted a request without model or messages: %+v", req)
		}
		for _, m := range req.Messages {
			for _, b := range m.Content {
				if b.Type == canon.BlockText && strings.TrimSpace(b.Text) == "" {
					t.Fatalf("blank text block reached canon")
				}
			}
		}
		for i := 1; i < len(req.Messages); i++ {
			if req.Messages[i].Role == req.Messages[i-1].Role {
				t.Fatalf("roles do not alternate")
			}
		}
	})
}

func TestFinishReasonAndUsage(t *testing.T) {
	for in, want := range map[canon.StopReason]string{
		canon.StopEndTurn: "stop", canon.StopSequence: "stop", canon.StopMaxTokens: "length", canon.StopToolUse: "tool_calls",
		canon.StopContentFiltered: "content_filter", canon.StopGuardrailIntervened: "content_filter",
		canon.StopContextWindowExceeded: "length", canon.StopMalformedToolUse: "stop",
	} {
		if got := FinishReasonFromCanon(in); got != want {
			t.Errorf("%s → %s, want %s", in, got, want)
		}
	}
	resp := ResponseFromCanon(&canon.Response{
		Message: canon.Message{Role: canon.RoleAssistant, Content: []canon.Block{
			{Type: canon.BlockReasoning, Reasoning: &canon.Reasoning{Text: "hmm", Signature: "s"}},
			canon.TextBlock("Hi"),
			{Type: canon.BlockToolUse, ToolUse: &canon.ToolUse{ID: "t1", Name: "f", Input: json.RawMessage(`{"a":1}`)}},
		}},
		StopReason: canon.StopToolUse,
		Usage:      canon.Usage{InputTokens: 10, OutputTokens: 5, CacheReadTokens: 30, CacheWriteTokens: 2},
	}, "my-model", "chatcmpl-1", 1700000000)
	b, _ := json.Marshal(resp)
	want := `{"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"my-model","choices":[{"index":0,"message":{"role":"assistant","content":"Hi","tool_calls":[{"id":"t1","type":"function","function":{"name":"f","arguments":"{\"a\":1}"}}],"reasoning_content":"hmm"},"finish_reason":"tool_calls","logprobs":null}],"usage":{"prompt_tokens":42,"completion_tokens":5,"total_tokens":47,"prompt_tokens_details":{"cached_tokens":30,"cache_write_tokens":2}}}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
	// Only tool calls: content is null, as OpenAI sends it.
	resp = ResponseFromCanon(&canon.Response{Message: canon.Message{Content: []canon.Block{
		{Type: canon.BlockToolUse, ToolUse: &canon.ToolUse{ID: "t1", Name: "f", Input: json.RawMessage(`{}`)}}}}}, "m", "x", 1)
	if b, _ := json.Marshal(resp.Choices[0].Message); !strings.Contains(string(b), `"content":null`) {
		t.Errorf("message = %s", b)
	}
}

// TestStreamEncoder checks the chunk sequence for reasoning, text and two
// tool calls: role first, tool call indexes 0 and 1 (other blocks take
// none), id and name only on a call's first fragment, the finish chunk,
// then the usage chunk with empty choices.
func TestStreamEncoder(t *testing.T) {
	evs := []canon.Event{
		{Kind: canon.EventMessageStart},
		{Kind: canon.EventBlockStart, Index: 0, BlockType: canon.BlockReasoning},
		{Kind: canon.EventBlockDelta, Index: 0, Delta: canon.DeltaReasoningText, Text: "think"},
		{Kind: canon.EventBlockDelta, Index: 0, Delta: canon.DeltaReasoningSignature, Text: "sig"},
		{Kind: canon.EventBlockStop, Index: 0},
		{Kind: canon.EventBlockStart, Index: 1, BlockType: canon.BlockText},
		{Kind: canon.EventBlockDelta, Index: 1, Delta: canon.DeltaText, Text: "Hi"},
		{Kind: canon.EventBlockStop, Index: 1},
		{Kind: canon.EventBlockStart, Index: 2, BlockType: canon.BlockToolUse, ToolUseID: "a", ToolName: "f"},
		{Kind: canon.EventBlockDelta, Index: 2, Delta: canon.DeltaToolInput, Text: `{"x":`},
		{Kind: canon.EventBlockDelta, Index: 2, Delta: canon.DeltaToolInput, Text: `1}`},
		{Kind: canon.EventBlockStop, Index: 2},
		{Kind: canon.EventBlockStart, Index: 3, BlockType: canon.BlockToolUse, ToolUseID: "b", ToolName: "g"},
		{Kind: canon.EventBlockDelta, Index: 3, Delta: canon.DeltaToolInput, Text: `{}`},
		{Kind: canon.EventBlockStop, Index: 3},
		{Kind: canon.EventMessageStop, StopReason: canon.StopToolUse},
		{Kind: canon.EventMetadata, Usage: canon.Usage{InputTokens: 3, OutputTokens: 4, CacheReadTokens: 1}},
	}
	enc := NewStreamEncoder("chatcmpl-x", "m", 5, true)
	var got []string
	for _, ev := range evs {
		if err := enc.Encode(ev, func(b []byte) error { got = append(got, string(b)); return nil }); err != nil {
			t.Fatal(err)
		}
	}
	const head = `{"id":"chatcmpl-x","object":"chat.completion.chunk","created":5,"model":"m","choices":`
	want := []string{
		head + `[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}`,
		head + `[{"index":0,"delta":{"reasoning_content":"think"},"finish_reason":null}]}`,
		head + `[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}`,
		head + `[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"a","type":"function","function":{"name":"f","arguments":""}}]},"finish_reason":null}]}`,
		head + `[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"x\":"}}]},"finish_reason":null}]}`,
		head + `[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"1}"}}]},"finish_reason":null}]}`,
		head + `[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"b","type":"function","function":{"name":"g","arguments":""}}]},"finish_reason":null}]}`,
		head + `[{"index":0,"delta":{"tool_calls":[{"index":1,"function":{"arguments":"{}"}}]},"finish_reason":null}]}`,
		head + `[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}`,
		head + `[],"usage":{"prompt_tokens":4,"completion_tokens":4,"total_tokens":8,"prompt_tokens_details":{"cached_tokens":1}}}`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("chunks (-want +got):\n%s", diff)
	}
	if p := string(ErrorPayload(apierr.New(apierr.Throttling, "slow down"))); p != `{"error":{"message":"slow down","type":"rate_limit_error","param":null,"code":"rate_limit_exceeded"}}` {
		t.Errorf("error payload = %s", p)
	}
}

func TestErrorStatus(t *testing.T) {
	for k, want := range map[apierr.Kind]int{apierr.Validation: 400, apierr.AccessDenied: 403, apierr.NotFound: 404,
		apierr.Throttling: 429, apierr.QuotaExceeded: 429, apierr.Internal: 500, apierr.ModelError: 500,
		apierr.Unavailable: 503, apierr.ModelTimeout: 504} {
		if got, _ := ErrorBodyFor(apierr.New(k, "x")); got != want {
			t.Errorf("%s → %d, want %d", k, got, want)
		}
	}
}

func TestSanitizeDocumentName(t *testing.T) {
	for in, want := range map[string]string{
		"Q3 report_final.v2": "Q3 report final v2", "  ": "document", "a  --  b": "a -- b", "résumé (1)": "r sum (1)",
		strings.Repeat("x", 300): strings.Repeat("x", 200),
	} {
		if got := SanitizeDocumentName(in); got != want {
			t.Errorf("%q → %q, want %q", in, got, want)
		}
	}
}
