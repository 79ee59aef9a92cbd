package openairesponses

import (
	"encoding/base64"
	"encoding/json"
	"strings"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
)

// EmitFunc receives one SSE event: its name (the "event:" line, equal to
// the payload's "type") and its JSON payload.
type EmitFunc func(name string, data []byte) error

// Builder turns canonical events into the response object and, when
// streaming, into the typed SSE events. A unary response is built by the
// same code with a nil EmitFunc, so streamed and unary answers agree:
// the output items, their ids and the final text are the same.
//
// Order of a streamed answer: response.created, response.in_progress
// (sent with the first canonical event, so an upstream failure before it
// is still an ordinary HTTP error); per output item output_item.added,
// content_part.added, *.delta…, *.done, content_part.done,
// output_item.done (function calls: function_call_arguments.delta/done);
// last response.completed, response.incomplete or response.failed. Every
// payload carries an increasing sequence_number starting at 0.
type Builder struct {
	resp    *Response
	newID   IDFunc
	emit    EmitFunc
	seq     int64
	acc     *canon.Accumulator
	started bool
	items   []Item
	cur     *openItem
	stop    canon.StopReason
	stopped bool
	usage   canon.Usage
}

type openItem struct {
	index    int // canonical block index
	kind     canon.BlockType
	output   int // output_index; -1 while a text item is not announced
	item     Item
	text     strings.Builder
	sig      string
	redacted []byte
}

// NewBuilder returns a builder completing resp. emit is nil for unary answers.
func NewBuilder(resp *Response, newID IDFunc, emit EmitFunc) *Builder {
	if resp.Output == nil {
		resp.Output = []any{}
	}
	return &Builder{resp: resp, newID: newID, emit: emit, acc: canon.NewAccumulator()}
}

// Response is the response object as built so far.
func (b *Builder) Response() *Response { return b.resp }

// Started reports whether any event went to the client.
func (b *Builder) Started() bool { return b.started }

// Begin sends response.created and response.in_progress (once; streaming only).
func (b *Builder) Begin() error {
	if b.started || b.emit == nil {
		return nil
	}
	b.started = true
	if b.resp.Status == StatusQueued {
		b.resp.Status = StatusInProgress
	}
	snap := *b.resp
	snap.Output = []any{}
	if err := b.send("response.created", &responseEvent{Response: &snap}); err != nil {
		return err
	}
	return b.send("response.in_progress", &responseEvent{Response: &snap})
}

// WriteEvent adds one canonical event.
func (b *Builder) WriteEvent(ev canon.Event) error {
	if err := b.acc.WriteEvent(ev); err != nil {
		return apierr.Wrap(apierr.ModelError, err, "the model's answer was malformed")
	}
	if err := b.Begin(); err != nil {
		return err
	}
	switch ev.Kind {
	case canon.EventBlockStart:
		if err := b.close(); err != nil {
			return err
		}
		return b.open(ev.Index, ev.BlockType, ev.ToolUseID, ev.ToolName)
	case canon.EventBlockDelta:
		if b.cur == nil || b.cur.index != ev.Index {
			if err := b.close(); err != nil {
				return err
			}
			kind := canon.BlockText
			if ev.Delta != canon.DeltaText {
				kind = canon.BlockReasoning // tool input always has a start (the accumulator checked)
			}
			if err := b.open(ev.Index, kind, "", ""); err != nil {
				return err
			}
		}
		return b.delta(ev)
	case canon.EventBlockStop, canon.EventMessageStop:
		if ev.Kind == canon.EventMessageStop {
			b.stopped, b.stop = true, ev.StopReason
		}
		return b.close()
	case canon.EventMetadata:
		b.usage = ev.Usage
	}
	return nil
}

func (b *Builder) open(index int, kind canon.BlockType, callID, name string) error {
	o := &openItem{index: index, kind: kind, output: -1}
	b.cur = o
	switch kind {
	case canon.BlockToolUse:
		o.item = Item{Type: "function_call", ID: b.newID("fc"), Status: StatusInProgress, CallID: callID, Name: name}
		return b.announce(o, nil)
	case canon.BlockReasoning:
		o.item = Item{Type: "reasoning", ID: b.newID("rs"), Status: StatusInProgress, Summary: []Part{}}
		return b.announce(o, &Part{Type: "reasoning_text"})
	default:
		// Announced with its first delta: an empty text block is dropped,
		// as the accumulator drops it.
		o.item = Item{Type: "message", ID: b.newID("msg"), Status: StatusInProgress, Role: "assistant", Content: []Part{}}
		return nil
	}
}

