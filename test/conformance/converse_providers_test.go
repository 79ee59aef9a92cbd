package conformance

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/document"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
)

// A 1x1 PNG.
var pngBytes, _ = base64.StdEncoding.DecodeString("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")

func weatherTool() types.Tool {
	return &types.ToolMemberToolSpec{Value: types.ToolSpecification{
		Name:        aws.String("get_weather"),
		Description: aws.String("Current weather"),
		InputSchema: &types.ToolInputSchemaMemberJson{Value: document.NewLazyDocument(map[string]any{
			"type": "object", "properties": map[string]any{"city": map[string]any{"type": "string"}}, "required": []any{"city"},
		})},
	}}
}

// TestConverseThroughProviders drives Basalt with the AWS SDK against each
// fake upstream and checks both the answer and what reached the upstream.
func TestConverseThroughProviders(t *testing.T) {
	for _, mk := range []func() *upstream{openaiUpstream, anthropicUpstream} {
		u := mk()
		t.Run(u.name, func(t *testing.T) {
			opts, rec := u.start(t)
			b := start(t, opts)
			c := bedrockClient(t, b.URL, nil)
			ctx := context.Background()

			t.Run("plain text", func(t *testing.T) {
				u.replyText("Hi there!", 12, 3)
				out, err := c.Converse(ctx, &bedrockruntime.ConverseInput{ModelId: aws.String("test-model"), Messages: []types.Message{userText("Hello")}})
				if err != nil {
					t.Fatal(err)
				}
				if got := outputText(t, out); got != "Hi there!" {
					t.Errorf("text = %q", got)
				}
				if out.StopReason != types.StopReasonEndTurn || aws.ToInt32(out.Usage.InputTokens) != 12 || aws.ToInt32(out.Usage.OutputTokens) != 3 || aws.ToInt32(out.Usage.TotalTokens) != 15 {
					t.Errorf("stop %s usage %+v", out.StopReason, out.Usage)
				}
				if body := lastBody(t, rec); body["model"] != upModel {
					t.Errorf("upstream model = %v, want %s", body["model"], upModel)
				}
			})

			t.Run("multi-turn with system and inference config", func(t *testing.T) {
				u.replyText("Third answer", 30, 2)
				out, err := c.Converse(ctx, &bedrockruntime.ConverseInput{
					ModelId: aws.String("test-model"),
					System:  []types.SystemContentBlock{&types.SystemContentBlockMemberText{Value: "Be brief."}},
					Messages: []types.Message{userText("one"),
						{Role: types.ConversationRoleAssistant, Content: []types.ContentBlock{&types.ContentBlockMemberText{Value: "two"}}},
						userText("three")},
					InferenceConfig: &types.InferenceConfiguration{MaxTokens: aws.Int32(77), Temperature: aws.Float32(0.25), TopP: aws.Float32(0.5), StopSequences: []string{"STOP"}},
				})
				if err != nil {
					t.Fatal(err)
				}
				if got := outputText(t, out); got != "Third answer" {
					t.Errorf("text = %q", got)
				}
				body := lastBody(t, rec)
				if got := u.system(t, body); got != "Be brief." {
					t.Errorf("system upstream = %q", got)
				}
				u.inference(t, body)
				raw := string(rec.Last().Body)
				for _, turn := range []string{`"one"`, `"two"`, `"three"`} {
					if !contains(raw, turn) {
						t.Errorf("turn %s missing upstream: %s", turn, raw)
					}
				}
			})

			t.Run("tool round trip", func(t *testing.T) {
				tools := &types.ToolConfiguration{Tools: []types.Tool{weatherTool()}}
				u.replyTool("call_77", "get_weather", `{"city":"Paris"}`)
				first := []types.Message{userText("Weather in Paris?")}
				out, err := c.Converse(ctx, &bedrockruntime.ConverseInput{ModelId: aws.String("test-model"), Messages: first, ToolConfig: tools})
				if err != nil {
					t.Fatal(err)
				}
				if out.StopReason != types.StopReasonToolUse {
					t.Fatalf("stop = %s", out.StopReason)
				}
				u.toolDefs(t, lastBody(t, rec), "")
				msg := out.Output.(*types.ConverseOutputMemberMessage).Value
				var use *types.ToolUseBlock
				for _, blk := range msg.Content {
					if tu, ok := blk.(*types.ContentBlockMemberToolUse); ok {
						use = &tu.Value
					}
				}
				if use == nil || aws.ToString(use.ToolUseId) != "call_77" || aws.ToString(use.Name) != "get_weather" {
					t.Fatalf("tool use = %+v", use)
				}
				var input map[string]any
				if err := use.Input.UnmarshalSmithyDocument(&input); err != nil || input["city"] != "Paris" {
					t.Fatalf("input = %v, %v", input, err)
				}
				// The client replays the assistant turn verbatim and answers the call.
				u.replyText("It is sunny in Paris.", 40, 6)
				second := append(first, msg, types.Message{Role: types.ConversationRoleUser, Content: []types.ContentBlock{
					&types.ContentBlockMemberToolResult{Value: types.ToolResultBlock{ToolUseId: use.ToolUseId,
						Content: []types.ToolResultContentBlock{&types.ToolResultContentBlockMemberText{Value: "sunny, 21C"}}}}}})
				out, err = c.Converse(ctx, &bedrockruntime.ConverseInput{ModelId: aws.String("test-model"), Messages: second, ToolConfig: tools})
				if err != nil {
					t.Fatal(err)
				}
				if got := outputText(t, out); got != "It is sunny in Paris." {
					t.Errorf("final text = %q", got)
				}
				u.toolTurn(t, lastBody(t, rec), "call_77", "get_weather", "sunny, 21C")
			})

			for _, choice := range []struct {
				name string
				tc   types.ToolChoice
			}{
				{"any", &types.ToolChoiceMemberAny{}},
				{"tool", &types.ToolChoiceMemberTool{Value: types.SpecificToolChoice{Name: aws.String("get_weather")}}},
			} {
				t.Run("tool choice "+choice.name, func(t *testing.T) {
					u.replyTool("call_1", "get_weather", `{"city":"Oslo"}`)
					_, err := c.Converse(ctx, &bedrockruntime.ConverseInput{ModelId: aws.String("test-model"), Messages: []types.Message{userText("Oslo?")},
						ToolConfig: &types.ToolConfiguration{Tools: []types.Tool{weatherTool()}, ToolChoice: choice.tc}})
					if err != nil {
						t.Fatal(err)
					}
					u.toolDefs(t, lastBody(t, rec), choice.name)
				})
			}

			t.Run("image and document", func(t *testing.T) {
				u.replyText("A tiny image and a report.", 50, 6)
				_, err := c.Converse(ctx, &bedrockruntime.ConverseInput{ModelId: aws.String("test-model"), Messages: []types.Message{{
					Role: types.ConversationRoleUser,
					Content: []types.ContentBlock{
						&types.ContentBlockMemberText{Value: "Describe both."},
						&types.ContentBlockMemberImage{Value: types.ImageBlock{Format: types.ImageFormatPng, Source: &types.ImageSourceMemberBytes{Value: pngBytes}}},
						&types.ContentBlockMemberDocument{Value: types.DocumentBlock{Format: types.DocumentFormatTxt, Name: aws.String("Q3 report"),
							Source: &types.DocumentSourceMemberBytes{Value: []byte("Quarterly figures: up 4%")}}},
					},
				}}})
				if err != nil {
					t.Fatal(err)
				}
				u.media(t, lastBody(t, rec))
			})
		})
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
