// Package nativejson checks the JSON bodies of InvokeModel's native model
// families against their fixed schemas and reports problems in the words of
// the JSON Schema validator behind Bedrock's native bodies, so every family
// package answers bad input the way Bedrock does. It also holds what the
// family packages share beyond checking: the text-completion stream
// encoder, prompt-template turns and the base64 image lists of the image
// families' response bodies.
package nativejson

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/basalt-gateway/basalt/internal/apierr"
)

// Object is one JSON object of a request body being checked against a
// fixed schema. Problems are collected in the words of the JSON Schema
// validator behind Bedrock's native bodies ("#/path: extraneous key [k] is
// not permitted", "#: required key [k] not found", "#/path: expected type:
// Number, found: String"), so one answer names every bad field. A member
// whose value is null counts as absent.
type Object struct {
	path     string
	m        map[string]json.RawMessage
	problems *[]string
}

// ParseObject parses raw as an object whose keys must be among allowed.
func ParseObject(path string, raw []byte, problems *[]string, allowed ...string) (*Object, bool) {
	raw = bytes.TrimSpace(raw)
	var m map[string]json.RawMessage
	if len(raw) == 0 || raw[0] != '{' || json.Unmarshal(raw, &m) != nil {
		*problems = append(*problems, path+": expected type: JSONObject, found: "+Kind(raw))
		return nil, false
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !slices.Contains(allowed, k) {
			*problems = append(*problems, path+": extraneous key ["+k+"] is not permitted")
		}
	}
	return &Object{path: path, m: m, problems: problems}, true
}

// Malformed is the ValidationException for a list of schema problems.
func Malformed(problems []string) error {
	return apierr.Validationf("Malformed input request: %s, please reformat your input and try again.", strings.Join(problems, ""))
}

// Kind names a JSON value's type as the validator does.
func Kind(raw []byte) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || !json.Valid(raw) {
		return "invalid JSON"
	}
	switch raw[0] {
	case '{':
		return "JSONObject"
	case '[':
		return "JSONArray"
	case '"':
		return "String"
	case 't', 'f':
		return "Boolean"
	case 'n':
		return "Null"
	}
	return "Number"
}

func (o *Object) Sub(k string) string { return o.path + "/" + k }

func (o *Object) Fail(k, msg string) { *o.problems = append(*o.problems, o.Sub(k)+": "+msg) }

func (o *Object) WrongType(k, want string) {
	o.Fail(k, "expected type: "+want+", found: "+Kind(o.m[k]))
}

// Get returns k's value, nil if absent or null.
func (o *Object) Get(k string) json.RawMessage {
	v, ok := o.m[k]
	if !ok || string(bytes.TrimSpace(v)) == "null" {
		return nil
	}
	return v
}

// Require records k as missing if it is absent or null.
func (o *Object) Require(k string) bool {
	if o.Get(k) == nil {
		*o.problems = append(*o.problems, o.path+": required key ["+k+"] not found")
		return false
	}
	return true
}

// Str returns a string member.
func (o *Object) Str(k string) (string, bool) {
	v := o.Get(k)
	if v == nil {
		return "", false
	}
	var s string
	if json.Unmarshal(v, &s) != nil {
		o.WrongType(k, "String")
		return "", false
	}
	return s, true
}

// Number returns a number member within [lo, hi].
func (o *Object) Number(k string, lo, hi float64) *float64 {
	v := o.Get(k)
	if v == nil {
		return nil
	}
	var f float64
	if Kind(v) != "Number" || json.Unmarshal(v, &f) != nil {
		o.WrongType(k, "Number")
		return nil
	}
	if f < lo || f > hi {
		o.Fail(k, rangeMsg(strconv.FormatFloat(f, 'g', -1, 64), strconv.FormatFloat(lo, 'g', -1, 64), strconv.FormatFloat(hi, 'g', -1, 64)))
		return nil
	}
	return &f
}

// Integer returns an integer member within [lo, hi].
func (o *Object) Integer(k string, lo, hi int) *int {
	v := o.Get(k)
	if v == nil {
		return nil
	}
	var f float64
	if Kind(v) != "Number" || json.Unmarshal(v, &f) != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		o.WrongType(k, "Integer")
		return nil
	}
	if f < float64(lo) || f > float64(hi) {
		o.Fail(k, rangeMsg(strconv.FormatFloat(f, 'f', -1, 64), strconv.Itoa(lo), strconv.Itoa(hi)))
		return nil
	}
	n := int(f)
	return &n
}

func rangeMsg(v, lo, hi string) string {
	return v + " is not between " + lo + " and " + hi
}

// Strings returns an array-of-strings member with at most maxItems items.
func (o *Object) Strings(k string, maxItems int) []string {
	v := o.Get(k)
	if v == nil {
		return nil
	}
	var ss []string
	if json.Unmarshal(v, &ss) != nil {
		o.WrongType(k, "JSONArray of String")
		return nil
	}
	if len(ss) > maxItems {
		o.Fail(k, "expected maximum item count: "+strconv.Itoa(maxItems)+", found: "+strconv.Itoa(len(ss)))
		return nil
	}
	return ss
}

// Enum returns the string member k if it is one of values, "" otherwise.
func (o *Object) Enum(k string, values ...string) string {
	s, ok := o.Str(k)
	if !ok {
		return ""
	}
	if !slices.Contains(values, s) {
		o.Fail(k, s+" is not a valid enum value")
		return ""
	}
	return s
}

// Path is the object's JSON Pointer-like path ("#", "#/inferenceConfig").
func (o *Object) Path() string { return o.path }

// Problem records a problem found by the caller, already worded with its path.
func (o *Object) Problem(msg string) { *o.problems = append(*o.problems, msg) }

// Raw returns the object's members as decoded.
func (o *Object) Raw() map[string]json.RawMessage { return o.m }

// AppendMember adds "key": value to the JSON object obj.
func AppendMember(obj []byte, key string, value any) ([]byte, error) {
	vb, err := json.Marshal(value)
	if err != nil {
		return nil, err
	}
	kb, _ := json.Marshal(key)
	obj = append(obj[:len(obj)-1], ',')
	obj = append(obj, kb...)
	obj = append(obj, ':')
	obj = append(obj, vb...)
	return append(obj, '}'), nil
}
