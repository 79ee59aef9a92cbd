package openai

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/basalt-gateway/basalt/internal/apierr"
)

// ErrorBody is OpenAI's error response body, and the payload of a
// mid-stream error event.
type ErrorBody struct {
	Error ErrorObject `json:"error"`
}

// ErrorObject is the error member. Param and Code are null when absent,
// as OpenAI sends them.
type ErrorObject struct {
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	Code    *string `json:"code"`
}

// UnmarshalJSON accepts servers that send code as a number (llama.cpp,
// vLLM put the HTTP status there) or param as a non-string.
func (e *ErrorObject) UnmarshalJSON(data []byte) error {
	var aux struct {
		Message json.RawMessage `json:"message"`
		Type    json.RawMessage `json:"type"`
		Param   json.RawMessage `json:"param"`
		Code    json.RawMessage `json:"code"`
	}
	if err := json.Unmarshal(data, &aux); err != nil {
		return err
	}
	*e = ErrorObject{Message: scalarString(aux.Message), Type: scalarString(aux.Type)}
	if s := scalarString(aux.Param); s != "" {
		e.Param = &s
	}
	if s := scalarString(aux.Code); s != "" {
		e.Code = &s
	}
	return nil
}

// scalarString renders a JSON string or number as text; anything else is "".
func scalarString(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return ""
	}
	if raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
		return ""
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

// maxErrorMessage bounds how much upstream text reaches a client.
const maxErrorMessage = 1000

// ParseError extracts the error from an upstream error body. Besides
// OpenAI's shape it takes {"error":"text"}, vLLM's top-level
// {"object":"error","message":…}, FastAPI's {"detail":…} and a short plain
// text body; ok is false when nothing usable was found.
func ParseError(body []byte) (obj ErrorObject, ok bool) {
	body = bytes.TrimSpace(body)
	var top struct {
		Error   json.RawMessage `json:"error"`
		Message json.RawMessage `json:"message"`
		Type    json.RawMessage `json:"type"`
		Code    json.RawMessage `json:"code"`
		Detail  json.RawMessage `json:"detail"`
	}
	if len(body) > 0 && body[0] == '{' && json.Unmarshal(body, &top) == nil {
		e := bytes.TrimSpace(top.Error)
		switch {
		case len(e) > 0 && e[0] == '{':
			if json.Unmarshal(e, &obj) == nil {
				obj.Message = clip(obj.Message)
				return obj, obj.Message != "" || obj.Type != "" || obj.Code != nil
			}
		case len(e) > 0 && e[0] == '"':
			obj.Message = clip(scalarString(e))
			return obj, obj.Message != ""
		}
		if m := scalarString(top.Message); m != "" {
			obj = ErrorObject{Message: clip(m), Type: scalarString(top.Type)}
			if c := scalarString(top.Code); c != "" {
				obj.Code = &c
			}
			return obj, true
		}
		if d := scalarString(top.Detail); d != "" {
			return ErrorObject{Message: clip(d)}, true
		}
		return ErrorObject{}, false
	}
	if text := plainText(body); text != "" {
		return ErrorObject{Message: text}, true
	}
	return ErrorObject{}, false
}

// plainText returns a short, printable, non-HTML body as a message; an
// HTML page from a proxy is not something to show a client.
func plainText(body []byte) string {
	if len(body) == 0 || body[0] == '<' || body[0] == '{' || body[0] == '[' || !utf8.Valid(body) {
		return ""
	}
	s := strings.Join(strings.Fields(string(body)), " ")
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return ""
		}
	}
	return clip(s)
}

func clip(s string) string {
	if utf8.RuneCountInString(s) <= maxErrorMessage {
		return s
	}
	r := []rune(s)
	return string(r[:maxErrorMessage]) + "…"
}

// ErrorFromResponse classifies an upstream error response by its HTTP
// status, keeping the upstream's own message for the client.
func ErrorFromResponse(status int, body []byte) *apierr.Error {
	obj, _ := ParseError(body)
	e := apierr.FromStatus(status, obj.Message)
	if k, ok := kindFromCode(obj); ok && k == apierr.QuotaExceeded {
		e.Kind = k // a 429 for an empty balance will not pass on retry
	}
	return e
}

// ErrorFromStreamPayload classifies an error that arrived inside a 200
// stream. There is no HTTP status, so the error's code or type decides;
// anything unrecognised is a ModelStreamError.
func ErrorFromStreamPayload(data []byte) *apierr.Error {
	obj, _ := ParseError(data)
	msg := obj.Message
	if msg == "" {
		msg = "the upstream reported an error in the middle of the answer stream"
	}
	if k, ok := kindFromCode(obj); ok {
		return apierr.New(k, "%s", msg)
	}
	return apierr.New(apierr.ModelStreamError, "%s", msg)
}

// kindFromCode reads OpenAI's error codes and types, and the numeric HTTP
// status some servers put in code.
func kindFromCode(obj ErrorObject) (apierr.Kind, bool) {
	code := ""
	if obj.Code != nil {
		code = *obj.Code
	}
	if n, err := strconv.Atoi(code); err == nil && n >= 400 && n <= 599 {
		if n >= 500 {
			return apierr.ModelStreamError, false
		}
		return apierr.FromStatus(n, "").Kind, true
	}
	for _, s := range []string{code, obj.Type} {
		switch s {
		case "insufficient_quota":
			return apierr.QuotaExceeded, true
		case "rate_limit_exceeded", "rate_limit_error", "requests", "tokens":
			return apierr.Throttling, true
		case "context_length_exceeded", "invalid_request_error", "BadRequestError":
			return apierr.Validation, true
		case "invalid_api_key", "authentication_error", "permission_error":
			return apierr.AccessDenied, true
		case "model_not_found", "not_found_error", "NotFoundError":
			return apierr.NotFound, true
		case "overloaded_error", "server_overloaded":
			return apierr.Unavailable, true
		}
	}
	return apierr.ModelStreamError, false
}