func (b *Builder) announce(o *openItem, part *Part) error {
	o.output = len(b.items)
	b.items = append(b.items, o.item) // placeholder, replaced when done
	if err := b.send("response.output_item.added", &itemEvent{OutputIndex: o.output, Item: o.item}); err != nil {
		return err
	}
	if part == nil {
		return nil
	}
	return b.send("response.content_part.added", &partEvent{ItemID: o.item.ID, OutputIndex: o.output, Part: *part})
}

func (b *Builder) delta(ev canon.Event) error {
	o := b.cur
	switch ev.Delta {
	case canon.DeltaText:
		if o.kind != canon.BlockText {
			return nil
		}
		if o.output < 0 {
			if err := b.announce(o, &Part{Type: "output_text"}); err != nil {
				return err
			}
		}
		o.text.WriteString(ev.Text)
		return b.send("response.output_text.delta", &textDelta{ItemID: o.item.ID, OutputIndex: o.output, Delta: ev.Text, Logprobs: &[]any{}})
	case canon.DeltaToolInput:
		o.text.WriteString(ev.Text)
		return b.send("response.function_call_arguments.delta", &argsDelta{ItemID: o.item.ID, OutputIndex: o.output, Delta: ev.Text})
	case canon.DeltaReasoningText:
		o.text.WriteString(ev.Text)
		return b.send("response.reasoning_text.delta", &textDelta{ItemID: o.item.ID, OutputIndex: o.output, Delta: ev.Text})
	case canon.DeltaReasoningSignature:
		o.sig += ev.Text
	case canon.DeltaReasoningRedacted:
		o.redacted = append(o.redacted, ev.Redacted...)
	}
	return nil
}

// close finishes the open item, if any.
func (b *Builder) close() error {
	o := b.cur
	if o == nil {
		return nil
	}
	b.cur = nil
	it := o.item
	it.Status = StatusCompleted
	text := o.text.String()
	switch o.kind {
	case canon.BlockText:
		if o.output < 0 {
			return nil
		}
		part := Part{Type: "output_text", Text: text}
		it.Content = []Part{part}
		if err := b.send("response.output_text.done", &textDone{ItemID: it.ID, OutputIndex: o.output, Text: text, Logprobs: &[]any{}}); err != nil {
			return err
		}
		if err := b.send("response.content_part.done", &partEvent{ItemID: it.ID, OutputIndex: o.output, Part: part}); err != nil {
			return err
		}
	case canon.BlockToolUse:
		args := strings.TrimSpace(text)
		if args == "" {
			args = "{}"
		}
		it.Arguments = args
		if err := b.send("response.function_call_arguments.done", &argsDone{ItemID: it.ID, OutputIndex: o.output, Arguments: args}); err != nil {
			return err
		}
	case canon.BlockReasoning:
		done := reasoningItem(it.ID, &canon.Reasoning{Text: text, Signature: o.sig, Redacted: o.redacted})
		it.Content, it.EncryptedContent = done.Content, done.EncryptedContent
		part := Part{Type: "reasoning_text", Text: text}
		if err := b.send("response.reasoning_text.done", &textDone{ItemID: it.ID, OutputIndex: o.output, Text: text}); err != nil {
			return err
		}
		if err := b.send("response.content_part.done", &partEvent{ItemID: it.ID, OutputIndex: o.output, Part: part}); err != nil {
			return err
		}
	}
	b.items[o.output] = it
	return b.send("response.output_item.done", &itemEvent{OutputIndex: o.output, Item: it})
}

