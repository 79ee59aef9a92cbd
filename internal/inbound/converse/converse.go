// Package converse is the inbound Bedrock runtime Converse surface:
// POST /model/{modelId}/converse, wire-compatible with the AWS SDKs.
package converse

import (
	"net/http"
	"strconv"
	"unicode"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/format/bedrock"
	"github.com/basalt-gateway/basalt/internal/server"
)

// DefaultMaxBody bounds a request body. Bedrock takes images of up to
// 3.75 MB and documents of 4.5 MB each, base64-inflated by a third, several
// per request.
const DefaultMaxBody = 64 << 20

// Shape is the Converse API shape.
type Shape struct {
	MaxBody int64
}

var _ server.Shape = Shape{}

// Decode reads the model id from the path and the Converse body.
func (s Shape) Decode(r *http.Request) (*canon.Request, error) {
	modelID, err := ModelID(r)
	if err != nil {
		return nil, err
	}
	limit := s.MaxBody
	if limit <= 0 {
		limit = DefaultMaxBody
	}
	body, err := server.ReadBody(r, limit)
	if err != nil {
		return nil, err
	}
	return bedrock.DecodeRequest(modelID, body)
}

// ModelID returns the {modelId} path label, which the mux has already
// unescaped segment by segment, so ARNs with %2F arrive whole.
func ModelID(r *http.Request) (string, error) {
	id := r.PathValue("modelId")
	if id == "" || len(id) > 2048 {
		return "", apierr.Validationf("1 validation error detected: Value '%s' at 'modelId' failed to satisfy constraint: Member must have length between 1 and 2048", truncate(id))
	}
	for _, c := range id {
		if unicode.IsControl(c) || unicode.IsSpace(c) {
			return "", apierr.Validationf("1 validation error detected: Value '%s' at 'modelId' failed to satisfy constraint: Member must not contain whitespace or control characters", truncate(id))
		}
	}
	return id, nil
}

func truncate(s string) string {
	if len(s) > 100 {
		return s[:100] + "…"
	}
	return s
}

// NewEncoder returns the unary Converse encoder.
func (Shape) NewEncoder(w http.ResponseWriter, r *http.Request, req *canon.Request) server.Encoder {
	u := &unary{w: w}
	u.acc = *canon.NewAccumulator() // in the encoder's allocation, copied before its first use
	return u
}

// WriteError answers with err as Bedrock does.
func (Shape) WriteError(w http.ResponseWriter, _ *http.Request, err error) {
	WriteError(w, err)
}

// WriteError writes err as a Bedrock error response: the exception name in
// x-amzn-ErrorType (with the namespace suffix real Bedrock sends, which
// clients strip), its status, and a JSON body with the message.
func WriteError(w http.ResponseWriter, err error) {
	e := apierr.As(err)
	body := bedrock.ErrorBody(e)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("x-amzn-ErrorType", e.Kind.String()+":http://internal.amazon.com/coral/com.amazon.bedrock/")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(bedrock.ErrorStatus(e.Kind))
	_, _ = w.Write(body)
}

type unary struct {
	w     http.ResponseWriter
	acc   canon.Accumulator
	wrote bool
}

func (u *unary) WriteEvent(ev canon.Event) error {
	if err := u.acc.WriteEvent(ev); err != nil {
		return apierr.Wrap(apierr.ModelError, err, "the model's answer was malformed: %v", err)
	}
	return nil
}

func (u *unary) Finish() error {
	resp, err := u.acc.Response()
	if err != nil {
		return apierr.Wrap(apierr.ModelStreamError, err, "the model's answer was incomplete")
	}
	body, err := bedrock.EncodeResponse(resp)
	if err != nil {
		return apierr.Wrap(apierr.Internal, err, "the answer could not be encoded")
	}
	// Canonical keys set directly, their values in one array (each slice
	// capped at length one, so an Add copies): Header.Set would allocate
	// a slice for each.
	vals := [...]string{"application/json", strconv.Itoa(len(body))}
	h := u.w.Header()
	h["Content-Type"] = vals[0:1:1]
	h["Content-Length"] = vals[1:2:2]
	u.w.WriteHeader(http.StatusOK)
	u.wrote = true
	_, err = u.w.Write(body)
	return err
}

// Fail writes the error unless the answer already went out (then the
// connection failed mid-body and there is nothing more to say).
func (u *unary) Fail(err error) {
	if !u.wrote {
		WriteError(u.w, err)
	}
}
