package sse

import (
	"bytes"
	"errors"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
)

type got struct {
	Type, Data, ID string
}

func readAll(t testing.TB, r io.Reader) ([]got, error) {
	t.Helper()
	rd := NewReader(r)
	var out []got
	for {
		ev, err := rd.Next()
		if err != nil {
			if err == io.EOF {
				return out, nil
			}
			return out, err
		}
		out = append(out, got{ev.Type, string(ev.Data), ev.ID})
	}
}

func TestFramings(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want []got
	}{
		{"lf", "data: a\n\ndata: b\n\n", []got{{"", "a", ""}, {"", "b", ""}}},
		{"crlf", "event: x\r\ndata: a\r\n\r\n", []got{{"x", "a", ""}}},
		{"cr", "event: x\rdata: a\r\rdata: b\r\r", []got{{"x", "a", ""}, {"", "b", ""}}},
		{"multiline", "data: a\ndata: b\ndata:\n\n", []got{{"", "a\nb\n", ""}}},
		{"no space", "data:a\nevent:e\n\n", []got{{"e", "a", ""}}},
		{"two spaces keep one", "data:  a\n\n", []got{{"", " a", ""}}},
		{"comment", ": keep-alive\n\ndata: a\n\n", []got{{"", "a", ""}}},
		{"id and retry", "id: 7\nretry: 10\ndata: a\n\n", []got{{"", "a", "7"}}},
		{"type reset by empty event", "event: x\n\ndata: a\n\n", []got{{"", "a", ""}}},
		{"field only", "data\n\n", []got{{"", "", ""}}},
		{"unterminated last event dropped", "data: a\n\ndata: b\n", []got{{"", "a", ""}}},
		{"unknown field", "foo: bar\ndata: a\n\n", []got{{"", "a", ""}}},
		{"openai done", "data: {\"x\":1}\n\ndata: [DONE]\n\n", []got{{"", `{"x":1}`, ""}, {"", "[DONE]", ""}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, mode := range []string{"whole", "onebyte", "half"} {
				var r io.Reader = strings.NewReader(c.in)
				switch mode {
				case "onebyte":
					r = iotest.OneByteReader(r)
				case "half":
					r = iotest.HalfReader(r)
				}
				gotEvs, err := readAll(t, r)
				if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
					t.Fatalf("%s: %v", mode, err)
				}
				if len(gotEvs) != len(c.want) {
					t.Fatalf("%s: got %q, want %q", mode, gotEvs, c.want)
				}
				for i := range gotEvs {
					if gotEvs[i] != c.want[i] {
						t.Fatalf("%s: event %d = %q, want %q", mode, i, gotEvs[i], c.want[i])
					}
				}
			}
		})
	}
}

// TestCaptures replays every upstream capture under testdata whole, one byte
// at a time and at random split points: all must give the same events.
func TestCaptures(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.sse")
	if len(files) == 0 {
		t.Fatal("no captures in testdata")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			want, err := readAll(t, bytes.NewReader(raw))
			if err != nil || len(want) == 0 {
				t.Fatalf("whole read: %d events, %v", len(want), err)
			}
			one, err := readAll(t, iotest.OneByteReader(bytes.NewReader(raw)))
			if err != nil || !equal(one, want) {
				t.Fatalf("one byte at a time differs: %v", err)
			}
			rng := rand.New(rand.NewSource(1))
			for i := 0; i < 20; i++ {
				got, err := readAll(t, &splitReader{data: raw, rng: rng})
				if err != nil || !equal(got, want) {
					t.Fatalf("random split %d differs: %v", i, err)
				}
			}
		})
	}
}

func equal(a, b []got) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

type splitReader struct {
	data []byte
	rng  *rand.Rand
}

func (s *splitReader) Read(p []byte) (int, error) {
	if len(s.data) == 0 {
		return 0, io.EOF
	}
	n := 1 + s.rng.Intn(len(s.data))
	n = min(n, len(p))
	copy(p, s.data[:n])
	s.data = s.data[n:]
	return n, nil
}

func TestEventTooLarge(t *testing.T) {
	big := "data: " + strings.Repeat("x", MaxEventSize+1) + "\n\n"
	_, err := readAll(t, strings.NewReader(big))
	if !errors.Is(err, ErrEventTooLarge) {
		t.Fatalf("err = %v, want ErrEventTooLarge", err)
	}
	many := strings.Repeat("data: "+strings.Repeat("x", 1<<20)+"\n", 9) + "\n"
	_, err = readAll(t, strings.NewReader(many))
	if !errors.Is(err, ErrEventTooLarge) {
		t.Fatalf("multi-line err = %v, want ErrEventTooLarge", err)
	}
}

func FuzzReader(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.sse")
	for _, file := range files {
		b, _ := os.ReadFile(file)
		f.Add(b)
	}
	f.Add([]byte("data: a\r\n\r\ndata: b\r\rdata:c\n\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		whole, err1 := readAll(t, bytes.NewReader(in))
		one, err2 := readAll(t, iotest.OneByteReader(bytes.NewReader(in)))
		if (err1 == nil) != (err2 == nil) || !equal(whole, one) {
			t.Fatalf("split changes result: %q/%v vs %q/%v", whole, err1, one, err2)
		}
	})
}

func BenchmarkReader(b *testing.B) {
	raw, err := os.ReadFile("testdata/openai_tool_calls.sse")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	br := bytes.NewReader(raw)
	rd := NewReader(br)
	for b.Loop() {
		br.Reset(raw)
		rd.br.Reset(br)
		for {
			if _, err := rd.Next(); err != nil {
				break
			}
		}
	}
}
