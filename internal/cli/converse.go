package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	"github.com/aws/smithy-go"

	bedrockprov "github.com/basalt-gateway/basalt/internal/provider/bedrock"
)

func runConverse(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("converse", `converse [--url URL | --config FILE] [--system TEXT] [--max-tokens N] [--temperature T] MODEL "prompt"`)
	url := fs.String("url", os.Getenv("BASALT_URL"), "a running gateway (default $BASALT_URL; empty: start one in-process from the config or environment)")
	cfgPath := fs.String("config", "", "config file for the in-process gateway")
	system := fs.String("system", "", "system prompt")
	maxTokens := fs.Int("max-tokens", 0, "maximum tokens to generate (0: the model's default)")
	temperature := fs.Float64("temperature", -1, "sampling temperature 0..1 (-1: the model's default)")
	if code, stop := parse(fs, args, stderr); stop {
		return code
	}
	if fs.NArg() < 2 {
		fmt.Fprintln(stderr, "basalt converse: need a model and a prompt")
		fs.Usage()
		return ExitUsage
	}
	model, prompt := fs.Arg(0), strings.Join(fs.Args()[1:], " ")
	endpoint := *url
	if endpoint == "" {
		l, err := load(*cfgPath)
		if err != nil {
			return fail(stderr, err)
		}
		l.opts.DataDir = ""
		a, err := buildApp(ctx, l, nil)
		if err != nil {
			return fail(stderr, err)
		}
		defer a.Close()
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return fail(stderr, err)
		}
		srv := &http.Server{Handler: a.Handler(), ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = srv.Serve(ln) }()
		defer srv.Close()
		endpoint = "http://" + ln.Addr().String()
	}
	client := bedrockruntime.New(bedrockruntime.Options{
		BaseEndpoint: aws.String(endpoint),
		Region:       "us-east-1",
		// Basalt checks no signature by default; any credentials do.
		Credentials:      credentials.NewStaticCredentialsProvider("basalt", "basalt", ""),
		RetryMaxAttempts: 1,
		HTTPClient:       bedrockprov.SafeHTTPClient(awshttp.NewBuildableClient()),
	})
	in := &bedrockruntime.ConverseInput{
		ModelId:  aws.String(model),
		Messages: []types.Message{{Role: types.ConversationRoleUser, Content: []types.ContentBlock{&types.ContentBlockMemberText{Value: prompt}}}},
	}
	if *system != "" {
		in.System = []types.SystemContentBlock{&types.SystemContentBlockMemberText{Value: *system}}
	}
	if *maxTokens > 0 || *temperature >= 0 {
		in.InferenceConfig = &types.InferenceConfiguration{}
		if *maxTokens > 0 {
			in.InferenceConfig.MaxTokens = aws.Int32(int32(*maxTokens))
		}
		if *temperature >= 0 {
			in.InferenceConfig.Temperature = aws.Float32(float32(*temperature))
		}
	}
	out, err := client.Converse(ctx, in)
	if err != nil {
		var ae smithy.APIError
		if errors.As(err, &ae) {
			return fail(stderr, fmt.Errorf("%s: %s", ae.ErrorCode(), ae.ErrorMessage()))
		}
		return fail(stderr, err)
	}
	if msg, ok := out.Output.(*types.ConverseOutputMemberMessage); ok {
		for _, b := range msg.Value.Content {
			switch b := b.(type) {
			case *types.ContentBlockMemberText:
				fmt.Fprintln(stdout, b.Value)
			case *types.ContentBlockMemberToolUse:
				fmt.Fprintf(stdout, "[tool call %s %s]\n", aws.ToString(b.Value.Name), aws.ToString(b.Value.ToolUseId))
			case *types.ContentBlockMemberReasoningContent:
				if rt, ok := b.Value.(*types.ReasoningContentBlockMemberReasoningText); ok {
					fmt.Fprintf(stderr, "[reasoning] %s\n", aws.ToString(rt.Value.Text))
				}
			}
		}
	}
	if u := out.Usage; u != nil {
		fmt.Fprintf(stderr, "[%s; tokens in %d, out %d]\n", out.StopReason, aws.ToInt32(u.InputTokens), aws.ToInt32(u.OutputTokens))
	}
	return ExitOK
}
