package openai

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/gateway"
	"github.com/basalt-gateway/basalt/internal/testutil/fakeupstream"
)

// The assertion lives here so the provider package need not import gateway.
var _ gateway.Provider = (*Provider)(nil)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const testKey = "sk-basalt-test-9f8e7d6c5b4a"

func newProvider(t *testing.T, fake *fakeupstream.OpenAI, mod ...func(*Config)) *Provider {
	t.Helper()
	cfg := Config{Name: "test-openai", BaseURL: fake.URL, APIKey: testKey, HTTPClient: fake.Client()}
	for _, f := range mod {
		f(&cfg)
	}
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.CloseIdleConnections)
	return p
}

// result is what one Converse produced.
type result struct {
	events []canon.Event
	resp   *canon.Response // nil unless the stream was complete
	err    error
}

func converse(t *testing.T, p *Provider, req *canon.Request) result {
	t.Helper()
	return converseCtx(t, context.Background(), p, req, nil)
}

// converseCtx runs Converse, feeding events to an Accumulator and to
// intercept (which may fail the writer).
func converseCtx(t *testing.T, ctx context.Context, p *Provider, req *canon.Request, intercept func(canon.Event) error) result {
	t.Helper()
	var r result
	acc := canon.NewAccumulator()
	w := canon.EventWriterFunc(func(ev canon.Event) error {
		r.events = append(r.events, ev)
		if intercept != nil {
			if err := intercept(ev); err != nil {
				return err
			}
		}
		return acc.WriteEvent(ev)
	})
	r.err = p.Converse(ctx, req, w)
	if r.err != nil {
		var ae *apierr.Error
		if !errors.As(r.err, &ae) {
			t.Fatalf("Converse error %v (%T) is not an *apierr.Error", r.err, r.err)
		}
		if strings.Contains(r.err.Error(), testKey) {
			t.Fatalf("error contains the API key: %v", r.err)
		}
		return r
	}
	resp, err := acc.Response()
	if err != nil {
		t.Fatalf("Converse succeeded but the events do not form an answer: %v", err)
	}
	r.resp = resp
	return r
}

func userText(s string) canon.Message {
	return canon.Message{Role: canon.RoleUser, Content: []canon.Block{canon.TextBlock(s)}}
}

func simpleReq(stream bool) *canon.Request {
	return &canon.Request{Model: "gpt-4o-mini", Stream: stream, Messages: []canon.Message{userText("Hi")}}
}

// upstreamBody decodes the last body the fake received.
func upstreamBody(t *testing.T, fake *fakeupstream.OpenAI) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(fake.Last().Body, &m); err != nil {
		t.Fatalf("upstream body: %v", err)
	}
	return m
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func textOf(r *canon.Response) string {
	var b strings.Builder
	for _, bl := range r.Message.Content {
		if bl.Type == canon.BlockText {
			b.WriteString(bl.Text)
		}
	}
	return b.String()
}

var modes = []struct {
	name   string
	stream bool
}{{"unary", false}, {"stream", true}}

func TestPlainText(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			fake := fakeupstream.NewOpenAI(t)
			fake.Reply(fakeupstream.OpenAIReply{Text: "Hello there, friend! ☀️ How are you?",
				Usage: &fakeupstream.OpenAIUsage{PromptTokens: 12, CompletionTokens: 9}})
			p := newProvider(t, fake)
			r := converse(t, p, simpleReq(m.stream))
			if r.err != nil {
				t.Fatal(r.err)
			}
			if got := textOf(r.resp); got != "Hello there, friend! ☀️ How are you?" {
				t.Errorf("text = %q", got)
			}
			if r.resp.StopReason != canon.StopEndTurn {
				t.Errorf("stop = %q", r.resp.StopReason)
			}
			if diff := cmp.Diff(canon.Usage{InputTokens: 12, OutputTokens: 9}, r.resp.Usage); diff != "" {
				t.Errorf("usage (-want +got):\n%s", diff)
			}
			if m.stream {
				deltas := 0
				for _, ev := range r.events {
					if ev.Kind == canon.EventBlockDelta {
						deltas++
					}
				}
				if deltas < 5 {
					t.Errorf("%d text deltas: the stream was not passed through incrementally", deltas)
				}
			}
			rec := fake.Last()
			if rec.Path != "/v1/chat/completions" || rec.Method != "POST" {
				t.Errorf("request %s %s", rec.Method, rec.Path)
			}
			if got := rec.Header.Get("Authorization"); got != "Bearer "+testKey {
				t.Errorf("Authorization = %q", got)
			}
			if got := rec.Header.Get("Content-Type"); got != "application/json" {
				t.Errorf("Content-Type = %q", got)
			}
			body := upstreamBody(t, fake)
			if m.stream {
				if body["stream"] != true || jsonOf(t, body["stream_options"]) != `{"include_usage":true}` {
					t.Errorf("stream fields: %v %v", body["stream"], body["stream_options"])
				}
			} else if _, ok := body["stream"]; ok {
				t.Errorf("unary request sent stream: %v", body["stream"])
			}
		})
	}
}

