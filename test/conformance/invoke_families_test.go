package conformance

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/basalt-gateway/basalt/internal/app"
	"github.com/basalt-gateway/basalt/internal/testutil/fakeupstream"
)

const (
	novaID  = "amazon.nova-lite-v1:0"
	titanID = "amazon.titan-text-express-v1"
	llamaID = "meta.llama3-8b-instruct-v1:0"
	// Mistral's two body styles: prompt ([INST]) and chat (messages).
	mistralPromptID = "mistral.mistral-7b-instruct-v0:2"
	mistralChatID   = "mistral.mistral-large-2407-v1:0"
	cohereID        = "cohere.command-r-plus-v1:0"
)

// familyCase is one native text family driven against basalt-test, which
// answers "You said: <last user text>" and counts whitespace words as
// tokens.
type familyCase struct {
	name, model string
	body        string
	said        string // the last user text basalt-test will echo
	want        string // the answer text; "" means "You said: " + said
	inTokens    int
	// text extracts the answer's text from the unary body and checks the
	// family's other members (stop reason, usage).
	text func(t *testing.T, body map[string]any) string
	// chunkText is the text a stream chunk carries (and checks its other
	// members).
	chunkText func(t *testing.T, ch map[string]any) string
	// final checks the family's stop/usage members of the last chunk.
	final func(t *testing.T, last map[string]any)
	// limit sets the body's token limit to 2; stopOf reads the stop
	// reason, which must then be lengthReason.
	limit        func(body map[string]any)
	stopOf       func(t *testing.T, body map[string]any) any
	lengthReason string
}

