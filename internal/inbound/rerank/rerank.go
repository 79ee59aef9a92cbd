// Package rerank is the inbound Rerank operation of Bedrock's agent runtime
// (bedrock-agent-runtime, POST /rerank), as the aws-sdk-go-v2
// bedrockagentruntime client and its siblings call it: one text query, up
// to 1000 inline text or JSON documents, and a reranking configuration
// naming the model by ARN. The request becomes a canonical rerank request
// answered by any provider that reranks, whatever model family it is.
//
// Wire details follow the SDK's serializers and validators and the API
// reference: queries has exactly one {type: "TEXT", textQuery: {text}};
// sources has 1 to 1000 {type: "INLINE", inlineDocumentSource: {type:
// "TEXT", textDocument: {text}} | {type: "JSON", jsonDocument: …}}; text
// is 1 to 32,000 characters; rerankingConfiguration is {type:
// "BEDROCK_RERANKING_MODEL", bedrockRerankingConfiguration:
// {numberOfResults (1 to 1000), modelConfiguration: {modelArn (1 to 2048
// characters), additionalModelRequestFields}}}. The answer is {"results":
// [{"index", "relevanceScore", "document"}]}, most relevant first.
//
// Decisions:
//
//   - modelArn may be a foundation-model ARN
//     (arn:aws:bedrock:<region>::foundation-model/<id>, resolved as <id>,
//     also for Basalt's own models such as basalt-rerank), a plain model id
//     or any other id the gateway routes (profile ids, other ARNs) as is.
//   - A JSON document is ranked as its compact JSON text.
//   - additionalModelRequestFields["max_tokens_per_doc"] (Cohere's
//     truncation) becomes the canonical MaxTokensPerDoc; other fields are
//     passed to the provider, which refuses those it cannot honour.
//   - Each result carries its document, as the response shape allows, so
//     clients need not map indexes back.
//   - Every result fits one response, so no nextToken is ever issued and a
//     request carrying one is refused.
//   - Unknown members are ignored, as AWS's JSON protocols do for forward
//     compatibility; constraint violations are ValidationExceptions worded
//     like AWS's ("1 validation error detected: Value … at '…' failed to
//     satisfy constraint: …"), naming every bad field.
package rerank

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/inbound/converse"
	"github.com/basalt-gateway/basalt/internal/server"
)

// Limits from the Rerank API reference.
const (
	MaxSources      = 1000
	MaxTextChars    = 32_000
	MaxResults      = 1000
	MaxModelARNLen  = 2048
	MaxNextTokenLen = 2048
	MaxFieldKeyLen  = 100
)

// DefaultMaxBody admits 1000 documents of 32,000 characters with room for
// JSON escaping.
const DefaultMaxBody = 100 << 20

// Reranker is the gateway capability this operation needs.
type Reranker interface {
	Rerank(ctx context.Context, req *canon.RerankRequest) (*canon.RerankResponse, error)
}

// Handler serves POST /rerank through gw; maxBody 0 means DefaultMaxBody.
func Handler(gw Reranker, maxBody int64) http.Handler {
	if maxBody <= 0 {
		maxBody = DefaultMaxBody
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := server.ReadBody(r, maxBody)
		if err != nil {
			converse.WriteError(w, err)
			return
		}
		req, docs, err := DecodeRequest(body)
		if err != nil {
			converse.WriteError(w, err)
			return
		}
		resp, err := gw.Rerank(r.Context(), req)
		if err != nil {
			converse.WriteError(w, err)
			return
		}
		out := Response{Results: make([]Result, len(resp.Results))}
		for i, x := range resp.Results {
			if x.Index < 0 || x.Index >= len(docs) {
				converse.WriteError(w, apierr.New(apierr.ModelError, "the model answered with a result index %d for %d sources", x.Index, len(docs)))
				return
			}
			out.Results[i] = Result{Index: x.Index, RelevanceScore: x.Score, Document: docs[x.Index]}
		}
		b, err := json.Marshal(out)
		if err != nil {
			converse.WriteError(w, apierr.Wrap(apierr.Internal, err, "the answer could not be encoded"))
			return
		}
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Content-Length", strconv.Itoa(len(b)))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(b)
	})
}

// Document is a RerankDocument: a text or a JSON document.
type Document struct {
	Type         string          `json:"type"`
	TextDocument *TextDocument   `json:"textDocument,omitempty"`
	JSONDocument json.RawMessage `json:"jsonDocument,omitempty"`
}

// TextDocument is a RerankTextDocument.
type TextDocument struct {
	Text *string `json:"text"`
}

