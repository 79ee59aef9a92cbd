package anthropic

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
)

// TestInboundRequestGolden decodes every testdata/inbound/<case>.wire.json
// (a body as a client sends it) and compares the canon request with
// <case>.canon.json. It then sends the canon request back out through
// RequestFromCanon: what a client said must survive the round trip to an
// Anthropic upstream.
func TestInboundRequestGolden(t *testing.T) {
	for _, f := range files(t, "testdata/inbound/*.wire.json") {
		name := strings.TrimSuffix(filepath.Base(f), ".wire.json")
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			mr, err := DecodeRequest(raw)
			if err != nil {
				t.Fatal(err)
			}
			req, err := RequestToCanon(mr)
			if err != nil {
				t.Fatalf("RequestToCanon: %v", err)
			}
			golden(t, strings.TrimSuffix(f, ".wire.json")+".canon.json", readable(t, req))

			out, err := RequestFromCanon(req, Options{})
			if err != nil {
				t.Fatalf("RequestFromCanon: %v", err)
			}
			back, err := RequestToCanon(out)
			if err != nil {
				t.Fatalf("RequestToCanon(RequestFromCanon(x)): %v", err)
			}
			// The provider direction lifts max_tokens above a thinking budget
			// and names documents; everything else must come back unchanged.
			back.Inference.MaxTokens = req.Inference.MaxTokens
			if req.Reasoning != nil && req.Reasoning.Effort != "" {
				back.Reasoning = req.Reasoning // effort becomes a budget upstream, by design
			}
			if d := cmp.Diff(readableValue(t, req), readableValue(t, back)); d != "" {
				t.Errorf("round trip through RequestFromCanon changed the request (-in +back):\n%s", d)
			}
		})
	}
}

func readableValue(t *testing.T, v any) any {
	var out any
	if err := json.Unmarshal(readable(t, v), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestInboundRequestInvalid checks every testdata/inbound/invalid case
// fails with a Validation error containing the text of its .err file.
func TestInboundRequestInvalid(t *testing.T) {
	for _, f := range files(t, "testdata/inbound/invalid/*.wire.json") {
		name := strings.TrimSuffix(filepath.Base(f), ".wire.json")
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(strings.TrimSuffix(f, ".wire.json") + ".err")
			if err != nil {
				t.Fatal(err)
			}
			_, err = decodeAndConvert(raw)
			var ae *apierr.Error
			if !errors.As(err, &ae) || ae.Kind != apierr.Validation {
				t.Fatalf("err = %v, want a Validation error", err)
			}
			if w := strings.TrimSpace(string(want)); !strings.Contains(ae.Message, w) {
				t.Errorf("message %q does not contain %q", ae.Message, w)
			}
		})
	}
}

func decodeAndConvert(raw []byte) (*canon.Request, error) {
	mr, err := DecodeRequest(raw)
	if err != nil {
		return nil, err
	}
	return RequestToCanon(mr)
}

