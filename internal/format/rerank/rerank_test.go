package rerank

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/testutil/familytest"
	"github.com/basalt-gateway/basalt/internal/testutil/golden"
)

// dialectOf reads the dialect from a testdata file name ("cohere-…", "amazon-…").
func dialectOf(t testing.TB, path string) Dialect {
	switch {
	case strings.HasPrefix(filepath.Base(path), "cohere-"):
		return Cohere
	case strings.HasPrefix(filepath.Base(path), "amazon-"):
		return Amazon
	}
	t.Fatalf("%s: name must start with cohere- or amazon-", path)
	return 0
}

func TestDecodeRequestGolden(t *testing.T) {
	familytest.RequestGolden(t, func(t *testing.T, f string, body []byte) []byte {
		r, err := DecodeRequest(dialectOf(t, f), body)
		if err != nil {
			t.Fatal(err)
		}
		return golden.Indent(t, map[string]any{"request": r, "canon": r.Canon("model-id")})
	})
}

// TestDecodeRequestInvalid: each body under testdata/request/invalid is
// refused with the ValidationException message in its .err file.
func TestDecodeRequestInvalid(t *testing.T) {
	familytest.InvalidFiles(t, func(t *testing.T, f string, body []byte) error {
		_, err := DecodeRequest(dialectOf(t, f), body)
		return err
	})
}

// ranked is an answer as the gateway hands it to the encoders: sorted, cut.
var ranked = &canon.RerankResponse{Results: []canon.RerankResult{{Index: 1, Score: 0.8125}, {Index: 0, Score: 0.25}}, InputTokens: 30}

func TestResponseGolden(t *testing.T) {
	for _, d := range []Dialect{Cohere, Amazon} {
		t.Run(d.String(), func(t *testing.T) {
			r := &Request{Dialect: d}
			golden.Assert(t, "testdata/response/"+d.String()+".json", golden.Indent(t, r.ResponseFromCanon("req-1", ranked)))
		})
	}
}

func TestEncodeRequestGolden(t *testing.T) {
	top, maxTok := 2, 300
	req := &canon.RerankRequest{Model: "m", Query: "capital of the US",
		Documents: []string{"Carson City is in Nevada.", `{"text":"Washington, D.C."}`}, TopN: &top}
	for _, d := range []Dialect{Cohere, Amazon} {
		t.Run(d.String(), func(t *testing.T) {
			b, err := EncodeRequest(d, req)
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			_ = json.Indent(&out, b, "", "  ")
			out.WriteByte('\n')
			golden.Assert(t, "testdata/upstream/"+d.String()+".json", out.Bytes())
			// What we send, we accept.
			back, err := DecodeRequest(d, b)
			if err != nil || !reflect.DeepEqual(back.Canon("m"), req) {
				t.Errorf("round trip: %+v, %v", back, err)
			}
		})
	}
	with := *req
	with.MaxTokensPerDoc = &maxTok
	with.AdditionalFields = map[string]json.RawMessage{"priority": json.RawMessage(`"high"`)}
	b, err := EncodeRequest(Cohere, &with)
	if err != nil || !bytes.Contains(b, []byte(`"max_tokens_per_doc":300`)) || !bytes.Contains(b, []byte(`"priority":"high"`)) {
		t.Errorf("cohere with extras: %s %v", b, err)
	}
}

