package anthropic

import (
	"encoding/json"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
)

// Sink receives one encoded stream event: its name (the SSE `event:` line,
// equal to the payload's "type") and its JSON data, which is only valid
// during the call.
type Sink func(event string, data []byte) error

// StreamEncoderOptions configures a StreamEncoder.
type StreamEncoderOptions struct {
	// ID is the message id; "" means a fresh NewMessageID.
	ID string
	// Model is echoed in message_start (the id the client asked for).
	Model string
	// MessageStopExtra, if set, adds one member to the message_stop event,
	// built from the final usage and latency. Bedrock's Claude stream puts
	// "amazon-bedrock-invocationMetrics" there.
	MessageStopExtra func(u canon.Usage, latencyMs int64) (key string, value any)
}

// StreamEncoder turns canonical events into the Messages stream, in the
// exact order the API sends it:
//
//	message_start (usage zero: canon reports usage only at the end)
//	content_block_start, ping (once, after the first block start)
//	content_block_delta (text_delta, thinking_delta, signature_delta, input_json_delta)…
//	content_block_stop
//	message_delta {stop_reason, stop_sequence, usage with input, cache and output counts}
//	message_stop
//
// Canon's usage arrives in Metadata after MessageStop, while Anthropic's
// message_delta carries it before message_stop, so MessageStop is held
// until Metadata (or Finish) arrives. message_delta repeats input_tokens
// and the cache counts, which the SDKs' accumulators take as final.
//
// A reasoning block's start is held until its first delta, because only
// then is it known to be "thinking" or "redacted_thinking" (whose opaque
// data travels in the start event). It is not safe for concurrent use.
type StreamEncoder struct {
	sink Sink
	opts StreamEncoderOptions

	started bool
	pinged  bool
	next    int // next Anthropic block index

	open      bool
	openCanon int // canonical index of the open block
	openIdx   int // its Anthropic index
	openType  canon.BlockType
	thinkHeld bool   // a reasoning block whose start is held
	redacted  []byte // redacted reasoning gathered while the start is held

	stopped    bool
	stopReason canon.StopReason
	stopFields json.RawMessage
	done       bool
}

// NewStreamEncoder returns an encoder writing to sink.
func NewStreamEncoder(sink Sink, opts StreamEncoderOptions) *StreamEncoder {
	if opts.ID == "" {
		opts.ID = NewMessageID()
	}
	return &StreamEncoder{sink: sink, opts: opts}
}

// ID is the message id the stream announces.
func (e *StreamEncoder) ID() string { return e.opts.ID }

// Started reports whether message_start has been written.
func (e *StreamEncoder) Started() bool { return e.started }

// Done reports whether message_stop has been written.
func (e *StreamEncoder) Done() bool { return e.done }

// Start writes message_start if it has not been written yet. A surface
// calls it to commit the stream early (keep-alive during a long silence);
// the canonical MessageStart that follows is then a no-op.
func (e *StreamEncoder) Start() error {
	if e.started {
		return nil
	}
	e.started = true
	msg := MessagesResponse{ID: e.opts.ID, Type: "message", Role: "assistant", Model: e.opts.Model, Content: Blocks{}}
	return e.emit(StreamEvent{Type: EventMessageStart, Message: &msg})
}

// Ping writes a ping event ({"type":"ping"}), starting the message first.
func (e *StreamEncoder) Ping() error {
	if e.done {
		return nil
	}
	if err := e.Start(); err != nil {
		return err
	}
	return e.sink(EventPing, []byte(`{"type":"ping"}`))
}

// WriteEvent encodes one canonical event.
func (e *StreamEncoder) WriteEvent(ev canon.Event) error {
	if e.done {
		return nil
	}
	switch ev.Kind {
	case canon.EventMessageStart:
		return e.Start()
	case canon.EventBlockStart:
		if err := e.Start(); err != nil {
			return err
		}
		if err := e.closeOpen(); err != nil {
			return err
		}
		return e.openBlock(ev.Index, ev.BlockType, ev.ToolUseID, ev.ToolName)
	case canon.EventBlockDelta:
		if err := e.Start(); err != nil {
			return err
		}
		if !e.open || e.openCanon != ev.Index {
			// Canon allows a block to begin with its first delta.
			if err := e.closeOpen(); err != nil {
				return err
			}
			t := canon.BlockText
			switch ev.Delta {
			case canon.DeltaReasoningText, canon.DeltaReasoningSignature, canon.DeltaReasoningRedacted:
				t = canon.BlockReasoning
			case canon.DeltaToolInput:
				return apierr.New(apierr.ModelStreamError, "the model sent tool input for block %d without starting a tool call", ev.Index)
			}
			if err := e.openBlock(ev.Index, t, "", ""); err != nil {
				return err
			}
		}
		return e.delta(ev)
	case canon.EventBlockStop:
		if e.open && e.openCanon == ev.Index {
			return e.closeOpen()
		}
		return nil
	case canon.EventMessageStop:
		if err := e.Start(); err != nil {
			return err
		}
		if err := e.closeOpen(); err != nil {
			return err
		}
		e.stopped = true
		e.stopReason = ev.StopReason
		e.stopFields = ev.AdditionalFields
		return nil
	case canon.EventMetadata:
		if !e.stopped {
			return nil // not canon's order; Finish reports the missing stop
		}
		return e.end(ev.Usage, ev.LatencyMs)
	}
	return nil
}

