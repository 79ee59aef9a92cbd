package eventstream

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	sdk "github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
	"github.com/google/go-cmp/cmp"
)

// rawFrame lays out a frame from raw header bytes with correct CRCs, so the
// tests can build frames the Writer would never produce.
func rawFrame(headers, payload []byte) []byte {
	return rawFrameLens(uint32(minMessageLen+len(headers)+len(payload)), uint32(len(headers)), headers, payload)
}

func rawFrameLens(total, headersLen uint32, headers, payload []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, total)
	b = binary.BigEndian.AppendUint32(b, headersLen)
	b = binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b))
	b = append(b, headers...)
	b = append(b, payload...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b))
}

func rawHeader(name string, typ byte, value []byte) []byte {
	b := append([]byte{byte(len(name))}, name...)
	b = append(b, typ)
	return append(b, value...)
}

func stringHeader(name, value string) []byte {
	v := binary.BigEndian.AppendUint16(nil, uint16(len(value)))
	return rawHeader(name, typeString, append(v, value...))
}

var cmpHeaders = cmp.Comparer(func(a, b sdk.TimestampValue) bool { return time.Time(a).Equal(time.Time(b)) })

func specFrame(t testing.TB) []byte {
	t.Helper()
	return readHex(t, filepath.Join("testdata", "spec", "message_stop.hex"))
}

// goldenStream is every golden case back to back: one long valid stream.
func goldenStream(t testing.TB) []byte {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "*", "*.hex"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden streams: %v", err)
	}
	var all []byte
	for _, f := range files {
		all = append(all, readHex(t, f)...)
	}
	return all
}

func readAllMessages(r *Reader) ([]Message, error) {
	var out []Message
	for {
		m, err := r.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		m.Payload = bytes.Clone(m.Payload)
		out = append(out, m)
	}
}

func TestReaderSplitReads(t *testing.T) {
	stream := goldenStream(t)
	want, err := readAllMessages(NewReader(bytes.NewReader(stream), Limits{}))
	if err != nil {
		t.Fatal(err)
	}
	if len(want) < 10 {
		t.Fatalf("only %d frames in the golden stream", len(want))
	}
	for name, wrap := range map[string]func(io.Reader) io.Reader{
		"one byte":       iotest.OneByteReader,
		"half":           iotest.HalfReader,
		"EOF with data":  iotest.DataErrReader,
		"err after read": func(r io.Reader) io.Reader { return iotest.DataErrReader(iotest.OneByteReader(r)) },
	} {
		t.Run(name, func(t *testing.T) {
			got, err := readAllMessages(NewReader(wrap(bytes.NewReader(stream)), Limits{}))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got, cmpHeaders); diff != "" {
				t.Errorf("(-whole +split):\n%s", diff)
			}
		})
	}
}

func TestReaderAllHeaderTypes(t *testing.T) {
	hs := sdk.Headers{
		{Name: ":date", Value: sdk.TimestampValue(time.UnixMilli(1764024721123).UTC())},
		{Name: ":chunk-signature", Value: sdk.BytesValue(bytes.Repeat([]byte{0xab}, 32))},
		{Name: "true", Value: sdk.BoolValue(true)},
		{Name: "false", Value: sdk.BoolValue(false)},
		{Name: "byte", Value: sdk.Int8Value(-49)},
		{Name: "short", Value: sdk.Int16Value(-1234)},
		{Name: "int", Value: sdk.Int32Value(40972)},
		{Name: "long", Value: sdk.Int64Value(-42424242)},
		{Name: "uuid", Value: sdk.UUIDValue{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}},
		{Name: "string", Value: sdk.StringValue("Grüße")},
	}
	var buf bytes.Buffer
	if err := sdk.NewEncoder().Encode(&buf, sdk.Message{Headers: hs, Payload: []byte{0, 1, 2, 0xff}}); err != nil {
		t.Fatal(err)
	}
	m, err := NewReader(&buf, Limits{}).Next()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(hs, m.Headers, cmpHeaders); diff != "" {
		t.Errorf("headers (-sdk +reader):\n%s", diff)
	}
	if m.Type != "" || m.EventType != "" {
		t.Errorf("a frame without :message-type decoded as %q/%q", m.Type, m.EventType)
	}
	if !bytes.Equal(m.Payload, []byte{0, 1, 2, 0xff}) {
		t.Errorf("payload = %x", m.Payload)
	}
}

