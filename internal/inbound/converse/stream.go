package converse

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/format/bedrock"
	"github.com/basalt-gateway/basalt/internal/server"
	"github.com/basalt-gateway/basalt/internal/wire/eventstream"
)

// DefaultWriteTimeout bounds how long one frame may take to reach a client
// that has stopped reading, so a stuck client cannot pin a connection and
// its upstream request forever.
const DefaultWriteTimeout = 60 * time.Second

// StreamShape is the ConverseStream API shape:
// POST /model/{modelId}/converse-stream. The request is Converse's; the
// answer is an AWS event stream of ConverseStreamOutput events, written
// frame by frame as the canonical events arrive and flushed after each, so
// a slow client slows the upstream read instead of filling a buffer.
type StreamShape struct {
	MaxBody int64
	// WriteTimeout bounds each frame write (0: DefaultWriteTimeout,
	// negative: no limit). It limits a client that stops reading, not a
	// model that is silent: nothing is written while the upstream thinks.
	WriteTimeout time.Duration
}

var _ server.Shape = StreamShape{}

// Decode reads the request exactly as Converse does and marks it streaming.
func (s StreamShape) Decode(r *http.Request) (*canon.Request, error) {
	req, err := Shape{MaxBody: s.MaxBody}.Decode(r)
	if err != nil {
		return nil, err
	}
	req.Stream = true
	return req, nil
}

// WriteError answers with err as Bedrock does (before the stream began).
func (StreamShape) WriteError(w http.ResponseWriter, _ *http.Request, err error) {
	WriteError(w, err)
}

// NewEncoder returns the event-stream encoder for one answer.
func (s StreamShape) NewEncoder(w http.ResponseWriter, _ *http.Request, _ *canon.Request) server.Encoder {
	return newStreamEncoder(w, s.WriteTimeout)
}

func newStreamEncoder(w http.ResponseWriter, timeout time.Duration) *streamEncoder {
	if timeout == 0 {
		timeout = DefaultWriteTimeout
	}
	return &streamEncoder{w: w, rc: http.NewResponseController(w), ew: eventstream.NewWriter(w),
		timeout: timeout, buf: make([]byte, 0, 512)}
}

// streamEncoder writes canonical events as ConverseStream frames. Nothing
// reaches the client before the first frame, so an error until then is an
// ordinary HTTP error; the first frame commits status 200 and the
// event-stream content type; after it, an error is one exception frame.
type streamEncoder struct {
	w  http.ResponseWriter
	rc *http.ResponseController
	ew *eventstream.Writer

	buf []byte // payload buffer, reused for every frame

	timeout    time.Duration // per-frame write bound; <0: none
	deadlineAt time.Time     // when the write deadline was last set
	noDeadline bool          // the ResponseWriter cannot take deadlines

	started  bool // the first frame went out
	metadata bool // metadata (the last event) went out
	done     bool // Finish or Fail ran
	werr     error
}

var _ server.Encoder = (*streamEncoder)(nil)

// errAfterEnd is a provider bug: nothing may follow metadata.
var errAfterEnd = apierr.New(apierr.ModelStreamError, "the model's answer continued after its final metadata event")

// WriteEvent encodes ev as its frame (canonical events ConverseStream has
// no frame for, the start of a text or reasoning block, write nothing) and
// flushes it. It allocates nothing.
func (e *streamEncoder) WriteEvent(ev canon.Event) error {
	if e.werr != nil {
		return e.werr
	}
	if e.done || e.metadata {
		return errAfterEnd
	}
	if !e.started && ev.Kind != canon.EventMessageStart {
		// The SDKs expect messageStart first; a provider that did not
		// announce the message still gets one.
		if err := e.frame(canon.Event{Kind: canon.EventMessageStart}); err != nil {
			return err
		}
	} else if e.started && ev.Kind == canon.EventMessageStart {
		return nil // one messageStart per stream
	}
	if ev.Kind == canon.EventMetadata {
		e.metadata = true
	}
	return e.frame(ev)
}

