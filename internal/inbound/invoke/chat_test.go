package invoke

import (
	"encoding/json"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/catalog"
	"github.com/basalt-gateway/basalt/internal/format/deepseek"
	"github.com/basalt-gateway/basalt/internal/testutil/familytest"
	"github.com/basalt-gateway/basalt/internal/testutil/golden"
)

const (
	gptOSSID   = "openai.gpt-oss-20b-1:0"
	qwenID     = "qwen.qwen3-32b-v1:0"
	deepseekID = "deepseek.r1-v1:0"
	dsChatID   = "deepseek.v3-v1:0"
)

func decodeStream(body, model string, stream bool) (*canon.Request, error) {
	r := httptest.NewRequest("POST", "/model/x/invoke", strings.NewReader(body))
	r.SetPathValue("modelId", model)
	return Shape{Family: catalog.FamilyFromID, Stream: stream}.Decode(r)
}

func TestDecodeChatFamilies(t *testing.T) {
	const hi = `"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"hi"}]`
	cases := []struct {
		name, model, body string
		stream            bool
		want              string // "" for success
	}{
		{"gpt-oss", gptOSSID, `{` + hi + `,"max_completion_tokens":64,"reasoning_effort":"low","temperature":0.5,"top_p":0.9,"stop":["END"]}`, false, ""},
		{"gpt-oss profile id and model", "us." + gptOSSID, `{"model":"` + gptOSSID + `",` + hi + `}`, false, ""},
		{"gpt-oss model mismatch", gptOSSID, `{"model":"openai.gpt-oss-120b-1:0",` + hi + `}`, false, `model "openai.gpt-oss-120b-1:0" in the body does not match`},
		{"gpt-oss stream true on invoke", gptOSSID, `{` + hi + `,"stream":true}`, false, "stream is true in the body, but this is InvokeModel"},
		{"gpt-oss stream false on stream", gptOSSID, `{` + hi + `,"stream":false}`, true, "stream is false in the body, but this is InvokeModelWithResponseStream"},
		{"gpt-oss stream true on stream", gptOSSID, `{` + hi + `,"stream":true,"stream_options":{"include_usage":true}}`, true, ""},
		{"gpt-oss image", gptOSSID, `{"messages":[{"role":"user","content":[{"type":"text","text":"what is it"},{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}}]}]}`, false, "takes text input only, and the request has image content"},
		{"gpt-oss unknown key", gptOSSID, `{` + hi + `,"max_gen_len":5}`, false, "Unrecognized request argument(s) supplied: max_gen_len"},
		{"gpt-oss bad type", gptOSSID, `{"messages":5}`, false, "Invalid type for 'messages'"},
		{"gpt-oss no messages", gptOSSID, `{"max_tokens":5}`, false, "Invalid 'messages'"},
		{"gpt-oss bad effort", gptOSSID, `{` + hi + `,"reasoning_effort":"extreme"}`, false, "reasoning_effort"},
		{"gpt-oss prompt body", gptOSSID, `{"prompt":"hi"}`, false, "Unrecognized request argument(s) supplied: prompt"},
		{"qwen image allowed", qwenID, `{"messages":[{"role":"user","content":[{"type":"text","text":"what is it"},{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}}]}]}`, false, ""},
		{"qwen tools", qwenID, `{` + hi + `,"tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}}],"tool_choice":"required"}`, false, ""},
		{"deepseek prompt", deepseekID, `{"prompt":"<｜User｜>hi<｜Assistant｜><think>\n","max_tokens":100}`, false, ""},
		{"deepseek prompt bad", deepseekID, `{"prompt":"hi","max_tokens":40000}`, false, "#/max_tokens: 40000 is not between 1 and 32768"},
		{"deepseek chat", dsChatID, `{` + hi + `,"max_tokens":100}`, false, ""},
		{"deepseek chat stream mismatch", dsChatID, `{` + hi + `,"stream":true}`, false, "stream is true in the body"},
		{"deepseek neither", deepseekID, `{"inputText":"hi"}`, false, "#: extraneous key [inputText] is not permitted#: required key [prompt] not found"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, err := decodeStream(c.body, c.model, c.stream)
			if c.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if req.Model != c.model || len(req.Messages) == 0 || req.Stream != c.stream {
					t.Errorf("req = %+v", req)
				}
				return
			}
			var ae *apierr.Error
			if !errors.As(err, &ae) || ae.Kind != apierr.Validation || !strings.Contains(ae.Message, c.want) {
				t.Fatalf("err = %v, want Validation containing %q", err, c.want)
			}
		})
	}
}

func TestDecodeChatCanon(t *testing.T) {
	req, err := decodeStream(`{"messages":[{"role":"developer","content":"Be brief."},{"role":"user","content":"hi"}],`+
		`"max_completion_tokens":64,"max_tokens":9,"reasoning_effort":"high","temperature":0.5,"top_p":0.9,"stop":"END"}`, gptOSSID, false)
	if err != nil {
		t.Fatal(err)
	}
	golden.Assert(t, "testdata/chat/gpt-oss.canon.json", golden.JSON(t, req))
	cs, ok := req.ShapeData.(*chatStyle)
	if !ok || !cs.tagReasoning || !cs.textOnly || cs.stream != nil {
		t.Errorf("style = %+v", req.ShapeData)
	}
	req, err = decodeStream(`{"prompt":"<｜User｜>hi<｜Assistant｜><think>\n"}`, deepseekID, true)
	if err != nil {
		t.Fatal(err)
	}
	if st, ok := req.ShapeData.(deepseek.Style); !ok || !st.ThinkOpen {
		t.Errorf("deepseek style = %#v", req.ShapeData)
	}
}