// TestReaderSignedEnvelope reads a bidirectional-stream input frame as the
// SDK's signer wraps it (spec §4.3): an outer frame with :date and
// :chunk-signature whose payload is the inner event frame.
func TestReaderSignedEnvelope(t *testing.T) {
	var inner bytes.Buffer
	if err := NewWriter(&inner).WriteEvent("chunk", []byte(`{"bytes":"e30="}`)); err != nil {
		t.Fatal(err)
	}
	var outer bytes.Buffer
	enc := sdk.NewEncoder()
	for _, payload := range [][]byte{inner.Bytes(), nil} { // an empty envelope ends the input
		hs := sdk.Headers{
			{Name: ":date", Value: sdk.TimestampValue(time.UnixMilli(1764024721000))},
			{Name: ":chunk-signature", Value: sdk.BytesValue(make([]byte, 32))},
		}
		if err := enc.Encode(&outer, sdk.Message{Headers: hs, Payload: payload}); err != nil {
			t.Fatal(err)
		}
	}
	r := NewReader(&outer, Limits{})
	env, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	if env.Type != "" || env.Headers.Get(":chunk-signature") == nil {
		t.Fatalf("envelope decoded as type %q, headers %v", env.Type, env.Headers)
	}
	m, err := NewReader(bytes.NewReader(env.Payload), Limits{}).Next()
	if err != nil {
		t.Fatal(err)
	}
	if m.Type != MessageTypeEvent || m.EventType != "chunk" || string(m.Payload) != `{"bytes":"e30="}` {
		t.Errorf("inner = %q %q %q", m.Type, m.EventType, m.Payload)
	}
	end, err := r.Next()
	if err != nil || len(end.Payload) != 0 {
		t.Fatalf("end envelope = %q, %v", end.Payload, err)
	}
	if _, err := r.Next(); err != io.EOF {
		t.Fatalf("after the end envelope: %v, want io.EOF", err)
	}
}

func TestReaderDamage(t *testing.T) {
	good := specFrame(t)
	flip := func(i int) []byte {
		b := bytes.Clone(good)
		b[i] ^= 0x01
		return b
	}
	headers := stringHeader(":message-type", "event")
	cases := []struct {
		name string
		in   []byte
		want error
	}{
		{"total_length bit", flip(3), ErrChecksum},
		{"headers_length bit", flip(7), ErrChecksum},
		{"prelude crc bit", flip(10), ErrChecksum},
		{"header bit", flip(20), ErrChecksum},
		{"payload bit", flip(100), ErrChecksum},
		{"message crc bit", flip(len(good) - 1), ErrChecksum},
		{"total below minimum", rawFrameLens(15, 0, nil, nil)[:15], ErrMalformed},
		{"headers longer than frame", rawFrameLens(20, 5, nil, []byte{1, 2, 3, 4}), ErrMalformed},
		{"empty header name", rawFrame(append(rawHeader("", 0, nil), headers...), nil), ErrMalformed},
		{"unknown value type", rawFrame(rawHeader("x", 10, nil), nil), ErrMalformed},
		{"name overruns block", rawFrame([]byte{9, 'a', 'b'}, nil), ErrMalformed},
		{"missing value type", rawFrame([]byte{1, 'a'}, nil), ErrMalformed},
		{"fixed value overruns block", rawFrame(rawHeader("n", 5, []byte{1, 2, 3}), nil), ErrMalformed},
		{"string length overruns block", rawFrame(rawHeader("s", typeString, []byte{0, 9, 'a'}), nil), ErrMalformed},
		{"string length missing", rawFrame(rawHeader("s", typeString, []byte{0}), nil), ErrMalformed},
		{"string over 32767 bytes", rawFrame(stringHeader("s", strings.Repeat("x", maxHeaderValueLen+1)), nil), ErrMalformed},
		{"duplicate header", rawFrame(append(bytes.Clone(headers), stringHeader(":message-type", "exception")...), nil), ErrMalformed},
		{"message-type not a string", rawFrame(rawHeader(":message-type", 4, []byte{0, 0, 0, 1}), nil), ErrMalformed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := NewReader(bytes.NewReader(c.in), Limits{})
			_, err := r.Next()
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			if _, again := r.Next(); again != err {
				t.Errorf("second Next = %v, want the same error again", again)
			}
		})
	}
}

func TestReaderTruncated(t *testing.T) {
	two := append(specFrame(t), specFrame(t)...)
	n := len(two) / 2
	for cut := 1; cut < len(two); cut++ {
		if cut == n {
			continue
		}
		r := NewReader(bytes.NewReader(two[:cut]), Limits{})
		if cut > n {
			if _, err := r.Next(); err != nil {
				t.Fatalf("cut %d: first frame: %v", cut, err)
			}
		}
		_, err := r.Next()
		if !errors.Is(err, ErrTruncated) || !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("cut %d: err = %v, want ErrTruncated and io.ErrUnexpectedEOF", cut, err)
		}
	}
	for _, in := range [][]byte{nil, two[:n]} {
		r := NewReader(bytes.NewReader(in), Limits{})
		if len(in) > 0 {
			if _, err := r.Next(); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := r.Next(); err != io.EOF {
			t.Errorf("at a frame boundary: %v, want io.EOF", err)
		}
	}
}

func TestReaderSourceError(t *testing.T) {
	boom := errors.New("connection reset")
	for _, at := range []int{0, 5, 40} {
		src := io.MultiReader(bytes.NewReader(specFrame(t)[:at]), iotest.ErrReader(boom))
		if _, err := NewReader(src, Limits{}).Next(); !errors.Is(err, boom) {
			t.Errorf("after %d bytes: err = %v, want %v", at, err, boom)
		}
	}
}

