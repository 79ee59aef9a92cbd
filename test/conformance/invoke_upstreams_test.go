package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/basalt-gateway/basalt/internal/app"
	"github.com/basalt-gateway/basalt/internal/testutil/golden"
)

// The catalog ids the native text families are served under here: a
// different member of each family than the basalt-test tests use, so that
// the route, not the id, decides where a body goes.
const (
	titanPremierID = "amazon.titan-text-premier-v1:0"
	llama70ID      = "meta.llama3-1-70b-instruct-v1:0"
	novaProID      = "amazon.nova-pro-v1:0"
)

// upstreamFamilies is one realistic body per native text family: a system
// prompt, two user turns with an answer between them, temperature, top_p,
// a token limit and stop sequences where the body has them (Llama's has
// none; Titan's has no system prompt, so the instruction is in inputText).
var upstreamFamilies = []struct{ name, model, body string }{
	{"titan", titanPremierID, `{"inputText":"Answer in one short sentence.\n\nUser: Weather in Paris?\nBot: Sunny, 21 °C.\nUser: And tomorrow?\nBot:",` +
		`"textGenerationConfig":{"maxTokenCount":300,"temperature":0.5,"topP":0.9,"stopSequences":["User:"]}}`},
	{"llama", llama70ID, `{"prompt":"<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nAnswer in one short sentence.<|eot_id|>` +
		`<|start_header_id|>user<|end_header_id|>\n\nWeather in Paris?<|eot_id|>` +
		`<|start_header_id|>assistant<|end_header_id|>\n\nSunny, 21 °C.<|eot_id|>` +
		`<|start_header_id|>user<|end_header_id|>\n\nAnd tomorrow?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",` +
		`"max_gen_len":300,"temperature":0.5,"top_p":0.9}`},
	{"mistral-prompt", mistralPromptID, `{"prompt":"<s>[INST] <<SYS>>\nAnswer in one short sentence.\n<</SYS>>\n\nWeather in Paris? [/INST] Sunny, 21 °C.</s>[INST] And tomorrow? [/INST]",` +
		`"max_tokens":300,"temperature":0.5,"top_p":0.9,"top_k":40,"stop":["[INST]"]}`},
	{"mistral-chat", mistralChatID, `{"messages":[{"role":"system","content":"Answer in one short sentence."},{"role":"user","content":"Weather in Paris?"},` +
		`{"role":"assistant","content":"Sunny, 21 °C."},{"role":"user","content":"And tomorrow?"}],` +
		`"max_tokens":300,"temperature":0.5,"top_p":0.9,"stop":["END"]}`},
	{"cohere", cohereID, `{"message":"And tomorrow?","preamble":"Answer in one short sentence.",` +
		`"chat_history":[{"role":"USER","message":"Weather in Paris?"},{"role":"CHATBOT","message":"Sunny, 21 °C."}],` +
		`"max_tokens":300,"temperature":0.5,"p":0.9,"k":40,"stop_sequences":["END"]}`},
	{"deepseek-r1", deepseekR1ID, `{"prompt":"<｜begin▁of▁sentence｜>Answer in one short sentence.<｜User｜>Weather in Paris?<｜Assistant｜>Sunny, 21 °C.<｜end▁of▁sentence｜>` +
		`<｜User｜>And tomorrow?<｜Assistant｜><think>\n","max_tokens":300,"temperature":0.5,"top_p":0.9,"stop":["<｜end▁of▁sentence｜>"]}`},
	{"nova", novaProID, `{"schemaVersion":"messages-v1","system":[{"text":"Answer in one short sentence."}],"messages":[` +
		`{"role":"user","content":[{"text":"Weather in Paris?"}]},{"role":"assistant","content":[{"text":"Sunny, 21 °C."}]},` +
		`{"role":"user","content":[{"text":"And tomorrow?"}]}],` +
		`"inferenceConfig":{"maxTokens":300,"temperature":0.5,"topP":0.9,"topK":40,"stopSequences":["END"]}}`},
}

// The scripted answer: the fakes stream it in several fragments.
const (
	upstreamAnswer    = "Cloudy, 18 °C, with rain in the evening."
	upstreamInTokens  = 23
	upstreamOutTokens = 12
)

var (
	volatileUUID    = regexp.MustCompile(`"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"`)
	volatileLatency = regexp.MustCompile(`"(invocationLatency|firstByteLatency)":[0-9]+`)
)

// stabilizer replaces what changes from call to call in a JSON text:
// completion ids and times, latencies, and UUIDs (Cohere's response and
// generation ids), each distinct UUID by a numbered placeholder so that a
// golden file still shows which ids are the same.
type stabilizer map[string]string

