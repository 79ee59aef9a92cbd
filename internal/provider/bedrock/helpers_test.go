package bedrock_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"go.uber.org/goleak"

	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/gateway"
	"github.com/basalt-gateway/basalt/internal/provider/bedrock"
	"github.com/basalt-gateway/basalt/internal/testutil/fakeupstream"
)

var _ gateway.Provider = (*bedrock.Provider)(nil)

const (
	testAccessKey = "AKIDBASALTTEST"
	testSecretKey = "basalt-secret-key-must-never-leak"
	testToken     = "basalt-session-token-must-never-leak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// awsEnv lists every variable through which the default AWS chain could pick
// up real credentials, a region, an endpoint or a retry policy from the
// machine running the tests.
var awsEnv = []string{
	"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION",
	"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_BEARER_TOKEN_BEDROCK",
	"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_BEDROCK_RUNTIME", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
	"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
	"AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN",
	"AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE", "AWS_EC2_METADATA_SERVICE_ENDPOINT", "AWS_CA_BUNDLE",
}

// isolateAWS makes the test independent of the host: no AWS variables, empty
// shared config and credentials files, and IMDS off, so nothing reaches the
// network except the fake.
func isolateAWS(t *testing.T) {
	t.Helper()
	for _, k := range awsEnv {
		t.Setenv(k, "") // registers the restore
		os.Unsetenv(k)
	}
	dir := t.TempDir()
	for _, f := range []string{"config", "credentials"} {
		if err := os.WriteFile(filepath.Join(dir, f), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

func testConfig(endpoint string) bedrock.Config {
	return bedrock.Config{Name: "bedrock-test", Region: "us-east-1", Endpoint: endpoint,
		AccessKeyID: testAccessKey, SecretAccessKey: testSecretKey, SessionToken: testToken}
}

func newProvider(t *testing.T, cfg bedrock.Config) *bedrock.Provider {
	t.Helper()
	p, err := bedrock.New(context.Background(), cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return p
}

// setup returns an isolated fake and a provider pointed at it.
func setup(t *testing.T) (*fakeupstream.Bedrock, *bedrock.Provider) {
	t.Helper()
	isolateAWS(t)
	fake := fakeupstream.NewBedrock(t)
	return fake, newProvider(t, testConfig(fake.URL))
}

// recorder keeps every event it is given.
type recorder struct{ events []canon.Event }

func (r *recorder) WriteEvent(ev canon.Event) error {
	r.events = append(r.events, ev)
	return nil
}

// converse runs one call and returns the accumulated answer.
func converse(t *testing.T, p *bedrock.Provider, req *canon.Request) (*canon.Response, error) {
	t.Helper()
	acc := canon.NewAccumulator()
	if err := p.Converse(context.Background(), req, acc); err != nil {
		return nil, err
	}
	return acc.Response()
}

func userText(s string) canon.Message {
	return canon.Message{Role: canon.RoleUser, Content: []canon.Block{canon.TextBlock(s)}}
}

func ptr[T any](v T) *T { return &v }
