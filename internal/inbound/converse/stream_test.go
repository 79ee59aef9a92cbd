package converse

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/wire/eventstream"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/stream")

// goldenEvent is the JSON form of a canon.Event in testdata/stream/*.events.json;
// an element with "fail" set calls Fail instead of WriteEvent.
type goldenEvent struct {
	Kind             string          `json:"kind,omitempty"`
	Index            int             `json:"index,omitempty"`
	BlockType        string          `json:"blockType,omitempty"`
	ToolUseID        string          `json:"toolUseId,omitempty"`
	ToolName         string          `json:"toolName,omitempty"`
	Delta            string          `json:"delta,omitempty"`
	Text             string          `json:"text,omitempty"`
	Redacted         []byte          `json:"redacted,omitempty"`
	StopReason       string          `json:"stopReason,omitempty"`
	AdditionalFields json.RawMessage `json:"additionalFields,omitempty"`
	Usage            *canon.Usage    `json:"usage,omitempty"`
	LatencyMs        int64           `json:"latencyMs,omitempty"`
	Fail             *goldenError    `json:"fail,omitempty"`
}

type goldenError struct {
	Kind           string `json:"kind"` // a Bedrock exception name, e.g. ThrottlingException
	Message        string `json:"message"`
	UpstreamStatus int    `json:"upstreamStatus,omitempty"`
}

var (
	kinds = map[string]canon.EventKind{"messageStart": canon.EventMessageStart, "contentBlockStart": canon.EventBlockStart,
		"contentBlockDelta": canon.EventBlockDelta, "contentBlockStop": canon.EventBlockStop,
		"messageStop": canon.EventMessageStop, "metadata": canon.EventMetadata}
	blockTypes = map[string]canon.BlockType{"text": canon.BlockText, "toolUse": canon.BlockToolUse, "reasoning": canon.BlockReasoning}
	deltas     = map[string]canon.DeltaType{"text": canon.DeltaText, "toolInput": canon.DeltaToolInput,
		"reasoningText": canon.DeltaReasoningText, "reasoningSignature": canon.DeltaReasoningSignature,
		"reasoningRedacted": canon.DeltaReasoningRedacted}
)

func (g goldenEvent) event(t *testing.T) canon.Event {
	t.Helper()
	k, ok := kinds[g.Kind]
	if !ok {
		t.Fatalf("unknown kind %q", g.Kind)
	}
	ev := canon.Event{Kind: k, Index: g.Index, ToolUseID: g.ToolUseID, ToolName: g.ToolName, Text: g.Text,
		Redacted: g.Redacted, StopReason: canon.StopReason(g.StopReason), AdditionalFields: g.AdditionalFields, LatencyMs: g.LatencyMs}
	if g.BlockType != "" {
		if ev.BlockType, ok = blockTypes[g.BlockType]; !ok {
			t.Fatalf("unknown block type %q", g.BlockType)
		}
	}
	if g.Delta != "" {
		if ev.Delta, ok = deltas[g.Delta]; !ok {
			t.Fatalf("unknown delta %q", g.Delta)
		}
	}
	if g.Usage != nil {
		ev.Usage = *g.Usage
	}
	return ev
}

func kindByName(t *testing.T, name string) apierr.Kind {
	t.Helper()
	for k := apierr.Internal; k <= apierr.Conflict; k++ {
		if k.String() == name {
			return k
		}
	}
	t.Fatalf("unknown error kind %q", name)
	return 0
}

// decodedFrame is one frame of testdata/stream/*.decoded.json.
type decodedFrame struct {
	Headers map[string]string `json:"headers"`
	Payload json.RawMessage   `json:"payload"`
}

