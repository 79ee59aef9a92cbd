package bedrock

import (
	"encoding/json"
	"testing"

	"github.com/basalt-gateway/basalt/internal/canon"
)

func ptrResponse(blocks []canon.Block, stop canon.StopReason, u canon.Usage, extra string) *canon.Response {
	r := &canon.Response{Message: canon.Message{Role: canon.RoleAssistant, Content: blocks}, StopReason: stop, Usage: u, LatencyMs: 42}
	if extra != "" {
		r.AdditionalFields = json.RawMessage(extra)
	}
	return r
}

var encodeCases = []*canon.Response{
	ptrResponse(nil, "", canon.Usage{}, ""),
	ptrResponse([]canon.Block{canon.TextBlock("Hello <b>&</b> \"q\" \u2028 \xff")}, canon.StopEndTurn, canon.Usage{InputTokens: 3, OutputTokens: 4}, ""),
	ptrResponse([]canon.Block{
		{Type: canon.BlockReasoning, Reasoning: &canon.Reasoning{Text: "think", Signature: "sig"}},
		{Type: canon.BlockReasoning, Reasoning: &canon.Reasoning{Redacted: []byte{0, 1, 2, 250}}},
		{Type: canon.BlockReasoning, Reasoning: &canon.Reasoning{Text: "both", Redacted: []byte("x")}},
		canon.TextBlock(""),
		{Type: canon.BlockImage, Image: &canon.Media{Format: "png"}},
		{Type: canon.BlockToolUse, ToolUse: &canon.ToolUse{ID: "t1", Name: "f", Input: json.RawMessage(` { "a" : [1, "<x>"] , "b":"\u2028" } `)}},
		{Type: canon.BlockToolUse, ToolUse: &canon.ToolUse{ID: "t2", Name: "g", Type: "server_tool_use"}},
	}, canon.StopToolUse, canon.Usage{InputTokens: 1, OutputTokens: 2, CacheReadTokens: 5, CacheWriteTokens: 7}, `{"stop_sequence": "</s>"}`),
	ptrResponse([]canon.Block{{Type: canon.BlockToolUse, ToolUse: &canon.ToolUse{ID: "t", Name: "f", Input: json.RawMessage(`{bad`)}}}, "", canon.Usage{}, ""),
	ptrResponse(nil, canon.StopMaxTokens, canon.Usage{InputTokens: -1}, `[1, 2`),
	ptrResponse(nil, canon.StopMaxTokens, canon.Usage{}, "\"\xe2\x80\xa8\xe2\x80\xa9 \xe2\"&"),
}

// TestEncodeResponseMatchesMarshal pins EncodeResponse to the reflection
// encoding it replaced.
func TestEncodeResponseMatchesMarshal(t *testing.T) {
	for _, r := range encodeCases {
		checkEncodeResponse(t, r)
	}
}

func checkEncodeResponse(t *testing.T, r *canon.Response) {
	t.Helper()
	want, wantErr := json.Marshal(FromCanonResponse(r))
	got, gotErr := EncodeResponse(r)
	if (gotErr == nil) != (wantErr == nil) || (gotErr != nil && gotErr.Error() != wantErr.Error()) {
		t.Fatalf("error %v, json.Marshal says %v", gotErr, wantErr)
	}
	if string(got) != string(want) {
		t.Fatalf("EncodeResponse:\n got %s\nwant %s", got, want)
	}
}

func FuzzEncodeResponse(f *testing.F) {
	f.Add("text", "think", "sig", []byte("red"), "id", "name", []byte(`{"a":1}`), "stop", 1, 2, 3, 4, []byte(`{"x":"<"}`), uint8(0xff))
	f.Fuzz(func(t *testing.T, text, thinking, sig string, redacted []byte, id, name string, input []byte, stop string,
		in, out, cr, cw int, extra []byte, mask uint8) {
		var blocks []canon.Block
		if mask&1 != 0 {
			blocks = append(blocks, canon.TextBlock(text))
		}
		if mask&2 != 0 {
			blocks = append(blocks, canon.Block{Type: canon.BlockReasoning, Reasoning: &canon.Reasoning{Text: thinking, Signature: sig, Redacted: redacted}})
		}
		if mask&4 != 0 {
			blocks = append(blocks, canon.Block{Type: canon.BlockToolUse, ToolUse: &canon.ToolUse{ID: id, Name: name, Input: input, Type: sig}})
		}
		if mask&8 != 0 {
			blocks = append(blocks, canon.Block{Type: canon.BlockCachePoint, CachePoint: &canon.CachePoint{}})
		}
		r := ptrResponse(blocks, canon.StopReason(stop), canon.Usage{InputTokens: in, OutputTokens: out, CacheReadTokens: cr, CacheWriteTokens: cw}, "")
		if mask&16 != 0 {
			r.AdditionalFields = extra
		}
		checkEncodeResponse(t, r)
	})
}
