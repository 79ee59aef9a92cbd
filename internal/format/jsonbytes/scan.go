// Package jsonbytes takes cost out of the request paths' JSON without
// replacing encoding/json: it decodes with json.Decoders reused from one
// body to the next, walks text encoding/json has already accepted (the
// members of an object, the elements of an array, as slices of the input)
// and appends strings exactly as json.Marshal writes them.
//
// The decoders use the walk to learn what a struct decode cannot tell them
// (which keys a body had, the raw bytes of one element) without decoding
// the body a second time into maps of json.RawMessage, which costs an
// allocation per key and per value. The walk does not validate: on text
// that is not well-formed it never panics or loops, but what it reports is
// unspecified, so callers run it only on input json.Unmarshal (or
// json.Valid) has accepted.
package jsonbytes

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// Members iterates the members of one JSON object.
type Members struct {
	data []byte
	i    int
}

// Object starts iterating the object data holds (surrounding whitespace
// allowed). ok is false if data is not an object.
func Object(data []byte) (m Members, ok bool) {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return Members{}, false
	}
	return Members{data: data, i: i + 1}, true
}

// Next returns the next member: its key as the raw string token (quotes
// and escapes included; see Plain) and its value without surrounding
// whitespace. ok is false after the last member.
func (m *Members) Next() (key, value []byte, ok bool) {
	d := m.data
	i := skipSpace(d, m.i)
	if i < len(d) && d[i] == ',' {
		i = skipSpace(d, i+1)
	}
	if i >= len(d) || d[i] != '"' {
		m.i = len(d)
		return nil, nil, false
	}
	ke := stringEnd(d, i)
	key = d[i:ke]
	i = skipSpace(d, ke)
	if i >= len(d) || d[i] != ':' {
		m.i = len(d)
		return nil, nil, false
	}
	i = skipSpace(d, i+1)
	ve := valueEnd(d, i)
	if ve <= i {
		m.i = len(d)
		return nil, nil, false
	}
	m.i = ve
	return key, d[i:ve], true
}

// Elements iterates the elements of one JSON array.
type Elements struct {
	data []byte
	i    int
}

// Array starts iterating the array data holds (surrounding whitespace
// allowed). ok is false if data is not an array.
func Array(data []byte) (e Elements, ok bool) {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '[' {
		return Elements{}, false
	}
	return Elements{data: data, i: i + 1}, true
}

// Next returns the next element without surrounding whitespace; ok is
// false after the last one.
func (e *Elements) Next() (value []byte, ok bool) {
	d := e.data
	i := skipSpace(d, e.i)
	if i < len(d) && d[i] == ',' {
		i = skipSpace(d, i+1)
	}
	if i >= len(d) || d[i] == ']' {
		e.i = len(d)
		return nil, false
	}
	ve := valueEnd(d, i)
	if ve <= i {
		e.i = len(d)
		return nil, false
	}
	e.i = ve
	return d[i:ve], true
}

// Plain returns the text of a string token that needs no unquoting (no
// escapes, valid UTF-8): exactly the string encoding/json decodes it to.
// ok is false for any other token; decode those with json.Unmarshal.
func Plain(tok []byte) (s []byte, ok bool) {
	if len(tok) < 2 || tok[0] != '"' || tok[len(tok)-1] != '"' {
		return nil, false
	}
	s = tok[1 : len(tok)-1]
	for _, c := range s {
		if c == '\\' || c == '"' || c < ' ' {
			return nil, false
		}
	}
	if !utf8.Valid(s) {
		return nil, false
	}
	return s, true
}

// String returns the string a string token decodes to, as encoding/json
// decodes it; ok is false if tok is not a string token.
func String(tok []byte) (string, bool) {
	if p, ok := Plain(tok); ok {
		return string(p), true
	}
	return unquote(tok)
}

// unquote is String's slow way, apart so that only it pays for the string
// escaping to the heap.
func unquote(tok []byte) (string, bool) {
	var s string
	if json.Unmarshal(tok, &s) != nil {
		return "", false
	}
	return s, true
}

// IsNull reports whether a value is the literal null.
func IsNull(v []byte) bool { return string(v) == "null" }

func skipSpace(d []byte, i int) int {
	for i < len(d) {
		switch d[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// stringEnd returns the index just past the string token starting at
// d[i] (a quote). A quote ends the string unless an odd number of
// backslashes precede it.
func stringEnd(d []byte, i int) int {
	j := i + 1
	for {
		q := bytes.IndexByte(d[j:], '"')
		if q < 0 {
			return len(d)
		}
		q += j
		n := 0
		for k := q - 1; k > i && d[k] == '\\'; k-- {
			n++
		}
		if n%2 == 0 {
			return q + 1
		}
		j = q + 1
	}
}

// valueEnd returns the index just past the value starting at d[i].
func valueEnd(d []byte, i int) int {
	if i >= len(d) {
		return i
	}
	switch d[i] {
	case '"':
		return stringEnd(d, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(d); {
			switch d[j] {
			case '"':
				j = stringEnd(d, j)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
			j++
		}
		return len(d)
	}
	// number, true, false, null
	j := i
	for j < len(d) {
		switch d[j] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return j
		}
		j++
	}
	return j
}
