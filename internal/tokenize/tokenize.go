// Package tokenize counts the input tokens of a canonical request the way
// the serving model would bill them, for the CountTokens surfaces
// (Bedrock's POST /model/{modelId}/count-tokens and Anthropic's
// /v1/messages/count_tokens) when no provider counts for us.
//
// Where the model's tokenizer is public and embeddable the count is real:
// OpenAI's models use the BPE encodings o200k_base (gpt-4o, gpt-4.1, gpt-4.5,
// gpt-5, the o-series, and gpt-oss, whose o200k_harmony is o200k_base plus
// special tokens for its chat framing, so text encodes identically) and
// cl100k_base (gpt-4, gpt-3.5-turbo, text-embedding-3-*, ada-002). The
// request is first turned into the Chat Completions body the openai
// provider would send (format/openai), and that body is counted with the
// rule of OpenAI's cookbook "How to count tokens with tiktoken": 3 tokens per
// message, plus its role and content, 1 more for a name, and 3 priming the
// reply; OpenAI checked it against the API's prompt_tokens (129 cl100k and
// 124 o200k tokens for the cookbook's example, both asserted in the tests).
// Tool definitions follow the same cookbook's num_tokens_for_tools rule;
// images the tile rule of OpenAI's vision pricing (85 + 170 per 512-pixel
// tile); PDFs 1,500 tokens a page. Those parts are estimates and Count says
// how much of the total they are.
//
// Every other family (Claude, Nova, Llama, Mistral, Cohere, …) has no
// embeddable tokenizer, and gets Estimate: about 4 characters a token.
package tokenize

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/tiktoken-go/tokenizer"
	"github.com/tiktoken-go/tokenizer/codec"

	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/format/openai"
)

// BPE encodings this package embeds.
const (
	O200kBase  = "o200k_base"
	Cl100kBase = "cl100k_base"
)

// Count is a request's input token count and how it was reached.
type Count struct {
	Tokens int
	// Encoding is the BPE that counted the text; empty when the whole count
	// is Estimate's.
	Encoding string
	// Estimated is the part of Tokens that comes from rules, not the
	// tokenizer: tool definitions, tool calls and results (whose framing
	// OpenAI does not document), images, files; all of Tokens when Encoding
	// is empty.
	Estimated int
	// Exact says the count is the tokenizer's over plain text with the
	// documented chat framing: nothing was estimated or left out (audio
	// is not counted at all).
	Exact bool
}

// The codecs are built on first use, once. Their vocabularies are maps of
// 200k and 100k entries, built from tables compiled into the binary: about
// 12 and 6 MB of resident memory and 40 and 20 ms on first use (measured
// on the development machine), which a gateway that never counts OpenAI
// tokens should not pay at start. These OnceValues are the package's only
// state: set once, read-only afterwards, and safe for concurrent use, as
// the codecs are (their vocabularies are never written after construction
// and regexp2 pools its matchers).
var (
	o200k  = sync.OnceValue(func() tokenizer.Codec { return codec.NewO200kBase() })
	cl100k = sync.OnceValue(func() tokenizer.Codec { return codec.NewCl100kBase() })
)

func codecFor(encoding string) tokenizer.Codec {
	switch encoding {
	case O200kBase:
		return o200k()
	case Cl100kBase:
		return cl100k()
	}
	return nil
}

// EncodingFor returns the BPE encoding of the model a name or id denotes,
// or "" when its tokenizer is not one this package has. It reads OpenAI's
// own names ("gpt-4o-mini", "ft:gpt-4.1:…", "o3"), Bedrock ids, profiles
// and ARNs ("us.openai.gpt-oss-120b-1:0") and provider-prefixed names
// ("openai/gpt-oss-20b").
func EncodingFor(model string) string {
	m := strings.ToLower(model)
	if i := strings.LastIndexByte(m, '/'); i >= 0 {
		m = m[i+1:]
	}
	m = strings.TrimPrefix(m, "ft:")
	if i := strings.Index(m, "openai."); i >= 0 {
		m = m[i+len("openai."):]
	}
	for _, p := range o200kPrefixes {
		if m == p || strings.HasPrefix(m, p+"-") || strings.HasPrefix(m, p+".") || strings.HasPrefix(m, p+":") {
			return O200kBase
		}
	}
	for _, p := range []string{"gpt-4", "gpt-3.5", "gpt-35", "text-embedding-3", "text-embedding-ada-002"} {
		if strings.HasPrefix(m, p) {
			return Cl100kBase
		}
	}
	return ""
}

