package anthropic

import (
	"encoding/json"
	"net/http"

	"github.com/basalt-gateway/basalt/internal/apierr"
)

// StatusOverloaded is Anthropic's status for overloaded_error.
const StatusOverloaded = 529

// ErrorTypeForKind returns the HTTP status and Anthropic error type a
// client of the Messages API gets for an error kind (the table of the
// Anthropic docs: 400 invalid_request_error, 403 permission_error, 404
// not_found_error, 429 rate_limit_error, 500 api_error, 529
// overloaded_error, 504 timeout_error, 401 authentication_error).
func ErrorTypeForKind(k apierr.Kind) (status int, errType string) {
	switch k {
	case apierr.Validation:
		return http.StatusBadRequest, ErrInvalidRequest
	case apierr.Conflict:
		return http.StatusConflict, ErrInvalidRequest
	case apierr.AccessDenied:
		return http.StatusForbidden, ErrPermission
	case apierr.Unauthenticated:
		return http.StatusUnauthorized, ErrAuthentication
	case apierr.NotFound:
		return http.StatusNotFound, ErrNotFound
	case apierr.Throttling, apierr.QuotaExceeded:
		return http.StatusTooManyRequests, ErrRateLimit
	case apierr.Unavailable, apierr.ModelNotReady:
		return StatusOverloaded, ErrOverloaded
	case apierr.ModelTimeout:
		return http.StatusGatewayTimeout, ErrTimeout
	}
	return http.StatusInternalServerError, ErrAPI
}

// ErrorResponse returns the status and body of an error answer:
// {"type":"error","error":{"type":…,"message":…},"request_id":…}. Anything
// that is not an *apierr.Error becomes a generic api_error (apierr.As), so
// no internal detail reaches the client.
func ErrorResponse(err error, requestID string) (int, []byte) {
	e := apierr.As(err)
	status, typ := ErrorTypeForKind(e.Kind)
	b, _ := json.Marshal(ErrorBody{Type: EventError, Error: ErrorDetail{Type: typ, Message: e.Message}, RequestID: requestID})
	return status, b
}

// ErrorEventData is the data of a mid-stream `event: error`:
// {"type":"error","error":{"type":…,"message":…}}.
func ErrorEventData(err error) []byte {
	e := apierr.As(err)
	_, typ := ErrorTypeForKind(e.Kind)
	b, _ := json.Marshal(ErrorBody{Type: EventError, Error: ErrorDetail{Type: typ, Message: e.Message}})
	return b
}