func familyCases() []familyCase {
	return []familyCase{{
		name: "nova", model: novaID,
		body: `{"schemaVersion":"messages-v1","system":[{"text":"Be brief."}],` +
			`"messages":[{"role":"user","content":[{"text":"hello nova"}]}],"inferenceConfig":{"maxTokens":50,"temperature":0.1}}`,
		said: "hello nova", inTokens: 4,
		text: func(t *testing.T, b map[string]any) string {
			msg := obj(t, obj(t, b["output"])["message"])
			u := obj(t, b["usage"])
			if b["stopReason"] != "end_turn" || msg["role"] != "assistant" || u["inputTokens"] != 4.0 || u["outputTokens"] != 4.0 ||
				u["totalTokens"] != 8.0 || u["cacheReadInputTokenCount"] != 0.0 || u["cacheWriteInputTokenCount"] != 0.0 {
				t.Errorf("body = %v", b)
			}
			return obj(t, msg["content"].([]any)[0])["text"].(string)
		},
		chunkText: func(_ *testing.T, ch map[string]any) string {
			if d, ok := ch["contentBlockDelta"].(map[string]any); ok {
				if s, ok := d["delta"].(map[string]any)["text"].(string); ok {
					return s
				}
			}
			return ""
		},
		final: func(t *testing.T, last map[string]any) {
			u := obj(t, obj(t, last["metadata"])["usage"])
			if u["inputTokens"] != 4.0 || u["outputTokens"] != 4.0 {
				t.Errorf("metadata chunk = %v", last)
			}
		},
		limit:        func(b map[string]any) { b["inferenceConfig"] = map[string]any{"max_new_tokens": 2} },
		stopOf:       func(_ *testing.T, b map[string]any) any { return b["stopReason"] },
		lengthReason: "max_tokens",
	}, {
		name: "titan", model: titanID,
		body: `{"inputText":"hello titan","textGenerationConfig":{"maxTokenCount":50,"temperature":0.1,"topP":0.9}}`,
		said: "hello titan", inTokens: 2,
		text: func(t *testing.T, b map[string]any) string {
			r := obj(t, b["results"].([]any)[0])
			if b["inputTextTokenCount"] != 2.0 || r["tokenCount"] != 4.0 || r["completionReason"] != "FINISH" {
				t.Errorf("body = %v", b)
			}
			return r["outputText"].(string)
		},
		chunkText: func(_ *testing.T, ch map[string]any) string { s, _ := ch["outputText"].(string); return s },
		final: func(t *testing.T, last map[string]any) {
			if last["completionReason"] != "FINISH" || last["totalOutputTextTokenCount"] != 4.0 || last["inputTextTokenCount"] != 2.0 || last["index"] != 0.0 {
				t.Errorf("last chunk = %v", last)
			}
		},
		limit: func(b map[string]any) { b["textGenerationConfig"] = map[string]any{"maxTokenCount": 2} },
		stopOf: func(t *testing.T, b map[string]any) any {
			return obj(t, b["results"].([]any)[0])["completionReason"]
		},
		lengthReason: "LENGTH",
	}, {
		name: "llama", model: llamaID,
		body: `{"prompt":"<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>` +
			`<|start_header_id|>user<|end_header_id|>\n\nhello llama<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",` +
			`"max_gen_len":50,"temperature":0.1,"top_p":0.9}`,
		said: "hello llama", inTokens: 4,
		text: func(t *testing.T, b map[string]any) string {
			if b["prompt_token_count"] != 4.0 || b["generation_token_count"] != 4.0 || b["stop_reason"] != "stop" {
				t.Errorf("body = %v", b)
			}
			return b["generation"].(string)
		},
		chunkText: func(_ *testing.T, ch map[string]any) string { s, _ := ch["generation"].(string); return s },
		final: func(t *testing.T, last map[string]any) {
			if last["stop_reason"] != "stop" || last["generation_token_count"] != 4.0 || last["prompt_token_count"] != 4.0 {
				t.Errorf("last chunk = %v", last)
			}
		},
		limit:        func(b map[string]any) { b["max_gen_len"] = 2 },
		stopOf:       func(_ *testing.T, b map[string]any) any { return b["stop_reason"] },
		lengthReason: "length",
	}, {
		name: "mistral prompt", model: mistralPromptID,
		body: `{"prompt":"<s>[INST] hello mistral [/INST]","max_tokens":50,"temperature":0.1,"top_k":5,"stop":["</s>"]}`,
		said: "hello mistral", inTokens: 2,
		text: func(t *testing.T, b map[string]any) string {
			o := obj(t, b["outputs"].([]any)[0])
			if o["stop_reason"] != "stop" {
				t.Errorf("body = %v", b)
			}
			return o["text"].(string)
		},
		chunkText: func(_ *testing.T, ch map[string]any) string {
			s, _ := ch["outputs"].([]any)[0].(map[string]any)["text"].(string)
			return s
		},
		final: func(t *testing.T, last map[string]any) {
			if obj(t, last["outputs"].([]any)[0])["stop_reason"] != "stop" {
				t.Errorf("last chunk = %v", last)
			}
		},
		limit: func(b map[string]any) { b["max_tokens"] = 2 },
		stopOf: func(t *testing.T, b map[string]any) any {
			return obj(t, b["outputs"].([]any)[0])["stop_reason"]
		},
		lengthReason: "length",
	}, {
		name: "mistral chat", model: mistralChatID,
		body: `{"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"hello mistral"}],"max_tokens":50,"top_p":0.9}`,
		said: "hello mistral", inTokens: 4,
		text: func(t *testing.T, b map[string]any) string {
			c := obj(t, b["choices"].([]any)[0])
			if c["stop_reason"] != "stop" || obj(t, c["message"])["role"] != "assistant" {
				t.Errorf("body = %v", b)
			}
			return obj(t, c["message"])["content"].(string)
		},
		chunkText: func(_ *testing.T, ch map[string]any) string {
			s, _ := ch["choices"].([]any)[0].(map[string]any)["message"].(map[string]any)["content"].(string)
			return s
		},
		final: func(t *testing.T, last map[string]any) {
			if obj(t, last["choices"].([]any)[0])["stop_reason"] != "stop" {
				t.Errorf("last chunk = %v", last)
			}
		},
		limit: func(b map[string]any) { b["max_tokens"] = 2 },
		stopOf: func(t *testing.T, b map[string]any) any {
			return obj(t, b["choices"].([]any)[0])["stop_reason"]
		},
		lengthReason: "length",
	}, {
		name: "cohere", model: cohereID,
		body: `{"message":"hello cohere","preamble":"Be brief.","chat_history":[{"role":"USER","message":"Hi"},{"role":"CHATBOT","message":"Hello."}],` +
			`"max_tokens":50,"temperature":0.1,"p":0.9,"k":5}`,
		said: "hello cohere", inTokens: 6,
		text: func(t *testing.T, b map[string]any) string {
			hist, _ := b["chat_history"].([]any)
			meta := obj(t, obj(t, b["meta"])["billed_units"])
			if b["finish_reason"] != "COMPLETE" || len(hist) != 4 || obj(t, hist[3])["role"] != "CHATBOT" || meta["input_tokens"] != 6.0 || meta["output_tokens"] != 4.0 {
				t.Errorf("body = %v", b)
			}
			return b["text"].(string)
		},
		chunkText: func(_ *testing.T, ch map[string]any) string {
			if ch["event_type"] == "text-generation" {
				return ch["text"].(string)
			}
			return ""
		},
		final: func(t *testing.T, last map[string]any) {
			if last["is_finished"] != true || last["event_type"] != "stream-end" || last["finish_reason"] != "COMPLETE" ||
				obj(t, last["response"])["text"] != "You said: hello cohere" {
				t.Errorf("last chunk = %v", last)
			}
		},
		limit:        func(b map[string]any) { b["max_tokens"] = 2 },
		stopOf:       func(_ *testing.T, b map[string]any) any { return b["finish_reason"] },
		lengthReason: "MAX_TOKENS",
	}}
}

