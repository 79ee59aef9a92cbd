package openai

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// decodeRequestByMaps is DecodeRequest as it was before it read keys off
// the text: the body decoded into a map for Extra, into the struct, and
// again into lists of maps for the nested keys. DecodeRequest must give
// the same answer for every body.
func decodeRequestByMaps(body []byte) (*ChatRequest, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return nil, nil // DecodeRequest's own check, the same in both
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		return nil, jsonError(err)
	}
	var in inboundChat
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, jsonError(err)
	}
	out := ChatRequest(in.chatRequestNoMethods)
	stop, err := decodeStop(in.Stop)
	if err != nil {
		return nil, err
	}
	out.Stop = stop
	for _, k := range knownRequestKeys {
		delete(top, k)
	}
	if len(top) > 0 {
		out.Extra = top
	}
	if err := checkNestedKeysDecoded(body); err != nil {
		return nil, err
	}
	return &out, nil
}

// contentByDecoder is Content.UnmarshalJSON for strings without its fast
// path.
func contentByDecoder(data []byte) (Content, error) {
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return Content{}, err
	}
	return Content{Text: &s}, nil
}

var equivBodies = []string{
	`{"model":"m","messages":[{"role":"user","content":"hi"}],"max_tokens":5}`,
	`{"model":"m","messages":[{"role":"user","content":"hi","bogus":1}]}`,
	`{"model":"m","messages":[{"role":"user","content":"hi","bogus":null}]}`,
	`{"model":"m","messages":[{"role":"user","content":"hi","bogus":1,"bogus":null}]}`,
	`{"model":"m","messages":[{"role":"user","content":"hi","b\u006fgus":1}]}`,
	`{"model":"m","messages":[{"role":"user","c\u006fntent":[{"type":"text","text":"x","zz":1}]}]}`,
	`{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"x","zz":1}],"content":"s"}]}`,
	`{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"x"},null,{"type":"text","text":"y","q":[1]}]}]}`,
	`{"model":"m","messages":[{"role":"assistant","content":null,"tool_calls":[{"id":"a","type":"function","function":{"name":"f","arguments":"{}"},"extra":true}]}]}`,
	`{"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f"},"x":1}]}`,
	`{"model":"m","messages":[{"role":"user","content":"x"}],"tools":[null,{"type":"function","function":{"name":"f"}}]}`,
	`{"model":"m","Messages":[{"role":"user","content":"x","bad":1}]}`,
	`{"model":"m","messages":[{"role":"user","content":"x","bad":1}],"messages":[{"role":"user","content":"y"}]}`,
	`{"model":"m","messages":[{"role":"user","content":"y"}],"TOOLS":[{"type":"function","function":{"name":"f"},"x":1}]}`,
	`{"model":"m","meſſages":[{"role":"user","content":"x","bad":1}]}`,
	`{"model":"m","messages":[null,{"role":"user","content":"x"}]}`,
	`{"model":"m","messages":[{"role":"user","content":"x"}],"foo":1,"bar":{"a":[1,2]},"foo":"2","st\u006fre":true}`,
	`{"model":"m","messages":[{"role":"user","content":"q\"uote\\ and \u00e9"}]}`,
	"{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"bad utf8 \xff\"}]}",
	`{"model":"m","messages":[{"role":"user","content":"x"}],"stop":["a","b"],"stop":"c"}`,
	`{"model":"m","messages":"no"}`,
	`{"model":"m","messages":[1]}`,
	`{"model":"m","messages":[{"role":"user","content":"x"}]} trailing`,
	`{"model":"m",}`,
	` {"model":"m","messages":[{"role":"user","content":[]}]} `,
}

func TestDecodeRequestMatchesMapDecoding(t *testing.T) {
	for _, b := range equivBodies {
		checkDecodeEquiv(t, []byte(b))
	}
}

func checkDecodeEquiv(t *testing.T, body []byte) {
	t.Helper()
	want, wantErr := decodeRequestByMaps(body)
	if want == nil && wantErr == nil {
		return
	}
	got, gotErr := DecodeRequest(body)
	if (gotErr == nil) != (wantErr == nil) || (gotErr != nil && gotErr.Error() != wantErr.Error()) {
		t.Fatalf("%q: error %v, the map decoding says %v", body, gotErr, wantErr)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%q:\n got %+v\nwant %+v", body, got, want)
	}
	// ChatRequest.UnmarshalJSON keeps Extra the same way.
	var viaMethod ChatRequest
	if json.Unmarshal(body, &viaMethod) == nil && !reflect.DeepEqual(viaMethod.Extra, extraByMap(body)) {
		t.Fatalf("%q: UnmarshalJSON Extra %v, want %v", body, viaMethod.Extra, extraByMap(body))
	}
}

func extraByMap(body []byte) map[string]json.RawMessage {
	var all map[string]json.RawMessage
	_ = json.Unmarshal(body, &all)
	for _, k := range knownRequestKeys {
		delete(all, k)
	}
	if len(all) == 0 {
		return nil
	}
	return all
}

// FuzzDecodeRequestMatchesMapDecoding checks DecodeRequest against the
// decoding it replaced on arbitrary bodies.
func FuzzDecodeRequestMatchesMapDecoding(f *testing.F) {
	for _, b := range equivBodies {
		f.Add([]byte(b))
	}
	for _, dir := range []string{"testdata/inbound", "testdata/inbound/invalid"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.wire.json"))
		for _, p := range files {
			b, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkDecodeEquiv(t, body)
		var c Content
		if err := c.UnmarshalJSON(body); err == nil && c.Text != nil {
			want, err := contentByDecoder(bytes.TrimSpace(body))
			if err != nil || *want.Text != *c.Text {
				t.Fatalf("content %q: %q, the decoder says %q (%v)", body, *c.Text, *want.Text, err)
			}
		}
	})
}
