package eventstream

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"

	sdk "github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
	"github.com/google/go-cmp/cmp"
)

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// FuzzReader feeds arbitrary bytes to the Reader with small limits. Beyond
// not panicking it checks that a frame rejected for its announced size was
// rejected on its prelude alone (so nothing was allocated for it), that the
// Reader never reads past the frame it returns, that every error is one of
// the documented kinds, and that any frame it accepts the SDK Decoder
// accepts too, with the same headers and payload.
func FuzzReader(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*", "*.hex"))
	for _, file := range files {
		stream := readHex(f, file)
		f.Add(stream)
		for _, frame := range splitFrames(f, stream) {
			f.Add(frame)
		}
	}
	spec := readHex(f, filepath.Join("testdata", "spec", "message_stop.hex"))
	f.Add(spec[:len(spec)-1])
	f.Add(rawFrameLens(1<<32-1, 0, nil, nil)[:preludeLen])
	f.Add(rawFrame(append(rawHeader(":date", 8, make([]byte, 8)), rawHeader(":chunk-signature", 6, append([]byte{0, 32}, make([]byte, 32)...))...), spec))
	f.Add(rawFrame(append(stringHeader("a", "x"), stringHeader("a", "y")...), nil))

	limits := Limits{MaxMessageLength: 4096, MaxHeadersLength: 512, MaxHeaders: 8}
	f.Fuzz(func(t *testing.T, data []byte) {
		src := &countingReader{r: bytes.NewReader(data)}
		r := NewReader(src, limits)
		off := 0
		for {
			m, err := r.Next()
			if err != nil {
				var le *LimitError
				switch {
				case err == io.EOF:
					if off != len(data) {
						t.Fatalf("io.EOF at offset %d of %d", off, len(data))
					}
				case errors.As(err, &le):
					if le.Field != "header count" && src.n != off+preludeLen {
						t.Fatalf("%v after reading %d bytes of the frame: the body of a rejected frame was read", err, src.n-off)
					}
				case errors.Is(err, ErrChecksum), errors.Is(err, ErrTruncated), errors.Is(err, ErrMalformed):
				default:
					t.Fatalf("undocumented error: %v", err)
				}
				return
			}
			total := int(binary.BigEndian.Uint32(data[off:]))
			if src.n != off+total {
				t.Fatalf("returned a %d-byte frame after reading %d bytes", total, src.n-off)
			}
			if cap(r.frame) > limits.MaxMessageLength {
				t.Fatalf("frame buffer grew to %d bytes, limit %d", cap(r.frame), limits.MaxMessageLength)
			}
			want, err := sdk.NewDecoder().Decode(bytes.NewReader(data[off:off+total]), nil)
			if err != nil {
				t.Fatalf("Reader accepted a frame the SDK Decoder rejects: %v", err)
			}
			if diff := cmp.Diff(want.Headers, m.Headers, cmpHeaders); diff != "" {
				t.Fatalf("headers (-sdk +reader):\n%s", diff)
			}
			if !bytes.Equal(want.Payload, m.Payload) {
				t.Fatalf("payload %q, SDK says %q", m.Payload, want.Payload)
			}
			off += total
		}
	})
}

// FuzzWriterMatchesSDK is the proof behind the Writer laying frames out
// itself: for any name and payload it must produce exactly what the SDK
// Encoder produces for the same headers, and the Reader must read it back.
func FuzzWriterMatchesSDK(f *testing.F) {
	f.Add(uint8(0), "messageStop", []byte(`{"stopReason":"end_turn"}`))
	f.Add(uint8(0), "chunk", []byte(nil))
	f.Add(uint8(0), "", []byte(`{}`))
	f.Add(uint8(1), "ThrottlingException", []byte(`{"message":"slow down"}`))
	f.Add(uint8(1), "modelStreamErrorException", []byte(`{"message":"x","originalStatusCode":500}`))
	f.Add(uint8(2), "InternalFailure", []byte("upstream went away"))
	f.Add(uint8(2), "", []byte(strings.Repeat("é", 20000)))
	f.Fuzz(func(t *testing.T, kind uint8, name string, payload []byte) {
		var buf bytes.Buffer
		w := NewWriter(&buf)
		var err error
		var hs sdk.Headers
		want := Message{ContentType: jsonContentType, Payload: payload}
		switch kind % 3 {
		case 0:
			err = w.WriteEvent(name, payload)
			want.Type, want.EventType = MessageTypeEvent, name
			hs = sdk.Headers{
				{Name: ":event-type", Value: sdk.StringValue(name)},
				{Name: ":content-type", Value: sdk.StringValue(jsonContentType)},
				{Name: ":message-type", Value: sdk.StringValue(MessageTypeEvent)},
			}
		case 1:
			err = w.WriteException(name, payload)
			lowered := name
			if name != "" && 'A' <= name[0] && name[0] <= 'Z' {
				lowered = string(name[0]+'a'-'A') + name[1:]
			}
			want.Type, want.ExceptionType = MessageTypeException, lowered
			hs = sdk.Headers{
				{Name: ":exception-type", Value: sdk.StringValue(lowered)},
				{Name: ":content-type", Value: sdk.StringValue(jsonContentType)},
				{Name: ":message-type", Value: sdk.StringValue(MessageTypeException)},
			}
		case 2:
			msg := string(payload)
			err = w.WriteError(name, msg)
			want = Message{Type: MessageTypeError, ErrorCode: name, ErrorMessage: msg}
			hs = sdk.Headers{
				{Name: ":message-type", Value: sdk.StringValue(MessageTypeError)},
				{Name: ":error-code", Value: sdk.StringValue(name)},
				{Name: ":error-message", Value: sdk.StringValue(msg)},
			}
		}
		if kind%3 != 2 && (name == "" || len(name) > maxHeaderValueLen) {
			if err == nil || buf.Len() != 0 {
				t.Fatalf("invalid name %d bytes long: err %v, wrote %d bytes", len(name), err, buf.Len())
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		got := bytes.Clone(buf.Bytes())

		m, err := NewReader(&buf, Limits{MaxMessageLength: maxUint32 >> 1}).Next()
		if err != nil {
			t.Fatalf("Reader rejects the Writer's frame: %v", err)
		}
		if kind%3 == 2 && (len(name) > maxHeaderValueLen || len(want.ErrorMessage) > maxHeaderValueLen) {
			// Cut values: the SDK would refuse them, so check the cut instead.
			if len(m.ErrorCode) > maxHeaderValueLen || len(m.ErrorMessage) > maxHeaderValueLen ||
				!strings.HasPrefix(name, m.ErrorCode) || !strings.HasPrefix(want.ErrorMessage, m.ErrorMessage) {
				t.Fatalf("error values cut to %d and %d bytes, not prefixes within the limit", len(m.ErrorCode), len(m.ErrorMessage))
			}
			return
		}

		var sdkOut bytes.Buffer
		if err := sdk.NewEncoder().Encode(&sdkOut, sdk.Message{Headers: hs, Payload: want.Payload}); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, sdkOut.Bytes()) {
			t.Fatalf("Writer and SDK Encoder disagree\nwriter: %x\nsdk:    %x", got, sdkOut.Bytes())
		}
		want.Headers = hs
		if len(want.Payload) == 0 {
			want.Payload = nil
		}
		if diff := cmp.Diff(want, m, cmpHeaders); diff != "" {
			t.Fatalf("read back (-want +got):\n%s", diff)
		}
	})
}
