package fakeupstream

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"unicode"
)

// FakeRerankScore is the relevance the fake gives document for query: the
// fraction of the query's distinct words (lower-cased runs of letters and
// digits) that occur in the document, so tests can predict both scores
// and order.
func FakeRerankScore(query, document string) float64 {
	split := func(s string) []string {
		return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) })
	}
	inDoc := map[string]bool{}
	for _, w := range split(document) {
		inDoc[w] = true
	}
	seen := map[string]bool{}
	var hit, n int
	for _, w := range split(query) {
		if seen[w] {
			continue
		}
		seen[w] = true
		n++
		if inDoc[w] {
			hit++
		}
	}
	if n == 0 {
		return 0
	}
	return float64(hit) / float64(n)
}

// serveRerank answers POST /v1/rerank as vLLM's and llama.cpp's
// Cohere/Jina-compatible endpoint does: {"model", "query", "documents":
// [strings], "top_n"?} → {"id", "model", "results": [{"index",
// "document": {"text"}, "relevance_score"}], "usage": {"total_tokens"}},
// most relevant first (ties in document order), scored by FakeRerankScore,
// usage counting one token per byte of query and documents. Malformed
// requests get a 400 in OpenAI's error shape; the API key is checked as
// for chat completions and every request is recorded. A Fail or Raw answer
// at the head of the script answers the next rerank call instead; Reply
// steps are left to chat completions.
func (f *OpenAI) serveRerank(w http.ResponseWriter, r *http.Request) {
	body, n, ok := f.beginUnary(w, r)
	if !ok {
		return
	}
	var in struct {
		Model     string          `json:"model"`
		Query     *string         `json:"query"`
		Documents json.RawMessage `json:"documents"`
		TopN      *int            `json:"top_n"`
	}
	if !decodeBody(w, body, &in) {
		return
	}
	var docs []string
	switch {
	case in.Model == "":
		oaiInvalid(w, OpenAIError{Message: "you must provide a model parameter", Param: "model"})
		return
	case in.Query == nil:
		oaiInvalid(w, OpenAIError{Message: "'query' is a required property", Param: "query"})
		return
	case json.Unmarshal(in.Documents, &docs) != nil || len(docs) == 0:
		oaiInvalid(w, OpenAIError{Message: "'documents' must be a non-empty array of strings", Param: "documents"})
		return
	case in.TopN != nil && *in.TopN < 1:
		oaiInvalid(w, OpenAIError{Message: "'top_n' must be at least 1", Param: "top_n"})
		return
	}
	type result struct {
		Index    int `json:"index"`
		Document struct {
			Text string `json:"text"`
		} `json:"document"`
		RelevanceScore float64 `json:"relevance_score"`
	}
	out := struct {
		ID      string   `json:"id"`
		Model   string   `json:"model"`
		Results []result `json:"results"`
		Usage   struct {
			TotalTokens int `json:"total_tokens"`
		} `json:"usage"`
	}{ID: fmt.Sprintf("rerank-fake%d", n), Model: in.Model}
	out.Usage.TotalTokens = len(*in.Query)
	for i, d := range docs {
		res := result{Index: i, RelevanceScore: FakeRerankScore(*in.Query, d)}
		res.Document.Text = d
		out.Results = append(out.Results, res)
		out.Usage.TotalTokens += len(d)
	}
	sort.SliceStable(out.Results, func(a, b int) bool { return out.Results[a].RelevanceScore > out.Results[b].RelevanceScore })
	if in.TopN != nil && *in.TopN < len(out.Results) {
		out.Results = out.Results[:*in.TopN]
	}
	oaiWriteJSON(w, out)
}
