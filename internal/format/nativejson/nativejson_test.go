package nativejson

import (
	"strings"
	"testing"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
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

func TestEnum(t *testing.T) {
	var problems []string
	o, _ := ParseObject("#", []byte(`{"a":"x","b":"y","c":1}`), &problems, "a", "b", "c")
	if got := o.Enum("a", "x", "z"); got != "x" {
		t.Errorf("Enum(a) = %q", got)
	}
	if got := o.Enum("b", "x", "z"); got != "" {
		t.Errorf("Enum(b) = %q", got)
	}
	if got := o.Enum("c", "x"); got != "" {
		t.Errorf("Enum(c) = %q", got)
	}
	if got := o.Enum("absent", "x"); got != "" {
		t.Errorf("Enum(absent) = %q", got)
	}
	want := "#/b: y is not a valid enum value|#/c: expected type: String, found: Number"
	if strings.Join(problems, "|") != want {
		t.Errorf("problems %q, want %q", problems, want)
	}
}

func TestPromptHelpers(t *testing.T) {
	if got := TurnEnd("hi<b>x<a>", "<a>", "<b>"); got != 2 {
		t.Errorf("TurnEnd = %d, want 2", got)
	}
	if got := TurnEnd("hi", "<a>"); got != 2 {
		t.Errorf("TurnEnd without markers = %d, want 2", got)
	}
	msgs := AppendTurn(nil, canon.RoleUser, "a")
	msgs = AppendTurn(msgs, canon.RoleUser, "b")
	msgs = AppendTurn(msgs, canon.RoleAssistant, "c")
	if len(msgs) != 2 || len(msgs[0].Content) != 2 || msgs[1].Role != canon.RoleAssistant {
		t.Errorf("AppendTurn = %+v", msgs)
	}
}

func TestImageHelpers(t *testing.T) {
	a, b := "aGk=", "%%"
	if got := Base64Images([][]byte{[]byte("hi")}); len(got) != 1 || got[0] != a {
		t.Errorf("Base64Images = %v", got)
	}
	if got := Base64Images(nil); got == nil {
		t.Error("Base64Images(nil) is nil, want an empty list")
	}
	if imgs, err := DecodeImages([]*string{&a}); err != nil || string(imgs[0]) != "hi" {
		t.Errorf("DecodeImages = %q, %v", imgs, err)
	}
	for _, bad := range [][]*string{{nil}, {&b}} {
		if _, err := DecodeImages(bad); err == nil {
			t.Errorf("DecodeImages(%v) accepted", bad)
		}
	}
	var v struct{ Images []*string }
	for body, ok := range map[string]bool{` {"images":["aGk="]} `: true, `[]`: false, ``: false, `{"images":1}`: false} {
		if err := UnmarshalImageResponse([]byte(body), &v); (err == nil) != ok {
			t.Errorf("UnmarshalImageResponse(%s) = %v", body, err)
		}
	}
}
