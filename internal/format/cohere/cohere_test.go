package cohere

import (
	"encoding/json"
	"testing"

	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/testutil/familytest"
	"github.com/basalt-gateway/basalt/internal/testutil/golden"
)

const testModel = "cohere.command-r-plus-v1:0"

func decode(body []byte) (*canon.Request, error) {
	req, _, err := DecodeRequest(testModel, body)
	return req, err
}

func TestDecodeRequestGolden(t *testing.T)  { familytest.DecodeGolden(t, decode) }
func TestDecodeRequestInvalid(t *testing.T) { familytest.DecodeInvalid(t, decode) }
func FuzzDecodeRequest(f *testing.F)        { familytest.Fuzz(f, decode) }

var answers = familytest.Answers

// testCall is the request the answers reply to.
var testCall = &Call{History: []Turn{{Role: "USER", Message: "Hi"}, {Role: "CHATBOT", Message: "Hello."}}, Message: "Weather in Paris?"}

var metrics = familytest.Metrics

// TestResponseGolden: canonical answers → testdata/response/<case>.json.
func TestResponseGolden(t *testing.T) {
	for name, r := range answers {
		t.Run(name, func(t *testing.T) {
			b, err := json.MarshalIndent(ResponseFromCanon(r, testCall, "resp-1", "gen-1"), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden.Assert(t, "testdata/response/"+name+".json", append(b, '\n'))
		})
	}
}

// TestStreamGolden: canonical answers, as the event stream a provider
// produces, → testdata/stream/<case>.jsonl (one chunk a line).
func TestStreamGolden(t *testing.T) {
	for name, r := range answers {
		t.Run(name, func(t *testing.T) {
			var out []byte
			enc := NewStreamEncoder(func(c []byte) error {
				if !json.Valid(c) {
					t.Fatalf("chunk is not JSON: %s", c)
				}
				out = append(append(out, c...), '\n')
				return nil
			}, testCall, metrics, "resp-1", "gen-1")
			if err := canon.Emit(enc, r); err != nil {
				t.Fatal(err)
			}
			if err := enc.Finish(); err != nil || !enc.Done() {
				t.Fatalf("Finish = %v, done %v", err, enc.Done())
			}
			golden.Assert(t, "testdata/stream/"+name+".jsonl", out)
		})
	}
}

func TestStreamWithoutStop(t *testing.T) {
	familytest.StreamWithoutStop(t, func(sink func([]byte) error, m func(canon.Usage, int64) (string, any)) familytest.Encoder {
		return NewStreamEncoder(sink, nil, m)
	}, `"stream-end"`)
}
