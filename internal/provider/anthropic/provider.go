// Package anthropic is the upstream provider for the Anthropic Messages API
// (api.anthropic.com or anything speaking it). The wire dialect lives in
// format/anthropic; this package adds the HTTP call: auth headers, the
// endpoint, streaming one SSE event at a time, cancellation and error
// classification.
package anthropic

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
	format "github.com/basalt-gateway/basalt/internal/format/anthropic"
	"github.com/basalt-gateway/basalt/internal/provider/upstreamhttp"
	"github.com/basalt-gateway/basalt/internal/wire/sse"
)

// DefaultBaseURL is the API root used when Config.BaseURL is empty.
const DefaultBaseURL = "https://api.anthropic.com"

// DefaultVersion is the anthropic-version header value.
const DefaultVersion = "2023-06-01"

// Limits on what is read from the upstream: an error body is short, and a
// unary answer is bounded by the model's output limit.
const (
	maxErrorBody = 1 << 20
	maxBody      = 32 << 20
)

// Config configures a Provider.
type Config struct {
	Name    string // the configured provider name; default "anthropic"
	BaseURL string // the API root, e.g. https://api.anthropic.com; /v1/messages is appended
	APIKey  string // sent as x-api-key; never logged or put in an error
	// HTTPClient makes the calls; nil means a client with no overall
	// timeout, since answers may stream for minutes: bound calls with the
	// request context instead.
	HTTPClient *http.Client
	// DefaultMaxTokens is sent when a request states no limit (Anthropic
	// requires one); 0 means format/anthropic.DefaultMaxTokens.
	DefaultMaxTokens int
	Version          string // anthropic-version; default DefaultVersion
}

// Provider sends canonical requests to the Messages API.
type Provider struct {
	name     string
	endpoint string
	url      *url.URL // endpoint parsed once, as http.NewRequest parses it
	shownURL string   // BaseURL without credentials, for error messages
	apiKey   string
	version  string
	client   *http.Client
	opts     format.Options
}

// New checks cfg and returns a Provider.
func New(cfg Config) (*Provider, error) {
	if cfg.Name == "" {
		cfg.Name = "anthropic"
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("anthropic provider %q: base URL must be an absolute http(s) URL", cfg.Name)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("anthropic provider %q: base URL must not have a query or fragment", cfg.Name)
	}
	if cfg.DefaultMaxTokens < 0 {
		return nil, fmt.Errorf("anthropic provider %q: default max tokens must not be negative", cfg.Name)
	}
	if cfg.Version == "" {
		cfg.Version = DefaultVersion
	}
	client := cfg.HTTPClient
	if client == nil {
		client = &http.Client{Transport: upstreamhttp.NewTransport()}
	}
	endpoint := strings.TrimRight(u.String(), "/") + "/v1/messages"
	epURL, err := upstreamhttp.ParseEndpoint(endpoint)
	if err != nil {
		return nil, fmt.Errorf("anthropic provider %q: base URL must be an absolute http(s) URL", cfg.Name)
	}
	return &Provider{
		name:     cfg.Name,
		endpoint: endpoint,
		url:      epURL,
		shownURL: u.Redacted(),
		apiKey:   cfg.APIKey,
		version:  cfg.Version,
		client:   client,
		opts:     format.Options{DefaultMaxTokens: cfg.DefaultMaxTokens},
	}, nil
}

// Name returns the configured provider name.
func (p *Provider) Name() string { return p.name }

// Converse sends req and writes the answer to w as canonical events. A
// streaming request is converted one SSE event at a time; a unary one is
// read whole and written with canon.Emit. It stops reading and closes the
// upstream connection as soon as w fails or ctx is done. Errors are
// *apierr.Error, except that an error from w is returned unchanged.
func (p *Provider) Converse(ctx context.Context, req *canon.Request, w canon.EventWriter) error {
	return p.redact(p.converse(ctx, req, w))
}

func (p *Provider) converse(ctx context.Context, req *canon.Request, w canon.EventWriter) error {
	body, err := format.RequestFromCanon(req, p.opts)
	if err != nil {
		return err
	}
	betas := body.AnthropicBeta
	body.AnthropicBeta = nil // the direct API takes betas as a header
	payload, err := marshalRequest(body)
	if err != nil {
		return apierr.Wrap(apierr.Internal, err, "the request for provider %q could not be encoded", p.name)
	}
	accept := "application/json"
	if body.Stream {
		accept = "text/event-stream"
	}
	resp, err := p.client.Do(p.newRequest(ctx, payload, accept, betas))
	if err != nil {
		return p.transportError(ctx, err)
	}
	defer resp.Body.Close() // also what stops the upstream when we return early

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		b, err := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		if err != nil && ctx.Err() != nil {
			return p.transportError(ctx, err)
		}
		return format.ErrorFromStatus(resp.StatusCode, b)
	}
	ropts := format.ResponseOptions{AdditionalResponseFieldPaths: req.AdditionalResponseFieldPaths}
	// The content type decides, not what we asked for: a proxy that
	// ignores "stream" still gives a usable answer.
	if isEventStream(resp.Header.Get("Content-Type")) {
		return p.stream(ctx, resp.Body, w, ropts)
	}
	return p.unary(ctx, resp.Body, w, ropts)
}

