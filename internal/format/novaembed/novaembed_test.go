package novaembed

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/testutil/familytest"
	"github.com/basalt-gateway/basalt/internal/testutil/golden"
)

const testModel = "amazon.nova-2-multimodal-embeddings-v1:0"

// TestDecodeRequestGolden: testdata/request/<case>.wire.json → the decoded
// request and its canonical form in <case>.canon.json.
func TestDecodeRequestGolden(t *testing.T) {
	familytest.RequestGolden(t, func(t *testing.T, _ string, body []byte) []byte {
		r, err := DecodeRequest(body)
		if err != nil {
			t.Fatal(err)
		}
		return golden.Indent(t, map[string]any{"request": r, "canon": r.Canon(testModel)})
	})
}

// TestDecodeRequestInvalid: testdata/request/invalid/<case>.wire.json →
// the ValidationException message in <case>.err.
func TestDecodeRequestInvalid(t *testing.T) {
	familytest.InvalidGolden(t, func(body []byte) error { _, err := DecodeRequest(body); return err })
}

// FuzzDecodeRequest: no panic, only Validation errors, and an accepted
// body has one non-blank text and a valid dimension.
func FuzzDecodeRequest(f *testing.F) {
	for _, file := range familytest.SeedFiles(f) {
		b, _ := os.ReadFile(file)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		r, err := DecodeRequest(in)
		if err != nil {
			var ae *apierr.Error
			if !errors.As(err, &ae) || ae.Kind != apierr.Validation {
				t.Fatalf("error %T %v", err, err)
			}
			return
		}
		if strings.TrimSpace(r.Text) == "" || r.Purpose == "" || r.TruncationMode == "" {
			t.Fatalf("accepted an incomplete request: %+v", r)
		}
		c := r.Canon(testModel)
		if len(c.Inputs) != 1 || (c.Dimensions != nil && *c.Dimensions != 256 && *c.Dimensions != 384 && *c.Dimensions != 1024 && *c.Dimensions != 3072) {
			t.Fatalf("canon = %+v", c)
		}
		// Nothing the client sent is lost on the way to a Nova upstream.
		b, err := TextBody(c, c.Inputs[0])
		if err != nil {
			t.Fatal(err)
		}
		back, err := DecodeRequest(b)
		if err != nil || back.Purpose != r.Purpose || back.TruncationMode != r.TruncationMode || back.Text != r.Text {
			t.Fatalf("%+v became %s: %+v, %v", r, b, back, err)
		}
	})
}

// TestPurposeRoundTrip: every embeddingPurpose and truncationMode comes
// back unchanged through the canonical request, and each maps to its own
// canonical value.
func TestPurposeRoundTrip(t *testing.T) {
	seen := map[canon.EmbedPurpose]map[canon.EmbedTarget]bool{}
	for _, p := range Purposes {
		for _, m := range TruncationModes {
			body := `{"taskType":"SINGLE_EMBEDDING","singleEmbeddingParams":{"embeddingPurpose":"` + p + `","text":{"truncationMode":"` + m + `","value":"q"}}}`
			r, err := DecodeRequest([]byte(body))
			if err != nil {
				t.Fatal(err)
			}
			c := r.Canon(testModel)
			if c.Purpose == "" || c.Truncate == "" {
				t.Errorf("%s/%s: canonical purpose %q, truncation %q", p, m, c.Purpose, c.Truncate)
			}
			if got := PurposeFor(c.Purpose, c.QueryTarget); got != p {
				t.Errorf("%s → %s/%s → %s", p, c.Purpose, c.QueryTarget, got)
			}
			if got := TruncationFor(c.Truncate); got != m {
				t.Errorf("%s → %s → %s", m, c.Truncate, got)
			}
			if m == "NONE" {
				if seen[c.Purpose] == nil {
					seen[c.Purpose] = map[canon.EmbedTarget]bool{}
				}
				if seen[c.Purpose][c.QueryTarget] {
					t.Errorf("%s shares %s/%s with another purpose", p, c.Purpose, c.QueryTarget)
				}
				seen[c.Purpose][c.QueryTarget] = true
			}
		}
	}
	// What other dialects (or none) say reaches Nova as documented.
	for _, tc := range []struct {
		p      canon.EmbedPurpose
		target canon.EmbedTarget
		want   string
	}{
		{"", "", "GENERIC_INDEX"},
		{canon.EmbedQuery, "", "GENERIC_RETRIEVAL"},
		{canon.EmbedQuery, "hologram", "GENERIC_RETRIEVAL"},
		{canon.EmbedDocument, canon.EmbedTargetText, "GENERIC_INDEX"},
	} {
		if got := PurposeFor(tc.p, tc.target); got != tc.want {
			t.Errorf("PurposeFor(%q, %q) = %s, want %s", tc.p, tc.target, got, tc.want)
		}
	}
	if got := TruncationFor(""); got != "NONE" {
		t.Errorf("TruncationFor(\"\") = %s", got)
	}
}

func TestResponseGolden(t *testing.T) {
	golden.Assert(t, "testdata/response/text.json", golden.Indent(t, ResponseFromCanon([]float32{0.25, -0.5, 0})))
	if b, _ := json.Marshal(ResponseFromCanon(nil)); string(b) != `{"embeddings":[{"embeddingType":"TEXT","embedding":[]}]}` {
		t.Errorf("empty = %s", b)
	}
}

// TestOutbound: the body the Bedrock provider sends decodes as a valid
// request, and the answer this package writes reads back.
func TestOutbound(t *testing.T) {
	d := 384
	for _, dims := range []*int{nil, &d} {
		b, err := TextBody(&canon.EmbedRequest{Dimensions: dims}, "hello there")
		if err != nil {
			t.Fatal(err)
		}
		r, err := DecodeRequest(b)
		if err != nil {
			t.Fatalf("own body %s refused: %v", b, err)
		}
		if r.Text != "hello there" || r.Purpose != "GENERIC_INDEX" || r.TruncationMode != "NONE" || (dims == nil) != (r.Dimension == nil) {
			t.Errorf("round trip of %s = %+v", b, r)
		}
	}
	b, _ := TextBody(&canon.EmbedRequest{Dimensions: &d}, "x")
	golden.Assert(t, "testdata/response/outbound_body.json", golden.Indent(t, json.RawMessage(b)))
	b, _ = TextBody(&canon.EmbedRequest{Purpose: canon.EmbedQuery, QueryTarget: canon.EmbedTargetText, Truncate: canon.EmbedTruncateEnd}, "x")
	golden.Assert(t, "testdata/response/outbound_body_query.json", golden.Indent(t, json.RawMessage(b)))

	out, _ := json.Marshal(ResponseFromCanon([]float32{1, 2}))
	if v, err := DecodeResponse(out); err != nil || len(v) != 2 || v[1] != 2 {
		t.Errorf("DecodeResponse = %v, %v", v, err)
	}
	for _, bad := range []string{`{"embeddings":[]}`, `{"embeddings":[{"embeddingType":"IMAGE","embedding":[1]}]}`, `[`, `{"embeddings":"x"}`} {
		if _, err := DecodeResponse([]byte(bad)); err == nil {
			t.Errorf("DecodeResponse(%s) accepted", bad)
		}
	}
}