func TestEncodeRequestRefuses(t *testing.T) {
	n := 10
	for name, tc := range map[string]struct {
		d   Dialect
		req canon.RerankRequest
	}{
		"amazon max tokens":      {Amazon, canon.RerankRequest{Query: "q", Documents: []string{"a"}, MaxTokensPerDoc: &n}},
		"extra overrides query":  {Cohere, canon.RerankRequest{Query: "q", Documents: []string{"a"}, AdditionalFields: map[string]json.RawMessage{"query": json.RawMessage(`"x"`)}}},
		"extra max tokens":       {Cohere, canon.RerankRequest{Query: "q", Documents: []string{"a"}, AdditionalFields: map[string]json.RawMessage{"max_tokens_per_doc": json.RawMessage(`5`)}}},
		"extra overrides top_n":  {Amazon, canon.RerankRequest{Query: "q", Documents: []string{"a"}, TopN: &n, AdditionalFields: map[string]json.RawMessage{"top_n": json.RawMessage(`1`)}}},
		"extra overrides apiver": {Cohere, canon.RerankRequest{Query: "q", Documents: []string{"a"}, AdditionalFields: map[string]json.RawMessage{"api_version": json.RawMessage(`3`)}}},
		"unknown dialect":        {0, canon.RerankRequest{Query: "q", Documents: []string{"a"}}},
	} {
		if _, err := EncodeRequest(tc.d, &tc.req); apierr.KindOf(err) != apierr.Validation {
			t.Errorf("%s: err %v", name, err)
		}
	}
}

func TestDecodeResponse(t *testing.T) {
	for _, tc := range []struct {
		body string
		want []canon.RerankResult
		ok   bool
	}{
		{`{"id":"x","results":[{"index":2,"relevance_score":0.9},{"index":0,"relevance_score":0.1}],"meta":{"api_version":{"version":"2"}}}`,
			[]canon.RerankResult{{Index: 2, Score: 0.9}, {Index: 0, Score: 0.1}}, true},
		{`{"results":[]}`, []canon.RerankResult{}, true},
		{`{"results":[{"index":1}]}`, nil, false},
		{`{"results":[{"relevance_score":1}]}`, nil, false},
		{`{"id":"x"}`, nil, false},
		{`{"results":{"index":1}}`, nil, false},
		{`not json`, nil, false},
	} {
		got, err := DecodeResponse([]byte(tc.body))
		if (err == nil) != tc.ok {
			t.Errorf("%s: err %v", tc.body, err)
			continue
		}
		if tc.ok && !reflect.DeepEqual(got.Results, tc.want) {
			t.Errorf("%s: %+v", tc.body, got.Results)
		}
	}
}

func FuzzDecodeRequest(f *testing.F) {
	for _, p := range familytest.SeedFiles(f) {
		b, _ := os.ReadFile(p)
		f.Add(b, dialectOf(f, p) == Amazon)
	}
	f.Fuzz(func(t *testing.T, in []byte, amazon bool) {
		d := Cohere
		if amazon {
			d = Amazon
		}
		r, err := DecodeRequest(d, in)
		if err != nil {
			if ae := apierr.As(err); ae.Kind != apierr.Validation || !strings.HasPrefix(ae.Message, "Malformed input request: ") {
				t.Fatalf("error %v", err)
			}
			return
		}
		if r.Query == "" || len(r.Documents) == 0 || len(r.Documents) > MaxDocuments ||
			(r.TopN != nil && *r.TopN < 1) || (d == Cohere) != (r.APIVersion >= APIVersion) {
			t.Fatalf("accepted %+v", r)
		}
		// Anything accepted re-encodes into a body this package accepts.
		c := r.Canon("m")
		body, err := EncodeRequest(d, c)
		if err != nil {
			t.Fatal(err)
		}
		back, err := DecodeRequest(d, body)
		if err != nil || !reflect.DeepEqual(back.Canon("m"), c) {
			t.Fatalf("round trip of %s: %+v, %v", body, back, err)
		}
		if _, err := json.Marshal(r.ResponseFromCanon("id", &canon.RerankResponse{Results: []canon.RerankResult{{Index: 0, Score: 0.5}}})); err != nil {
			t.Fatal(err)
		}
	})
}

func FuzzDecodeResponse(f *testing.F) {
	f.Add([]byte(`{"id":"x","results":[{"index":2,"relevance_score":0.9}]}`))
	f.Add([]byte(`{"results":[{"index":1}]}`))
	f.Add([]byte(`{"results":null}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		resp, err := DecodeResponse(in)
		if err == nil && resp == nil {
			t.Fatal("nil response without an error")
		}
	})
}
