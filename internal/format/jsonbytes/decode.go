package jsonbytes

import (
	"encoding/json"
	"io"
	"sync"
)

// Decode decodes data, one JSON value with nothing after it but
// whitespace, into v, as json.Unmarshal does, and reports whether it did.
// It reuses json.Decoders from one body to the next, so that a body does
// not set up a decoder each time: the decoder's state, its parse stack
// and its error context are json.Unmarshal's fixed cost, about eight
// allocations, which is most of what a small body costs.
//
// On false (an error, something after the value, a value that is not an
// object, an array or a string, or a body too large to keep a decoder's
// buffer for) v is in an unspecified state: the caller
// decodes again the ordinary way, into a fresh value, for the error to
// report. Decode reports no errors itself because a reused decoder's
// offsets count from the first body it read.
//
// The UnmarshalJSON methods of types inside v are handed slices of the
// decoder's buffer, which the next body overwrites: like json.RawMessage
// and encoding/json itself, they must copy whatever they keep.
func Decode(data []byte, v any) bool { return decode(&plainPool, false, data, v) }

// DecodeKnown is Decode with json.Decoder.DisallowUnknownFields: false
// also for a key that is no field of the struct it would decode into.
func DecodeKnown(data []byte, v any) bool { return decode(&knownPool, true, data, v) }

// maxPooledBody bounds the bodies a pooled decoder reads: its buffer grows
// to the body and is kept for the next. A larger body's decode costs so
// much more than a decoder's setup that json.Unmarshal serves it as well.
const maxPooledBody = 32 << 10

var plainPool, knownPool sync.Pool

type pooledDecoder struct {
	src source
	dec *json.Decoder
}

// source hands a decoder one body after another.
type source struct{ data []byte }

func (s *source) Read(p []byte) (int, error) {
	if len(s.data) == 0 {
		return 0, io.EOF
	}
	n := copy(p, s.data)
	s.data = s.data[n:]
	return n, nil
}

func decode(pool *sync.Pool, known bool, data []byte, v any) bool {
	if len(data) > maxPooledBody {
		return false
	}
	pd, _ := pool.Get().(*pooledDecoder)
	if pd == nil {
		pd = &pooledDecoder{}
		pd.dec = json.NewDecoder(&pd.src)
		if known {
			pd.dec.DisallowUnknownFields()
		}
	}
	pd.src.data = data
	err := pd.dec.Decode(v)
	pd.src.data = nil
	if err != nil {
		return false // the decoder may be stuck on the error: not kept
	}
	// The decoder stops at the end of the value, which for an object, an
	// array or a string is where the walk ends it too (a number or a
	// literal can end at anything that is not part of one: those bodies
	// take the ordinary way). If only whitespace follows, whatever the
	// decoder has buffered of it is read before the next body's value.
	i := skipSpace(data, 0)
	if i == len(data) || data[i] != '{' && data[i] != '[' && data[i] != '"' || skipSpace(data, valueEnd(data, i)) != len(data) {
		return false
	}
	pool.Put(pd)
	return true
}
