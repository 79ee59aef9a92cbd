package openai

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"

	"github.com/basalt-gateway/basalt/internal/apierr"
	format "github.com/basalt-gateway/basalt/internal/format/openai"
)

// redactedError hides the API key in an error's text while keeping the
// chain for errors.Is and errors.As.
type redactedError struct {
	err error
	key string
}

func (e *redactedError) Error() string { return redactKey(e.err.Error(), e.key) }
func (e *redactedError) Unwrap() error { return e.err }

func (p *Provider) redact(err error) error {
	if err == nil || p.apiKey == "" {
		return err
	}
	return &redactedError{err: err, key: p.apiKey}
}

// redactAPIErr scrubs the key from an upstream error's client message
// (a server may echo the Authorization header back) and from its cause.
func (p *Provider) redactAPIErr(e *apierr.Error) *apierr.Error {
	if p.apiKey == "" {
		return e
	}
	out := *e
	out.Message = redactKey(e.Message, p.apiKey)
	out.Cause = p.redact(e.Cause)
	return &out
}

// contextError classifies the end of ctx: the upstream's silence or the
// caller's deadline is a ModelTimeout; a cancellation (the client went
// away) wraps context.Canceled.
func (p *Provider) contextError(ctx context.Context) error {
	cause := context.Cause(ctx)
	switch {
	case errors.Is(cause, errSilent):
		return apierr.Wrap(apierr.ModelTimeout, cause, "provider %q sent nothing for %s", p.name, p.timeout)
	case errors.Is(cause, context.DeadlineExceeded):
		return apierr.Wrap(apierr.ModelTimeout, cause, "the request's deadline passed while waiting for provider %q", p.name)
	}
	return apierr.Wrap(apierr.Internal, cause, "the request was cancelled while provider %q was answering", p.name)
}

// transportError classifies a failed round trip.
func (p *Provider) transportError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return p.contextError(ctx)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return apierr.Wrap(apierr.ModelTimeout, p.redact(err), "provider %q at %s did not answer in time", p.name, p.baseURL)
	}
	return apierr.Wrap(apierr.Unavailable, p.redact(err), "provider %q at %s could not be reached", p.name, p.baseURL)
}

// statusError turns an upstream error response into an *apierr.Error. A
// 401 or 403 concerns Basalt's own credentials, not the client's, so the
// client hears that the provider refused and the upstream's wording (which
// may quote part of the key) goes to the cause, for the log.
func (p *Provider) statusError(status int, body []byte) error {
	e := format.ErrorFromResponse(status, body)
	if status == http.StatusUnauthorized || status == http.StatusForbidden {
		e.Cause = errors.New("upstream said: " + e.Message)
		e.Message = fmt.Sprintf("provider %q refused the credentials Basalt is configured with (HTTP %d)", p.name, status)
	}
	return p.redactAPIErr(e)
}

// streamError passes on the decoder's errors: *apierr.Error values
// (scrubbed), and the EventWriter's own error wrapped so that errors.Is
// still finds it.
func (p *Provider) streamError(err error) error {
	if err == nil {
		return nil
	}
	if ae, ok := err.(*apierr.Error); ok {
		return p.redactAPIErr(ae)
	}
	return apierr.Wrap(apierr.Internal, err, "the answer from provider %q could not be delivered", p.name)
}
