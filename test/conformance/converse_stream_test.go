package conformance

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/document"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"

	"github.com/basalt-gateway/basalt/internal/app"
	"github.com/basalt-gateway/basalt/internal/cli"
	"github.com/basalt-gateway/basalt/internal/inbound/converse"
	"github.com/basalt-gateway/basalt/internal/server"
	"github.com/basalt-gateway/basalt/internal/testutil/fakeupstream"
)

type fakeCall struct{ id, name, input string }

// streamFake scripts one fake upstream for the streaming scenarios.
type streamFake struct {
	name string
	opts app.Options
	gone func() <-chan struct{}

	text  func(text string) // streamed in several deltas
	tools func(calls ...fakeCall)
	// usage scripts an answer whose usage has cache tokens; wantUsage is
	// what Bedrock reports for it: input, output, cacheRead, cacheWrite.
	usage     func()
	wantUsage [4]int32
	// midStream scripts an answer that fails after its first content;
	// isMid checks the error the SDK's stream reports for it.
	midStream []midCase
	before    func()                // an upstream 429 before the first byte
	cut       func()                // a stream that ends cleanly but before its stop event
	stall     func()                // content, then silence until the client leaves
	long      func(n int, frag int) // n bytes of text in frag-byte chunks
}

type midCase struct {
	name   string
	script func()
	is     func(error) bool
}

func isErr[T error](err error) bool {
	var target T
	return errors.As(err, &target)
}

func openaiStreamFake(t *testing.T) *streamFake {
	fake := fakeupstream.NewOpenAI(t)
	return &streamFake{
		name: "openai",
		opts: routeTo(app.ProviderSpec{Name: "oa", Type: "openai", BaseURL: fake.URL, APIKey: "sk-test"}),
		gone: fake.ClientGone,
		text: func(text string) {
			fake.Reply(fakeupstream.OpenAIReply{Text: text, FragmentSize: 4})
		},
		tools: func(calls ...fakeCall) {
			r := fakeupstream.OpenAIReply{FragmentSize: 3, InterleaveToolCalls: true}
			for _, c := range calls {
				r.ToolCalls = append(r.ToolCalls, fakeupstream.OpenAIToolCall{ID: c.id, Name: c.name, Arguments: c.input})
			}
			fake.Reply(r)
		},
		usage: func() {
			fake.Reply(fakeupstream.OpenAIReply{Text: "cached", Usage: &fakeupstream.OpenAIUsage{PromptTokens: 100, CompletionTokens: 5, CachedTokens: 60}})
		},
		wantUsage: [4]int32{40, 5, 60, 0},
		midStream: []midCase{
			{"server error", func() {
				fake.Reply(fakeupstream.OpenAIReply{Text: "partial answer", StreamError: &fakeupstream.OpenAIError{Message: "The server had an error while processing your request.", Type: "server_error"}})
			}, isErr[*types.ModelStreamErrorException]},
			{"rate limit", func() {
				fake.Reply(fakeupstream.OpenAIReply{Text: "partial answer", StreamError: &fakeupstream.OpenAIError{Message: "Rate limit reached.", Type: "requests", Code: "rate_limit_exceeded"}})
			}, isErr[*types.ThrottlingException]},
		},
		before: func() { fake.Fail(429, "") },
		cut:    func() { fake.Reply(fakeupstream.OpenAIReply{Text: "cut short", Truncate: true}) },
		stall:  func() { fake.Reply(fakeupstream.OpenAIReply{Text: "still thinking", Stall: true}) },
		long: func(n, frag int) {
			fake.Reply(fakeupstream.OpenAIReply{Text: strings.Repeat("abcdefgh", n/8), FragmentSize: frag})
		},
	}
}

