package invoke

import (
	"context"
	"testing"

	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/catalog"
)

// recordingEmbedder answers with one zero vector per input and keeps the
// request it was given.
type recordingEmbedder struct{ got *canon.EmbedRequest }

func (e *recordingEmbedder) Embed(_ context.Context, req *canon.EmbedRequest) (*canon.EmbedResponse, error) {
	e.got = req
	out := &canon.EmbedResponse{}
	for range req.Inputs {
		out.Embeddings = append(out.Embeddings, []float32{0})
	}
	return out, nil
}

// TestEmbedPurposeReachesGateway: what each body says a text is for, and
// how to truncate it, is in the canonical request the gateway receives.
func TestEmbedPurposeReachesGateway(t *testing.T) {
	for _, tc := range []struct {
		name, model, body string
		purpose           canon.EmbedPurpose
		target            canon.EmbedTarget
		truncate          canon.EmbedTruncate
	}{
		{"cohere query", "cohere.embed-english-v3", `{"texts":["q"],"input_type":"search_query","truncate":"END"}`,
			canon.EmbedQuery, "", canon.EmbedTruncateEnd},
		{"cohere document", "cohere.embed-v4:0", `{"texts":["d"],"input_type":"search_document"}`, canon.EmbedDocument, "", ""},
		{"nova text query", "amazon.nova-2-multimodal-embeddings-v1:0",
			`{"taskType":"SINGLE_EMBEDDING","singleEmbeddingParams":{"embeddingPurpose":"TEXT_RETRIEVAL","text":{"truncationMode":"START","value":"q"}}}`,
			canon.EmbedQuery, canon.EmbedTargetText, canon.EmbedTruncateStart},
		{"nova document images", "amazon.nova-2-multimodal-embeddings-v1:0",
			`{"taskType":"SINGLE_EMBEDDING","singleEmbeddingParams":{"embeddingPurpose":"DOCUMENT_RETRIEVAL","text":{"truncationMode":"NONE","value":"q"}}}`,
			canon.EmbedQuery, canon.EmbedTargetDocumentImage, canon.EmbedTruncateNone},
		{"nova classification", "amazon.nova-2-multimodal-embeddings-v1:0",
			`{"taskType":"SINGLE_EMBEDDING","singleEmbeddingParams":{"embeddingPurpose":"CLASSIFICATION","text":{"truncationMode":"END","value":"q"}}}`,
			canon.EmbedClassification, "", canon.EmbedTruncateEnd},
		{"titan has neither", "amazon.titan-embed-text-v2:0", `{"inputText":"q"}`, "", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			emb := &recordingEmbedder{}
			gw := struct {
				convOnly
				*recordingEmbedder
			}{recordingEmbedder: emb}
			w := invokeOp(t, gw, tc.model, tc.body, false)
			if w.Code != 200 || emb.got == nil {
				t.Fatalf("status %d: %s", w.Code, w.Body)
			}
			if g := emb.got; g.Purpose != tc.purpose || g.QueryTarget != tc.target || g.Truncate != tc.truncate {
				t.Errorf("purpose %q, target %q, truncate %q; want %q, %q, %q", g.Purpose, g.QueryTarget, g.Truncate, tc.purpose, tc.target, tc.truncate)
			}
			// CountTokens decodes the same bodies.
			if _, req, err := DecodeNative(tc.model, catalog.FamilyFromID(tc.model), []byte(tc.body)); err != nil || req.Purpose != tc.purpose || req.QueryTarget != tc.target {
				t.Errorf("DecodeNative = %+v, %v", req, err)
			}
		})
	}
}
