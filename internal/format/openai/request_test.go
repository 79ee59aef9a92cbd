package openai

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
)

// TestRequestGolden converts testdata/request/<case>.canon.json and
// compares the body with <case>.upstream.json.
func TestRequestGolden(t *testing.T) {
	for _, in := range casesIn(t, "testdata/request", ".canon.json") {
		name := strings.TrimSuffix(filepath.Base(in), ".canon.json")
		t.Run(name, func(t *testing.T) {
			req := readCanonRequest(t, in)
			out, err := RequestFromCanon(req, RequestOptions{})
			if err != nil {
				t.Fatalf("RequestFromCanon: %v", err)
			}
			body, err := json.Marshal(out)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, strings.TrimSuffix(in, ".canon.json")+".upstream.json", json.RawMessage(body))
		})
	}
}

// TestRequestInvalid checks that content the upstream cannot take is
// refused with a Validation error, never dropped.
func TestRequestInvalid(t *testing.T) {
	for _, in := range casesIn(t, "testdata/request/invalid", ".canon.json") {
		name := strings.TrimSuffix(filepath.Base(in), ".canon.json")
		t.Run(name, func(t *testing.T) {
			req := readCanonRequest(t, in)
			out, err := RequestFromCanon(req, RequestOptions{})
			if err == nil {
				b, _ := json.Marshal(out)
				t.Fatalf("want an error, got body %s", b)
			}
			got := renderErr(t, err)
			if got.Kind != apierr.Validation.String() {
				t.Errorf("kind = %s, want Validation", got.Kind)
			}
			golden(t, strings.TrimSuffix(in, ".canon.json")+".err.json", got)
		})
	}
}

func userText(s string) []canon.Message {
	return []canon.Message{{Role: canon.RoleUser, Content: []canon.Block{canon.TextBlock(s)}}}
}

func TestMaxTokensField(t *testing.T) {
	for _, c := range []struct {
		field, want string
	}{
		{"", `"max_tokens":100`},
		{FieldMaxTokens, `"max_tokens":100`},
		{FieldMaxCompletionTokens, `"max_completion_tokens":100`},
	} {
		t.Run(c.field, func(t *testing.T) {
			req := &canon.Request{Model: "m", Messages: userText("hi"), Inference: canon.InferenceConfig{MaxTokens: ptr(100)}}
			out, err := RequestFromCanon(req, RequestOptions{MaxTokensField: c.field})
			if err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(out)
			if !strings.Contains(string(b), c.want) || strings.Count(string(b), "tokens") != 1 {
				t.Errorf("body %s, want exactly %s", b, c.want)
			}
		})
	}
	_, err := RequestFromCanon(&canon.Request{Model: "m", Messages: userText("hi"),
		Inference: canon.InferenceConfig{MaxTokens: ptr(1)}}, RequestOptions{MaxTokensField: "max_output"})
	if apierr.KindOf(err) != apierr.Internal {
		t.Errorf("unknown field: err = %v, want Internal", err)
	}
}

func TestToolChoiceModes(t *testing.T) {
	tools := []canon.Tool{{Name: "f", InputSchema: json.RawMessage(`{"type":"object"}`)}}
	for _, c := range []struct {
		name   string
		choice canon.ToolChoice
		want   string
	}{
		{"auto", canon.ToolChoice{Mode: canon.ToolChoiceAuto}, `"auto"`},
		{"any", canon.ToolChoice{Mode: canon.ToolChoiceAny}, `"required"`},
		{"none", canon.ToolChoice{Mode: canon.ToolChoiceNone}, `"none"`},
		{"tool", canon.ToolChoice{Mode: canon.ToolChoiceTool, Name: "f"}, `{"type":"function","function":{"name":"f"}}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			req := &canon.Request{Model: "m", Messages: userText("hi"), Tools: &canon.ToolConfig{Tools: tools, Choice: c.choice}}
			out, err := RequestFromCanon(req, RequestOptions{})
			if err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(out)
			var got struct {
				Tools      []json.RawMessage `json:"tools"`
				ToolChoice json.RawMessage   `json:"tool_choice"`
			}
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatal(err)
			}
			if len(got.Tools) != 1 {
				t.Errorf("tools were dropped: %s", b)
			}
			if string(got.ToolChoice) != c.want {
				t.Errorf("tool_choice = %s, want %s", got.ToolChoice, c.want)
			}
		})
	}
}

func TestReasoningEffort(t *testing.T) {
	for _, c := range []struct {
		cfg  canon.ReasoningConfig
		want string
	}{
		{canon.ReasoningConfig{Effort: "high"}, "high"},
		{canon.ReasoningConfig{Effort: "low", BudgetTokens: 30000}, "low"},
		{canon.ReasoningConfig{BudgetTokens: 1024}, "low"},
		{canon.ReasoningConfig{BudgetTokens: 2048}, "low"},
		{canon.ReasoningConfig{BudgetTokens: 2049}, "medium"},
		{canon.ReasoningConfig{BudgetTokens: 8192}, "medium"},
		{canon.ReasoningConfig{BudgetTokens: 8193}, "high"},
		{canon.ReasoningConfig{}, ""},
	} {
		cfg := c.cfg
		out, err := RequestFromCanon(&canon.Request{Model: "m", Messages: userText("x"), Reasoning: &cfg}, RequestOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if out.ReasoningEffort != c.want {
			t.Errorf("%+v: effort %q, want %q", c.cfg, out.ReasoningEffort, c.want)
		}
	}
}

func TestAdditionalFieldsInvalidJSON(t *testing.T) {
	req := &canon.Request{Model: "m", Messages: userText("x"),
		AdditionalFields: map[string]json.RawMessage{"bad": json.RawMessage(`{`)}}
	_, err := RequestFromCanon(req, RequestOptions{})
	if apierr.KindOf(err) != apierr.Validation || !strings.Contains(err.Error(), `"bad"`) {
		t.Errorf("err = %v, want Validation naming the field", err)
	}
}

// TestChatRequestRoundTrip checks the inbound direction of the struct:
// unknown keys land in Extra and are written back.
func TestChatRequestRoundTrip(t *testing.T) {
	in := `{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"hi"}]},{"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{}"}}]}],"tool_choice":{"type":"function","function":{"name":"f"}},"min_p":0.1,"stop":["x"]}`
	var r ChatRequest
	if err := json.Unmarshal([]byte(in), &r); err != nil {
		t.Fatal(err)
	}
	if string(r.Extra["min_p"]) != "0.1" || len(r.Extra) != 1 {
		t.Errorf("Extra = %v", r.Extra)
	}
	if r.ToolChoice == nil || r.ToolChoice.Function != "f" || !r.Messages[1].Content.IsNull() {
		t.Errorf("decoded %+v", r)
	}
	out, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var a, b any
	_ = json.Unmarshal([]byte(in), &a)
	_ = json.Unmarshal(out, &b)
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("round trip (-in +out):\n%s", diff)
	}
}

func TestServiceTier(t *testing.T) {
	for tier, want := range map[string]string{"priority": "priority", "flex": "flex", "reserved": "", "": ""} {
		out, err := RequestFromCanon(&canon.Request{Model: "m", Messages: userText("x"), ServiceTier: tier}, RequestOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if out.ServiceTier != want {
			t.Errorf("tier %q sent as %q, want %q", tier, out.ServiceTier, want)
		}
	}
}