func anthropicStreamFake(t *testing.T) *streamFake {
	fake := fakeupstream.NewAnthropic(t)
	text := func(s string) []fakeupstream.AnthropicBlock {
		return []fakeupstream.AnthropicBlock{{Type: "text", Text: s}}
	}
	return &streamFake{
		name: "anthropic",
		opts: routeTo(app.ProviderSpec{Name: "claude", Type: "anthropic", BaseURL: fake.URL, APIKey: "sk-ant-test"}),
		gone: fake.ClientGone,
		text: func(s string) { fake.Reply(fakeupstream.AnthropicReply{Content: text(s)}) },
		tools: func(calls ...fakeCall) {
			var r fakeupstream.AnthropicReply
			for _, c := range calls {
				r.Content = append(r.Content, fakeupstream.AnthropicBlock{Type: "tool_use", ID: c.id, Name: c.name, Input: c.input})
			}
			fake.Reply(r)
		},
		usage: func() {
			fake.Reply(fakeupstream.AnthropicReply{Content: text("cached"), Usage: fakeupstream.AnthropicUsage{InputTokens: 10, OutputTokens: 5,
				CacheReadInputTokens: 60, CacheCreationInputTokens: 30}})
		},
		wantUsage: [4]int32{10, 5, 60, 30},
		midStream: []midCase{
			{"overloaded", func() {
				fake.Reply(fakeupstream.AnthropicReply{Content: text("partial answer"), ErrorEvent: &fakeupstream.AnthropicError{Type: "overloaded_error", Message: "Overloaded"}})
			}, isErr[*types.ServiceUnavailableException]},
			{"rate limit", func() {
				fake.Reply(fakeupstream.AnthropicReply{Content: text("partial answer"), ErrorEvent: &fakeupstream.AnthropicError{Type: "rate_limit_error", Message: "Rate limited"}})
			}, isErr[*types.ThrottlingException]},
			{"api error", func() {
				fake.Reply(fakeupstream.AnthropicReply{Content: text("partial answer"), ErrorEvent: &fakeupstream.AnthropicError{Type: "api_error", Message: "Internal server error"}})
			}, isErr[*types.InternalServerException]},
		},
		before: func() {
			fake.Fail(429, "rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit")
		},
		cut:   func() { fake.Reply(fakeupstream.AnthropicReply{Content: text("cut short"), CutBeforeStop: true}) },
		stall: func() { fake.Reply(fakeupstream.AnthropicReply{Stall: true}) },
	}
}

func timeTool() types.Tool {
	return &types.ToolMemberToolSpec{Value: types.ToolSpecification{
		Name:        aws.String("get_time"),
		Description: aws.String("Current time"),
		InputSchema: &types.ToolInputSchemaMemberJson{Value: document.NewLazyDocument(map[string]any{
			"type": "object", "properties": map[string]any{"tz": map[string]any{"type": "string"}},
		})},
	}}
}

