package anthropic

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/wire/sse"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata")

// Fixtures spell canon's numeric enums by name ("Type": "toolUse",
// "Mode": "any") so a reviewer can read them; these tables translate.
var (
	blockTypeByName = func() map[string]canon.BlockType {
		m := map[string]canon.BlockType{}
		for t := canon.BlockType(1); t < 64; t++ {
			if n := t.String(); n != "unknown" {
				m[n] = t
			}
		}
		return m
	}()
	modeNames = []string{canon.ToolChoiceAuto: "auto", canon.ToolChoiceAny: "any",
		canon.ToolChoiceTool: "tool", canon.ToolChoiceNone: "none"}
	deltaNames = []string{canon.DeltaText: "text", canon.DeltaToolInput: "toolInput",
		canon.DeltaReasoningText: "reasoningText", canon.DeltaReasoningSignature: "reasoningSignature",
		canon.DeltaReasoningRedacted: "reasoningRedacted"}
)

// enumName matches `"Type": "name"` and `"Mode": "name"` in fixture text.
// Rewriting the text (not a decoded map) keeps raw JSON fields such as
// tool schemas byte for byte as written.
var enumName = regexp.MustCompile(`"(Type|Mode)"(\s*:\s*)"([A-Za-z_]+)"`)

// namesToNumbers rewrites a fixture's enum names into canon's numbers.
func namesToNumbers(raw []byte) []byte {
	return enumName.ReplaceAllFunc(raw, func(m []byte) []byte {
		sub := enumName.FindSubmatch(m)
		key, sep, name := string(sub[1]), string(sub[2]), string(sub[3])
		if key == "Type" {
			if t := blockTypeByName[name]; t != 0 {
				return fmt.Appendf(nil, `"Type"%s%d`, sep, t)
			}
			return m
		}
		for i, n := range modeNames {
			if n == name {
				return fmt.Appendf(nil, `"Mode"%s%d`, sep, i)
			}
		}
		return m
	})
}

// numbersToNames is the reverse, and drops zero values so goldens show only
// what is set.
func numbersToNames(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if f, ok := val.(float64); ok && k == "Type" {
				x[k] = canon.BlockType(f).String()
				continue
			}
			if f, ok := val.(float64); ok && k == "Mode" && int(f) < len(modeNames) {
				x[k] = modeNames[int(f)]
				continue
			}
			x[k] = numbersToNames(val)
			if isZero(x[k]) {
				delete(x, k)
			}
		}
	case []any:
		for i := range x {
			x[i] = numbersToNames(x[i])
		}
	}
	return v
}

func isZero(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case float64:
		return x == 0
	case bool:
		return !x
	}
	return false
}

func readCanonRequest(t *testing.T, path string) *canon.Request {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var req canon.Request
	dec := json.NewDecoder(bytes.NewReader(namesToNumbers(raw)))
	dec.DisallowUnknownFields() // a misspelt fixture key must not pass silently
	if err := dec.Decode(&req); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return &req
}

// readable renders a canon value as indented JSON with enum names.
func readable(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var generic any
	_ = json.Unmarshal(b, &generic)
	return indent(numbersToNames(generic))
}

// indent renders v as goldens store it: indented, with <, > and & literal.
func indent(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// golden compares got with the file at path, or rewrites it under -update.
func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(want, got) {
		t.Errorf("%s differs (run with -update to accept):\n%s", path, lineDiff(string(want), string(got)))
	}
}

func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var sb strings.Builder
	for i := 0; i < max(len(w), len(g)); i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			fmt.Fprintf(&sb, "line %d:\n- %s\n+ %s\n", i+1, a, b)
		}
	}
	return sb.String()
}

// goldenEvent is a canon.Event as goldens show it.
type goldenEvent struct {
	Kind             string          `json:"kind"`
	Index            *int            `json:"index,omitempty"`
	BlockType        string          `json:"blockType,omitempty"`
	ToolUseID        string          `json:"toolUseId,omitempty"`
	ToolName         string          `json:"toolName,omitempty"`
	Delta            string          `json:"delta,omitempty"`
	Text             string          `json:"text,omitempty"`
	Redacted         string          `json:"redacted,omitempty"`
	StopReason       string          `json:"stopReason,omitempty"`
	AdditionalFields json.RawMessage `json:"additionalFields,omitempty"`
	Usage            *canon.Usage    `json:"usage,omitempty"`
}

type goldenError struct {
	Kind    string `json:"kind"`
	Message string `json:"message"`
}

