package eventstream

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"

	sdk "github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
)

// Default limits. Bedrock's frames are small (a token delta, an audio chunk
// of a few KiB); the SDK itself has no limit at all (spec §5.2), so a server
// reading client frames must bring its own.
const (
	DefaultMaxMessageLength = 16 << 20
	DefaultMaxHeadersLength = 64 << 10
	DefaultMaxHeaders       = 32
)

// firstChunk is how much of a frame the Reader allocates before any of its
// body has arrived; beyond it the buffer grows with the bytes actually
// received, so a 12-byte prelude claiming 16 MiB costs 64 KiB, not 16 MiB.
const firstChunk = 64 << 10

// Limits bound what a Reader accepts. A zero or negative field means its
// default.
type Limits struct {
	MaxMessageLength int // total_length, prelude and CRCs included
	MaxHeadersLength int // headers_length
	MaxHeaders       int // number of headers in one frame
}

func (l Limits) withDefaults() Limits {
	if l.MaxMessageLength <= 0 {
		l.MaxMessageLength = DefaultMaxMessageLength
	}
	if l.MaxHeadersLength <= 0 {
		l.MaxHeadersLength = DefaultMaxHeadersLength
	}
	if l.MaxHeaders <= 0 {
		l.MaxHeaders = DefaultMaxHeaders
	}
	return l
}

// Reader reads event-stream frames. It reads exactly one frame's bytes per
// Next and never beyond, so the rest of r stays usable, and an envelope's
// payload can be read with a second Reader over bytes.NewReader(payload).
//
// Before the SDK Decoder sees a frame, the Reader checks what the SDK does
// not: the limits, before allocating; both CRCs, before looking at any
// header; and the header block's structure. The structural check is not
// redundant: the SDK merges duplicate header names silently (last one wins)
// with a quadratic search, accepts empty names and header values longer
// than the spec allows, and trusts a headers_length larger than the frame.
type Reader struct {
	src     io.Reader
	limits  Limits
	dec     *sdk.Decoder
	prelude [preludeLen]byte
	frame   []byte
	payload []byte
	names   [][]byte
	br      bytes.Reader
	err     error
}

// NewReader returns a Reader that reads frames from r within limits.
func NewReader(r io.Reader, limits Limits) *Reader {
	return &Reader{src: r, limits: limits.withDefaults(), dec: sdk.NewDecoder()}
}

// Next returns the next frame. At a clean end of stream, between frames, it
// returns io.EOF. Every other error wraps ErrChecksum, ErrTruncated (and
// io.ErrUnexpectedEOF), ErrMalformed or ErrLimit, or is the underlying
// reader's error; any error is returned again by every later call.
func (r *Reader) Next() (Message, error) {
	if r.err != nil {
		return Message{}, r.err
	}
	m, err := r.next()
	if err != nil {
		r.err = err
		return Message{}, err
	}
	return m, nil
}

