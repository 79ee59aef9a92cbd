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
	fs := newFlagSet("converse", `converse [--url URL | --config FILE] [--stream] [--system TEXT] [--max-tokens N] [--temperature T] MODEL "prompt"`)
	url := fs.String("url", os.Getenv("BASALT_URL"), "a running gateway (default $BASALT_URL; empty: start one in-process from the config or environment)")
	cfgPath := fs.String("config", "", "config file for the in-process gateway")
	system := fs.String("system", "", "system prompt")
	maxTokens := fs.Int("max-tokens", 0, "maximum tokens to generate (0: the model's default)")
	temperature := fs.Float64("temperature", -1, "sampling temperature 0..1 (-1: the model's default)")
	apiKey := fs.String("api-key", os.Getenv("BASALT_API_KEY"), "API key for a gateway that requires one (default $BASALT_API_KEY)")
	stream := fs.Bool("stream", false, "stream the answer (ConverseStream), printing text as it arrives")
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
		if *apiKey == "" && len(l.opts.APIKeys) > 0 {
			*apiKey = l.opts.APIKeys[0]
		}
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
		HTTPClient:       bearer{next: bedrockprov.SafeHTTPClient(awshttp.NewBuildableClient()), key: *apiKey},
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
	if *stream {
		return converseStream(ctx, client, in, stdout, stderr)
	}
	out, err := client.Converse(ctx, in)
	if err != nil {
		return failAPI(stderr, err)
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

func failAPI(stderr io.Writer, err error) int {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return fail(stderr, fmt.Errorf("%s: %s", ae.ErrorCode(), ae.ErrorMessage()))
	}
	return fail(stderr, err)
}

// converseStream calls ConverseStream and prints text deltas to stdout as
// they arrive (reasoning, tool calls and usage go to stderr, as in the
// unary output).
func converseStream(ctx context.Context, client *bedrockruntime.Client, in *bedrockruntime.ConverseInput, stdout, stderr io.Writer) int {
	out, err := client.ConverseStream(ctx, &bedrockruntime.ConverseStreamInput{
		ModelId: in.ModelId, Messages: in.Messages, System: in.System, InferenceConfig: in.InferenceConfig,
	})
	if err != nil {
		return failAPI(stderr, err)
	}
	stream := out.GetStream()
	defer stream.Close()
	var stop types.StopReason
	var usage *types.TokenUsage
	midLine, reasoning := false, false
	endLine := func() {
		if midLine {
			fmt.Fprintln(stdout)
			midLine = false
		}
		if reasoning {
			fmt.Fprintln(stderr)
			reasoning = false
		}
	}
	for ev := range stream.Events() {
		switch e := ev.(type) {
		case *types.ConverseStreamOutputMemberContentBlockStart:
			if tu, ok := e.Value.Start.(*types.ContentBlockStartMemberToolUse); ok {
				endLine()
				fmt.Fprintf(stdout, "[tool call %s %s]\n", aws.ToString(tu.Value.Name), aws.ToString(tu.Value.ToolUseId))
			}
		case *types.ConverseStreamOutputMemberContentBlockDelta:
			switch d := e.Value.Delta.(type) {
			case *types.ContentBlockDeltaMemberText:
				fmt.Fprint(stdout, d.Value)
				midLine = d.Value != "" && !strings.HasSuffix(d.Value, "\n")
			case *types.ContentBlockDeltaMemberReasoningContent:
				if rt, ok := d.Value.(*types.ReasoningContentBlockDeltaMemberText); ok {
					if !reasoning {
						fmt.Fprint(stderr, "[reasoning] ")
						reasoning = true
					}
					fmt.Fprint(stderr, rt.Value)
				}
			}
		case *types.ConverseStreamOutputMemberContentBlockStop:
			endLine()
		case *types.ConverseStreamOutputMemberMessageStop:
			stop = e.Value.StopReason
		case *types.ConverseStreamOutputMemberMetadata:
			usage = e.Value.Usage
		}
	}
	endLine()
	if err := stream.Err(); err != nil {
		return failAPI(stderr, err)
	}
	if usage != nil {
		fmt.Fprintf(stderr, "[%s; tokens in %d, out %d]\n", stop, aws.ToInt32(usage.InputTokens), aws.ToInt32(usage.OutputTokens))
	}
	return ExitOK
}

// bearer replaces the SDK's SigV4 signature with the gateway's API key. The
// Go SDK's own bearer support refuses plain-HTTP endpoints, and a local
// gateway is usually one.
type bearer struct {
	next bedrockruntime.HTTPClient
	key  string
}

func (b bearer) Do(r *http.Request) (*http.Response, error) {
	if b.key != "" {
		r.Header.Set("Authorization", "Bearer "+b.key)
	}
	return b.next.Do(r)
}
