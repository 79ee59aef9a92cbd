package eventstream

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	sdk "github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
	"github.com/google/go-cmp/cmp"
)

type pair struct{ Name, Value string }

// TestWriterOutputDecodedBySDK checks each frame kind against the SDK's own
// Decoder. The SDK merges duplicate header names, so the decoded headers are
// re-encoded and their length compared with headers_length: a frame with a
// second :message-type would come out shorter.
func TestWriterOutputDecodedBySDK(t *testing.T) {
	payload := []byte(`{"message":"slow down"}`)
	cases := []struct {
		name        string
		write       func(w *Writer) error
		wantHeaders []pair
		wantPayload []byte
	}{
		{
			name:  "event",
			write: func(w *Writer) error { return w.WriteEvent("contentBlockDelta", payload) },
			wantHeaders: []pair{
				{":event-type", "contentBlockDelta"},
				{":content-type", "application/json"},
				{":message-type", "event"},
			},
			wantPayload: payload,
		},
		{
			name:  "exception",
			write: func(w *Writer) error { return w.WriteException("throttlingException", payload) },
			wantHeaders: []pair{
				{":exception-type", "throttlingException"},
				{":content-type", "application/json"},
				{":message-type", "exception"},
			},
			wantPayload: payload,
		},
		{
			name:  "exception name lowered to camel case",
			write: func(w *Writer) error { return w.WriteException("ModelStreamErrorException", payload) },
			wantHeaders: []pair{
				{":exception-type", "modelStreamErrorException"},
				{":content-type", "application/json"},
				{":message-type", "exception"},
			},
			wantPayload: payload,
		},
		{
			name:  "error",
			write: func(w *Writer) error { return w.WriteError("InternalFailure", "upstream went away") },
			wantHeaders: []pair{
				{":message-type", "error"},
				{":error-code", "InternalFailure"},
				{":error-message", "upstream went away"},
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := c.write(NewWriter(&buf)); err != nil {
				t.Fatal(err)
			}
			frame := buf.Bytes()
			m, err := sdk.NewDecoder().Decode(&buf, nil)
			if err != nil {
				t.Fatalf("SDK decoder: %v", err)
			}
			if buf.Len() != 0 {
				t.Fatalf("%d bytes after the frame", buf.Len())
			}
			var got []pair
			messageTypes := 0
			for _, h := range m.Headers {
				sv, ok := h.Value.(sdk.StringValue)
				if !ok {
					t.Fatalf("header %s has type %T, want string", h.Name, h.Value)
				}
				got = append(got, pair{h.Name, string(sv)})
				if h.Name == ":message-type" {
					messageTypes++
				}
			}
			if diff := cmp.Diff(c.wantHeaders, got); diff != "" {
				t.Errorf("headers (-want +got):\n%s", diff)
			}
			if messageTypes != 1 {
				t.Errorf("%d :message-type headers, want exactly 1", messageTypes)
			}
			var reenc bytes.Buffer
			if err := sdk.EncodeHeaders(&reenc, m.Headers); err != nil {
				t.Fatal(err)
			}
			if hl := binary.BigEndian.Uint32(frame[4:8]); int(hl) != reenc.Len() {
				t.Errorf("headers_length %d, but the decoded headers re-encode to %d bytes: duplicates were merged", hl, reenc.Len())
			}
			if !bytes.Equal(m.Payload, c.wantPayload) {
				t.Errorf("payload = %q, want %q", m.Payload, c.wantPayload)
			}
		})
	}
}

func TestWriterErrorTruncatesLongValues(t *testing.T) {
	// 3-byte runes so that the 32767-byte cut lands inside one.
	msg := strings.Repeat("€", 20000)
	var buf bytes.Buffer
	if err := NewWriter(&buf).WriteError("InternalFailure", msg); err != nil {
		t.Fatal(err)
	}
	m, err := NewReader(&buf, Limits{}).Next()
	if err != nil {
		t.Fatal(err)
	}
	if n := len(m.ErrorMessage); n > maxHeaderValueLen || n < maxHeaderValueLen-utf8.UTFMax {
		t.Errorf("message cut to %d bytes, want just under %d", n, maxHeaderValueLen)
	}
	if !utf8.ValidString(m.ErrorMessage) || !strings.HasPrefix(msg, m.ErrorMessage) {
		t.Error("cut message is not a valid UTF-8 prefix of the original")
	}
}