// TestConverseStream drives ConverseStream with the AWS SDK through each
// fake upstream: every event type, the order contract, usage, errors before
// and after the first byte, cut streams and client cancellation.
func TestConverseStream(t *testing.T) {
	for _, mk := range []func(*testing.T) *streamFake{openaiStreamFake, anthropicStreamFake} {
		f := mk(t)
		t.Run(f.name, func(t *testing.T) {
			b := start(t, f.opts)
			c := bedrockClient(t, b.URL, nil)
			ctx := context.Background()

			t.Run("text in several deltas", func(t *testing.T) {
				const want = "The quick brown fox jumps over the lazy dog."
				f.text(want)
				s, err := converseStream(ctx, t, c, streamInput("test-model", "Hello"))
				if err != nil {
					t.Fatal(err)
				}
				if s.err != nil {
					t.Fatal(s.err)
				}
				s.checkOrder(t)
				if len(s.textDeltas) < 2 || s.text() != want {
					t.Fatalf("text deltas %q, want several joining to %q", s.textDeltas, want)
				}
				if s.stop != types.StopReasonEndTurn {
					t.Errorf("stop = %q", s.stop)
				}
			})

			tools := &types.ToolConfiguration{Tools: []types.Tool{weatherTool(), timeTool()}}
			t.Run("tool call in many fragments", func(t *testing.T) {
				const input = `{"city":"Paris","units":"metric","days":[1,2,3]}`
				f.tools(fakeCall{"call_77", "get_weather", input})
				in := streamInput("test-model", "Weather in Paris?")
				in.ToolConfig = tools
				s, err := converseStream(ctx, t, c, in)
				if err != nil {
					t.Fatal(err)
				}
				if s.err != nil {
					t.Fatal(s.err)
				}
				s.checkOrder(t)
				if len(s.tools) != 1 || s.tools[0].id != "call_77" || s.tools[0].name != "get_weather" {
					t.Fatalf("tool starts = %+v", s.tools)
				}
				if len(s.tools[0].fragments) < 3 || !sameJSON(t, s.tools[0].input(), input) {
					t.Fatalf("fragments %q, want many joining to %s", s.tools[0].fragments, input)
				}
				if s.stop != types.StopReasonToolUse {
					t.Errorf("stop = %q", s.stop)
				}
			})

			t.Run("parallel tool calls equal the unary answer", func(t *testing.T) {
				calls := []fakeCall{{"call_a", "get_weather", `{"city":"Oslo","detail":{"wind":true}}`}, {"call_b", "get_time", `{"tz":"Europe/Oslo"}`}}
				f.tools(calls...)
				f.tools(calls...)
				in := streamInput("test-model", "Oslo weather and time?")
				in.ToolConfig = tools
				s, err := converseStream(ctx, t, c, in)
				if err != nil {
					t.Fatal(err)
				}
				if s.err != nil {
					t.Fatal(s.err)
				}
				out, err := c.Converse(ctx, &bedrockruntime.ConverseInput{ModelId: in.ModelId, Messages: in.Messages, ToolConfig: tools})
				if err != nil {
					t.Fatal(err)
				}
				var unary []streamedTool
				for _, blk := range out.Output.(*types.ConverseOutputMemberMessage).Value.Content {
					if tu, ok := blk.(*types.ContentBlockMemberToolUse); ok {
						raw, err := tu.Value.Input.MarshalSmithyDocument()
						if err != nil {
							t.Fatal(err)
						}
						unary = append(unary, streamedTool{id: aws.ToString(tu.Value.ToolUseId), name: aws.ToString(tu.Value.Name), fragments: []string{string(raw)}})
					}
				}
				if len(s.tools) != 2 || len(unary) != 2 {
					t.Fatalf("streamed %d tool calls, unary %d; want 2 each", len(s.tools), len(unary))
				}
				for i := range unary {
					st, ut := s.tools[i], unary[i]
					if st.id != ut.id || st.name != ut.name || !sameJSON(t, st.input(), ut.input()) || !sameJSON(t, st.input(), calls[i].input) {
						t.Errorf("call %d: streamed %s %s %s, unary %s %s %s", i, st.id, st.name, st.input(), ut.id, ut.name, ut.input())
					}
				}
			})

			t.Run("usage with cache tokens in the final metadata", func(t *testing.T) {
				f.usage()
				s, err := converseStream(ctx, t, c, streamInput("test-model", "cache me"))
				if err != nil {
					t.Fatal(err)
				}
				if s.err != nil {
					t.Fatal(s.err)
				}
				s.checkOrder(t)
				u := s.usage
				w := f.wantUsage
				if u == nil || aws.ToInt32(u.InputTokens) != w[0] || aws.ToInt32(u.OutputTokens) != w[1] ||
					aws.ToInt32(u.CacheReadInputTokens) != w[2] || aws.ToInt32(u.CacheWriteInputTokens) != w[3] ||
					aws.ToInt32(u.TotalTokens) != w[0]+w[1]+w[2]+w[3] {
					t.Fatalf("usage = %+v, want input/output/cacheRead/cacheWrite %v", u, w)
				}
			})

			for _, mc := range f.midStream {
				t.Run("mid-stream failure "+mc.name, func(t *testing.T) {
					mc.script()
					s, err := converseStream(ctx, t, c, streamInput("test-model", "fail please"))
					if err != nil {
						t.Fatalf("the call failed before the stream: %v", err)
					}
					if s.text() != "partial answer" {
						t.Errorf("text before the failure = %q", s.text())
					}
					if s.err == nil || !mc.is(s.err) {
						t.Fatalf("stream error = %T %v", s.err, s.err)
					}
				})
			}

			t.Run("upstream error before the first byte", func(t *testing.T) {
				f.before()
				_, err := converseStream(ctx, t, c, streamInput("test-model", "too fast"))
				var te *types.ThrottlingException
				if !errors.As(err, &te) {
					t.Fatalf("ConverseStream error = %T %v, want *types.ThrottlingException", err, err)
				}
			})

			t.Run("stream cut before its stop event is an error", func(t *testing.T) {
				f.cut()
				s, err := converseStream(ctx, t, c, streamInput("test-model", "cut"))
				if err != nil {
					t.Fatal(err)
				}
				var me *types.ModelStreamErrorException
				if !errors.As(s.err, &me) {
					t.Fatalf("stream error = %T %v, want *types.ModelStreamErrorException (events %v)", s.err, s.err, s.order)
				}
				for _, e := range s.order {
					if e == "messageStop" || e == "metadata" {
						t.Fatalf("a cut stream got %s: %v", e, s.order)
					}
				}
			})

			t.Run("client cancel reaches the upstream", func(t *testing.T) {
				f.stall()
				cctx, cancel := context.WithCancel(ctx)
				defer cancel()
				out, err := c.ConverseStream(cctx, streamInput("test-model", "wait"))
				if err != nil {
					t.Fatal(err)
				}
				stream := out.GetStream()
				if _, ok := <-stream.Events(); !ok {
					t.Fatalf("no first event: %v", stream.Err())
				}
				cancel()
				_ = stream.Close()
				waitGone(t, f.gone())
			})
		})
	}
}

