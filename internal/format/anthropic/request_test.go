package anthropic

import (
	"bytes"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
)

// TestRequestGolden converts every testdata/request/<case>.canon.json and
// compares the Messages body with <case>.upstream.json.
func TestRequestGolden(t *testing.T) {
	for _, f := range files(t, "testdata/request/*.canon.json") {
		name := strings.TrimSuffix(filepath.Base(f), ".canon.json")
		t.Run(name, func(t *testing.T) {
			req := readCanonRequest(t, f)
			out, err := RequestFromCanon(req, Options{})
			if err != nil {
				t.Fatalf("RequestFromCanon: %v", err)
			}
			body, err := json.Marshal(out)
			if err != nil {
				t.Fatal(err)
			}
			var ind bytes.Buffer
			if err := json.Indent(&ind, body, "", "  "); err != nil {
				t.Fatal(err)
			}
			ind.WriteByte('\n')
			golden(t, strings.TrimSuffix(f, ".canon.json")+".upstream.json", ind.Bytes())

			// What we send must decode back to what we meant to send.
			var back MessagesRequest
			if err := json.Unmarshal(body, &back); err != nil {
				t.Fatalf("body does not decode: %v", err)
			}
			again, _ := json.Marshal(back)
			var a, b any
			_ = json.Unmarshal(body, &a)
			_ = json.Unmarshal(again, &b)
			if d := cmp.Diff(a, b); d != "" {
				t.Errorf("decode/encode round trip changed the body (-sent +again):\n%s", d)
			}
		})
	}
}

// TestRequestInvalid checks testdata/request/invalid/<case>.canon.json fail
// with the error in <case>.err.
func TestRequestInvalid(t *testing.T) {
	for _, f := range files(t, "testdata/request/invalid/*.canon.json") {
		name := strings.TrimSuffix(filepath.Base(f), ".canon.json")
		t.Run(name, func(t *testing.T) {
			_, err := RequestFromCanon(readCanonRequest(t, f), Options{})
			if err == nil {
				t.Fatal("no error")
			}
			var ae *apierr.Error
			if !errors.As(err, &ae) || ae.Kind != apierr.Validation {
				t.Fatalf("err = %#v, want a Validation *apierr.Error", err)
			}
			golden(t, strings.TrimSuffix(f, ".canon.json")+".err", []byte(err.Error()+"\n"))
		})
	}
}

func TestRequestMaxTokens(t *testing.T) {
	user := []canon.Message{{Role: canon.RoleUser, Content: []canon.Block{canon.TextBlock("hi")}}}
	n := func(v int) *int { return &v }
	cases := []struct {
		name      string
		max       *int
		def       int
		reasoning *canon.ReasoningConfig
		want      int
		budget    int
	}{
		{"package default", nil, 0, nil, DefaultMaxTokens, 0},
		{"configured default", nil, 1000, nil, 1000, 0},
		{"request wins", n(77), 1000, nil, 77, 0},
		{"budget fits", n(8000), 0, &canon.ReasoningConfig{BudgetTokens: 2000}, 8000, 2000},
		{"budget raises max", n(1000), 0, &canon.ReasoningConfig{BudgetTokens: 2000}, 3000, 2000},
		{"effort low", nil, 0, &canon.ReasoningConfig{Effort: "low"}, DefaultMaxTokens, 1024},
		{"effort medium equals default max", nil, 0, &canon.ReasoningConfig{Effort: "medium"}, 8192, 4096},
		{"effort high", nil, 0, &canon.ReasoningConfig{Effort: "HIGH"}, DefaultMaxTokens + 16384, 16384},
		{"unstated reasoning", nil, 0, &canon.ReasoningConfig{}, 8192, 4096},
		{"budget below minimum", n(5000), 0, &canon.ReasoningConfig{BudgetTokens: 100}, 5000, 1024},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := &canon.Request{Model: "m", Messages: user, Inference: canon.InferenceConfig{MaxTokens: c.max}, Reasoning: c.reasoning}
			out, err := RequestFromCanon(req, Options{DefaultMaxTokens: c.def})
			if err != nil {
				t.Fatal(err)
			}
			if out.MaxTokens != c.want {
				t.Errorf("max_tokens = %d, want %d", out.MaxTokens, c.want)
			}
			got := 0
			if out.Thinking != nil {
				got = out.Thinking.BudgetTokens
			}
			if got != c.budget {
				t.Errorf("budget = %d, want %d", got, c.budget)
			}
		})
	}
}

