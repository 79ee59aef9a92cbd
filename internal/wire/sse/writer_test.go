package sse

import (
	"bytes"
	"io"
	"net/http/httptest"
	"testing"
)

func TestWriterRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	_ = w.WriteEvent("message_start", []byte(`{"a":1}`))
	_ = w.WriteComment("ping")
	_ = w.WriteEvent("", []byte("line1\nline2"))
	_ = w.WriteEvent("", []byte("[DONE]"))
	want := "event: message_start\ndata: {\"a\":1}\n\n: ping\n\ndata: line1\ndata: line2\n\ndata: [DONE]\n\n"
	if buf.String() != want {
		t.Fatalf("got %q", buf.String())
	}
	evs, err := readAll(t, &buf)
	if err != nil || len(evs) != 3 || evs[0].Type != "message_start" || evs[1].Data != "line1\nline2" || evs[2].Data != "[DONE]" {
		t.Fatalf("read back %q, %v", evs, err)
	}
}

func TestWriterFlushesResponseWriter(t *testing.T) {
	rec := httptest.NewRecorder()
	w := NewWriter(rec)
	if err := w.WriteEvent("x", []byte("{}")); err != nil {
		t.Fatal(err)
	}
	if !rec.Flushed {
		t.Fatal("event not flushed")
	}
}

type failing struct{}

func (failing) Write([]byte) (int, error) { return 0, io.ErrClosedPipe }

func TestWriterKeepsFirstError(t *testing.T) {
	w := NewWriter(failing{})
	if err := w.WriteEvent("a", nil); err != io.ErrClosedPipe {
		t.Fatal(err)
	}
	if err := w.WriteComment("x"); err != io.ErrClosedPipe {
		t.Fatal(err)
	}
}

func BenchmarkWriteEvent(b *testing.B) {
	w := NewWriter(io.Discard)
	data := []byte(`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}`)
	b.ReportAllocs()
	for b.Loop() {
		_ = w.WriteEvent("content_block_delta", data)
	}
}
