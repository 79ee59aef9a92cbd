package openai

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
)

// decodeResponse runs a unary body through the provider path: parse,
// convert, emit as events.
func decodeResponse(body []byte, w canon.EventWriter) error {
	resp, err := ParseResponse(body)
	if err != nil {
		return err
	}
	cr, err := ResponseToCanon(resp)
	if err != nil {
		return err
	}
	return canon.Emit(w, cr)
}

// TestResponseGolden converts testdata/response/<case>.wire.json and
// compares the events with <case>.events.json.
func TestResponseGolden(t *testing.T) {
	for _, in := range casesIn(t, "testdata/response", ".wire.json") {
		name := strings.TrimSuffix(filepath.Base(in), ".wire.json")
		t.Run(name, func(t *testing.T) {
			body, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			var rec recorder
			err = decodeResponse(body, &rec)
			golden(t, strings.TrimSuffix(in, ".wire.json")+".events.json", outcome{Events: rec.events, Error: renderErr(t, err)})
		})
	}
}

func TestStopReasonToCanon(t *testing.T) {
	for _, c := range []struct {
		reason string
		tools  bool
		want   canon.StopReason
		kind   apierr.Kind
	}{
		{FinishStop, false, canon.StopEndTurn, 0},
		{FinishStop, true, canon.StopToolUse, 0},
		{FinishLength, false, canon.StopMaxTokens, 0},
		{FinishLength, true, canon.StopMaxTokens, 0},
		{FinishToolCalls, true, canon.StopToolUse, 0},
		{FinishFunctionCall, true, canon.StopToolUse, 0},
		{FinishContentFilter, false, canon.StopContentFiltered, 0},
		{"eos_token", false, canon.StopEndTurn, 0},
		{"error", false, "", apierr.ModelStreamError},
		{"", false, "", apierr.ModelStreamError},
	} {
		got, err := StopReasonToCanon(c.reason, c.tools)
		if c.kind != 0 {
			if apierr.KindOf(err) != c.kind {
				t.Errorf("%q: err = %v, want %s", c.reason, err, c.kind)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%q tools=%v: got %q, %v; want %q", c.reason, c.tools, got, err, c.want)
		}
	}
}

// TestUsageToCanon pins pitfall 9: prompt_tokens includes cached tokens,
// canonical InputTokens does not, and nothing is counted twice.
func TestUsageToCanon(t *testing.T) {
	for _, c := range []struct {
		name string
		in   *Usage
		want canon.Usage
	}{
		{"nil", nil, canon.Usage{}},
		{"plain", &Usage{PromptTokens: 10, CompletionTokens: 5, TotalTokens: 15}, canon.Usage{InputTokens: 10, OutputTokens: 5}},
		{"cached", &Usage{PromptTokens: 2006, CompletionTokens: 10, PromptTokensDetails: &PromptTokensDetails{CachedTokens: 1920}},
			canon.Usage{InputTokens: 86, OutputTokens: 10, CacheReadTokens: 1920}},
		{"cache write", &Usage{PromptTokens: 100, CompletionTokens: 1, PromptTokensDetails: &PromptTokensDetails{CachedTokens: 20, CacheWriteTokens: 50}},
			canon.Usage{InputTokens: 30, OutputTokens: 1, CacheReadTokens: 20, CacheWriteTokens: 50}},
		{"deepseek", &Usage{PromptTokens: 100, CompletionTokens: 1, PromptCacheHitTokens: 64}, canon.Usage{InputTokens: 36, OutputTokens: 1, CacheReadTokens: 64}},
		{"both names agree", &Usage{PromptTokens: 100, PromptCacheHitTokens: 64, PromptTokensDetails: &PromptTokensDetails{CachedTokens: 64}},
			canon.Usage{InputTokens: 36, CacheReadTokens: 64}},
		{"cached above prompt is clamped", &Usage{PromptTokens: 10, PromptTokensDetails: &PromptTokensDetails{CachedTokens: 50}},
			canon.Usage{CacheReadTokens: 10}},
		{"negative", &Usage{PromptTokens: -5, CompletionTokens: -1}, canon.Usage{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := UsageToCanon(c.in)
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if c.in != nil && c.in.PromptTokens >= 0 && c.in.CompletionTokens >= 0 &&
				got.Total() != c.in.PromptTokens+c.in.CompletionTokens {
				t.Errorf("total %d, want prompt+completion %d", got.Total(), c.in.PromptTokens+c.in.CompletionTokens)
			}
		})
	}
}

func TestSynthToolCallID(t *testing.T) {
	for _, c := range []struct {
		id   string
		idx  int
		want string
	}{
		{"", 0, "call_0"},
		{"chatcmpl-abc", 2, "call_chatcmpl-abc_2"},
		{"a/b c:d", 1, "call_abcd_1"},
		{strings.Repeat("x", 100), 3, "call_" + strings.Repeat("x", 40) + "_3"},
	} {
		if got := SynthToolCallID(c.id, c.idx); got != c.want {
			t.Errorf("SynthToolCallID(%q, %d) = %q, want %q", c.id, c.idx, got, c.want)
		}
	}
}

// FuzzResponseDecoder: no panic, errors are *apierr.Error, and a body that
// decodes yields a well-formed event stream.
func FuzzResponseDecoder(f *testing.F) {
	files, _ := filepath.Glob("testdata/response/*.wire.json")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"choices":[{"index":0,"message":{"content":[{"type":"text","text":"a"}],"tool_calls":[{"function":{"name":"f"}}]}}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		shape := newCheckShape()
		err := decodeResponse(body, shape)
		if err != nil {
			var ae *apierr.Error
			if !errors.As(err, &ae) {
				t.Fatalf("error %v (%T) is not an *apierr.Error", err, err)
			}
			return
		}
		if err := shape.complete(); err != nil {
			t.Fatal(err)
		}
	})
}