// localFamilies routes one id of each family to basalt-test.
func localFamilies() app.Options {
	opts := localOnly()
	for _, id := range []string{novaID, titanID, llamaID, mistralPromptID, mistralChatID, cohereID} {
		opts.Models = append(opts.Models, app.ModelSpec{ID: id, Provider: "local", Upstream: "basalt-test"})
	}
	return opts
}

// invokeJSON calls InvokeModel and returns the decoded body and raw
// response headers.
func invokeJSON(t *testing.T, c *bedrockruntime.Client, model, body string) (map[string]any, *smithyhttp.Response, error) {
	t.Helper()
	out, err := c.InvokeModel(context.Background(), &bedrockruntime.InvokeModelInput{ModelId: aws.String(model), Body: []byte(body),
		ContentType: aws.String("application/json"), Accept: aws.String("application/json")})
	if err != nil {
		return nil, nil, err
	}
	if aws.ToString(out.ContentType) != "application/json" {
		t.Errorf("content type = %q", aws.ToString(out.ContentType))
	}
	var m map[string]any
	if err := json.Unmarshal(out.Body, &m); err != nil {
		t.Fatalf("body %s: %v", out.Body, err)
	}
	return m, awsmiddleware.GetRawResponse(out.ResultMetadata).(*smithyhttp.Response), nil
}

// invokeStreamModel calls InvokeModelWithResponseStream for model and
// returns each chunk decoded as JSON, and the stream's error.
func invokeStreamModel(t *testing.T, c *bedrockruntime.Client, model, body string) ([]map[string]any, error) {
	t.Helper()
	out, err := c.InvokeModelWithResponseStream(context.Background(), &bedrockruntime.InvokeModelWithResponseStreamInput{
		ModelId: aws.String(model), Body: []byte(body), ContentType: aws.String("application/json")})
	if err != nil {
		return nil, err
	}
	raw := awsmiddleware.GetRawResponse(out.ResultMetadata).(*smithyhttp.Response)
	if got := raw.Header.Get("X-Amzn-Bedrock-Content-Type"); got != "application/json" {
		t.Errorf("X-Amzn-Bedrock-Content-Type = %q", got)
	}
	st := out.GetStream()
	defer st.Close()
	var chunks []map[string]any
	for ev := range st.Events() {
		chunk, ok := ev.(*types.ResponseStreamMemberChunk)
		if !ok {
			t.Fatalf("event %T", ev)
		}
		var m map[string]any
		if err := json.Unmarshal(chunk.Value.Bytes, &m); err != nil {
			t.Fatalf("chunk %q: %v", chunk.Value.Bytes, err)
		}
		chunks = append(chunks, m)
	}
	return chunks, st.Err()
}

