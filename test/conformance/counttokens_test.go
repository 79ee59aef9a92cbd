package conformance

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/anthropics/anthropic-sdk-go"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/document"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"

	"github.com/basalt-gateway/basalt/internal/app"
	"github.com/basalt-gateway/basalt/internal/testutil/fakeupstream"
)

func countTokens(t *testing.T, c *bedrockruntime.Client, model string, in types.CountTokensInput) (int32, error) {
	t.Helper()
	out, err := c.CountTokens(context.Background(), &bedrockruntime.CountTokensInput{ModelId: aws.String(model), Input: in})
	if err != nil {
		return 0, err
	}
	return aws.ToInt32(out.InputTokens), nil
}

func mustCount(t *testing.T, c *bedrockruntime.Client, model string, in types.CountTokensInput) int32 {
	t.Helper()
	n, err := countTokens(t, c, model, in)
	if err != nil {
		t.Fatalf("CountTokens(%s): %v", model, err)
	}
	return n
}

func converseInput(system string, msgs ...types.Message) types.CountTokensInput {
	in := types.ConverseTokensRequest{Messages: msgs}
	if system != "" {
		in.System = []types.SystemContentBlock{&types.SystemContentBlockMemberText{Value: system}}
	}
	return &types.CountTokensInputMemberConverse{Value: in}
}

func invokeInput(body string) types.CountTokensInput {
	return &types.CountTokensInputMemberInvokeModel{Value: types.InvokeModelTokensRequest{Body: []byte(body)}}
}

// Native bodies with the same conversation: system "Be brief.", user
// "hello world". The estimate of it is 20 characters → 5 tokens, plus 3
// for the message: 8.
const (
	claudeCountBody = `{"anthropic_version":"bedrock-2023-05-31","max_tokens":64,"system":"Be brief.","messages":[{"role":"user","content":"hello world"}]}`
	novaCountBody   = `{"schemaVersion":"messages-v1","system":[{"text":"Be brief."}],"messages":[{"role":"user","content":[{"text":"hello world"}]}]}`
	estimateOfBoth  = 8
)

// TestCountTokensEstimate: models no tokenizer is embedded for, served by
// the built-in provider, are estimated, for both inputs and every body.
func TestCountTokensEstimate(t *testing.T) {
	b := start(t, app.Options{
		Providers: []app.ProviderSpec{{Name: "local", Type: "local"}},
		Models: []app.ModelSpec{
			{ID: "anthropic.claude-3-haiku-20240307-v1:0", Provider: "local", Upstream: "basalt-test"},
			{ID: "amazon.nova-lite-v1:0", Provider: "local", Upstream: "basalt-test"},
			{ID: titanEmbedID, Provider: "local", Upstream: "basalt-embed"},
			{ID: cohereEmbedID, Provider: "local", Upstream: "basalt-embed"},
		},
	})
	c := bedrockClient(t, b.URL, nil)
	for _, cc := range []struct {
		name, model string
		in          types.CountTokensInput
		want        int32
	}{
		{"converse basalt-test", "basalt-test", converseInput("Be brief.", userText("hello world")), estimateOfBoth},
		{"converse claude", "anthropic.claude-3-haiku-20240307-v1:0", converseInput("Be brief.", userText("hello world")), estimateOfBoth},
		{"claude body", "anthropic.claude-3-haiku-20240307-v1:0", invokeInput(claudeCountBody), estimateOfBoth},
		{"nova body", "amazon.nova-lite-v1:0", invokeInput(novaCountBody), estimateOfBoth},
		// 27 characters → 7; an embedding has no message framing.
		{"titan embed body", titanEmbedID, invokeInput(`{"inputText":"How do I reset my password?"}`), 7},
		// 10 + 19 characters → 8.
		{"cohere embed body", cohereEmbedID, invokeInput(`{"texts":["first text","second, longer text"],"input_type":"search_document"}`), 8},
	} {
		if got := mustCount(t, c, cc.model, cc.in); got != cc.want {
			t.Errorf("%s: %d tokens, want %d", cc.name, got, cc.want)
		}
	}
	// Longer text, more tokens.
	long := mustCount(t, c, "basalt-test", converseInput("", userText(strings.Repeat("lorem ipsum dolor sit amet ", 40))))
	if long < 200 {
		t.Errorf("long text: %d tokens", long)
	}
}