// TestConverseStreamReasoning: thinking with a signature arrives as
// reasoningContent text deltas and one signature delta, before the text.
func TestConverseStreamReasoning(t *testing.T) {
	fake := fakeupstream.NewAnthropic(t)
	b := start(t, routeTo(app.ProviderSpec{Name: "claude", Type: "anthropic", BaseURL: fake.URL, APIKey: "sk-ant-test"}))
	c := bedrockClient(t, b.URL, nil)
	const thinking, sig = "The user greets me; a greeting back is polite.", "EqQBCkYIARgCIkBsignature/+=="
	fake.Reply(fakeupstream.AnthropicReply{Content: []fakeupstream.AnthropicBlock{
		{Type: "thinking", Thinking: thinking, Signature: sig}, {Type: "text", Text: "Hello to you too!"}}})
	s, err := converseStream(context.Background(), t, c, streamInput("test-model", "Hello"))
	if err != nil {
		t.Fatal(err)
	}
	if s.err != nil {
		t.Fatal(s.err)
	}
	s.checkOrder(t)
	if s.reasoning != thinking || s.signature != sig {
		t.Fatalf("reasoning %q signature %q", s.reasoning, s.signature)
	}
	if len(s.blockIdx["reasoning"]) < 3 {
		t.Errorf("reasoning arrived in %d deltas, want text deltas and a signature delta", len(s.blockIdx["reasoning"]))
	}
	for _, i := range s.blockIdx["reasoning"] {
		if i != 0 {
			t.Errorf("reasoning delta at block %d, want 0", i)
		}
	}
	for _, i := range s.blockIdx["text"] {
		if i != 1 {
			t.Errorf("text delta at block %d, want 1", i)
		}
	}
	if s.text() != "Hello to you too!" {
		t.Errorf("text = %q", s.text())
	}
}

// TestConverseStreamLocal: the built-in basalt-test model streams word by
// word, calls tools, and fails before or after the first event on request.
func TestConverseStreamLocal(t *testing.T) {
	b := start(t, localOnly())
	c := bedrockClient(t, b.URL, nil)
	ctx := context.Background()

	s, err := converseStream(ctx, t, c, streamInput("basalt-test", "hello there general kenobi"))
	if err != nil || s.err != nil {
		t.Fatal(err, s.err)
	}
	s.checkOrder(t)
	if len(s.textDeltas) < 2 || s.text() != "You said: hello there general kenobi" {
		t.Fatalf("text deltas %q", s.textDeltas)
	}
	if u := s.usage; u == nil || aws.ToInt32(u.OutputTokens) == 0 {
		t.Errorf("usage = %+v", u)
	}

	in := streamInput("basalt-test", `weather please {"city":"Paris"}`)
	in.ToolConfig = &types.ToolConfiguration{Tools: []types.Tool{weatherTool()}, ToolChoice: &types.ToolChoiceMemberAny{}}
	s, err = converseStream(ctx, t, c, in)
	if err != nil || s.err != nil {
		t.Fatal(err, s.err)
	}
	if len(s.tools) != 1 || s.tools[0].name != "get_weather" || s.tools[0].id == "" || !sameJSON(t, s.tools[0].input(), `{"city":"Paris"}`) {
		t.Fatalf("tools = %+v", s.tools)
	}
	if s.stop != types.StopReasonToolUse {
		t.Errorf("stop = %q", s.stop)
	}

	_, err = converseStream(ctx, t, c, streamInput("basalt-test", "basalt-test:error:ThrottlingException"))
	if !isErr[*types.ThrottlingException](err) {
		t.Fatalf("error before the stream = %T %v", err, err)
	}
	s, err = converseStream(ctx, t, c, streamInput("basalt-test", "basalt-test:error-after-start:ValidationException"))
	if err != nil {
		t.Fatal(err)
	}
	if !isErr[*types.ValidationException](s.err) || len(s.textDeltas) == 0 {
		t.Fatalf("error after start = %T %v after %q", s.err, s.err, s.textDeltas)
	}
}

