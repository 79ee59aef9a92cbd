// Package openai is the upstream provider for OpenAI-compatible Chat
// Completions servers: api.openai.com, vLLM, Ollama, llama.cpp and the
// like. It owns the HTTP side only (base URL, bearer auth, timeouts,
// cancellation); the wire mapping lives in format/openai.
package openai

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
	format "github.com/basalt-gateway/basalt/internal/format/openai"
	"github.com/basalt-gateway/basalt/internal/provider/upstreamhttp"
)

// DefaultTimeout is used when Config.Timeout is zero. Reasoning models can
// think for minutes before their first token (pitfall 16), so it is long.
const DefaultTimeout = 10 * time.Minute

// Config configures one OpenAI-compatible upstream.
type Config struct {
	// Name identifies the provider in logs and errors; default "openai".
	Name string
	// BaseURL is the API root including its version path, e.g.
	// https://api.openai.com/v1 or http://localhost:11434/v1.
	BaseURL string
	// APIKey is sent as "Authorization: Bearer"; empty sends none (local
	// servers). It never appears in errors or logs.
	APIKey string
	// HTTPClient is the client to use; nil means one of the provider's own.
	HTTPClient *http.Client
	// MaxTokensField is the body key for the token limit: "max_tokens"
	// (default; what vLLM, Ollama and llama.cpp read) or
	// "max_completion_tokens" (api.openai.com reasoning models).
	MaxTokensField string
	// Timeout bounds how long the upstream may stay silent: until the
	// response headers, between two stream events, and for a unary body.
	// Zero means DefaultTimeout.
	Timeout time.Duration
}

// String hides the API key when a Config is printed.
func (c Config) String() string {
	return fmt.Sprintf("openai.Config{Name:%q BaseURL:%q APIKey:%s MaxTokensField:%q Timeout:%s}",
		c.Name, redactURL(c.BaseURL, c.APIKey), redacted(c.APIKey), c.MaxTokensField, c.Timeout)
}

// GoString hides the API key from %#v.
func (c Config) GoString() string { return c.String() }

// LogValue hides the API key from slog.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(slog.String("name", c.Name), slog.String("base_url", redactURL(c.BaseURL, c.APIKey)),
		slog.String("api_key", redacted(c.APIKey)))
}

func redacted(key string) string {
	if key == "" {
		return `""`
	}
	return "[REDACTED]"
}

// Provider sends canonical requests to one OpenAI-compatible upstream.
type Provider struct {
	name     string
	endpoint string   // {BaseURL}/chat/completions
	url      *url.URL // endpoint parsed once, as http.NewRequest parses it
	baseURL  string   // BaseURL with any password removed, for messages
	apiKey   string
	auth     string // "Bearer " + apiKey, or "" without a key
	client   *http.Client
	opts     format.RequestOptions
	timeout  time.Duration
}

// New checks cfg and returns a Provider.
func New(cfg Config) (*Provider, error) {
	name := cfg.Name
	if name == "" {
		name = "openai"
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("provider %q: base URL %q is not an absolute http(s) URL", name, redactURL(cfg.BaseURL, cfg.APIKey))
	}
	switch cfg.MaxTokensField {
	case "", format.FieldMaxTokens, format.FieldMaxCompletionTokens:
	default:
		return nil, fmt.Errorf("provider %q: max tokens field %q is not %q or %q", name,
			cfg.MaxTokensField, format.FieldMaxTokens, format.FieldMaxCompletionTokens)
	}
	if cfg.Timeout < 0 {
		return nil, fmt.Errorf("provider %q: timeout %s is negative", name, cfg.Timeout)
	}
	timeout := cfg.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	client := cfg.HTTPClient
	if client == nil {
		client = &http.Client{Transport: upstreamhttp.NewTransport()}
	}
	ep := *u
	ep.Path = strings.TrimRight(u.Path, "/") + "/chat/completions"
	ep.RawPath = ""
	endpoint := ep.String()
	epURL, err := upstreamhttp.ParseEndpoint(endpoint)
	if err != nil {
		return nil, fmt.Errorf("provider %q: base URL %q is not an absolute http(s) URL", name, redactURL(cfg.BaseURL, cfg.APIKey))
	}
	return &Provider{
		name:     name,
		endpoint: endpoint,
		url:      epURL,
		baseURL:  redactURL(cfg.BaseURL, cfg.APIKey),
		apiKey:   cfg.APIKey,
		auth:     bearer(cfg.APIKey),
		client:   client,
		opts:     format.RequestOptions{MaxTokensField: cfg.MaxTokensField},
		timeout:  timeout,
	}, nil
}