func (e *streamEncoder) frame(ev canon.Event) error {
	payload, typ, ok := bedrock.AppendStreamEvent(e.buf[:0], ev)
	if cap(payload) <= maxKeptPayload {
		e.buf = payload[:0]
	} else {
		e.buf = nil // one huge tool input should not pin its buffer for the whole stream
	}
	if !ok {
		return nil
	}
	e.begin()
	e.refreshDeadline()
	if err := e.ew.WriteEvent(typ, payload); err != nil {
		e.werr = apierr.Wrap(apierr.Internal, err, "the client stopped accepting the answer stream")
		return e.werr
	}
	return nil
}

// maxKeptPayload caps the payload buffer kept between frames.
const maxKeptPayload = 64 << 10

// begin commits the event-stream headers with the first frame.
func (e *streamEncoder) begin() {
	if e.started {
		return
	}
	e.started = true
	h := e.w.Header()
	h.Set("Content-Type", eventstream.ContentType)
	h.Del("Content-Length")
	e.w.WriteHeader(http.StatusOK)
}

// refreshDeadline moves the connection's write deadline to timeout from
// now before a frame is written. To keep the per-token path cheap (on
// HTTP/2 every change is a message to the connection's goroutine) it is
// moved only once an eighth of the timeout has passed, so every write
// still gets at least 7/8 of it and a stuck one fails within the timeout.
func (e *streamEncoder) refreshDeadline() {
	if e.timeout < 0 || e.noDeadline {
		return
	}
	now := time.Now()
	if !e.deadlineAt.IsZero() && now.Sub(e.deadlineAt) < e.timeout/8 {
		return
	}
	if err := e.rc.SetWriteDeadline(now.Add(e.timeout)); err != nil {
		e.noDeadline = errors.Is(err, http.ErrNotSupported)
		return
	}
	e.deadlineAt = now
}

// clearDeadline removes the deadline once the stream is over: the server
// sets none of its own (it has no WriteTimeout, so long silent streams are
// not cut), and an HTTP/1.1 connection keeps it for its next request.
func (e *streamEncoder) clearDeadline() {
	if e.deadlineAt.IsZero() || e.noDeadline {
		return
	}
	_ = e.rc.SetWriteDeadline(time.Time{})
	e.deadlineAt = time.Time{}
}

// Finish ends the stream. There is no terminator frame: the end of the
// body is the end of the stream. A stream that wrote no frame at all has
// no answer, which is an error the client can still get as HTTP.
func (e *streamEncoder) Finish() error {
	if e.werr != nil {
		return e.werr
	}
	if !e.started {
		return apierr.New(apierr.ModelStreamError, "the model's answer was empty")
	}
	e.done = true
	e.clearDeadline()
	return nil
}

// Fail reports err: as a Bedrock HTTP error while nothing was sent,
// otherwise as one exception frame, after which the stream ends.
func (e *streamEncoder) Fail(err error) {
	if e.done {
		return
	}
	e.done = true
	if !e.started {
		WriteError(e.w, err)
		return
	}
	if e.werr == nil {
		ae := apierr.As(err)
		e.deadlineAt = time.Time{}
		e.refreshDeadline()
		_ = e.ew.WriteException(bedrock.StreamExceptionType(ae.Kind), ExceptionPayload(ae))
	}
	e.clearDeadline()
}

// ExceptionPayload is the JSON of a ConverseStream exception frame: the
// message, plus originalStatusCode and originalMessage for
// modelStreamErrorException when an upstream status is known.
func ExceptionPayload(e *apierr.Error) []byte {
	p := struct {
		Message            string `json:"message"`
		OriginalStatusCode int    `json:"originalStatusCode,omitempty"`
		OriginalMessage    string `json:"originalMessage,omitempty"`
	}{Message: e.Message}
	if bedrock.StreamExceptionType(e.Kind) == "modelStreamErrorException" && e.UpstreamStatus != 0 {
		p.OriginalStatusCode = e.UpstreamStatus
		p.OriginalMessage = e.Message
	}
	b, err := json.Marshal(p)
	if err != nil { // a struct of strings and ints always encodes
		return []byte(`{"message":"The server encountered an internal error while processing the request."}`)
	}
	return b
}
