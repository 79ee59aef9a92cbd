package openairesponses

import (
	"encoding/json"
	"errors"

	"github.com/basalt-gateway/basalt/internal/apierr"
)

// ErrorStatus maps an error kind to the HTTP status, OpenAI error type and
// default code of this dialect.
func ErrorStatus(k apierr.Kind) (status int, code, typ string) {
	switch k {
	case apierr.Validation:
		return 400, "invalid_request_error", "invalid_request_error"
	case apierr.AccessDenied:
		return 403, "permission_denied", "permission_error"
	case apierr.Unauthenticated:
		return 401, "invalid_api_key", "invalid_request_error"
	case apierr.NotFound:
		return 404, "not_found", "invalid_request_error"
	case apierr.Conflict:
		return 409, "conflict", "invalid_request_error"
	case apierr.Throttling:
		return 429, "rate_limit_exceeded", "requests"
	case apierr.QuotaExceeded:
		return 429, "insufficient_quota", "insufficient_quota"
	case apierr.ModelTimeout:
		return 408, "timeout", "server_error"
	case apierr.ModelNotReady, apierr.Unavailable:
		return 503, "service_unavailable", "server_error"
	case apierr.ModelError, apierr.ModelStreamError:
		return 502, "model_error", "server_error"
	}
	return 500, "server_error", "server_error"
}

// ErrorObject is OpenAI's error object; param and code may be null.
type ErrorObject struct {
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	Code    *string `json:"code"`
}

// ErrorBody returns the status and the {"error": {...}} body for err.
func ErrorBody(err error) (int, []byte) {
	e := apierr.As(err)
	status, code, typ := ErrorStatus(e.Kind)
	obj := ErrorObject{Message: e.Message, Type: typ}
	if pe := paramOf(e); pe != nil {
		obj.Param = &pe.Param
		code = pe.Code
	}
	if e.Kind != apierr.Validation || obj.Param != nil {
		obj.Code = &code
	}
	body, _ := json.Marshal(struct {
		Error ErrorObject `json:"error"`
	}{obj})
	return status, body
}

func paramOf(e *apierr.Error) *ParamError {
	var pe *ParamError
	if errors.As(e.Cause, &pe) {
		return pe
	}
	return nil
}