// Name is the configured provider name.
func (p *Provider) Name() string { return p.name }

// CloseIdleConnections closes the HTTP client's idle connections.
func (p *Provider) CloseIdleConnections() { p.client.CloseIdleConnections() }

// errSilent is the cancel cause when the upstream stayed silent too long.
var errSilent = errors.New("upstream silent for longer than the timeout")

// Limits on what is read from the upstream in one piece.
const (
	maxErrorBody = 1 << 20
	maxUnaryBody = 64 << 20
)

// Converse sends req and writes the answer to w, one upstream chunk at a
// time when streaming. It returns once the answer is complete, ctx is
// done or w fails, and then has closed the upstream connection.
func (p *Provider) Converse(ctx context.Context, req *canon.Request, w canon.EventWriter) error {
	body, err := format.RequestFromCanon(req, p.opts)
	if err != nil {
		return err
	}
	payload, err := marshalRequest(body)
	if err != nil {
		return apierr.Wrap(apierr.Internal, err, "could not encode the request for provider %q", p.name)
	}

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	silence := time.AfterFunc(p.timeout, func() { cancel(errSilent) })
	defer silence.Stop()

	accept := "application/json"
	if body.Stream {
		accept = "text/event-stream"
	}
	resp, err := p.client.Do(p.newRequest(ctx, payload, accept))
	if err != nil {
		return p.transportError(ctx, err)
	}
	defer resp.Body.Close()

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		b, err := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		if err != nil && ctx.Err() != nil {
			return p.contextError(ctx)
		}
		return p.statusError(resp.StatusCode, b)
	}
	if isEventStream(resp.Header.Get("Content-Type")) {
		return p.readStream(ctx, resp.Body, w, silence)
	}
	// Some servers answer a stream request with one JSON body; it is the
	// same answer, so it is taken as such.
	return p.readUnary(ctx, resp.Body, w)
}

// newRequest returns the POST of payload to the endpoint with the
// provider's headers (upstreamhttp.Post: few allocations).
func (p *Provider) newRequest(ctx context.Context, payload []byte, accept string) *http.Request {
	return upstreamhttp.Post(ctx, p.url, payload,
		"Content-Type", "application/json", "User-Agent", "basalt", "Accept", accept, "Authorization", p.auth)
}

func bearer(key string) string {
	if key == "" {
		return ""
	}
	return "Bearer " + key
}

// marshalRequest encodes body as json.Marshal does, without json.Marshal's
// second pass over the output of ChatRequest.MarshalJSON (a compaction
// that, when the request has no Extra keys, changes nothing: that output
// is json.Marshal's own).
func marshalRequest(body *format.ChatRequest) ([]byte, error) {
	if len(body.Extra) == 0 {
		return body.MarshalJSON()
	}
	return json.Marshal(body)
}

// redactURL renders a URL for messages: without its password, and without
// the API key should someone have put it in the URL too.
func redactURL(raw, key string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return redactKey(u.Redacted(), key)
}

func redactKey(s, key string) string {
	if key == "" {
		return s
	}
	return strings.ReplaceAll(s, key, "[REDACTED]")
}

// isEventStream reports whether a Content-Type is text/event-stream. The
// two values upstreams send are answered without mime.ParseMediaType, which
// allocates a parameter map on every call; anything else goes through it.
func isEventStream(ct string) bool {
	switch ct {
	case "text/event-stream":
		return true
	case "application/json":
		return false
	}
	mt, _, _ := mime.ParseMediaType(ct)
	return mt == "text/event-stream"
}
