package bedrock

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
)

// InvokeJSON calls Bedrock's InvokeModel with a native JSON body for
// modelID and returns the answer body. The non-conversation capabilities
// (embeddings, rerank, images) speak each family's native body through it.
// Errors are classified like Converse's.
func (p *Provider) InvokeJSON(ctx context.Context, modelID string, body []byte) ([]byte, error) {
	out, err := p.client.InvokeModel(ctx, &bedrockruntime.InvokeModelInput{
		ModelId:     aws.String(modelID),
		Body:        body,
		ContentType: aws.String("application/json"),
		Accept:      aws.String("application/json"),
	})
	if err != nil {
		return nil, p.classify(ctx, err, false)
	}
	return out.Body, nil
}
