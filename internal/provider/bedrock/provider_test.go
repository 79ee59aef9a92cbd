package bedrock_test

import (
	"context"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/provider/bedrock"
	fu "github.com/basalt-gateway/basalt/internal/testutil/fakeupstream"
)

func okReply() fu.BedrockReply {
	return fu.BedrockReply{Blocks: []fu.BedrockBlock{fu.BedrockText("ok")}}
}

func call(t *testing.T, p *bedrock.Provider) {
	t.Helper()
	if _, err := converse(t, p, &canon.Request{Model: nova, Messages: []canon.Message{userText("hi")}}); err != nil {
		t.Fatalf("Converse: %v", err)
	}
}

// TestEndpointFromEnv checks the standard endpoint variables (pitfall 17),
// and that an explicit endpoint wins over them.
func TestEndpointFromEnv(t *testing.T) {
	for _, env := range []string{"AWS_ENDPOINT_URL_BEDROCK_RUNTIME", "AWS_ENDPOINT_URL"} {
		t.Run(env, func(t *testing.T) {
			isolateAWS(t)
			fake := fu.NewBedrock(t)
			fake.Reply(okReply())
			t.Setenv(env, fake.URL)
			p := newProvider(t, testConfig(""))
			if p.Endpoint() != fake.URL {
				t.Errorf("Endpoint() = %q, want %q", p.Endpoint(), fake.URL)
			}
			call(t, p)
			if len(fake.Requests()) != 1 {
				t.Fatal("the request did not reach the endpoint from " + env)
			}
		})
	}
	t.Run("explicit wins", func(t *testing.T) {
		isolateAWS(t)
		fake, decoy := fu.NewBedrock(t), fu.NewBedrock(t)
		fake.Reply(okReply())
		t.Setenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", decoy.URL)
		call(t, newProvider(t, testConfig(fake.URL)))
		if len(fake.Requests()) != 1 || len(decoy.Requests()) != 0 {
			t.Fatalf("configured endpoint got %d requests, env endpoint %d", len(fake.Requests()), len(decoy.Requests()))
		}
	})
}

// TestSigning checks the request is SigV4-signed for bedrock in the
// configured region with the configured credentials.
func TestSigning(t *testing.T) {
	fake, p := setup(t)
	fake.Reply(okReply())
	call(t, p)
	h := fake.Last().Header
	auth := h.Get("Authorization")
	if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential="+testAccessKey+"/") || !strings.Contains(auth, "/us-east-1/bedrock/aws4_request") {
		t.Errorf("Authorization = %q, want SigV4 for %s in us-east-1/bedrock", auth, testAccessKey)
	}
	if got := h.Get("X-Amz-Security-Token"); got != testToken {
		t.Errorf("X-Amz-Security-Token = %q", got)
	}
	if got := h.Get("Amz-Sdk-Request"); got != "attempt=1; max=1" {
		t.Errorf("Amz-Sdk-Request = %q, want a single attempt", got)
	}
}

func TestBearerToken(t *testing.T) {
	isolateAWS(t)
	fake := fu.NewBedrockTLS(t)
	fake.Reply(okReply())
	call(t, newProvider(t, bedrock.Config{Region: "us-east-1", Endpoint: fake.URL, BearerToken: "br-key", HTTPClient: fake.HTTPClient()}))
	if got := fake.Last().Header.Get("Authorization"); got != "Bearer br-key" {
		t.Errorf("Authorization = %q, want the Bedrock API key", got)
	}
	if _, err := bedrock.New(context.Background(), bedrock.Config{Region: "us-east-1", Endpoint: "http://vpce.example", BearerToken: "br-key"}); err == nil {
		t.Error("New accepted an API key for a plain-HTTP endpoint")
	}
}

// TestDefaultChain checks credentials and region come from the environment
// and from a named shared-config profile when the config gives none.
func TestDefaultChain(t *testing.T) {
	t.Run("environment", func(t *testing.T) {
		isolateAWS(t)
		fake := fu.NewBedrock(t)
		fake.Reply(okReply())
		t.Setenv("AWS_ACCESS_KEY_ID", "AKIDFROMENV")
		t.Setenv("AWS_SECRET_ACCESS_KEY", "env-secret")
		t.Setenv("AWS_REGION", "eu-central-1")
		call(t, newProvider(t, bedrock.Config{Endpoint: fake.URL}))
		if auth := fake.Last().Header.Get("Authorization"); !strings.Contains(auth, "Credential=AKIDFROMENV/") || !strings.Contains(auth, "/eu-central-1/bedrock/") {
			t.Errorf("Authorization = %q", auth)
		}
	})
	t.Run("profile", func(t *testing.T) {
		isolateAWS(t)
		fake := fu.NewBedrock(t)
		fake.Reply(okReply())
		dir := t.TempDir()
		write := func(name, body string) string {
			path := filepath.Join(dir, name)
			if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
				t.Fatal(err)
			}
			return path
		}
		t.Setenv("AWS_CONFIG_FILE", write("config", "[profile basalt]\nregion = ap-northeast-1\n"))
		t.Setenv("AWS_SHARED_CREDENTIALS_FILE", write("credentials", "[basalt]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = profile-secret\n"))
		call(t, newProvider(t, bedrock.Config{Endpoint: fake.URL, Profile: "basalt"}))
		if auth := fake.Last().Header.Get("Authorization"); !strings.Contains(auth, "Credential=AKIDPROFILE/") || !strings.Contains(auth, "/ap-northeast-1/bedrock/") {
			t.Errorf("Authorization = %q", auth)
		}
	})
}