var (
	chatID      = regexp.MustCompile(`"id":"chatcmpl-[A-Za-z0-9]{24}"`)
	chatCreated = regexp.MustCompile(`"created":[0-9]+`)
)

// stable replaces the completion id and creation time, which change on
// every call.
func stable(b []byte) []byte {
	b = chatID.ReplaceAll(b, []byte(`"id":"chatcmpl-<id>"`))
	return chatCreated.ReplaceAll(b, []byte(`"created":0`))
}

// TestChatEncodersGolden: each familytest answer as a unary body and as
// stream chunks, for gpt-oss (tagged reasoning) and Qwen (reasoning_content),
// with and without include_usage.
func TestChatEncodersGolden(t *testing.T) {
	styles := map[string]*chatStyle{
		"gpt-oss":       {chatOptions: chatOptions{textOnly: true, tagReasoning: true}},
		"qwen":          {},
		"qwen-usage":    {includeUsage: true},
		"gpt-oss-usage": {chatOptions: chatOptions{tagReasoning: true}, includeUsage: true},
	}
	for fam, cs := range styles {
		for name, r := range familytest.Answers {
			t.Run(fam+"/"+name, func(t *testing.T) {
				b, err := json.Marshal(chatResponse(r, gptOSSID, cs))
				if err != nil {
					t.Fatal(err)
				}
				var pretty map[string]any
				_ = json.Unmarshal(stable(b), &pretty)
				golden.Assert(t, "testdata/chat/"+fam+"/"+name+".response.json", golden.JSON(t, pretty))

				var out []byte
				enc := newChatChunks(func(c []byte) error {
					if !json.Valid(c) {
						t.Fatalf("chunk is not JSON: %s", c)
					}
					out = append(append(out, stable(c)...), '\n')
					return nil
				}, gptOSSID, cs, familytest.Metrics)
				if err := canon.Emit(enc, r); err != nil {
					t.Fatal(err)
				}
				if err := enc.Finish(); err != nil || !enc.Done() {
					t.Fatalf("Finish = %v, done %v", err, enc.Done())
				}
				lines := strings.Split(strings.TrimSpace(string(out)), "\n")
				for i, l := range lines {
					if strings.Contains(l, "amazon-bedrock-invocationMetrics") != (i == len(lines)-1) {
						t.Errorf("metrics on chunk %d of %d", i, len(lines))
					}
				}
				golden.Assert(t, "testdata/chat/"+fam+"/"+name+".stream.jsonl", out)
			})
		}
	}
}

func TestChatChunksErrors(t *testing.T) {
	enc := newChatChunks(func([]byte) error { return nil }, gptOSSID, nil, nil)
	_ = enc.WriteEvent(canon.Event{Kind: canon.EventMessageStart})
	if err := enc.WriteEvent(canon.Event{Kind: canon.EventMetadata}); apierr.KindOf(err) != apierr.ModelStreamError {
		t.Errorf("usage before stop: %v", err)
	}
	if err := enc.Finish(); apierr.KindOf(err) != apierr.ModelStreamError {
		t.Errorf("Finish without stop: %v", err)
	}
	// Stopped without metadata: Finish writes the held chunk with zero usage.
	var last string
	enc = newChatChunks(func(c []byte) error { last = string(c); return nil }, gptOSSID, nil, familytest.Metrics)
	_ = enc.WriteEvent(canon.Event{Kind: canon.EventMessageStop, StopReason: canon.StopEndTurn})
	if last != "" {
		t.Fatalf("the finish chunk was not held: %s", last)
	}
	if err := enc.Finish(); err != nil || !strings.Contains(last, `"finish_reason":"stop"`) || !strings.Contains(last, "amazon-bedrock-invocationMetrics") {
		t.Fatalf("Finish = %v, last chunk %s", err, last)
	}
	// A sink error is returned.
	boom := errors.New("client gone")
	enc = newChatChunks(func([]byte) error { return boom }, gptOSSID, nil, nil)
	if err := enc.WriteEvent(canon.Event{Kind: canon.EventMessageStart}); !errors.Is(err, boom) {
		t.Errorf("sink error = %v", err)
	}
}

// FuzzDecodeChat: arbitrary bodies for each Chat Completions family never
// panic and fail only with Validation errors; accepted ones carry the
// path's model and a conversation. Seeds: the Chat Completions fixtures of
// internal/format/openai and DeepSeek's R1 bodies.
func FuzzDecodeChat(f *testing.F) {
	var seeds []string
	for _, pat := range []string{"../../format/openai/testdata/inbound/*.wire.json", "../../format/deepseek/testdata/request/*.wire.json"} {
		fs, _ := filepath.Glob(pat)
		seeds = append(seeds, fs...)
	}
	if len(seeds) == 0 {
		f.Fatal("no seeds")
	}
	for _, file := range seeds {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		for _, fam := range []string{FamilyGPTOSS, FamilyQwen, FamilyDeepSeek} {
			model := map[string]string{FamilyGPTOSS: gptOSSID, FamilyQwen: qwenID, FamilyDeepSeek: deepseekID}[fam]
			req, style, err := codecs[fam].decode(model, in)
			if err != nil {
				var ae *apierr.Error
				if !errors.As(err, &ae) || ae.Kind != apierr.Validation {
					t.Fatalf("%s: error %T %v", fam, err, err)
				}
				continue
			}
			if req.Model != model || len(req.Messages) == 0 || style == nil {
				t.Fatalf("%s: accepted %+v (style %v)", fam, req, style)
			}
			_ = codecs[fam].check(style, true)
		}
	})
}
