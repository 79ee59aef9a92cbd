package bedrock

import (
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"

	"github.com/basalt-gateway/basalt/internal/canon"
)

// responseFromOutput translates a unary Converse answer. Content canon cannot
// represent in an answer (images, server tool results, search results) is
// dropped; citations keep their text, since that is what the model said.
func responseFromOutput(out *bedrockruntime.ConverseOutput) (*canon.Response, error) {
	resp := &canon.Response{
		Message:    canon.Message{Role: canon.RoleAssistant},
		StopReason: canon.StopReason(out.StopReason),
		Usage:      usageFrom(out.Usage),
	}
	if out.Metrics != nil {
		resp.LatencyMs = aws.ToInt64(out.Metrics.LatencyMs)
	}
	if msg, ok := out.Output.(*types.ConverseOutputMemberMessage); ok {
		blocks, err := answerBlocks(msg.Value.Content)
		if err != nil {
			return nil, err
		}
		resp.Message.Content = blocks
	}
	extra, err := fromDocument(out.AdditionalModelResponseFields)
	if err != nil {
		return nil, fmt.Errorf("additionalModelResponseFields: %w", err)
	}
	resp.AdditionalFields = extra
	return resp, nil
}

func answerBlocks(in []types.ContentBlock) ([]canon.Block, error) {
	out := make([]canon.Block, 0, len(in))
	for _, cb := range in {
		switch b := cb.(type) {
		case *types.ContentBlockMemberText:
			out = append(out, canon.TextBlock(b.Value))
		case *types.ContentBlockMemberToolUse:
			input, err := fromDocument(b.Value.Input)
			if err != nil {
				return nil, fmt.Errorf("tool %q input: %w", aws.ToString(b.Value.Name), err)
			}
			if len(input) == 0 || string(input) == "null" {
				input = []byte(`{}`)
			}
			out = append(out, canon.Block{Type: canon.BlockToolUse, ToolUse: &canon.ToolUse{
				ID: aws.ToString(b.Value.ToolUseId), Name: aws.ToString(b.Value.Name),
				Input: input, Type: string(b.Value.Type)}})
		case *types.ContentBlockMemberReasoningContent:
			r := &canon.Reasoning{}
			switch v := b.Value.(type) {
			case *types.ReasoningContentBlockMemberReasoningText:
				r.Text = aws.ToString(v.Value.Text)
				r.Signature = aws.ToString(v.Value.Signature)
			case *types.ReasoningContentBlockMemberRedactedContent:
				r.Redacted = v.Value
			default:
				continue
			}
			out = append(out, canon.Block{Type: canon.BlockReasoning, Reasoning: r})
		case *types.ContentBlockMemberCitationsContent:
			var sb strings.Builder
			for _, c := range b.Value.Content {
				if t, ok := c.(*types.CitationGeneratedContentMemberText); ok {
					sb.WriteString(t.Value)
				}
			}
			if sb.Len() > 0 {
				out = append(out, canon.TextBlock(sb.String()))
			}
		}
	}
	return out, nil
}

// usageFrom keeps Bedrock's semantics, which are canon's: inputTokens
// excludes cache reads and writes. totalTokens is not copied; canon derives it.
func usageFrom(u *types.TokenUsage) canon.Usage {
	if u == nil {
		return canon.Usage{}
	}
	return canon.Usage{
		InputTokens:      int(aws.ToInt32(u.InputTokens)),
		OutputTokens:     int(aws.ToInt32(u.OutputTokens)),
		CacheReadTokens:  int(aws.ToInt32(u.CacheReadInputTokens)),
		CacheWriteTokens: int(aws.ToInt32(u.CacheWriteInputTokens)),
	}
}
