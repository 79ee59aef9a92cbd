package openaichat

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
	format "github.com/basalt-gateway/basalt/internal/format/openai"
)

// Limits of an image fetch: Bedrock takes images of at most 3.75 MB.
const (
	DefaultMaxImageBytes = 3_750_000
	DefaultFetchTimeout  = 10 * time.Second
	maxRedirects         = 3
)

// Fetcher downloads the https images of a request before it goes to the
// gateway. It refuses private, loopback, link-local and other
// non-public addresses: every address a host resolves to is checked, and
// the address actually dialled is checked again (DNS rebinding), also
// after redirects. Each image is bounded in size and time.
type Fetcher struct {
	MaxBytes int64
	Timeout  time.Duration
	// AllowPrivate lets tests fetch from loopback servers.
	AllowPrivate bool
	// Client overrides the HTTP client (tests use an httptest TLS client);
	// its transport is used as is, so address checks are then up to it,
	// except the resolve-time check, which always runs unless AllowPrivate.
	Client   *http.Client
	Resolver *net.Resolver
}

var defaultFetcher = &Fetcher{}

// FetchImages replaces every image URL of req with the fetched bytes.
func (f *Fetcher) FetchImages(ctx context.Context, req *canon.Request) error {
	for i := range req.Messages {
		for j := range req.Messages[i].Content {
			b := &req.Messages[i].Content[j]
			if b.Type != canon.BlockImage || b.Image == nil || b.Image.URL == "" || len(b.Image.Bytes) > 0 {
				continue
			}
			data, fmtName, err := f.Fetch(ctx, b.Image.URL)
			if err != nil {
				return err
			}
			b.Image = &canon.Media{Format: fmtName, Bytes: data}
		}
	}
	return nil
}

// Fetch downloads one image and returns its bytes and Converse format.
// Every failure is an *apierr.Error of kind Validation naming the URL.
func (f *Fetcher) Fetch(ctx context.Context, rawURL string) ([]byte, string, error) {
	shown := rawURL
	if len(shown) > 200 {
		shown = shown[:200] + "…"
	}
	fail := func(cause error, format string, args ...any) ([]byte, string, error) {
		return nil, "", apierr.Wrap(apierr.Validation, cause, "The image at %q could not be used: %s", shown, fmt.Sprintf(format, args...))
	}
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return fail(err, "only https:// URLs and data: URIs are accepted")
	}
	if u.User != nil {
		return fail(nil, "URLs with credentials are not fetched")
	}
	timeout := f.Timeout
	if timeout <= 0 {
		timeout = DefaultFetchTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := f.checkHost(ctx, u.Hostname()); err != nil {
		return fail(err, "%s", err.Error())
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return fail(err, "the URL is not valid")
	}
	req.Header.Set("Accept", "image/png, image/jpeg, image/gif, image/webp")
	req.Header.Set("User-Agent", "basalt")
	resp, err := f.client().Do(req)
	if err != nil {
		var refused *refusedError
		switch {
		case errors.As(err, &refused):
			return fail(err, "%s", refused.Error())
		case ctx.Err() != nil:
			return fail(err, "fetching it took longer than %s", timeout)
		}
		return fail(err, "the server could not be reached")
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fail(nil, "the server answered HTTP %d", resp.StatusCode)
	}
	limit := f.MaxBytes
	if limit <= 0 {
		limit = DefaultMaxImageBytes
	}
	if resp.ContentLength > limit {
		return fail(nil, "it is larger than the limit of %d bytes", limit)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		if ctx.Err() != nil {
			return fail(err, "fetching it took longer than %s", timeout)
		}
		return fail(err, "reading it failed")
	}
	if int64(len(data)) > limit {
		return fail(nil, "it is larger than the limit of %d bytes", limit)
	}
	name, ok := format.ImageFormat(resp.Header.Get("Content-Type"))
	if !ok {
		name, ok = format.ImageFormat(http.DetectContentType(data))
	}
	if !ok {
		return fail(nil, "it is not a png, jpeg, gif or webp image (Content-Type %q)", resp.Header.Get("Content-Type"))
	}
	return data, name, nil
}

type refusedError struct{ msg string }

func (e *refusedError) Error() string { return e.msg }

// checkHost resolves host and refuses it if any address is not public.
func (f *Fetcher) checkHost(ctx context.Context, host string) error {
	if f.AllowPrivate {
		return nil
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		if !publicAddr(ip) {
			return &refusedError{fmt.Sprintf("the address %s is private, loopback or link-local", ip)}
		}
		return nil
	}
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		return &refusedError{"localhost is not fetched"}
	}
	res := f.Resolver
	if res == nil {
		res = net.DefaultResolver
	}
	addrs, err := res.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return &refusedError{fmt.Sprintf("the host %q could not be resolved", host)}
	}
	for _, a := range addrs {
		if !publicAddr(a) {
			return &refusedError{fmt.Sprintf("the host %q resolves to %s, a private, loopback or link-local address", host, a.Unmap())}
		}
	}
	return nil
}

// publicAddr reports whether ip is a globally routable unicast address.
func publicAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsMulticast() || ip.IsUnspecified() || ip.IsInterfaceLocalMulticast() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"), // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("64:ff9b::/96"), // NAT64 can reach private IPv4
	netip.MustParsePrefix("2002::/16"),    // 6to4 likewise
}

func (f *Fetcher) client() *http.Client {
	if f.Client != nil {
		return f.Client
	}
	return safeClient(f.AllowPrivate)
}

// safeClient dials only public addresses (checked on the connected
// address, after DNS) and follows at most a few https redirects.
func safeClient(allowPrivate bool) *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second}
	if !allowPrivate {
		d.Control = func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil || !publicAddr(ap.Addr()) {
				return &refusedError{fmt.Sprintf("the address %s is private, loopback or link-local", address)}
			}
			return nil
		}
	}
	tr := &http.Transport{
		DialContext:           d.DialContext,
		TLSHandshakeTimeout:   5 * time.Second,
		ResponseHeaderTimeout: DefaultFetchTimeout,
		MaxIdleConns:          4,
		IdleConnTimeout:       30 * time.Second,
		DisableKeepAlives:     true,
	}
	return &http.Client{Transport: tr, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) >= maxRedirects {
			return &refusedError{"too many redirects"}
		}
		if req.URL.Scheme != "https" {
			return &refusedError{"a redirect left https"}
		}
		return nil
	}}
}
