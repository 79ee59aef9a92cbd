// Package familytest is the shared test harness of the InvokeModel family
// format packages (nova, titan, llama, mistral, cohere, deepseek, the
// embedding, rerank and image bodies): request goldens,
// invalid-request goldens, fuzz seeds and property, and response and
// stream goldens over the same canonical answers. Import it from tests only.
package familytest

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/testutil/golden"
)

// Decode is a family's request decoder.
type Decode func(body []byte) (*canon.Request, error)

// DecodeGolden checks testdata/request/<case>.wire.json (a body as a
// client sends it) against <case>.canon.json.
func DecodeGolden(t *testing.T, decode Decode) {
	RequestGolden(t, func(t *testing.T, _ string, body []byte) []byte {
		req, err := decode(body)
		if err != nil {
			t.Fatal(err)
		}
		return golden.JSON(t, req)
	})
}

// RequestGolden is DecodeGolden for a decoder of any result type: got
// decodes the body of file, a case's path (whose name may pick the model),
// and returns what <case>.canon.json holds for it.
func RequestGolden(t *testing.T, got func(t *testing.T, file string, body []byte) []byte) {
	for _, f := range golden.Glob(t, "testdata/request/*.wire.json") {
		t.Run(filepath.Base(f), func(t *testing.T) {
			body, _ := os.ReadFile(f)
			golden.Assert(t, strings.TrimSuffix(f, ".wire.json")+".canon.json", got(t, f, body))
		})
	}
}

// ImageRequestJSON is what an image family's request golden holds for
// req, decoded from body for model: the canonical request without its
// native body, which must be body itself, for model and family.
func ImageRequestJSON(t *testing.T, req *canon.ImageRequest, body []byte, model, family string) []byte {
	t.Helper()
	if !bytes.Equal(req.Native, body) || req.NativeFamily != family || req.Model != model {
		t.Errorf("native %q family %q model %q", req.Native, req.NativeFamily, req.Model)
	}
	r := *req
	r.Native = nil
	return golden.JSON(t, &r)
}

// DecodeInvalid checks that testdata/request/invalid/<case>.wire.json is
// refused with the ValidationException message in <case>.err.
func DecodeInvalid(t *testing.T, decode Decode) {
	InvalidGolden(t, func(body []byte) error { _, err := decode(body); return err })
}

// InvalidGolden is DecodeInvalid for a decoder of any result type.
func InvalidGolden(t *testing.T, decode func(body []byte) error) {
	InvalidFiles(t, func(_ *testing.T, _ string, body []byte) error { return decode(body) })
}

// InvalidFiles is InvalidGolden for a decoder that is also given the
// case's path, whose name may pick the model, and its subtest.
func InvalidFiles(t *testing.T, decode func(t *testing.T, file string, body []byte) error) {
	for _, f := range golden.Glob(t, "testdata/request/invalid/*.wire.json") {
		t.Run(filepath.Base(f), func(t *testing.T) {
			body, _ := os.ReadFile(f)
			err := decode(t, f, body)
			var ae *apierr.Error
			if !errors.As(err, &ae) || ae.Kind != apierr.Validation {
				t.Fatalf("err = %v, want a Validation error", err)
			}
			golden.Assert(t, strings.TrimSuffix(f, ".wire.json")+".err", []byte(ae.Message+"\n"))
		})
	}
}

// SeedFiles are the request goldens, valid and invalid: the fuzz seeds.
func SeedFiles(f *testing.F) []string {
	return append(golden.Glob(f, "testdata/request/*.wire.json"), golden.Glob(f, "testdata/request/invalid/*.wire.json")...)
}

// Fuzz seeds f with every request under testdata and checks the decoder's
// properties: no panic, only Validation errors, and an accepted
// conversation starts with a user turn.
func Fuzz(f *testing.F, decode Decode) {
	for _, file := range SeedFiles(f) {
		b, _ := os.ReadFile(file)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		req, err := decode(in)
		if err != nil {
			var ae *apierr.Error
			if !errors.As(err, &ae) || ae.Kind != apierr.Validation {
				t.Fatalf("error %T %v", err, err)
			}
			return
		}
		if len(req.Messages) == 0 || req.Messages[0].Role != canon.RoleUser {
			t.Fatalf("accepted a conversation without a first user turn: %+v", req.Messages)
		}
	})
}