func TestCountTokensRequestNeedsNoMaxTokens(t *testing.T) {
	mr, err := DecodeCountTokensRequest([]byte(`{"model":"m","messages":[{"role":"user","content":"hi"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	req, err := CountTokensRequestToCanon(mr)
	if err != nil {
		t.Fatal(err)
	}
	if req.Inference.MaxTokens != nil {
		t.Errorf("max tokens = %v", *req.Inference.MaxTokens)
	}
}

// TestResponseFromCanon checks the Message object and that it converts
// back to the same canon answer.
func TestResponseFromCanon(t *testing.T) {
	resp := &canon.Response{
		Message: canon.Message{Role: canon.RoleAssistant, Content: []canon.Block{
			{Type: canon.BlockReasoning, Reasoning: &canon.Reasoning{Text: "hmm", Signature: "sig"}},
			{Type: canon.BlockReasoning, Reasoning: &canon.Reasoning{Redacted: []byte("opaque")}},
			canon.TextBlock("Calling."),
			{Type: canon.BlockToolUse, ToolUse: &canon.ToolUse{ID: "toolu_1", Name: "f", Input: json.RawMessage(`{"a":1}`)}},
		}},
		StopReason: canon.StopToolUse,
		Usage:      canon.Usage{InputTokens: 5, OutputTokens: 7, CacheReadTokens: 3, CacheWriteTokens: 2},
	}
	mr := ResponseFromCanon(resp, "claude-x")
	if !strings.HasPrefix(mr.ID, "msg_") || len(mr.ID) != 28 || mr.Model != "claude-x" || *mr.StopReason != StopToolUse || mr.StopSequence != nil {
		t.Errorf("header fields: %+v", mr)
	}
	if mr.Usage != (Usage{InputTokens: 5, OutputTokens: 7, CacheReadInputTokens: 3, CacheCreationInputTokens: 2}) {
		t.Errorf("usage = %+v", mr.Usage)
	}
	b, _ := json.Marshal(mr)
	parsed, err := DecodeResponse(b)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ResponseToCanon(parsed, ResponseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(resp, back); d != "" {
		t.Errorf("round trip (-want +got):\n%s", d)
	}
}

func TestStopReasonFromCanon(t *testing.T) {
	cases := map[canon.StopReason]string{
		canon.StopEndTurn: StopEndTurn, canon.StopToolUse: StopToolUse, canon.StopMaxTokens: StopMaxTokens,
		canon.StopSequence: StopStopSequence, canon.StopContentFiltered: StopRefusal,
		canon.StopGuardrailIntervened: StopRefusal, canon.StopContextWindowExceeded: StopModelContextWindowExceeded,
		canon.StopMalformedToolUse: StopEndTurn, canon.StopMalformedModelOutput: StopEndTurn, "": StopEndTurn,
	}
	for in, want := range cases {
		if got := StopReasonFromCanon(in); got != want {
			t.Errorf("%q → %q, want %q", in, got, want)
		}
	}
}

func TestErrorTypeForKind(t *testing.T) {
	cases := []struct {
		kind   apierr.Kind
		status int
		typ    string
	}{
		{apierr.Validation, 400, ErrInvalidRequest}, {apierr.AccessDenied, 403, ErrPermission},
		{apierr.NotFound, 404, ErrNotFound}, {apierr.Throttling, 429, ErrRateLimit},
		{apierr.Internal, 500, ErrAPI}, {apierr.ModelError, 500, ErrAPI}, {apierr.Unavailable, 529, ErrOverloaded},
		{apierr.ModelTimeout, 504, ErrTimeout},
	}
	for _, c := range cases {
		status, typ := ErrorTypeForKind(c.kind)
		if status != c.status || typ != c.typ {
			t.Errorf("%s → %d %s, want %d %s", c.kind, status, typ, c.status, c.typ)
		}
	}
	status, body := ErrorResponse(errors.New("secret detail"), "req_1")
	if status != 500 || strings.Contains(string(body), "secret") || !strings.Contains(string(body), `"request_id":"req_1"`) {
		t.Errorf("foreign error → %d %s", status, body)
	}
}

// TestInboundStreamGolden decodes each captured upstream stream
// (testdata/stream/*.sse) to canon events, encodes them as this gateway's
// Messages stream, compares with testdata/inbound/stream/<case>.sse and
// decodes that again: the canon events must come back identical (the
// encoder loses nothing the decoder understood).
func TestInboundStreamGolden(t *testing.T) {
	for _, f := range files(t, "testdata/stream/*.sse") {
		name := strings.TrimSuffix(filepath.Base(f), ".sse")
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			opts := ResponseOptions{AdditionalResponseFieldPaths: []string{"/stop_sequence"}}
			evs, derr := decodeSSE(bytes.NewReader(raw), opts)
			var out bytes.Buffer
			enc := NewStreamEncoder(func(name string, data []byte) error {
				fmt.Fprintf(&out, "event: %s\ndata: %s\n\n", name, data)
				return nil
			}, StreamEncoderOptions{ID: "msg_test", Model: "claude-test"})
			for _, ev := range evs {
				if err := enc.WriteEvent(ev); err != nil {
					t.Fatalf("WriteEvent(%v): %v", ev.Kind, err)
				}
			}
			if derr == nil {
				if err := enc.Finish(); err != nil {
					t.Fatal(err)
				}
			} else {
				fmt.Fprintf(&out, "event: error\ndata: %s\n\n", ErrorEventData(derr))
			}
			golden(t, filepath.Join("testdata/inbound/stream", name+".sse"), out.Bytes())

			again, aerr := decodeSSE(bytes.NewReader(out.Bytes()), opts)
			if (derr == nil) != (aerr == nil) {
				t.Fatalf("first decode err %v, second %v", derr, aerr)
			}
			if d := cmp.Diff(toGolden(evs, nil), toGolden(again, nil)); d != "" {
				t.Errorf("re-decoded events differ (-first +again):\n%s", d)
			}
		})
	}
}

// TestStreamEncoderOrder checks the details the SDK accumulators depend
// on: one ping after the first block start, tool starts with input {},
// held reasoning starts, usage in message_delta and message_stop extras.
func TestStreamEncoderOrder(t *testing.T) {
	var names []string
	var datas []string
	enc := NewStreamEncoder(func(name string, data []byte) error {
		names = append(names, name)
		datas = append(datas, string(data))
		return nil
	}, StreamEncoderOptions{ID: "msg_1", Model: "m", MessageStopExtra: func(u canon.Usage, ms int64) (string, any) {
		return "amazon-bedrock-invocationMetrics", map[string]any{"inputTokenCount": u.InputTokens, "invocationLatency": ms}
	}})
	evs := []canon.Event{
		{Kind: canon.EventMessageStart},
		{Kind: canon.EventBlockStart, Index: 0, BlockType: canon.BlockReasoning},
		{Kind: canon.EventBlockDelta, Index: 0, Delta: canon.DeltaReasoningRedacted, Redacted: []byte("opaque")},
		{Kind: canon.EventBlockStop, Index: 0},
		{Kind: canon.EventBlockDelta, Index: 1, Delta: canon.DeltaText, Text: "Hi"},
		{Kind: canon.EventBlockStart, Index: 2, BlockType: canon.BlockToolUse, ToolUseID: "t1", ToolName: "f"},
		{Kind: canon.EventBlockDelta, Index: 2, Delta: canon.DeltaToolInput, Text: `{"a":`},
		{Kind: canon.EventBlockDelta, Index: 2, Delta: canon.DeltaToolInput, Text: `1}`},
		{Kind: canon.EventBlockStop, Index: 2},
		{Kind: canon.EventMessageStop, StopReason: canon.StopToolUse},
	}
	for _, ev := range evs {
		if err := enc.WriteEvent(ev); err != nil {
			t.Fatal(err)
		}
	}
	if enc.Done() || names[len(names)-1] == EventMessageDelta {
		t.Fatalf("message_delta written before the usage arrived: %v", names)
	}
	if err := enc.WriteEvent(canon.Event{Kind: canon.EventMetadata, Usage: canon.Usage{InputTokens: 9, OutputTokens: 4, CacheReadTokens: 1}, LatencyMs: 12}); err != nil {
		t.Fatal(err)
	}
	want := []string{
		`{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":0,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":0}}}`,
		`{"type":"content_block_start","index":0,"content_block":{"type":"redacted_thinking","data":"opaque"}}`,
		`{"type":"ping"}`,
		`{"type":"content_block_stop","index":0}`,
		`{"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}`,
		`{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"Hi"}}`,
		`{"type":"content_block_stop","index":1}`,
		`{"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"t1","name":"f","input":{}}}`,
		`{"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\"a\":"}}`,
		`{"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"1}"}}`,
		`{"type":"content_block_stop","index":2}`,
		`{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"input_tokens":9,"cache_creation_input_tokens":0,"cache_read_input_tokens":1,"output_tokens":4}}`,
		`{"type":"message_stop","amazon-bedrock-invocationMetrics":{"inputTokenCount":9,"invocationLatency":12}}`,
	}
	if d := cmp.Diff(want, datas); d != "" {
		t.Errorf("stream (-want +got):\n%s", d)
	}
	for i, n := range names {
		var v struct{ Type string }
		_ = json.Unmarshal([]byte(datas[i]), &v)
		if v.Type != n {
			t.Errorf("event %d named %q carries type %q", i, n, v.Type)
		}
	}
}

