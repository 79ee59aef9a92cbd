// Package apierr holds Basalt's one error type. Every layer returns *Error for
// anything a client should see; each API shape maps Kind to its own status code
// and error body once. Message is safe to show a client; Cause never is.
package apierr

import (
	"errors"
	"fmt"
)

// Kind classifies an error the way Bedrock's exception model does; each wire
// dialect translates it to its own status and error name.
type Kind uint8

const (
	Internal Kind = iota
	Validation
	AccessDenied
	NotFound
	Throttling
	ModelTimeout
	ModelNotReady
	ModelError
	ModelStreamError
	Unavailable
	QuotaExceeded
	Conflict
	// Unauthenticated is a missing or wrong API key: 401 on the OpenAI and
	// Anthropic surfaces; Bedrock has no such exception, so there it is an
	// AccessDeniedException.
	Unauthenticated
)

var kindNames = [...]string{
	Internal:         "InternalServerException",
	Validation:       "ValidationException",
	AccessDenied:     "AccessDeniedException",
	NotFound:         "ResourceNotFoundException",
	Throttling:       "ThrottlingException",
	ModelTimeout:     "ModelTimeoutException",
	ModelNotReady:    "ModelNotReadyException",
	ModelError:       "ModelErrorException",
	ModelStreamError: "ModelStreamErrorException",
	Unavailable:      "ServiceUnavailableException",
	QuotaExceeded:    "ServiceQuotaExceededException",
	Conflict:         "ConflictException",
	Unauthenticated:  "AccessDeniedException",
}

// String returns the Bedrock exception name, which doubles as a readable label.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "InternalServerException"
}

// Error is the error every Basalt component returns for client-visible failures.
type Error struct {
	Kind    Kind
	Message string // safe to send to the client
	// UpstreamStatus is the HTTP status a provider answered with, when the
	// error came from one (0 otherwise); some shapes report it
	// (ModelErrorException.originalStatusCode).
	UpstreamStatus int
	Cause          error // for logs only
}

func (e *Error) Error() string {
	if e.Cause != nil {
		return e.Kind.String() + ": " + e.Message + ": " + e.Cause.Error()
	}
	return e.Kind.String() + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Cause }

// New returns an error of kind k with a client-safe message.
func New(k Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an error of kind k with a client-safe message and a private cause.
func Wrap(k Kind, cause error, format string, args ...any) *Error {
	return &Error{Kind: k, Message: fmt.Sprintf(format, args...), Cause: cause}
}

// Validationf is shorthand for the most common client error.
func Validationf(format string, args ...any) *Error {
	return New(Validation, format, args...)
}

// As returns err as an *Error. Anything that is not one (a bug, an I/O error
// nobody classified) becomes Internal with a fixed message, so no Go error
// string ever reaches a client; the original stays in Cause for the log.
func As(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Kind: Internal, Message: "The server encountered an internal error while processing the request.", Cause: err}
}

// KindOf reports the Kind of err (Internal for foreign errors).
func KindOf(err error) Kind {
	if err == nil {
		return Internal
	}
	return As(err).Kind
}

// FromStatus classifies an upstream HTTP error status. msg is the
// upstream's own error message, kept for the client.
func FromStatus(status int, msg string) *Error {
	var k Kind
	switch {
	case status == 400 || status == 413 || status == 422:
		k = Validation
	case status == 401 || status == 403:
		k = AccessDenied
	case status == 404:
		k = NotFound
	case status == 408 || status == 504:
		k = ModelTimeout
	case status == 409:
		k = Conflict
	case status == 429:
		k = Throttling
	case status == 502 || status == 503 || status == 529:
		k = Unavailable
	case status >= 500:
		k = Internal
	default:
		k = Validation // any other 4xx is the request's fault
	}
	if msg == "" {
		msg = fmt.Sprintf("the upstream answered with HTTP %d", status)
	}
	return &Error{Kind: k, Message: msg, UpstreamStatus: status}
}
