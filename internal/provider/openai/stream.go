package openai

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
	format "github.com/basalt-gateway/basalt/internal/format/openai"
	"github.com/basalt-gateway/basalt/internal/wire/sse"
)

// readStream decodes SSE events as they arrive: one upstream event in,
// its canonical events out, nothing buffered beyond what the decoder must
// hold. Every event restarts the silence timer.
func (p *Provider) readStream(ctx context.Context, body io.Reader, w canon.EventWriter, silence *time.Timer) error {
	rd := sse.NewReader(body)
	dec := format.NewStreamDecoder(w)
	for {
		ev, err := rd.Next()
		if err != nil {
			if ctx.Err() != nil {
				return p.contextError(ctx)
			}
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				break // Finish tells a finished answer from a cut one
			}
			return apierr.Wrap(apierr.ModelStreamError, p.redact(err), "the answer stream from provider %q broke", p.name)
		}
		silence.Reset(p.timeout)
		if ev.Type == "error" {
			return p.redactAPIErr(format.ErrorFromStreamPayload(ev.Data))
		}
		done, err := dec.Decode(ev.Data)
		if err != nil {
			return p.streamError(err)
		}
		if done {
			break
		}
		if ctx.Err() != nil {
			return p.contextError(ctx)
		}
	}
	return p.streamError(dec.Finish())
}

// readUnary reads a whole chat.completion and replays it as events.
func (p *Provider) readUnary(ctx context.Context, body io.Reader, w canon.EventWriter) error {
	b, err := io.ReadAll(io.LimitReader(body, maxUnaryBody+1))
	if err != nil {
		if ctx.Err() != nil {
			return p.contextError(ctx)
		}
		return apierr.Wrap(apierr.ModelStreamError, p.redact(err), "the answer from provider %q broke off", p.name)
	}
	if len(b) > maxUnaryBody {
		return apierr.New(apierr.ModelError, "the answer from provider %q is larger than %d bytes", p.name, maxUnaryBody)
	}
	resp, err := format.ParseResponse(b)
	if err != nil {
		return p.streamError(err)
	}
	cr, err := format.ResponseToCanon(resp)
	if err != nil {
		return p.streamError(err)
	}
	return p.streamError(canon.Emit(w, cr))
}