func TestStreamEncoderFinishWithoutStop(t *testing.T) {
	enc := NewStreamEncoder(func(string, []byte) error { return nil }, StreamEncoderOptions{})
	_ = enc.WriteEvent(canon.Event{Kind: canon.EventMessageStart})
	if err := enc.Finish(); apierr.KindOf(err) != apierr.ModelStreamError {
		t.Errorf("Finish without stop = %v", err)
	}
}

// FuzzRequestToCanon feeds arbitrary bodies through DecodeRequest and
// RequestToCanon. Properties: no panic; errors are Validation
// *apierr.Errors; an accepted request converts to an upstream body.
func FuzzRequestToCanon(f *testing.F) {
	for _, pattern := range []string{"testdata/inbound/*.wire.json", "testdata/inbound/invalid/*.wire.json"} {
		for _, file := range files(f, pattern) {
			b, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		req, err := decodeAndConvert(in)
		if err != nil {
			var ae *apierr.Error
			if !errors.As(err, &ae) || ae.Kind != apierr.Validation {
				t.Fatalf("error %T %v is not a Validation *apierr.Error", err, err)
			}
			return
		}
		if _, err := RequestFromCanon(req, Options{}); err != nil {
			var ae *apierr.Error
			if !errors.As(err, &ae) {
				t.Fatalf("RequestFromCanon error %T %v", err, err)
			}
		}
	})
}