// weatherToolCookbook is the tool of OpenAI's cookbook "How to count tokens
// with tiktoken", whose example OpenAI's API bills 101 prompt tokens on
// gpt-4o and 105 on gpt-4.
func weatherToolCookbook() *types.ToolConfiguration {
	return &types.ToolConfiguration{Tools: []types.Tool{&types.ToolMemberToolSpec{Value: types.ToolSpecification{
		Name:        aws.String("get_current_weather"),
		Description: aws.String("Get the current weather in a given location"),
		InputSchema: &types.ToolInputSchemaMemberJson{Value: document.NewLazyDocument(map[string]any{
			"type": "object",
			"properties": map[string]any{
				"location": map[string]any{"type": "string", "description": "The city and state, e.g. San Francisco, CA"},
				"unit":     map[string]any{"type": "string", "description": "The unit of temperature to return", "enum": []any{"celsius", "fahrenheit"}},
			},
			"required": []any{"location"},
		})},
	}}}}
}

const (
	cookbookSystem = "You are a helpful assistant that can answer to questions about the weather."
	cookbookUser   = "What's the weather like in San Francisco?"
)

// TestCountTokensOpenAIExact: models served by an OpenAI-style upstream
// are counted with their own BPE, without calling the upstream.
func TestCountTokensOpenAIExact(t *testing.T) {
	fake := fakeupstream.NewOpenAI(t)
	b := start(t, app.Options{
		Providers: []app.ProviderSpec{{Name: "oa", Type: "openai", BaseURL: fake.URL, APIKey: "sk-test"}},
		Models: []app.ModelSpec{
			{ID: "openai.gpt-oss-120b-1:0", Provider: "oa", Upstream: "openai/gpt-oss-120b"},
			{ID: "my-gpt-4o", Provider: "oa", Upstream: "gpt-4o"},
			{ID: "my-gpt-4", Provider: "oa", Upstream: "gpt-4"},
			{ID: "my-llama", Provider: "oa", Upstream: "llama3.1:8b"},
			{ID: titanEmbedID, Provider: "oa", Upstream: "text-embedding-3-small"},
		},
	})
	c := bedrockClient(t, b.URL, nil)
	cookbook := &types.CountTokensInputMemberConverse{Value: types.ConverseTokensRequest{
		System:     []types.SystemContentBlock{&types.SystemContentBlockMemberText{Value: cookbookSystem}},
		Messages:   []types.Message{userText(cookbookUser)},
		ToolConfig: weatherToolCookbook(),
	}}
	for _, cc := range []struct {
		name, model string
		in          types.CountTokensInput
		want        int32
	}{
		// o200k_base: 3 + "user" 1 + "hello| world" 2 + 3 priming.
		{"gpt-oss converse", "openai.gpt-oss-120b-1:0", converseInput("", userText("hello world")), 9},
		// The same conversation as gpt-oss's native Chat Completions body.
		{"gpt-oss body", "openai.gpt-oss-120b-1:0", invokeInput(`{"messages":[{"role":"user","content":"hello world"}],"max_completion_tokens":64}`), 9},
		// Plus a system message: 3 + "system" 1 + "Be| brief|." 3.
		{"gpt-4o system", "my-gpt-4o", converseInput("Be brief.", userText("hello world")), 16},
		// The numbers OpenAI's API reports for the cookbook's tool example.
		{"gpt-4o cookbook tools", "my-gpt-4o", cookbook, 101},
		{"gpt-4 cookbook tools", "my-gpt-4", cookbook, 105},
		// A Titan body served by an OpenAI embedding model: its input in
		// cl100k_base, "hello| world| hello| world", no framing (the
		// estimate would be 6).
		{"text-embedding-3 body", titanEmbedID, invokeInput(`{"inputText":"hello world hello world"}`), 4},
		// An upstream model whose tokenizer is not embedded: the estimate
		// (20 characters → 5, plus 3).
		{"llama estimate", "my-llama", converseInput("Be brief.", userText("hello world")), estimateOfBoth},
	} {
		if got := mustCount(t, c, cc.model, cc.in); got != cc.want {
			t.Errorf("%s: %d tokens, want %d", cc.name, got, cc.want)
		}
	}
	if n := len(fake.Requests()); n != 0 {
		t.Errorf("counting called the upstream %d times", n)
	}

	// The Anthropic surface counts the same way: the cookbook's example
	// through /v1/messages/count_tokens.
	ac := anthropicClient(t, b.URL)
	res, err := ac.Messages.CountTokens(context.Background(), anthropic.MessageCountTokensParams{
		Model:    "my-gpt-4o",
		System:   anthropic.MessageCountTokensParamsSystemUnion{OfTextBlockArray: []anthropic.TextBlockParam{{Text: cookbookSystem}}},
		Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock(cookbookUser))},
		Tools: []anthropic.MessageCountTokensToolUnionParam{{OfTool: &anthropic.ToolParam{
			Name:        "get_current_weather",
			Description: anthropic.String("Get the current weather in a given location"),
			InputSchema: anthropic.ToolInputSchemaParam{Properties: map[string]any{
				"location": map[string]any{"type": "string", "description": "The city and state, e.g. San Francisco, CA"},
				"unit":     map[string]any{"type": "string", "description": "The unit of temperature to return", "enum": []any{"celsius", "fahrenheit"}},
			}, Required: []string{"location"}},
		}}},
	})
	if err != nil || res.InputTokens != 101 {
		t.Errorf("count_tokens: %v, %v; want 101", res, err)
	}
}

