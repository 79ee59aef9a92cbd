// Package config reads Basalt's configuration file, a YAML document that is
// part of Basalt's stable user interface.
//
// Decoding is strict because a gateway that silently ignores a misspelled key
// ("baseurl", "api-key") sends traffic somewhere the operator did not intend:
// every unknown key, wrong type, bad URL or dangling reference is an error that
// names the file, line and column, and all of them are reported at once so a
// broken file is fixed in one pass.
//
// Nothing here reads the process environment or holds package-level state:
// secrets are [Secret] values resolved by the caller with an injected lookup,
// and the CLI decides which file to load (flag or BASALT_CONFIG).
package config

import (
	"log/slog"
	"net/url"
	"strings"
	"time"
)

// Defaults, exported so the CLI can show them in --help and so tests and
// other packages do not restate them.
const (
	DefaultAddr              = "127.0.0.1:8080"
	DefaultShutdownTimeout   = 30 * time.Second
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultIdleTimeout       = 5 * time.Minute
	DefaultLogLevel          = "info"
	DefaultLogFormat         = "text"
	DefaultDataDir           = "./basalt-data"

	// DefaultProviderTimeout bounds a whole upstream call, streaming included,
	// so it is long: a slow model may stream for many minutes.
	DefaultProviderTimeout = 10 * time.Minute

	DefaultOpenAIBaseURL      = "https://api.openai.com/v1"
	DefaultAnthropicBaseURL   = "https://api.anthropic.com"
	DefaultAnthropicVersion   = "2023-06-01"
	DefaultAnthropicMaxTokens = 4096
	DefaultBedrockMaxAttempts = 1
)

// The values OpenAIOptions.MaxTokensField accepts.
const (
	FieldMaxTokens           = "max_tokens"
	FieldMaxCompletionTokens = "max_completion_tokens"
)

// Auth lists the API keys clients must send. With none, every request is
// accepted, which is why the default address is loopback only.
type Auth struct {
	// APIKeys are accepted as "Authorization: Bearer <key>" on every
	// surface and as "x-api-key: <key>" on the OpenAI and Anthropic ones.
	APIKeys []Secret `yaml:"api_keys,omitempty"`
}

// Config is the whole configuration file. The zero value is not ready to use:
// call ApplyDefaults (Parse, Load and Default do).
type Config struct {
	// Server is where and how Basalt listens.
	Server Server `yaml:"server"`
	// Log controls Basalt's own structured log (slog) on stderr.
	Log Log `yaml:"log"`
	// DataDir holds Basalt's SQLite database and other state; it is created on
	// first start. A relative path is relative to the working directory of
	// the process, not to the config file, matching the CLI's default.
	DataDir string `yaml:"data_dir"`
	// Providers are the upstreams Basalt can send requests to, in file order.
	Providers []Provider `yaml:"providers,omitempty"`
	// Models map the model ids clients send to a provider and its own model
	// name. Several entries may share an id; they are kept in file order,
	// which is the order the router tries them in.
	Models []Model `yaml:"models,omitempty"`
	// Auth says which keys clients must present.
	Auth Auth `yaml:"auth"`
	// Catalog adds models to the embedded catalog or overrides facts about
	// its models (own deployments, negotiated prices, local models); see
	// CatalogOverrides.
	Catalog CatalogOverrides `yaml:"catalog,omitempty"`
}

// Server configures the listener. One port serves HTTP/1.1 and cleartext
// HTTP/2 (h2c), or HTTP/2 and HTTP/1.1 by ALPN when TLS is configured.
type Server struct {
	// Addr is the host:port to listen on; ":8080" listens on every interface
	// and port 0 picks a free port. Default "127.0.0.1:8080", so a fresh
	// install is not reachable from the network.
	Addr string `yaml:"addr"`
	// TLSCert and TLSKey are PEM file paths; set both to serve TLS, or neither.
	TLSCert string `yaml:"tls_cert,omitempty"`
	TLSKey  string `yaml:"tls_key,omitempty"`
	// ShutdownTimeout bounds how long in-flight requests may run after
	// SIGINT/SIGTERM before they are cut off. Default 30s.
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
	// ReadHeaderTimeout bounds reading a request's headers, which stops
	// slow-header clients from holding connections. Default 10s. Bodies and
	// responses have no server-side deadline because answers stream.
	ReadHeaderTimeout time.Duration `yaml:"read_header_timeout"`
	// IdleTimeout closes keep-alive connections that carry no request for
	// this long. It does not bound a request in progress, so long streams are
	// unaffected. Default 5m.
	IdleTimeout time.Duration `yaml:"idle_timeout"`
}

