package openai

import (
	"testing"

	"github.com/basalt-gateway/basalt/internal/testutil/fastpath"
)

var fastResponseBodies = []string{
	`{"id":"c","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop","logprobs":null}],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}`,
	`{"choices":[{"message":{"role":"assistant","content":null,"tool_calls":[{"id":"a","type":"function","function":{"name":"f","arguments":"{\"x\":1}"}},null]},"finish_reason":"tool_calls"}]}`,
	`{"choices":[],"usage":null,"extra":{"nested":[1,2,{"id":5}]},"system_fingerprint":"fp","service_tier":"default"}`,
	`{"choices":null}`,
	`{"choices":[null,{"index":1,"message":null}]}`,
	`{"ID":"case"}`,
	`{"id":"a","id":"b"}`,
	`{"i\u0064":"escaped key"}`,
	`{"id":"esc\u00e9\n"}`,
	`{"created":1.5}`,
	`{"created":"1"}`,
	`{"created":-0}`,
	`{"created":99999999999999999999}`,
	`{"choices":[{"index":0,"message":{"content":[{"type":"text","text":"a"}],"refusal":"no","reasoning_content":"r","reasoning":"r2","name":"n","tool_call_id":"t"}}]}`,
	`{"choices":[{"message":{"content":5}}]}`,
	`{"choices":[{"message":{"refusal":null,"tool_calls":[]}}]}`,
	`{"usage":{"prompt_tokens":10,"prompt_tokens_details":{"cached_tokens":4,"cache_write_tokens":1,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":3},"prompt_cache_hit_tokens":2}}`,
	`{"usage":{"prompt_tokens_details":null,"completion_tokens_details":null}}`,
	`{"usage":[]}`,
	`{"choices":{}}`,
	`{"choices":[{"logprobs":{"content":[]}}]}`,
	`null`, `[]`, `"x"`, `{`, ``, ` {"id":"ws"} `,
	`{"choices":[{"message":{"tool_calls":[{"function":null},{"function":{"name":1}}]}}]}`,
	`{"choices":[{"message":{"tool_calls":[{"FUNCTION":{}}]}}]}`,
}

// TestParseResponseFastMatchesUnmarshal pins the reflection-free decode
// to json.Unmarshal: where it answers, it answers the same.
func TestParseResponseFastMatchesUnmarshal(t *testing.T) {
	fastpath.Test(t, parseResponseFast, "testdata/response/*.wire.json", fastResponseBodies...)
}

func FuzzParseResponseFast(f *testing.F) {
	fastpath.Fuzz(f, parseResponseFast, "testdata/response/*.wire.json", fastResponseBodies...)
}