// Finish completes the response after the canonical stream ended: status
// from the stop reason, output, usage; when streaming it sends the
// terminal event. It returns the canonical answer (for the conversation
// store). An incomplete stream is an error; the caller then calls Fail.
func (b *Builder) Finish(completedAt int64) (*canon.Response, error) {
	cr, err := b.acc.Response()
	if err != nil {
		return nil, apierr.Wrap(apierr.ModelStreamError, err, "the model's answer ended before it was complete")
	}
	if err := b.Begin(); err != nil {
		return nil, err
	}
	r := b.resp
	r.Status, r.IncompleteDetails, r.Error = StatusFromStop(cr.StopReason)
	r.Output = b.output()
	r.Usage = UsageFromCanon(cr.Usage)
	name := "response.completed"
	switch r.Status {
	case StatusCompleted:
		r.CompletedAt = &completedAt
	case StatusIncomplete:
		name = "response.incomplete"
	case StatusFailed:
		name = "response.failed"
	}
	return cr, b.send(name, &responseEvent{Response: r})
}

// Fail marks the response failed with err. When events already went out it
// sends an error event and response.failed (an unstarted stream is
// reported by the caller as an HTTP error instead).
func (b *Builder) Fail(err error) error {
	e := apierr.As(err)
	r := b.resp
	r.Status, r.Error, r.IncompleteDetails = StatusFailed, ErrorFromAPI(e), nil
	if o := b.cur; o != nil && o.output >= 0 {
		it := o.item
		it.Status = StatusIncomplete
		switch o.kind {
		case canon.BlockText:
			it.Content = []Part{{Type: "output_text", Text: o.text.String()}}
		case canon.BlockToolUse:
			it.Arguments = o.text.String()
		}
		b.items[o.output] = it
		b.cur = nil
	}
	r.Output = b.output()
	if !b.started {
		return nil
	}
	_, code, _ := ErrorStatus(e.Kind)
	var param *string
	if pe := paramOf(e); pe != nil {
		param = &pe.Param
	}
	if err := b.send("error", &errorEvent{Code: code, Message: e.Message, Param: param}); err != nil {
		return err
	}
	return b.send("response.failed", &responseEvent{Response: r})
}

// Cancel marks the response cancelled.
func (b *Builder) Cancel() {
	b.resp.Status = StatusCancelled
	b.resp.Output = b.output()
}

func (b *Builder) output() []any {
	out := make([]any, 0, len(b.items))
	for _, it := range b.items {
		out = append(out, it)
	}
	return out
}

func (b *Builder) send(name string, payload sequenced) error {
	if b.emit == nil {
		return nil
	}
	payload.set(name, b.seq)
	b.seq++
	data, err := json.Marshal(payload)
	if err != nil {
		return apierr.Wrap(apierr.Internal, err, "an event could not be encoded")
	}
	return b.emit(name, data)
}

type sequenced interface{ set(typ string, seq int64) }

type head struct {
	Type           string `json:"type"`
	SequenceNumber int64  `json:"sequence_number"`
}

func (h *head) set(typ string, seq int64) { h.Type, h.SequenceNumber = typ, seq }

type responseEvent struct {
	head
	Response *Response `json:"response"`
}

type itemEvent struct {
	head
	OutputIndex int  `json:"output_index"`
	Item        Item `json:"item"`
}

type partEvent struct {
	head
	ItemID       string `json:"item_id"`
	OutputIndex  int    `json:"output_index"`
	ContentIndex int    `json:"content_index"`
	Part         Part   `json:"part"`
}

type textDelta struct {
	head
	ItemID       string `json:"item_id"`
	OutputIndex  int    `json:"output_index"`
	ContentIndex int    `json:"content_index"`
	Delta        string `json:"delta"`
	Logprobs     *[]any `json:"logprobs,omitempty"`
}

type textDone struct {
	head
	ItemID       string `json:"item_id"`
	OutputIndex  int    `json:"output_index"`
	ContentIndex int    `json:"content_index"`
	Text         string `json:"text"`
	Logprobs     *[]any `json:"logprobs,omitempty"`
}

type argsDelta struct {
	head
	ItemID      string `json:"item_id"`
	OutputIndex int    `json:"output_index"`
	Delta       string `json:"delta"`
}

type argsDone struct {
	head
	ItemID      string `json:"item_id"`
	OutputIndex int    `json:"output_index"`
	Arguments   string `json:"arguments"`
}

type errorEvent struct {
	head
	Code    string  `json:"code"`
	Message string  `json:"message"`
	Param   *string `json:"param"`
}

func encodeBase64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
