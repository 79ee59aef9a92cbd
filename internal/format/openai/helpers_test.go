package openai

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// The canon types carry no JSON tags and number their enums, so fixtures
// name block types ("toolUse") and tool choice modes ("any") and this
// helper swaps in the numbers before decoding strictly.

var blockTypeByName = func() map[string]canon.BlockType {
	m := map[string]canon.BlockType{}
	for t := canon.BlockType(1); t < 64; t++ {
		if s := t.String(); s != "unknown" {
			m[s] = t
		}
	}
	return m
}()

var choiceModeByName = map[string]canon.ToolChoiceMode{
	"auto": canon.ToolChoiceAuto, "any": canon.ToolChoiceAny, "tool": canon.ToolChoiceTool, "none": canon.ToolChoiceNone,
}

func readCanonRequest(t testing.TB, path string) *canon.Request {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	req, err := decodeCanonRequest(data)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return req
}

func decodeCanonRequest(data []byte) (*canon.Request, error) {
	var tree map[string]any
	if err := json.Unmarshal(data, &tree); err != nil {
		return nil, err
	}
	if err := fixBlocks(tree["System"]); err != nil {
		return nil, err
	}
	msgs, _ := tree["Messages"].([]any)
	for _, m := range msgs {
		if mm, ok := m.(map[string]any); ok {
			if err := fixBlocks(mm["Content"]); err != nil {
				return nil, err
			}
		}
	}
	if tools, ok := tree["Tools"].(map[string]any); ok {
		if ch, ok := tools["Choice"].(map[string]any); ok {
			if s, ok := ch["Mode"].(string); ok {
				mode, ok := choiceModeByName[s]
				if !ok {
					return nil, fmt.Errorf("unknown tool choice mode %q", s)
				}
				ch["Mode"] = mode
			}
		}
	}
	fixed, err := json.Marshal(tree)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(fixed))
	dec.DisallowUnknownFields()
	var req canon.Request
	if err := dec.Decode(&req); err != nil {
		return nil, err
	}
	return &req, nil
}

func fixBlocks(v any) error {
	blocks, _ := v.([]any)
	for _, b := range blocks {
		bm, ok := b.(map[string]any)
		if !ok {
			continue
		}
		if s, ok := bm["Type"].(string); ok {
			bt, ok := blockTypeByName[s]
			if !ok {
				return fmt.Errorf("unknown block type %q", s)
			}
			bm["Type"] = bt
		}
		if tr, ok := bm["ToolResult"].(map[string]any); ok {
			if err := fixBlocks(tr["Content"]); err != nil {
				return err
			}
		}
	}
	return nil
}

// eventJSON is a readable rendering of canon.Event for golden files.
type eventJSON struct {
	Kind       string       `json:"kind"`
	Index      *int         `json:"index,omitempty"`
	BlockType  string       `json:"blockType,omitempty"`
	ToolUseID  string       `json:"toolUseId,omitempty"`
	ToolName   string       `json:"toolName,omitempty"`
	Delta      string       `json:"delta,omitempty"`
	Text       string       `json:"text,omitempty"`
	StopReason string       `json:"stopReason,omitempty"`
	Usage      *canon.Usage `json:"usage,omitempty"`
}

var deltaNames = map[canon.DeltaType]string{
	canon.DeltaText: "text", canon.DeltaToolInput: "toolInput", canon.DeltaReasoningText: "reasoningText",
	canon.DeltaReasoningSignature: "reasoningSignature", canon.DeltaReasoningRedacted: "reasoningRedacted",
}

func renderEvent(ev canon.Event) eventJSON {
	out := eventJSON{Kind: ev.Kind.String()}
	switch ev.Kind {
	case canon.EventBlockStart:
		out.Index = &ev.Index
		out.BlockType = ev.BlockType.String()
		out.ToolUseID, out.ToolName = ev.ToolUseID, ev.ToolName
	case canon.EventBlockDelta:
		out.Index = &ev.Index
		out.Delta = deltaNames[ev.Delta]
		out.Text = ev.Text
	case canon.EventBlockStop:
		out.Index = &ev.Index
	case canon.EventMessageStop:
		out.StopReason = string(ev.StopReason)
	case canon.EventMetadata:
		u := ev.Usage
		out.Usage = &u
	}
	return out
}

