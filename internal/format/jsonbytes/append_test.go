package jsonbytes

import (
	"bytes"
	"encoding/json"
	"testing"
)

var sampleStrings = []string{"", "plain", "quote\"back\\slash", "\x00\x1f\x7f\b\f\n\r\t", "\u2028\u2029", "bad\xffutf8\xc3", "<html>&amp;", "é😀", "\xed\xa0\x80"}

func TestAppendString(t *testing.T) {
	for _, s := range sampleStrings {
		checkAppendString(t, s)
	}
}

func checkAppendString(t *testing.T, s string) {
	t.Helper()
	want, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if got := AppendString([]byte("x"), s); string(got) != "x"+string(want) {
		t.Fatalf("AppendString(%q) = %s, json.Marshal gives %s", s, got[1:], want)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		t.Fatal(err)
	}
	want = bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	if got := AppendStringNoHTML([]byte("x"), s); string(got) != "x"+string(want) {
		t.Fatalf("AppendStringNoHTML(%q) = %s, json.Encoder without HTML escaping gives %s", s, got[1:], want)
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range sampleStrings {
		f.Add(s)
	}
	f.Fuzz(checkAppendString)
}
