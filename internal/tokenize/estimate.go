package tokenize

import (
	"bytes"

	"github.com/basalt-gateway/basalt/internal/canon"
)

// Constants of the estimate.
const (
	charsPerToken    = 4    // English prose and code average about 4 characters per token
	tokensPerMessage = 3    // role and turn markers
	tokensPerImage   = 1600 // Anthropic's cost of an image near its 1.15 megapixel cap
	tokensPerPDFPage = 1500 // text plus the page image Claude also reads
	toolUseOverhead  = 350  // the system prompt Anthropic adds when tools are offered
)

// Estimate estimates a request's input tokens when no tokenizer is
// available: about one token per 4 characters of every text (system,
// messages, tool calls and results, documents, tool names, descriptions
// and schemas), plus 3 per message, 1,600 per image, 1,500 per PDF page
// (pages counted from the PDF's page objects) and 350 when tools are
// offered. It is an estimate, within tens of percent for prose; never less
// than 1.
func Estimate(req *canon.Request) int {
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
