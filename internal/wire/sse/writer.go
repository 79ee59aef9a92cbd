package sse

import (
	"bytes"
	"errors"
	"io"
	"net/http"
)

// ContentType is the media type of an SSE response.
const ContentType = "text/event-stream"

// Writer writes SSE events and flushes each one, so a client sees every
// event as it is produced. It never splits data: callers pass single-line
// JSON, and data containing newlines is sent as several data lines, which
// readers join back.
type Writer struct {
	w     io.Writer
	flush func() error
	buf   []byte
	err   error
}

// NewWriter returns a Writer on w. An http.ResponseWriter is flushed
// through http.NewResponseController, so middleware that exposes Unwrap
// keeps streaming working and a gone client's flush error comes back.
func NewWriter(w io.Writer) *Writer {
	sw := &Writer{w: w, buf: make([]byte, 0, 512)}
	switch f := w.(type) {
	case http.ResponseWriter:
		rc := http.NewResponseController(f)
		sw.flush = func() error {
			if err := rc.Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
				return err
			}
			return nil
		}
	case interface{ Flush() error }:
		sw.flush = f.Flush
	default:
		sw.flush = func() error { return nil }
	}
	return sw
}

// WriteEvent writes one event with an "event:" line (omitted when name is
// empty) and its data, then flushes.
func (s *Writer) WriteEvent(name string, data []byte) error {
	if s.err != nil {
		return s.err
	}
	b := s.buf[:0]
	if name != "" {
		b = append(b, "event: "...)
		b = append(b, name...)
		b = append(b, '\n')
	}
	for {
		i := bytes.IndexByte(data, '\n')
		b = append(b, "data: "...)
		if i < 0 {
			b = append(b, data...)
			b = append(b, '\n')
			break
		}
		b = append(b, bytes.TrimSuffix(data[:i], []byte("\r"))...)
		b = append(b, '\n')
		data = data[i+1:]
	}
	b = append(b, '\n')
	s.buf = b
	return s.send(b)
}

// WriteComment writes a comment line, which clients ignore; it keeps idle
// connections and proxies from timing out while a model thinks.
func (s *Writer) WriteComment(text string) error {
	if s.err != nil {
		return s.err
	}
	b := append(s.buf[:0], ": "...)
	b = append(b, text...)
	b = append(b, "\n\n"...)
	s.buf = b
	return s.send(b)
}

func (s *Writer) send(b []byte) error {
	if _, err := s.w.Write(b); err != nil {
		s.err = err
		return err
	}
	if err := s.flush(); err != nil {
		s.err = err
		return err
	}
	return nil
}