// Result is a RerankResult.
type Result struct {
	Index          int       `json:"index"`
	RelevanceScore float64   `json:"relevanceScore"`
	Document       *Document `json:"document,omitempty"`
}

// Response is the RerankResponse body.
type Response struct {
	Results   []Result `json:"results"`
	NextToken *string  `json:"nextToken,omitempty"`
}

// request is the RerankRequest body; pointers tell absent from empty.
type request struct {
	NextToken *string `json:"nextToken"`
	Queries   *[]struct {
		Type      *string       `json:"type"`
		TextQuery *TextDocument `json:"textQuery"`
	} `json:"queries"`
	Sources *[]struct {
		Type                 *string `json:"type"`
		InlineDocumentSource *struct {
			Type         *string         `json:"type"`
			TextDocument *TextDocument   `json:"textDocument"`
			JSONDocument json.RawMessage `json:"jsonDocument"`
		} `json:"inlineDocumentSource"`
	} `json:"sources"`
	RerankingConfiguration *struct {
		Type                          *string `json:"type"`
		BedrockRerankingConfiguration *struct {
			NumberOfResults    *int `json:"numberOfResults"`
			ModelConfiguration *struct {
				ModelArn                     *string                    `json:"modelArn"`
				AdditionalModelRequestFields map[string]json.RawMessage `json:"additionalModelRequestFields"`
			} `json:"modelConfiguration"`
		} `json:"bedrockRerankingConfiguration"`
	} `json:"rerankingConfiguration"`
}

// problems collects constraint violations in AWS's words.
type problems []string

func (p *problems) null(path string) {
	*p = append(*p, "Value null at '"+path+"' failed to satisfy constraint: Member must not be null")
}

func (p *problems) add(value, path, constraint string) {
	*p = append(*p, "Value "+value+" at '"+path+"' failed to satisfy constraint: "+constraint)
}

func (p *problems) enum(v *string, path string, allowed ...string) bool {
	if v == nil {
		p.null(path)
		return false
	}
	for _, a := range allowed {
		if *v == a {
			return true
		}
	}
	p.add(quote(*v), path, "Member must satisfy enum value set: ["+strings.Join(allowed, ", ")+"]")
	return false
}

func (p *problems) length(s, path string, lo, hi int) {
	if n := utf8.RuneCountInString(s); n < lo || n > hi {
		p.add(quote(s), path, fmt.Sprintf("Member must have length between %d and %d", lo, hi))
	}
}

func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	noun := "errors"
	if len(p) == 1 {
		noun = "error"
	}
	return apierr.Validationf("%d validation %s detected: %s", len(p), noun, strings.Join(p, "; "))
}

// quote renders a value as AWS's messages do, cut short.
func quote(s string) string {
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	return "'" + s + "'"
}

