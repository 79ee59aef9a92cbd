// Package novaembed is the InvokeModel body of Amazon Nova Multimodal
// Embeddings (amazon.nova-2-multimodal-embeddings-v1:0), text path only:
// the request body into the canonical embedding request and the vector
// into Nova's response body (the inbound direction), and the body the
// Bedrock provider sends for a canonical text and the vector it reads back
// (the outbound direction). It is pure: no I/O.
//
// Source: the Amazon Nova user guide, "Complete embeddings request and
// response schema" (embeddings-schema). Request: {"schemaVersion":
// "nova-multimodal-embed-v1" (optional), "taskType": "SINGLE_EMBEDDING",
// "singleEmbeddingParams": {"embeddingPurpose": GENERIC_INDEX|
// GENERIC_RETRIEVAL|TEXT_RETRIEVAL|IMAGE_RETRIEVAL|VIDEO_RETRIEVAL|
// DOCUMENT_RETRIEVAL|AUDIO_RETRIEVAL|CLASSIFICATION|CLUSTERING,
// "embeddingDimension": 256|384|1024|3072, "text": {"truncationMode":
// START|END|NONE, "value": string, "source": …}, "image"|"audio"|"video":
// …}}. Response: {"embeddings": [{"embeddingType": "TEXT", "embedding":
// […], "truncatedCharLength"?}]}. Decisions:
//
//   - Only the text path is served: an image, audio or video input, a
//     text given by S3 "source", and taskType SEGMENTED_EMBEDDING (which
//     Bedrock serves through StartAsyncInvoke) are ValidationExceptions
//     that say so.
//   - embeddingPurpose becomes the canonical purpose and, for the
//     *_RETRIEVAL values, query target (GENERIC_INDEX → document,
//     GENERIC_RETRIEVAL → query of a mixed index, TEXT_RETRIEVAL → query of
//     text embeddings, …; the table is at canon.EmbedPurpose), so a Nova
//     upstream gets the very value sent and a Cohere one the matching
//     input_type; truncationMode becomes the canonical truncation.
//     Symmetric providers ignore both. truncatedCharLength is never set:
//     the canonical answer has no place for it, so a Nova upstream's is
//     not passed back (not yet).
//   - embeddingDimension becomes the canonical dimensions; left out, the
//     provider's default length is used (3,072 on Nova itself).
//   - Outbound, the Bedrock provider embeds each text with its own call
//     (SINGLE_EMBEDDING takes one input) with the request's purpose and
//     truncation; where the client gave none (OpenAI's /v1/embeddings),
//     GENERIC_INDEX and NONE, so an over-long text is the upstream's error
//     rather than a silently shortened vector.
package novaembed

import (
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/format/nativejson"
)

// SchemaVersion is the one schemaVersion value.
const SchemaVersion = "nova-multimodal-embed-v1"

// TaskSingle is the synchronous task type.
const TaskSingle = "SINGLE_EMBEDDING"

// Purposes are the accepted embeddingPurpose values.
var Purposes = []string{"GENERIC_INDEX", "GENERIC_RETRIEVAL", "TEXT_RETRIEVAL", "IMAGE_RETRIEVAL", "VIDEO_RETRIEVAL",
	"DOCUMENT_RETRIEVAL", "AUDIO_RETRIEVAL", "CLASSIFICATION", "CLUSTERING"}

// Dimensions are the accepted embeddingDimension values.
var Dimensions = []int{256, 384, 1024, 3072}

// TruncationModes are the accepted text.truncationMode values.
var TruncationModes = []string{"START", "END", "NONE"}

// Request is a decoded text embedding body.
type Request struct {
	Purpose        string
	Dimension      *int
	TruncationMode string
	Text           string
}

const textOnly = "only the text path of Nova Multimodal Embeddings is served by this gateway"

