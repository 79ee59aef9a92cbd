package canon

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Response is a complete (unary) answer.
type Response struct {
	Message          Message
	StopReason       StopReason
	Usage            Usage
	LatencyMs        int64
	AdditionalFields json.RawMessage
}

// Accumulator assembles a Response from an event stream. It is the only
// place a unary answer is built, so streaming and unary answers cannot
// disagree. It also checks the stream's shape: a stream that ends before
// its MessageStop is an error, never a truncated success.
type Accumulator struct {
	resp      Response
	started   bool
	stopped   bool
	metadata  bool
	open      int // index of the open block, -1 if none
	toolInput strings.Builder
	text      strings.Builder
	reasonSig string
	redacted  []byte
	openType  BlockType
}

// NewAccumulator returns an empty accumulator.
func NewAccumulator() *Accumulator {
	return &Accumulator{open: -1, resp: Response{Message: Message{Role: RoleAssistant}}}
}

var _ EventWriter = (*Accumulator)(nil)

// WriteEvent adds one event.
func (a *Accumulator) WriteEvent(ev Event) error {
	switch ev.Kind {
	case EventMessageStart:
		a.started = true
	case EventBlockStart:
		if err := a.closeOpen(); err != nil {
			return err
		}
		a.openBlock(ev.Index, ev.BlockType)
		if ev.BlockType == BlockToolUse {
			a.resp.Message.Content = append(a.resp.Message.Content, Block{Type: BlockToolUse,
				ToolUse: &ToolUse{ID: ev.ToolUseID, Name: ev.ToolName}})
		}
	case EventBlockDelta:
		if a.open != ev.Index {
			// Deltas may begin a block without a start (Converse text blocks).
			if err := a.closeOpen(); err != nil {
				return err
			}
			t := BlockText
			switch ev.Delta {
			case DeltaReasoningText, DeltaReasoningSignature, DeltaReasoningRedacted:
				t = BlockReasoning
			case DeltaToolInput:
				return fmt.Errorf("canon: tool input delta for block %d without a tool-use start", ev.Index)
			}
			a.openBlock(ev.Index, t)
		}
		switch ev.Delta {
		case DeltaText:
			a.text.WriteString(ev.Text)
		case DeltaToolInput:
			a.toolInput.WriteString(ev.Text)
		case DeltaReasoningText:
			a.text.WriteString(ev.Text)
		case DeltaReasoningSignature:
			a.reasonSig += ev.Text
		case DeltaReasoningRedacted:
			a.redacted = append(a.redacted, ev.Redacted...)
		}
	case EventBlockStop:
		if a.open != ev.Index {
			return fmt.Errorf("canon: stop for block %d but block %d is open", ev.Index, a.open)
		}
		return a.closeOpen()
	case EventMessageStop:
		if err := a.closeOpen(); err != nil {
			return err
		}
		a.stopped = true
		a.resp.StopReason = ev.StopReason
		if len(ev.AdditionalFields) > 0 {
			a.resp.AdditionalFields = ev.AdditionalFields
		}
	case EventMetadata:
		a.metadata = true
		a.resp.Usage = ev.Usage
		a.resp.LatencyMs = ev.LatencyMs
	default:
		return fmt.Errorf("canon: unknown event kind %d", ev.Kind)
	}
	return nil
}

func (a *Accumulator) openBlock(idx int, t BlockType) {
	a.open = idx
	a.openType = t
	a.text.Reset()
	a.toolInput.Reset()
	a.reasonSig = ""
	a.redacted = nil
}

func (a *Accumulator) closeOpen() error {
	if a.open < 0 {
		return nil
	}
	switch a.openType {
	case BlockText:
		// An empty text block is never useful and Bedrock rejects blank
		// text when the client replays the turn, so it is dropped.
		if a.text.Len() > 0 {
			a.resp.Message.Content = append(a.resp.Message.Content, TextBlock(a.text.String()))
		}
	case BlockReasoning:
		r := &Reasoning{Text: a.text.String(), Signature: a.reasonSig}
		if len(a.redacted) > 0 {
			r.Redacted = a.redacted
		}
		a.resp.Message.Content = append(a.resp.Message.Content, Block{Type: BlockReasoning, Reasoning: r})
	case BlockToolUse:
		tu := a.resp.Message.Content[len(a.resp.Message.Content)-1].ToolUse
		in := strings.TrimSpace(a.toolInput.String())
		if in == "" {
			in = "{}"
		}
		if !json.Valid([]byte(in)) {
			return fmt.Errorf("canon: tool %q input is not valid JSON", tu.Name)
		}
		tu.Input = json.RawMessage(in)
	}
	a.open = -1
	return nil
}

// Response returns the assembled answer, or an error if the stream did not
// finish properly (no MessageStop).
func (a *Accumulator) Response() (*Response, error) {
	if !a.stopped {
		return nil, fmt.Errorf("canon: answer stream ended before messageStop")
	}
	return &a.resp, nil
}

// Emit writes a complete Response to w as the event stream a streaming
// provider would have produced. Providers whose upstream answered in one
// piece use it, so every answer reaches the client through events.
func Emit(w EventWriter, r *Response) error {
	if err := w.WriteEvent(Event{Kind: EventMessageStart}); err != nil {
		return err
	}
	idx := 0
	for _, b := range r.Message.Content {
		if err := emitBlock(w, idx, b); err != nil {
			return err
		}
		if b.Type == BlockText || b.Type == BlockToolUse || b.Type == BlockReasoning {
			idx++
		}
	}
	if err := w.WriteEvent(Event{Kind: EventMessageStop, StopReason: r.StopReason, AdditionalFields: r.AdditionalFields}); err != nil {
		return err
	}
	return w.WriteEvent(Event{Kind: EventMetadata, Usage: r.Usage, LatencyMs: r.LatencyMs})
}

func emitBlock(w EventWriter, idx int, b Block) error {
	var evs [4]Event
	n := 0
	switch b.Type {
	case BlockText:
		evs[0] = Event{Kind: EventBlockStart, Index: idx, BlockType: BlockText}
		evs[1] = Event{Kind: EventBlockDelta, Index: idx, Delta: DeltaText, Text: b.Text}
		n = 2
	case BlockToolUse:
		evs[0] = Event{Kind: EventBlockStart, Index: idx, BlockType: BlockToolUse, ToolUseID: b.ToolUse.ID, ToolName: b.ToolUse.Name}
		evs[1] = Event{Kind: EventBlockDelta, Index: idx, Delta: DeltaToolInput, Text: string(b.ToolUse.Input)}
		n = 2
	case BlockReasoning:
		evs[0] = Event{Kind: EventBlockStart, Index: idx, BlockType: BlockReasoning}
		n = 1
		r := b.Reasoning
		if r.Text != "" {
			evs[n] = Event{Kind: EventBlockDelta, Index: idx, Delta: DeltaReasoningText, Text: r.Text}
			n++
		}
		if r.Signature != "" {
			evs[n] = Event{Kind: EventBlockDelta, Index: idx, Delta: DeltaReasoningSignature, Text: r.Signature}
			n++
		}
		if len(r.Redacted) > 0 {
			evs[n] = Event{Kind: EventBlockDelta, Index: idx, Delta: DeltaReasoningRedacted, Redacted: r.Redacted}
			n++
		}
	default:
		return nil // answers carry only text, tool use and reasoning
	}
	for _, ev := range evs[:n] {
		if err := w.WriteEvent(ev); err != nil {
			return err
		}
	}
	return w.WriteEvent(Event{Kind: EventBlockStop, Index: idx})
}
