// Package conformance drives an in-process Basalt with the official SDK
// clients (aws-sdk-go-v2 bedrockruntime, openai-go, anthropic-sdk-go) over
// HTTP/1.1 and h2c, against the wire-exact fake upstreams.
package conformance

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"go.uber.org/goleak"

	"github.com/basalt-gateway/basalt/internal/app"
	"github.com/basalt-gateway/basalt/internal/provider/bedrock"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// The SDK's and net/http's idle keep-alive connections close lazily.
		goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
		goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"),
	)
}

// basalt is one in-process gateway.
type basalt struct {
	URL string
	App *app.App
}

// start runs Basalt with opts on a loopback port that speaks HTTP/1.1 and
// h2c, as `basalt serve` does.
func start(t *testing.T, opts app.Options) *basalt {
	t.Helper()
	a, err := app.New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(a.Handler())
	var p http.Protocols
	p.SetHTTP1(true)
	p.SetUnencryptedHTTP2(true)
	srv.Config.Protocols = &p
	srv.Start()
	t.Cleanup(func() {
		srv.Close()
		_ = a.Close()
	})
	return &basalt{URL: srv.URL, App: a}
}

// localOnly is a gateway with nothing but the built-in test model.
func localOnly() app.Options {
	return app.Options{Providers: []app.ProviderSpec{{Name: "local", Type: "local"}}}
}

// bedrockClient is the AWS SDK client pointed at url, as a user would
// configure it: BaseEndpoint and any static credentials.
func bedrockClient(t *testing.T, url string, hc *http.Client) *bedrockruntime.Client {
	t.Helper()
	if hc == nil {
		hc = &http.Client{Transport: &http.Transport{}}
	}
	t.Cleanup(hc.CloseIdleConnections)
	return bedrockruntime.New(bedrockruntime.Options{
		BaseEndpoint:     aws.String(url),
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		HTTPClient:       bedrock.SafeHTTPClient(hc),
		RetryMaxAttempts: 1,
	})
}

// h2cClient speaks cleartext HTTP/2 with prior knowledge, as the AWS SDK
// for JavaScript does to http:// endpoints.
func h2cClient(t *testing.T) (*http.Client, *int) {
	t.Helper()
	var h2 int
	var p http.Protocols
	p.SetUnencryptedHTTP2(true) // and nothing else: prior knowledge, no HTTP/1.1 fallback
	tr := &http.Transport{Protocols: &p}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: countProto{tr, &h2}, Timeout: 30 * time.Second}, &h2
}

type countProto struct {
	rt http.RoundTripper
	n  *int
}

func (c countProto) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.rt.RoundTrip(r)
	if err == nil && resp.ProtoMajor == 2 {
		*c.n++
	}
	return resp, err
}