// DecodeRequest validates a Rerank body and returns the canonical request
// and, per source, the document to echo in its result.
func DecodeRequest(body []byte) (*canon.RerankRequest, []*Document, error) {
	var in request
	if err := json.Unmarshal(bytes.TrimSpace(body), &in); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return nil, nil, apierr.Validationf("1 validation error detected: Value at '%s' failed to satisfy constraint: Member must be of type %s, not a JSON %s", te.Field, jsonType(te.Type.Kind().String()), te.Value)
		}
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, nil, apierr.Validationf("the request body is not valid JSON (at byte %d)", se.Offset)
		}
		return nil, nil, apierr.Validationf("the request body is not a JSON object")
	}
	var p problems
	out := &canon.RerankRequest{}

	if in.NextToken != nil {
		p.length(*in.NextToken, "nextToken", 1, MaxNextTokenLen)
		p.add(quote(*in.NextToken), "nextToken", "Member must be a token this gateway issued (it answers every result at once and issues none)")
	}

	switch {
	case in.Queries == nil:
		p.null("queries")
	case len(*in.Queries) != 1:
		p.add("'"+strconv.Itoa(len(*in.Queries))+" items'", "queries", "Member must have exactly 1 item")
	default:
		q := (*in.Queries)[0]
		p.enum(q.Type, "queries.1.member.type", "TEXT")
		switch {
		case q.TextQuery == nil:
			p.null("queries.1.member.textQuery")
		case q.TextQuery.Text == nil:
			p.null("queries.1.member.textQuery.text")
		default:
			p.length(*q.TextQuery.Text, "queries.1.member.textQuery.text", 1, MaxTextChars)
			out.Query = *q.TextQuery.Text
		}
	}

	var docs []*Document
	switch {
	case in.Sources == nil:
		p.null("sources")
	case len(*in.Sources) < 1 || len(*in.Sources) > MaxSources:
		p.add("'"+strconv.Itoa(len(*in.Sources))+" items'", "sources", fmt.Sprintf("Member must have length between 1 and %d", MaxSources))
	default:
		docs = make([]*Document, len(*in.Sources))
		out.Documents = make([]string, len(*in.Sources))
		for i, s := range *in.Sources {
			path := "sources." + strconv.Itoa(i+1) + ".member"
			p.enum(s.Type, path+".type", "INLINE")
			d := s.InlineDocumentSource
			if d == nil {
				p.null(path + ".inlineDocumentSource")
				continue
			}
			path += ".inlineDocumentSource"
			if !p.enum(d.Type, path+".type", "TEXT", "JSON") {
				continue
			}
			if *d.Type == "TEXT" {
				switch {
				case d.TextDocument == nil:
					p.null(path + ".textDocument")
				case d.TextDocument.Text == nil:
					p.null(path + ".textDocument.text")
				default:
					p.length(*d.TextDocument.Text, path+".textDocument.text", 1, MaxTextChars)
					out.Documents[i] = *d.TextDocument.Text
					docs[i] = &Document{Type: "TEXT", TextDocument: d.TextDocument}
				}
				continue
			}
			raw := bytes.TrimSpace(d.JSONDocument)
			if len(raw) == 0 || string(raw) == "null" {
				p.null(path + ".jsonDocument")
				continue
			}
			var compact bytes.Buffer
			_ = json.Compact(&compact, raw) // valid: it was decoded
			out.Documents[i] = compact.String()
			var s string
			if json.Unmarshal(raw, &s) == nil {
				out.Documents[i] = s // a JSON string is ranked as its text
			}
			docs[i] = &Document{Type: "JSON", JSONDocument: json.RawMessage(compact.Bytes())}
		}
	}

	rc := in.RerankingConfiguration
	if rc == nil {
		p.null("rerankingConfiguration")
	} else {
		p.enum(rc.Type, "rerankingConfiguration.type", "BEDROCK_RERANKING_MODEL")
		bc := rc.BedrockRerankingConfiguration
		const bp = "rerankingConfiguration.bedrockRerankingConfiguration"
		if bc == nil {
			p.null(bp)
		} else {
			if n := bc.NumberOfResults; n != nil {
				if *n < 1 || *n > MaxResults {
					p.add("'"+strconv.Itoa(*n)+"'", bp+".numberOfResults", fmt.Sprintf("Member must have value between 1 and %d", MaxResults))
				}
				out.TopN = n
			}
			mc := bc.ModelConfiguration
			switch {
			case mc == nil:
				p.null(bp + ".modelConfiguration")
			case mc.ModelArn == nil:
				p.null(bp + ".modelConfiguration.modelArn")
			default:
				p.length(*mc.ModelArn, bp+".modelConfiguration.modelArn", 1, MaxModelARNLen)
				out.Model = ModelID(*mc.ModelArn)
				additional(&p, out, mc.AdditionalModelRequestFields, bp+".modelConfiguration.additionalModelRequestFields")
			}
		}
	}
	if err := p.err(); err != nil {
		return nil, nil, err
	}
	return out, docs, nil
}

// additional moves additionalModelRequestFields into out.
func additional(p *problems, out *canon.RerankRequest, fields map[string]json.RawMessage, path string) {
	for k, v := range fields {
		if n := utf8.RuneCountInString(k); n < 1 || n > MaxFieldKeyLen {
			p.add(quote(k), path+".key", fmt.Sprintf("Member must have length between 1 and %d", MaxFieldKeyLen))
			continue
		}
		if k == "max_tokens_per_doc" {
			var n int
			if json.Unmarshal(v, &n) != nil || n < 1 {
				p.add(quote(string(v)), path+".max_tokens_per_doc", "Member must be an integer greater than or equal to 1")
				continue
			}
			out.MaxTokensPerDoc = &n
			continue
		}
		if out.AdditionalFields == nil {
			out.AdditionalFields = map[string]json.RawMessage{}
		}
		out.AdditionalFields[k] = v
	}
}

// ModelID is the model a modelArn names: the id inside a foundation-model
// ARN, anything else as it is.
func ModelID(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) == 6 && parts[0] == "arn" && strings.HasPrefix(parts[1], "aws") && parts[2] == "bedrock" && parts[4] == "" {
		if id, ok := strings.CutPrefix(parts[5], "foundation-model/"); ok && id != "" {
			return id
		}
	}
	return arn
}

// jsonType names a Go kind as a JSON type for error messages.
func jsonType(kind string) string {
	switch kind {
	case "string":
		return "string"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "integer"
	case "float32", "float64":
		return "number"
	case "slice":
		return "list"
	case "struct", "map", "ptr":
		return "structure"
	}
	return kind
}