// Answers are the canonical responses every family's encoders are checked with.
var Answers = map[string]*canon.Response{
	"text": {Message: canon.Message{Role: canon.RoleAssistant, Content: []canon.Block{canon.TextBlock("Sunny, 21 °C.\n\"Enjoy\"")}},
		StopReason: canon.StopEndTurn, Usage: canon.Usage{InputTokens: 12, OutputTokens: 6}, LatencyMs: 40},
	"tool_use": {Message: canon.Message{Role: canon.RoleAssistant, Content: []canon.Block{
		canon.TextBlock("Checking."),
		{Type: canon.BlockToolUse, ToolUse: &canon.ToolUse{ID: "tooluse_1", Name: "get_weather", Input: json.RawMessage(`{"city":"Paris"}`)}},
	}}, StopReason: canon.StopToolUse, Usage: canon.Usage{InputTokens: 30, OutputTokens: 9, CacheReadTokens: 100, CacheWriteTokens: 4}},
	"reasoning_max_tokens": {Message: canon.Message{Role: canon.RoleAssistant, Content: []canon.Block{
		{Type: canon.BlockReasoning, Reasoning: &canon.Reasoning{Text: "[REDACTED]"}},
		canon.TextBlock("The answer is"),
	}}, StopReason: canon.StopMaxTokens, Usage: canon.Usage{InputTokens: 5, OutputTokens: 3}},
}

// Metrics is the member the invoke surface adds to a stream's last chunk.
func Metrics(u canon.Usage, latencyMs int64) (string, any) {
	return "amazon-bedrock-invocationMetrics", map[string]any{"inputTokenCount": u.InputTokens, "outputTokenCount": u.OutputTokens,
		"invocationLatency": latencyMs, "firstByteLatency": 1}
}

// ResponseGolden checks each answer's response body against
// testdata/response/<case>.json.
func ResponseGolden(t *testing.T, encode func(*canon.Response) any) {
	for name, r := range Answers {
		t.Run(name, func(t *testing.T) {
			b, err := json.MarshalIndent(encode(r), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden.Assert(t, "testdata/response/"+name+".json", append(b, '\n'))
		})
	}
}

// Encoder is a family's stream encoder.
type Encoder interface {
	canon.EventWriter
	Finish() error
	Done() bool
}

// StreamGolden checks each answer, as the event stream a provider
// produces, against testdata/stream/<case>.jsonl (one chunk a line).
func StreamGolden(t *testing.T, newEncoder func(sink func([]byte) error) Encoder) {
	for name, r := range Answers {
		t.Run(name, func(t *testing.T) {
			var out []byte
			enc := newEncoder(func(c []byte) error {
				if !json.Valid(c) {
					t.Fatalf("chunk is not JSON: %s", c)
				}
				out = append(append(out, c...), '\n')
				return nil
			})
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

// StreamWithoutStop checks a family's stream encoder at the two ends a
// broken upstream leaves: a stream that never stopped is a
// ModelStreamError at Finish, and one that stopped without a metadata
// event still gets its last chunk, carrying the invocation metrics and
// each of wantInLast. newEncoder gets the metrics hook (nil in the first
// case).
func StreamWithoutStop(t *testing.T, newEncoder func(sink func([]byte) error, metrics func(canon.Usage, int64) (string, any)) Encoder, wantInLast ...string) {
	t.Helper()
	enc := newEncoder(func([]byte) error { return nil }, nil)
	_ = enc.WriteEvent(canon.Event{Kind: canon.EventMessageStart})
	var ae *apierr.Error
	if err := enc.Finish(); !errors.As(err, &ae) || ae.Kind != apierr.ModelStreamError {
		t.Fatalf("Finish without a stop = %v, want a ModelStreamError", err)
	}
	// Stopped without metadata: Finish writes the metadata chunk itself.
	var last string
	enc = newEncoder(func(c []byte) error { last = string(c); return nil }, Metrics)
	_ = enc.WriteEvent(canon.Event{Kind: canon.EventMessageStop, StopReason: canon.StopEndTurn})
	if err := enc.Finish(); err != nil {
		t.Fatalf("Finish after a stop = %v", err)
	}
	for _, want := range append(wantInLast, "amazon-bedrock-invocationMetrics") {
		if !strings.Contains(last, want) {
			t.Fatalf("last chunk %s lacks %s", last, want)
		}
	}
}
