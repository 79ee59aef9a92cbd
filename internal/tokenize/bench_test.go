package tokenize

import (
	"strings"
	"testing"

	"github.com/basalt-gateway/basalt/internal/canon"
)

// prose is about 1 KiB of English.
var prose = strings.Repeat("The gateway decodes every inbound shape into canonical types, routes it to a provider, and falls back on errors. ", 9)

// BenchmarkBPE is the tokenizer's throughput on prose (SetBytes: MB/s).
func BenchmarkBPE(b *testing.B) {
	for _, enc := range []string{O200kBase, Cl100kBase} {
		b.Run(enc, func(b *testing.B) {
			c := codecFor(enc) // loaded outside the timer
			b.SetBytes(int64(len(prose)))
			for b.Loop() {
				// A fresh counter each time: one keeps its byte budget.
				(&bpe{c: c}).count(prose)
			}
		})
	}
}

// BenchmarkRequest counts a ten-turn conversation for an OpenAI model (the
// format/openai conversion included) and, for comparison, the estimate.
func BenchmarkRequest(b *testing.B) {
	req := &canon.Request{System: []canon.Block{canon.TextBlock("You are a helpful assistant.")}}
	for i := range 10 {
		role := canon.RoleUser
		if i%2 == 1 {
			role = canon.RoleAssistant
		}
		req.Messages = append(req.Messages, canon.Message{Role: role, Content: []canon.Block{canon.TextBlock(prose)}})
	}
	for _, model := range []string{"gpt-4o", "anthropic.claude-sonnet-4-20250514-v1:0"} {
		b.Run(model, func(b *testing.B) {
			r := *req
			r.Model = model
			Request(&r)
			b.ReportAllocs()
			for b.Loop() {
				Request(&r)
			}
		})
	}
}