type streamGolden struct {
	Events []goldenEvent `json:"events"`
	Error  *goldenError  `json:"error,omitempty"`
}

func toGolden(evs []canon.Event, err error) streamGolden {
	g := streamGolden{Events: []goldenEvent{}}
	for _, ev := range evs {
		ge := goldenEvent{Kind: ev.Kind.String(), ToolUseID: ev.ToolUseID, ToolName: ev.ToolName,
			Text: ev.Text, Redacted: string(ev.Redacted), StopReason: string(ev.StopReason),
			AdditionalFields: ev.AdditionalFields}
		switch ev.Kind {
		case canon.EventBlockStart, canon.EventBlockDelta, canon.EventBlockStop:
			ge.Index = &ev.Index
		case canon.EventMetadata:
			ge.Usage = &ev.Usage
		}
		if ev.BlockType != 0 {
			ge.BlockType = ev.BlockType.String()
		}
		if ev.Delta != 0 {
			ge.Delta = deltaNames[ev.Delta]
		}
		g.Events = append(g.Events, ge)
	}
	if err != nil {
		ae := apierr.As(err)
		g.Error = &goldenError{Kind: ae.Kind.String(), Message: ae.Message}
	}
	return g
}

// recorder collects events.
type recorder struct{ evs []canon.Event }

func (r *recorder) WriteEvent(ev canon.Event) error {
	// Redacted must not alias decoder buffers.
	ev.Redacted = bytes.Clone(ev.Redacted)
	r.evs = append(r.evs, ev)
	return nil
}

// decodeSSE runs r through the SSE reader and a StreamDecoder, as the
// provider does.
func decodeSSE(r io.Reader, opts ResponseOptions) ([]canon.Event, error) {
	rec := &recorder{}
	dec := NewStreamDecoder(rec, opts)
	rd := sse.NewReader(r)
	for {
		ev, err := rd.Next()
		if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
			return rec.evs, dec.Finish()
		}
		if err != nil {
			return rec.evs, err
		}
		if err := dec.Decode(ev.Type, ev.Data); err != nil {
			return rec.evs, err
		}
	}
}

// splitReader returns data in reads of random length.
type splitReader struct {
	data []byte
	rng  *rand.Rand
}

func (s *splitReader) Read(p []byte) (int, error) {
	if len(s.data) == 0 {
		return 0, io.EOF
	}
	n := min(1+s.rng.Intn(len(s.data)), len(p))
	copy(p, s.data[:n])
	s.data = s.data[n:]
	return n, nil
}

// checkOrder verifies canon's event grammar: MessageStart; blocks that
// start, get deltas and stop without interleaving, with fresh indexes;
// MessageStop; Metadata last.
func checkOrder(evs []canon.Event, complete bool) error {
	state := 0 // 0 before start, 1 in message, 2 after stop, 3 after metadata
	open := -1
	seen := map[int]bool{}
	for i, ev := range evs {
		switch ev.Kind {
		case canon.EventMessageStart:
			if state != 0 {
				return fmt.Errorf("event %d: second messageStart", i)
			}
			state = 1
		case canon.EventBlockStart:
			if state != 1 || open >= 0 || seen[ev.Index] {
				return fmt.Errorf("event %d: blockStart %d out of place (open %d)", i, ev.Index, open)
			}
			open, seen[ev.Index] = ev.Index, true
		case canon.EventBlockDelta:
			if state != 1 || open != ev.Index {
				return fmt.Errorf("event %d: delta for %d while %d is open", i, ev.Index, open)
			}
		case canon.EventBlockStop:
			if state != 1 || open != ev.Index {
				return fmt.Errorf("event %d: stop for %d while %d is open", i, ev.Index, open)
			}
			open = -1
		case canon.EventMessageStop:
			if state != 1 || open >= 0 {
				return fmt.Errorf("event %d: messageStop out of place", i)
			}
			state = 2
		case canon.EventMetadata:
			if state != 2 {
				return fmt.Errorf("event %d: metadata before messageStop", i)
			}
			state = 3
		default:
			return fmt.Errorf("event %d: unknown kind %d", i, ev.Kind)
		}
	}
	if complete && state != 3 {
		return fmt.Errorf("stream ended in state %d", state)
	}
	return nil
}

func files(t testing.TB, pattern string) []string {
	t.Helper()
	fs, err := filepath.Glob(pattern)
	if err != nil || len(fs) == 0 {
		t.Fatalf("no files match %s", pattern)
	}
	return fs
}