func (s stabilizer) stable(b []byte) []byte {
	b = volatileID.ReplaceAll(b, []byte(`"id":"chatcmpl-<id>"`))
	b = volatileCreated.ReplaceAll(b, []byte(`"created":0`))
	b = volatileUUID.ReplaceAllFunc(b, func(id []byte) []byte {
		if _, ok := s[string(id)]; !ok {
			s[string(id)] = `"<uuid-` + strconv.Itoa(len(s)+1) + `>"`
		}
		return []byte(s[string(id)])
	})
	return volatileLatency.ReplaceAll(b, []byte(`"$1":0`))
}

// bedrockHeaders lists the X-Amzn-Bedrock-* response headers with the
// latency (checked to be a number by checkTokenHeaders) replaced.
func bedrockHeaders(h http.Header) string {
	var lines []string
	for k, vs := range h {
		if !strings.HasPrefix(k, "X-Amzn-Bedrock-") {
			continue
		}
		v := strings.Join(vs, ", ")
		if k == "X-Amzn-Bedrock-Invocation-Latency" {
			v = "<ms>"
		}
		lines = append(lines, k+": "+v)
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

// TestInvokeFamiliesUpstreams serves each native text family's body from
// the OpenAI and Anthropic fakes, with InvokeModel and
// InvokeModelWithResponseStream. One golden file per family and fake holds
// the request each fake received, Basalt's response headers and body, and
// the stream's chunk payloads.
func TestInvokeFamiliesUpstreams(t *testing.T) {
	for _, u := range chatUpstreams() {
		t.Run(u.name, func(t *testing.T) {
			opts, rec := u.start(t)
			provider := opts.Providers[len(opts.Providers)-1].Name
			for _, f := range upstreamFamilies {
				if !slices.ContainsFunc(opts.Models, func(m app.ModelSpec) bool { return m.ID == f.model }) {
					opts.Models = append(opts.Models, app.ModelSpec{ID: f.model, Provider: provider, Upstream: upModel})
				}
			}
			b := start(t, opts)
			c := bedrockClient(t, b.URL, nil)
			for _, f := range upstreamFamilies {
				t.Run(f.name, func(t *testing.T) {
					var out bytes.Buffer
					ids := stabilizer{}
					section := func(title string, body []byte) {
						out.WriteString("# " + title + "\n")
						out.Write(body)
						if !bytes.HasSuffix(body, []byte("\n")) {
							out.WriteByte('\n')
						}
					}

					u.reply("", upstreamAnswer, upstreamInTokens, upstreamOutTokens)
					res, err := c.InvokeModel(context.Background(), &bedrockruntime.InvokeModelInput{ModelId: aws.String(f.model), Body: []byte(f.body),
						ContentType: aws.String("application/json"), Accept: aws.String("application/json")})
					if err != nil {
						t.Fatal(err)
					}
					raw := awsmiddleware.GetRawResponse(res.ResultMetadata).(*smithyhttp.Response)
					checkTokenHeaders(t, raw, upstreamInTokens, upstreamOutTokens)
					section("InvokeModel: request to the upstream", indented(t, rec.Last().Body))
					section("InvokeModel: response headers", []byte(bedrockHeaders(raw.Header)))
					section("InvokeModel: response body", ids.stable(indented(t, res.Body)))

					u.reply("", upstreamAnswer, upstreamInTokens, upstreamOutTokens)
					chunks, err := invokeStreamModel(t, c, f.model, f.body)
					if err != nil {
						t.Fatal(err)
					}
					if len(chunks) < 3 {
						t.Fatalf("chunks = %v", chunks)
					}
					for i, ch := range chunks {
						if _, ok := ch["amazon-bedrock-invocationMetrics"]; ok != (i == len(chunks)-1) {
							t.Errorf("metrics on chunk %d of %d: %v", i, len(chunks), ch)
						}
					}
					checkMetrics(t, chunks[len(chunks)-1], upstreamInTokens, upstreamOutTokens)
					section("InvokeModelWithResponseStream: request to the upstream", indented(t, rec.Last().Body))
					var lines bytes.Buffer
					for _, ch := range chunks {
						var line bytes.Buffer
						enc := json.NewEncoder(&line)
						enc.SetEscapeHTML(false)
						if err := enc.Encode(ch); err != nil {
							t.Fatal(err)
						}
						lines.Write(ids.stable(line.Bytes()))
					}
					section("InvokeModelWithResponseStream: chunk payloads, one a line (keys sorted)", lines.Bytes())
					golden.Assert(t, "testdata/invoke_upstreams/"+u.name+"/"+f.name+".txt", out.Bytes())
				})
			}
		})
	}
}
