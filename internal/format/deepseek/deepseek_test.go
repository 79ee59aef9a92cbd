package deepseek

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/testutil/familytest"
)

const testModel = "deepseek.r1-v1:0"

func decode(body []byte) (*canon.Request, error) {
	req, _, err := DecodeRequest(testModel, body)
	return req, err
}

func TestDecodeRequestGolden(t *testing.T)  { familytest.DecodeGolden(t, decode) }
func TestDecodeRequestInvalid(t *testing.T) { familytest.DecodeInvalid(t, decode) }
func FuzzDecodeRequest(f *testing.F)        { familytest.Fuzz(f, decode) }

// The familytest answers are rendered for a prompt that did not open the
// think block; TestThinkOpen covers the other style.
func TestResponseGolden(t *testing.T) {
	familytest.ResponseGolden(t, func(r *canon.Response) any { return ResponseFromCanon(r, Style{}) })
}

func TestStreamGolden(t *testing.T) {
	familytest.StreamGolden(t, func(sink func([]byte) error) familytest.Encoder {
		return NewStreamEncoder(sink, Style{}, familytest.Metrics)
	})
}

func TestStyle(t *testing.T) {
	for body, want := range map[string]bool{
		`{"prompt":"<｜User｜>hi<｜Assistant｜><think>\n"}`:                  true,
		`{"prompt":"<|User|>hi<|Assistant|> <think>"}`:                   true,
		`{"prompt":"<｜User｜>hi<｜Assistant｜>"}`:                           false,
		`{"prompt":"hi <think>"}`:                                        false,
		`{"prompt":"<｜User｜>hi<｜Assistant｜><think>a</think>The answer"}`: false,
	} {
		_, style, err := DecodeRequest(testModel, []byte(body))
		if err != nil || style.ThinkOpen != want {
			t.Errorf("%s: style %+v, err %v; want ThinkOpen %v", body, style, err, want)
		}
	}
}

// TestThinkOpen: with the prompt's think block open, the answer carries no
// opening tag, and a provider that did not reason still closes the block
// before the answer; unary and streamed texts agree.
func TestThinkOpen(t *testing.T) {
	reasoned := familytest.Answers["reasoning_max_tokens"]
	plain := familytest.Answers["text"]
	for _, tc := range []struct {
		name string
		r    *canon.Response
		open bool
		want string
	}{
		{"reasoned open", reasoned, true, "[REDACTED]\n</think>\n\nThe answer is"},
		{"reasoned closed", reasoned, false, "<think>\n[REDACTED]\n</think>\n\nThe answer is"},
		{"plain open", plain, true, "</think>\n\nSunny, 21 °C.\n\"Enjoy\""},
		{"plain closed", plain, false, "Sunny, 21 °C.\n\"Enjoy\""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ResponseFromCanon(tc.r, Style{ThinkOpen: tc.open}).Choices[0].Text
			if got != tc.want {
				t.Errorf("unary text = %q, want %q", got, tc.want)
			}
			var streamed strings.Builder
			enc := NewStreamEncoder(func(c []byte) error {
				var ch chunk
				if err := json.Unmarshal(c, &ch); err != nil || len(ch.Choices) != 1 {
					t.Fatalf("chunk %s: %v", c, err)
				}
				streamed.WriteString(ch.Choices[0].Text)
				return nil
			}, Style{ThinkOpen: tc.open}, nil)
			if err := canon.Emit(enc, tc.r); err != nil {
				t.Fatal(err)
			}
			if err := enc.Finish(); err != nil || !enc.Done() {
				t.Fatalf("Finish = %v", err)
			}
			if streamed.String() != tc.want {
				t.Errorf("streamed text = %q, want %q", streamed.String(), tc.want)
			}
		})
	}
}

func TestStreamWithoutStop(t *testing.T) {
	familytest.StreamWithoutStop(t, func(sink func([]byte) error, m func(canon.Usage, int64) (string, any)) familytest.Encoder {
		return NewStreamEncoder(sink, Style{}, m)
	})
}
