package bedrock

import (
	"net/http"
	"strconv"

	"github.com/basalt-gateway/basalt/internal/apierr"
)

// ErrorStatus is the HTTP status Bedrock answers an error kind with.
func ErrorStatus(k apierr.Kind) int {
	switch k {
	case apierr.Validation, apierr.QuotaExceeded, apierr.Conflict:
		return http.StatusBadRequest
	case apierr.AccessDenied, apierr.Unauthenticated:
		return http.StatusForbidden
	case apierr.NotFound:
		return http.StatusNotFound
	case apierr.ModelTimeout:
		return http.StatusRequestTimeout
	case apierr.Throttling, apierr.ModelNotReady:
		return http.StatusTooManyRequests
	case apierr.ModelError, apierr.ModelStreamError:
		return http.StatusFailedDependency
	case apierr.Unavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// ErrorBody is the JSON body of a Bedrock error. The body repeats the code
// in __type because the JS SDK looks at the body before falling back, and
// the two must agree with the x-amzn-ErrorType header.
func ErrorBody(e *apierr.Error) []byte {
	b := make([]byte, 0, 64+len(e.Message))
	b = append(b, `{"message":`...)
	b = appendString(b, e.Message)
	b = append(b, `,"__type":`...)
	b = appendString(b, e.Kind.String())
	if (e.Kind == apierr.ModelError || e.Kind == apierr.ModelStreamError) && e.UpstreamStatus != 0 {
		b = append(b, `,"originalStatusCode":`...)
		b = strconv.AppendInt(b, int64(e.UpstreamStatus), 10)
		if e.Kind == apierr.ModelStreamError {
			b = append(b, `,"originalMessage":`...)
			b = appendString(b, e.Message)
		}
	}
	return append(b, '}')
}

// StreamExceptionType is the :exception-type a ConverseStream exception
// frame carries for an error kind. The stream union has only five
// exception members, so the others fold into the nearest one.
func StreamExceptionType(k apierr.Kind) string {
	switch k {
	case apierr.Validation:
		return "validationException"
	case apierr.Throttling, apierr.ModelNotReady, apierr.QuotaExceeded:
		return "throttlingException"
	case apierr.Unavailable:
		return "serviceUnavailableException"
	case apierr.Internal:
		return "internalServerException"
	}
	return "modelStreamErrorException"
}
