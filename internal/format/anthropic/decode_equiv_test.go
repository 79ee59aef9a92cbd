package anthropic

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"testing"

	"github.com/basalt-gateway/basalt/internal/apierr"
)

// The decoders read keys and raw blocks off the validated text instead of
// decoding the body again; these are the decodings they replaced, which
// they must match on every input.

func unmarshalRequestByMaps(data []byte, r *MessagesRequest) error {
	var p plainRequest
	if err := json.Unmarshal(data, &p); err != nil {
		return err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(data, &all); err != nil {
		return err
	}
	known := requestKeys()
	for k, v := range all {
		if !known[k] {
			if p.Extra == nil {
				p.Extra = map[string]json.RawMessage{}
			}
			p.Extra[k] = v
		}
	}
	*r = MessagesRequest(p)
	return nil
}

func decodeRequestByMaps(body []byte, needMaxTokens bool) (*MessagesRequest, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return nil, nil // decodeRequest's own check, the same in both
	}
	var r MessagesRequest
	if err := unmarshalRequestByMaps(body, &r); err != nil {
		return nil, apierr.Wrap(apierr.Validation, err, "There was an error parsing the body of your request: %s", jsonProblem(err))
	}
	if needMaxTokens {
		var probe struct {
			MaxTokens json.RawMessage `json:"max_tokens"`
		}
		_ = json.Unmarshal(body, &probe)
		if len(probe.MaxTokens) == 0 || string(probe.MaxTokens) == "null" {
			return nil, apierr.Validationf("max_tokens: Field required")
		}
	}
	return &r, nil
}

// blocksByElement is Blocks.UnmarshalJSON decoding every block through
// ContentBlock.UnmarshalJSON.
func blocksByElement(data []byte) (Blocks, error) {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '"' {
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return nil, err
		}
		return Blocks{{Type: BlockText, Text: s}}, nil
	}
	var list []ContentBlock
	if err := json.Unmarshal(data, &list); err != nil {
		return nil, err
	}
	return list, nil
}

var equivBodies = []string{
	`{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}`,
	`{"model":"m","messages":[{"role":"user","content":"hi"}]}`,
	`{"model":"m","MAX_TOKENS":5,"messages":[{"role":"user","content":"hi"}]}`,
	`{"model":"m","max_tokens":5,"Max_Tokens":null,"messages":[]}`,
	`{"model":"m","max_tokens":null,"max_tokenſ":3,"messages":[]}`,
	`{"model":"m","m\u0061x_tokens":7,"messages":[]}`,
	`{"model":"m","max_tokens":1,"foo":1,"foo":{"a":2},"b\u0061r":[1],"messages":[]}`,
	`{"model":"m","max_tokens":1,"messages":[{"role":"user","content":[{"type":"text","text":"a"},{"type":"server_tool_use","id":"x","input":{}},null,{"type":"tool_result","tool_use_id":"t","content":[{"type":"weird","z":1}]}]}]}`,
	`{"model":"m","max_tokens":1,"messages":[{"role":"user","content":"q\"uote \u00e9"}],"system":"sys"}`,
	"{\"model\":\"m\",\"max_tokens\":1,\"messages\":[{\"role\":\"user\",\"content\":\"bad \xff\"}]}",
	`{"model":"m","max_tokens":1,"messages":[{"role":"user","content":[{"type":"text","text":1}]}]}`,
	`{"model":"m","max_tokens":1,"messages":[{"role":"user","content":[{"type":"text","text":1},{"type":"image","source":{"content":[{"type":5}]}}]}]}`,
	`{"model":"m","max_tokens":1,"messages":[{"role":"user","content":[]}],"system":null}`,
	`{"model":"m","max_tokens":"x","messages":[]}`,
	`{"model":"m",}`,
	`{"model":"m","max_tokens":1} x`,
}

var equivBlocks = []string{
	`"text"`, `"esc\naped"`, `null`, `[]`, `[null]`, `[{"type":"text","text":"a","cache_control":{"type":"ephemeral"}}]`,
	`[{"type":"mystery","x":[1,2]} , {"type":"thinking","thinking":"t","signature":"s"}]`,
	`[{"type":"text","text":1}]`, `[{"type":"text","text":1},{"type":"tool_result","content":[{"type":2}]}]`,
	`[{"type":"tool_result","content":[{"type":"text","text":{}}]},{"type":"text","text":1}]`, `{}`, `1`, `[1]`, `["a"]`,
}

func TestDecodeMatchesMapDecoding(t *testing.T) {
	for _, b := range equivBodies {
		checkRequestEquiv(t, []byte(b))
	}
	for _, b := range equivBlocks {
		checkBlocksEquiv(t, []byte(b))
	}
}

func checkRequestEquiv(t *testing.T, body []byte) {
	t.Helper()
	for _, need := range []bool{true, false} {
		want, wantErr := decodeRequestByMaps(body, need)
		if want == nil && wantErr == nil {
			return
		}
		got, gotErr := decodeRequest(body, need)
		if (gotErr == nil) != (wantErr == nil) || (gotErr != nil && gotErr.Error() != wantErr.Error()) {
			t.Fatalf("%q: error %v, the map decoding says %v", body, gotErr, wantErr)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q:\n got %+v\nwant %+v", body, got, want)
		}
	}
}

func checkBlocksEquiv(t *testing.T, data []byte) {
	t.Helper()
	want, wantErr := blocksByElement(data)
	var got Blocks
	gotErr := got.UnmarshalJSON(data)
	if (gotErr == nil) != (wantErr == nil) || (gotErr != nil && gotErr.Error() != wantErr.Error()) {
		t.Fatalf("blocks %q: error %v, decoding by element says %v", data, gotErr, wantErr)
	}
	if gotErr == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("blocks %q:\n got %#v\nwant %#v", data, got, want)
	}
}

// FuzzDecodeMatchesMapDecoding checks the request and block decoders
// against the decodings they replaced on arbitrary input.
func FuzzDecodeMatchesMapDecoding(f *testing.F) {
	for _, b := range equivBodies {
		f.Add([]byte(b))
	}
	for _, b := range equivBlocks {
		f.Add([]byte(b))
	}
	for _, pattern := range []string{"testdata/inbound/*.wire.json", "testdata/inbound/invalid/*.wire.json", "testdata/response/*.json"} {
		for _, file := range files(f, pattern) {
			b, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		checkRequestEquiv(t, in)
		checkBlocksEquiv(t, in)
	})
}

// TestTextBlockMarshal pins the direct encoding of a text block to what
// json.Marshal writes for the block's wire struct.
func TestTextBlockMarshal(t *testing.T) {
	for _, text := range []string{"", "plain", "<b>&\"\\\n\u2028\xff"} {
		got, err := ContentBlock{Type: BlockText, Text: text}.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(struct {
			Type         string          `json:"type"`
			Text         string          `json:"text"`
			Citations    json.RawMessage `json:"citations,omitempty"`
			CacheControl *CacheControl   `json:"cache_control,omitempty"`
		}{BlockText, text, nil, nil})
		if string(got) != string(want) {
			t.Errorf("text %q: %s, want %s", text, got, want)
		}
	}
}
