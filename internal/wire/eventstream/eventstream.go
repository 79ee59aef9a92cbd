// Package eventstream writes and reads AWS event-stream frames (the
// application/vnd.amazon.eventstream body of ConverseStream,
// InvokeModelWithResponseStream and the bidirectional stream) and knows
// nothing about what the payloads mean.
//
// It is a thin layer over github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream.
// The Reader hands every frame to the SDK's Decoder, after checking the limits
// the SDK does not impose. The Writer lays the frame out itself: the SDK
// Encoder costs 19 heap allocations per frame (boxed binary.Write arguments,
// a crc32 digest, an io.MultiWriter), which a per-token stream cannot afford.
// It keeps the SDK's checksum (hash/crc32, IEEE polynomial, message CRC
// over everything before it including the prelude CRC), and the tests and
// FuzzWriterMatchesSDK prove the output byte-identical to the SDK Encoder's.
package eventstream

import (
	"errors"
	"fmt"

	sdk "github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
)

// ContentType is the HTTP Content-Type of an event-stream body. Set it
// before the first frame: the Writer's first flush commits the headers.
const ContentType = "application/vnd.amazon.eventstream"

// Values of the :message-type header.
const (
	MessageTypeEvent     = "event"
	MessageTypeException = "exception"
	MessageTypeError     = "error"
)

const (
	preludeLen        = 12 // total_length, headers_length, prelude_crc
	crcLen            = 4
	minMessageLen     = preludeLen + crcLen
	maxHeaderValueLen = 1<<15 - 1 // spec §5.2; the SDK encoder enforces the same
	maxUint32         = 1<<32 - 1

	typeString = 7 // header value type byte for a UTF-8 string

	jsonContentType = "application/json"
)

// Message is one decoded frame. The named fields are copies of the
// well-known string headers ("" when absent: a signed input envelope, for
// one, carries only :date and :chunk-signature); Headers holds every header
// in wire order, the named ones included.
type Message struct {
	Type          string // :message-type: MessageTypeEvent, MessageTypeException or MessageTypeError
	EventType     string // :event-type
	ExceptionType string // :exception-type
	ErrorCode     string // :error-code
	ErrorMessage  string // :error-message
	ContentType   string // :content-type
	Headers       sdk.Headers
	// Payload aliases the Reader's buffer and is only valid until the next
	// call to Next; copy it to keep it.
	Payload []byte
}

// Errors returned by Reader.Next. They are sentinels so a caller can tell a
// damaged stream (ErrChecksum, ErrMalformed), a cut one (ErrTruncated) and a
// hostile one (ErrLimit, with a *LimitError for the details) apart with
// errors.Is. Every one of them is final: the frame boundary is lost.
var (
	ErrChecksum  = errors.New("eventstream: checksum mismatch")
	ErrTruncated = errors.New("eventstream: truncated message")
	ErrMalformed = errors.New("eventstream: malformed message")
	ErrLimit     = errors.New("eventstream: message exceeds limit")
)

// LimitError reports a frame that exceeds one of the Reader's Limits. It is
// returned before the frame's body is read, so no memory is spent on it.
type LimitError struct {
	Field string // "total_length", "headers_length" or "header count"
	Max   int64
	Got   int64
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("eventstream: %s %d exceeds limit %d", e.Field, e.Got, e.Max)
}

// Is makes errors.Is(err, ErrLimit) hold.
func (e *LimitError) Is(target error) bool { return target == ErrLimit }
