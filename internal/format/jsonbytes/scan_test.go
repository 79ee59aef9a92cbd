package jsonbytes

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"
)

// reference lists an object's members in order the way encoding/json
// sees them: each key decoded, each value as a RawMessage.
func referenceMembers(t testing.TB, data []byte) (keys []string, vals []string) {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		t.Fatalf("not an object: %v %v", tok, err)
	}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k.(string))
		vals = append(vals, string(v))
	}
	return keys, vals
}

func walkMembers(t testing.TB, data []byte) (keys []string, vals []string) {
	m, ok := Object(data)
	if !ok {
		t.Fatalf("Object(%q) not ok", data)
	}
	for {
		k, v, ok := m.Next()
		if !ok {
			break
		}
		var ks string
		if p, ok := Plain(k); ok {
			ks = string(p)
		} else if err := json.Unmarshal(k, &ks); err != nil {
			t.Fatalf("key %q: %v", k, err)
		}
		keys = append(keys, ks)
		vals = append(vals, string(v))
	}
	return keys, vals
}

func checkObject(t testing.TB, data []byte) {
	wk, wv := walkMembers(t, data)
	rk, rv := referenceMembers(t, data)
	if !slices.Equal(wk, rk) || !slices.Equal(wv, rv) {
		t.Fatalf("%q:\nwalk keys %q vals %q\nref  keys %q vals %q", data, wk, wv, rk, rv)
	}
}

var objects = []string{
	`{}`,
	` { } `,
	`{"a":1}`,
	"{\n\t\"a\" : 1 ,\r\n \"b\":\"x\" }",
	`{"a":"q\"uo\\\"te\\","b":[1,{"c":"]}"},[]],"d":{"e":{"f":null}},"g":true,"h":false,"i":-1.5e+3}`,
	`{"k\u00e9y":"v","k\\":"\\","":""}`,
	`{"a":[],"b":{},"c":[[[]]],"d":"\\\\"}`,
	`{"a":1,"a":2}`,
	`{"mod\u0065l":"x","\ud83d\ude00":"😀"}`,
}

func TestObject(t *testing.T) {
	for _, o := range objects {
		checkObject(t, []byte(o))
	}
}

func TestArray(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{`[]`, nil},
		{` [ 1 , "a]" , {"b":[2]} , null , [ ] ] `, []string{`1`, `"a]"`, `{"b":[2]}`, `null`, `[ ]`}},
		{`["\\",true]`, []string{`"\\"`, `true`}},
	} {
		e, ok := Array([]byte(tc.in))
		if !ok {
			t.Fatalf("Array(%q) not ok", tc.in)
		}
		var got []string
		for {
			v, ok := e.Next()
			if !ok {
				break
			}
			got = append(got, string(v))
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("Array(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if _, ok := Array([]byte(`{}`)); ok {
		t.Error("Array accepted an object")
	}
	if _, ok := Object([]byte(`[]`)); ok {
		t.Error("Object accepted an array")
	}
}

func TestPlain(t *testing.T) {
	for _, tc := range []struct {
		in    string
		plain bool
	}{
		{`"abc"`, true}, {`""`, true}, {`"é"`, true}, {`"a\"b"`, false}, {`"a\nb"`, false},
		{"\"a\xffb\"", false}, {`abc`, false}, {`"`, false},
	} {
		s, ok := Plain([]byte(tc.in))
		if ok != tc.plain {
			t.Errorf("Plain(%q) ok = %v", tc.in, ok)
			continue
		}
		if ok {
			var want string
			if err := json.Unmarshal([]byte(tc.in), &want); err != nil || want != string(s) {
				t.Errorf("Plain(%q) = %q, json says %q (%v)", tc.in, s, want, err)
			}
		}
	}
}

func TestWalkAllocs(t *testing.T) {
	data := []byte(objects[4])
	n := testing.AllocsPerRun(100, func() {
		m, _ := Object(data)
		for {
			if _, _, ok := m.Next(); !ok {
				break
			}
		}
	})
	if n != 0 {
		t.Errorf("walking an object allocates %v times", n)
	}
}

// FuzzObject checks the walk against encoding/json on every object it
// accepts, and that it never panics or hangs on anything else.
func FuzzObject(f *testing.F) {
	for _, o := range objects {
		f.Add([]byte(o))
	}
	f.Add([]byte(`{"a":`))
	f.Add([]byte(`{"a":"\`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if m, ok := Object(data); ok {
			for i := 0; i <= len(data); i++ {
				if _, _, ok := m.Next(); !ok {
					break
				}
			}
		}
		if e, ok := Array(data); ok {
			for i := 0; i <= len(data); i++ {
				if _, ok := e.Next(); !ok {
					break
				}
			}
		}
		var probe map[string]json.RawMessage
		if err := json.Unmarshal(data, &probe); err != nil || probe == nil {
			return
		}
		checkObject(t, data)
	})
}
