package invoke

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/inbound/converse"
	"github.com/basalt-gateway/basalt/internal/server"
)

// refusals name a non-conversation operation in the errors that refuse it
// before its body is read.
type refusals struct {
	// model completes "model %q is …, which InvokeModelWithResponseStream
	// does not serve" ("an embedding model").
	model string
	// cannot completes "this gateway cannot …", the error of a gateway
	// without the capability ("compute embeddings").
	cannot string
}

// opAnswer is what a non-conversation operation answers: body, encoded
// as JSON, or raw, a body passed on as the provider gave it; and the input
// token count, reported in X-Amzn-Bedrock-Input-Token-Count when
// countsInput is set.
type opAnswer struct {
	body        any
	raw         []byte
	inputTokens int
	countsInput bool
}

// serveOperation answers a non-conversation family's InvokeModel call:
// streaming is refused, as is a gateway without the capability (capable
// false); otherwise the body is read within DefaultMaxBody and handed to
// call, which decodes it, asks the gateway and returns the answer, written
// with the headers Bedrock sends. Every error is Bedrock-shaped.
func serveOperation(w http.ResponseWriter, r *http.Request, modelID string, stream bool, re refusals, capable bool,
	call func(ctx context.Context, body []byte) (opAnswer, error)) {
	start := time.Now()
	if stream {
		converse.WriteError(w, apierr.Validationf("model %q is %s, which InvokeModelWithResponseStream does not serve: use InvokeModel", modelID, re.model))
		return
	}
	if !capable {
		converse.WriteError(w, apierr.Validationf("this gateway cannot %s", re.cannot))
		return
	}
	body, err := server.ReadBody(r, DefaultMaxBody)
	if err != nil {
		converse.WriteError(w, err)
		return
	}
	a, err := call(r.Context(), body)
	if err != nil {
		converse.WriteError(w, err)
		return
	}
	out := a.raw
	if len(out) == 0 {
		if out, err = marshalBody(a.body); err != nil {
			converse.WriteError(w, apierr.Wrap(apierr.Internal, err, "the answer could not be encoded"))
			return
		}
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(out)))
	if a.countsInput {
		h.Set("X-Amzn-Bedrock-Input-Token-Count", strconv.Itoa(a.inputTokens))
	}
	h.Set("X-Amzn-Bedrock-Invocation-Latency", strconv.FormatInt(time.Since(start).Milliseconds(), 10))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(out)
}