// newRequest returns the POST of payload to the endpoint with the API's
// headers (upstreamhttp.Post: few allocations); betas go in anthropic-beta.
func (p *Provider) newRequest(ctx context.Context, payload []byte, accept string, betas []string) *http.Request {
	beta := ""
	if len(betas) > 0 {
		beta = strings.Join(betas, ",")
	}
	return upstreamhttp.Post(ctx, p.url, payload, "Content-Type", "application/json", "Anthropic-Version", p.version,
		"Accept", accept, "User-Agent", "basalt", "X-Api-Key", p.apiKey, "Anthropic-Beta", beta)
}

// marshalRequest encodes body as json.Marshal does, without json.Marshal's
// second pass over the output of MessagesRequest.MarshalJSON (a compaction
// that, when the request has no Extra keys, changes nothing: that output
// is json.Marshal's own).
func marshalRequest(body *format.MessagesRequest) ([]byte, error) {
	if len(body.Extra) == 0 {
		return body.MarshalJSON()
	}
	return json.Marshal(body)
}

func (p *Provider) stream(ctx context.Context, body io.Reader, w canon.EventWriter, opts format.ResponseOptions) error {
	dec := format.NewStreamDecoder(w, opts)
	rd := sse.NewReader(body)
	for {
		if ctx.Err() != nil {
			return p.transportError(ctx, ctx.Err())
		}
		ev, err := rd.Next()
		if err != nil {
			if ctx.Err() != nil {
				return p.transportError(ctx, err)
			}
			if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
				return dec.Finish()
			}
			if errors.Is(err, sse.ErrEventTooLarge) {
				return apierr.Wrap(apierr.ModelStreamError, err, "provider %q sent a stream event larger than %d bytes", p.name, sse.MaxEventSize)
			}
			if isTimeout(err) {
				return apierr.Wrap(apierr.ModelTimeout, err, "provider %q timed out in the middle of the answer", p.name)
			}
			return apierr.Wrap(apierr.ModelStreamError, err, "the connection to provider %q broke in the middle of the answer", p.name)
		}
		if err := dec.Decode(ev.Type, ev.Data); err != nil {
			return err
		}
	}
}

func (p *Provider) unary(ctx context.Context, body io.Reader, w canon.EventWriter, opts format.ResponseOptions) error {
	data, err := io.ReadAll(io.LimitReader(body, maxBody+1))
	if err != nil {
		if ctx.Err() != nil || isTimeout(err) {
			return p.transportError(ctx, err)
		}
		return apierr.Wrap(apierr.ModelStreamError, err, "the connection to provider %q broke while reading the answer", p.name)
	}
	if len(data) > maxBody {
		return apierr.New(apierr.ModelError, "provider %q answered with more than %d bytes", p.name, maxBody)
	}
	mr, err := format.DecodeResponse(data)
	if err != nil {
		return err
	}
	cr, err := format.ResponseToCanon(mr, opts)
	if err != nil {
		return err
	}
	return canon.Emit(w, cr)
}

// transportError classifies a failure to talk to the upstream at all.
func (p *Provider) transportError(ctx context.Context, err error) error {
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded) || isTimeout(err):
		return apierr.Wrap(apierr.ModelTimeout, err, "provider %q did not answer in time", p.name)
	case ctx.Err() != nil:
		return apierr.Wrap(apierr.Internal, ctx.Err(), "the request to provider %q was cancelled", p.name)
	}
	return apierr.Wrap(apierr.Unavailable, err, "provider %q could not be reached at %s", p.name, p.shownURL)
}

func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// redact keeps the API key out of every error, even one an upstream or a
// proxy built by echoing the key back.
func (p *Provider) redact(err error) error {
	if err == nil || p.apiKey == "" || !strings.Contains(err.Error(), p.apiKey) {
		return err
	}
	var ae *apierr.Error
	if !errors.As(err, &ae) || ae != err {
		return err // a writer's own error: not ours to rewrite
	}
	clean := *ae
	clean.Message = strings.ReplaceAll(ae.Message, p.apiKey, "[redacted]")
	if ae.Cause != nil && strings.Contains(ae.Cause.Error(), p.apiKey) {
		clean.Cause = errors.New(strings.ReplaceAll(ae.Cause.Error(), p.apiKey, "[redacted]"))
	}
	return &clean
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