// TestConverseStreamH2C: the same streams over cleartext HTTP/2, as the
// JavaScript SDK speaks it.
func TestConverseStreamH2C(t *testing.T) {
	f := openaiStreamFake(t)
	b := start(t, f.opts)
	hc, h2 := h2cClient(t)
	c := bedrockClient(t, b.URL, hc)
	ctx := context.Background()

	f.text("Streaming over h2c works fine.")
	s, err := converseStream(ctx, t, c, streamInput("test-model", "h2c?"))
	if err != nil || s.err != nil {
		t.Fatal(err, s.err)
	}
	s.checkOrder(t)
	if len(s.textDeltas) < 2 || s.text() != "Streaming over h2c works fine." {
		t.Fatalf("text deltas %q", s.textDeltas)
	}

	f.tools(fakeCall{"call_1", "get_weather", `{"city":"Rome"}`}, fakeCall{"call_2", "get_time", `{"tz":"Europe/Rome"}`})
	in := streamInput("test-model", "Rome?")
	in.ToolConfig = &types.ToolConfiguration{Tools: []types.Tool{weatherTool(), timeTool()}}
	s, err = converseStream(ctx, t, c, in)
	if err != nil || s.err != nil {
		t.Fatal(err, s.err)
	}
	if len(s.tools) != 2 || !sameJSON(t, s.tools[1].input(), `{"tz":"Europe/Rome"}`) {
		t.Fatalf("tools = %+v", s.tools)
	}

	f.midStream[1].script()
	s, err = converseStream(ctx, t, c, streamInput("test-model", "fail"))
	if err != nil || !isErr[*types.ThrottlingException](s.err) {
		t.Fatalf("mid-stream failure over h2c: %v, stream error %T %v", err, s.err, s.err)
	}

	f.stall()
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	out, err := c.ConverseStream(cctx, streamInput("test-model", "wait"))
	if err != nil {
		t.Fatal(err)
	}
	stream := out.GetStream()
	<-stream.Events()
	cancel()
	_ = stream.Close()
	waitGone(t, f.gone())

	if *h2 == 0 {
		t.Fatal("no response came over HTTP/2")
	}
}

// TestConverseStreamBedrockCancel: the client's cancel reaches the fake
// Bedrock runtime behind the bedrock provider too.
func TestConverseStreamBedrockCancel(t *testing.T) {
	isolateAWS(t)
	fake := fakeupstream.NewBedrock(t)
	b := start(t, app.Options{Providers: []app.ProviderSpec{bedrockSpec(fake.URL)}})
	c := bedrockClient(t, b.URL, nil)
	fake.Reply(fakeupstream.BedrockReply{Blocks: []fakeupstream.BedrockBlock{fakeupstream.BedrockText("Hel", "lo", " there")},
		Fault: &fakeupstream.BedrockFault{After: 2, Stall: true}})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out, err := c.ConverseStream(ctx, streamInput("us.anthropic.claude-3-haiku-20240307-v1:0", "Hi"))
	if err != nil {
		t.Fatal(err)
	}
	stream := out.GetStream()
	if _, ok := <-stream.Events(); !ok {
		t.Fatalf("no first event: %v", stream.Err())
	}
	cancel()
	_ = stream.Close()
	waitGone(t, fake.ClientGone())
}

