package nova

// This file is shared, but for the package clause and helpers a package
// does not use, by the format packages of InvokeModel's native families, so
// each stays a self-contained dialect package.

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/basalt-gateway/basalt/internal/apierr"
)

// object is one JSON object of a request body being checked against a
// fixed schema. Problems are collected in the words of the JSON Schema
// validator behind Bedrock's native bodies ("#/path: extraneous key [k] is
// not permitted", "#: required key [k] not found", "#/path: expected type:
// Number, found: String"), so one answer names every bad field. A member
// whose value is null counts as absent.
type object struct {
	path     string
	m        map[string]json.RawMessage
	problems *[]string
}

// parseObject parses raw as an object whose keys must be among allowed.
func parseObject(path string, raw []byte, problems *[]string, allowed ...string) (*object, bool) {
	raw = bytes.TrimSpace(raw)
	var m map[string]json.RawMessage
	if len(raw) == 0 || raw[0] != '{' || json.Unmarshal(raw, &m) != nil {
		*problems = append(*problems, path+": expected type: JSONObject, found: "+kind(raw))
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
	return &object{path: path, m: m, problems: problems}, true
}

// malformed is the ValidationException for a list of schema problems.
func malformed(problems []string) error {
	return apierr.Validationf("Malformed input request: %s, please reformat your input and try again.", strings.Join(problems, ""))
}

// kind names a JSON value's type as the validator does.
func kind(raw []byte) string {
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

func (o *object) sub(k string) string { return o.path + "/" + k }

func (o *object) fail(k, msg string) { *o.problems = append(*o.problems, o.sub(k)+": "+msg) }

func (o *object) wrongType(k, want string) {
	o.fail(k, "expected type: "+want+", found: "+kind(o.m[k]))
}

// get returns k's value, nil if absent or null.
func (o *object) get(k string) json.RawMessage {
	v, ok := o.m[k]
	if !ok || string(bytes.TrimSpace(v)) == "null" {
		return nil
	}
	return v
}

// require records k as missing if it is absent or null.
func (o *object) require(k string) bool {
	if o.get(k) == nil {
		*o.problems = append(*o.problems, o.path+": required key ["+k+"] not found")
		return false
	}
	return true
}

// str returns a string member.
func (o *object) str(k string) (string, bool) {
	v := o.get(k)
	if v == nil {
		return "", false
	}
	var s string
	if json.Unmarshal(v, &s) != nil {
		o.wrongType(k, "String")
		return "", false
	}
	return s, true
}

// number returns a number member within [lo, hi].
func (o *object) number(k string, lo, hi float64) *float64 {
	v := o.get(k)
	if v == nil {
		return nil
	}
	var f float64
	if kind(v) != "Number" || json.Unmarshal(v, &f) != nil {
		o.wrongType(k, "Number")
		return nil
	}
	if f < lo || f > hi {
		o.fail(k, rangeMsg(strconv.FormatFloat(f, 'g', -1, 64), strconv.FormatFloat(lo, 'g', -1, 64), strconv.FormatFloat(hi, 'g', -1, 64)))
		return nil
	}
	return &f
}

// integer returns an integer member within [lo, hi].
func (o *object) integer(k string, lo, hi int) *int {
	v := o.get(k)
	if v == nil {
		return nil
	}
	var f float64
	if kind(v) != "Number" || json.Unmarshal(v, &f) != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		o.wrongType(k, "Integer")
		return nil
	}
	if f < float64(lo) || f > float64(hi) {
		o.fail(k, rangeMsg(strconv.FormatFloat(f, 'f', -1, 64), strconv.Itoa(lo), strconv.Itoa(hi)))
		return nil
	}
	n := int(f)
	return &n
}

func rangeMsg(v, lo, hi string) string {
	return v + " is not between " + lo + " and " + hi
}

// strings returns an array-of-strings member with at most maxItems items.
func (o *object) strings(k string, maxItems int) []string {
	v := o.get(k)
	if v == nil {
		return nil
	}
	var ss []string
	if json.Unmarshal(v, &ss) != nil {
		o.wrongType(k, "JSONArray of String")
		return nil
	}
	if len(ss) > maxItems {
		o.fail(k, "expected maximum item count: "+strconv.Itoa(maxItems)+", found: "+strconv.Itoa(len(ss)))
		return nil
	}
	return ss
}