// recorder collects events as readable JSON values.
type recorder struct{ events []eventJSON }

func (r *recorder) WriteEvent(ev canon.Event) error {
	r.events = append(r.events, renderEvent(ev))
	return nil
}

// errJSON is an error as a golden file records it.
type errJSON struct {
	Kind    string `json:"kind"`
	Message string `json:"message"`
}

func renderErr(t testing.TB, err error) *errJSON {
	t.Helper()
	if err == nil {
		return nil
	}
	var ae *apierr.Error
	if !errors.As(err, &ae) {
		t.Fatalf("error %v (%T) is not an *apierr.Error", err, err)
	}
	return &errJSON{Kind: ae.Kind.String(), Message: ae.Message}
}

// outcome is the golden content of a decode: the events written, then the
// error that ended the decode, if any.
type outcome struct {
	Events []eventJSON `json:"events"`
	Error  *errJSON    `json:"error,omitempty"`
}

// golden compares got, as indented JSON, with the file at path, or
// rewrites the file under -update.
func golden(t *testing.T, path string, got any) {
	t.Helper()
	b, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, '\n')
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(b)); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}

// checkShape enforces the canonical stream's ordering rules: one
// MessageStart first, blocks numbered 0,1,2… that never interleave, and
// MessageStop then Metadata last.
type checkShape struct {
	started, stopped, meta bool
	open, next             int
	openType               canon.BlockType
}

func newCheckShape() *checkShape { return &checkShape{open: -1} }

func (c *checkShape) WriteEvent(ev canon.Event) error {
	if c.meta {
		return fmt.Errorf("%s after metadata", ev.Kind)
	}
	if ev.Kind != canon.EventMessageStart && !c.started {
		return fmt.Errorf("%s before messageStart", ev.Kind)
	}
	switch ev.Kind {
	case canon.EventMessageStart:
		if c.started {
			return errors.New("second messageStart")
		}
		c.started = true
	case canon.EventBlockStart:
		if c.stopped || c.open >= 0 || ev.Index != c.next {
			return fmt.Errorf("block start %d (open %d, next %d, stopped %v)", ev.Index, c.open, c.next, c.stopped)
		}
		if ev.BlockType == canon.BlockToolUse && (ev.ToolUseID == "" || ev.ToolName == "") {
			return errors.New("tool block without id or name")
		}
		c.open, c.openType = ev.Index, ev.BlockType
		c.next++
	case canon.EventBlockDelta:
		if ev.Index != c.open {
			return fmt.Errorf("delta for block %d while %d is open", ev.Index, c.open)
		}
		want := map[canon.DeltaType]canon.BlockType{canon.DeltaText: canon.BlockText,
			canon.DeltaToolInput: canon.BlockToolUse, canon.DeltaReasoningText: canon.BlockReasoning}[ev.Delta]
		if want != c.openType {
			return fmt.Errorf("delta %d in a %s block", ev.Delta, c.openType)
		}
	case canon.EventBlockStop:
		if ev.Index != c.open {
			return fmt.Errorf("stop for block %d while %d is open", ev.Index, c.open)
		}
		c.open = -1
	case canon.EventMessageStop:
		if c.open >= 0 || c.stopped {
			return errors.New("messageStop with an open block or twice")
		}
		c.stopped = true
	case canon.EventMetadata:
		if !c.stopped {
			return errors.New("metadata before messageStop")
		}
		c.meta = true
	}
	return nil
}

func (c *checkShape) complete() error {
	if !c.meta {
		return errors.New("stream did not end with metadata")
	}
	return nil
}

func casesIn(t testing.TB, dir, suffix string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*"+suffix))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no %s cases in %s", suffix, dir)
	}
	return files
}

func ptr[T any](v T) *T { return &v }
