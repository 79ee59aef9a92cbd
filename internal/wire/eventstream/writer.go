package eventstream

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"unicode/utf8"
)

// maxRetainedBuf caps the frame buffer a Writer keeps between frames: token
// deltas are tens of bytes, and one large frame should not pin its buffer
// for the rest of a minutes-long stream.
const maxRetainedBuf = 64 << 10

// Writer writes event-stream frames, each with a single Write call followed
// by a flush, so every frame reaches the client as soon as it is written
// (spec §5.5). It is not safe for concurrent use.
//
// After a failed Write or flush the stream is unusable (a partial frame may
// be on the wire), so every later call returns that same error. Invalid
// arguments write nothing and leave the Writer usable.
type Writer struct {
	w     io.Writer
	flush func() error // nil: w has no way to flush
	buf   []byte
	err   error
}

// NewWriter returns a Writer that writes frames to w and flushes after each.
//
// How it flushes is decided once, here:
//   - an http.ResponseWriter is flushed through http.ResponseController, so
//     middleware wrappers that implement Unwrap work and the server's flush
//     error (a gone client) is returned; a ResponseWriter that cannot flush
//     at all (http.ErrNotSupported) is not an error, the frames are simply
//     delivered when the server's buffer fills;
//   - otherwise a Flush() error method (bufio.Writer) or an http.Flusher is
//     used;
//   - any other io.Writer is written to without flushing.
func NewWriter(w io.Writer) *Writer {
	ew := &Writer{w: w}
	switch f := w.(type) {
	case http.ResponseWriter:
		rc := http.NewResponseController(f)
		ew.flush = func() error {
			if err := rc.Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
				return err
			}
			return nil
		}
	case interface{ Flush() error }:
		ew.flush = f.Flush
	case http.Flusher:
		ew.flush = func() error { f.Flush(); return nil }
	}
	return ew
}

// WriteEvent writes an event frame with headers :event-type, :content-type
// application/json and :message-type event, in the order the SDK encoder
// uses (spec §5.3).
func (w *Writer) WriteEvent(eventType string, payload []byte) error {
	if err := checkName("event type", eventType); err != nil {
		return err
	}
	if w.err != nil {
		return w.err
	}
	b := w.begin()
	b = appendStringHeader(b, ":event-type", eventType)
	b = appendStringHeader(b, ":content-type", jsonContentType)
	b = appendStringHeader(b, ":message-type", MessageTypeEvent)
	return w.finish(b, payload)
}

// WriteException writes an exception frame (headers :exception-type,
// :content-type application/json, :message-type exception), the only way to
// report a failure once the stream has started (spec §7.3). The payload is
// the exception's JSON, e.g. {"message":"..."}.
//
// Clients look the type up by union member name, which is lower camel case
// (throttlingException); an upper-case first ASCII letter is lowered rather
// than refused, because refusing would turn the client's typed error into a
// stream that ends silently (translation pitfall 15).
func (w *Writer) WriteException(exceptionType string, payload []byte) error {
	if err := checkName("exception type", exceptionType); err != nil {
		return err
	}
	if w.err != nil {
		return w.err
	}
	b := w.begin()
	b = appendStringHeader(b, ":exception-type", exceptionType)
	if c := &b[len(b)-len(exceptionType)]; 'A' <= *c && *c <= 'Z' {
		*c += 'a' - 'A'
	}
	b = appendStringHeader(b, ":content-type", jsonContentType)
	b = appendStringHeader(b, ":message-type", MessageTypeException)
	return w.finish(b, payload)
}

// WriteError writes a generic error frame (headers :message-type error,
// :error-code, :error-message; no payload). Values longer than a header
// allows (32767 bytes) are cut at a UTF-8 boundary instead of failing,
// since this frame is the last thing the client will hear.
func (w *Writer) WriteError(code, message string) error {
	if w.err != nil {
		return w.err
	}
	b := w.begin()
	b = appendStringHeader(b, ":message-type", MessageTypeError)
	b = appendStringHeader(b, ":error-code", truncateUTF8(code, maxHeaderValueLen))
	b = appendStringHeader(b, ":error-message", truncateUTF8(message, maxHeaderValueLen))
	return w.finish(b, nil)
}

// Flush flushes w without writing a frame. The bidirectional stream needs
// it: the SDK waits for the response headers before it lets the caller send
// (spec §9.2).
func (w *Writer) Flush() error {
	if w.err != nil {
		return w.err
	}
	if w.flush != nil {
		if err := w.flush(); err != nil {
			w.err = err
		}
	}
	return w.err
}

// begin returns the reused buffer with room for the prelude, which finish
// fills in once the lengths are known.
func (w *Writer) begin() []byte {
	return append(w.buf[:0], make([]byte, preludeLen)...)
}

func (w *Writer) finish(b []byte, payload []byte) error {
	headersLen := len(b) - preludeLen
	total := uint64(len(b)) + uint64(len(payload)) + crcLen
	if total > maxUint32 {
		w.keep(b)
		return fmt.Errorf("eventstream: payload of %d bytes does not fit a frame", len(payload))
	}
	binary.BigEndian.PutUint32(b[0:4], uint32(total))
	binary.BigEndian.PutUint32(b[4:8], uint32(headersLen))
	binary.BigEndian.PutUint32(b[8:12], crc32.ChecksumIEEE(b[:8]))
	b = append(b, payload...)
	b = binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b))
	w.keep(b)

	if _, err := w.w.Write(b); err != nil {
		w.err = err
		return err
	}
	return w.Flush()
}

func (w *Writer) keep(b []byte) {
	if cap(b) > maxRetainedBuf {
		w.buf = nil
		return
	}
	w.buf = b[:0]
}

func checkName(what, s string) error {
	if s == "" {
		return fmt.Errorf("eventstream: empty %s", what)
	}
	if len(s) > maxHeaderValueLen {
		return fmt.Errorf("eventstream: %s of %d bytes is longer than a header value may be (%d)", what, len(s), maxHeaderValueLen)
	}
	return nil
}

// appendStringHeader appends one header of type string. name is always one
// of this package's constants, so its length (< 256) is not checked.
func appendStringHeader(b []byte, name, value string) []byte {
	b = append(b, byte(len(name)))
	b = append(b, name...)
	b = append(b, typeString)
	b = binary.BigEndian.AppendUint16(b, uint16(len(value)))
	return append(b, value...)
}

func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
