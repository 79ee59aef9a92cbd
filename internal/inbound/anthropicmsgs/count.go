package anthropicmsgs

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/format/anthropic"
	"github.com/basalt-gateway/basalt/internal/server"
)

// TokenCounter counts a request's input tokens with the serving model's
// own tokenizer. ok is false when no provider of the model can count (the
// handler then estimates); an unknown model is an *apierr.Error NotFound.
type TokenCounter interface {
	CountTokens(ctx context.Context, req *canon.Request) (n int, ok bool, err error)
}

// CountTokensHandler serves POST /v1/messages/count_tokens: the body is a
// Messages request without max_tokens, the answer {"input_tokens": N}.
// With a nil counter, or one that cannot count for the model, N is
// EstimateTokens's estimate.
func CountTokensHandler(counter TokenCounter, maxBody int64, log *slog.Logger) http.Handler {
	if maxBody <= 0 {
		maxBody = DefaultMaxBody
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, err := countTokens(r, counter, maxBody)
		if err != nil {
			e := apierr.As(err)
			log.InfoContext(r.Context(), "request failed", "request_id", server.RequestID(r.Context()),
				"api", "count_tokens", "kind", e.Kind.String(), "message", e.Message)
			WriteError(w, r, err)
			return
		}
		body := strconv.AppendInt([]byte(`{"input_tokens":`), int64(n), 10)
		body = append(body, '}')
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Content-Length", strconv.Itoa(len(body)))
		if id := server.RequestID(r.Context()); id != "" {
			h.Set("request-id", id)
		}
		_, _ = w.Write(body)
	})
}

func countTokens(r *http.Request, counter TokenCounter, maxBody int64) (int, error) {
	body, err := server.ReadBody(r, maxBody)
	if err != nil {
		return 0, err
	}
	mr, err := anthropic.DecodeCountTokensRequest(body)
	if err != nil {
		return 0, err
	}
	if mr.Stream {
		return 0, apierr.Validationf("stream: Extra inputs are not permitted")
	}
	req, err := anthropic.CountTokensRequestToCanon(mr)
	if err != nil {
		return 0, err
	}
	if counter != nil {
		n, ok, err := counter.CountTokens(r.Context(), req)
		if err != nil {
			return 0, err
		}
		if ok {
			return n, nil
		}
	}
	return EstimateTokens(req), nil
}

// Constants of the estimate.
const (
	charsPerToken    = 4    // English prose and code average about 4 characters per token
	tokensPerMessage = 3    // role and turn markers
	tokensPerImage   = 1600 // Anthropic's cost of an image near its 1.15 megapixel cap
	tokensPerPDFPage = 1500 // text plus the page image Claude also reads
	toolUseOverhead  = 350  // the system prompt Anthropic adds when tools are offered
)

// EstimateTokens estimates a request's input tokens when no tokenizer is
// available: about one token per 4 characters of every text (system,
// messages, tool calls and results, documents, tool names, descriptions
// and schemas), plus 3 per message, 1,600 per image, 1,500 per PDF page
// (pages counted from the PDF's page objects) and 350 when tools are
// offered. It is an estimate, within tens of percent for prose; never less
// than 1.
func EstimateTokens(req *canon.Request) int {
	var chars, fixed int
	var countBlocks func(bs []canon.Block)
	countBlocks = func(bs []canon.Block) {
		for _, b := range bs {
			switch b.Type {
			case canon.BlockText:
				chars += len(b.Text)
			case canon.BlockJSON:
				chars += len(b.JSON)
			case canon.BlockImage:
				fixed += tokensPerImage
			case canon.BlockDocument:
				if d := b.Document; d != nil {
					chars += len(d.Text) + len(d.Context) + len(d.Name)
					if d.Format == "pdf" {
						fixed += tokensPerPDFPage * pdfPages(d.Bytes)
					} else if d.Text == "" {
						chars += len(d.Bytes)
					}
				}
			case canon.BlockToolUse:
				if b.ToolUse != nil {
					chars += len(b.ToolUse.Name) + len(b.ToolUse.Input)
				}
			case canon.BlockToolResult:
				if b.ToolResult != nil {
					countBlocks(b.ToolResult.Content)
				}
			case canon.BlockReasoning:
				if b.Reasoning != nil {
					chars += len(b.Reasoning.Text)
				}
			}
		}
	}
	countBlocks(req.System)
	for _, m := range req.Messages {
		fixed += tokensPerMessage
		countBlocks(m.Content)
	}
	if req.Tools != nil && len(req.Tools.Tools) > 0 {
		fixed += toolUseOverhead
		for _, t := range req.Tools.Tools {
			chars += len(t.Name) + len(t.Description) + len(t.InputSchema)
		}
	}
	return max(1, fixed+(chars+charsPerToken-1)/charsPerToken)
}

// pdfPages counts the page objects of a PDF ("/Type /Page", not
// "/Type /Pages"); at least 1.
func pdfPages(pdf []byte) int {
	n := 0
	for _, sep := range [][]byte{[]byte("/Type /Page"), []byte("/Type/Page")} {
		rest := pdf
		for {
			i := bytes.Index(rest, sep)
			if i < 0 {
				break
			}
			rest = rest[i+len(sep):]
			if len(rest) == 0 || rest[0] != 's' {
				n++
			}
		}
	}
	return max(1, n)
}