// Finish completes the stream: if the usage never came, message_delta and
// message_stop are written with zero usage. A stream without a MessageStop
// is an error (the caller reports it in-band).
func (e *StreamEncoder) Finish() error {
	if e.done {
		return nil
	}
	if !e.stopped {
		return apierr.New(apierr.ModelStreamError, "the model's answer ended before its stop event")
	}
	return e.end(canon.Usage{}, 0)
}

func (e *StreamEncoder) openBlock(canonIdx int, t canon.BlockType, toolID, toolName string) error {
	e.open, e.openCanon, e.openIdx, e.openType = true, canonIdx, e.next, t
	e.next++
	switch t {
	case canon.BlockReasoning:
		e.thinkHeld, e.redacted = true, nil
		return nil
	case canon.BlockToolUse:
		return e.blockStart(ContentBlock{Type: BlockToolUse, ID: toolID, Name: toolName})
	default:
		e.openType = canon.BlockText
		return e.blockStart(ContentBlock{Type: BlockText})
	}
}

func (e *StreamEncoder) blockStart(cb ContentBlock) error {
	idx := e.openIdx
	if err := e.emit(StreamEvent{Type: EventContentBlockStart, Index: &idx, ContentBlock: &cb}); err != nil {
		return err
	}
	if !e.pinged {
		e.pinged = true
		return e.sink(EventPing, []byte(`{"type":"ping"}`))
	}
	return nil
}

// releaseThinking writes a held reasoning block's start as a thinking block.
func (e *StreamEncoder) releaseThinking() error {
	if !e.thinkHeld {
		return nil
	}
	e.thinkHeld = false
	return e.blockStart(ContentBlock{Type: BlockThinking})
}

func (e *StreamEncoder) delta(ev canon.Event) error {
	d := StreamDelta{}
	switch ev.Delta {
	case canon.DeltaText:
		if e.openType != canon.BlockText {
			return e.mismatch(ev)
		}
		d.Type, d.Text = DeltaText, ev.Text
	case canon.DeltaToolInput:
		if e.openType != canon.BlockToolUse {
			return e.mismatch(ev)
		}
		d.Type, d.PartialJSON = DeltaInputJSON, ev.Text
	case canon.DeltaReasoningText, canon.DeltaReasoningSignature:
		if e.openType != canon.BlockReasoning {
			return e.mismatch(ev)
		}
		if e.redacted != nil {
			return nil // a redacted block has no visible text
		}
		if err := e.releaseThinking(); err != nil {
			return err
		}
		if ev.Delta == canon.DeltaReasoningText {
			d.Type, d.Thinking = DeltaThinking, ev.Text
		} else {
			d.Type, d.Signature = DeltaSignature, ev.Text
		}
	case canon.DeltaReasoningRedacted:
		if e.openType != canon.BlockReasoning {
			return e.mismatch(ev)
		}
		if e.thinkHeld {
			e.redacted = append(e.redacted, ev.Redacted...)
		}
		return nil
	default:
		return nil
	}
	if d.Text == "" && d.PartialJSON == "" && d.Thinking == "" && d.Signature == "" {
		return nil
	}
	idx := e.openIdx
	return e.emit(StreamEvent{Type: EventContentBlockDelta, Index: &idx, Delta: &d})
}

func (e *StreamEncoder) mismatch(ev canon.Event) error {
	return apierr.New(apierr.ModelStreamError, "the model sent a delta of type %d for a %s block", ev.Delta, e.openType)
}

func (e *StreamEncoder) closeOpen() error {
	if !e.open {
		return nil
	}
	if e.thinkHeld {
		e.thinkHeld = false
		cb := ContentBlock{Type: BlockThinking}
		if len(e.redacted) > 0 {
			cb = ContentBlock{Type: BlockRedactedThinking, Data: string(e.redacted)}
		}
		e.redacted = nil
		if err := e.blockStart(cb); err != nil {
			return err
		}
	}
	e.open = false
	idx := e.openIdx
	return e.emit(StreamEvent{Type: EventContentBlockStop, Index: &idx})
}

// end writes message_delta and message_stop.
func (e *StreamEncoder) end(u canon.Usage, latencyMs int64) error {
	e.done = true
	sr := StopReasonFromCanon(e.stopReason)
	d := StreamDelta{StopReason: &sr}
	if sr == StopStopSequence {
		d.StopSequence = StopSequenceFromFields(e.stopFields)
	}
	in, cr, cw := u.InputTokens, u.CacheReadTokens, u.CacheWriteTokens
	usage := DeltaUsage{InputTokens: &in, CacheCreationInputTokens: &cw, CacheReadInputTokens: &cr, OutputTokens: u.OutputTokens}
	if err := e.emit(StreamEvent{Type: EventMessageDelta, Delta: &d, Usage: &usage}); err != nil {
		return err
	}
	stop := []byte(`{"type":"message_stop"}`)
	if e.opts.MessageStopExtra != nil {
		k, v := e.opts.MessageStopExtra(u, latencyMs)
		vb, err := json.Marshal(v)
		if err != nil {
			return apierr.Wrap(apierr.Internal, err, "the stream could not be encoded")
		}
		stop = append(stop[:len(stop)-1], ',')
		kb, _ := json.Marshal(k)
		stop = append(stop, kb...)
		stop = append(stop, ':')
		stop = append(stop, vb...)
		stop = append(stop, '}')
	}
	return e.sink(EventMessageStop, stop)
}

func (e *StreamEncoder) emit(ev StreamEvent) error {
	b, err := json.Marshal(ev)
	if err != nil {
		return apierr.Wrap(apierr.Internal, err, "the stream could not be encoded")
	}
	return e.sink(ev.Type, b)
}