// stopReader serves data, then fails the test if read again: the Reader
// must decide on a prelude without reading the body it announces.
type stopReader struct {
	t    *testing.T
	data []byte
}

func (s *stopReader) Read(p []byte) (int, error) {
	if len(s.data) == 0 {
		s.t.Error("Reader read past a prelude it should have rejected")
		return 0, io.EOF
	}
	n := copy(p, s.data)
	s.data = s.data[n:]
	return n, nil
}

func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func TestReaderLimits(t *testing.T) {
	prelude := func(total, headersLen uint32) []byte {
		return rawFrameLens(total, headersLen, nil, nil)[:preludeLen]
	}
	var many []byte // 3-byte bool headers with distinct names
	for i := range 40 {
		many = append(many, rawHeader(string(rune('A'+i)), 0, nil)...)
	}
	cases := []struct {
		name   string
		limits Limits
		in     []byte
		field  string
		got    int64
	}{
		{"default total_length", Limits{}, prelude(DefaultMaxMessageLength+1, 0), "total_length", DefaultMaxMessageLength + 1},
		{"4 GiB total_length", Limits{}, prelude(1<<32-1, 0), "total_length", 1<<32 - 1},
		{"custom total_length", Limits{MaxMessageLength: 1000}, prelude(1001, 0), "total_length", 1001},
		{"default headers_length", Limits{}, prelude(1<<20, DefaultMaxHeadersLength+1), "headers_length", DefaultMaxHeadersLength + 1},
		{"custom headers_length", Limits{MaxHeadersLength: 10}, prelude(100, 11), "headers_length", 11},
		{"default header count", Limits{}, rawFrame(many, nil), "header count", 40},
		{"custom header count", Limits{MaxHeaders: 3}, rawFrame(many[:3*6], nil), "header count", 6},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var err error
			bytesAlloc := allocated(func() {
				_, err = NewReader(&stopReader{t: t, data: c.in}, c.limits).Next()
			})
			var le *LimitError
			if !errors.As(err, &le) || !errors.Is(err, ErrLimit) {
				t.Fatalf("err = %v, want a *LimitError", err)
			}
			if le.Field != c.field || le.Got != c.got {
				t.Errorf("LimitError = %+v, want field %s got %d", le, c.field, c.got)
			}
			// TotalAlloc is process-wide, so allow for noise; the bound
			// still sits below firstChunk, the smallest body buffer.
			if bytesAlloc > firstChunk/2 {
				t.Errorf("allocated %d bytes to reject a frame", bytesAlloc)
			}
		})
	}
	t.Run("at the limit is accepted", func(t *testing.T) {
		f := rawFrame(stringHeader(":message-type", "event"), make([]byte, 100))
		if _, err := NewReader(bytes.NewReader(f), Limits{MaxMessageLength: len(f), MaxHeaders: 1}).Next(); err != nil {
			t.Fatal(err)
		}
	})
}

// TestReaderAllocatesWithTheData checks that a peer announcing a 16 MiB frame
// and then hanging up has cost memory in proportion to what it sent.
func TestReaderAllocatesWithTheData(t *testing.T) {
	in := append(rawFrameLens(DefaultMaxMessageLength, 0, nil, nil)[:preludeLen], make([]byte, 1000)...)
	var err error
	n := allocated(func() {
		_, err = NewReader(bytes.NewReader(in), Limits{}).Next()
	})
	if !errors.Is(err, ErrTruncated) {
		t.Fatalf("err = %v, want ErrTruncated", err)
	}
	if n > 256<<10 {
		t.Errorf("allocated %d bytes for a 1 KB truncated frame", n)
	}
}

func TestReaderDropsLargeBuffers(t *testing.T) {
	big := rawFrame(stringHeader(":message-type", "event"), make([]byte, 1<<20))
	small := specFrame(t)
	r := NewReader(bytes.NewReader(append(big, small...)), Limits{})
	for range 2 {
		if _, err := r.Next(); err != nil {
			t.Fatal(err)
		}
	}
	if cap(r.frame) > maxRetainedBuf || cap(r.payload) > maxRetainedBuf {
		t.Errorf("kept buffers of %d and %d bytes after a large frame", cap(r.frame), cap(r.payload))
	}
}

func TestReaderNeverReadsPastAFrame(t *testing.T) {
	f := specFrame(t)
	src := bytes.NewReader(append(bytes.Clone(f), "trailing"...))
	if _, err := NewReader(src, Limits{}).Next(); err != nil {
		t.Fatal(err)
	}
	if rest, _ := io.ReadAll(src); string(rest) != "trailing" {
		t.Errorf("left %q in the source, want %q", rest, "trailing")
	}
}

func BenchmarkReader(b *testing.B) {
	stream := readHex(b, filepath.Join("testdata", "golden", "converse_tool_call.hex"))
	frames := len(splitFrames(b, stream))
	b.ReportAllocs()
	b.SetBytes(int64(len(stream)))
	br := bytes.NewReader(stream)
	r := NewReader(br, Limits{})
	for b.Loop() {
		br.Reset(stream)
		r.src, r.err = br, nil
		for range frames {
			if _, err := r.Next(); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*frames), "ns/frame")
}
