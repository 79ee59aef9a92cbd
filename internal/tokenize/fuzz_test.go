package tokenize

import (
	"strings"
	"testing"
)

// FuzzChunkedCount checks the claim chunking rests on: where nextCut says
// a cut is exact, counting chunk by chunk gives the codec's count of the
// whole text, for both encodings.
func FuzzChunkedCount(f *testing.F) {
	f.Add(mixedText()[:400])
	f.Add(strings.Repeat("it's 12345. ", 20))
	f.Add(strings.Repeat("お誕生日おめでとう。", 10))
	f.Add(strings.Repeat("Ünïcödé, ßtraße! ", 10))
	f.Add(strings.Repeat("a\u0301b\u0302 ", 30))
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 2000 {
			s = s[:2000]
		}
		for _, enc := range []string{O200kBase, Cl100kBase} {
			k := &bpe{c: codecFor(enc)}
			// Chunks of at most 16 bytes put cuts everywhere nextCut allows.
			got := 0
			for rest := s; len(rest) > 0; {
				cut, exact := nextCutMax(rest, 16)
				if !exact {
					return
				}
				got += k.countChunk(rest[:cut])
				rest = rest[cut:]
			}
			if want, _ := codecFor(enc).Count(s); got != want {
				t.Fatalf("%s: chunked %d, whole %d for %q", enc, got, want, s)
			}
		}
	})
}