// DecodeRequest validates a Nova Multimodal Embeddings body. Every problem
// is a Validation error starting "Malformed input request:" that names the
// bad keys.
func DecodeRequest(body []byte) (*Request, error) {
	var problems []string
	top, ok := nativejson.ParseObject("#", body, &problems, "schemaVersion", "taskType", "singleEmbeddingParams", "segmentedEmbeddingParams")
	if !ok {
		return nil, nativejson.Malformed(problems)
	}
	if v, ok := top.Str("schemaVersion"); ok && v != SchemaVersion {
		top.Fail("schemaVersion", v+" is not a valid enum value")
	}
	task := ""
	if top.Require("taskType") {
		if s, ok := top.Str("taskType"); ok {
			switch s {
			case TaskSingle:
				task = s
			case "SEGMENTED_EMBEDDING":
				top.Fail("taskType", "SEGMENTED_EMBEDDING is not supported: "+textOnly+", with taskType SINGLE_EMBEDDING")
			case "":
				top.Fail("taskType", `"" is not a valid enum value`)
			default:
				top.Fail("taskType", s+" is not a valid enum value")
			}
		}
	}
	if top.Get("segmentedEmbeddingParams") != nil && task == TaskSingle {
		top.Fail("segmentedEmbeddingParams", "not permitted with taskType SINGLE_EMBEDDING")
	}
	r := &Request{}
	if task == TaskSingle && top.Require("singleEmbeddingParams") {
		p, ok := nativejson.ParseObject(top.Sub("singleEmbeddingParams"), top.Get("singleEmbeddingParams"), &problems,
			"embeddingPurpose", "embeddingDimension", "text", "image", "audio", "video")
		if ok {
			decodeParams(p, r, &problems)
		}
	}
	if len(problems) > 0 {
		return nil, nativejson.Malformed(problems)
	}
	return r, nil
}

func decodeParams(p *nativejson.Object, r *Request, problems *[]string) {
	if p.Require("embeddingPurpose") {
		if s, ok := p.Str("embeddingPurpose"); ok {
			if !slices.Contains(Purposes, s) {
				p.Fail("embeddingPurpose", s+" is not a valid enum value")
			}
			r.Purpose = s
		}
	}
	if d := p.Integer("embeddingDimension", 0, 1<<20); d != nil {
		if !slices.Contains(Dimensions, *d) {
			p.Fail("embeddingDimension", strconv.Itoa(*d)+" is not a valid enum value")
		} else {
			r.Dimension = d
		}
	}
	var media []string
	for _, k := range []string{"image", "audio", "video"} {
		if p.Get(k) != nil {
			media = append(media, k)
		}
	}
	for _, k := range media {
		p.Fail(k, k+" input is not supported: "+textOnly)
	}
	if p.Get("text") == nil {
		if len(media) == 0 {
			p.Problem(p.Path() + ": required key [text] not found")
		}
		return
	}
	t, ok := nativejson.ParseObject(p.Sub("text"), p.Get("text"), problems, "truncationMode", "value", "source")
	if !ok {
		return
	}
	if t.Require("truncationMode") {
		if s, ok := t.Str("truncationMode"); ok {
			if !slices.Contains(TruncationModes, s) {
				t.Fail("truncationMode", s+" is not a valid enum value")
			}
			r.TruncationMode = s
		}
	}
	if t.Get("source") != nil {
		t.Fail("source", "text from S3 is not supported: send the text inline in value")
		return
	}
	if t.Require("value") {
		if s, ok := t.Str("value"); ok {
			if strings.TrimSpace(s) == "" {
				t.Fail("value", "expected minLength: 1, actual: 0")
			}
			r.Text = s
		}
	}
}

// Canon is the canonical embedding request for model.
func (r *Request) Canon(model string) *canon.EmbedRequest {
	p := purposes[r.Purpose]
	return &canon.EmbedRequest{Model: model, Inputs: []string{r.Text}, Dimensions: r.Dimension,
		Purpose: p.purpose, QueryTarget: p.target, Truncate: truncations[r.TruncationMode]}
}

type purpose struct {
	purpose canon.EmbedPurpose
	target  canon.EmbedTarget
}