func checkTokenHeaders(t *testing.T, raw *smithyhttp.Response, in, out int) {
	t.Helper()
	if raw.Header.Get("X-Amzn-Bedrock-Input-Token-Count") != strconv.Itoa(in) || raw.Header.Get("X-Amzn-Bedrock-Output-Token-Count") != strconv.Itoa(out) {
		t.Errorf("token headers = %v, want in %d out %d", raw.Header, in, out)
	}
	if _, err := strconv.Atoi(raw.Header.Get("X-Amzn-Bedrock-Invocation-Latency")); err != nil {
		t.Errorf("latency header: %v", err)
	}
}

func checkMetrics(t *testing.T, last map[string]any, in, out int) {
	t.Helper()
	m, ok := last["amazon-bedrock-invocationMetrics"].(map[string]any)
	if !ok {
		t.Fatalf("last chunk has no invocation metrics: %v", last)
	}
	if m["inputTokenCount"] != float64(in) || m["outputTokenCount"] != float64(out) || m["invocationLatency"] == nil || m["firstByteLatency"] == nil {
		t.Errorf("metrics = %v", m)
	}
}

// TestInvokeFamiliesLocal drives each native text family's InvokeModel and
// InvokeModelWithResponseStream with aws-sdk-go-v2 against basalt-test.
func TestInvokeFamiliesLocal(t *testing.T) {
	b := start(t, localFamilies())
	c := bedrockClient(t, b.URL, nil)
	for _, fc := range familyCases() {
		t.Run(fc.name, func(t *testing.T) { driveFamily(t, c, fc) })
	}
}

// driveFamily drives fc's body against basalt-test: InvokeModel,
// InvokeModelWithResponseStream, the token limit and scripted errors
// before and during the stream.
func driveFamily(t *testing.T, c *bedrockruntime.Client, fc familyCase) {
	want := fc.want
	if want == "" {
		want = "You said: " + fc.said
	}
	t.Run("invoke", func(t *testing.T) {
		body, raw, err := invokeJSON(t, c, fc.model, fc.body)
		if err != nil {
			t.Fatal(err)
		}
		if got := fc.text(t, body); got != want {
			t.Errorf("text = %q, want %q", got, want)
		}
		checkTokenHeaders(t, raw, fc.inTokens, 4)
	})
	t.Run("stream", func(t *testing.T) {
		chunks, err := invokeStreamModel(t, c, fc.model, fc.body)
		if err != nil {
			t.Fatal(err)
		}
		if len(chunks) < 3 {
			t.Fatalf("chunks = %v", chunks)
		}
		var text strings.Builder
		for i, ch := range chunks {
			text.WriteString(fc.chunkText(t, ch))
			if _, ok := ch["amazon-bedrock-invocationMetrics"]; ok != (i == len(chunks)-1) {
				t.Errorf("metrics on chunk %d of %d: %v", i, len(chunks), ch)
			}
		}
		if text.String() != want {
			t.Errorf("streamed text = %q, want %q", text.String(), want)
		}
		last := chunks[len(chunks)-1]
		fc.final(t, last)
		checkMetrics(t, last, fc.inTokens, 4)
	})
	t.Run("max tokens", func(t *testing.T) {
		var body map[string]any
		_ = json.Unmarshal([]byte(fc.body), &body)
		fc.limit(body)
		bb, _ := json.Marshal(body)
		got, _, err := invokeJSON(t, c, fc.model, string(bb))
		if err != nil {
			t.Fatal(err)
		}
		if reason := fc.stopOf(t, got); reason != fc.lengthReason {
			t.Errorf("stop reason = %v, want %s (body %v)", reason, fc.lengthReason, got)
		}
	})
	t.Run("scripted error mid-stream", func(t *testing.T) {
		body := strings.Replace(fc.body, fc.said, "basalt-test:error-after-start:ThrottlingException", 1)
		chunks, err := invokeStreamModel(t, c, fc.model, body)
		var te *types.ThrottlingException
		if !errors.As(err, &te) {
			t.Fatalf("err = %v (%T), want ThrottlingException", err, err)
		}
		if len(chunks) == 0 {
			t.Error("no chunk before the error")
		}
	})
	t.Run("scripted error before the stream", func(t *testing.T) {
		body := strings.Replace(fc.body, fc.said, "basalt-test:error:ThrottlingException", 1)
		_, err := invokeStreamModel(t, c, fc.model, body)
		var te *types.ThrottlingException
		if !errors.As(err, &te) {
			t.Fatalf("err = %v (%T), want ThrottlingException", err, err)
		}
	})
}

