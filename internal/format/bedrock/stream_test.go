package bedrock

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
)

func TestAppendStreamEvent(t *testing.T) {
	cases := []struct {
		ev       canon.Event
		wantType string
		want     string
	}{
		{canon.Event{Kind: canon.EventMessageStart}, "messageStart", `{"role":"assistant"}`},
		{canon.Event{Kind: canon.EventBlockStart, Index: 1, BlockType: canon.BlockToolUse, ToolUseID: "t1", ToolName: "f"}, "contentBlockStart",
			`{"contentBlockIndex":1,"start":{"toolUse":{"toolUseId":"t1","name":"f"}}}`},
		{canon.Event{Kind: canon.EventBlockDelta, Delta: canon.DeltaText, Text: "a\"b\n<"}, "contentBlockDelta", `{"contentBlockIndex":0,"delta":{"text":"a\"b\n<"}}`},
		{canon.Event{Kind: canon.EventBlockDelta, Index: 2, Delta: canon.DeltaToolInput, Text: `{"city":`}, "contentBlockDelta", `{"contentBlockIndex":2,"delta":{"toolUse":{"input":"{\"city\":"}}}`},
		{canon.Event{Kind: canon.EventBlockDelta, Delta: canon.DeltaReasoningText, Text: "hm"}, "contentBlockDelta", `{"contentBlockIndex":0,"delta":{"reasoningContent":{"text":"hm"}}}`},
		{canon.Event{Kind: canon.EventBlockDelta, Delta: canon.DeltaReasoningSignature, Text: "sig"}, "contentBlockDelta", `{"contentBlockIndex":0,"delta":{"reasoningContent":{"signature":"sig"}}}`},
		{canon.Event{Kind: canon.EventBlockDelta, Delta: canon.DeltaReasoningRedacted, Redacted: []byte{1, 2, 3}}, "contentBlockDelta", `{"contentBlockIndex":0,"delta":{"reasoningContent":{"redactedContent":"AQID"}}}`},
		{canon.Event{Kind: canon.EventBlockStop, Index: 3}, "contentBlockStop", `{"contentBlockIndex":3}`},
		{canon.Event{Kind: canon.EventMessageStop, StopReason: canon.StopToolUse, AdditionalFields: json.RawMessage(`{"stop_sequence":null}`)}, "messageStop", `{"stopReason":"tool_use","additionalModelResponseFields":{"stop_sequence":null}}`},
		{canon.Event{Kind: canon.EventMetadata, Usage: canon.Usage{InputTokens: 3, OutputTokens: 4, CacheReadTokens: 5, CacheWriteTokens: 6}, LatencyMs: 9}, "metadata",
			`{"usage":{"inputTokens":3,"outputTokens":4,"totalTokens":18,"cacheReadInputTokens":5,"cacheWriteInputTokens":6},"metrics":{"latencyMs":9}}`},
	}
	for _, c := range cases {
		got, typ, ok := AppendStreamEvent(nil, c.ev)
		if !ok || typ != c.wantType || string(got) != c.want {
			t.Errorf("%v: got %s %s %v, want %s %s", c.ev.Kind, typ, got, ok, c.wantType, c.want)
		}
		if !json.Valid(got) {
			t.Errorf("%v: invalid JSON %s", c.ev.Kind, got)
		}
	}
	if _, _, ok := AppendStreamEvent(nil, canon.Event{Kind: canon.EventBlockStart, BlockType: canon.BlockText}); ok {
		t.Error("text block start must not produce a frame: ContentBlockStart has no text member")
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain", "quote\"back\\slash", "\x00\x1f\u2028\u2029", "bad\xffutf8", "<html>&"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := appendString(nil, s)
		var back string
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatalf("appendString(%q) = %s is not JSON: %v", s, got, err)
		}
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(s)
		if string(got) != string(bytes.TrimSuffix(want.Bytes(), []byte("\n"))) {
			t.Fatalf("appendString(%q) = %s, encoding/json gives %s", s, got, want.Bytes())
		}
	})
}

func TestErrorBody(t *testing.T) {
	e := &apierr.Error{Kind: apierr.ModelError, Message: `bad "x"`, UpstreamStatus: 502}
	var body struct {
		Message            string
		Type               string `json:"__type"`
		OriginalStatusCode int
	}
	if err := json.Unmarshal(ErrorBody(e), &body); err != nil {
		t.Fatal(err)
	}
	if body.Message != `bad "x"` || body.Type != "ModelErrorException" || body.OriginalStatusCode != 502 {
		t.Fatalf("body = %+v", body)
	}
	statuses := map[apierr.Kind]int{apierr.Validation: 400, apierr.AccessDenied: 403, apierr.NotFound: 404,
		apierr.ModelTimeout: 408, apierr.Throttling: 429, apierr.ModelNotReady: 429, apierr.ModelError: 424,
		apierr.Internal: 500, apierr.Unavailable: 503}
	for k, want := range statuses {
		if got := ErrorStatus(k); got != want {
			t.Errorf("ErrorStatus(%v) = %d, want %d", k, got, want)
		}
	}
}

func BenchmarkAppendStreamEvent(b *testing.B) {
	ev := canon.Event{Kind: canon.EventBlockDelta, Index: 0, Delta: canon.DeltaText, Text: "Hello, world: a typical token"}
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		buf, _, _ = AppendStreamEvent(buf[:0], ev)
	}
}
