package conformance

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	"github.com/aws/smithy-go"
)

func userText(s string) types.Message {
	return types.Message{Role: types.ConversationRoleUser, Content: []types.ContentBlock{&types.ContentBlockMemberText{Value: s}}}
}

func outputText(t *testing.T, out *bedrockruntime.ConverseOutput) string {
	t.Helper()
	msg, ok := out.Output.(*types.ConverseOutputMemberMessage)
	if !ok {
		t.Fatalf("output is %T", out.Output)
	}
	var sb strings.Builder
	for _, b := range msg.Value.Content {
		if tb, ok := b.(*types.ContentBlockMemberText); ok {
			sb.WriteString(tb.Value)
		}
	}
	return sb.String()
}

func TestConverseLocalPlainText(t *testing.T) {
	b := start(t, localOnly())
	c := bedrockClient(t, b.URL, nil)
	out, err := c.Converse(context.Background(), &bedrockruntime.ConverseInput{
		ModelId:  aws.String("basalt-test"),
		Messages: []types.Message{userText("hello gateway")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := outputText(t, out); got != "You said: hello gateway" {
		t.Fatalf("text = %q", got)
	}
	if out.StopReason != types.StopReasonEndTurn {
		t.Errorf("stop = %s", out.StopReason)
	}
	u := out.Usage
	if aws.ToInt32(u.InputTokens) != 2 || aws.ToInt32(u.OutputTokens) != 4 || aws.ToInt32(u.TotalTokens) != 6 {
		t.Errorf("usage = in %d out %d total %d", aws.ToInt32(u.InputTokens), aws.ToInt32(u.OutputTokens), aws.ToInt32(u.TotalTokens))
	}
	if out.Metrics == nil || out.Metrics.LatencyMs == nil {
		t.Error("metrics.latencyMs missing")
	}
}

func TestConverseOverH2C(t *testing.T) {
	b := start(t, localOnly())
	hc, h2 := h2cClient(t)
	c := bedrockClient(t, b.URL, hc)
	out, err := c.Converse(context.Background(), &bedrockruntime.ConverseInput{
		ModelId:  aws.String("basalt-test"),
		Messages: []types.Message{userText("over h2c")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := outputText(t, out); got != "You said: over h2c" {
		t.Fatalf("text = %q", got)
	}
	if *h2 != 1 {
		t.Fatalf("HTTP/2 responses = %d, want 1", *h2)
	}
}

// TestErrorRows checks every exception of the Converse error table as the
// SDK decodes it: typed, with Basalt's message and the right status.
func TestErrorRows(t *testing.T) {
	b := start(t, localOnly())
	c := bedrockClient(t, b.URL, nil)
	cases := []struct {
		name   string
		status int
		target func() any
	}{
		{"ValidationException", 400, func() any { return new(*types.ValidationException) }},
		{"AccessDeniedException", 403, func() any { return new(*types.AccessDeniedException) }},
		{"ResourceNotFoundException", 404, func() any { return new(*types.ResourceNotFoundException) }},
		{"ModelTimeoutException", 408, func() any { return new(*types.ModelTimeoutException) }},
		{"ThrottlingException", 429, func() any { return new(*types.ThrottlingException) }},
		{"ModelNotReadyException", 429, func() any { return new(*types.ModelNotReadyException) }},
		{"ModelErrorException", 424, func() any { return new(*types.ModelErrorException) }},
		{"InternalServerException", 500, func() any { return new(*types.InternalServerException) }},
		{"ServiceUnavailableException", 503, func() any { return new(*types.ServiceUnavailableException) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.Converse(context.Background(), &bedrockruntime.ConverseInput{
				ModelId:  aws.String("basalt-test"),
				Messages: []types.Message{userText("basalt-test:error:" + tc.name)},
			})
			target := tc.target()
			if !errors.As(err, target) {
				t.Fatalf("err = %T %v, want %s", err, err, tc.name)
			}
			var ae smithy.APIError
			if !errors.As(err, &ae) || ae.ErrorCode() != tc.name || !strings.Contains(ae.ErrorMessage(), "basalt-test scripted") {
				t.Fatalf("api error = %v", err)
			}
			var re interface{ HTTPStatusCode() int }
			if !errors.As(err, &re) || re.HTTPStatusCode() != tc.status {
				t.Fatalf("status = %v, want %d", err, tc.status)
			}
		})
	}
}

func TestValidationAndUnknownModel(t *testing.T) {
	b := start(t, localOnly())
	c := bedrockClient(t, b.URL, nil)
	_, err := c.Converse(context.Background(), &bedrockruntime.ConverseInput{ModelId: aws.String("basalt-test"), Messages: []types.Message{}})
	var ve *types.ValidationException
	if !errors.As(err, &ve) || !strings.Contains(ve.ErrorMessage(), "must start with a user message") {
		t.Fatalf("empty messages: %v", err)
	}
	_, err = c.Converse(context.Background(), &bedrockruntime.ConverseInput{ModelId: aws.String("anthropic.claude-3-haiku-20240307-v1:0"), Messages: []types.Message{userText("hi")}})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) || !strings.Contains(nf.ErrorMessage(), "anthropic.claude-3-haiku-20240307-v1:0") || !strings.Contains(nf.ErrorMessage(), "AWS credentials") {
		t.Fatalf("catalog model without provider: %v", err)
	}
	_, err = c.Converse(context.Background(), &bedrockruntime.ConverseInput{ModelId: aws.String("no-such-model"), Messages: []types.Message{userText("hi")}})
	if !errors.As(err, &nf) || !strings.Contains(nf.ErrorMessage(), "models entry") {
		t.Fatalf("unknown model: %v", err)
	}
}

// TestRawWire checks what non-Go clients rely on: the error header with its
// namespace suffix, the request id, the Date header and the body shape.
func TestRawWire(t *testing.T) {
	b := start(t, localOnly())
	resp, err := http.Post(b.URL+"/model/basalt-test/converse", "application/json", strings.NewReader(`{"messages":[]}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.HasPrefix(resp.Header.Get("X-Amzn-Errortype"), "ValidationException:") ||
		resp.Header.Get("X-Amzn-Requestid") == "" || resp.Header.Get("Date") == "" || !strings.Contains(string(body), `"message":`) {
		t.Fatalf("status %d headers %v body %s", resp.StatusCode, resp.Header, body)
	}
	// ARN ids arrive percent-encoded, %2F included, and must resolve whole.
	resp, err = http.Post(b.URL+"/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile%2Fus.amazon.nova-lite-v1%3A0/converse",
		"application/json", strings.NewReader(`{"messages":[{"role":"user","content":[{"text":"x"}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 404 || !strings.Contains(string(body), "inference-profile/us.amazon.nova-lite-v1:0") {
		t.Fatalf("ARN: status %d body %s", resp.StatusCode, body)
	}
	resp, err = http.Get(b.URL + "/no/such/operation")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 || resp.Header.Get("X-Amzn-Errortype") == "" {
		t.Fatalf("unknown route: %d %v", resp.StatusCode, resp.Header)
	}
}
