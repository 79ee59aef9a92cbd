package bedrock

import (
	"context"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// InvokeJSON calls Bedrock's InvokeModel with a native JSON body for
// modelID and returns the answer body. The non-conversation capabilities
// (embeddings, rerank, images) speak each family's native body through it.
// Errors are classified like Converse's.
func (p *Provider) InvokeJSON(ctx context.Context, modelID string, body []byte) ([]byte, error) {
	out, _, err := p.invokeCounted(ctx, modelID, body)
	return out, err
}

// invokeCounted is InvokeJSON that also returns the input token count
// Bedrock reports in the X-Amzn-Bedrock-Input-Token-Count header (0 when
// absent), for the families whose answer body does not carry it.
func (p *Provider) invokeCounted(ctx context.Context, modelID string, body []byte) ([]byte, int, error) {
	out, err := p.client.InvokeModel(ctx, &bedrockruntime.InvokeModelInput{
		ModelId:     aws.String(modelID),
		Body:        body,
		ContentType: aws.String("application/json"),
		Accept:      aws.String("application/json"),
	})
	if err != nil {
		return nil, 0, p.classify(ctx, err, false)
	}
	n := 0
	if raw, ok := awsmiddleware.GetRawResponse(out.ResultMetadata).(*smithyhttp.Response); ok {
		n, _ = strconv.Atoi(raw.Header.Get("X-Amzn-Bedrock-Input-Token-Count"))
	}
	return out.Body, n, nil
}