func TestRequestToolChoice(t *testing.T) {
	tools := []canon.Tool{{Name: "get_weather", InputSchema: json.RawMessage(`{"type":"object"}`)}}
	cases := []struct {
		choice canon.ToolChoice
		want   *ToolChoice
	}{
		{canon.ToolChoice{Mode: canon.ToolChoiceAuto}, &ToolChoice{Type: "auto"}},
		{canon.ToolChoice{Mode: canon.ToolChoiceAny}, &ToolChoice{Type: "any"}},
		{canon.ToolChoice{Mode: canon.ToolChoiceNone}, &ToolChoice{Type: "none"}},
		{canon.ToolChoice{Mode: canon.ToolChoiceTool, Name: "get_weather"}, &ToolChoice{Type: "tool", Name: "get_weather"}},
	}
	for _, c := range cases {
		t.Run(c.want.Type, func(t *testing.T) {
			req := &canon.Request{Model: "m", Messages: []canon.Message{{Role: canon.RoleUser, Content: []canon.Block{canon.TextBlock("hi")}}},
				Tools: &canon.ToolConfig{Tools: tools, Choice: c.choice}}
			out, err := RequestFromCanon(req, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(out.Tools) != 1 || out.Tools[0].Name != "get_weather" {
				t.Fatalf("tools = %+v: a tool was dropped", out.Tools)
			}
			if d := cmp.Diff(c.want, out.ToolChoice); d != "" {
				t.Errorf("tool_choice (-want +got):\n%s", d)
			}
		})
	}
}

func TestTypesWire(t *testing.T) {
	cases := []struct {
		name string
		in   any
		want string
	}{
		{"signature-only thinking keeps thinking", ContentBlock{Type: BlockThinking, Signature: "sig"},
			`{"type":"thinking","thinking":"","signature":"sig"}`},
		{"tool use without input", ContentBlock{Type: BlockToolUse, ID: "t", Name: "n"},
			`{"type":"tool_use","id":"t","name":"n","input":{}}`},
		{"unknown block kept raw", ContentBlock{Type: "search_result", Raw: json.RawMessage(`{"type":"search_result","x":1}`)},
			`{"type":"search_result","x":1}`},
		{"message delta nulls", StreamDelta{}, `{"stop_reason":null,"stop_sequence":null}`},
		{"empty text delta", StreamDelta{Type: DeltaText}, `{"type":"text_delta","text":""}`},
		{"extra never overrides", MessagesRequest{Model: "m", MaxTokens: 5, Messages: []Message{},
			Extra: map[string]json.RawMessage{"max_tokens": json.RawMessage(`9`), "zeta": json.RawMessage(` [1, 2] `)}},
			`{"model":"m","max_tokens":5,"messages":[],"zeta":[1,2]}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, err := json.Marshal(c.in)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != c.want {
				t.Errorf("got  %s\nwant %s", b, c.want)
			}
		})
	}
}

func TestRequestDecodeShorthand(t *testing.T) {
	in := `{"model":"m","max_tokens":10,"system":"be brief","messages":[{"role":"user","content":"hi"},
		{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"42"}]}],"container":"c1"}`
	var r MessagesRequest
	if err := json.Unmarshal([]byte(in), &r); err != nil {
		t.Fatal(err)
	}
	want := MessagesRequest{Model: "m", MaxTokens: 10,
		System: Blocks{{Type: BlockText, Text: "be brief"}},
		Messages: []Message{
			{Role: "user", Content: Blocks{{Type: BlockText, Text: "hi"}}},
			{Role: "user", Content: Blocks{{Type: BlockToolResult, ToolUseID: "t1", Content: Blocks{{Type: BlockText, Text: "42"}}}}},
		},
		Extra: map[string]json.RawMessage{"container": json.RawMessage(`"c1"`)}}
	if d := cmp.Diff(want, r); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

// TestRequestDoesNotMutate guards the gateway's fallback: the same request
// may be sent to several deployments.
func TestRequestDoesNotMutate(t *testing.T) {
	for _, f := range files(t, "testdata/request/*.canon.json") {
		req := readCanonRequest(t, f)
		before, _ := json.Marshal(req)
		if _, err := RequestFromCanon(req, Options{}); err != nil {
			t.Fatal(err)
		}
		after, _ := json.Marshal(req)
		if !bytes.Equal(before, after) {
			t.Errorf("%s: RequestFromCanon changed its input", f)
		}
	}
}
