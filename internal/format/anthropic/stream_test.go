package anthropic

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
)

// Every stream golden is decoded as if the client asked for the matched
// stop sequence, so that mapping is covered too.
var streamOpts = ResponseOptions{AdditionalResponseFieldPaths: []string{"/stop_sequence"}}

// TestStreamGolden decodes every testdata/stream/<case>.sse whole, one byte
// at a time and at random split points; all must give the events (and
// error) in <case>.events.json.
func TestStreamGolden(t *testing.T) {
	for _, f := range files(t, "testdata/stream/*.sse") {
		name := strings.TrimSuffix(filepath.Base(f), ".sse")
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			evs, derr := decodeSSE(bytes.NewReader(raw), streamOpts)
			if derr != nil {
				var ae *apierr.Error
				if !errors.As(derr, &ae) {
					t.Fatalf("error %v is not an *apierr.Error", derr)
				}
			}
			if err := checkOrder(evs, derr == nil); err != nil {
				t.Errorf("event order: %v", err)
			}
			want := toGolden(evs, derr)
			golden(t, strings.TrimSuffix(f, ".sse")+".events.json", indent(want))

			one, oerr := decodeSSE(iotest.OneByteReader(bytes.NewReader(raw)), streamOpts)
			if d := cmp.Diff(want, toGolden(one, oerr)); d != "" {
				t.Errorf("one byte at a time differs (-whole +onebyte):\n%s", d)
			}
			rng := rand.New(rand.NewSource(int64(len(raw))))
			for i := range 20 {
				got, gerr := decodeSSE(&splitReader{data: raw, rng: rng}, streamOpts)
				if d := cmp.Diff(want, toGolden(got, gerr)); d != "" {
					t.Fatalf("random split %d differs (-whole +split):\n%s", i, d)
				}
			}
		})
	}
}

// TestStreamMatchesUnary: where a stream capture has a unary twin in
// testdata/response, the accumulated stream must equal the unary answer
// (pitfall 1: joined tool input equals the non-streaming answer).
func TestStreamMatchesUnary(t *testing.T) {
	n := 0
	for _, f := range files(t, "testdata/stream/*.sse") {
		name := strings.TrimSuffix(filepath.Base(f), ".sse")
		unaryRaw, err := os.ReadFile(filepath.Join("testdata/response", name+".wire.json"))
		if err != nil {
			continue
		}
		n++
		t.Run(name, func(t *testing.T) {
			raw, _ := os.ReadFile(f)
			acc := canon.NewAccumulator()
			evs, err := decodeSSE(bytes.NewReader(raw), streamOpts)
			if err != nil {
				t.Fatal(err)
			}
			for _, ev := range evs {
				if err := acc.WriteEvent(ev); err != nil {
					t.Fatalf("accumulator rejected %+v: %v", ev, err)
				}
			}
			streamed, err := acc.Response()
			if err != nil {
				t.Fatal(err)
			}
			mr, err := DecodeResponse(unaryRaw)
			if err != nil {
				t.Fatal(err)
			}
			unary, err := ResponseToCanon(mr, streamOpts)
			if err != nil {
				t.Fatal(err)
			}
			// Emit → Accumulator normalises the unary side the way a
			// client-facing encoder would see it.
			acc2 := canon.NewAccumulator()
			if err := canon.Emit(acc2, unary); err != nil {
				t.Fatal(err)
			}
			viaEvents, _ := acc2.Response()
			if d := cmp.Diff(string(readable(t, viaEvents)), string(readable(t, streamed))); d != "" {
				t.Errorf("stream and unary answers differ (-unary +stream):\n%s", d)
			}
		})
	}
	if n == 0 {
		t.Fatal("no stream capture has a unary twin")
	}
}

func TestStreamStopReasons(t *testing.T) {
	cases := map[string]canon.StopReason{
		"end_turn": canon.StopEndTurn, "max_tokens": canon.StopMaxTokens, "stop_sequence": canon.StopSequence,
		"tool_use": canon.StopToolUse, "refusal": canon.StopContentFiltered, "pause_turn": canon.StopEndTurn,
		"model_context_window_exceeded": canon.StopContextWindowExceeded, "something_new": canon.StopEndTurn,
	}
	for in, want := range cases {
		t.Run(in, func(t *testing.T) {
			rec := &recorder{}
			dec := NewStreamDecoder(rec, ResponseOptions{})
			for _, ev := range []string{
				`{"type":"message_start","message":{"usage":{"input_tokens":1}}}`,
				`{"type":"message_delta","delta":{"stop_reason":"` + in + `","stop_sequence":null},"usage":{"output_tokens":2}}`,
				`{"type":"message_stop"}`,
			} {
				if err := dec.Decode("", []byte(ev)); err != nil {
					t.Fatal(err)
				}
			}
			if err := dec.Finish(); err != nil {
				t.Fatal(err)
			}
			got := rec.evs[len(rec.evs)-2]
			if got.Kind != canon.EventMessageStop || got.StopReason != want {
				t.Errorf("got %+v, want messageStop %q", got, want)
			}
			if StopReasonToCanon(in) != want {
				t.Errorf("StopReasonToCanon(%q) = %q", in, StopReasonToCanon(in))
			}
		})
	}
}

