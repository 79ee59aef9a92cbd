package openai

import (
	"net/http"

	"github.com/basalt-gateway/basalt/internal/apierr"
)

// ErrorStatus is the HTTP status Basalt's OpenAI surfaces answer an error
// of kind k with.
func ErrorStatus(k apierr.Kind) int {
	switch k {
	case apierr.Validation:
		return http.StatusBadRequest
	case apierr.AccessDenied:
		return http.StatusForbidden
	case apierr.Unauthenticated:
		return http.StatusUnauthorized
	case apierr.NotFound:
		return http.StatusNotFound
	case apierr.Conflict:
		return http.StatusConflict
	case apierr.Throttling, apierr.QuotaExceeded:
		return http.StatusTooManyRequests
	case apierr.Unavailable, apierr.ModelNotReady:
		return http.StatusServiceUnavailable
	case apierr.ModelTimeout:
		return http.StatusGatewayTimeout
	}
	return http.StatusInternalServerError
}

// errorTypes gives OpenAI's error type and code for each kind.
var errorTypes = map[apierr.Kind][2]string{
	apierr.Validation:       {"invalid_request_error", ""},
	apierr.AccessDenied:     {"permission_error", "permission_denied"},
	apierr.Unauthenticated:  {"invalid_request_error", "invalid_api_key"},
	apierr.NotFound:         {"invalid_request_error", "model_not_found"},
	apierr.Conflict:         {"invalid_request_error", "conflict"},
	apierr.Throttling:       {"rate_limit_error", "rate_limit_exceeded"},
	apierr.QuotaExceeded:    {"insufficient_quota", "insufficient_quota"},
	apierr.Unavailable:      {"server_error", "service_unavailable"},
	apierr.ModelNotReady:    {"server_error", "model_not_ready"},
	apierr.ModelTimeout:     {"server_error", "timeout"},
	apierr.ModelError:       {"server_error", "model_error"},
	apierr.ModelStreamError: {"server_error", "model_stream_error"},
	apierr.Internal:         {"server_error", ""},
}

// ErrorBodyFor returns OpenAI's error body for err; anything that is not
// an *apierr.Error becomes a generic internal error, so no Go error text
// reaches a client.
func ErrorBodyFor(err error) (status int, body ErrorBody) {
	e := apierr.As(err)
	tc, ok := errorTypes[e.Kind]
	if !ok {
		tc = errorTypes[apierr.Internal]
	}
	obj := ErrorObject{Message: e.Message, Type: tc[0]}
	if tc[1] != "" {
		code := tc[1]
		obj.Code = &code
	}
	return ErrorStatus(e.Kind), ErrorBody{Error: obj}
}
