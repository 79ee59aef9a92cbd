package anthropic

import (
	"bytes"
	"encoding/json"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
)

// StreamDecoder turns a Messages SSE stream, one event at a time, into
// canonical events written to a canon.EventWriter. It never buffers the
// answer, with one exception: Anthropic may interleave deltas of several
// open blocks, which canon forbids, so a block that starts while another is
// streaming is held back until that one stops.
//
// Canonical block indexes follow Anthropic's, except that blocks canon
// cannot carry (server tool calls and results) are skipped and the rest
// renumbered, so indexes stay dense. MessageStop and Metadata are written
// when message_stop arrives, with the usage of message_start updated by
// message_delta.
type StreamDecoder struct {
	w    canon.EventWriter
	opts ResponseOptions
	ev   StreamEvent

	started    bool
	stopped    bool
	err        error
	usage      canon.Usage
	stopReason string
	stopSeq    *string

	blocks  map[int]*blockState // by Anthropic index
	active  int                 // Anthropic index of the block being written, -1 if none
	pending []int               // started blocks waiting for the active one to stop
	next    int                 // next canonical index
}

type blockState struct {
	kind    canon.BlockType // 0: a block canon cannot carry, ignored
	live    bool            // its BlockStart has been written
	index   int             // canonical index once live
	stopped bool
	input   bool // a tool block got some input
	queued  []canon.Event
}

// NewStreamDecoder returns a decoder writing to w.
func NewStreamDecoder(w canon.EventWriter, opts ResponseOptions) *StreamDecoder {
	return &StreamDecoder{w: w, opts: opts, blocks: map[int]*blockState{}, active: -1}
}

// Decode handles one SSE event: its `event:` name and its data. Like the
// official SDKs it dispatches on the payload's "type", ignores ping and
// unknown types, and turns `event: error` into the upstream's error.
// Malformed events are apierr.ModelStreamError; errors from the writer are
// returned unchanged so the caller can tell the client went away.
func (d *StreamDecoder) Decode(eventType string, data []byte) error {
	if d.err != nil {
		return d.err
	}
	if err := d.decode(eventType, data); err != nil {
		d.err = err
		return err
	}
	return nil
}

// Done reports whether message_stop has been handled.
func (d *StreamDecoder) Done() bool { return d.stopped }

// Finish is called when the stream ends; a stream cut off before
// message_stop is an error, never a truncated success.
func (d *StreamDecoder) Finish() error {
	if d.err != nil {
		return d.err
	}
	if !d.stopped {
		d.err = apierr.New(apierr.ModelStreamError, "the upstream stream ended before message_stop")
		return d.err
	}
	return nil
}

func (d *StreamDecoder) decode(eventType string, data []byte) error {
	if d.stopped || eventType == EventPing {
		return nil // the answer is complete; nothing after message_stop counts
	}
	if eventType == EventError {
		return ErrorFromEvent(data)
	}
	if len(data) == 0 {
		return nil
	}
	d.ev = StreamEvent{}
	if err := json.Unmarshal(data, &d.ev); err != nil {
		name := eventType
		if name == "" {
			name = "stream"
		}
		return apierr.Wrap(apierr.ModelStreamError, err, "the upstream sent a malformed %s event", safeName(name))
	}
	ev := &d.ev
	switch ev.Type {
	case EventMessageStart:
		if d.started {
			return nil
		}
		if ev.Message != nil {
			d.usage = UsageToCanon(ev.Message.Usage)
		}
		return d.ensureStarted()
	case EventContentBlockStart:
		i, err := d.index(ev)
		if err != nil {
			return err
		}
		if ev.ContentBlock == nil {
			return apierr.New(apierr.ModelStreamError, "the upstream sent content_block_start %d without a block", i)
		}
		return d.blockStart(i, ev.ContentBlock)
	case EventContentBlockDelta:
		i, err := d.index(ev)
		if err != nil {
			return err
		}
		if ev.Delta == nil {
			return apierr.New(apierr.ModelStreamError, "the upstream sent content_block_delta %d without a delta", i)
		}
		return d.blockDelta(i, ev.Delta)
	case EventContentBlockStop:
		i, err := d.index(ev)
		if err != nil {
			return err
		}
		return d.blockStop(i)
	case EventMessageDelta:
		if ev.Delta != nil {
			if ev.Delta.StopReason != nil {
				d.stopReason = *ev.Delta.StopReason
			}
			d.stopSeq = ev.Delta.StopSequence
		}
		if u := ev.Usage; u != nil {
			// Every count is a cumulative total: overwrite, never add.
			d.usage.OutputTokens = u.OutputTokens
			if u.InputTokens != nil {
				d.usage.InputTokens = *u.InputTokens
			}
			if u.CacheReadInputTokens != nil {
				d.usage.CacheReadTokens = *u.CacheReadInputTokens
			}
			if u.CacheCreationInputTokens != nil {
				d.usage.CacheWriteTokens = *u.CacheCreationInputTokens
			}
		}
		return nil
	case EventMessageStop:
		return d.messageStop()
	case EventError:
		return ErrorFromEvent(data)
	}
	return nil // ping and event types newer than this code
}

