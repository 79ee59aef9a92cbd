package nativejson

import (
	"strings"
	"testing"

	"github.com/basalt-gateway/basalt/internal/apierr"
)

func TestValidatorWording(t *testing.T) {
	var problems []string
	o, ok := ParseObject("#", []byte(`{"a":"x","n":2.5,"i":3.5,"s":["a","b","c"],"extra":1,"nul":null}`), &problems, "a", "n", "i", "s", "nul", "req")
	if !ok {
		t.Fatal("object not parsed")
	}
	if v, ok := o.Str("a"); !ok || v != "x" {
		t.Errorf("Str = %q, %v", v, ok)
	}
	o.Number("n", 0, 1)
	o.Integer("i", 0, 10)
	o.Strings("s", 2)
	o.Require("req")
	o.Require("nul") // null counts as absent
	if o.Get("nul") != nil || o.Path() != "#" || len(o.Raw()) != 6 {
		t.Error("accessors")
	}
	want := []string{
		"#: extraneous key [extra] is not permitted",
		"#/n: 2.5 is not between 0 and 1",
		"#/i: expected type: Integer, found: Number",
		"#/s: expected maximum item count: 2, found: 3",
		"#: required key [req] not found",
		"#: required key [nul] not found",
	}
	if strings.Join(problems, "|") != strings.Join(want, "|") {
		t.Fatalf("problems:\n%s\nwant:\n%s", strings.Join(problems, "\n"), strings.Join(want, "\n"))
	}
	err := Malformed(problems)
	if apierr.KindOf(err) != apierr.Validation || !strings.HasPrefix(apierr.As(err).Message, "Malformed input request: #: extraneous key") {
		t.Fatalf("Malformed = %v", err)
	}
	if _, ok := ParseObject("#", []byte(`[1]`), &problems); ok || !strings.HasSuffix(problems[len(problems)-1], "expected type: JSONObject, found: JSONArray") {
		t.Fatal("non-object accepted")
	}
	for raw, want := range map[string]string{`"s"`: "String", `true`: "Boolean", `null`: "Null", `1`: "Number", `{`: "invalid JSON"} {
		if got := Kind([]byte(raw)); got != want {
			t.Errorf("Kind(%s) = %s, want %s", raw, got, want)
		}
	}
}
