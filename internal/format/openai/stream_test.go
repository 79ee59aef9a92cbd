package openai

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/wire/sse"
)

// decodeSSE is the provider's stream loop without the network: read SSE
// events, decode each, finish at [DONE] or EOF.
func decodeSSE(r io.Reader, w canon.EventWriter) error {
	rd := sse.NewReader(r)
	dec := NewStreamDecoder(w)
	for {
		ev, err := rd.Next()
		if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
			break
		}
		if err != nil {
			return apierr.Wrap(apierr.ModelStreamError, err, "the upstream stream broke")
		}
		done, err := dec.Decode(ev.Data)
		if err != nil {
			return err
		}
		if done {
			break
		}
	}
	return dec.Finish()
}

// randomChunks returns at most a random 1..max bytes per Read, from a
// seeded source so a failure reproduces.
type randomChunks struct {
	r   io.Reader
	rng *rand.Rand
	max int
}

func (c *randomChunks) Read(p []byte) (int, error) {
	n := 1 + c.rng.Intn(c.max)
	if n < len(p) {
		p = p[:n]
	}
	return c.r.Read(p)
}

// TestStreamGolden decodes testdata/stream/<case>.sse and compares the
// events with <case>.events.json; every case is replayed whole, one byte
// at a time and at random split points, which must all agree.
func TestStreamGolden(t *testing.T) {
	for _, in := range casesIn(t, "testdata/stream", ".sse") {
		name := strings.TrimSuffix(filepath.Base(in), ".sse")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			run := func(r io.Reader) outcome {
				var rec recorder
				err := decodeSSE(r, &rec)
				return outcome{Events: rec.events, Error: renderErr(t, err)}
			}
			want := run(bytes.NewReader(data))
			golden(t, strings.TrimSuffix(in, ".sse")+".events.json", want)

			if got := run(iotest.OneByteReader(bytes.NewReader(data))); !cmp.Equal(want, got) {
				t.Errorf("one byte at a time differs (-whole +onebyte):\n%s", cmp.Diff(want, got))
			}
			for seed := int64(1); seed <= 20; seed++ {
				r := &randomChunks{r: bytes.NewReader(data), rng: rand.New(rand.NewSource(seed)), max: 64}
				if got := run(r); !cmp.Equal(want, got) {
					t.Fatalf("random split seed %d differs (-whole +split):\n%s", seed, cmp.Diff(want, got))
				}
			}
			if want.Error == nil {
				shape := newCheckShape()
				if err := decodeSSE(bytes.NewReader(data), shape); err != nil {
					t.Fatalf("shape: %v", err)
				}
				if err := shape.complete(); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// TestStreamMatchesUnary is pitfall 1: the streamed parallel tool calls,
// accumulated, equal the unary answer to the same question.
func TestStreamMatchesUnary(t *testing.T) {
	for _, c := range []struct{ stream, unary string }{
		{"parallel_tool_calls.sse", "parallel_tool_calls.wire.json"},
		{"reasoning_deepseek.sse", "reasoning_deepseek.wire.json"},
	} {
		t.Run(c.stream, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata/stream", c.stream))
			if err != nil {
				t.Fatal(err)
			}
			acc := canon.NewAccumulator()
			if err := decodeSSE(iotest.OneByteReader(bytes.NewReader(data)), acc); err != nil {
				t.Fatal(err)
			}
			streamed, err := acc.Response()
			if err != nil {
				t.Fatal(err)
			}
			body, err := os.ReadFile(filepath.Join("testdata/response", c.unary))
			if err != nil {
				t.Fatal(err)
			}
			resp, err := ParseResponse(body)
			if err != nil {
				t.Fatal(err)
			}
			unary, err := ResponseToCanon(resp)
			if err != nil {
				t.Fatal(err)
			}
			// Streams carry arguments verbatim; the unary path compacts them.
			for _, b := range streamed.Message.Content {
				if b.Type == canon.BlockToolUse {
					var buf bytes.Buffer
					_ = json.Compact(&buf, b.ToolUse.Input)
					b.ToolUse.Input = buf.Bytes()
				}
			}
			if diff := cmp.Diff(unary, streamed); diff != "" {
				t.Errorf("(-unary +streamed):\n%s", diff)
			}
		})
	}
}

// TestStreamDecoderWriterError checks that a failing writer stops the
// decoder and that its error comes back unchanged.
func TestStreamDecoderWriterError(t *testing.T) {
	stop := errors.New("client gone")
	n := 0
	w := canon.EventWriterFunc(func(canon.Event) error {
		n++
		if n == 3 {
			return stop
		}
		return nil
	})
	data, _ := os.ReadFile("testdata/stream/text.sse")
	err := decodeSSE(bytes.NewReader(data), w)
	if !errors.Is(err, stop) {
		t.Fatalf("err = %v, want the writer's error", err)
	}
	if n != 3 {
		t.Errorf("writer called %d times after failing", n)
	}
}

func TestStreamDecoderToolIndexBound(t *testing.T) {
	dec := NewStreamDecoder(&recorder{})
	_, err := dec.Decode([]byte(`{"choices":[{"index":0,"delta":{"tool_calls":[{"index":1000000,"id":"x","function":{"name":"f"}}]}}]}`))
	if apierr.KindOf(err) != apierr.ModelStreamError {
		t.Errorf("err = %v, want ModelStreamError", err)
	}
}

// FuzzStreamDecoder: no panic or hang, errors are *apierr.Error, and a
// stream that decodes without error is well formed.
func FuzzStreamDecoder(f *testing.F) {
	files, _ := filepath.Glob("testdata/stream/*.sse")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":3,\"function\":{\"arguments\":\"{}\"}}]},\"finish_reason\":\"tool_calls\"}]}\n\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		shape := newCheckShape()
		err := decodeSSE(bytes.NewReader(data), shape)
		if err != nil {
			var ae *apierr.Error
			if !errors.As(err, &ae) {
				t.Fatalf("error %v (%T) is not an *apierr.Error", err, err)
			}
			return
		}
		if err := shape.complete(); err != nil {
			t.Fatal(err)
		}
	})
}