// TestStreamGolden feeds each testdata/stream/<case>.events.json through
// the ConverseStream encoder and compares the body byte for byte with
// <case>.eventstream and, decoded, with <case>.decoded.json. Every frame's
// payload must have exactly one member in each union (pitfall 7).
func TestStreamGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/stream/*.events.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden cases: %v", err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".events.json")
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var in []goldenEvent
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&in); err != nil {
				t.Fatal(err)
			}
			rec := httptest.NewRecorder()
			enc := newStreamEncoder(rec, 0)
			failed := false
			for _, g := range in {
				if g.Fail != nil {
					enc.Fail(&apierr.Error{Kind: kindByName(t, g.Fail.Kind), Message: g.Fail.Message, UpstreamStatus: g.Fail.UpstreamStatus})
					failed = true
					break
				}
				if err := enc.WriteEvent(g.event(t)); err != nil {
					t.Fatal(err)
				}
			}
			if !failed {
				if err := enc.Finish(); err != nil {
					t.Fatal(err)
				}
			}
			if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/vnd.amazon.eventstream" {
				t.Fatalf("status %d, content type %q", rec.Code, rec.Header().Get("Content-Type"))
			}
			got := rec.Body.Bytes()
			frames := decodeFrames(t, got)
			for i, fr := range frames {
				checkUnions(t, i, fr)
			}
			decoded, err := json.MarshalIndent(frames, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			decoded = append(decoded, '\n')
			base := strings.TrimSuffix(f, ".events.json")
			if *update {
				if err := os.WriteFile(base+".eventstream", got, 0o644); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(base+".decoded.json", decoded, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			wantDecoded, err := os.ReadFile(base + ".decoded.json")
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if diff := cmp.Diff(string(wantDecoded), string(decoded)); diff != "" {
				t.Errorf("decoded frames differ (-want +got):\n%s", diff)
			}
			want, err := os.ReadFile(base + ".eventstream")
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(want, got) {
				t.Errorf("event-stream bytes differ from %s.eventstream (%d bytes, got %d)", base, len(want), len(got))
			}
		})
	}
}

func decodeFrames(t *testing.T, body []byte) []decodedFrame {
	t.Helper()
	r := eventstream.NewReader(bytes.NewReader(body), eventstream.Limits{})
	var out []decodedFrame
	for {
		m, err := r.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("frame %d: %v", len(out), err)
		}
		h := map[string]string{}
		for _, hd := range m.Headers {
			h[hd.Name] = hd.Value.String()
		}
		if !json.Valid(m.Payload) {
			t.Fatalf("frame %d: payload is not JSON: %q", len(out), m.Payload)
		}
		out = append(out, decodedFrame{Headers: h, Payload: bytes.Clone(m.Payload)})
	}
}

// checkUnions checks that every union in a ConverseStream frame has exactly
// one member set: the event itself (its :event-type), ContentBlockStart,
// ContentBlockDelta and ReasoningContentBlockDelta.
func checkUnions(t *testing.T, i int, fr decodedFrame) {
	t.Helper()
	var p map[string]json.RawMessage
	if err := json.Unmarshal(fr.Payload, &p); err != nil {
		t.Fatalf("frame %d: payload is not an object: %v", i, err)
	}
	one := func(what string, raw json.RawMessage) map[string]json.RawMessage {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("frame %d: %s is not an object: %s", i, what, raw)
		}
		if len(m) != 1 {
			t.Errorf("frame %d: union %s has %d members, want exactly 1: %s", i, what, len(m), raw)
		}
		return m
	}
	switch fr.Headers[":message-type"] {
	case "exception":
		if _, ok := p["message"]; !ok {
			t.Errorf("frame %d: exception without message: %s", i, fr.Payload)
		}
		return
	case "event":
	default:
		t.Fatalf("frame %d: :message-type %q", i, fr.Headers[":message-type"])
	}
	if fr.Headers[":content-type"] != "application/json" {
		t.Errorf("frame %d: :content-type %q", i, fr.Headers[":content-type"])
	}
	switch fr.Headers[":event-type"] {
	case "contentBlockStart":
		one("start", p["start"])
	case "contentBlockDelta":
		d := one("delta", p["delta"])
		if rc, ok := d["reasoningContent"]; ok {
			one("delta.reasoningContent", rc)
		}
		if tu, ok := d["toolUse"]; ok {
			var in struct {
				Input *string `json:"input"`
			}
			if json.Unmarshal(tu, &in) != nil || in.Input == nil {
				t.Errorf("frame %d: toolUse delta without a string input: %s", i, tu)
			}
		}
	case "messageStart", "contentBlockStop", "messageStop", "metadata":
	default:
		t.Errorf("frame %d: unexpected :event-type %q", i, fr.Headers[":event-type"])
	}
}

// TestStreamErrorBeforeFirstFrame: an error before any frame is an
// ordinary Bedrock HTTP error, not a 200 with an exception frame; a text
// block start alone writes nothing.
func TestStreamErrorBeforeFirstFrame(t *testing.T) {
	rec := httptest.NewRecorder()
	enc := newStreamEncoder(rec, 0)
	enc.Fail(apierr.New(apierr.Throttling, "slow down"))
	if rec.Code != http.StatusTooManyRequests || !strings.HasPrefix(rec.Header().Get("x-amzn-ErrorType"), "ThrottlingException") {
		t.Fatalf("status %d, x-amzn-ErrorType %q", rec.Code, rec.Header().Get("x-amzn-ErrorType"))
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}

	// An empty answer that nonetheless "finished" is an error too.
	rec = httptest.NewRecorder()
	enc = newStreamEncoder(rec, 0)
	if err := enc.Finish(); apierr.KindOf(err) != apierr.ModelStreamError {
		t.Fatalf("Finish of an empty stream = %v", err)
	}
	if rec.Body.Len() != 0 {
		t.Fatalf("wrote %q", rec.Body.Bytes())
	}
}

// TestStreamOrder: the first frame is always messageStart (synthesized if
// the provider did not send one), a second messageStart is dropped, and
// nothing may follow metadata.
func TestStreamOrder(t *testing.T) {
	rec := httptest.NewRecorder()
	enc := newStreamEncoder(rec, 0)
	for _, ev := range []canon.Event{
		{Kind: canon.EventBlockDelta, Delta: canon.DeltaText, Text: "hi"},
		{Kind: canon.EventMessageStart},
		{Kind: canon.EventBlockStop},
		{Kind: canon.EventMessageStop, StopReason: canon.StopEndTurn},
		{Kind: canon.EventMetadata},
	} {
		if err := enc.WriteEvent(ev); err != nil {
			t.Fatal(err)
		}
	}
	if err := enc.WriteEvent(canon.Event{Kind: canon.EventBlockStop}); !errors.Is(err, errAfterEnd) {
		t.Fatalf("event after metadata: %v", err)
	}
	var types []string
	for _, fr := range decodeFrames(t, rec.Body.Bytes()) {
		types = append(types, fr.Headers[":event-type"])
	}
	want := []string{"messageStart", "contentBlockDelta", "contentBlockStop", "messageStop", "metadata"}
	if diff := cmp.Diff(want, types); diff != "" {
		t.Fatalf("event order (-want +got):\n%s", diff)
	}
}

// deadlineWriter is an in-memory ResponseWriter that can flush and take
// write deadlines, like net/http's.
type deadlineWriter struct {
	h         http.Header
	n         int
	code      int
	deadlines []time.Time
	failAt    int // fail the Write with this many bytes written (0: never)
}

func (d *deadlineWriter) Header() http.Header { return d.h }
func (d *deadlineWriter) WriteHeader(c int)   { d.code = c }
func (d *deadlineWriter) Write(b []byte) (int, error) {
	if d.failAt > 0 && d.n+len(b) > d.failAt {
		return 0, errors.New("i/o timeout")
	}
	d.n += len(b)
	return len(b), nil
}
func (d *deadlineWriter) FlushError() error { return nil }
func (d *deadlineWriter) SetWriteDeadline(t time.Time) error {
	if d.deadlines != nil || !t.IsZero() {
		d.deadlines = append(d.deadlines, t)
	}
	return nil
}

// TestStreamWriteDeadline: a deadline is set before the first frame,
// cleared at the end (an HTTP/1.1 connection would keep it), and a write
// that fails (a stuck client hitting it) stops the stream with an error.
func TestStreamWriteDeadline(t *testing.T) {
	w := &deadlineWriter{h: http.Header{}}
	enc := newStreamEncoder(w, 5*time.Second)
	before := time.Now()
	for _, ev := range textStream("a", "b") {
		if err := enc.WriteEvent(ev); err != nil {
			t.Fatal(err)
		}
	}
	if err := enc.Finish(); err != nil {
		t.Fatal(err)
	}
	if len(w.deadlines) != 2 || w.deadlines[0].Before(before.Add(5*time.Second)) || !w.deadlines[1].IsZero() {
		t.Fatalf("deadlines = %v, want one ~5s ahead, then cleared", w.deadlines)
	}

	w = &deadlineWriter{h: http.Header{}, failAt: 100}
	enc = newStreamEncoder(w, 0)
	var err error
	for _, ev := range textStream("a", strings.Repeat("b", 200)) {
		if err = enc.WriteEvent(ev); err != nil {
			break
		}
	}
	if err == nil {
		t.Fatal("a failed write did not stop the stream")
	}
	enc.Fail(err) // must not write anything more, nor panic
	if w.n >= 100 {
		t.Fatalf("wrote %d bytes after the failure", w.n)
	}
}

func textStream(parts ...string) []canon.Event {
	evs := []canon.Event{{Kind: canon.EventMessageStart}, {Kind: canon.EventBlockStart, BlockType: canon.BlockText}}
	for _, p := range parts {
		evs = append(evs, canon.Event{Kind: canon.EventBlockDelta, Delta: canon.DeltaText, Text: p})
	}
	return append(evs, canon.Event{Kind: canon.EventBlockStop},
		canon.Event{Kind: canon.EventMessageStop, StopReason: canon.StopEndTurn},
		canon.Event{Kind: canon.EventMetadata, Usage: canon.Usage{InputTokens: 1, OutputTokens: 2}, LatencyMs: 3})
}

func TestExceptionPayload(t *testing.T) {
	for _, c := range []struct {
		err  *apierr.Error
		want string
	}{
		{&apierr.Error{Kind: apierr.Throttling, Message: "slow", UpstreamStatus: 429}, `{"message":"slow"}`},
		{&apierr.Error{Kind: apierr.ModelStreamError, Message: "cut"}, `{"message":"cut"}`},
		{&apierr.Error{Kind: apierr.ModelStreamError, Message: "bad \"x\"", UpstreamStatus: 502},
			`{"message":"bad \"x\"","originalStatusCode":502,"originalMessage":"bad \"x\""}`},
	} {
		if got := string(ExceptionPayload(c.err)); got != c.want {
			t.Errorf("%v: %s, want %s", c.err, got, c.want)
		}
	}
}

// BenchmarkConverseStreamEncode measures one text delta through the
// encoder: payload, frame, write deadline and flush. It must not allocate.
func BenchmarkConverseStreamEncode(b *testing.B) {
	w := &deadlineWriter{h: http.Header{}}
	enc := newStreamEncoder(w, 0)
	if err := enc.WriteEvent(canon.Event{Kind: canon.EventMessageStart}); err != nil {
		b.Fatal(err)
	}
	ev := canon.Event{Kind: canon.EventBlockDelta, Delta: canon.DeltaText, Text: "Hello, world: a typical token"}
	if err := enc.WriteEvent(ev); err != nil { // size the frame buffer once
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := enc.WriteEvent(ev); err != nil {
			b.Fatal(err)
		}
	}
}

func TestStreamEncodeAllocs(t *testing.T) {
	if testing.Short() {
		t.Skip()
	}
	w := &deadlineWriter{h: http.Header{}}
	enc := newStreamEncoder(w, 0)
	_ = enc.WriteEvent(canon.Event{Kind: canon.EventMessageStart})
	evs := []canon.Event{
		{Kind: canon.EventBlockDelta, Delta: canon.DeltaText, Text: "Hello"},
		{Kind: canon.EventBlockStart, Index: 1, BlockType: canon.BlockToolUse, ToolUseID: "t", ToolName: "f"},
		{Kind: canon.EventBlockDelta, Index: 1, Delta: canon.DeltaToolInput, Text: `{"a":`},
		{Kind: canon.EventBlockDelta, Index: 2, Delta: canon.DeltaReasoningSignature, Text: "sig"},
		{Kind: canon.EventBlockStop, Index: 1},
	}
	for _, ev := range evs {
		if n := testing.AllocsPerRun(100, func() { _ = enc.WriteEvent(ev) }); n != 0 {
			t.Errorf("%v %v: %v allocs per event, want 0", ev.Kind, ev.Delta, n)
		}
	}
}
