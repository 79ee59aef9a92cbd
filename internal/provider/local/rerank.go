package local

import (
	"context"
	"math"
	"slices"
	"strings"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
)

// RerankModel is the id of the built-in lexical reranker.
//
// It is lexical, not neural: it scores shared words, not meaning, so a
// paraphrase that shares no word with the query scores 0. It is Okapi
// BM25 (Robertson et al., TREC-3, 1994) with the standard parameters
// k1 = 1.2 and b = 0.75, over the request's own documents as the corpus:
//
//   - Query and documents are split into words as basalt-embed does
//     (Words: lower-cased maximal runs of letters and digits; no stemming,
//     no stop words). A JSON document is read as its JSON text, so keys
//     count as words too. max_tokens_per_doc keeps each document's first
//     that many words.
//   - N is the number of documents, n(t) the number containing word t,
//     avgdl their mean length in words.
//   - idf(t) = ln(1 + (N − n(t) + 0.5) / (n(t) + 0.5)), Lucene's
//     BM25Similarity variant of the Robertson–Spärck Jones weight, which
//     is never negative (the classic form goes negative for words in more
//     than half the documents).
//   - BM25(D, Q) = Σ over the distinct words t of Q of
//     idf(t) · tf(t, D) · (k1 + 1) / (tf(t, D) + k1 · (1 − b + b · |D| / avgdl)),
//     the classic form with (k1 + 1) in the numerator (Lucene 8+ drops it,
//     which scales every score alike). A query word repeated counts once.
//
// Bedrock's and Cohere's relevance scores lie in [0, 1], and clients
// threshold on them, so the raw score (unbounded, on a scale that depends
// on the corpus) is not returned. The relevance score is BM25(D, Q)
// divided by its supremum for the query, Σ idf(t) · (k1 + 1) — the score
// of a document holding every query word infinitely often. It is 0 for a
// document sharing no word with the query, grows with every matched word,
// rare words counting most, and stays below 1. Unlike dividing by the best
// score in the request (which always hands some document a perfect 1,
// even one matching a single common word), it says how much of the query
// a document matches, and the order is BM25's own. It is not a
// probability, and it is not comparable with a neural reranker's scores.
//
// InputTokens counts the words of the query and of every document.
const RerankModel = "basalt-rerank"

// BM25 parameters, the customary defaults (also Lucene's and
// Elasticsearch's).
const (
	BM25K1 = 1.2
	BM25B  = 0.75
)

// Rerank scores req's documents with basalt-rerank. Results come in
// document order; the gateway sorts them and applies TopN.
func (p *Provider) Rerank(_ context.Context, req *canon.RerankRequest) (*canon.RerankResponse, error) {
	if req.Model != RerankModel {
		return nil, apierr.Validationf("the local provider reranks only with %q, not %q", RerankModel, req.Model)
	}
	if len(req.AdditionalFields) > 0 {
		keys := make([]string, 0, len(req.AdditionalFields))
		for k := range req.AdditionalFields {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		return nil, apierr.Validationf("%s takes no additional model request fields, got %s", RerankModel, strings.Join(keys, ", "))
	}
	maxWords := 0
	if req.MaxTokensPerDoc != nil {
		if *req.MaxTokensPerDoc < 1 {
			return nil, apierr.Validationf("max_tokens_per_doc must be at least 1, not %d", *req.MaxTokensPerDoc)
		}
		maxWords = *req.MaxTokensPerDoc
	}
	query := Words(req.Query)
	docs := make([][]string, len(req.Documents))
	out := &canon.RerankResponse{Results: make([]canon.RerankResult, len(docs)), InputTokens: len(query)}
	for i, d := range req.Documents {
		w := Words(d)
		if maxWords > 0 && len(w) > maxWords {
			w = w[:maxWords]
		}
		docs[i] = w
		out.InputTokens += len(w)
	}
	for i, s := range Relevance(query, docs) {
		out.Results[i] = canon.RerankResult{Index: i, Score: s}
	}
	return out, nil
}

// BM25 returns the Okapi BM25 score of each document (a list of words)
// for the query words, with the documents as the corpus; see RerankModel.
func BM25(query []string, docs [][]string) []float64 {
	scores, _ := bm25(query, docs)
	return scores
}

// Relevance is BM25 divided by its supremum for the query (see
// RerankModel): a score in [0, 1) per document.
func Relevance(query []string, docs [][]string) []float64 {
	scores, sup := bm25(query, docs)
	for i := range scores {
		if sup > 0 {
			scores[i] /= sup
		} else {
			scores[i] = 0
		}
	}
	return scores
}

// bm25 returns the BM25 scores and their supremum for the query,
// Σ idf(t) · (k1 + 1) over its distinct words.
func bm25(query []string, docs [][]string) ([]float64, float64) {
	scores := make([]float64, len(docs))
	var terms []string
	for _, t := range query {
		if !slices.Contains(terms, t) {
			terms = append(terms, t)
		}
	}
	tfs := make([]map[string]int, len(docs))
	df := make(map[string]int, len(terms))
	var total int
	for i, d := range docs {
		tf := map[string]int{}
		for _, w := range d {
			tf[w]++
		}
		tfs[i] = tf
		total += len(d)
		for _, t := range terms {
			if tf[t] > 0 {
				df[t]++
			}
		}
	}
	n := float64(len(docs))
	idf := make([]float64, len(terms))
	var sup float64
	for j, t := range terms {
		idf[j] = math.Log(1 + (n-float64(df[t])+0.5)/(float64(df[t])+0.5))
		sup += idf[j] * (BM25K1 + 1)
	}
	if total == 0 {
		return scores, sup
	}
	avgdl := float64(total) / n
	for i, d := range docs {
		norm := BM25K1 * (1 - BM25B + BM25B*float64(len(d))/avgdl)
		for j, t := range terms {
			f := float64(tfs[i][t])
			scores[i] += idf[j] * f * (BM25K1 + 1) / (f + norm)
		}
	}
	return scores, sup
}