// TestInvokeNovaOpenAI serves a Nova body from an OpenAI-compatible
// upstream: text, tool use (unary and streamed) and errors.
func TestInvokeNovaOpenAI(t *testing.T) {
	of := fakeupstream.NewOpenAI(t)
	b := start(t, app.Options{
		Providers: []app.ProviderSpec{{Name: "local", Type: "local"}, {Name: "oa", Type: "openai", BaseURL: of.URL, APIKey: "k"}},
		Models:    []app.ModelSpec{{ID: novaID, Provider: "oa", Upstream: upModel}},
	})
	c := bedrockClient(t, b.URL, nil)
	const textBody = `{"schemaVersion":"messages-v1","system":[{"text":"Be brief."}],` +
		`"messages":[{"role":"user","content":[{"text":"Weather in Paris?"}]}],"inferenceConfig":{"maxTokens":256,"topK":20}}`
	const toolBody = `{"messages":[{"role":"user","content":[{"text":"Weather in Paris?"}]}],` +
		`"toolConfig":{"tools":[{"toolSpec":{"name":"get_weather","description":"Current weather",` +
		`"inputSchema":{"json":{"type":"object","properties":{"city":{"type":"string"}}}}}}],"toolChoice":{"any":{}}}}`

	t.Run("invoke", func(t *testing.T) {
		of.Reply(fakeupstream.OpenAIReply{Text: "Sunny and warm.", Usage: &fakeupstream.OpenAIUsage{PromptTokens: 11, CompletionTokens: 4}})
		body, raw, err := invokeJSON(t, c, novaID, textBody)
		if err != nil {
			t.Fatal(err)
		}
		msg := obj(t, obj(t, body["output"])["message"])
		if obj(t, msg["content"].([]any)[0])["text"] != "Sunny and warm." || body["stopReason"] != "end_turn" || obj(t, body["usage"])["inputTokens"] != 11.0 {
			t.Errorf("body = %v", body)
		}
		checkTokenHeaders(t, raw, 11, 4)
		up := lastBody(t, &of.Recorder)
		if up["model"] != upModel || !strings.Contains(string(of.Last().Body), "Be brief.") || up["max_tokens"] == nil && up["max_completion_tokens"] == nil {
			t.Errorf("upstream body = %s", of.Last().Body)
		}
	})

	t.Run("invoke tool use", func(t *testing.T) {
		of.Reply(fakeupstream.OpenAIReply{ToolCalls: []fakeupstream.OpenAIToolCall{{ID: "call_1", Name: "get_weather", Arguments: `{"city":"Paris"}`}}})
		body, _, err := invokeJSON(t, c, novaID, toolBody)
		if err != nil {
			t.Fatal(err)
		}
		var tu map[string]any
		for _, cb := range obj(t, obj(t, body["output"])["message"])["content"].([]any) {
			if m, ok := obj(t, cb)["toolUse"].(map[string]any); ok {
				tu = m
			}
		}
		if tu == nil || tu["toolUseId"] != "call_1" || tu["name"] != "get_weather" || obj(t, tu["input"])["city"] != "Paris" || body["stopReason"] != "tool_use" {
			t.Errorf("body = %v", body)
		}
		if !strings.Contains(string(of.Last().Body), "get_weather") {
			t.Errorf("tool missing upstream: %s", of.Last().Body)
		}
	})

	t.Run("stream text", func(t *testing.T) {
		of.Reply(fakeupstream.OpenAIReply{Text: "Sunny and warm in Paris today.", Usage: &fakeupstream.OpenAIUsage{PromptTokens: 11, CompletionTokens: 7}})
		chunks, err := invokeStreamModel(t, c, novaID, textBody)
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		var text strings.Builder
		for _, ch := range chunks {
			for k := range ch {
				if k != "amazon-bedrock-invocationMetrics" {
					keys = append(keys, k)
				}
			}
			if d, ok := ch["contentBlockDelta"].(map[string]any); ok {
				text.WriteString(obj(t, d["delta"])["text"].(string))
			}
		}
		if text.String() != "Sunny and warm in Paris today." {
			t.Errorf("text = %q", text.String())
		}
		n := len(keys)
		if keys[0] != "messageStart" || keys[n-1] != "metadata" || keys[n-2] != "messageStop" || keys[n-3] != "contentBlockStop" {
			t.Errorf("chunk kinds = %v", keys)
		}
		if obj(t, chunks[n-2]["messageStop"])["stopReason"] != "end_turn" {
			t.Errorf("messageStop = %v", chunks[n-2])
		}
		checkMetrics(t, chunks[n-1], 11, 7)
	})

	t.Run("stream tool use", func(t *testing.T) {
		of.Reply(fakeupstream.OpenAIReply{ToolCalls: []fakeupstream.OpenAIToolCall{{ID: "call_9", Name: "get_weather", Arguments: `{"city":"Paris"}`}}})
		chunks, err := invokeStreamModel(t, c, novaID, toolBody)
		if err != nil {
			t.Fatal(err)
		}
		var start map[string]any
		var input strings.Builder
		for _, ch := range chunks {
			if s, ok := ch["contentBlockStart"].(map[string]any); ok {
				start = obj(t, obj(t, s["start"])["toolUse"])
			}
			if d, ok := ch["contentBlockDelta"].(map[string]any); ok {
				if tu, ok := obj(t, d["delta"])["toolUse"].(map[string]any); ok {
					input.WriteString(tu["input"].(string))
				}
			}
		}
		if start == nil || start["toolUseId"] != "call_9" || start["name"] != "get_weather" {
			t.Fatalf("tool start = %v (chunks %v)", start, chunks)
		}
		var in map[string]any
		if err := json.Unmarshal([]byte(input.String()), &in); err != nil || in["city"] != "Paris" {
			t.Errorf("tool input %q: %v", input.String(), err)
		}
	})

	t.Run("error before the stream", func(t *testing.T) {
		of.Fail(429, "")
		_, err := invokeStreamModel(t, c, novaID, textBody)
		var te *types.ThrottlingException
		if !errors.As(err, &te) {
			t.Fatalf("err = %v, want ThrottlingException", err)
		}
	})

	t.Run("error mid-stream", func(t *testing.T) {
		of.Reply(fakeupstream.OpenAIReply{Text: "partial answer", StreamError: &fakeupstream.OpenAIError{Message: "The server had an error", Type: "server_error"}})
		chunks, err := invokeStreamModel(t, c, novaID, textBody)
		var ie *types.InternalServerException
		var me *types.ModelStreamErrorException
		if !errors.As(err, &ie) && !errors.As(err, &me) {
			t.Fatalf("err = %v (%T), want a typed stream exception", err, err)
		}
		if len(chunks) == 0 || chunks[0]["messageStart"] == nil {
			t.Errorf("chunks before the error = %v", chunks)
		}
	})
}

