package jsonbytes

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

type decodeTarget struct {
	A string          `json:"a"`
	B []int           `json:"b"`
	C *decodeTarget   `json:"c"`
	R json.RawMessage `json:"r"`
}

var decodeBodies = []string{
	`{"a":"x","b":[1,2],"c":{"a":"y"},"r":{"k":[true]}}`,
	` {"A":"case"} `,
	`{"a":"x","unknown":1}`,
	`{"a":1}`,
	`{"a":"x"} {"a":"y"}`,
	`{"a":"x"} x`,
	`{"a":`,
	``,
	`   `,
	`null`,
	`[1,2]`,
	`"s"`,
	`12`,
	`{"a":"` + strings.Repeat("z", maxPooledBody) + `"}`,
	"{\"a\":\"bad \xff\"}\n\t",
}

// TestDecodeMatchesUnmarshal decodes every pair of bodies in turn with the
// pooled decoders: each must decode as json.Unmarshal (and, for
// DecodeKnown, a decoder with DisallowUnknownFields) does, whatever the
// previous body left behind.
func TestDecodeMatchesUnmarshal(t *testing.T) {
	for _, first := range decodeBodies {
		for _, second := range decodeBodies {
			checkDecode(t, []byte(first))
			checkDecode(t, []byte(second))
		}
	}
}

func checkDecode(t *testing.T, body []byte) {
	t.Helper()
	var want, got decodeTarget
	wantErr := json.Unmarshal(body, &want)
	if Decode(body, &got) {
		if wantErr != nil {
			t.Fatalf("Decode(%.40q) succeeded, json.Unmarshal says %v", body, wantErr)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("Decode(%.40q) = %+v, want %+v", body, got, want)
		}
	} else if c := bytes.TrimSpace(body); wantErr == nil && len(body) <= maxPooledBody && (c[0] == '{' || c[0] == '[' || c[0] == '"') {
		t.Fatalf("Decode(%.40q) failed, json.Unmarshal succeeded", body)
	}
	var anyWant, anyGot any
	if json.Unmarshal(body, &anyWant) == nil && Decode(body, &anyGot) && !reflect.DeepEqual(anyGot, anyWant) {
		t.Fatalf("Decode(%.40q) into any = %v, want %v", body, anyGot, anyWant)
	}

	var known decodeTarget
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	want = decodeTarget{}
	knownErr := dec.Decode(&want)
	more := knownErr == nil && dec.More()
	// DecodeKnown may refuse more than the decoder (which leaves what
	// follows the value unread): its callers then decode the ordinary
	// way. What it accepts, the decoder accepts, with the same result.
	if DecodeKnown(body, &known) {
		if knownErr != nil || more {
			t.Fatalf("DecodeKnown(%.40q) succeeded, the decoder says %v (more: %v)", body, knownErr, more)
		}
		if !reflect.DeepEqual(known, want) {
			t.Fatalf("DecodeKnown(%.40q) = %+v, want %+v", body, known, want)
		}
	} else if c := bytes.TrimSpace(body); wantErr == nil && knownErr == nil && len(body) <= maxPooledBody && (c[0] == '{' || c[0] == '[' || c[0] == '"') {
		t.Fatalf("DecodeKnown(%.40q) failed, json.Unmarshal and the decoder succeeded", body)
	}
}

func TestDecodeAllocs(t *testing.T) {
	body := []byte(decodeBodies[0])
	var v decodeTarget
	Decode(body, &v) // a decoder in the pool
	n := testing.AllocsPerRun(100, func() {
		v = decodeTarget{}
		if !Decode(body, &v) {
			t.Fatal("Decode failed")
		}
	})
	// The decoded strings, slice, pointer and raw message, and the boxing
	// of &v: not the decoder's setup.
	if n > 8 {
		t.Errorf("Decode allocates %v times", n)
	}
}

func FuzzDecode(f *testing.F) {
	for _, b := range decodeBodies {
		if len(b) < 1000 {
			f.Add([]byte(b), []byte(decodeBodies[0]))
		}
	}
	f.Fuzz(func(t *testing.T, first, second []byte) {
		checkDecode(t, first)
		checkDecode(t, second)
	})
}