// TestStreamWriterError: the writer's own error comes back unchanged and
// the decoder stays failed.
func TestStreamWriterError(t *testing.T) {
	raw, err := os.ReadFile("testdata/stream/text.sse")
	if err != nil {
		t.Fatal(err)
	}
	gone := errors.New("client went away")
	for failAt := 0; failAt < 7; failAt++ {
		n := 0
		w := canon.EventWriterFunc(func(canon.Event) error {
			if n == failAt {
				return gone
			}
			n++
			return nil
		})
		dec := NewStreamDecoder(w, ResponseOptions{})
		var got error
		for _, chunk := range strings.Split(string(raw), "\n\n") {
			typ, data, _ := strings.Cut(chunk, "\ndata: ")
			if got = dec.Decode(strings.TrimPrefix(typ, "event: "), []byte(data)); got != nil {
				break
			}
		}
		if got != gone {
			t.Fatalf("failAt %d: err = %v, want the writer's error", failAt, got)
		}
		if again := dec.Decode("message_stop", []byte(`{"type":"message_stop"}`)); again != gone {
			t.Errorf("failAt %d: decoder accepted events after failing: %v", failAt, again)
		}
		if dec.Finish() != gone {
			t.Errorf("failAt %d: Finish did not report the failure", failAt)
		}
	}
}

func TestStreamUsageNotDoubleCounted(t *testing.T) {
	evs, err := decodeSSE(strings.NewReader(strings.Join([]string{
		"event: message_start\ndata: " + `{"type":"message_start","message":{"usage":{"input_tokens":25,"cache_creation_input_tokens":1000,"cache_read_input_tokens":2000,"output_tokens":1}}}`,
		"event: message_delta\ndata: " + `{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":40}}`,
		"event: message_delta\ndata: " + `{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"input_tokens":25,"cache_read_input_tokens":2000,"output_tokens":50}}`,
		"event: message_stop\ndata: " + `{"type":"message_stop"}`,
	}, "\n\n")+"\n\n"), ResponseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := canon.Usage{InputTokens: 25, OutputTokens: 50, CacheReadTokens: 2000, CacheWriteTokens: 1000}
	if got := evs[len(evs)-1].Usage; got != want {
		t.Errorf("usage = %+v, want %+v", got, want)
	}
	if want.Total() != 3075 {
		t.Errorf("total = %d", want.Total())
	}
}

func TestStreamToolStartInput(t *testing.T) {
	cases := []struct {
		name, start string
		deltas      []string
		want        string
	}{
		{"empty object", `{}`, []string{`{"a":`, `1}`}, `{"a":1}`},
		{"spaced empty object", `{ }`, []string{`{"a":1}`}, `{"a":1}`},
		{"null", `null`, nil, `{}`},
		{"whole input in the start", `{"a":1}`, nil, `{"a":1}`},
		{"no deltas", `{}`, []string{``}, `{}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			acc := canon.NewAccumulator()
			dec := NewStreamDecoder(acc, ResponseOptions{})
			evs := []string{
				`{"type":"message_start","message":{"usage":{"input_tokens":1}}}`,
				`{"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"t","name":"n","input":` + c.start + `}}`,
			}
			for _, d := range c.deltas {
				b, _ := json.Marshal(d)
				evs = append(evs, `{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":`+string(b)+`}}`)
			}
			evs = append(evs, `{"type":"content_block_stop","index":0}`, `{"type":"message_stop"}`)
			for _, ev := range evs {
				if err := dec.Decode("", []byte(ev)); err != nil {
					t.Fatal(err)
				}
			}
			resp, err := acc.Response()
			if err != nil {
				t.Fatal(err)
			}
			if got := string(resp.Message.Content[0].ToolUse.Input); got != c.want {
				t.Errorf("input = %s, want %s", got, c.want)
			}
		})
	}
}
