package anthropic

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/basalt-gateway/basalt/internal/apierr"
)

// Error types of the Messages API.
const (
	ErrInvalidRequest  = "invalid_request_error"
	ErrAuthentication  = "authentication_error"
	ErrPermission      = "permission_error"
	ErrNotFound        = "not_found_error"
	ErrRequestTooLarge = "request_too_large"
	ErrRateLimit       = "rate_limit_error"
	ErrAPI             = "api_error"
	ErrOverloaded      = "overloaded_error"
	ErrTimeout         = "timeout_error"
	ErrBilling         = "billing_error"
)

// maxPlainTextMessage bounds how much of a non-JSON error body reaches a client.
const maxPlainTextMessage = 256

// ErrorFromStatus classifies an upstream error response from its HTTP status
// (apierr.FromStatus: 529 overloaded → Unavailable, 429 → Throttling, …)
// and keeps the upstream's own message for the client. Bodies that are not
// Anthropic's error JSON (a proxy's HTML page, plain text) are tolerated.
func ErrorFromStatus(status int, body []byte) *apierr.Error {
	errType, msg := parseErrorBody(body)
	e := apierr.FromStatus(status, msg)
	if errType != "" {
		e.Cause = fmt.Errorf("anthropic %s (HTTP %d)", errType, status)
	} else {
		e.Cause = fmt.Errorf("anthropic HTTP %d", status)
	}
	return e
}

// ErrorFromEvent turns the data of a mid-stream `event: error` into an error
// whose Kind follows the error type, since no HTTP status comes with it.
func ErrorFromEvent(data []byte) *apierr.Error {
	errType, msg := parseErrorBody(data)
	if msg == "" {
		msg = "the upstream reported an error in the middle of the answer"
	}
	return &apierr.Error{Kind: KindForErrorType(errType), Message: msg,
		Cause: fmt.Errorf("anthropic stream error event %q", errType)}
}

// KindForErrorType maps an Anthropic error type to an apierr.Kind. Unknown
// types mean the answer broke for a reason the upstream did not classify.
func KindForErrorType(t string) apierr.Kind {
	switch t {
	case ErrInvalidRequest, ErrRequestTooLarge:
		return apierr.Validation
	case ErrAuthentication, ErrPermission, ErrBilling:
		return apierr.AccessDenied
	case ErrNotFound:
		return apierr.NotFound
	case ErrRateLimit:
		return apierr.Throttling
	case ErrOverloaded:
		return apierr.Unavailable
	case ErrTimeout:
		return apierr.ModelTimeout
	case ErrAPI:
		return apierr.Internal
	}
	return apierr.ModelStreamError
}

// parseErrorBody returns the error type and message of an error body, or
// for a non-JSON body a short plain-text message (never an HTML page).
func parseErrorBody(body []byte) (errType, msg string) {
	body = bytes.TrimSpace(body)
	var eb ErrorBody
	if len(body) > 0 && body[0] == '{' && json.Unmarshal(body, &eb) == nil {
		if eb.Error.Type != "" || eb.Error.Message != "" {
			return eb.Error.Type, eb.Error.Message
		}
		// Some proxies answer {"message": "..."}.
		var alt struct {
			Message string `json:"message"`
		}
		_ = json.Unmarshal(body, &alt)
		return "", alt.Message
	}
	if len(body) == 0 || body[0] == '<' || body[0] == '{' || !utf8.Valid(body) {
		return "", ""
	}
	line, _, _ := strings.Cut(string(body), "\n")
	line = strings.TrimSpace(line)
	if utf8.RuneCountInString(line) > maxPlainTextMessage {
		line = string([]rune(line)[:maxPlainTextMessage]) + "…"
	}
	return "", line
}
