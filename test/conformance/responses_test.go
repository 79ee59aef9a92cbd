package conformance

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/responses"

	"github.com/basalt-gateway/basalt/internal/app"
	"github.com/basalt-gateway/basalt/internal/store"
	"github.com/basalt-gateway/basalt/internal/testutil/fakeupstream"
)

// respClient is openai-go pointed at Basalt's /v1, as a user configures it.
func respClient(t *testing.T, url string) openai.Client {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return openai.NewClient(option.WithBaseURL(url+"/v1"), option.WithAPIKey("x"), option.WithMaxRetries(0),
		option.WithHTTPClient(&http.Client{Transport: tr, Timeout: 30 * time.Second}))
}

// restartable is a Basalt whose server and App can be stopped mid-test
// (a restart on the same data directory).
type restartable struct {
	URL  string
	stop func()
}

func startStoppable(t *testing.T, opts app.Options) *restartable {
	t.Helper()
	a, err := app.New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler())
	var once sync.Once
	stop := func() {
		once.Do(func() {
			srv.Close()
			if err := a.Close(); err != nil {
				t.Errorf("closing the app: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return &restartable{URL: srv.URL, stop: stop}
}

func textInput(s string) responses.ResponseNewParamsInputUnion {
	return responses.ResponseNewParamsInputUnion{OfString: openai.String(s)}
}

func itemsInput(items ...responses.ResponseInputItemUnionParam) responses.ResponseNewParamsInputUnion {
	return responses.ResponseNewParamsInputUnion{OfInputItemList: items}
}

func respWeatherTool() responses.ToolUnionParam {
	return responses.ToolUnionParam{OfFunction: &responses.FunctionToolParam{
		Name:        "get_weather",
		Description: openai.String("Current weather"),
		Strict:      openai.Bool(false),
		Parameters: map[string]any{"type": "object",
			"properties": map[string]any{"city": map[string]any{"type": "string"}}, "required": []string{"city"}},
	}}
}

// requiredMembers are the members openai-go marks required on Response.
var requiredMembers = []string{"id", "access_programs", "created_at", "error", "incomplete_details", "instructions",
	"metadata", "model", "object", "output", "parallel_tool_calls", "temperature", "tool_choice", "tools", "top_p", "status", "usage"}

func checkRequired(t *testing.T, raw string) {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range requiredMembers {
		if _, ok := m[k]; !ok {
			t.Errorf("response lacks %q: %s", k, raw)
		}
	}
	if string(m["output"]) == "null" {
		t.Error("output is null; it must always be an array")
	}
}

func TestResponsesLocal(t *testing.T) {
	b := start(t, localOnly())
	c := respClient(t, b.URL)
	ctx := context.Background()
	resp, err := c.Responses.New(ctx, responses.ResponseNewParams{
		Model: "basalt-test", Input: textInput("hello there"), Instructions: openai.String("Be terse."),
		Metadata: map[string]string{"ticket": "42"}, MaxOutputTokens: openai.Int(50), Temperature: openai.Float(0.3),
	})
	if err != nil {
		t.Fatal(err)
	}
	if resp.OutputText() != "You said: hello there" || resp.Status != responses.ResponseStatusCompleted || !strings.HasPrefix(resp.ID, "resp_") {
		t.Fatalf("response = %s", resp.RawJSON())
	}
	if resp.Object != "response" || resp.Model != "basalt-test" || resp.Metadata["ticket"] != "42" || resp.Instructions.OfString != "Be terse." ||
		resp.Temperature != 0.3 || resp.MaxOutputTokens != 50 || resp.CompletedAt == 0 {
		t.Errorf("echoed settings: %s", resp.RawJSON())
	}
	if u := resp.Usage; u.InputTokens == 0 || u.OutputTokens != 4 || u.TotalTokens != u.InputTokens+u.OutputTokens {
		t.Errorf("usage = %+v", u)
	}
	checkRequired(t, resp.RawJSON())
	msg := resp.Output[0].AsMessage()
	if resp.Output[0].Type != "message" || msg.Role != "assistant" || msg.Status != "completed" || !strings.HasPrefix(msg.ID, "msg_") {
		t.Errorf("output item = %s", resp.Output[0].RawJSON())
	}

	t.Run("max_output_tokens makes it incomplete", func(t *testing.T) {
		r, err := c.Responses.New(ctx, responses.ResponseNewParams{Model: "basalt-test", Input: textInput("one two three four five"), MaxOutputTokens: openai.Int(3)})
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != responses.ResponseStatusIncomplete || r.IncompleteDetails.Reason != "max_output_tokens" || r.OutputText() != "You said: one" {
			t.Fatalf("response = %s", r.RawJSON())
		}
	})
	t.Run("openai path alias", func(t *testing.T) {
		c2 := openai.NewClient(option.WithBaseURL(b.URL+"/openai/v1"), option.WithAPIKey("x"), option.WithMaxRetries(0))
		r, err := c2.Responses.New(ctx, responses.ResponseNewParams{Model: "basalt-test", Input: textInput("alias")})
		if err != nil || r.OutputText() != "You said: alias" {
			t.Fatalf("%v %v", r, err)
		}
	})
	t.Run("reasoning", func(t *testing.T) {
		r, err := c.Responses.New(ctx, responses.ResponseNewParams{Model: "basalt-test", Input: textInput("think"),
			Reasoning: openai.ReasoningParam{Effort: openai.ReasoningEffortHigh}})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Output) != 2 || r.Output[0].Type != "reasoning" {
			t.Fatalf("output = %s", r.RawJSON())
		}
		rs := r.Output[0].AsReasoning()
		if len(rs.Content) != 1 || rs.Content[0].Text != "Thinking about: think" || rs.EncryptedContent != "basalt-test-signature" {
			t.Fatalf("reasoning item = %s", r.Output[0].RawJSON())
		}
		// Replaying the reasoning item (with its signature) is accepted.
		r2, err := c.Responses.New(ctx, responses.ResponseNewParams{Model: "basalt-test", PreviousResponseID: openai.String(r.ID), Input: textInput("more")})
		if err != nil || r2.OutputText() != "You said: more" {
			t.Fatalf("%v %v", r2, err)
		}
	})
}

func TestResponsesUpstreams(t *testing.T) {
	for _, u := range []*upstream{openaiUpstream(), anthropicUpstream()} {
		t.Run(u.name, func(t *testing.T) {
			opts, rec := u.start(t)
			b := start(t, opts)
			c := respClient(t, b.URL)
			ctx := context.Background()

			u.replyText("Hi, I am the fake.", 12, 6)
			r1, err := c.Responses.New(ctx, responses.ResponseNewParams{Model: "test-model", Input: textInput("My name is Ada."),
				Instructions: openai.String("You are a test.")})
			if err != nil {
				t.Fatal(err)
			}
			if r1.OutputText() != "Hi, I am the fake." || r1.Usage.InputTokens != 12 || r1.Usage.OutputTokens != 6 || r1.Usage.TotalTokens != 18 {
				t.Fatalf("response = %s", r1.RawJSON())
			}
			body := respLastBody(t, rec)
			if sys := u.system(t, body); sys != "You are a test." {
				t.Errorf("system upstream = %q", sys)
			}

			// A tool call, answered with function_call_output, continuing
			// the conversation through previous_response_id.
			u.replyTool("call_7", "get_weather", `{"city":"Paris"}`)
			r2, err := c.Responses.New(ctx, responses.ResponseNewParams{Model: "test-model", PreviousResponseID: openai.String(r1.ID),
				Input: textInput("Weather in Paris?"), Tools: []responses.ToolUnionParam{respWeatherTool()},
				ToolChoice: responses.ResponseNewParamsToolChoiceUnion{OfFunctionTool: &responses.ToolChoiceFunctionParam{Name: "get_weather"}}})
			if err != nil {
				t.Fatal(err)
			}
			u.toolDefs(t, respLastBody(t, rec), "tool")
			var call responses.ResponseFunctionToolCall
			for _, it := range r2.Output {
				if it.Type == "function_call" {
					call = it.AsFunctionCall()
				}
			}
			if call.CallID != "call_7" || call.Name != "get_weather" || !sameJSON(t, call.Arguments, `{"city":"Paris"}`) || !strings.HasPrefix(call.ID, "fc_") {
				t.Fatalf("function call = %s", r2.RawJSON())
			}
			u.replyText("Sunny in Paris.", 30, 4)
			r3, err := c.Responses.New(ctx, responses.ResponseNewParams{Model: "test-model", PreviousResponseID: openai.String(r2.ID),
				Input: itemsInput(callOutput(call.CallID, `{"temp":21,"sky":"sunny"}`)),
				Tools: []responses.ToolUnionParam{respWeatherTool()}})
			if err != nil {
				t.Fatal(err)
			}
			if r3.OutputText() != "Sunny in Paris." || r3.PreviousResponseID != r2.ID {
				t.Fatalf("response = %s", r3.RawJSON())
			}
			body = respLastBody(t, rec)
			u.toolTurn(t, body, "call_7", "get_weather", "sunny")
			// The whole history reached the upstream: the first turn too.
			raw, _ := json.Marshal(body)
			if !strings.Contains(string(raw), "My name is Ada.") || !strings.Contains(string(raw), "Hi, I am the fake.") {
				t.Errorf("earlier turns missing upstream: %s", raw)
			}
		})
	}
}

// callOutput is a function_call_output input item.
func callOutput(callID, output string) responses.ResponseInputItemUnionParam {
	return responses.ResponseInputItemUnionParam{OfFunctionCallOutput: &responses.ResponseInputItemFunctionCallOutputParam{
		CallID: openai.String(callID), Output: responses.ResponseInputItemFunctionCallOutputOutputUnionParam{OfString: openai.String(output)}}}
}

// itemText is the role and first text of a listed input item.
func itemText(t *testing.T, it responses.ResponseItemUnion) string {
	t.Helper()
	var v struct {
		Role    string `json:"role"`
		Content []struct {
			Text string `json:"text"`
		} `json:"content"`
	}
	if err := json.Unmarshal([]byte(it.RawJSON()), &v); err != nil || len(v.Content) == 0 {
		t.Fatalf("item %s: %v", it.RawJSON(), err)
	}
	return v.Role + ":" + v.Content[0].Text
}

func respLastBody(t *testing.T, rec *fakeupstream.Recorder) map[string]any {
	t.Helper()
	var body map[string]any
	if err := json.Unmarshal(rec.Last().Body, &body); err != nil {
		t.Fatalf("upstream body: %v", err)
	}
	return body
}

func TestResponsesContinueAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	fake := fakeupstream.NewOpenAI(t)
	opts := routeTo(app.ProviderSpec{Name: "oa", Type: "openai", BaseURL: fake.URL, APIKey: "sk-test"})
	opts.DataDir = dir
	ctx := context.Background()

	first := startStoppable(t, opts)
	fake.Reply(fakeupstream.OpenAIReply{Text: "Nice to meet you, Ada."})
	c1 := respClient(t, first.URL)
	r1, err := c1.Responses.New(ctx, responses.ResponseNewParams{Model: "test-model",
		Input: textInput("My name is Ada."), Instructions: openai.String("Only for the first turn.")})
	if err != nil {
		t.Fatal(err)
	}
	first.stop()

	second := startStoppable(t, opts)
	c := respClient(t, second.URL)
	got, err := c.Responses.Get(ctx, r1.ID, responses.ResponseGetParams{})
	if err != nil || got.OutputText() != "Nice to meet you, Ada." {
		t.Fatalf("stored response after restart: %v %v", got, err)
	}
	fake.Reply(fakeupstream.OpenAIReply{Text: "Your name is Ada."})
	r2, err := c.Responses.New(ctx, responses.ResponseNewParams{Model: "test-model", PreviousResponseID: openai.String(r1.ID),
		Input: textInput("What is my name?")})
	if err != nil {
		t.Fatal(err)
	}
	if r2.OutputText() != "Your name is Ada." {
		t.Fatalf("response = %s", r2.RawJSON())
	}
	var sent struct {
		Messages []struct {
			Role    string `json:"role"`
			Content any    `json:"content"`
		} `json:"messages"`
	}
	if err := json.Unmarshal(fake.Last().Body, &sent); err != nil {
		t.Fatal(err)
	}
	var turns []string
	for _, m := range sent.Messages {
		turns = append(turns, m.Role+": "+textOf(m.Content))
	}
	want := []string{"user: My name is Ada.", "assistant: Nice to meet you, Ada.", "user: What is my name?"}
	if strings.Join(turns, "|") != strings.Join(want, "|") {
		t.Fatalf("upstream received %q, want %q (instructions are not carried over)", turns, want)
	}
}

func TestResponsesUnfinishedFailAfterRestart(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	// A crash left a response in progress.
	db, err := store.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.PutResponse(ctx, "resp_crashed", "in_progress", []byte(`{"id":"resp_crashed","object":"response","status":"in_progress","output":[],"error":null}`), []byte(`{"messages":[]}`), nil); err != nil {
		t.Fatal(err)
	}
	_ = db.Close()

	opts := app.Options{DataDir: dir, Providers: []app.ProviderSpec{{Name: "local", Type: "local", Delay: 20 * time.Millisecond}}}
	b := startStoppable(t, opts)
	c := respClient(t, b.URL)
	r, err := c.Responses.Get(ctx, "resp_crashed", responses.ResponseGetParams{})
	if err != nil || r.Status != responses.ResponseStatusFailed || !strings.Contains(r.Error.Message, "restarted") {
		t.Fatalf("crashed response = %v, %v", r, err)
	}
	// A background run still going when the App closes ends failed, not in progress.
	bg, err := c.Responses.New(ctx, responses.ResponseNewParams{Model: "basalt-test", Background: openai.Bool(true),
		Input: textInput(strings.Repeat("word ", 200))})
	if err != nil {
		t.Fatal(err)
	}
	b.stop()
	b = startStoppable(t, opts)
	c = respClient(t, b.URL)
	r, err = c.Responses.Get(ctx, bg.ID, responses.ResponseGetParams{})
	if err != nil || r.Status != responses.ResponseStatusFailed {
		t.Fatalf("background response after shutdown = %v, %v", r, err)
	}
}

// streamed reads a Responses stream to its end.
func streamResponse(t *testing.T, c openai.Client, p responses.ResponseNewParams) ([]responses.ResponseStreamEventUnion, error) {
	t.Helper()
	s := c.Responses.NewStreaming(context.Background(), p)
	defer s.Close()
	var evs []responses.ResponseStreamEventUnion
	for s.Next() {
		evs = append(evs, s.Current())
	}
	return evs, s.Err()
}

func checkSequence(t *testing.T, evs []responses.ResponseStreamEventUnion) {
	t.Helper()
	if len(evs) < 3 || evs[0].Type != "response.created" || evs[1].Type != "response.in_progress" {
		t.Fatalf("stream starts %v", evTypes(evs))
	}
	for i := 1; i < len(evs); i++ {
		if evs[i].SequenceNumber <= evs[i-1].SequenceNumber {
			t.Fatalf("sequence numbers not increasing at %d: %v", i, evTypes(evs))
		}
	}
}

func evTypes(evs []responses.ResponseStreamEventUnion) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.Type
	}
	return out
}