func TestNewErrors(t *testing.T) {
	isolateAWS(t)
	for name, cfg := range map[string]bedrock.Config{
		"no region":       {AccessKeyID: "a", SecretAccessKey: "b"},
		"half a key":      {Region: "us-east-1", AccessKeyID: "a"},
		"unknown profile": {Region: "us-east-1", Profile: "does-not-exist"},
		"bad endpoint":    {Region: "us-east-1", Endpoint: "vpce.example.com"},
	} {
		if _, err := bedrock.New(context.Background(), cfg); err == nil {
			t.Errorf("%s: New succeeded", name)
		}
	}
}

// TestHTTPClientWithCABundle checks a caller's *http.Client is used even when
// AWS_CA_BUNDLE is set (the SDK's loader cannot combine the two).
func TestHTTPClientWithCABundle(t *testing.T) {
	isolateAWS(t)
	tlsSrv := httptest.NewTLSServer(http.NotFoundHandler())
	defer tlsSrv.Close()
	bundle := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(bundle, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: tlsSrv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_CA_BUNDLE", bundle)
	fake := fu.NewBedrock(t)
	fake.Reply(okReply())
	used := false
	cfg := testConfig(fake.URL)
	cfg.HTTPClient = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		used = true
		return http.DefaultTransport.RoundTrip(r)
	})}
	call(t, newProvider(t, cfg))
	if !used {
		t.Error("the configured HTTP client was not used")
	}
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestMaxAttempts(t *testing.T) {
	fake, _ := setup(t)
	cfg := testConfig(fake.URL)
	cfg.MaxAttempts = 2
	p := newProvider(t, cfg)
	fake.Fail(503, "ServiceUnavailableException", "busy")
	fake.Reply(okReply())
	call(t, p)
	if n := len(fake.Requests()); n != 2 {
		t.Errorf("%d attempts, want 2", n)
	}
}

// TestModelIDs checks inference-profile ids and ARNs reach Bedrock intact
// through both operations, although the SDK percent-encodes ":" and "/"
// (pitfall 11).
func TestModelIDs(t *testing.T) {
	ids := []string{
		"amazon.nova-lite-v1:0",
		"us.anthropic.claude-3-5-sonnet-20240620-v1:0",
		"eu.amazon.nova-pro-v1:0",
		"apac.anthropic.claude-sonnet-4-20250514-v1:0",
		"global.anthropic.claude-sonnet-4-5-20250929-v1:0",
		"us-gov.anthropic.claude-3-haiku-20240307-v1:0",
		"arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0",
		"arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.amazon.nova-lite-v1:0",
		"arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6",
		"arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abc123xyz",
	}
	fake, p := setup(t)
	var want []string
	for _, id := range ids {
		for _, stream := range []bool{false, true} {
			fake.Reply(okReply())
			if _, err := converse(t, p, &canon.Request{Model: id, Stream: stream, Messages: []canon.Message{userText("hi")}}); err != nil {
				t.Fatalf("%s stream=%v: %v", id, stream, err)
			}
			want = append(want, id)
		}
	}
	if d := cmp.Diff(want, fake.ModelIDs()); d != "" {
		t.Errorf("model ids received (-want +got):\n%s", d)
	}
}

// TestRepeatedCalls guards against the transport race plainBodyClient works
// around: it failed about one call in a hundred on loopback.
func TestRepeatedCalls(t *testing.T) {
	fake, p := setup(t)
	for i := range 300 {
		fake.Reply(okReply())
		req := &canon.Request{Model: nova, Stream: i%2 == 0, Messages: []canon.Message{userText("hi")}}
		if _, err := converse(t, p, req); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
}

func TestInvokeJSON(t *testing.T) {
	fake, p := setup(t)
	fake.ReplyRaw(fu.BedrockRaw{Body: []byte(`{"embedding":[0.5],"inputTextTokenCount":2}`)})
	got, err := p.InvokeJSON(context.Background(), "amazon.titan-embed-text-v2:0", []byte(`{"inputText":"hi there"}`))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != `{"embedding":[0.5],"inputTextTokenCount":2}` {
		t.Fatalf("body %s", got)
	}
	last := fake.Last()
	if last.Path != "/model/amazon.titan-embed-text-v2:0/invoke" || string(last.Body) != `{"inputText":"hi there"}` {
		t.Fatalf("upstream got %s %s", last.Path, last.Body)
	}
	fake.Fail(400, "ValidationException", "Malformed input request: #: extraneous key [x] is not permitted")
	_, err = p.InvokeJSON(context.Background(), "amazon.titan-embed-text-v2:0", []byte(`{"x":1}`))
	if apierr.KindOf(err) != apierr.Validation || !strings.Contains(err.Error(), "extraneous key [x]") {
		t.Fatalf("err %v", err)
	}
}