// TestCountTokensBedrockForwarded: Claude models on a Bedrock provider are
// counted by Bedrock's own CountTokens; other families are estimated.
func TestCountTokensBedrockForwarded(t *testing.T) {
	isolateAWS(t)
	fake := fakeupstream.NewBedrock(t)
	b := start(t, app.Options{Providers: []app.ProviderSpec{bedrockSpec(fake.URL)}})
	c := bedrockClient(t, b.URL, nil)

	upstreamInput := func() map[string]any {
		t.Helper()
		var body struct {
			Input map[string]any `json:"input"`
		}
		if err := json.Unmarshal(fake.Last().Body, &body); err != nil {
			t.Fatal(err)
		}
		return body.Input
	}

	// Converse input, through an inference profile: Bedrock counts by the
	// base model id.
	fake.ReplyRaw(fakeupstream.BedrockRaw{Body: []byte(`{"inputTokens":17}`)})
	if got := mustCount(t, c, "us.anthropic.claude-3-haiku-20240307-v1:0", converseInput("Be brief.", userText("hello world"))); got != 17 {
		t.Errorf("converse: %d", got)
	}
	if p := fake.Last().Path; p != "/model/anthropic.claude-3-haiku-20240307-v1:0/count-tokens" {
		t.Errorf("upstream path %s", p)
	}
	in := upstreamInput()
	conv := obj(t, in["converse"])
	msg := obj(t, list(t, conv["messages"])[0])
	if msg["role"] != "user" || obj(t, list(t, msg["content"])[0])["text"] != "hello world" ||
		obj(t, list(t, conv["system"])[0])["text"] != "Be brief." {
		t.Errorf("upstream converse input %v", conv)
	}

	// A native Claude body reaches Bedrock as the converse form of the same
	// conversation.
	fake.ReplyRaw(fakeupstream.BedrockRaw{Body: []byte(`{"inputTokens":23}`)})
	if got := mustCount(t, c, "anthropic.claude-3-haiku-20240307-v1:0", invokeInput(claudeCountBody)); got != 23 {
		t.Errorf("claude body: %d", got)
	}
	in = upstreamInput()
	if _, ok := in["invokeModel"]; ok || in["converse"] == nil {
		t.Errorf("upstream input %v", in)
	}

	// Bedrock does not count Nova: the estimate, with no upstream call.
	before := len(fake.Requests())
	if got := mustCount(t, c, "amazon.nova-lite-v1:0", invokeInput(novaCountBody)); got != estimateOfBoth {
		t.Errorf("nova: %d", got)
	}
	if len(fake.Requests()) != before {
		t.Error("Nova's count was sent to Bedrock")
	}

	// Bedrock's exceptions reach the client as themselves.
	fake.Fail(429, "ThrottlingException", "Too many requests, please wait before trying again.")
	_, err := countTokens(t, c, "anthropic.claude-3-haiku-20240307-v1:0", converseInput("", userText("hi")))
	var te *types.ThrottlingException
	if !errors.As(err, &te) {
		t.Errorf("throttled: %v", err)
	}
}

