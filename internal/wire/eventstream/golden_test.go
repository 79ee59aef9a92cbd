package eventstream

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"

	sdk "github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
	"github.com/google/go-cmp/cmp"
)

// Golden cases: testdata/<dir>/<case>.json holds the frames decoded, and
// <case>.hex the exact bytes as a hex dump, one block per frame. The JSON is
// both the Writer's input (message type, name, payload) and the Reader's
// expected output, so a new case is a JSON file listing just those fields,
// then `go test -run TestGolden -update` and a review of both files.
//
// testdata/spec holds vectors transcribed from the spec; -update never
// touches it, so a change in the Writer cannot quietly rewrite the reference.
var update = flag.Bool("update", false, "rewrite testdata/golden from the Writer's and Reader's output")

type goldenFrame struct {
	TotalLength   uint32         `json:"total_length,omitempty"`
	HeadersLength uint32         `json:"headers_length,omitempty"`
	PreludeCRC    string         `json:"prelude_crc,omitempty"`
	MessageCRC    string         `json:"message_crc,omitempty"`
	MessageType   string         `json:"message_type,omitempty"`
	EventType     string         `json:"event_type,omitempty"`
	ExceptionType string         `json:"exception_type,omitempty"`
	ErrorCode     string         `json:"error_code,omitempty"`
	ErrorMessage  string         `json:"error_message,omitempty"`
	ContentType   string         `json:"content_type,omitempty"`
	Headers       []goldenHeader `json:"headers,omitempty"`
	Payload       string         `json:"payload,omitempty"`        // exact bytes when they are UTF-8
	PayloadBase64 string         `json:"payload_base64,omitempty"` // otherwise
}

type goldenHeader struct {
	Name  string `json:"name"`
	Type  string `json:"type"`
	Value string `json:"value"`
}

func (f goldenFrame) payload(t testing.TB) []byte {
	if f.PayloadBase64 != "" {
		b, err := base64.StdEncoding.DecodeString(f.PayloadBase64)
		if err != nil {
			t.Fatalf("payload_base64: %v", err)
		}
		return b
	}
	return []byte(f.Payload)
}

func TestGolden(t *testing.T) {
	for _, dir := range []string{"spec", "golden"} {
		files, err := filepath.Glob(filepath.Join("testdata", dir, "*.json"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no golden cases in testdata/%s: %v", dir, err)
		}
		for _, file := range files {
			name := strings.TrimSuffix(filepath.Base(file), ".json")
			t.Run(dir+"/"+name, func(t *testing.T) {
				hexFile := strings.TrimSuffix(file, ".json") + ".hex"
				want := loadJSON(t, file)
				if *update && dir == "golden" {
					stream := writeGolden(t, want)
					frames := splitFrames(t, stream)
					want = decodeGolden(t, bytes.NewReader(stream))
					writeFile(t, hexFile, formatHex(frames, want))
					var js bytes.Buffer
					enc := json.NewEncoder(&js)
					enc.SetEscapeHTML(false)
					enc.SetIndent("", "  ")
					if err := enc.Encode(want); err != nil {
						t.Fatal(err)
					}
					writeFile(t, file, js.Bytes())
				}
				stream := readHex(t, hexFile)
				checkGolden(t, want, stream)
			})
		}
	}
}

func checkGolden(t *testing.T, want []goldenFrame, stream []byte) {
	t.Run("writer", func(t *testing.T) {
		if got := writeGolden(t, want); !bytes.Equal(got, stream) {
			t.Errorf("Writer output differs from the golden bytes\ngot:\n%swant:\n%s", hex.Dump(got), hex.Dump(stream))
		}
	})
	t.Run("reader", func(t *testing.T) {
		if diff := cmp.Diff(want, decodeGolden(t, bytes.NewReader(stream))); diff != "" {
			t.Errorf("Reader (-want +got):\n%s", diff)
		}
	})
	t.Run("reader one byte at a time", func(t *testing.T) {
		if diff := cmp.Diff(want, decodeGolden(t, iotest.OneByteReader(bytes.NewReader(stream)))); diff != "" {
			t.Errorf("Reader (-want +got):\n%s", diff)
		}
	})
	t.Run("sdk encoder", func(t *testing.T) {
		frames := splitFrames(t, stream)
		if len(frames) != len(want) {
			t.Fatalf("%d frames in the hex, %d in the JSON", len(frames), len(want))
		}
		enc := sdk.NewEncoder()
		for i, f := range want {
			var hs sdk.Headers
			for _, h := range f.Headers {
				if h.Type != "string" {
					t.Fatalf("frame %d: header %s: only string headers can be re-encoded here", i, h.Name)
				}
				hs = append(hs, sdk.Header{Name: h.Name, Value: sdk.StringValue(h.Value)})
			}
			var buf bytes.Buffer
			if err := enc.Encode(&buf, sdk.Message{Headers: hs, Payload: f.payload(t)}); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf.Bytes(), frames[i]) {
				t.Errorf("frame %d: SDK encoder disagrees with the golden bytes\nsdk:\n%sgolden:\n%s", i, hex.Dump(buf.Bytes()), hex.Dump(frames[i]))
			}
		}
	})
	t.Run("sdk decoder", func(t *testing.T) {
		r := bytes.NewReader(stream)
		dec := sdk.NewDecoder()
		for i, f := range want {
			m, err := dec.Decode(r, nil)
			if err != nil {
				t.Fatalf("frame %d: %v", i, err)
			}
			if diff := cmp.Diff(f.Headers, goldenHeaders(m.Headers)); diff != "" {
				t.Errorf("frame %d headers (-want +got):\n%s", i, diff)
			}
			if !bytes.Equal(m.Payload, f.payload(t)) {
				t.Errorf("frame %d payload = %q, want %q", i, m.Payload, f.payload(t))
			}
		}
		if r.Len() != 0 {
			t.Errorf("%d bytes left after the last frame", r.Len())
		}
	})
}

