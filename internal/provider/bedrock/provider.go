// Package bedrock is the upstream provider for Amazon Bedrock, reached
// through aws-sdk-go-v2's bedrockruntime client with the Converse and
// ConverseStream operations. It is the only Basalt package that imports the
// SDK's bedrockruntime types: everything it returns is canonical.
package bedrock

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/smithy-go/auth/bearer"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
)

// Config configures one Bedrock provider. Empty fields fall back to the
// standard AWS configuration chain (environment, shared config files, SSO,
// web identity, container and instance roles).
type Config struct {
	Name   string // the provider's configured name, used in errors
	Region string
	// Endpoint overrides the Bedrock runtime URL (VPC endpoint, proxy, test
	// fake). When empty, AWS_ENDPOINT_URL_BEDROCK_RUNTIME and then
	// AWS_ENDPOINT_URL are honoured, as every AWS SDK does.
	Endpoint string

	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	Profile         string
	// BearerToken is a Bedrock API key; when set requests carry it instead of
	// a SigV4 signature. AWS_BEARER_TOKEN_BEDROCK is honoured by the SDK.
	BearerToken string

	HTTPClient *http.Client
	// MaxAttempts is the SDK's attempt budget per call. Zero means one: the
	// gateway falls back across deployments itself, and SDK retries would
	// only delay that (and re-send a prompt the client is waiting on).
	MaxAttempts int
}

// String keeps secrets out of logs and error messages that format a Config.
func (c Config) String() string {
	return fmt.Sprintf("bedrock.Config{Name:%q Region:%q Endpoint:%q Profile:%q AccessKeyID:%s SecretAccessKey:%s SessionToken:%s BearerToken:%s}",
		c.Name, c.Region, redactURL(c.Endpoint), c.Profile,
		redacted(c.AccessKeyID), redacted(c.SecretAccessKey), redacted(c.SessionToken), redacted(c.BearerToken))
}

// GoString covers %#v, which would otherwise print every field.
func (c Config) GoString() string { return c.String() }

func redacted(s string) string {
	if s == "" {
		return `""`
	}
	return "REDACTED"
}

// redactURL drops any user:password an endpoint URL carries.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(invalid URL)"
	}
	if u.User != nil {
		u.User = url.User("REDACTED")
	}
	return u.String()
}

// Provider calls Amazon Bedrock. It is safe for concurrent use.
type Provider struct {
	name     string
	client   *bedrockruntime.Client
	endpoint string // for error messages; never carries credentials
}

// New builds a Provider, resolving credentials and region once. Credentials
// given in cfg win over the default chain; the chain's providers are only
// consulted when a request is signed.
func New(ctx context.Context, cfg Config) (*Provider, error) {
	name := cfg.Name
	if name == "" {
		name = "bedrock"
	}
	if (cfg.AccessKeyID == "") != (cfg.SecretAccessKey == "") {
		return nil, fmt.Errorf("bedrock provider %q: access key id and secret access key must be set together", name)
	}
	if cfg.Endpoint != "" {
		if u, err := url.Parse(cfg.Endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("bedrock provider %q: endpoint %s is not an http(s) URL", name, redactURL(cfg.Endpoint))
		}
	}
	attempts := cfg.MaxAttempts
	if attempts <= 0 {
		attempts = 1
	}
	opts := []func(*config.LoadOptions) error{config.WithRetryMaxAttempts(attempts)}
	if cfg.Region != "" {
		opts = append(opts, config.WithRegion(cfg.Region))
	}
	if cfg.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(cfg.Profile))
	}
	if cfg.AccessKeyID != "" {
		creds := aws.Credentials{AccessKeyID: cfg.AccessKeyID, SecretAccessKey: cfg.SecretAccessKey,
			SessionToken: cfg.SessionToken, Source: "BasaltConfig"}
		opts = append(opts, config.WithCredentialsProvider(aws.CredentialsProviderFunc(
			func(context.Context) (aws.Credentials, error) { return creds, nil })))
	}
	awsCfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("bedrock provider %q: loading AWS configuration: %w", name, err)
	}
	if awsCfg.Region == "" {
		return nil, fmt.Errorf("bedrock provider %q: no AWS region configured (set region or AWS_REGION)", name)
	}
	client := bedrockruntime.NewFromConfig(awsCfg, func(o *bedrockruntime.Options) {
		// Set here rather than through config.WithBaseEndpoint because the
		// client lets AWS_ENDPOINT_URL_BEDROCK_RUNTIME override the shared
		// config's endpoint, and an explicit setting must win over both.
		if cfg.Endpoint != "" {
			o.BaseEndpoint = aws.String(cfg.Endpoint)
		}
		// Set on the client only: handed to LoadDefaultConfig, a plain
		// *http.Client makes it fail whenever AWS_CA_BUNDLE is set (it cannot
		// add the bundle to a client it did not build). The caller's client
		// brings its own TLS settings.
		if cfg.HTTPClient != nil {
			o.HTTPClient = cfg.HTTPClient
		}
		o.HTTPClient = plainBodyClient{next: o.HTTPClient}
		if cfg.BearerToken != "" {
			tok := cfg.BearerToken
			o.BearerAuthTokenProvider = bearer.TokenProviderFunc(func(context.Context) (bearer.Token, error) {
				return bearer.Token{Value: tok}, nil
			})
			o.AuthSchemePreference = []string{"httpBearerAuth"}
		}
	})
	endpoint := "https://bedrock-runtime." + awsCfg.Region + ".amazonaws.com"
	if be := client.Options().BaseEndpoint; be != nil && *be != "" {
		endpoint = redactURL(*be)
	}
	if cfg.BearerToken != "" && !strings.HasPrefix(strings.ToLower(endpoint), "https://") {
		// The SDK refuses to send a bearer token in clear text; saying so
		// here beats failing every request.
		return nil, fmt.Errorf("bedrock provider %q: a Bedrock API key is only sent over HTTPS, and the endpoint is %s", name, endpoint)
	}
	return &Provider{name: name, client: client, endpoint: endpoint}, nil
}

// Name returns the provider's configured name.
func (p *Provider) Name() string { return p.name }

// Endpoint returns the Bedrock runtime URL requests go to, without credentials.
func (p *Provider) Endpoint() string { return p.endpoint }

// Converse sends req to Bedrock (req.Model is the model id, inference
// profile or ARN) and writes the answer to w. A streaming request is answered
// event by event as Bedrock produces it; a unary one with one Converse call.
// Errors are *apierr.Error, except that an error from w is returned as is so
// the caller can recognise its own failure.
func (p *Provider) Converse(ctx context.Context, req *canon.Request, w canon.EventWriter) error {
	in, err := converseInput(req)
	if err != nil {
		return err
	}
	if req.Stream {
		return p.converseStream(ctx, streamInput(in), w)
	}
	out, err := p.client.Converse(ctx, in)
	if err != nil {
		return p.classify(ctx, err, false)
	}
	resp, err := responseFromOutput(out)
	if err != nil {
		return apierr.Wrap(apierr.ModelError, err, "bedrock provider %q: the model's answer could not be read", p.name)
	}
	return canon.Emit(w, resp)
}