func TestNoAPIKeyNoAuthorization(t *testing.T) {
	fake := fakeupstream.NewOpenAI(t)
	p := newProvider(t, fake, func(c *Config) { c.APIKey = "" })
	if r := converse(t, p, simpleReq(true)); r.err != nil {
		t.Fatal(r.err)
	}
	if h, ok := fake.Last().Header["Authorization"]; ok {
		t.Errorf("Authorization sent without a key: %q", h)
	}
}

func TestSystemAndMultiTurn(t *testing.T) {
	fake := fakeupstream.NewOpenAI(t)
	p := newProvider(t, fake)
	req := &canon.Request{Model: "llama3.2", Stream: true,
		System: []canon.Block{canon.TextBlock("Be brief."), {Type: canon.BlockCachePoint, CachePoint: &canon.CachePoint{}}, canon.TextBlock("Use French.")},
		Messages: []canon.Message{
			userText("Hello"),
			{Role: canon.RoleAssistant, Content: []canon.Block{
				{Type: canon.BlockReasoning, Reasoning: &canon.Reasoning{Text: "greet", Signature: "sig"}},
				canon.TextBlock("Bonjour"), canon.TextBlock(" \n")}},
			userText("How are you?"),
		}}
	if r := converse(t, p, req); r.err != nil {
		t.Fatal(r.err)
	}
	want := `[{"content":"Be brief.\nUse French.","role":"system"},{"content":"Hello","role":"user"},{"content":"Bonjour","role":"assistant"},{"content":"How are you?","role":"user"}]`
	if got := jsonOf(t, upstreamBody(t, fake)["messages"]); got != want {
		t.Errorf("messages:\n got %s\nwant %s", got, want)
	}
}

func TestInferenceParams(t *testing.T) {
	for _, c := range []struct {
		field, key string
	}{{"", "max_tokens"}, {"max_completion_tokens", "max_completion_tokens"}} {
		t.Run(c.key, func(t *testing.T) {
			fake := fakeupstream.NewOpenAI(t)
			p := newProvider(t, fake, func(cfg *Config) { cfg.MaxTokensField = c.field })
			maxT, topK, seed := 300, 40, int64(42)
			temp, topP := 0.3, 0.95
			req := simpleReq(false)
			req.Inference = canon.InferenceConfig{MaxTokens: &maxT, Temperature: &temp, TopP: &topP, TopK: &topK,
				StopSequences: []string{"END", "STOP"}, Seed: &seed}
			req.Reasoning = &canon.ReasoningConfig{BudgetTokens: 10000}
			req.AdditionalFields = map[string]json.RawMessage{"min_p": json.RawMessage(`0.05`), "temperature": json.RawMessage(`2`)}
			if r := converse(t, p, req); r.err != nil {
				t.Fatal(r.err)
			}
			body := upstreamBody(t, fake)
			want := map[string]any{c.key: 300.0, "temperature": 0.3, "top_p": 0.95, "top_k": 40.0,
				"stop": []any{"END", "STOP"}, "seed": 42.0, "reasoning_effort": "high", "min_p": 0.05}
			for k, v := range want {
				if !cmp.Equal(body[k], v) {
					t.Errorf("%s = %v, want %v", k, body[k], v)
				}
			}
			other := map[string]string{"max_tokens": "max_completion_tokens", "max_completion_tokens": "max_tokens"}[c.key]
			if _, ok := body[other]; ok {
				t.Errorf("both token limit keys sent")
			}
		})
	}
}

func TestImageAndDocuments(t *testing.T) {
	fake := fakeupstream.NewOpenAI(t)
	p := newProvider(t, fake)
	req := &canon.Request{Model: "gpt-4o", Messages: []canon.Message{{Role: canon.RoleUser, Content: []canon.Block{
		canon.TextBlock("What is in these?"),
		{Type: canon.BlockImage, Image: &canon.Media{Format: "jpeg", Bytes: []byte{0xff, 0xd8, 0xff, 0xe0}}},
		{Type: canon.BlockImage, Image: &canon.Media{Format: "png", Bytes: []byte("\x89PNG")}},
		{Type: canon.BlockDocument, Document: &canon.Document{Format: "csv", Name: "table", Bytes: []byte("a,b\n1,2\n")}},
		{Type: canon.BlockDocument, Document: &canon.Document{Format: "pdf", Name: "report", Bytes: []byte("%PDF-1.7")}},
	}}}}
	if r := converse(t, p, req); r.err != nil {
		t.Fatal(r.err)
	}
	want := `[{"content":[{"text":"What is in these?","type":"text"},` +
		`{"image_url":{"url":"data:image/jpeg;base64,/9j/4A=="},"type":"image_url"},` +
		`{"image_url":{"url":"data:image/png;base64,iVBORw=="},"type":"image_url"},` +
		`{"text":"\u003cdocument name=\"table\"\u003e\na,b\n1,2\n\n\u003c/document\u003e","type":"text"},` +
		`{"file":{"file_data":"data:application/pdf;base64,JVBERi0xLjc=","filename":"report.pdf"},"type":"file"}],"role":"user"}]`
	if got := jsonOf(t, upstreamBody(t, fake)["messages"]); got != want {
		t.Errorf("messages:\n got %s\nwant %s", got, want)
	}
}