func TestResponsesStreaming(t *testing.T) {
	t.Run("text", func(t *testing.T) {
		b := start(t, localOnly())
		c := respClient(t, b.URL)
		evs, err := streamResponse(t, c, responses.ResponseNewParams{Model: "basalt-test", Input: textInput("stream these words please")})
		if err != nil {
			t.Fatal(err)
		}
		checkSequence(t, evs)
		last := evs[len(evs)-1]
		if last.Type != "response.completed" {
			t.Fatalf("last event %s", last.Type)
		}
		var deltas strings.Builder
		for _, e := range evs {
			if e.Type == "response.output_text.delta" {
				deltas.WriteString(e.Delta)
			}
		}
		final := last.Response.OutputText()
		if deltas.String() != final || final != "You said: stream these words please" {
			t.Fatalf("deltas %q, final %q", deltas.String(), final)
		}
		want := []string{"response.created", "response.in_progress", "response.output_item.added", "response.content_part.added"}
		if got := evTypes(evs)[:4]; strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("first events %v", got)
		}
		tail := evTypes(evs)[len(evs)-5:]
		wantTail := []string{"response.output_text.done", "response.content_part.done", "response.output_item.done", "response.completed"}
		if strings.Join(tail[1:], ",") != strings.Join(wantTail, ",") {
			t.Errorf("last events %v", tail)
		}
		checkRequired(t, last.Response.RawJSON())
		// The streamed response was stored as it ended.
		got, err := c.Responses.Get(context.Background(), last.Response.ID, responses.ResponseGetParams{})
		if err != nil || got.OutputText() != final {
			t.Fatalf("stored: %v %v", got, err)
		}
	})
	t.Run("parallel tool calls", func(t *testing.T) {
		fake := fakeupstream.NewOpenAI(t)
		b := start(t, routeTo(app.ProviderSpec{Name: "oa", Type: "openai", BaseURL: fake.URL}))
		fake.Reply(fakeupstream.OpenAIReply{InterleaveToolCalls: true, FragmentSize: 3, ToolCalls: []fakeupstream.OpenAIToolCall{
			{ID: "call_a", Name: "get_weather", Arguments: `{"city":"Paris"}`},
			{ID: "call_b", Name: "get_weather", Arguments: `{"city":"Tokyo"}`}}})
		evs, err := streamResponse(t, respClient(t, b.URL), responses.ResponseNewParams{Model: "test-model",
			Input: textInput("weather?"), Tools: []responses.ToolUnionParam{respWeatherTool()}})
		if err != nil {
			t.Fatal(err)
		}
		checkSequence(t, evs)
		args := map[string]*strings.Builder{}
		done := map[string]string{}
		for _, e := range evs {
			switch e.Type {
			case "response.function_call_arguments.delta":
				if args[e.ItemID] == nil {
					args[e.ItemID] = &strings.Builder{}
				}
				args[e.ItemID].WriteString(e.Delta)
			case "response.function_call_arguments.done":
				done[e.ItemID] = e.Arguments
			}
		}
		last := evs[len(evs)-1]
		if last.Type != "response.completed" {
			t.Fatalf("last event %s", last.Type)
		}
		var calls []string
		for _, it := range last.Response.Output {
			fc := it.AsFunctionCall()
			if it.Type != "function_call" || args[fc.ID] == nil || args[fc.ID].String() != fc.Arguments || done[fc.ID] != fc.Arguments {
				t.Fatalf("item %s: deltas %v done %q", it.RawJSON(), args[fc.ID], done[fc.ID])
			}
			calls = append(calls, fc.CallID+"="+fc.Arguments)
		}
		if strings.Join(calls, " ") != `call_a={"city":"Paris"} call_b={"city":"Tokyo"}` {
			t.Fatalf("calls = %v", calls)
		}
	})
	t.Run("error after start", func(t *testing.T) {
		b := start(t, localOnly())
		evs, err := streamResponse(t, respClient(t, b.URL), responses.ResponseNewParams{Model: "basalt-test",
			Input: textInput("basalt-test:error-after-start:ThrottlingException")})
		if err != nil {
			t.Fatal(err)
		}
		n := len(evs)
		if n < 2 || evs[n-2].Type != "error" || evs[n-1].Type != "response.failed" || evs[n-1].Response.Error.Code != "rate_limit_exceeded" {
			t.Fatalf("events %v", evTypes(evs))
		}
		checkSequence(t, evs)
	})
	t.Run("error before start is an HTTP error", func(t *testing.T) {
		b := start(t, localOnly())
		_, err := streamResponse(t, respClient(t, b.URL), responses.ResponseNewParams{Model: "basalt-test",
			Input: textInput("basalt-test:error:ThrottlingException")})
		var ae *openai.Error
		if !errors.As(err, &ae) || ae.StatusCode != 429 {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestResponsesBackground(t *testing.T) {
	b := start(t, app.Options{Providers: []app.ProviderSpec{{Name: "local", Type: "local", Delay: 20 * time.Millisecond}}})
	c := respClient(t, b.URL)
	ctx := context.Background()

	t.Run("poll until completed", func(t *testing.T) {
		r, err := c.Responses.New(ctx, responses.ResponseNewParams{Model: "basalt-test", Background: openai.Bool(true), Input: textInput("a b c")})
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != responses.ResponseStatusQueued || !r.Background || len(r.Output) != 0 {
			t.Fatalf("created = %s", r.RawJSON())
		}
		deadline := time.Now().Add(10 * time.Second)
		for r.Status == responses.ResponseStatusQueued || r.Status == responses.ResponseStatusInProgress {
			if time.Now().After(deadline) {
				t.Fatal("background response never finished")
			}
			time.Sleep(20 * time.Millisecond)
			if r, err = c.Responses.Get(ctx, r.ID, responses.ResponseGetParams{}); err != nil {
				t.Fatal(err)
			}
		}
		if r.Status != responses.ResponseStatusCompleted || r.OutputText() != "You said: a b c" {
			t.Fatalf("final = %s", r.RawJSON())
		}
	})
	t.Run("cancel", func(t *testing.T) {
		r, err := c.Responses.New(ctx, responses.ResponseNewParams{Model: "basalt-test", Background: openai.Bool(true),
			Input: textInput(strings.Repeat("slow ", 500))})
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.Responses.Get(ctx, r.ID, responses.ResponseGetParams{})
		if err != nil || (got.Status != responses.ResponseStatusQueued && got.Status != responses.ResponseStatusInProgress) {
			t.Fatalf("polled = %v %v", got, err)
		}
		cancelled, err := c.Responses.Cancel(ctx, r.ID)
		if err != nil || cancelled.Status != responses.ResponseStatusCancelled {
			t.Fatalf("cancel = %v %v", cancelled, err)
		}
		got, err = c.Responses.Get(ctx, r.ID, responses.ResponseGetParams{})
		if err != nil || got.Status != responses.ResponseStatusCancelled {
			t.Fatalf("after cancel = %v %v", got, err)
		}
		// Cancelling a response that is not a background one is refused.
		fg, err := c.Responses.New(ctx, responses.ResponseNewParams{Model: "basalt-test", Input: textInput("x")})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Responses.Cancel(ctx, fg.ID)
		var ae *openai.Error
		if !errors.As(err, &ae) || ae.StatusCode != 400 {
			t.Fatalf("cancel of a foreground response: %v", err)
		}
	})
}

func TestResponsesRetrieveDeleteItems(t *testing.T) {
	b := start(t, localOnly())
	c := respClient(t, b.URL)
	ctx := context.Background()
	r, err := c.Responses.New(ctx, responses.ResponseNewParams{Model: "basalt-test", Input: itemsInput(
		responses.ResponseInputItemParamOfMessage("You are helpful.", responses.EasyInputMessageRoleDeveloper),
		responses.ResponseInputItemParamOfMessage("first", responses.EasyInputMessageRoleUser),
		responses.ResponseInputItemParamOfMessage("second", responses.EasyInputMessageRoleAssistant),
		responses.ResponseInputItemParamOfMessage("third", responses.EasyInputMessageRoleUser),
	)})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.Responses.Get(ctx, r.ID, responses.ResponseGetParams{})
	if err != nil || got.ID != r.ID || got.OutputText() != "You said: third" {
		t.Fatalf("get = %v %v", got, err)
	}
	page, err := c.Responses.InputItems.List(ctx, r.ID, responses.InputItemListParams{Order: responses.InputItemListParamsOrderAsc})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Data) != 4 || page.Data[0].Type != "message" || itemText(t, page.Data[0]) != "developer:You are helpful." || itemText(t, page.Data[3]) != "user:third" {
		t.Fatalf("input items = %s", page.RawJSON())
	}
	// Paging one at a time, newest first (the default order).
	iter := c.Responses.InputItems.ListAutoPaging(ctx, r.ID, responses.InputItemListParams{Limit: openai.Int(1)})
	var texts []string
	for iter.Next() {
		texts = append(texts, itemText(t, iter.Current()))
	}
	if iter.Err() != nil || strings.Join(texts, ",") != "user:third,assistant:second,user:first,developer:You are helpful." {
		t.Fatalf("paged = %v %v", texts, iter.Err())
	}
	if err := c.Responses.Delete(ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	_, err = c.Responses.Get(ctx, r.ID, responses.ResponseGetParams{})
	var ae *openai.Error
	if !errors.As(err, &ae) || ae.StatusCode != 404 {
		t.Fatalf("get after delete: %v", err)
	}
	// store=false responses are not retrievable.
	r2, err := c.Responses.New(ctx, responses.ResponseNewParams{Model: "basalt-test", Input: textInput("x"), Store: openai.Bool(false)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Responses.Get(ctx, r2.ID, responses.ResponseGetParams{}); !errors.As(err, &ae) || ae.StatusCode != 404 {
		t.Fatalf("get of an unstored response: %v", err)
	}
}

func TestResponsesErrors(t *testing.T) {
	b := start(t, localOnly())
	c := respClient(t, b.URL)
	ctx := context.Background()
	cases := []struct {
		name   string
		params responses.ResponseNewParams
		status int
		param  string
		msg    string
	}{
		{"unknown model", responses.ResponseNewParams{Model: "no-such-model", Input: textInput("x")}, 404, "", "no-such-model"},
		{"unknown previous response", responses.ResponseNewParams{Model: "basalt-test", Input: textInput("x"), PreviousResponseID: openai.String("resp_nope")}, 404, "previous_response_id", "resp_nope"},
		{"built-in tool", responses.ResponseNewParams{Model: "basalt-test", Input: textInput("x"),
			Tools: []responses.ToolUnionParam{{OfWebSearch: &responses.WebSearchToolParam{Type: responses.WebSearchToolTypeWebSearch}}}}, 400, "tools[0].type", "not supported"},
		{"scripted throttle", responses.ResponseNewParams{Model: "basalt-test", Input: textInput("basalt-test:error:ThrottlingException")}, 429, "", "ThrottlingException"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.Responses.New(ctx, tc.params)
			var ae *openai.Error
			if !errors.As(err, &ae) {
				t.Fatalf("err = %v, want *openai.Error", err)
			}
			if ae.StatusCode != tc.status || ae.Param != tc.param || !strings.Contains(ae.Message, tc.msg) {
				t.Fatalf("status %d param %q message %q", ae.StatusCode, ae.Param, ae.Message)
			}
		})
	}
	t.Run("unknown parameter", func(t *testing.T) {
		_, err := c.Responses.New(ctx, responses.ResponseNewParams{Model: "basalt-test", Input: textInput("x")}, option.WithJSONSet("frobnicate", 1))
		var ae *openai.Error
		if !errors.As(err, &ae) || ae.StatusCode != 400 || ae.Param != "frobnicate" || ae.Code != "unknown_parameter" || ae.Type != "invalid_request_error" {
			t.Fatalf("err = %v", err)
		}
	})
}
