package openai

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
)

// maxToolCalls bounds the tool call index a stream may use, so a hostile
// upstream cannot make the decoder track an unbounded number of calls.
// The openai-go accumulator refuses indexes from 128 on, too.
const maxToolCalls = 128

// StreamDecoder turns the chunks of one streamed answer into canonical
// events. Call Decode for every SSE data payload in order, then Finish
// once the stream has ended (at [DONE] or EOF).
//
// Canonical blocks may not interleave, but OpenAI-compatible servers do
// interleave the fragments of parallel tool calls (a later fragment for
// call 0 after call 1 began). So the first tool call streams straight
// through, and any other call is buffered until finish_reason proves no
// call gets more fragments. Text and reasoning stream straight through
// until the first tool call; text after it waits with the buffered calls.
// Only choice 0 is read, since Basalt never asks for more than one.
type StreamDecoder struct {
	w canon.EventWriter

	started  bool
	finished bool // finish_reason seen
	done     bool // [DONE] seen
	ended    bool // Finish ran
	id       string
	reason   string
	usage    *Usage

	next     int // next canonical block index
	open     int // index of the open block, -1 if none
	openType canon.BlockType
	openCall int // upstream index of the streaming tool call, -1 if none

	calls      map[int]*pendingCall
	anyCall    bool
	lateText   strings.Builder // text after the first tool call
	lateReason strings.Builder // reasoning after the first tool call
}

type pendingCall struct {
	id, name string
	args     strings.Builder
	streamed bool
}

// NewStreamDecoder returns a decoder writing to w.
func NewStreamDecoder(w canon.EventWriter) *StreamDecoder {
	return &StreamDecoder{w: w, open: -1, openCall: -1}
}

var doneMarker = []byte("[DONE]")

// Decode handles one SSE data payload. It reports done at the [DONE]
// marker, after which further payloads are ignored. A payload with a
// top-level error member, or one that is not a chunk, is an
// *apierr.Error; an error from the EventWriter is returned as is.
func (d *StreamDecoder) Decode(data []byte) (done bool, err error) {
	if d.done {
		return true, nil
	}
	data = bytes.TrimSpace(data)
	if bytes.Equal(data, doneMarker) {
		d.done = true
		return true, nil
	}
	var c ChatChunk
	if err := json.Unmarshal(data, &c); err != nil {
		return false, apierr.Wrap(apierr.ModelStreamError, err, "the upstream sent a stream chunk that is not valid JSON")
	}
	if len(c.Error) > 0 && !bytes.Equal(bytes.TrimSpace(c.Error), []byte("null")) {
		return false, ErrorFromStreamPayload(data)
	}
	return false, d.WriteChunk(&c)
}

// WriteChunk handles one decoded chunk.
func (d *StreamDecoder) WriteChunk(c *ChatChunk) error {
	if d.ended {
		return apierr.New(apierr.Internal, "stream decoder used after Finish")
	}
	if !d.started {
		d.started = true
		if err := d.w.WriteEvent(canon.Event{Kind: canon.EventMessageStart}); err != nil {
			return err
		}
	}
	if d.id == "" {
		d.id = c.ID
	}
	if c.Usage != nil {
		d.usage = c.Usage // the last report wins; servers may send running totals
	}
	for i := range c.Choices {
		ch := &c.Choices[i]
		if ch.Index != 0 || d.finished {
			continue
		}
		if err := d.delta(&ch.Delta); err != nil {
			return err
		}
		if ch.FinishReason != nil && *ch.FinishReason != "" {
			if err := d.finish(*ch.FinishReason); err != nil {
				return err
			}
		}
	}
	return nil
}