// Log configures Basalt's log output.
type Log struct {
	// Level is the minimum level logged: debug, info, warn or error. Default info.
	Level string `yaml:"level"`
	// Format is text (slog.TextHandler, for people) or json (for collectors).
	// Default text.
	Format string `yaml:"format"`
}

// SlogLevel maps Level to slog's levels; an unknown level is Info, which
// Validate has already reported.
func (l Log) SlogLevel() slog.Level {
	switch l.Level {
	case "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	return slog.LevelInfo
}

// ProviderType selects the upstream wire protocol of a provider.
type ProviderType string

// BuiltinLocal is the name of the local provider the gateway adds when the
// file configures no provider of type local.
const BuiltinLocal = "local"

const (
	// TypeOpenAI speaks OpenAI Chat Completions: OpenAI itself, or any
	// compatible server (Ollama, vLLM, llama.cpp, LM Studio...).
	TypeOpenAI ProviderType = "openai"
	// TypeAnthropic speaks the Anthropic Messages API.
	TypeAnthropic ProviderType = "anthropic"
	// TypeBedrock calls Amazon Bedrock through the AWS SDK (Converse).
	TypeBedrock ProviderType = "bedrock"
	// TypeLocal is Basalt's built-in, network-free test double (basalt-test).
	TypeLocal ProviderType = "local"
)

// providerTypes is the documented order, used in error messages.
func providerTypes() []string {
	return []string{string(TypeOpenAI), string(TypeAnthropic), string(TypeBedrock), string(TypeLocal)}
}

// Provider is one upstream. Common fields come first; the options of each
// type are inline in the YAML (one flat mapping per provider) but grouped here
// so code reads which fields belong to which type. A field of another type's
// group is a validation error, not silently ignored.
type Provider struct {
	// Name identifies the provider in models[].provider, logs and errors.
	// Required, unique, matching [a-z0-9][a-z0-9_-]*.
	Name string `yaml:"name"`
	// Type is openai, anthropic, bedrock or local. Required.
	Type ProviderType `yaml:"type"`
	// BaseURL is the upstream API root (openai and anthropic only; bedrock
	// uses Endpoint). For openai it includes the version path, because
	// compatible servers differ there: requests go to
	// {base_url}/chat/completions, e.g. http://127.0.0.1:11434/v1 for
	// Ollama. For anthropic it is the bare root: requests go to
	// {base_url}/v1/messages. Defaults: https://api.openai.com/v1 and
	// https://api.anthropic.com. ApplyDefaults drops a trailing slash so
	// consumers can append paths.
	BaseURL string `yaml:"base_url,omitempty"`
	// APIKey authenticates to the upstream: a bearer token for openai, the
	// x-api-key header for anthropic, and a Bedrock API key (sent instead of a
	// SigV4 signature) for bedrock. Optional: local servers often need none,
	// and bedrock falls back to the AWS credential chain.
	APIKey Secret `yaml:"api_key,omitempty"`
	// Timeout bounds a whole upstream call including a streamed answer, so
	// it must cover the longest answer expected. Default 10m.
	Timeout time.Duration `yaml:"timeout,omitempty"`
	// Headers are extra HTTP headers sent with every upstream request (for
	// proxies, org ids, gateways in front of the upstream). Values are
	// secrets because they often carry credentials. Headers the transport
	// owns (Host, Content-Length, Content-Type, Transfer-Encoding,
	// Connection) cannot be set.
	Headers map[string]Secret `yaml:"headers,omitempty"`

	OpenAI    OpenAIOptions    `yaml:",inline"`
	Anthropic AnthropicOptions `yaml:",inline"`
	Bedrock   BedrockOptions   `yaml:",inline"`
}

// OpenAIOptions apply to type openai only.
type OpenAIOptions struct {
	// MaxTokensField is the request body key that carries the output token
	// limit: max_tokens or max_completion_tokens. api.openai.com requires
	// max_completion_tokens for its reasoning models while most compatible
	// servers read only max_tokens, so the default depends on the host:
	// max_completion_tokens for api.openai.com, max_tokens otherwise.
	MaxTokensField string `yaml:"max_tokens_field,omitempty"`
}

// AnthropicOptions apply to type anthropic only.
type AnthropicOptions struct {
	// Version is the anthropic-version header. Default 2023-06-01.
	Version string `yaml:"version,omitempty"`
	// DefaultMaxTokens is sent when a request sets no output limit, because
	// the Messages API requires one and Converse does not. Default 4096.
	DefaultMaxTokens int `yaml:"default_max_tokens,omitempty"`
}

// BedrockOptions apply to type bedrock only. Every field is optional: what is
// not set comes from the standard AWS configuration chain (environment,
// shared config and credentials files, SSO, container and instance roles).
type BedrockOptions struct {
	// Region is the AWS region, e.g. us-east-1.
	Region string `yaml:"region,omitempty"`
	// Endpoint overrides the bedrock-runtime URL (a VPC endpoint, a proxy, or
	// another Basalt).
	Endpoint string `yaml:"endpoint,omitempty"`
	// Profile names a profile in the shared AWS config files.
	Profile string `yaml:"profile,omitempty"`
	// AccessKeyID and SecretAccessKey are static credentials; set both or
	// neither. The key id is a Secret too so that a credential pair can be
	// read from the environment the same way.
	AccessKeyID     Secret `yaml:"access_key_id,omitempty"`
	SecretAccessKey Secret `yaml:"secret_access_key,omitempty"`
	// SessionToken accompanies temporary static credentials.
	SessionToken Secret `yaml:"session_token,omitempty"`
	// MaxAttempts is the SDK's attempt budget per call. Default 1: the
	// gateway falls back across deployments itself, and SDK retries would
	// only delay that while the client waits.
	MaxAttempts int `yaml:"max_attempts,omitempty"`
}

// Model routes one model id to a provider.
type Model struct {
	// ID is what clients send: a catalog id, an inference-profile id, a model
	// ARN, or any alias. Required.
	ID string `yaml:"id"`
	// Provider names an entry of providers. Required.
	Provider string `yaml:"provider"`
	// Upstream is the provider's own name for the model. Default: ID.
	Upstream string `yaml:"upstream"`
	// Region pins a bedrock deployment to a region other than its provider's
	// (bedrock providers only).
	Region string `yaml:"region,omitempty"`
}

// Default returns the configuration used when there is no config file.
func Default() *Config {
	c := &Config{}
	c.ApplyDefaults()
	return c
}

// ApplyDefaults fills every unset field that has a default and drops a
// trailing slash from base URLs. It is idempotent, and it sets only the
// fields that apply to a provider's type so that Validate can still reject
// fields of another type. Parse calls it; code that builds a Config by hand
// (the CLI's environment detection) calls it before use.
func (c *Config) ApplyDefaults() {
	s := &c.Server
	setDefault(&s.Addr, DefaultAddr)
	setDefault(&s.ShutdownTimeout, DefaultShutdownTimeout)
	setDefault(&s.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	setDefault(&s.IdleTimeout, DefaultIdleTimeout)
	setDefault(&c.Log.Level, DefaultLogLevel)
	setDefault(&c.Log.Format, DefaultLogFormat)
	setDefault(&c.DataDir, DefaultDataDir)
	for i := range c.Providers {
		c.Providers[i].applyDefaults()
	}
	for i := range c.Models {
		setDefault(&c.Models[i].Upstream, c.Models[i].ID)
	}
}

func (p *Provider) applyDefaults() {
	switch p.Type {
	case TypeOpenAI:
		setDefault(&p.BaseURL, DefaultOpenAIBaseURL)
		p.BaseURL = strings.TrimRight(p.BaseURL, "/")
		field := FieldMaxTokens
		if u, err := url.Parse(p.BaseURL); err == nil && strings.EqualFold(u.Hostname(), "api.openai.com") {
			field = FieldMaxCompletionTokens
		}
		setDefault(&p.OpenAI.MaxTokensField, field)
	case TypeAnthropic:
		setDefault(&p.BaseURL, DefaultAnthropicBaseURL)
		p.BaseURL = strings.TrimRight(p.BaseURL, "/")
		setDefault(&p.Anthropic.Version, DefaultAnthropicVersion)
		setDefault(&p.Anthropic.DefaultMaxTokens, DefaultAnthropicMaxTokens)
	case TypeBedrock:
		setDefault(&p.Bedrock.MaxAttempts, DefaultBedrockMaxAttempts)
	default:
		// local takes no options, and an unknown type is reported by Validate;
		// giving either a timeout would make Validate flag a key the user
		// never wrote.
		return
	}
	setDefault(&p.Timeout, DefaultProviderTimeout)
}

func setDefault[T comparable](field *T, def T) {
	var zero T
	if *field == zero {
		*field = def
	}
}
