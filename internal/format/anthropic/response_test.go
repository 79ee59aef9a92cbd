package anthropic

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
)

type responseGolden struct {
	Response json.RawMessage `json:"response,omitempty"`
	Error    *goldenError    `json:"error,omitempty"`
}

// TestResponseGolden converts every testdata/response/<case>.wire.json (a
// unary answer body) and compares with <case>.canon.json.
func TestResponseGolden(t *testing.T) {
	for _, f := range files(t, "testdata/response/*.wire.json") {
		name := strings.TrimSuffix(filepath.Base(f), ".wire.json")
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var g responseGolden
			resp, err := parseResponse(raw)
			if err != nil {
				var ae *apierr.Error
				if !errors.As(err, &ae) {
					t.Fatalf("error %v is not an *apierr.Error", err)
				}
				g.Error = &goldenError{Kind: ae.Kind.String(), Message: ae.Message}
			} else {
				g.Response = readable(t, resp)
			}
			golden(t, strings.TrimSuffix(f, ".wire.json")+".canon.json", indent(g))
		})
	}
}

func parseResponse(raw []byte) (*canon.Response, error) {
	mr, err := DecodeResponse(raw)
	if err != nil {
		return nil, err
	}
	return ResponseToCanon(mr, streamOpts)
}

func TestResponseAdditionalFieldsOnlyWhenAsked(t *testing.T) {
	raw, err := os.ReadFile("testdata/response/stop_sequence.wire.json")
	if err != nil {
		t.Fatal(err)
	}
	mr, err := DecodeResponse(raw)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		paths []string
		want  string
	}{
		{nil, ""},
		{[]string{"/usage"}, ""},
		{[]string{"/usage", "/stop_sequence"}, `{"stop_sequence":", 5"}`},
	} {
		r, err := ResponseToCanon(mr, ResponseOptions{AdditionalResponseFieldPaths: c.paths})
		if err != nil {
			t.Fatal(err)
		}
		if string(r.AdditionalFields) != c.want {
			t.Errorf("paths %v: additional fields = %s, want %s", c.paths, r.AdditionalFields, c.want)
		}
	}
}

func TestUsageToCanon(t *testing.T) {
	got := UsageToCanon(Usage{InputTokens: 25, CacheCreationInputTokens: 1000, CacheReadInputTokens: 2000, OutputTokens: 89})
	want := canon.Usage{InputTokens: 25, OutputTokens: 89, CacheReadTokens: 2000, CacheWriteTokens: 1000}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
}