func TestWriterRejectsBadNames(t *testing.T) {
	long := strings.Repeat("x", maxHeaderValueLen+1)
	cases := map[string]func(w *Writer) error{
		"empty event type":     func(w *Writer) error { return w.WriteEvent("", nil) },
		"long event type":      func(w *Writer) error { return w.WriteEvent(long, nil) },
		"empty exception type": func(w *Writer) error { return w.WriteException("", nil) },
		"long exception type":  func(w *Writer) error { return w.WriteException(long, nil) },
	}
	for name, write := range cases {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			w := NewWriter(&buf)
			if err := write(w); err == nil {
				t.Fatal("no error")
			}
			if buf.Len() != 0 {
				t.Fatalf("wrote %d bytes for a rejected frame", buf.Len())
			}
			if err := w.WriteEvent("messageStart", []byte(`{}`)); err != nil {
				t.Fatalf("Writer unusable after a rejected argument: %v", err)
			}
		})
	}
}

// flushRecorder records how many bytes had been written at each flush, so a
// test can tell that every flush follows a whole frame.
type flushRecorder struct {
	bytes.Buffer
	at []int
}

func (f *flushRecorder) Flush() { f.at = append(f.at, f.Len()) }

type flushErrWriter struct {
	bytes.Buffer
	flushes int
}

func (f *flushErrWriter) Flush() error { f.flushes++; return nil }

// unwrapRW hides the recorder's Flush behind Unwrap, as logging middleware
// does; http.ResponseController finds it, a plain type assertion would not.
type unwrapRW struct{ http.ResponseWriter }

func (u unwrapRW) Unwrap() http.ResponseWriter { return u.ResponseWriter }

// opaqueRW cannot be flushed by any means.
type opaqueRW struct{ http.ResponseWriter }

// failingFlushRW reports the error a real server's FlushError gives once the
// client has gone.
type failingFlushRW struct {
	http.ResponseWriter
	err error
}

func (f failingFlushRW) FlushError() error { return f.err }

