package openairesponses

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	goldenfile "github.com/basalt-gateway/basalt/internal/testutil/golden"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
)

func golden(t *testing.T, path string, got []byte) { goldenfile.Assert(t, path, got) }

// seqIDs returns deterministic ids: msg_1, fc_2, …
func seqIDs() IDFunc {
	n := 0
	return func(prefix string) string { n++; return fmt.Sprintf("%s_%d", prefix, n) }
}

func indent(t *testing.T, v any) []byte {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		t.Fatal(err)
	}
	return append(buf.Bytes(), '\n')
}

// prune drops null, "" and false members so canonical goldens show only
// what a case sets.
func prune(t *testing.T, v any) any {
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var tree any
	_ = json.Unmarshal(raw, &tree)
	var walk func(any) any
	walk = func(v any) any {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				switch e := walk(e).(type) {
				case nil:
					delete(x, k)
				case string:
					if e == "" {
						delete(x, k)
					}
				case bool:
					if !e {
						delete(x, k)
					}
				case map[string]any:
					if len(e) == 0 {
						delete(x, k)
					}
				}
			}
		case []any:
			for i := range x {
				x[i] = walk(x[i])
			}
		}
		return v
	}
	return walk(tree)
}

func decodeAll(body []byte) (*Request, *canon.Request, error) {
	r, err := DecodeRequest(body, seqIDs())
	if err != nil {
		return nil, nil, err
	}
	cr, _, err := ToCanon(r, nil)
	return r, cr, err
}

func TestRequestGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/request/*.wire.json")
	if len(files) == 0 {
		t.Fatal("no cases")
	}
	for _, f := range files {
		base := strings.TrimSuffix(f, ".wire.json")
		t.Run(filepath.Base(base), func(t *testing.T) {
			body, _ := os.ReadFile(f)
			r, cr, err := decodeAll(body)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, base+".canon.json", indent(t, prune(t, cr)))
			golden(t, base+".items.json", indent(t, r.Input))
			golden(t, base+".response.json", indent(t, NewResponse("resp_1", 1700000000, r)))
		})
	}
}

func TestRequestInvalid(t *testing.T) {
	files, _ := filepath.Glob("testdata/request/invalid/*.wire.json")
	if len(files) == 0 {
		t.Fatal("no cases")
	}
	for _, f := range files {
		base := strings.TrimSuffix(f, ".wire.json")
		t.Run(filepath.Base(base), func(t *testing.T) {
			body, _ := os.ReadFile(f)
			_, _, err := decodeAll(body)
			var ae *apierr.Error
			if !errors.As(err, &ae) || ae.Kind != apierr.Validation {
				t.Fatalf("err = %v, want a Validation *apierr.Error", err)
			}
			status, errBody := ErrorBody(err)
			if status != 400 {
				t.Fatalf("status %d", status)
			}
			golden(t, base+".err", append(errBody, '\n'))
		})
	}
}

func FuzzDecodeRequest(f *testing.F) {
	for _, pat := range []string{"testdata/request/*.wire.json", "testdata/request/invalid/*.wire.json"} {
		files, _ := filepath.Glob(pat)
		for _, file := range files {
			b, _ := os.ReadFile(file)
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r, cr, err := decodeAll(body)
		if err != nil {
			if apierr.KindOf(err) != apierr.Validation {
				t.Fatalf("err = %v, want Validation", err)
			}
			return
		}
		if cr.Model == "" || len(cr.Messages) == 0 {
			t.Fatal("accepted a request without a model or content")
		}
		for i, m := range cr.Messages {
			if len(m.Content) == 0 || (i > 0 && cr.Messages[i-1].Role == m.Role) {
				t.Fatalf("message %d is empty or repeats its role", i)
			}
			for _, b := range m.Content {
				if b.Type == canon.BlockText && strings.TrimSpace(b.Text) == "" {
					t.Fatal("blank text block")
				}
			}
		}
		// The stored forms round-trip.
		if _, err := json.Marshal(r.Input); err != nil {
			t.Fatal(err)
		}
		resp := NewResponse("resp_x", 1, r)
		if _, err := json.Marshal(resp); err != nil {
			t.Fatal(err)
		}
	})
}

// testEvent is a readable canonical event for stream fixtures.
type testEvent struct {
	Kind  string `json:"kind"`
	Index int    `json:"index"`
	Block string `json:"block"`
	ID    string `json:"id"`
	Name  string `json:"name"`
	Delta string `json:"delta"`
	Text  string `json:"text"`
	Stop  string `json:"stop"`
	Usage struct {
		In, Out, CacheRead, CacheWrite int
	} `json:"usage"`
}

func (e testEvent) canon(t *testing.T) canon.Event {
	kinds := map[string]canon.EventKind{"messageStart": canon.EventMessageStart, "blockStart": canon.EventBlockStart,
		"blockDelta": canon.EventBlockDelta, "blockStop": canon.EventBlockStop, "messageStop": canon.EventMessageStop, "metadata": canon.EventMetadata}
	blocks := map[string]canon.BlockType{"text": canon.BlockText, "toolUse": canon.BlockToolUse, "reasoning": canon.BlockReasoning}
	deltas := map[string]canon.DeltaType{"text": canon.DeltaText, "toolInput": canon.DeltaToolInput,
		"reasoningText": canon.DeltaReasoningText, "signature": canon.DeltaReasoningSignature}
	k, ok := kinds[e.Kind]
	if !ok {
		t.Fatalf("unknown kind %q", e.Kind)
	}
	return canon.Event{Kind: k, Index: e.Index, BlockType: blocks[e.Block], ToolUseID: e.ID, ToolName: e.Name,
		Delta: deltas[e.Delta], Text: e.Text, StopReason: canon.StopReason(e.Stop),
		Usage: canon.Usage{InputTokens: e.Usage.In, OutputTokens: e.Usage.Out, CacheReadTokens: e.Usage.CacheRead, CacheWriteTokens: e.Usage.CacheWrite}}
}

// play feeds the fixture to a builder; it returns the builder and the
// error that ended the answer, if any.
func play(t *testing.T, evs []testEvent, emit EmitFunc) (*Builder, error) {
	req := &Request{Model: "m", Stream: emit != nil}
	b := NewBuilder(NewResponse("resp_1", 1700000000, req), seqIDs(), emit)
	for _, e := range evs {
		if e.Kind == "fail" {
			err := apierr.New(apierr.Throttling, "slow down")
			if ferr := b.Fail(err); ferr != nil {
				t.Fatal(ferr)
			}
			return b, err
		}
		if err := b.WriteEvent(e.canon(t)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := b.Finish(1700000001); err != nil {
		_ = b.Fail(err)
		return b, err
	}
	return b, nil
}

func TestStreamGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/stream/*.events.json")
	if len(files) == 0 {
		t.Fatal("no cases")
	}
	for _, f := range files {
		base := strings.TrimSuffix(f, ".events.json")
		t.Run(filepath.Base(base), func(t *testing.T) {
			raw, _ := os.ReadFile(f)
			var evs []testEvent
			if err := json.Unmarshal(raw, &evs); err != nil {
				t.Fatal(err)
			}
			var sse bytes.Buffer
			var lastSeq int64 = -1
			streamed, _ := play(t, evs, func(name string, data []byte) error {
				var head struct {
					Type string `json:"type"`
					Seq  int64  `json:"sequence_number"`
				}
				if err := json.Unmarshal(data, &head); err != nil || head.Type != name || head.Seq != lastSeq+1 {
					t.Fatalf("event %s: type %q seq %d after %d (%v)", name, head.Type, head.Seq, lastSeq, err)
				}
				lastSeq = head.Seq
				fmt.Fprintf(&sse, "event: %s\ndata: %s\n\n", name, data)
				return nil
			})
			golden(t, base+".sse", sse.Bytes())
			unary, _ := play(t, evs, nil)
			// Streamed and unary answers build the same response object.
			s, u := indent(t, streamed.Response()), indent(t, unary.Response())
			if !bytes.Equal(s, u) {
				t.Errorf("streamed and unary responses differ:\n%s", cmp.Diff(string(s), string(u)))
			}
			golden(t, base+".response.json", u)
		})
	}
}

func TestUsageFromCanon(t *testing.T) {
	u := UsageFromCanon(canon.Usage{InputTokens: 5, OutputTokens: 2, CacheReadTokens: 3, CacheWriteTokens: 1})
	if u.InputTokens != 9 || u.InputTokensDetails.CachedTokens != 3 || u.InputTokensDetails.CacheWriteTokens != 1 || u.TotalTokens != 11 {
		t.Fatalf("usage = %+v", u)
	}
}

func TestStatusFromStop(t *testing.T) {
	for stop, want := range map[canon.StopReason]string{
		canon.StopEndTurn: "completed", canon.StopToolUse: "completed", canon.StopSequence: "completed",
		canon.StopMaxTokens: "incomplete/max_output_tokens", canon.StopContextWindowExceeded: "incomplete/max_output_tokens",
		canon.StopContentFiltered: "incomplete/content_filter", canon.StopGuardrailIntervened: "incomplete/content_filter",
		canon.StopMalformedToolUse: "failed", canon.StopMalformedModelOutput: "failed",
	} {
		status, inc, e := StatusFromStop(stop)
		got := status
		if inc != nil {
			got += "/" + inc.Reason
		}
		if got != want || (status == StatusFailed) != (e != nil) {
			t.Errorf("%s: %s, %v", stop, got, e)
		}
	}
}

func TestErrorBody(t *testing.T) {
	for k, want := range map[apierr.Kind]string{
		apierr.Validation:   `400 {"error":{"message":"m","type":"invalid_request_error","param":null,"code":null}}`,
		apierr.NotFound:     `404 {"error":{"message":"m","type":"invalid_request_error","param":null,"code":"not_found"}}`,
		apierr.Throttling:   `429 {"error":{"message":"m","type":"requests","param":null,"code":"rate_limit_exceeded"}}`,
		apierr.AccessDenied: `403 {"error":{"message":"m","type":"permission_error","param":null,"code":"permission_denied"}}`,
		apierr.Unavailable:  `503 {"error":{"message":"m","type":"server_error","param":null,"code":"service_unavailable"}}`,
		apierr.Internal:     `500 {"error":{"message":"m","type":"server_error","param":null,"code":"server_error"}}`,
	} {
		status, body := ErrorBody(apierr.New(k, "m"))
		if got := fmt.Sprintf("%d %s", status, body); got != want {
			t.Errorf("%s: %s", k, got)
		}
	}
	// A foreign error never leaks its text.
	_, body := ErrorBody(errors.New("secret detail"))
	if strings.Contains(string(body), "secret") {
		t.Fatal(string(body))
	}
}

func TestConversationContinues(t *testing.T) {
	r1, _ := DecodeRequest([]byte(`{"model":"m","input":[{"role":"system","content":"sys"},{"role":"user","content":"hi"}],"instructions":"first only",
		"tools":[{"type":"function","name":"f","parameters":{"type":"object"}}]}`), seqIDs())
	_, conv, err := ToCanon(r1, nil)
	if err != nil {
		t.Fatal(err)
	}
	conv.AppendAnswer(canon.Message{Content: []canon.Block{{Type: canon.BlockToolUse, ToolUse: &canon.ToolUse{ID: "c1", Name: "f", Input: json.RawMessage(`{}`)}}}})
	raw, _ := json.Marshal(conv)
	var prev Conversation
	if err := json.Unmarshal(raw, &prev); err != nil {
		t.Fatal(err)
	}
	r2, _ := DecodeRequest([]byte(`{"model":"m","previous_response_id":"resp_1","input":[{"type":"function_call_output","call_id":"c1","output":"ok"}]}`), seqIDs())
	cr, _, err := ToCanon(r2, &prev)
	if err != nil {
		t.Fatal(err)
	}
	if len(cr.Messages) != 3 || cr.Messages[2].Content[0].ToolResult.ToolUseID != "c1" {
		t.Fatalf("messages = %+v", cr.Messages)
	}
	if len(cr.System) != 1 || cr.System[0].Text != "sys" {
		t.Fatalf("system = %+v (system input items carry over, instructions do not)", cr.System)
	}
	if cr.Tools == nil || cr.Tools.Tools[0].Name != "f" {
		t.Fatal("tool history without the tools it used")
	}
}
