package anthropic

import (
	"testing"

	"github.com/basalt-gateway/basalt/internal/testutil/fastpath"
)

var fastResponseBodies = []string{
	`{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[{"type":"text","text":"hi"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":1,"output_tokens":2}}`,
	`{"content":[{"type":"thinking","thinking":"t","signature":"s"},{"type":"redacted_thinking","data":"d"},{"type":"tool_use","id":"a","name":"f","input":{"x":[1]}},null]}`,
	`{"content":[{"type":"server_tool_use","id":"s","name":"web_search","input":{}},{"type":"web_search_tool_result","tool_use_id":"s","content":[{"type":"web_search_result","url":"u"}]}]}`,
	`{"content":[{"type":"text","text":"c","citations":[{"type":"char_location"}],"cache_control":{"type":"ephemeral","ttl":"5m"}}]}`,
	`{"content":[{"type":"image","source":{"type":"base64","media_type":"image/png","data":"AA=="}},{"type":"document","source":{"type":"content","content":[{"type":"text","text":"x"}]},"title":"t","context":"c"}]}`,
	`{"content":[{"type":"tool_result","tool_use_id":"t","content":"str","is_error":true}]}`,
	`{"content":"a string"}`, `{"content":null}`, `{"content":[]}`, `{"content":{}}`, `{"content":[1]}`,
	`{"content":[{"type":"text","text":1}]}`, `{"content":[{"TYPE":"text"}]}`, `{"content":[{"type":"text","type":"x"}]}`,
	`{"content":[{"type":"text","cache_control":null,"source":null,"is_error":null}]}`,
	`{"content":[{"type":"text","is_error":"yes"}]}`,
	`{"type":"error","error":{"type":"overloaded_error","message":"busy"}}`,
	`{"usage":{"input_tokens":1,"cache_creation_input_tokens":2,"cache_read_input_tokens":3,"output_tokens":4,"service_tier":"standard"}}`,
	`{"usage":null}`, `{"usage":{"input_tokens":1.5}}`, `{"Usage":{}}`, `{"stop_reason":null,"stop_sequence":"\u00e9"}`,
	`{"extra":[{"content":5}],"id":"x"}`, `null`, `[]`, ``, `{`,
}

// TestDecodeResponseFastMatchesUnmarshal pins the reflection-free decode
// to json.Unmarshal: where it answers, it answers the same.
func TestDecodeResponseFastMatchesUnmarshal(t *testing.T) {
	fastpath.Test(t, decodeResponseFast, "testdata/response/*.wire.json", fastResponseBodies...)
}

func FuzzDecodeResponseFast(f *testing.F) {
	fastpath.Fuzz(f, decodeResponseFast, "testdata/response/*.wire.json", fastResponseBodies...)
}