// writeGolden writes want's frames through the Writer, choosing the method
// by message type.
func writeGolden(t testing.TB, want []goldenFrame) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := NewWriter(&buf)
	for i, f := range want {
		var err error
		switch f.MessageType {
		case MessageTypeEvent:
			err = w.WriteEvent(f.EventType, f.payload(t))
		case MessageTypeException:
			err = w.WriteException(f.ExceptionType, f.payload(t))
		case MessageTypeError:
			err = w.WriteError(f.ErrorCode, f.ErrorMessage)
		default:
			t.Fatalf("frame %d: message_type %q", i, f.MessageType)
		}
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
	}
	return buf.Bytes()
}

// decodeGolden reads every frame from r with the Reader and fills in the
// prelude fields from the raw bytes, which it captures on the way through.
func decodeGolden(t testing.TB, r io.Reader) []goldenFrame {
	t.Helper()
	var raw bytes.Buffer
	rd := NewReader(io.TeeReader(r, &raw), Limits{})
	var out []goldenFrame
	for {
		start := raw.Len()
		m, err := rd.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("frame %d: %v", len(out), err)
		}
		frame := raw.Bytes()[start:]
		f := goldenFrame{
			TotalLength:   binary.BigEndian.Uint32(frame[0:4]),
			HeadersLength: binary.BigEndian.Uint32(frame[4:8]),
			PreludeCRC:    hex.EncodeToString(frame[8:12]),
			MessageCRC:    hex.EncodeToString(frame[len(frame)-4:]),
			MessageType:   m.Type,
			EventType:     m.EventType,
			ExceptionType: m.ExceptionType,
			ErrorCode:     m.ErrorCode,
			ErrorMessage:  m.ErrorMessage,
			ContentType:   m.ContentType,
			Headers:       goldenHeaders(m.Headers),
		}
		if utf8.Valid(m.Payload) {
			f.Payload = string(m.Payload)
		} else {
			f.PayloadBase64 = base64.StdEncoding.EncodeToString(m.Payload)
		}
		out = append(out, f)
	}
}

func goldenHeaders(hs sdk.Headers) []goldenHeader {
	var out []goldenHeader
	for _, h := range hs {
		var typ string
		switch v := h.Value.(type) {
		case sdk.BoolValue:
			typ = "bool"
		case sdk.Int8Value:
			typ = "byte"
		case sdk.Int16Value:
			typ = "short"
		case sdk.Int32Value:
			typ = "integer"
		case sdk.Int64Value:
			typ = "long"
		case sdk.BytesValue:
			typ = "bytes"
		case sdk.StringValue:
			typ = "string"
		case sdk.TimestampValue:
			typ = "timestamp"
		case sdk.UUIDValue:
			typ = "uuid"
		default:
			typ = fmt.Sprintf("%T", v)
		}
		out = append(out, goldenHeader{Name: h.Name, Type: typ, Value: h.Value.String()})
	}
	return out
}

// splitFrames cuts a stream at each total_length; it trusts its input,
// which the caller has already decoded or produced.
func splitFrames(t testing.TB, stream []byte) [][]byte {
	t.Helper()
	var frames [][]byte
	for len(stream) > 0 {
		if len(stream) < minMessageLen {
			t.Fatalf("%d stray bytes at the end of the stream", len(stream))
		}
		n := int(binary.BigEndian.Uint32(stream))
		if n < minMessageLen || n > len(stream) {
			t.Fatalf("bad total_length %d with %d bytes left", n, len(stream))
		}
		frames = append(frames, stream[:n])
		stream = stream[n:]
	}
	return frames
}

// formatHex dumps each frame in `hexdump -C` layout under a comment naming
// it, so a review reads which frame changed.
func formatHex(frames [][]byte, decoded []goldenFrame) []byte {
	var b strings.Builder
	b.WriteString("# Generated by `go test -run TestGolden -update` from the .json beside it.\n")
	for i, f := range frames {
		d := decoded[i]
		name := d.EventType + d.ExceptionType + d.ErrorCode
		fmt.Fprintf(&b, "# frame %d: %s %s, %d bytes\n", i, d.MessageType, name, len(f))
		b.WriteString(hex.Dump(f))
	}
	return []byte(b.String())
}

// readHex parses hex-dump files: '#' lines are comments, and on every other
// line the offset column and the |ascii| column are ignored.
func readHex(t testing.TB, path string) []byte {
	t.Helper()
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []byte
	for n, line := range strings.Split(string(text), "\n") {
		if i := strings.IndexByte(line, '|'); i >= 0 {
			line = line[:i]
		}
		fields := strings.Fields(line)
		if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		for _, f := range fields[1:] {
			b, err := hex.DecodeString(f)
			if err != nil || len(b) != 1 {
				t.Fatalf("%s:%d: bad byte %q", path, n+1, f)
			}
			out = append(out, b[0])
		}
	}
	return out
}

func loadJSON(t testing.TB, path string) []goldenFrame {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var fs []goldenFrame
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&fs); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return fs
}

func writeFile(t testing.TB, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
