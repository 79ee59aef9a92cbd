// Package rerank is the InvokeModel body dialect of Bedrock's rerank models
// (cohere.rerank-v3-5:0, amazon.rerank-v1:0): request bodies into the
// canonical rerank request and back, and answers into the canonical
// response and back. The two models' bodies differ by two request keys
// and two response keys, so one package serves both, as two Dialects.
// It is pure: no I/O.
//
// Cohere Rerank 3.5 request: {"query": "…", "documents": ["…" | {…}, …],
// "top_n": n, "api_version": 2, "max_tokens_per_doc": n}; answer {"id":
// "…", "results": [{"index": i, "relevance_score": f}, …]}, most relevant
// first. Amazon Rerank 1.0 request: {"query", "documents", "top_n"};
// answer {"results": [{"index", "relevance_score"}]}.
//
// Sources, since Bedrock documents neither body on its own pages:
//
//   - Cohere's keys and api_version: the InvokeModel samples of the
//     OpenSearch "Reranking with Cohere Rerank on Amazon Bedrock" tutorial
//     and Cohere's v2 Rerank API (rerank-v3.5 changelog: max_tokens_per_doc
//     replaces max_chunks_per_doc; rank_fields and return_documents are
//     gone). Bedrock's own error for a body without api_version, quoted in
//     cohere-ai/cohere-python issue #613, is "Malformed input request:
//     #/api_version: 1 is not greater or equal to 2": api_version defaults
//     to 1 and must be at least 2. That wording is reproduced here.
//   - Amazon's keys and its snake_case relevance_score: third-party code
//     calling amazon.rerank-v1:0 through InvokeModel (no AWS page shows
//     the body). The agent runtime's Rerank API, whose camelCase
//     relevanceScore is documented, is internal/inbound/rerank.
//   - Limits: at most 1000 documents (the agent runtime Rerank API's
//     documented source limit, which fronts the same models); top_n and
//     max_tokens_per_doc at least 1.
//
// Decisions where the sources are silent:
//
//   - Keys beyond those above are refused ("extraneous key"), as Bedrock's
//     schema validator does for the other native bodies; Cohere's v1
//     rank_fields and return_documents are therefore refused too.
//   - A document may be a string or a JSON object in both dialects; an
//     object is kept as its compact JSON text (canon.RerankRequest), and
//     sent upstream as that string, which is what Cohere's v2 API asks of
//     structured data.
//   - The Cohere answer carries no "meta": its token counts and billed
//     units would be invented here (Cohere's SDK for Bedrock fills meta from
//     the X-Amzn-Bedrock-*-Token-Count headers anyway).
package rerank

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/format/nativejson"
)

// Dialect is one model family's body.
type Dialect uint8

const (
	Cohere Dialect = iota + 1
	Amazon
)

func (d Dialect) String() string {
	switch d {
	case Cohere:
		return "cohere"
	case Amazon:
		return "amazon"
	}
	return "Dialect(" + strconv.Itoa(int(d)) + ")"
}

// MaxDocuments is the most documents one call may rank.
const MaxDocuments = 1000

// APIVersion is the Cohere rerank API version Bedrock's Rerank 3.5 needs.
const APIVersion = 2

// Request is a decoded rerank body.
type Request struct {
	Dialect Dialect
	Query   string
	// Documents are the texts to rank; an object document is its compact
	// JSON text.
	Documents       []string
	TopN            *int
	MaxTokensPerDoc *int
	// APIVersion is Cohere's api_version (0 for Amazon).
	APIVersion int
}

// DecodeRequest validates a rerank body of dialect d. Every problem is a
// Validation error starting "Malformed input request:" that names the bad
// keys.
func DecodeRequest(d Dialect, body []byte) (*Request, error) {
	var problems []string
	allowed := []string{"query", "documents", "top_n"}
	if d == Cohere {
		allowed = append(allowed, "api_version", "max_tokens_per_doc")
	}
	top, ok := nativejson.ParseObject("#", body, &problems, allowed...)
	if !ok {
		return nil, nativejson.Malformed(problems)
	}
	r := &Request{Dialect: d}
	if top.Require("query") {
		if s, ok := top.Str("query"); ok {
			if s == "" {
				top.Fail("query", "expected minLength: 1, actual: 0")
			}
			r.Query = s
		}
	}
	if top.Require("documents") {
		r.Documents = documents(top)
	}
	r.TopN = atLeast(top, "top_n", 1)
	if d == Cohere {
		r.MaxTokensPerDoc = atLeast(top, "max_tokens_per_doc", 1)
		r.APIVersion = 1 // Bedrock's default, which it then refuses
		valid := true
		if top.Get("api_version") != nil {
			v := top.Integer("api_version", math.MinInt32, math.MaxInt32)
			if valid = v != nil; valid {
				r.APIVersion = *v
			}
		}
		if valid && r.APIVersion < APIVersion {
			top.Fail("api_version", strconv.Itoa(r.APIVersion)+" is not greater or equal to "+strconv.Itoa(APIVersion))
		}
	}
	if len(problems) > 0 {
		return nil, nativejson.Malformed(problems)
	}
	return r, nil
}