func TestWriterFlushesEveryFrame(t *testing.T) {
	write3 := func(t *testing.T, w *Writer) {
		t.Helper()
		for _, p := range []string{`{"role":"assistant"}`, `{"contentBlockIndex":0,"delta":{"text":"hi"}}`, `{"contentBlockIndex":0}`} {
			if err := w.WriteEvent("e", []byte(p)); err != nil {
				t.Fatal(err)
			}
		}
	}

	t.Run("http.Flusher", func(t *testing.T) {
		rec := &flushRecorder{}
		write3(t, NewWriter(rec))
		var ends []int
		total := 0
		for _, f := range splitFrames(t, rec.Bytes()) {
			total += len(f)
			ends = append(ends, total)
		}
		if diff := cmp.Diff(ends, rec.at); diff != "" {
			t.Errorf("flush points (-want +got):\n%s", diff)
		}
	})
	t.Run("Flush() error", func(t *testing.T) {
		var out bytes.Buffer
		bw := bufio.NewWriterSize(&out, 4096)
		w := NewWriter(bw)
		if err := w.WriteEvent("messageStart", []byte(`{}`)); err != nil {
			t.Fatal(err)
		}
		if out.Len() == 0 {
			t.Error("frame still sitting in the bufio.Writer")
		}
		fe := &flushErrWriter{}
		write3(t, NewWriter(fe))
		if fe.flushes != 3 {
			t.Errorf("%d flushes, want 3", fe.flushes)
		}
	})
	t.Run("ResponseWriter behind Unwrap", func(t *testing.T) {
		rec := httptest.NewRecorder()
		w := NewWriter(unwrapRW{rec})
		if err := w.WriteEvent("messageStart", []byte(`{}`)); err != nil {
			t.Fatal(err)
		}
		if !rec.Flushed {
			t.Error("recorder not flushed through Unwrap")
		}
	})
	t.Run("ResponseWriter that cannot flush", func(t *testing.T) {
		rec := httptest.NewRecorder()
		w := NewWriter(opaqueRW{rec})
		if err := w.WriteEvent("messageStart", []byte(`{}`)); err != nil {
			t.Fatalf("an unflushable writer should not fail the stream: %v", err)
		}
		if rec.Body.Len() == 0 {
			t.Error("frame not written")
		}
	})
	t.Run("flush error is returned and sticks", func(t *testing.T) {
		gone := errors.New("client went away")
		rec := httptest.NewRecorder()
		w := NewWriter(failingFlushRW{rec, gone})
		if err := w.WriteEvent("messageStart", []byte(`{}`)); !errors.Is(err, gone) {
			t.Fatalf("err = %v, want %v", err, gone)
		}
		n := rec.Body.Len()
		if err := w.WriteException("internalServerException", nil); !errors.Is(err, gone) {
			t.Fatalf("second err = %v, want %v", err, gone)
		}
		if rec.Body.Len() != n {
			t.Error("wrote after the stream had failed")
		}
	})
	t.Run("plain io.Writer", func(t *testing.T) {
		var buf bytes.Buffer
		w := NewWriter(&buf)
		if err := w.WriteEvent("messageStart", nil); err != nil {
			t.Fatal(err)
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
	})
}

type failWriter struct {
	writes int
	err    error
}

func (f *failWriter) Write(p []byte) (int, error) { f.writes++; return len(p) / 2, f.err }

func TestWriterWriteErrorSticks(t *testing.T) {
	broken := errors.New("broken pipe")
	fw := &failWriter{err: broken}
	w := NewWriter(fw)
	for i, write := range []func() error{
		func() error { return w.WriteEvent("messageStart", []byte(`{}`)) },
		func() error { return w.WriteException("internalServerException", []byte(`{}`)) },
		func() error { return w.WriteError("InternalFailure", "x") },
		w.Flush,
	} {
		if err := write(); !errors.Is(err, broken) {
			t.Fatalf("call %d: err = %v, want %v", i, err, broken)
		}
	}
	if fw.writes != 1 {
		t.Errorf("%d writes, want 1: a half-written frame must end the stream", fw.writes)
	}
}

// TestWriterStreamsOverHTTP runs a real server and client and checks that
// each frame reaches the client before the handler writes the next one.
func TestWriterStreamsOverHTTP(t *testing.T) {
	next := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", ContentType)
		w := NewWriter(rw)
		for i := range 3 {
			if err := w.WriteEvent("contentBlockDelta", []byte(`{"contentBlockIndex":0,"delta":{"text":"x"}}`)); err != nil {
				t.Errorf("frame %d: %v", i, err)
				return
			}
			select {
			case <-next:
			case <-r.Context().Done():
				return
			}
		}
	}))
	defer srv.Close()

	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != ContentType {
		t.Errorf("Content-Type = %q", ct)
	}
	rd := NewReader(resp.Body, Limits{})
	for i := range 3 {
		got := make(chan error, 1)
		go func() { _, err := rd.Next(); got <- err }()
		select {
		case err := <-got:
			if err != nil {
				t.Fatalf("frame %d: %v", i, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("frame %d not delivered until the handler moved on: not flushed", i)
		}
		next <- struct{}{}
	}
	if _, err := rd.Next(); err != io.EOF {
		t.Fatalf("after the last frame: %v, want io.EOF", err)
	}
}

func TestWriterDropsLargeBuffers(t *testing.T) {
	w := NewWriter(io.Discard)
	if err := w.WriteEvent("chunk", make([]byte, 1<<20)); err != nil {
		t.Fatal(err)
	}
	if cap(w.buf) > maxRetainedBuf {
		t.Errorf("kept a %d-byte buffer after a large frame", cap(w.buf))
	}
}

type discardFlusher struct{}

func (discardFlusher) Write(p []byte) (int, error) { return len(p), nil }
func (discardFlusher) Flush()                      {}

func TestWriteEventDoesNotAllocate(t *testing.T) {
	w := NewWriter(discardFlusher{})
	p := []byte(`{"contentBlockIndex":0,"delta":{"text":"Hello"}}`)
	allocs := testing.AllocsPerRun(100, func() {
		if err := w.WriteEvent("contentBlockDelta", p); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("WriteEvent: %v allocs per frame, want 0", allocs)
	}
}

func BenchmarkWriteEvent(b *testing.B) {
	for _, size := range []int{64, 1 << 10, 16 << 10} {
		b.Run(byteSize(size), func(b *testing.B) {
			payload := bytes.Repeat([]byte("x"), size)
			w := NewWriter(discardFlusher{})
			b.ReportAllocs()
			b.SetBytes(int64(size))
			for b.Loop() {
				if err := w.WriteEvent("contentBlockDelta", payload); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSDKEncoder is the SDK Encoder on the same frames with its header
// values boxed once, up front: the cost the Writer avoids by laying the
// frame out itself.
func BenchmarkSDKEncoder(b *testing.B) {
	for _, size := range []int{64, 1 << 10, 16 << 10} {
		b.Run(byteSize(size), func(b *testing.B) {
			msg := sdk.Message{
				Headers: sdk.Headers{
					{Name: ":event-type", Value: sdk.StringValue("contentBlockDelta")},
					{Name: ":content-type", Value: sdk.StringValue(jsonContentType)},
					{Name: ":message-type", Value: sdk.StringValue(MessageTypeEvent)},
				},
				Payload: bytes.Repeat([]byte("x"), size),
			}
			enc := sdk.NewEncoder()
			b.ReportAllocs()
			b.SetBytes(int64(size))
			for b.Loop() {
				if err := enc.Encode(discardFlusher{}, msg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func byteSize(n int) string {
	if n >= 1<<10 {
		return fmt.Sprintf("%dKiB", n>>10)
	}
	return fmt.Sprintf("%dB", n)
}