func TestUnsupportedContentIsRefused(t *testing.T) {
	fake := fakeupstream.NewOpenAI(t)
	p := newProvider(t, fake)
	req := &canon.Request{Model: "gpt-4o", Messages: []canon.Message{{Role: canon.RoleUser, Content: []canon.Block{
		canon.TextBlock("Read this"),
		{Type: canon.BlockDocument, Document: &canon.Document{Format: "xlsx", Name: "sheet", Bytes: []byte("PK")}},
	}}}}
	r := converse(t, p, req)
	if apierr.KindOf(r.err) != apierr.Validation || !strings.Contains(r.err.Error(), "xlsx") {
		t.Errorf("err = %v, want Validation naming the format", r.err)
	}
	if len(fake.Requests()) != 0 {
		t.Errorf("a refused request reached the upstream")
	}
}

// TestUsageCachedTokens is pitfall 9: prompt_tokens includes the cached
// tokens, canonical InputTokens does not.
func TestUsageCachedTokens(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			fake := fakeupstream.NewOpenAI(t)
			fake.Reply(fakeupstream.OpenAIReply{Text: "cached",
				Usage: &fakeupstream.OpenAIUsage{PromptTokens: 2006, CompletionTokens: 10, CachedTokens: 1920}})
			p := newProvider(t, fake)
			r := converse(t, p, simpleReq(m.stream))
			if r.err != nil {
				t.Fatal(r.err)
			}
			want := canon.Usage{InputTokens: 86, OutputTokens: 10, CacheReadTokens: 1920}
			if diff := cmp.Diff(want, r.resp.Usage); diff != "" {
				t.Errorf("usage (-want +got):\n%s", diff)
			}
			if r.resp.Usage.Total() != 2016 {
				t.Errorf("total %d, want 2016", r.resp.Usage.Total())
			}
			last := r.events[len(r.events)-1]
			if last.Kind != canon.EventMetadata || r.events[len(r.events)-2].Kind != canon.EventMessageStop {
				t.Errorf("stream does not end messageStop, metadata: %v, %v", r.events[len(r.events)-2].Kind, last.Kind)
			}
		})
	}
}

func TestFinishReasons(t *testing.T) {
	for _, c := range []struct {
		reason string
		tools  bool
		want   canon.StopReason
	}{
		{"stop", false, canon.StopEndTurn},
		{"length", false, canon.StopMaxTokens},
		{"tool_calls", true, canon.StopToolUse},
		{"function_call", true, canon.StopToolUse},
		{"content_filter", false, canon.StopContentFiltered},
		{"stop", true, canon.StopToolUse}, // older Ollama
	} {
		for _, m := range modes {
			t.Run(c.reason+"/"+m.name, func(t *testing.T) {
				fake := fakeupstream.NewOpenAI(t)
				rep := fakeupstream.OpenAIReply{Text: "x", FinishReason: c.reason}
				if c.tools {
					rep = fakeupstream.OpenAIReply{FinishReason: c.reason,
						ToolCalls: []fakeupstream.OpenAIToolCall{{ID: "call_1", Name: "f", Arguments: `{}`}}}
				}
				fake.Reply(rep)
				r := converse(t, newProvider(t, fake), simpleReq(m.stream))
				if r.err != nil {
					t.Fatal(r.err)
				}
				if r.resp.StopReason != c.want {
					t.Errorf("stop = %q, want %q", r.resp.StopReason, c.want)
				}
			})
		}
	}
}

func TestUpstreamIgnoresStream(t *testing.T) {
	fake := fakeupstream.NewOpenAI(t)
	fake.Raw(200, "application/json", []byte(`{"id":"x","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"whole"},"finish_reason":"stop"}]}`))
	r := converse(t, newProvider(t, fake), simpleReq(true))
	if r.err != nil || textOf(r.resp) != "whole" {
		t.Fatalf("got %v, %v", r.resp, r.err)
	}
}

func TestNew(t *testing.T) {
	for _, c := range []struct {
		name string
		cfg  Config
	}{
		{"no base URL", Config{}},
		{"relative", Config{BaseURL: "/v1"}},
		{"ftp", Config{BaseURL: "ftp://host/v1"}},
		{"bad field", Config{BaseURL: "http://h/v1", MaxTokensField: "max_output_tokens"}},
		{"negative timeout", Config{BaseURL: "http://h/v1", Timeout: -time.Second}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := New(c.cfg); err == nil {
				t.Error("New accepted a bad config")
			}
		})
	}
	p, err := New(Config{BaseURL: "https://api.openai.com/v1/", APIKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	defer p.CloseIdleConnections()
	if p.endpoint != "https://api.openai.com/v1/chat/completions" || p.Name() != "openai" || p.timeout != DefaultTimeout {
		t.Errorf("endpoint %q name %q timeout %s", p.endpoint, p.Name(), p.timeout)
	}
}
