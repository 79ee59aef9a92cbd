package bedrock

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/format/jsonbytes"
)

// decodeByDecoder is DecodeRequest without its pooled decoder: every body
// through a fresh json.Decoder with DisallowUnknownFields.
// DecodeRequest must answer exactly as it does.
func decodeByDecoder(modelID string, body []byte) (*canon.Request, error) {
	var wire ConverseRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&wire); err != nil {
		return nil, malformed(err)
	}
	if dec.More() {
		return nil, apierr.Validationf("Malformed input request: the body holds more than one JSON value, please reformat your input and try again.")
	}
	return ToCanon(modelID, &wire)
}

var equivBodies = []string{
	`{"messages":[{"role":"user","content":[{"text":"hi"}]}]}`,
	`{"messages":[{"role":"user","content":[{"text":"hi"}]}],"bogus":1}`,
	`{"Messages":[{"role":"user","content":[{"text":"hi"}]}]}`,
	`{"messages":[{"role":"user","content":[{"TEXT":"hi"}]}]}`,
	`{"messages":[{"role":"user","content":[{"t\u0065xt":"hi"}]}]}`,
	`{"messages":[{"role":"user","content":[{"text":"hi","zz":null}]}]}`,
	`{"messages":[{"role":"user","content":[{"text":"hi"}]}],"requestMetadata":{"any":"key"},"promptVariables":{"v":{"whatever":1}}}`,
	`{"messages":[{"role":"user","content":[{"text":"hi"}]}],"additionalModelRequestFields":{"top_k":5,"x":{"y":1}}}`,
	`{"messages":[{"role":"user","content":[{"image":{"format":"png","source":{"bytes":"aGk="}}}]}]}`,
	`{"messages":[{"role":"user","content":[{"image":{"format":"png","source":{"bytes":"aGk=","extra":1}}}]}]}`,
	`{"messages":[{"role":"user","content":[{"text":"hi"}]}],"toolConfig":{"tools":[{"toolSpec":{"name":"f","inputSchema":{"json":{"type":"object","unknownIsFine":1}}}}],"toolChoice":{"auto":{}}}}`,
	`{"messages":[{"role":"user","content":[{"text":"hi"}]}],"toolConfig":{"tools":[{"toolSpec":{"name":"f","inputSchema":{"json":{}}}}],"toolChoice":{"auto":{"x":1}}}}`,
	`{"messages":[{"role":"user","content":[{"text":"hi"}]}],"outputConfig":{"textFormat":{"type":"json_schema","structure":{"jsonSchema":{"schema":"{}","nope":1}}}}}`,
	`{"messages":[{"role":"user","content":[{"text":"hi"}]}]} {}`,
	`{"messages":[{"role":"user","content":[{"text":"hi"}]}]}   `,
	`{"messages":[{"role":"user","content":[{"text":1}]}],"bogus":1}`,
	`{"bogus":1,"messages":[{"role":"user","content":[{"text":1}]}]}`,
	`{"messages":[{"role":"user","content":[{"text":"hi"}]}],"inferenceConfig":{"maxTokens":"x"}}`,
	`null`, ``, `[]`, `{"messages":`, `{"messages":null}`,
}

func TestDecodeRequestMatchesDecoder(t *testing.T) {
	for _, b := range equivBodies {
		checkDecodeEquiv(t, []byte(b))
	}
	files, _ := filepath.Glob("testdata/request/*.wire.json")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		checkDecodeEquiv(t, b)
		if !jsonbytes.DecodeKnown(b, new(ConverseRequest)) {
			t.Errorf("%s takes the slow path", f)
		}
	}
}

func checkDecodeEquiv(t *testing.T, body []byte) {
	t.Helper()
	want, wantErr := decodeByDecoder("m", body)
	got, gotErr := DecodeRequest("m", body)
	if (gotErr == nil) != (wantErr == nil) || (gotErr != nil && gotErr.Error() != wantErr.Error()) {
		t.Fatalf("%q: error %v, the decoder says %v", body, gotErr, wantErr)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%q:\n got %+v\nwant %+v", body, got, want)
	}
}

// FuzzDecodeRequestMatchesDecoder checks DecodeRequest against the
// decoder-only decoding on arbitrary bodies.
func FuzzDecodeRequestMatchesDecoder(f *testing.F) {
	for _, b := range equivBodies {
		f.Add([]byte(b))
	}
	for _, pat := range []string{"testdata/request/*.wire.json", "testdata/request/invalid/*.wire.json"} {
		files, _ := filepath.Glob(pat)
		for _, file := range files {
			b, _ := os.ReadFile(file)
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, body []byte) { checkDecodeEquiv(t, body) })
}
