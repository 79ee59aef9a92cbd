package jsonbytes

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// The functions here decode values of text json.Valid has accepted into Go
// values exactly as json.Unmarshal would, or report false where that takes
// more than a read of the text: a value of a type the destination does not
// take (an error), a number that is not a plain integer, a key spelt with
// escapes or in another case than the field's, a key given twice (which
// encoding/json merges). They are for hand-written fast paths of one type,
// which decode the ordinary way on false.

// Fields walks the object v as encoding/json decodes it into a struct
// whose JSON field names are keys: it calls field with the index of each
// member whose key is one of keys and skips the others. null is an object
// with no members, as encoding/json leaves a struct unchanged by it.
func Fields(v []byte, keys []string, field func(i int, v []byte) bool) bool {
	if IsNull(v) {
		return true
	}
	m, ok := Object(v)
	if !ok {
		return false
	}
	var seen uint64
	for {
		k, fv, more := m.Next()
		if !more {
			return true
		}
		key, plain := Plain(k)
		if !plain {
			return false
		}
		i := fieldIndex(keys, key)
		switch {
		case i == -1:
			continue
		case i < 0 || i >= 64 || seen&(1<<i) != 0 || !field(i, fv):
			return false
		}
		seen |= 1 << i
	}
}

// fieldIndex returns the index of key in keys; -1 for a key encoding/json
// matches to none of them, -2 for one it matches without regard to case.
func fieldIndex(keys []string, key []byte) int {
	for i, k := range keys {
		if string(key) == k {
			return i
		}
	}
	for _, k := range keys {
		if bytes.EqualFold(key, []byte(k)) {
			return -2
		}
	}
	return -1
}

// List calls elem for each element of the array v and returns their
// number; null is isNull (encoding/json leaves the slice nil, where an
// empty array makes it non-nil and empty).
func List(v []byte, elem func(v []byte) bool) (n int, isNull, ok bool) {
	if IsNull(v) {
		return 0, true, true
	}
	e, ok := Array(v)
	if !ok {
		return 0, false, false
	}
	for {
		ev, more := e.Next()
		if !more {
			return n, false, true
		}
		if !elem(ev) {
			return 0, false, false
		}
		n++
	}
}

// Count returns the number of elements of the array v, or isNull.
func Count(v []byte) (n int, isNull, ok bool) {
	return List(v, func([]byte) bool { return true })
}

// IsObject reports whether v is an object or null: what a struct takes.
func IsObject(v []byte) bool { return len(v) > 0 && (v[0] == '{' || IsNull(v)) }

// DecodeString decodes v into a string field (null leaves it unchanged).
func DecodeString(v []byte, dst *string) bool {
	if IsNull(v) {
		return true
	}
	if len(v) == 0 || v[0] != '"' {
		return false
	}
	s, ok := String(v)
	*dst = s
	return ok
}

// DecodeStringPtr decodes v into a *string field (null makes it nil).
func DecodeStringPtr(v []byte, dst **string) bool {
	if IsNull(v) {
		*dst = nil
		return true
	}
	s := new(string)
	*dst = s
	return DecodeString(v, s)
}

// DecodeInt decodes v into an int field (null leaves it unchanged).
func DecodeInt(v []byte, dst *int) bool {
	if IsNull(v) {
		return true
	}
	n, err := strconv.ParseInt(string(v), 10, strconv.IntSize)
	*dst = int(n)
	return err == nil
}

// DecodeInt64 decodes v into an int64 field (null leaves it unchanged).
func DecodeInt64(v []byte, dst *int64) bool {
	if IsNull(v) {
		return true
	}
	n, err := strconv.ParseInt(string(v), 10, 64)
	*dst = n
	return err == nil
}

// DecodeBool decodes v into a bool field (null leaves it unchanged).
func DecodeBool(v []byte, dst *bool) bool {
	switch string(v) {
	case "true":
		*dst = true
	case "false":
		*dst = false
	case "null":
	default:
		return false
	}
	return true
}

// DecodeRaw decodes v into a json.RawMessage field: a copy of the text,
// null included.
func DecodeRaw(v []byte, dst *json.RawMessage) bool {
	*dst = append(json.RawMessage(nil), v...)
	return true
}