func (r *Reader) next() (Message, error) {
	if n, err := io.ReadFull(r.src, r.prelude[:]); err != nil {
		switch {
		case err == io.EOF:
			return Message{}, io.EOF
		case errors.Is(err, io.ErrUnexpectedEOF):
			return Message{}, truncated(n, preludeLen)
		}
		return Message{}, err
	}
	total := binary.BigEndian.Uint32(r.prelude[0:4])
	headersLen := binary.BigEndian.Uint32(r.prelude[4:8])
	if want, got := binary.BigEndian.Uint32(r.prelude[8:12]), crc32.ChecksumIEEE(r.prelude[:8]); want != got {
		return Message{}, fmt.Errorf("%w: prelude crc %08x, computed %08x", ErrChecksum, want, got)
	}
	if total < minMessageLen || headersLen > total-minMessageLen {
		return Message{}, fmt.Errorf("%w: total_length %d cannot hold headers_length %d", ErrMalformed, total, headersLen)
	}
	if int64(total) > int64(r.limits.MaxMessageLength) {
		return Message{}, &LimitError{Field: "total_length", Max: int64(r.limits.MaxMessageLength), Got: int64(total)}
	}
	if int64(headersLen) > int64(r.limits.MaxHeadersLength) {
		return Message{}, &LimitError{Field: "headers_length", Max: int64(r.limits.MaxHeadersLength), Got: int64(headersLen)}
	}

	frame, err := r.readFrame(int(total))
	if err != nil {
		return Message{}, err
	}
	if want, got := binary.BigEndian.Uint32(frame[total-crcLen:]), crc32.ChecksumIEEE(frame[:total-crcLen]); want != got {
		return Message{}, fmt.Errorf("%w: message crc %08x, computed %08x", ErrChecksum, want, got)
	}
	if err := r.checkHeaders(frame[preludeLen : preludeLen+headersLen]); err != nil {
		return Message{}, err
	}

	r.br.Reset(frame)
	sm, err := r.dec.Decode(&r.br, r.payload)
	if err != nil {
		// Unreachable after the checks above unless the SDK grows stricter;
		// report it as damage rather than pass an SDK type through.
		if errors.As(err, new(sdk.ChecksumError)) {
			return Message{}, fmt.Errorf("%w: %v", ErrChecksum, err)
		}
		return Message{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	// The payload buffer must survive until the next Next; keep it for reuse
	// only if it is small, for the same reason the Writer drops large ones.
	switch {
	case cap(sm.Payload) > maxRetainedBuf:
		r.payload = nil
	case cap(sm.Payload) > cap(r.payload):
		r.payload = sm.Payload[:0]
	}

	m := Message{Headers: sm.Headers, Payload: sm.Payload}
	for _, h := range sm.Headers {
		var dst *string
		switch h.Name {
		case ":message-type":
			dst = &m.Type
		case ":event-type":
			dst = &m.EventType
		case ":exception-type":
			dst = &m.ExceptionType
		case ":error-code":
			dst = &m.ErrorCode
		case ":error-message":
			dst = &m.ErrorMessage
		case ":content-type":
			dst = &m.ContentType
		default:
			continue
		}
		s, ok := h.Value.(sdk.StringValue)
		if !ok {
			return Message{}, fmt.Errorf("%w: header %s has type %T, want string", ErrMalformed, h.Name, h.Value)
		}
		*dst = string(s)
	}
	return m, nil
}

// readFrame reads the rest of a frame of total bytes after the prelude
// already in r.prelude. The buffer grows with the bytes that arrive rather
// than to the claimed length up front, so a peer that announces a large
// frame and stalls or hangs up has cost at most twice what it sent.
func (r *Reader) readFrame(total int) ([]byte, error) {
	b := r.frame[:0]
	if first := min(total, firstChunk); cap(b) < first {
		b = make([]byte, 0, first)
	}
	b = append(b, r.prelude[:]...)
	for len(b) < total {
		if len(b) == cap(b) {
			nb := make([]byte, len(b), min(total, 2*cap(b)))
			copy(nb, b)
			b = nb
		}
		end := min(cap(b), total)
		n, err := io.ReadFull(r.src, b[len(b):end])
		b = b[:len(b)+n]
		if err != nil {
			if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, truncated(len(b), total)
			}
			return nil, err
		}
	}
	r.frame = b[:0]
	if cap(b) > maxRetainedBuf {
		r.frame = nil
	}
	return b, nil
}

// checkHeaders walks the header block (spec §5.2) and rejects what the SDK
// would let through or handle badly: too many headers, empty names, unknown
// value types, values that overrun the block or exceed 32767 bytes, and
// duplicate names.
func (r *Reader) checkHeaders(h []byte) error {
	r.names = r.names[:0]
	count := 0
	for len(h) > 0 {
		nameLen := int(h[0])
		if nameLen == 0 {
			return fmt.Errorf("%w: header %d has an empty name", ErrMalformed, count)
		}
		if len(h) < 1+nameLen+1 {
			return fmt.Errorf("%w: header %d overruns the header block", ErrMalformed, count)
		}
		name, typ := h[1:1+nameLen], h[1+nameLen]
		h = h[2+nameLen:]
		var valueLen int
		switch typ {
		case 0, 1: // bool true, bool false
		case 2: // byte
			valueLen = 1
		case 3: // short
			valueLen = 2
		case 4: // integer
			valueLen = 4
		case 5, 8: // long, timestamp
			valueLen = 8
		case 9: // uuid
			valueLen = 16
		case 6, 7: // byte array, string
			if len(h) < 2 {
				return fmt.Errorf("%w: header %q overruns the header block", ErrMalformed, name)
			}
			n := int(binary.BigEndian.Uint16(h))
			if n > maxHeaderValueLen {
				return fmt.Errorf("%w: header %q value of %d bytes exceeds %d", ErrMalformed, name, n, maxHeaderValueLen)
			}
			valueLen = 2 + n
		default:
			return fmt.Errorf("%w: header %q has unknown value type %d", ErrMalformed, name, typ)
		}
		if len(h) < valueLen {
			return fmt.Errorf("%w: header %q overruns the header block", ErrMalformed, name)
		}
		h = h[valueLen:]
		count++
		if count > r.limits.MaxHeaders {
			// Counting on past the limit is linear and bounded by
			// MaxHeadersLength; only the duplicate check below is not.
			continue
		}
		for _, seen := range r.names {
			if bytes.Equal(seen, name) {
				return fmt.Errorf("%w: header %q appears twice", ErrMalformed, name)
			}
		}
		r.names = append(r.names, name)
	}
	if count > r.limits.MaxHeaders {
		return &LimitError{Field: "header count", Max: int64(r.limits.MaxHeaders), Got: int64(count)}
	}
	return nil
}

func truncated(got, want int) error {
	return fmt.Errorf("%w: got %d of %d bytes: %w", ErrTruncated, got, want, io.ErrUnexpectedEOF)
}
