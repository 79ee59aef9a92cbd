package conformance

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"

	"github.com/basalt-gateway/basalt/internal/app"
	"github.com/basalt-gateway/basalt/internal/testutil/fakeupstream"
)

// isolateAWS keeps the machine's AWS settings out of the bedrock provider.
func isolateAWS(t *testing.T) {
	t.Helper()
	empty := filepath.Join(t.TempDir(), "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{
		"AWS_CONFIG_FILE": empty, "AWS_SHARED_CREDENTIALS_FILE": empty, "AWS_EC2_METADATA_DISABLED": "true",
		"AWS_CA_BUNDLE": "", "AWS_PROFILE": "", "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_SESSION_TOKEN": "",
		"AWS_ENDPOINT_URL": "", "AWS_ENDPOINT_URL_BEDROCK_RUNTIME": "", "AWS_BEARER_TOKEN_BEDROCK": "", "AWS_REGION": "", "AWS_DEFAULT_REGION": "",
	} {
		t.Setenv(k, v)
	}
}

func bedrockSpec(endpoint string) app.ProviderSpec {
	return app.ProviderSpec{Name: "aws", Type: "bedrock", Region: "us-east-1", Endpoint: endpoint,
		AccessKeyID: "AKIDBASALT", SecretAccessKey: "basalt-secret", ServesCatalog: true}
}

// TestBedrockProviderAgainstFake: AWS SDK → Basalt → bedrock provider
// (aws-sdk-go-v2) → the fake Bedrock runtime.
func TestBedrockProviderAgainstFake(t *testing.T) {
	isolateAWS(t)
	fake := fakeupstream.NewBedrock(t)
	b := start(t, app.Options{Providers: []app.ProviderSpec{bedrockSpec(fake.URL)}})
	c := bedrockClient(t, b.URL, nil)
	ctx := context.Background()

	fake.Reply(fakeupstream.BedrockReply{Blocks: []fakeupstream.BedrockBlock{fakeupstream.BedrockText("Bonjour")},
		StopReason: "end_turn", Usage: fakeupstream.BedrockUsage{Input: 9, Output: 1, CacheRead: 4}})
	model := "us.anthropic.claude-3-haiku-20240307-v1:0"
	out, err := c.Converse(ctx, &bedrockruntime.ConverseInput{ModelId: aws.String(model), Messages: []types.Message{userText("Salut")},
		InferenceConfig: &types.InferenceConfiguration{MaxTokens: aws.Int32(64), Temperature: aws.Float32(0.3)}})
	if err != nil {
		t.Fatal(err)
	}
	if got := outputText(t, out); got != "Bonjour" {
		t.Errorf("text = %q", got)
	}
	if aws.ToInt32(out.Usage.CacheReadInputTokens) != 4 || aws.ToInt32(out.Usage.TotalTokens) != 14 {
		t.Errorf("usage = %+v", out.Usage)
	}
	if ids := fake.ModelIDs(); len(ids) != 1 || ids[0] != model {
		t.Errorf("model ids upstream = %v", ids)
	}
	var body struct {
		InferenceConfig struct {
			MaxTokens   int
			Temperature float64
		}
	}
	if err := json.Unmarshal(fake.Last().Body, &body); err != nil || body.InferenceConfig.MaxTokens != 64 || body.InferenceConfig.Temperature < 0.29 {
		t.Errorf("upstream inference config = %+v (%v)", body.InferenceConfig, err)
	}

	// An upstream exception reaches the client as the same typed exception.
	fake.Fail(429, "ThrottlingException", "Too many requests, please wait before trying again.")
	_, err = c.Converse(ctx, &bedrockruntime.ConverseInput{ModelId: aws.String(model), Messages: []types.Message{userText("again")}})
	var te *types.ThrottlingException
	if !errors.As(err, &te) || te.ErrorMessage() != "Too many requests, please wait before trying again." {
		t.Fatalf("err = %v", err)
	}
}

// TestBasaltAsBedrock chains two gateways: the AWS SDK calls Basalt A,
// whose bedrock provider calls Basalt B as its Bedrock endpoint, which
// answers from the local test model.
func TestBasaltAsBedrock(t *testing.T) {
	isolateAWS(t)
	inner := start(t, localOnly())
	outer := start(t, app.Options{
		Providers: []app.ProviderSpec{bedrockSpec(inner.URL)},
		Models:    []app.ModelSpec{{ID: "chained", Provider: "aws", Upstream: "basalt-test"}},
	})
	c := bedrockClient(t, outer.URL, nil)
	out, err := c.Converse(context.Background(), &bedrockruntime.ConverseInput{ModelId: aws.String("chained"),
		System:   []types.SystemContentBlock{&types.SystemContentBlockMemberText{Value: "sys"}},
		Messages: []types.Message{userText("through two gateways")}})
	if err != nil {
		t.Fatal(err)
	}
	if got := outputText(t, out); got != "You said: through two gateways" {
		t.Fatalf("text = %q", got)
	}
	_, err = c.Converse(context.Background(), &bedrockruntime.ConverseInput{ModelId: aws.String("chained"),
		Messages: []types.Message{userText("basalt-test:error:ModelNotReadyException")}})
	var mnr *types.ModelNotReadyException
	if !errors.As(err, &mnr) {
		t.Fatalf("err = %T %v, want ModelNotReadyException passed through both gateways", err, err)
	}
}
