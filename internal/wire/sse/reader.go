// Package sse reads and writes Server-Sent Events framing, with no knowledge
// of what the data means. The reader accepts every framing the WHATWG spec
// allows: LF, CRLF or bare CR line ends, multi-line data, comments, fields
// without a space after the colon, and events split across network reads.
package sse

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// MaxEventSize bounds one event's data so a hostile or broken upstream
// cannot make the reader buffer without limit.
const MaxEventSize = 8 << 20

// ErrEventTooLarge is returned when an event's data exceeds MaxEventSize.
var ErrEventTooLarge = errors.New("sse: event larger than limit")

// Event is one dispatched event. Data is only valid until the next call to
// Next.
type Event struct {
	Type string // the "event:" field; "" means the default "message"
	Data []byte // "data:" lines joined by "\n"
	ID   string
}

// Reader reads events from a stream.
type Reader struct {
	br      *bufio.Reader
	data    []byte
	typ     []byte
	id      string
	hasData bool
	skipLF  bool // the previous line ended in CR; a following LF belongs to it
	line    []byte
}

// NewReader returns a Reader reading from r.
func NewReader(r io.Reader) *Reader {
	// 1 KiB holds a typical chunk; longer lines are assembled across
	// refills, so a small buffer costs little, and an open stream holds it
	// for its whole life, so it is a good part of what an idle stream costs.
	return &Reader{br: bufio.NewReaderSize(r, 1<<10)}
}

// Next returns the next event. At the end of the stream it returns io.EOF;
// an event not terminated by a blank line before EOF is discarded, as the
// spec requires (the caller sees the stream as cut off).
func (r *Reader) Next() (Event, error) {
	r.data = r.data[:0]
	r.typ = r.typ[:0]
	r.hasData = false
	for {
		line, err := r.readLine()
		if err != nil {
			return Event{}, err
		}
		if len(line) == 0 {
			if !r.hasData {
				// A blank line with no data resets the event type (spec:
				// "if the data buffer is empty, set the event type buffer to
				// the empty string and return").
				r.typ = r.typ[:0]
				continue
			}
			return Event{Type: string(r.typ), Data: r.data, ID: r.id}, nil
		}
		if line[0] == ':' {
			continue // comment (keep-alive)
		}
		name, value := line, []byte(nil)
		if i := bytes.IndexByte(line, ':'); i >= 0 {
			name, value = line[:i], line[i+1:]
			if len(value) > 0 && value[0] == ' ' {
				value = value[1:]
			}
		}
		switch string(name) {
		case "data":
			if r.hasData {
				r.data = append(r.data, '\n')
			}
			if len(r.data)+len(value) > MaxEventSize {
				return Event{}, ErrEventTooLarge
			}
			r.data = append(r.data, value...)
			r.hasData = true
		case "event":
			r.typ = append(r.typ[:0], value...)
		case "id":
			if bytes.IndexByte(value, 0) < 0 {
				r.id = string(value)
			}
		}
		// "retry" and unknown fields are ignored, as the spec says.
	}
}

// readLine returns the next line without its terminator (LF, CRLF or CR).
// The slice is valid until the next call.
func (r *Reader) readLine() ([]byte, error) {
	r.line = r.line[:0]
	if r.skipLF {
		b, err := r.br.Peek(1)
		if err != nil {
			return nil, err
		}
		if b[0] == '\n' {
			_, _ = r.br.Discard(1)
		}
		r.skipLF = false
	}
	for {
		if r.br.Buffered() == 0 {
			if _, err := r.br.Peek(1); err != nil {
				if err == io.EOF && len(r.line) > 0 {
					err = io.ErrUnexpectedEOF
				}
				return nil, err
			}
		}
		buf, _ := r.br.Peek(r.br.Buffered())
		if i := bytes.IndexAny(buf, "\r\n"); i >= 0 {
			r.line = append(r.line, buf[:i]...)
			r.skipLF = buf[i] == '\r'
			_, _ = r.br.Discard(i + 1)
			return r.line, r.checkSize()
		}
		r.line = append(r.line, buf...)
		_, _ = r.br.Discard(len(buf))
		if err := r.checkSize(); err != nil {
			return nil, err
		}
	}
}

func (r *Reader) checkSize() error {
	if len(r.line) > MaxEventSize {
		return ErrEventTooLarge
	}
	return nil
}