// documents reads the documents array: strings or objects, 1 to
// MaxDocuments of them.
func documents(top *nativejson.Object) []string {
	var items []json.RawMessage
	if json.Unmarshal(top.Get("documents"), &items) != nil || nativejson.Kind(top.Get("documents")) != "JSONArray" {
		top.WrongType("documents", "JSONArray")
		return nil
	}
	switch {
	case len(items) == 0:
		top.Fail("documents", "expected minimum item count: 1, found: 0")
		return nil
	case len(items) > MaxDocuments:
		top.Fail("documents", "expected maximum item count: "+strconv.Itoa(MaxDocuments)+", found: "+strconv.Itoa(len(items)))
		return nil
	}
	out := make([]string, len(items))
	for i, it := range items {
		path := top.Sub("documents") + "/" + strconv.Itoa(i)
		switch nativejson.Kind(it) {
		case "String":
			_ = json.Unmarshal(it, &out[i])
			if out[i] == "" {
				top.Problem(path + ": expected minLength: 1, actual: 0")
			}
		case "JSONObject":
			var b bytes.Buffer
			_ = json.Compact(&b, it)
			out[i] = b.String()
		default:
			top.Problem(path + ": expected type: String or JSONObject, found: " + nativejson.Kind(it))
		}
	}
	return out
}

// atLeast reads an optional integer member of at least lo, in the
// validator's words for a minimum.
func atLeast(top *nativejson.Object, k string, lo int) *int {
	v := top.Integer(k, math.MinInt32, math.MaxInt32)
	if v != nil && *v < lo {
		top.Fail(k, strconv.Itoa(*v)+" is not greater or equal to "+strconv.Itoa(lo))
		return nil
	}
	return v
}

// Canon is the canonical rerank request for model.
func (r *Request) Canon(model string) *canon.RerankRequest {
	return &canon.RerankRequest{Model: model, Query: r.Query, Documents: append([]string(nil), r.Documents...),
		TopN: r.TopN, MaxTokensPerDoc: r.MaxTokensPerDoc}
}

// Result is one scored document of an answer body.
type Result struct {
	Index          int     `json:"index"`
	RelevanceScore float64 `json:"relevance_score"`
}

// CohereResponse is Cohere Rerank's answer body.
type CohereResponse struct {
	ID      string   `json:"id"`
	Results []Result `json:"results"`
}

// AmazonResponse is Amazon Rerank's answer body.
type AmazonResponse struct {
	Results []Result `json:"results"`
}

// ResponseFromCanon builds the answer to r (id is the Cohere answer's id,
// the request id) from the ranked results.
func (r *Request) ResponseFromCanon(id string, resp *canon.RerankResponse) any {
	results := make([]Result, len(resp.Results))
	for i, x := range resp.Results {
		results[i] = Result{Index: x.Index, RelevanceScore: x.Score}
	}
	if r.Dialect == Amazon {
		return &AmazonResponse{Results: results}
	}
	return &CohereResponse{ID: id, Results: results}
}

// EncodeRequest is the body of dialect d asking for req, for a provider
// calling a Bedrock rerank model. Object documents go as their JSON text.
// A field the dialect has no place for (max_tokens_per_doc on Amazon
// Rerank) and additional fields naming a key the body sets are
// Validation errors.
func EncodeRequest(d Dialect, req *canon.RerankRequest) ([]byte, error) {
	body := map[string]any{"query": req.Query, "documents": req.Documents}
	if req.TopN != nil {
		body["top_n"] = *req.TopN
	}
	switch d {
	case Cohere:
		body["api_version"] = APIVersion
		if req.MaxTokensPerDoc != nil {
			body["max_tokens_per_doc"] = *req.MaxTokensPerDoc
		}
	case Amazon:
		if req.MaxTokensPerDoc != nil {
			return nil, apierr.Validationf("Amazon Rerank takes no max_tokens_per_doc")
		}
	default:
		return nil, apierr.Validationf("unknown rerank body dialect %v", d)
	}
	for k, v := range req.AdditionalFields {
		if _, taken := body[k]; taken || k == "max_tokens_per_doc" {
			return nil, apierr.Validationf("additional model request field %q is set by the rerank request itself", k)
		}
		body[k] = v
	}
	return json.Marshal(body)
}

// DecodeResponse reads an answer body of either dialect into the canonical
// response, in the order given. Its errors are plain: the caller knows
// which upstream sent the body.
func DecodeResponse(body []byte) (*canon.RerankResponse, error) {
	var in struct {
		Results *[]struct {
			Index          *int     `json:"index"`
			RelevanceScore *float64 `json:"relevance_score"`
		} `json:"results"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, err
	}
	if in.Results == nil {
		return nil, errMissing("results")
	}
	out := &canon.RerankResponse{Results: make([]canon.RerankResult, len(*in.Results))}
	for i, x := range *in.Results {
		if x.Index == nil || x.RelevanceScore == nil {
			return nil, errMissing("results[" + strconv.Itoa(i) + "].index or relevance_score")
		}
		out.Results[i] = canon.RerankResult{Index: *x.Index, Score: *x.RelevanceScore}
	}
	return out, nil
}

type errMissing string

func (e errMissing) Error() string { return "the answer has no " + string(e) }

// MarshalText names the dialect in logs and test output.
func (d Dialect) MarshalText() ([]byte, error) { return []byte(d.String()), nil }