// TestCountTokensInvalid: bad input is a 400 ValidationException naming
// what is wrong; an unknown model a ResourceNotFoundException.
func TestCountTokensInvalid(t *testing.T) {
	b := start(t, localOnly())
	c := bedrockClient(t, b.URL, nil)
	for _, cc := range []struct {
		name, model string
		in          types.CountTokensInput
		want        string
	}{
		{"no messages", "basalt-test", &types.CountTokensInputMemberConverse{}, "Value null at 'input.converse.messages'"},
		{"empty messages", "basalt-test", &types.CountTokensInputMemberConverse{Value: types.ConverseTokensRequest{Messages: []types.Message{}}},
			"A conversation must start with a user message"},
		{"assistant first", "basalt-test", converseInput("", types.Message{Role: types.ConversationRoleAssistant,
			Content: []types.ContentBlock{&types.ContentBlockMemberText{Value: "hi"}}}), "must start with a user message"},
		{"body not JSON", "anthropic.claude-3-haiku-20240307-v1:0", invokeInput("not json"), "Malformed input request"},
		{"claude body without max_tokens", "anthropic.claude-3-haiku-20240307-v1:0",
			invokeInput(`{"anthropic_version":"bedrock-2023-05-31","messages":[{"role":"user","content":"hi"}]}`), "required key [max_tokens] not found"},
		{"family without a body format", "stability.sd3-5-large-v1:0", invokeInput(`{"prompt":"a cat"}`), "InvokeModel on this gateway supports"},
	} {
		_, err := countTokens(t, c, cc.model, cc.in)
		var ve *types.ValidationException
		if !errors.As(err, &ve) || !strings.Contains(ve.ErrorMessage(), cc.want) {
			t.Errorf("%s: %v, want a ValidationException containing %q", cc.name, err, cc.want)
		}
	}

	_, err := countTokens(t, c, "no-such-model", converseInput("", userText("hi")))
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("unknown model: %v", err)
	}

	// Unions the SDK cannot send, over plain HTTP.
	for body, want := range map[string]string{
		`{}`:           "Value null at 'input'",
		`{"input":{}}`: "and none is set",
		`{"input":{"converse":{"messages":[{"role":"user","content":[{"text":"x"}]}]},"invokeModel":{"body":"e30="}}}`: "but 2 are set",
		`{"input":{"invokeModel":{}}}`:             "Value null at 'input.invokeModel.body'",
		`{"input":{"invokeModel":{"body":"%%%"}}}`: "not valid base64",
	} {
		resp, err := http.Post(b.URL+"/model/basalt-test/count-tokens", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 400 || !strings.HasPrefix(resp.Header.Get("x-amzn-ErrorType"), "ValidationException") || !strings.Contains(string(raw), want) {
			t.Errorf("%s: %d %s %s", body, resp.StatusCode, resp.Header.Get("x-amzn-ErrorType"), raw)
		}
	}
}
