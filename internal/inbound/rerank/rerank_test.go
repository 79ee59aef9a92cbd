package rerank

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/testutil/familytest"
	"github.com/basalt-gateway/basalt/internal/testutil/golden"
)

func TestDecodeRequestGolden(t *testing.T) {
	familytest.RequestGolden(t, func(t *testing.T, _ string, body []byte) []byte {
		req, docs, err := DecodeRequest(body)
		if err != nil {
			t.Fatal(err)
		}
		return golden.Indent(t, map[string]any{"canon": req, "documents": docs})
	})
}

func TestDecodeRequestInvalid(t *testing.T) {
	familytest.InvalidGolden(t, func(body []byte) error { _, _, err := DecodeRequest(body); return err })
}

func TestModelID(t *testing.T) {
	for in, want := range map[string]string{
		"arn:aws:bedrock:us-west-2::foundation-model/amazon.rerank-v1:0":              "amazon.rerank-v1:0",
		"arn:aws:bedrock:eu-central-1::foundation-model/basalt-rerank":                "basalt-rerank",
		"arn:aws-us-gov:bedrock:us-gov-west-1::foundation-model/cohere.rerank-v3-5:0": "cohere.rerank-v3-5:0",
		"cohere.rerank-v3-5:0": "cohere.rerank-v3-5:0",
		"basalt-rerank":        "basalt-rerank",
		"arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc": "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc",
		"arn:aws:bedrock:us-east-1::foundation-model/":                             "arn:aws:bedrock:us-east-1::foundation-model/",
		"arn:aws:sagemaker:us-east-1::foundation-model/x":                          "arn:aws:sagemaker:us-east-1::foundation-model/x",
	} {
		if got := ModelID(in); got != want {
			t.Errorf("ModelID(%q) = %q, want %q", in, got, want)
		}
	}
}

// lengthScorer reranks by document length.
type lengthScorer struct {
	got *canon.RerankRequest
	err error
}

func (l *lengthScorer) Rerank(_ context.Context, req *canon.RerankRequest) (*canon.RerankResponse, error) {
	l.got = req
	if l.err != nil {
		return nil, l.err
	}
	out := &canon.RerankResponse{}
	for i, d := range req.Documents {
		out.Results = append(out.Results, canon.RerankResult{Index: i, Score: float64(len(d)) / 128})
	}
	// Sorted and cut, as the gateway hands answers on.
	slices.SortFunc(out.Results, func(a, b canon.RerankResult) int { return cmp.Compare(b.Score, a.Score) })
	if req.TopN != nil && *req.TopN < len(out.Results) {
		out.Results = out.Results[:*req.TopN]
	}
	return out, nil
}

func TestHandlerGolden(t *testing.T) {
	body, _ := os.ReadFile("testdata/request/text-and-json.wire.json")
	gw := &lengthScorer{}
	w := httptest.NewRecorder()
	Handler(gw, 0).ServeHTTP(w, httptest.NewRequest("POST", "/rerank", bytes.NewReader(body)))
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	var out bytes.Buffer
	_ = json.Indent(&out, w.Body.Bytes(), "", "  ")
	out.WriteByte('\n')
	golden.Assert(t, "testdata/response/text-and-json.json", out.Bytes())
	if gw.got.Model != "cohere.rerank-v3-5:0" {
		t.Errorf("model %q", gw.got.Model)
	}
}

func TestHandlerErrors(t *testing.T) {
	ok, _ := os.ReadFile("testdata/request/minimal-plain-id.wire.json")
	for _, tc := range []struct {
		name   string
		gw     *lengthScorer
		body   []byte
		status int
		typ    string
	}{
		{"invalid", &lengthScorer{}, []byte(`{}`), 400, "ValidationException"},
		{"not found", &lengthScorer{err: apierr.New(apierr.NotFound, "no such model")}, ok, 404, "ResourceNotFoundException"},
		{"throttled", &lengthScorer{err: apierr.New(apierr.Throttling, "slow down")}, ok, 429, "ThrottlingException"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			Handler(tc.gw, 0).ServeHTTP(w, httptest.NewRequest("POST", "/rerank", bytes.NewReader(tc.body)))
			var m map[string]string
			_ = json.Unmarshal(w.Body.Bytes(), &m)
			if w.Code != tc.status || !strings.HasPrefix(w.Header().Get("X-Amzn-ErrorType"), tc.typ) || m["message"] == "" {
				t.Errorf("status %d, type %q, body %s", w.Code, w.Header().Get("X-Amzn-ErrorType"), w.Body)
			}
		})
	}
}

func FuzzDecodeRequest(f *testing.F) {
	for _, p := range familytest.SeedFiles(f) {
		b, _ := os.ReadFile(p)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		req, docs, err := DecodeRequest(in)
		if err != nil {
			if apierr.KindOf(err) != apierr.Validation {
				t.Fatalf("error %T %v", err, err)
			}
			return
		}
		if req.Model == "" || req.Query == "" || len(req.Documents) == 0 || len(req.Documents) > MaxSources || len(docs) != len(req.Documents) {
			t.Fatalf("accepted %+v", req)
		}
		for i, d := range docs {
			if d == nil || (d.Type == "TEXT") == (d.TextDocument == nil) {
				t.Fatalf("document %d: %+v", i, d)
			}
		}
		if req.TopN != nil && (*req.TopN < 1 || *req.TopN > MaxResults) {
			t.Fatalf("numberOfResults %d", *req.TopN)
		}
	})
}