// TestConverseStreamFlowControl: a client that stops reading stops Basalt
// reading the upstream: with a 8 MiB answer streaming, Basalt reads no more
// than the socket buffers between it and the client can hold, so memory
// per stream stays bounded whatever the answer's length. When the client
// then leaves, the upstream request is cancelled.
func TestConverseStreamFlowControl(t *testing.T) {
	f := openaiStreamFake(t)
	b, read := startSmallBuffers(t, f.opts)
	tr := smallBufTransport()
	c := bedrockClient(t, b.URL, &http.Client{Transport: tr})
	const answer, chunk = 8 << 20, 8 << 10
	f.long(answer, chunk)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out, err := c.ConverseStream(ctx, streamInput("test-model", "a very long answer please"))
	if err != nil {
		t.Fatal(err)
	}
	stream := out.GetStream()
	if _, ok := <-stream.Events(); !ok { // then read nothing more
		t.Fatalf("no first event: %v", stream.Err())
	}
	const limit = 2 << 20
	n := plateau(t, read, time.Second, limit)
	t.Logf("upstream read stalled at %d of ~%d bytes while the client read nothing", n, answer)
	cancel()
	_ = stream.Close()
	waitGone(t, f.gone())
}

// TestConverseStreamWriteDeadline: a client that stops reading but keeps
// its connection open cannot pin the stream: the per-frame write deadline
// fails the write and the upstream request is cancelled.
func TestConverseStreamWriteDeadline(t *testing.T) {
	f := openaiStreamFake(t)
	tr := smallBufTransport()
	t.Cleanup(tr.CloseIdleConnections)
	opts := f.opts
	opts.HTTPClient = &http.Client{Transport: tr}
	a, err := app.New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("POST /model/{modelId}/converse-stream", server.Handle("converse_stream", a.Gateway,
		converse.StreamShape{WriteTimeout: 300 * time.Millisecond}, slog.New(slog.DiscardHandler)))
	srv := httptest.NewUnstartedServer(server.Middleware(mux, slog.New(slog.DiscardHandler)))
	srv.Listener = smallBufListener{srv.Listener}
	srv.Start()
	t.Cleanup(func() {
		srv.Close()
		_ = a.Close()
	})
	c := bedrockClient(t, srv.URL, &http.Client{Transport: smallBufTransport()})
	f.long(8<<20, 8<<10)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out, err := c.ConverseStream(ctx, streamInput("test-model", "long"))
	if err != nil {
		t.Fatal(err)
	}
	stream := out.GetStream()
	defer stream.Close()
	<-stream.Events() // and then nothing: the client is stuck, not gone
	select {
	case <-f.gone():
	case <-time.After(10 * time.Second):
		t.Fatal("a stuck client pinned the stream and its upstream request")
	}
}

// TestServerDoesNotCutLongStreams: the HTTP server has no read or write
// timeout, which would cut a stream whose model thinks for minutes; only
// the provider's own timeout bounds a silent upstream.
func TestServerDoesNotCutLongStreams(t *testing.T) {
	srv := server.NewHTTPServer(server.Options{ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 5 * time.Minute},
		http.NotFoundHandler(), slog.New(slog.DiscardHandler))
	if srv.WriteTimeout != 0 || srv.ReadTimeout != 0 {
		t.Fatalf("server WriteTimeout %s, ReadTimeout %s: they would cut long streams", srv.WriteTimeout, srv.ReadTimeout)
	}
}

// TestCLIConverseStream: `basalt converse --stream` prints the streamed
// text, and a mid-stream exception as the failure it is.
func TestCLIConverseStream(t *testing.T) {
	b := start(t, localOnly())
	var stdout, stderr strings.Builder
	code := cli.Run(context.Background(), []string{"converse", "--url", b.URL, "--stream", "basalt-test", "hello", "stream"}, &stdout, &stderr)
	if code != cli.ExitOK || stdout.String() != "You said: hello stream\n" || !strings.Contains(stderr.String(), "end_turn") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout.String(), stderr.String())
	}
	stdout.Reset()
	stderr.Reset()
	code = cli.Run(context.Background(), []string{"converse", "--url", b.URL, "--stream", "basalt-test", "basalt-test:error-after-start:ThrottlingException"}, &stdout, &stderr)
	if code != cli.ExitFail || !strings.Contains(stderr.String(), "ThrottlingException") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout.String(), stderr.String())
	}
}
