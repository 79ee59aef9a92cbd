package mistral

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/basalt-gateway/basalt/internal/testutil/familytest"

	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/testutil/golden"
)

const testModel = "mistral.mistral-large-2407-v1:0"

// TestDecodeRequestGolden: testdata/request/<case>.wire.json (a body as a
// client sends it) → <case>.canon.json.
func TestDecodeRequestGolden(t *testing.T) {
	for _, f := range golden.Glob(t, "testdata/request/*.wire.json") {
		t.Run(filepath.Base(f), func(t *testing.T) {
			body, _ := os.ReadFile(f)
			req, style, err := DecodeRequest(testModel, body)
			if err != nil {
				t.Fatal(err)
			}
			if want := strings.HasPrefix(filepath.Base(f), "chat_"); (style == StyleChat) != want {
				t.Errorf("style = %d for %s", style, f)
			}
			golden.Assert(t, strings.TrimSuffix(f, ".wire.json")+".canon.json", golden.JSON(t, req))
		})
	}
}

func decode(body []byte) (*canon.Request, error) {
	req, _, err := DecodeRequest(testModel, body)
	return req, err
}

func TestDecodeRequestInvalid(t *testing.T) { familytest.DecodeInvalid(t, decode) }
func FuzzDecodeRequest(f *testing.F)        { familytest.Fuzz(f, decode) }

var (
	answers = familytest.Answers
	metrics = familytest.Metrics
)

var styleNames = map[Style]string{StylePrompt: "prompt", StyleChat: "chat"}

// TestResponseGolden: canonical answers → testdata/response/<style>_<case>.json.
func TestResponseGolden(t *testing.T) {
	for style, sn := range styleNames {
		for name, r := range answers {
			t.Run(sn+"_"+name, func(t *testing.T) {
				b, err := json.MarshalIndent(ResponseFromCanon(r, style), "", "  ")
				if err != nil {
					t.Fatal(err)
				}
				golden.Assert(t, "testdata/response/"+sn+"_"+name+".json", append(b, '\n'))
			})
		}
	}
}

// TestStreamGolden: canonical answers, as the event stream a provider
// produces, → testdata/stream/<case>.jsonl (one chunk a line).
func TestStreamGolden(t *testing.T) {
	for style, sn := range styleNames {
		for name, r := range answers {
			t.Run(sn+"_"+name, func(t *testing.T) {
				var out []byte
				enc := NewStreamEncoder(func(c []byte) error {
					if !json.Valid(c) {
						t.Fatalf("chunk is not JSON: %s", c)
					}
					out = append(append(out, c...), '\n')
					return nil
				}, style, metrics)
				if err := canon.Emit(enc, r); err != nil {
					t.Fatal(err)
				}
				if err := enc.Finish(); err != nil || !enc.Done() {
					t.Fatalf("Finish = %v, done %v", err, enc.Done())
				}
				golden.Assert(t, "testdata/stream/"+sn+"_"+name+".jsonl", out)
			})
		}
	}
}

func TestStreamWithoutStop(t *testing.T) {
	for _, style := range []Style{StylePrompt, StyleChat} {
		familytest.StreamWithoutStop(t, func(sink func([]byte) error, m func(canon.Usage, int64) (string, any)) familytest.Encoder {
			return NewStreamEncoder(sink, style, m)
		}, `"stop_reason":"stop"`)
	}
}
