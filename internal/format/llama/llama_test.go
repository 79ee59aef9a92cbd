package llama

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/testutil/golden"
)

const testModel = "meta.llama3-8b-instruct-v1:0"

// TestDecodeRequestGolden: testdata/request/<case>.wire.json (a body as a
// client sends it) → <case>.canon.json.
func TestDecodeRequestGolden(t *testing.T) {
	for _, f := range golden.Glob(t, "testdata/request/*.wire.json") {
		t.Run(filepath.Base(f), func(t *testing.T) {
			body, _ := os.ReadFile(f)
			req, err := DecodeRequest(testModel, body)
			if err != nil {
				t.Fatal(err)
			}
			golden.Assert(t, strings.TrimSuffix(f, ".wire.json")+".canon.json", golden.JSON(t, req))
		})
	}
}

// TestDecodeRequestInvalid: testdata/request/invalid/<case>.wire.json →
// the ValidationException message in <case>.err.
func TestDecodeRequestInvalid(t *testing.T) {
	for _, f := range golden.Glob(t, "testdata/request/invalid/*.wire.json") {
		t.Run(filepath.Base(f), func(t *testing.T) {
			body, _ := os.ReadFile(f)
			_, err := DecodeRequest(testModel, body)
			var ae *apierr.Error
			if !errors.As(err, &ae) || ae.Kind != apierr.Validation {
				t.Fatalf("err = %v, want a Validation error", err)
			}
			golden.Assert(t, strings.TrimSuffix(f, ".wire.json")+".err", []byte(ae.Message+"\n"))
		})
	}
}

func FuzzDecodeRequest(f *testing.F) {
	for _, pat := range []string{"testdata/request/*.wire.json", "testdata/request/invalid/*.wire.json"} {
		for _, file := range golden.Glob(f, pat) {
			b, _ := os.ReadFile(file)
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		req, err := DecodeRequest(testModel, in)
		if err != nil {
			var ae *apierr.Error
			if !errors.As(err, &ae) || ae.Kind != apierr.Validation {
				t.Fatalf("error %T %v", err, err)
			}
			return
		}
		if len(req.Messages) == 0 || req.Messages[0].Role != canon.RoleUser {
			t.Fatalf("accepted a conversation without a first user turn: %+v", req.Messages)
		}
	})
}

// answers are canonical responses every family's encoders are checked with.
var answers = map[string]*canon.Response{
	"text": {Message: canon.Message{Role: canon.RoleAssistant, Content: []canon.Block{canon.TextBlock("Sunny, 21 °C.\n\"Enjoy\"")}},
		StopReason: canon.StopEndTurn, Usage: canon.Usage{InputTokens: 12, OutputTokens: 6}, LatencyMs: 40},
	"tool_use": {Message: canon.Message{Role: canon.RoleAssistant, Content: []canon.Block{
		canon.TextBlock("Checking."),
		{Type: canon.BlockToolUse, ToolUse: &canon.ToolUse{ID: "tooluse_1", Name: "get_weather", Input: json.RawMessage(`{"city":"Paris"}`)}},
	}}, StopReason: canon.StopToolUse, Usage: canon.Usage{InputTokens: 30, OutputTokens: 9, CacheReadTokens: 100, CacheWriteTokens: 4}},
	"reasoning_max_tokens": {Message: canon.Message{Role: canon.RoleAssistant, Content: []canon.Block{
		{Type: canon.BlockReasoning, Reasoning: &canon.Reasoning{Text: "[REDACTED]"}},
		canon.TextBlock("The answer is"),
	}}, StopReason: canon.StopMaxTokens, Usage: canon.Usage{InputTokens: 5, OutputTokens: 3}},
}

func metrics(u canon.Usage, latencyMs int64) (string, any) {
	return "amazon-bedrock-invocationMetrics", map[string]any{"inputTokenCount": u.InputTokens, "outputTokenCount": u.OutputTokens,
		"invocationLatency": latencyMs, "firstByteLatency": 1}
}

// TestResponseGolden: canonical answers → testdata/response/<case>.json.
func TestResponseGolden(t *testing.T) {
	for name, r := range answers {
		t.Run(name, func(t *testing.T) {
			b, err := json.MarshalIndent(ResponseFromCanon(r), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden.Assert(t, "testdata/response/"+name+".json", append(b, '\n'))
		})
	}
}

// TestStreamGolden: canonical answers, as the event stream a provider
// produces, → testdata/stream/<case>.jsonl (one chunk a line).
func TestStreamGolden(t *testing.T) {
	for name, r := range answers {
		t.Run(name, func(t *testing.T) {
			var out []byte
			enc := NewStreamEncoder(func(c []byte) error {
				if !json.Valid(c) {
					t.Fatalf("chunk is not JSON: %s", c)
				}
				out = append(append(out, c...), '\n')
				return nil
			}, metrics)
			if err := canon.Emit(enc, r); err != nil {
				t.Fatal(err)
			}
			if err := enc.Finish(); err != nil || !enc.Done() {
				t.Fatalf("Finish = %v, done %v", err, enc.Done())
			}
			golden.Assert(t, "testdata/stream/"+name+".jsonl", out)
		})
	}
}

func TestStreamWithoutStop(t *testing.T) {
	enc := NewStreamEncoder(func([]byte) error { return nil }, nil)
	_ = enc.WriteEvent(canon.Event{Kind: canon.EventMessageStart})
	var ae *apierr.Error
	if err := enc.Finish(); !errors.As(err, &ae) || ae.Kind != apierr.ModelStreamError {
		t.Fatalf("Finish = %v", err)
	}
	// Stopped without metadata: Finish writes the metadata chunk itself.
	var last string
	enc = NewStreamEncoder(func(c []byte) error { last = string(c); return nil }, metrics)
	_ = enc.WriteEvent(canon.Event{Kind: canon.EventMessageStop, StopReason: canon.StopEndTurn})
	if err := enc.Finish(); err != nil || !strings.Contains(last, "amazon-bedrock-invocationMetrics") {
		t.Fatalf("Finish = %v, last chunk %s", err, last)
	}
}