// TestInvokeFamiliesValidation checks that malformed native bodies are
// ValidationExceptions naming the bad keys, and that families without a
// native body on this gateway say which ones work.
func TestInvokeFamiliesValidation(t *testing.T) {
	b := start(t, localFamilies())
	c := bedrockClient(t, b.URL, nil)
	cases := []struct{ name, model, body, want string }{
		{"nova extraneous keys", novaID, `{"messages":[{"role":"user","content":[{"text":"hi"}]}],"stream":true}`,
			"Malformed input request: #: extraneous key [stream] is not permitted"},
		{"nova claude body", novaID, `{"anthropic_version":"bedrock-2023-05-31","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}`,
			"#: extraneous key [anthropic_version] is not permitted"},
		{"nova document block", novaID, `{"messages":[{"role":"user","content":[{"document":{"format":"txt","name":"a","source":{"bytes":"aGk="}}}]}]}`,
			"#/messages/0/content/0: extraneous key [document] is not permitted"},
		{"titan wrong config key", titanID, `{"inputText":"hi","textGenerationConfig":{"maxTokens":5}}`,
			"#/textGenerationConfig: extraneous key [maxTokens] is not permitted"},
		{"titan no inputText", titanID, `{"prompt":"hi"}`, "#: extraneous key [prompt] is not permitted#: required key [inputText] not found"},
		{"llama bad type", llamaID, `{"prompt":"hi","max_gen_len":"many"}`, "#/max_gen_len: expected type: Integer, found: String"},
		{"mistral prompt extraneous", mistralPromptID, `{"prompt":"[INST] hi [/INST]","max_gen_len":5}`, "#: extraneous key [max_gen_len] is not permitted"},
		{"mistral chat extraneous", mistralChatID, `{"messages":[{"role":"user","content":"hi"}],"stream":true}`, "#: extraneous key [stream] is not permitted"},
		{"cohere extraneous", cohereID, `{"message":"hi","chat_history":[],"stream":true}`, "#: extraneous key [stream] is not permitted"},
		{"cohere no message", cohereID, `{"prompt":"hi"}`, "#: extraneous key [prompt] is not permitted#: required key [message] not found"},
		{"llama openai body", llamaID, `{"messages":[{"role":"user","content":"hi"}]}`, "#: extraneous key [messages] is not permitted#: required key [prompt] not found"},
		{"family without a body", "ai21.jamba-1-5-mini-v1:0", `{"messages":[{"role":"user","content":"hi"}]}`,
			`Amazon Nova (amazon.nova-micro|lite|pro|premier-*`},
		{"video family", "amazon.nova-reel-v1:0", `{"taskType":"TEXT_VIDEO"}`, `model "amazon.nova-reel-v1:0" is of family "nova-reel"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := invokeJSON(t, c, tc.model, tc.body)
			var ve *types.ValidationException
			if !errors.As(err, &ve) || !strings.Contains(ve.ErrorMessage(), tc.want) {
				t.Fatalf("err = %v, want a ValidationException containing %q", err, tc.want)
			}
		})
	}
}

// TestInvokeMistralChatTools: a Mistral chat body with tools (tool_choice
// "any") answered by basalt-test's tool call, unary and streamed.
func TestInvokeMistralChatTools(t *testing.T) {
	b := start(t, localFamilies())
	c := bedrockClient(t, b.URL, nil)
	const body = `{"messages":[{"role":"user","content":"Weather in Paris? {\"city\":\"Paris\"}"}],` +
		`"tools":[{"type":"function","function":{"name":"get_weather","description":"Current weather",` +
		`"parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}],"tool_choice":"any"}`
	checkCall := func(t *testing.T, calls any) {
		t.Helper()
		list, _ := calls.([]any)
		if len(list) != 1 {
			t.Fatalf("tool_calls = %v", calls)
		}
		fn := obj(t, obj(t, list[0])["function"])
		var args map[string]any
		if fn["name"] != "get_weather" || json.Unmarshal([]byte(fn["arguments"].(string)), &args) != nil || args["city"] != "Paris" {
			t.Errorf("tool call = %v", list[0])
		}
	}
	t.Run("invoke", func(t *testing.T) {
		got, _, err := invokeJSON(t, c, mistralChatID, body)
		if err != nil {
			t.Fatal(err)
		}
		ch := obj(t, got["choices"].([]any)[0])
		if ch["stop_reason"] != "tool_calls" {
			t.Errorf("body = %v", got)
		}
		checkCall(t, obj(t, ch["message"])["tool_calls"])
	})
	t.Run("stream", func(t *testing.T) {
		chunks, err := invokeStreamModel(t, c, mistralChatID, body)
		if err != nil {
			t.Fatal(err)
		}
		var calls any
		for _, chunk := range chunks {
			if tc, ok := obj(t, obj(t, chunk["choices"].([]any)[0])["message"])["tool_calls"]; ok {
				calls = tc
			}
		}
		checkCall(t, calls)
		last := chunks[len(chunks)-1]
		if obj(t, last["choices"].([]any)[0])["stop_reason"] != "tool_calls" {
			t.Errorf("last chunk = %v", last)
		}
		checkMetrics(t, last, 4, 2)
	})
}
