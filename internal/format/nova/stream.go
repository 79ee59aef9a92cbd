package nova

import (
	"encoding/json"
	"strconv"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/format/bedrock"
)

// StreamEncoder turns canonical events into Nova's stream chunks. Each
// chunk is one JSON object keyed by the ConverseStream event it mirrors
// (the Nova guide lists the same event names for InvokeModelWithResponseStream):
//
//	{"messageStart":{"role":"assistant"}}
//	{"contentBlockStart":{"contentBlockIndex":1,"start":{"toolUse":{"toolUseId":…,"name":…}}}}  (tool use only)
//	{"contentBlockDelta":{"contentBlockIndex":0,"delta":{"text":"…"}}}  (or toolUse.input, reasoningContent)
//	{"contentBlockStop":{"contentBlockIndex":0}}
//	{"messageStop":{"stopReason":"end_turn"}}
//	{"metadata":{"usage":{"inputTokens":…,"outputTokens":…,"totalTokens":…,
//	  "cacheReadInputTokenCount":…,"cacheWriteInputTokenCount":…}}, <last extra>}
//
// As in ConverseStream, text and reasoning blocks begin with their first
// delta (no contentBlockStart). The metadata chunk is the last one and
// carries the member built by the last-chunk callback (Bedrock's
// "amazon-bedrock-invocationMetrics"). The chunk passed to the sink is only
// valid during the call. It is not safe for concurrent use.
type StreamEncoder struct {
	sink    func(chunk []byte) error
	last    func(u canon.Usage, latencyMs int64) (string, any)
	buf     []byte
	payload []byte
	stopped bool
	done    bool
}

// NewStreamEncoder returns an encoder writing chunks to sink; last, if not
// nil, adds one member to the final chunk.
func NewStreamEncoder(sink func(chunk []byte) error, last func(u canon.Usage, latencyMs int64) (string, any)) *StreamEncoder {
	return &StreamEncoder{sink: sink, last: last}
}

// Done reports whether the final chunk has been written.
func (e *StreamEncoder) Done() bool { return e.done }

// WriteEvent encodes one canonical event.
func (e *StreamEncoder) WriteEvent(ev canon.Event) error {
	if e.done {
		return nil
	}
	if ev.Kind == canon.EventMetadata {
		return e.end(ev.Usage, ev.LatencyMs)
	}
	payload, typ, ok := bedrock.AppendStreamEvent(e.payload[:0], ev)
	e.payload = payload
	if !ok {
		return nil
	}
	if ev.Kind == canon.EventMessageStop {
		e.stopped = true
	}
	b := append(e.buf[:0], `{"`...)
	b = append(b, typ...)
	b = append(b, `":`...)
	b = append(b, payload...)
	b = append(b, '}')
	e.buf = b
	return e.sink(b)
}

// Finish writes the metadata chunk if the answer stopped without usage; a
// stream that never stopped is an error.
func (e *StreamEncoder) Finish() error {
	if e.done {
		return nil
	}
	if !e.stopped {
		return apierr.New(apierr.ModelStreamError, "the model's answer ended before its stop event")
	}
	return e.end(canon.Usage{}, 0)
}

func (e *StreamEncoder) end(u canon.Usage, latencyMs int64) error {
	e.done = true
	nu := usage(u)
	b := append(e.buf[:0], `{"metadata":{"usage":{"inputTokens":`...)
	b = strconv.AppendInt(b, int64(nu.InputTokens), 10)
	b = append(b, `,"outputTokens":`...)
	b = strconv.AppendInt(b, int64(nu.OutputTokens), 10)
	b = append(b, `,"totalTokens":`...)
	b = strconv.AppendInt(b, int64(nu.TotalTokens), 10)
	b = append(b, `,"cacheReadInputTokenCount":`...)
	b = strconv.AppendInt(b, int64(nu.CacheReadInputTokenCount), 10)
	b = append(b, `,"cacheWriteInputTokenCount":`...)
	b = strconv.AppendInt(b, int64(nu.CacheWriteInputTokenCount), 10)
	b = append(b, `}}`...)
	if e.last != nil {
		k, v := e.last(u, latencyMs)
		vb, err := json.Marshal(v)
		if err != nil {
			return apierr.Wrap(apierr.Internal, err, "the stream's last chunk could not be encoded")
		}
		kb, _ := json.Marshal(k)
		b = append(b, ',')
		b = append(b, kb...)
		b = append(b, ':')
		b = append(b, vb...)
	}
	b = append(b, '}')
	e.buf = b
	return e.sink(b)
}
