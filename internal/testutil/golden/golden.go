// Package golden compares test output with files under testdata/ and
// rewrites them when tests run with -update. Import it from tests only.
package golden

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/ from the current output")

// Updating reports whether the test run rewrites golden files.
func Updating() bool { return *update }

// Assert compares got with the file at path, or writes it under -update.
func Assert(t testing.TB, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}

// Glob returns the files matching pat and fails the test if there are none,
// so a renamed testdata folder cannot turn a golden test into a no-op.
func Glob(t testing.TB, pat string) []string {
	t.Helper()
	fs, _ := filepath.Glob(pat)
	if len(fs) == 0 {
		t.Fatalf("no files match %s", pat)
	}
	return fs
}

// JSON is v as indented JSON with null, "" and false members left out, so a
// golden file shows only what a case sets. Empty objects stay: in canon an
// empty struct can mean something (a cache point without a TTL). It ends
// with a newline.
func JSON(t testing.TB, v any) []byte {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var tree any
	if err := json.Unmarshal(raw, &tree); err != nil {
		t.Fatal(err)
	}
	out, _ := json.MarshalIndent(prune(tree), "", "  ")
	return append(out, '\n')
}

// Indent is v as indented JSON ending with a newline, every member kept
// (JSON leaves the empty ones out).
func Indent(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

// IndentJSON is the JSON text b indented, ending with a newline (unlike
// Indent of a json.RawMessage, it leaves <, > and & as they are).
func IndentJSON(t testing.TB, b []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	return append(out.Bytes(), '\n')
}

func prune(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			e = prune(e)
			x[k] = e
			switch e := e.(type) {
			case nil:
				delete(x, k)
			case string:
				if e == "" {
					delete(x, k)
				}
			case bool:
				if !e {
					delete(x, k)
				}
			}
		}
		return x
	case []any:
		for i := range x {
			x[i] = prune(x[i])
		}
	}
	return v
}
