package bedrock

import (
	"context"
	"errors"
	"net"

	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/basalt-gateway/basalt/internal/apierr"
)

func isType[T error](err error) bool {
	var t T
	return errors.As(err, &t)
}

// exceptionKinds maps each Bedrock exception to the apierr Kind of the same
// name. ConflictException is not a Converse error but is in the service model.
var exceptionKinds = []struct {
	match func(error) bool
	kind  apierr.Kind
}{
	{isType[*types.ValidationException], apierr.Validation},
	{isType[*types.AccessDeniedException], apierr.AccessDenied},
	{isType[*types.ResourceNotFoundException], apierr.NotFound},
	{isType[*types.ThrottlingException], apierr.Throttling},
	{isType[*types.ModelTimeoutException], apierr.ModelTimeout},
	{isType[*types.ModelNotReadyException], apierr.ModelNotReady},
	{isType[*types.ModelErrorException], apierr.ModelError},
	{isType[*types.ModelStreamErrorException], apierr.ModelStreamError},
	{isType[*types.InternalServerException], apierr.Internal},
	{isType[*types.ServiceUnavailableException], apierr.Unavailable},
	{isType[*types.ServiceQuotaExceededException], apierr.QuotaExceeded},
	{isType[*types.ConflictException], apierr.Conflict},
}

// classify turns an SDK error into an *apierr.Error whose Message is safe for
// a client: Bedrock's own message for its exceptions, otherwise a sentence
// naming this provider and its endpoint. SDK errors never contain the secret
// key or token (signing errors name the access key id at most), and the
// messages built here use only the name and the credential-free endpoint.
// midStream says the error ended an answer already under way, where a
// failure without a Bedrock exception is a broken stream.
func (p *Provider) classify(ctx context.Context, err error, midStream bool) error {
	var ae *apierr.Error
	if errors.As(err, &ae) {
		return err
	}
	// The caller's context decides first: once it is done, whatever the SDK
	// reports (a closed body, a half-read frame) is a consequence.
	switch ctxErr := ctx.Err(); {
	case errors.Is(ctxErr, context.DeadlineExceeded), ctxErr == nil && errors.Is(err, context.DeadlineExceeded):
		return apierr.Wrap(apierr.ModelTimeout, err, "bedrock provider %q: the model did not answer in time", p.name)
	case ctxErr != nil, errors.Is(err, context.Canceled):
		// Nobody is waiting for this answer; the kind matters only to logs.
		return apierr.Wrap(apierr.Internal, err, "bedrock provider %q: the request was canceled", p.name)
	}

	status := 0
	var se interface{ HTTPStatusCode() int }
	if errors.As(err, &se) {
		status = se.HTTPStatusCode()
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		msg := api.ErrorMessage()
		if msg == "" {
			msg = api.ErrorCode()
		}
		for _, e := range exceptionKinds {
			if e.match(err) {
				return &apierr.Error{Kind: e.kind, Message: msg, UpstreamStatus: originalStatus(err, status), Cause: err}
			}
		}
		if status > 0 {
			e := apierr.FromStatus(status, msg)
			e.Cause = err
			return e
		}
		// An exception frame Bedrock's model does not define.
		return apierr.Wrap(apierr.ModelStreamError, err, "%s", msg)
	}
	var ipe smithy.InvalidParamsError
	if errors.As(err, &ipe) {
		return apierr.Wrap(apierr.Validation, err, "%s", ipe.Error())
	}
	if status > 0 {
		e := apierr.FromStatus(status, "")
		e.Cause = err
		return e
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return apierr.Wrap(apierr.ModelTimeout, err, "bedrock provider %q: %s did not answer in time", p.name, p.endpoint)
	}
	if midStream {
		return apierr.Wrap(apierr.ModelStreamError, err, "bedrock provider %q: the answer stream from %s broke off", p.name, p.endpoint)
	}
	var send *smithyhttp.RequestSendError
	var op *net.OpError
	var dns *net.DNSError
	if errors.As(err, &send) || errors.As(err, &op) || errors.As(err, &dns) {
		return apierr.Wrap(apierr.Unavailable, err, "bedrock provider %q could not reach %s", p.name, p.endpoint)
	}
	return apierr.Wrap(apierr.Internal, err, "bedrock provider %q: the request to %s failed", p.name, p.endpoint)
}

// originalStatus prefers the model's own HTTP status that Bedrock reports in
// ModelErrorException and ModelStreamErrorException over Bedrock's 424.
func originalStatus(err error, status int) int {
	var me *types.ModelErrorException
	if errors.As(err, &me) && me.OriginalStatusCode != nil {
		return int(*me.OriginalStatusCode)
	}
	var mse *types.ModelStreamErrorException
	if errors.As(err, &mse) && mse.OriginalStatusCode != nil {
		return int(*mse.OriginalStatusCode)
	}
	return status
}
