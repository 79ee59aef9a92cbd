package bedrock

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/catalog"
)

// CountTokens counts req's input tokens with Bedrock's CountTokens, which
// answers with the model's own tokenizer what Converse or InvokeModel would
// bill. req goes as the operation's converse input (messages, system,
// toolConfig, additionalModelRequestFields), also when the client sent a
// native InvokeModel body: canon keeps no native body to forward, and the
// Converse form of the same conversation is what Bedrock counts for
// Converse calls (it may differ from the native body's count by the few
// tokens of framing the two forms do not share).
//
// Bedrock counts for Anthropic Claude models only, by their base id (Nova
// models and inference-profile ids are refused), so a profile id is sent
// as the base model it names, and for other families, or a Claude model
// Bedrock says it cannot count, the error wraps errors.ErrUnsupported so
// the caller counts another way.
func (p *Provider) CountTokens(ctx context.Context, req *canon.Request) (int, error) {
	if modelFamily(req.Model) != familyClaude {
		return 0, fmt.Errorf("bedrock provider %q: Bedrock's CountTokens does not count for model %q: %w", p.name, req.Model, errors.ErrUnsupported)
	}
	in, err := converseInput(req)
	if err != nil {
		return 0, err
	}
	out, err := p.client.CountTokens(ctx, &bedrockruntime.CountTokensInput{
		ModelId: aws.String(countModelID(req.Model)),
		Input: &types.CountTokensInputMemberConverse{Value: types.ConverseTokensRequest{
			Messages:                     in.Messages,
			System:                       in.System,
			ToolConfig:                   in.ToolConfig,
			AdditionalModelRequestFields: in.AdditionalModelRequestFields,
		}},
	})
	if err != nil {
		err = p.classify(ctx, err, false)
		if apierr.KindOf(err) == apierr.Validation && strings.Contains(apierr.As(err).Message, "support counting tokens") {
			return 0, fmt.Errorf("%w: %w", errors.ErrUnsupported, err)
		}
		return 0, err
	}
	if out.InputTokens == nil {
		return 0, apierr.New(apierr.ModelError, "bedrock provider %q: CountTokens answered without inputTokens", p.name)
	}
	return int(*out.InputTokens), nil
}

// countModelID is the base model id behind a cross-Region inference
// profile (id or ARN), which CountTokens does not take; other ids as is.
func countModelID(model string) string {
	id, err := catalog.ParseID(model)
	if err == nil && id.BaseID != "" && (id.Kind == catalog.KindProfile || id.Kind == catalog.KindInferenceProfileARN) {
		return id.BaseID
	}
	return model
}