func (d *StreamDecoder) index(ev *StreamEvent) (int, error) {
	if ev.Index == nil || *ev.Index < 0 {
		return 0, apierr.New(apierr.ModelStreamError, "the upstream sent %s without a valid index", safeName(ev.Type))
	}
	return *ev.Index, nil
}

func (d *StreamDecoder) ensureStarted() error {
	if d.started {
		return nil
	}
	d.started = true
	return d.w.WriteEvent(canon.Event{Kind: canon.EventMessageStart})
}

func (d *StreamDecoder) blockStart(i int, cb *ContentBlock) error {
	if _, dup := d.blocks[i]; dup {
		return apierr.New(apierr.ModelStreamError, "the upstream started content block %d twice", i)
	}
	if err := d.ensureStarted(); err != nil {
		return err
	}
	st := &blockState{}
	d.blocks[i] = st
	start := canon.Event{Kind: canon.EventBlockStart}
	var first []canon.Event
	switch cb.Type {
	case BlockText:
		st.kind = canon.BlockText
		if cb.Text != "" {
			first = append(first, canon.Event{Kind: canon.EventBlockDelta, Delta: canon.DeltaText, Text: cb.Text})
		}
	case BlockThinking:
		st.kind = canon.BlockReasoning
		if cb.Thinking != "" {
			first = append(first, canon.Event{Kind: canon.EventBlockDelta, Delta: canon.DeltaReasoningText, Text: cb.Thinking})
		}
		if cb.Signature != "" {
			first = append(first, canon.Event{Kind: canon.EventBlockDelta, Delta: canon.DeltaReasoningSignature, Text: cb.Signature})
		}
	case BlockRedactedThinking:
		st.kind = canon.BlockReasoning
		first = append(first, canon.Event{Kind: canon.EventBlockDelta, Delta: canon.DeltaReasoningRedacted, Redacted: []byte(cb.Data)})
	case BlockToolUse:
		st.kind = canon.BlockToolUse
		start.ToolUseID, start.ToolName = cb.ID, cb.Name
		// The start normally carries an empty input; a proxy that sends the
		// whole input here and no deltas must not lose it.
		if !emptyInput(cb.Input) {
			st.input = true
			first = append(first, canon.Event{Kind: canon.EventBlockDelta, Delta: canon.DeltaToolInput, Text: string(cb.Input)})
		}
	default:
		return nil
	}
	start.BlockType = st.kind
	if d.active < 0 && len(d.pending) == 0 {
		d.active = i
		st.live = true
		st.index = d.next
		d.next++
	} else {
		d.pending = append(d.pending, i)
	}
	if err := d.send(st, start); err != nil {
		return err
	}
	for _, ev := range first {
		if err := d.send(st, ev); err != nil {
			return err
		}
	}
	return nil
}

