package conformance

import (
	"net/http"
	"testing"
	"time"

	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/format/anthropic"
	"github.com/basalt-gateway/basalt/internal/format/openai"
	"github.com/basalt-gateway/basalt/internal/inbound/converse"
	"github.com/basalt-gateway/basalt/internal/server"
	"github.com/basalt-gateway/basalt/internal/wire/sse"
)

// Translator benchmarks: one upstream stream event per iteration, read by
// the SSE reader from memory, decoded by the provider's dialect into
// canonical events, and encoded by the ConverseStream encoder into a frame
// written to a ResponseWriter that discards it. ns/op and allocs/op are per
// streamed event, end to end through Basalt's own code (no network).

// repeatReader serves prefix once, then body forever.
type repeatReader struct {
	prefix, body []byte
	off          int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if len(r.prefix) > 0 {
			k := copy(p[n:], r.prefix)
			r.prefix = r.prefix[k:]
			n += k
			continue
		}
		k := copy(p[n:], r.body[r.off:])
		r.off = (r.off + k) % len(r.body)
		n += k
	}
	return n, nil
}

// discardWriter is a ResponseWriter that flushes and takes deadlines, as
// net/http's does, and throws the bytes away.
type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header              { return d.h }
func (d *discardWriter) WriteHeader(int)                  {}
func (d *discardWriter) Write(b []byte) (int, error)      { return len(b), nil }
func (d *discardWriter) FlushError() error                { return nil }
func (d *discardWriter) SetWriteDeadline(time.Time) error { return nil }

func benchEncoder() server.Encoder {
	return converse.StreamShape{}.NewEncoder(&discardWriter{h: http.Header{}}, nil, &canon.Request{Stream: true})
}

func BenchmarkTranslateOpenAIChunkToConverseStream(b *testing.B) {
	const head = `data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini","service_tier":"default","system_fingerprint":"fp_1","choices":[{"index":0,`
	cases := []struct {
		name, prime, chunk string
	}{
		{"text",
			head + `"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}],"usage":null}` + "\n\n",
			head + `"delta":{"content":" token"},"logprobs":null,"finish_reason":null}],"usage":null}` + "\n\n"},
		{"tool_arguments",
			head + `"delta":{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":""}}],"refusal":null},"logprobs":null,"finish_reason":null}],"usage":null}` + "\n\n",
			head + `"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\"city"}}]},"logprobs":null,"finish_reason":null}],"usage":null}` + "\n\n"},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			rd := sse.NewReader(&repeatReader{prefix: []byte(c.prime), body: []byte(c.chunk)})
			dec := openai.NewStreamDecoder(benchEncoder())
			step := func() {
				ev, err := rd.Next()
				if err != nil {
					b.Fatal(err)
				}
				if _, err := dec.Decode(ev.Data); err != nil {
					b.Fatal(err)
				}
			}
			step()
			step()
			b.ReportAllocs()
			for b.Loop() {
				step()
			}
		})
	}
}

func BenchmarkTranslateAnthropicEventToConverseStream(b *testing.B) {
	const start = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":10,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"output_tokens\":1}}}\n\n"
	cases := []struct {
		name, prime, event string
	}{
		{"text",
			start + "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n",
			"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\" token\"}}\n\n"},
		{"tool_input",
			start + "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"get_weather\",\"input\":{}}}\n\n",
			"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"\\\"city\"}}\n\n"},
		{"thinking",
			start + "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":\"\"}}\n\n",
			"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\" hmm\"}}\n\n"},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			rd := sse.NewReader(&repeatReader{prefix: []byte(c.prime), body: []byte(c.event)})
			dec := anthropic.NewStreamDecoder(benchEncoder(), anthropic.ResponseOptions{})
			step := func() {
				ev, err := rd.Next()
				if err != nil {
					b.Fatal(err)
				}
				if err := dec.Decode(ev.Type, ev.Data); err != nil {
					b.Fatal(err)
				}
			}
			step()
			step()
			step()
			b.ReportAllocs()
			for b.Loop() {
				step()
			}
		})
	}
}
