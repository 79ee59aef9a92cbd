package nativejson

import (
	"encoding/json"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
)

// TextStream is the stream encoder of the text-completion families
// (Titan Text, Llama): one chunk per text delta and, once usage is known,
// a final chunk with the token counts and the stop reason, plus the member
// last adds (the invocation metrics). A chunk passed to the sink is only
// valid during the call. It is not safe for concurrent use.
type TextStream struct {
	sink    func(chunk []byte) error
	last    func(u canon.Usage, latencyMs int64) (string, any)
	delta   func(text string) any
	final   func(u canon.Usage, stop canon.StopReason) any
	stop    canon.StopReason
	stopped bool
	done    bool
}

// NewTextStream returns a TextStream: delta builds the chunk for a text
// fragment, final the closing chunk; last, if not nil, adds one member to
// the closing chunk.
func NewTextStream(sink func([]byte) error, last func(canon.Usage, int64) (string, any),
	delta func(text string) any, final func(canon.Usage, canon.StopReason) any) *TextStream {
	return &TextStream{sink: sink, last: last, delta: delta, final: final}
}

// Done reports whether the final chunk has been written.
func (e *TextStream) Done() bool { return e.done }

// WriteEvent encodes one canonical event.
func (e *TextStream) WriteEvent(ev canon.Event) error {
	if e.done {
		return nil
	}
	switch ev.Kind {
	case canon.EventBlockDelta:
		if ev.Delta != canon.DeltaText || ev.Text == "" {
			return nil
		}
		return e.emit(e.delta(ev.Text), "", nil)
	case canon.EventMessageStop:
		e.stopped, e.stop = true, ev.StopReason
	case canon.EventMetadata:
		return e.end(ev.Usage, ev.LatencyMs)
	}
	return nil
}

// Finish writes the final chunk if the answer stopped without usage; a
// stream that never stopped is an error.
func (e *TextStream) Finish() error {
	if e.done {
		return nil
	}
	if !e.stopped {
		return apierr.New(apierr.ModelStreamError, "the model's answer ended before its stop event")
	}
	return e.end(canon.Usage{}, 0)
}

func (e *TextStream) end(u canon.Usage, latencyMs int64) error {
	if !e.stopped {
		return apierr.New(apierr.ModelStreamError, "the model's answer reported usage before its stop event")
	}
	e.done = true
	key, extra := "", any(nil)
	if e.last != nil {
		key, extra = e.last(u, latencyMs)
	}
	return e.emit(e.final(u, e.stop), key, extra)
}

func (e *TextStream) emit(c any, key string, extra any) error {
	b, err := json.Marshal(c)
	if err == nil && key != "" {
		b, err = AppendMember(b, key, extra)
	}
	if err != nil {
		return apierr.Wrap(apierr.Internal, err, "a stream chunk could not be encoded")
	}
	return e.sink(b)
}