func (d *StreamDecoder) delta(dl *Delta) error {
	if r := reasoningText(deref(dl.ReasoningContent), deref(dl.Reasoning)); r != "" {
		if d.anyCall {
			d.lateReason.WriteString(r)
		} else if err := d.text(canon.BlockReasoning, canon.DeltaReasoningText, r); err != nil {
			return err
		}
	}
	for _, s := range []string{deref(dl.Content), deref(dl.Refusal)} {
		if s == "" {
			continue
		}
		if d.anyCall {
			d.lateText.WriteString(s)
		} else if err := d.text(canon.BlockText, canon.DeltaText, s); err != nil {
			return err
		}
	}
	for i := range dl.ToolCalls {
		if err := d.toolFragment(&dl.ToolCalls[i]); err != nil {
			return err
		}
	}
	return nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// text appends to the open text or reasoning block, or starts one.
func (d *StreamDecoder) text(t canon.BlockType, dt canon.DeltaType, s string) error {
	if d.open < 0 || d.openType != t {
		if err := d.closeOpen(); err != nil {
			return err
		}
		if err := d.start(canon.Event{Kind: canon.EventBlockStart, BlockType: t}); err != nil {
			return err
		}
	}
	return d.w.WriteEvent(canon.Event{Kind: canon.EventBlockDelta, Index: d.open, Delta: dt, Text: s})
}

func (d *StreamDecoder) start(ev canon.Event) error {
	ev.Index = d.next
	d.open, d.openType = d.next, ev.BlockType
	d.next++
	return d.w.WriteEvent(ev)
}

func (d *StreamDecoder) closeOpen() error {
	if d.open < 0 {
		return nil
	}
	idx := d.open
	d.open, d.openCall = -1, -1
	return d.w.WriteEvent(canon.Event{Kind: canon.EventBlockStop, Index: idx})
}

func (d *StreamDecoder) toolFragment(tc *ToolCallDelta) error {
	if tc.Index < 0 || tc.Index >= maxToolCalls {
		return apierr.New(apierr.ModelStreamError, "the upstream sent a tool call index (%d) out of range", tc.Index)
	}
	var name, args string
	if tc.Function != nil {
		name, args = tc.Function.Name, tc.Function.Arguments
	}
	if d.calls == nil {
		d.calls = make(map[int]*pendingCall)
	}
	pc := d.calls[tc.Index]
	if pc == nil {
		first := !d.anyCall
		d.anyCall = true
		pc = &pendingCall{id: tc.ID, name: name}
		d.calls[tc.Index] = pc
		if first && name != "" {
			// Only the first call may stream: until finish_reason any
			// call may still get fragments, so it cannot be closed early.
			if err := d.closeOpen(); err != nil {
				return err
			}
			if pc.id == "" {
				pc.id = SynthToolCallID(d.id, tc.Index)
			}
			pc.streamed = true
			if err := d.start(canon.Event{Kind: canon.EventBlockStart, BlockType: canon.BlockToolUse,
				ToolUseID: pc.id, ToolName: pc.name}); err != nil {
				return err
			}
			d.openCall = tc.Index
		}
	} else if !pc.streamed {
		// The SDK accumulator concatenates names and keeps the last id; a
		// streamed call's start event is already out, so only buffered
		// calls can take them.
		pc.name += name
		if tc.ID != "" {
			pc.id = tc.ID
		}
	}
	if args == "" {
		return nil
	}
	if pc.streamed && d.openCall == tc.Index {
		return d.w.WriteEvent(canon.Event{Kind: canon.EventBlockDelta, Index: d.open, Delta: canon.DeltaToolInput, Text: args})
	}
	pc.args.WriteString(args)
	return nil
}

// finish closes every block at finish_reason: the streaming call, then the
// buffered calls in upstream index order, then late reasoning and text.
func (d *StreamDecoder) finish(reason string) error {
	if _, err := StopReasonToCanon(reason, d.anyCall); err != nil {
		return err
	}
	d.finished, d.reason = true, reason
	if err := d.closeOpen(); err != nil {
		return err
	}
	idxs := make([]int, 0, len(d.calls))
	for i, pc := range d.calls {
		if !pc.streamed {
			idxs = append(idxs, i)
		}
	}
	sort.Ints(idxs)
	for _, i := range idxs {
		pc := d.calls[i]
		if pc.name == "" {
			return apierr.New(apierr.ModelStreamError, "the upstream streamed a tool call without a name")
		}
		if pc.id == "" {
			pc.id = SynthToolCallID(d.id, i)
		}
		if err := d.start(canon.Event{Kind: canon.EventBlockStart, BlockType: canon.BlockToolUse, ToolUseID: pc.id, ToolName: pc.name}); err != nil {
			return err
		}
		if pc.args.Len() > 0 {
			if err := d.w.WriteEvent(canon.Event{Kind: canon.EventBlockDelta, Index: d.open, Delta: canon.DeltaToolInput, Text: pc.args.String()}); err != nil {
				return err
			}
		}
		if err := d.closeOpen(); err != nil {
			return err
		}
	}
	if d.lateReason.Len() > 0 {
		if err := d.text(canon.BlockReasoning, canon.DeltaReasoningText, d.lateReason.String()); err != nil {
			return err
		}
	}
	if d.lateText.Len() > 0 {
		if err := d.text(canon.BlockText, canon.DeltaText, d.lateText.String()); err != nil {
			return err
		}
	}
	d.calls = nil
	return d.closeOpen()
}

// Finish ends the answer: MessageStop, then Metadata with the usage that
// followed the finish chunk. A stream that never sent a finish_reason was
// cut off, which is an *apierr.Error of kind ModelStreamError, never a
// success. Finish does nothing when called again.
func (d *StreamDecoder) Finish() error {
	if d.ended {
		return nil
	}
	d.ended = true
	if !d.finished {
		return apierr.New(apierr.ModelStreamError, "the upstream answer stream ended before its finish_reason")
	}
	stop, err := StopReasonToCanon(d.reason, d.anyCall)
	if err != nil {
		return err
	}
	if err := d.w.WriteEvent(canon.Event{Kind: canon.EventMessageStop, StopReason: stop}); err != nil {
		return err
	}
	return d.w.WriteEvent(canon.Event{Kind: canon.EventMetadata, Usage: UsageToCanon(d.usage)})
}