func (d *StreamDecoder) blockDelta(i int, delta *StreamDelta) error {
	st, ok := d.blocks[i]
	if !ok {
		return apierr.New(apierr.ModelStreamError, "the upstream sent a delta for content block %d before its start", i)
	}
	if st.kind == 0 {
		return nil
	}
	if st.stopped {
		return apierr.New(apierr.ModelStreamError, "the upstream sent a delta for content block %d after its stop", i)
	}
	ev := canon.Event{Kind: canon.EventBlockDelta}
	var want canon.BlockType
	switch delta.Type {
	case DeltaText:
		ev.Delta, ev.Text, want = canon.DeltaText, delta.Text, canon.BlockText
	case DeltaThinking:
		ev.Delta, ev.Text, want = canon.DeltaReasoningText, delta.Thinking, canon.BlockReasoning
	case DeltaSignature:
		ev.Delta, ev.Text, want = canon.DeltaReasoningSignature, delta.Signature, canon.BlockReasoning
	case DeltaInputJSON:
		ev.Delta, ev.Text, want = canon.DeltaToolInput, delta.PartialJSON, canon.BlockToolUse
	default:
		return nil // citations and newer delta types have no canonical form
	}
	if want != st.kind {
		return apierr.New(apierr.ModelStreamError, "the upstream sent a %s for a %s block", safeName(delta.Type), st.kind)
	}
	if ev.Text == "" {
		return nil
	}
	if ev.Delta == canon.DeltaToolInput {
		st.input = true
	}
	return d.send(st, ev)
}

func (d *StreamDecoder) blockStop(i int) error {
	st, ok := d.blocks[i]
	if !ok {
		return apierr.New(apierr.ModelStreamError, "the upstream stopped content block %d before its start", i)
	}
	if st.kind == 0 || st.stopped {
		return nil
	}
	return d.closeBlock(i, st)
}

// closeBlock writes (or queues) the block's stop and, if it was the active
// block, lets the next waiting block through.
func (d *StreamDecoder) closeBlock(i int, st *blockState) error {
	st.stopped = true
	if st.kind == canon.BlockToolUse && !st.input {
		// A call without arguments still tells the client its input, as a
		// unary answer's "input":{} does.
		if err := d.send(st, canon.Event{Kind: canon.EventBlockDelta, Delta: canon.DeltaToolInput, Text: "{}"}); err != nil {
			return err
		}
	}
	if err := d.send(st, canon.Event{Kind: canon.EventBlockStop}); err != nil {
		return err
	}
	if i != d.active {
		return nil
	}
	d.active = -1
	return d.activatePending()
}

// activatePending writes the blocks held back while another streamed, in
// start order, until one that is still open becomes the active block. So
// the active index is -1 only when nothing is pending.
func (d *StreamDecoder) activatePending() error {
	for len(d.pending) > 0 {
		j := d.pending[0]
		d.pending = d.pending[1:]
		st := d.blocks[j]
		st.live, st.index = true, d.next
		d.next++
		q := st.queued
		st.queued = nil
		for _, ev := range q {
			ev.Index = st.index
			if err := d.w.WriteEvent(ev); err != nil {
				return err
			}
		}
		if !st.stopped {
			d.active = j
			return nil
		}
	}
	return nil
}

func (d *StreamDecoder) send(st *blockState, ev canon.Event) error {
	if !st.live {
		st.queued = append(st.queued, ev)
		return nil
	}
	ev.Index = st.index
	return d.w.WriteEvent(ev)
}

func (d *StreamDecoder) messageStop() error {
	if err := d.ensureStarted(); err != nil {
		return err
	}
	// Blocks whose stop never came are closed in order; closing the active
	// one lets the held-back ones through.
	for d.active >= 0 {
		if err := d.closeBlock(d.active, d.blocks[d.active]); err != nil {
			return err
		}
	}
	d.stopped = true
	if err := d.w.WriteEvent(canon.Event{Kind: canon.EventMessageStop, StopReason: StopReasonToCanon(d.stopReason),
		AdditionalFields: additionalFields(d.opts, d.stopSeq)}); err != nil {
		return err
	}
	return d.w.WriteEvent(canon.Event{Kind: canon.EventMetadata, Usage: d.usage})
}

// emptyInput reports whether a tool_use start carries no input: absent,
// null or an empty object however it is spaced.
func emptyInput(in json.RawMessage) bool {
	in = bytes.TrimSpace(in)
	if len(in) == 0 || string(in) == "null" {
		return true
	}
	if in[0] != '{' || in[len(in)-1] != '}' {
		return false
	}
	return len(bytes.TrimSpace(in[1:len(in)-1])) == 0
}

// safeName bounds an upstream-chosen name before it goes into a message.
func safeName(s string) string {
	const limit = 64
	if r := []rune(s); len(r) > limit {
		return string(r[:limit]) + "…"
	}
	return s
}