// o200kPrefixes are the model names (each alone or followed by -, . or :)
// that use o200k_base, as tiktoken's model table says; they are checked
// before cl100k's "gpt-4" prefix, which would also match gpt-4o and gpt-4.1.
var o200kPrefixes = []string{
	"gpt-oss", "gpt-5", "gpt-4.5", "gpt-4.1", "gpt-4o", "chatgpt-4o", "o1", "o3", "o4",
}

// Request counts req's input tokens for the model named by req.Model: with
// its BPE and the chat rule where EncodingFor knows it, else Estimate.
func Request(req *canon.Request) Count {
	enc := EncodingFor(req.Model)
	if enc == "" {
		return estimated(Estimate(req))
	}
	body, err := openai.RequestFromCanon(req, openai.RequestOptions{})
	if err != nil {
		// The openai provider could not send this request either (an S3
		// image, say); an estimate beats refusing to count.
		return estimated(Estimate(req))
	}
	return countChat(codecFor(enc), enc, body)
}

// Texts counts the tokens of an embedding request's inputs for model: the
// sum of their BPE tokens where EncodingFor knows the model (OpenAI's
// embeddings bill exactly that), else about one token per 4 characters.
func Texts(model string, texts []string) Count {
	enc := EncodingFor(model)
	if enc == "" {
		chars := 0
		for _, t := range texts {
			chars += len(t)
		}
		return estimated(max(1, (chars+charsPerToken-1)/charsPerToken))
	}
	k := &bpe{c: codecFor(enc)}
	n := 0
	for _, t := range texts {
		n += k.count(t)
	}
	return Count{Tokens: n, Encoding: enc, Exact: !k.forced}
}

func estimated(n int) Count { return Count{Tokens: n, Estimated: n} }

// bpe counts text with a codec, in chunks. The codec's pre-tokenizing
// regexp costs time quadratic in the length of a whitespace run (a
// megabyte of " \n" takes hours) and grows with the text after a match,
// so no text reaches it in chunks longer than maxChunk bytes or with
// whitespace runs longer than maxSpaceRun. Most cuts fall where both
// encodings' regexps split anyway, between a letter or digit and a space
// or punctuation mark other than an apostrophe, and change nothing; a cut
// elsewhere (maxChunk bytes without such a place, a long whitespace run)
// may shift a token or two, and sets forced.
//
// Past maxExact bytes in one request the rest is estimated (and forced
// set): more text than any OpenAI model's context window holds, which
// would otherwise cost seconds of CPU a request.
type bpe struct {
	c      tokenizer.Codec
	forced bool
	used   int
}

const (
	maxChunk    = 1024
	maxSpaceRun = 64
	maxExact    = 8 << 20
)

func (k *bpe) count(s string) int {
	n := 0
	if left := maxExact - k.used; len(s) > left {
		rest := s[max(left, 0):]
		s = s[:max(left, 0)]
		n = (len(rest) + charsPerToken - 1) / charsPerToken
		k.forced = true
	}
	k.used += len(s)
	for len(s) > 0 {
		cut, exact := nextCut(s)
		n += k.countChunk(s[:cut])
		if !exact {
			k.forced = true
		}
		s = s[cut:]
	}
	return n
}

// countChunk counts one chunk. The codec fails only on invalid UTF-8 in
// its strict mode, which is not the mode it is built with.
func (k *bpe) countChunk(s string) int {
	n, err := k.c.Count(s)
	if err != nil {
		k.forced = true
		return (len(s) + charsPerToken - 1) / charsPerToken
	}
	return n
}

// nextCut returns where the next chunk of s ends, and whether the
// tokenizer splits there anyway (see bpe).
func nextCut(s string) (cut int, exact bool) { return nextCutMax(s, maxChunk) }

func nextCutMax(s string, maxChunk int) (cut int, exact bool) {
	last, run := 0, 0
	var prev rune
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if i > 0 && splitsBefore(prev, r) {
			last = i
		}
		if unicode.IsSpace(r) {
			if run++; run > maxSpaceRun {
				return i, false
			}
		} else {
			run = 0
		}
		if i+size > maxChunk {
			if last > 0 {
				return last, true
			}
			return max(i, size), false
		}
		prev = r
		i += size
	}
	return len(s), true
}

// splitsBefore reports whether the regexps of o200k_base and cl100k_base
// always end a piece between prev and r: no piece holds a letter or digit
// followed by anything but a letter, digit, combining mark, or the
// apostrophe of a contraction ("it's" is one o200k piece); and no piece
// looks behind where it starts.
func splitsBefore(prev, r rune) bool {
	return (unicode.IsLetter(prev) || unicode.IsNumber(prev)) &&
		!unicode.IsLetter(r) && !unicode.IsNumber(r) && !unicode.IsMark(r) && r != '\''
}