// purposes maps embeddingPurpose onto the canonical purpose and query
// target, one to one; PurposeFor is the way back.
var purposes = map[string]purpose{
	"GENERIC_INDEX":      {canon.EmbedDocument, ""},
	"GENERIC_RETRIEVAL":  {canon.EmbedQuery, ""},
	"TEXT_RETRIEVAL":     {canon.EmbedQuery, canon.EmbedTargetText},
	"IMAGE_RETRIEVAL":    {canon.EmbedQuery, canon.EmbedTargetImage},
	"VIDEO_RETRIEVAL":    {canon.EmbedQuery, canon.EmbedTargetVideo},
	"DOCUMENT_RETRIEVAL": {canon.EmbedQuery, canon.EmbedTargetDocumentImage},
	"AUDIO_RETRIEVAL":    {canon.EmbedQuery, canon.EmbedTargetAudio},
	"CLASSIFICATION":     {canon.EmbedClassification, ""},
	"CLUSTERING":         {canon.EmbedClustering, ""},
}

// truncations maps truncationMode onto the canonical truncation;
// TruncationFor is the way back.
var truncations = map[string]canon.EmbedTruncate{
	"NONE":  canon.EmbedTruncateNone,
	"START": canon.EmbedTruncateStart,
	"END":   canon.EmbedTruncateEnd,
}

// PurposeFor is the embeddingPurpose for a canonical purpose and query
// target: GENERIC_INDEX when the client gave no purpose, as indexes hold
// documents; a query with a target Nova lacks searches a mixed index
// (GENERIC_RETRIEVAL).
func PurposeFor(p canon.EmbedPurpose, target canon.EmbedTarget) string {
	if p == canon.EmbedQuery {
		for k, v := range purposes {
			if v == (purpose{p, target}) {
				return k
			}
		}
		return "GENERIC_RETRIEVAL"
	}
	for k, v := range purposes {
		if v.purpose == p {
			return k
		}
	}
	return "GENERIC_INDEX"
}

// TruncationFor is the truncationMode for t: NONE when the client gave
// none, so an over-long text is the upstream's error rather than the
// vector of a shortened one.
func TruncationFor(t canon.EmbedTruncate) string {
	for k, v := range truncations {
		if v == t {
			return k
		}
	}
	return "NONE"
}

// Response is Nova's embeddings answer body.
type Response struct {
	Embeddings []Embedding `json:"embeddings"`
}

// Embedding is one vector of an answer.
type Embedding struct {
	EmbeddingType       string    `json:"embeddingType"`
	Embedding           []float32 `json:"embedding"`
	TruncatedCharLength *int      `json:"truncatedCharLength,omitempty"`
}

// ResponseFromCanon builds the answer from the provider's vector.
func ResponseFromCanon(vec []float32) *Response {
	if vec == nil {
		vec = []float32{}
	}
	return &Response{Embeddings: []Embedding{{EmbeddingType: "TEXT", Embedding: vec}}}
}

// Body is the request body on the wire, for the outbound direction.
type Body struct {
	SchemaVersion         string       `json:"schemaVersion"`
	TaskType              string       `json:"taskType"`
	SingleEmbeddingParams SingleParams `json:"singleEmbeddingParams"`
}

// SingleParams is singleEmbeddingParams with a text input.
type SingleParams struct {
	EmbeddingPurpose   string `json:"embeddingPurpose"`
	EmbeddingDimension *int   `json:"embeddingDimension,omitempty"`
	Text               Text   `json:"text"`
}

// Text is the text input.
type Text struct {
	TruncationMode string `json:"truncationMode"`
	Value          string `json:"value"`
}

// TextBody is the body embedding text for req, as the Bedrock provider
// sends it: req's dimensions (nil: the model's default), purpose and
// truncation (PurposeFor, TruncationFor).
func TextBody(req *canon.EmbedRequest, text string) ([]byte, error) {
	return json.Marshal(Body{SchemaVersion: SchemaVersion, TaskType: TaskSingle,
		SingleEmbeddingParams: SingleParams{EmbeddingPurpose: PurposeFor(req.Purpose, req.QueryTarget), EmbeddingDimension: req.Dimensions,
			Text: Text{TruncationMode: TruncationFor(req.Truncate), Value: text}}})
}

// DecodeResponse reads the text vector out of a Nova answer body.
func DecodeResponse(body []byte) ([]float32, error) {
	var r Response
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, err
	}
	for _, e := range r.Embeddings {
		if e.EmbeddingType == "TEXT" && len(e.Embedding) > 0 {
			return e.Embedding, nil
		}
	}
	return nil, errors.New("the answer has no TEXT embedding")
}
