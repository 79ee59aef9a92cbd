package canon

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func collect(evs *[]Event) EventWriter {
	return EventWriterFunc(func(ev Event) error { *evs = append(*evs, ev); return nil })
}

func TestEmitThenAccumulateRoundTrips(t *testing.T) {
	want := &Response{
		Message: Message{Role: RoleAssistant, Content: []Block{
			{Type: BlockReasoning, Reasoning: &Reasoning{Text: "think", Signature: "sig"}},
			TextBlock("Let me check."),
			{Type: BlockToolUse, ToolUse: &ToolUse{ID: "t1", Name: "f", Input: json.RawMessage(`{"a":1}`)}},
			{Type: BlockToolUse, ToolUse: &ToolUse{ID: "t2", Name: "g", Input: json.RawMessage(`{}`)}},
			{Type: BlockReasoning, Reasoning: &Reasoning{Redacted: []byte{1, 2}}},
		}},
		StopReason:       StopToolUse,
		Usage:            Usage{InputTokens: 1, OutputTokens: 2, CacheReadTokens: 3, CacheWriteTokens: 4},
		LatencyMs:        5,
		AdditionalFields: json.RawMessage(`{"x":1}`),
	}
	var evs []Event
	if err := Emit(collect(&evs), want); err != nil {
		t.Fatal(err)
	}
	acc := NewAccumulator()
	for i, ev := range evs {
		if err := acc.WriteEvent(ev); err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
	}
	got, err := acc.Response()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, want)
	}
	if evs[0].Kind != EventMessageStart || evs[len(evs)-1].Kind != EventMetadata || evs[len(evs)-2].Kind != EventMessageStop {
		t.Fatal("order: messageStart first, messageStop then metadata last")
	}
	if want.Usage.Total() != 10 {
		t.Fatal("Total")
	}
}

func TestAccumulatorJoinsFragments(t *testing.T) {
	acc := NewAccumulator()
	for _, ev := range []Event{
		{Kind: EventMessageStart},
		{Kind: EventBlockDelta, Index: 0, Delta: DeltaText, Text: "Hel"}, // text blocks may start without a start event
		{Kind: EventBlockDelta, Index: 0, Delta: DeltaText, Text: "lo"},
		{Kind: EventBlockStop, Index: 0},
		{Kind: EventBlockStart, Index: 1, BlockType: BlockToolUse, ToolUseID: "t", ToolName: "f"},
		{Kind: EventBlockDelta, Index: 1, Delta: DeltaToolInput, Text: `{"city":`},
		{Kind: EventBlockDelta, Index: 1, Delta: DeltaToolInput, Text: `"Paris"}`},
		{Kind: EventBlockStop, Index: 1},
		{Kind: EventBlockStart, Index: 2, BlockType: BlockText}, // empty text block is dropped
		{Kind: EventBlockStop, Index: 2},
		{Kind: EventMessageStop, StopReason: StopToolUse},
	} {
		if err := acc.WriteEvent(ev); err != nil {
			t.Fatal(err)
		}
	}
	r, err := acc.Response()
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Message.Content) != 2 || r.Message.Content[0].Text != "Hello" || string(r.Message.Content[1].ToolUse.Input) != `{"city":"Paris"}` {
		t.Fatalf("content = %+v", r.Message.Content)
	}
}

func TestAccumulatorRejectsBrokenStreams(t *testing.T) {
	cases := map[string][]Event{
		"no messageStop": {{Kind: EventMessageStart}, {Kind: EventBlockDelta, Delta: DeltaText, Text: "x"}},
		"bad tool JSON": {{Kind: EventBlockStart, BlockType: BlockToolUse, ToolName: "f"},
			{Kind: EventBlockDelta, Delta: DeltaToolInput, Text: `{"a":`}, {Kind: EventBlockStop}},
		"tool input without start": {{Kind: EventBlockDelta, Index: 3, Delta: DeltaToolInput, Text: "{}"}},
		"stop of another block":    {{Kind: EventBlockDelta, Index: 0, Delta: DeltaText, Text: "x"}, {Kind: EventBlockStop, Index: 1}},
		"unknown kind":             {{Kind: EventKind(99)}},
	}
	for name, evs := range cases {
		t.Run(name, func(t *testing.T) {
			acc := NewAccumulator()
			var err error
			for _, ev := range evs {
				if err = acc.WriteEvent(ev); err != nil {
					break
				}
			}
			if err == nil {
				_, err = acc.Response()
			}
			if err == nil {
				t.Fatal("broken stream accepted")
			}
		})
	}
}

func TestEmitStopsOnWriterError(t *testing.T) {
	stop := errors.New("stop")
	n := 0
	err := Emit(EventWriterFunc(func(Event) error { n++; return stop }), &Response{Message: Message{Content: []Block{TextBlock("a")}}})
	if !errors.Is(err, stop) || n != 1 {
		t.Fatalf("err %v after %d writes", err, n)
	}
}

func TestNames(t *testing.T) {
	if EventBlockDelta.String() != "contentBlockDelta" || EventKind(0).String() != "unknown" {
		t.Error("event kind names")
	}
	if BlockReasoning.String() != "reasoningContent" || BlockType(0).String() != "unknown" || !strings.HasPrefix(BlockJSON.String(), "json") {
		t.Error("block type names")
	}
}
