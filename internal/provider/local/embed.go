package local

import (
	"context"
	"hash/fnv"
	"math"
	"strings"
	"unicode"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
)

// EmbedModel is the id of the built-in lexical embedding model.
//
// It is a lexical embedding model, not a neural one: it captures
// shared words, word pairs and spelling, not meaning, so paraphrases that
// share no words score low. It is the feature-hashing ("hashing trick")
// vectoriser of Weinberger et al. (2009):
//
//   - Text is lower-cased and split into words: maximal runs of letters and
//     digits.
//   - Features are each word ("w:word"), each pair of adjacent words
//     ("b:word word") and each character 3-gram of each word padded with a
//     space on either side ("c: wo", "c:wor", …), so inflections and typos
//     still overlap.
//   - Each distinct feature's weight is 1+ln(tf) (sublinear term frequency),
//     halved for character 3-grams so whole words dominate. There is no
//     IDF factor: an embedding is computed from one text, with no corpus to
//     weigh it against.
//   - Each feature's FNV-1a 64-bit hash picks the slot (hash mod 1024) and the sign
//     (the top bit), so collisions cancel in expectation.
//   - A shorter vector (dimensions 256 or 512) folds the 1024 slots onto
//     slot mod dimensions, which equals hashing into that many slots.
//   - The vector is L2-normalised, so cosine similarity is the dot product.
//     A text without words is the zero vector.
//
// The result is deterministic across runs, machines and versions of Go.
// InputTokens counts words. The model is symmetric, so a request's purpose
// (query, document, …) does not change a vector, and it reads any length,
// so a truncation mode never applies.
const EmbedModel = "basalt-embed"

// EmbedDims is basalt-embed's full vector length; EmbedDimensions lists the
// lengths a request may ask for.
const EmbedDims = 1024

// EmbedDimensions are the vector lengths basalt-embed serves.
var EmbedDimensions = []int{256, 512, 1024}

// Embed computes basalt-embed vectors.
func (p *Provider) Embed(_ context.Context, req *canon.EmbedRequest) (*canon.EmbedResponse, error) {
	if req.Model != EmbedModel {
		return nil, apierr.Validationf("the local provider embeds only with %q, not %q", EmbedModel, req.Model)
	}
	dims := EmbedDims
	if req.Dimensions != nil {
		dims = *req.Dimensions
		if dims != 256 && dims != 512 && dims != 1024 {
			return nil, apierr.Validationf("%s supports dimensions 256, 512 or 1024, not %d", EmbedModel, dims)
		}
	}
	out := &canon.EmbedResponse{Embeddings: make([][]float32, len(req.Inputs))}
	for i, s := range req.Inputs {
		v, n := Embedding(s, dims)
		out.Embeddings[i] = v
		out.InputTokens += n
	}
	return out, nil
}

// Embedding returns the basalt-embed vector of text with dims dimensions
// (256, 512 or 1024; anything else is treated as 1024) and its word count.
func Embedding(text string, dims int) ([]float32, int) {
	if dims != 256 && dims != 512 {
		dims = EmbedDims
	}
	words := Words(text)
	tf := make(map[string]int)
	for i, w := range words {
		tf["w:"+w]++
		if i > 0 {
			tf["b:"+words[i-1]+" "+w]++
		}
		r := []rune(" " + w + " ")
		for j := 0; j+3 <= len(r); j++ {
			tf["c:"+string(r[j:j+3])]++
		}
	}
	full := make([]float64, EmbedDims)
	for f, n := range tf {
		wt := 1 + math.Log(float64(n))
		if strings.HasPrefix(f, "c:") {
			wt *= 0.5
		}
		h := fnv.New64a()
		_, _ = h.Write([]byte(f))
		x := h.Sum64()
		if x>>63 == 1 {
			wt = -wt
		}
		full[x%EmbedDims] += wt
	}
	folded := make([]float64, dims)
	for i, x := range full {
		folded[i%dims] += x
	}
	var norm float64
	for _, x := range folded {
		norm += x * x
	}
	norm = math.Sqrt(norm)
	v := make([]float32, dims)
	if norm > 0 {
		for i, x := range folded {
			v[i] = float32(x / norm)
		}
	}
	return v, len(words)
}

// Words splits text into lower-cased runs of letters and digits, the
// tokens of the local lexical models.
func Words(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsNumber(r)
	})
}
