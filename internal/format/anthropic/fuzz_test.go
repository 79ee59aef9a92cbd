package anthropic

import (
	"bytes"
	"errors"
	"io"
	"os"
	"testing"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/wire/sse"
)

// FuzzStreamDecoder feeds arbitrary SSE bytes through the reader and the
// decoder. Properties: no panic; every decoder error is an *apierr.Error;
// the events obey canon's grammar, completely when no error was reported.
func FuzzStreamDecoder(f *testing.F) {
	for _, file := range files(f, "testdata/stream/*.sse") {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		rec := &recorder{}
		dec := NewStreamDecoder(rec, streamOpts)
		rd := sse.NewReader(bytes.NewReader(in))
		var derr error
		for derr == nil {
			ev, err := rd.Next()
			if err != nil {
				if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
					derr = dec.Finish()
				}
				break // framing errors belong to the sse package
			}
			derr = dec.Decode(ev.Type, ev.Data)
		}
		if derr != nil {
			var ae *apierr.Error
			if !errors.As(derr, &ae) {
				t.Fatalf("error %T %v is not an *apierr.Error", derr, derr)
			}
		}
		if err := checkOrder(rec.evs, derr == nil && dec.Done()); err != nil {
			t.Fatalf("bad event order: %v", err)
		}
	})
}

// FuzzResponseDecoder: no panic, errors are *apierr.Error, and every
// accepted answer goes through canon.Emit into an Accumulator.
func FuzzResponseDecoder(f *testing.F) {
	for _, file := range files(f, "testdata/response/*.wire.json") {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		resp, err := parseResponse(in)
		if err != nil {
			var ae *apierr.Error
			if !errors.As(err, &ae) {
				t.Fatalf("error %T %v is not an *apierr.Error", err, err)
			}
			return
		}
		acc := canon.NewAccumulator()
		if err := canon.Emit(acc, resp); err != nil {
			t.Fatalf("Emit: %v", err)
		}
		if _, err := acc.Response(); err != nil {
			t.Fatal(err)
		}
	})
}
