// Package fastpath tests a reflection-free JSON decoder against
// json.Unmarshal: where the fast path answers, it must answer exactly what
// json.Unmarshal does, and the bodies a package's goldens hold must take
// it. The same check runs as a test over fixed bodies and as a fuzz target.
package fastpath

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// Decode is a fast decoder: ok false means "take the slow path".
type Decode[T any] func(body []byte) (v *T, ok bool)

// Check fails t if fast answers body differently from json.Unmarshal, or
// answers a body json.Unmarshal refuses.
func Check[T any](t testing.TB, body []byte, fast Decode[T]) {
	t.Helper()
	got, ok := fast(body)
	if !ok {
		return
	}
	var want T
	if err := json.Unmarshal(body, &want); err != nil {
		t.Fatalf("%q: fast path accepted what json.Unmarshal refuses: %v", body, err)
	}
	if !reflect.DeepEqual(got, &want) {
		t.Fatalf("%q:\n got %#v\nwant %#v", body, got, &want)
	}
}

// Corpus is bodies followed by the files matching glob.
func Corpus(t testing.TB, glob string, bodies ...string) (corpus [][]byte, files int) {
	t.Helper()
	for _, b := range bodies {
		corpus = append(corpus, []byte(b))
	}
	names, _ := filepath.Glob(glob)
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		corpus = append(corpus, b)
	}
	return corpus, len(names)
}

// Test checks every body and every golden file matching glob, and that the
// golden files (valid JSON) and the first body take the fast path.
func Test[T any](t *testing.T, fast Decode[T], glob string, bodies ...string) {
	t.Helper()
	corpus, files := Corpus(t, glob, bodies...)
	for _, b := range corpus {
		Check(t, b, fast)
	}
	for _, b := range corpus[len(corpus)-files:] {
		if _, ok := fast(b); !ok && json.Valid(b) {
			t.Errorf("golden body takes the slow path: %.200s", b)
		}
	}
	if len(bodies) > 0 {
		if _, ok := fast([]byte(bodies[0])); !ok {
			t.Error("a plain answer takes the slow path")
		}
	}
}

// Fuzz seeds f with the bodies and golden files and fuzzes Check.
func Fuzz[T any](f *testing.F, fast Decode[T], glob string, bodies ...string) {
	corpus, _ := Corpus(f, glob, bodies...)
	for _, b := range corpus {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) { Check(t, body, fast) })
}
