// Package media resolves the image URLs of a canonical request: every
// inbound shape may carry https image URLs (Chat Completions image_url,
// Responses input_image, Messages url sources), but Converse and the
// providers behind it want raw bytes (pitfall 13). The generic server
// handler calls ResolveImages after Decode and before the gateway, so no
// provider ever sees a URL.
//
// Fetching is bounded and refuses to reach inside the network: private,
// loopback, link-local and other non-public addresses are refused when
// the host is resolved and again on the address actually dialled (DNS
// rebinding), redirects must stay on https, and each image is capped in
// size (3.75 MB, Bedrock's limit) and time (10 s).
package media

import (
	"context"
	"crypto/tls"
	"crypto/x509"
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
)

// Limits of an image fetch: Bedrock takes images of at most 3.75 MB and
// at most 20 images per request.
const (
	DefaultMaxImageBytes = 3_750_000
	DefaultFetchTimeout  = 10 * time.Second
	DefaultMaxImages     = 20
	maxRedirects         = 3
)

// Fetcher downloads images by https URL. The zero value is the production
// fetcher: default limits, public addresses only, the system's roots.
// A Fetcher must not be copied after first use.
type Fetcher struct {
	MaxBytes  int64         // per image; 0 = DefaultMaxImageBytes
	Timeout   time.Duration // per image; 0 = DefaultFetchTimeout
	MaxImages int           // URL images per request; 0 = DefaultMaxImages

	// AllowLoopback lets the fetcher reach loopback addresses (127.0.0.0/8,
	// ::1) and nothing else non-public. It exists for tests against an
	// httptest server; production never sets it.
	AllowLoopback bool
	// RootCAs, if set, replaces the system roots (tests trust their
	// httptest server's certificate with it).
	RootCAs *x509.CertPool
	// Resolver looks hosts up; nil means net.DefaultResolver.
	Resolver *net.Resolver
}

// Fetch downloads one image and returns its bytes and Converse format
// (png, jpeg, gif or webp), sniffed from the bytes: the server's
// Content-Type is not trusted. Every failure is an *apierr.Error of kind
// Validation naming the URL.
func (f *Fetcher) Fetch(ctx context.Context, rawURL string) ([]byte, string, error) {
	shown := rawURL
	if len(shown) > 200 {
		shown = shown[:200] + "…"
	}
	fail := func(cause error, format string, args ...any) ([]byte, string, error) {
		return nil, "", apierr.Wrap(apierr.Validation, cause, "The image at %q could not be used: %s", shown, fmt.Sprintf(format, args...))
	}
	u, err := url.Parse(rawURL)
	if err != nil || !strings.EqualFold(u.Scheme, "https") || u.Host == "" {
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
	client := f.client(timeout)
	defer client.CloseIdleConnections()
	resp, err := client.Do(req)
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
	name, ok := sniffImage(data)
	if !ok {
		return fail(nil, "it is not a png, jpeg, gif or webp image (its content is %s)", http.DetectContentType(data))
	}
	return data, name, nil
}

// sniffImage returns the Converse format of data, judged by its bytes.
func sniffImage(data []byte) (string, bool) {
	switch http.DetectContentType(data) {
	case "image/png":
		return "png", true
	case "image/jpeg":
		return "jpeg", true
	case "image/gif":
		return "gif", true
	case "image/webp":
		return "webp", true
	}
	return "", false
}

type refusedError struct{ msg string }

func (e *refusedError) Error() string { return e.msg }

// checkHost resolves host and refuses it if any address is not allowed.
func (f *Fetcher) checkHost(ctx context.Context, host string) error {
	if ip, err := netip.ParseAddr(host); err == nil {
		if !f.allowed(ip) {
			return &refusedError{fmt.Sprintf("the address %s is private, loopback or link-local", ip)}
		}
		return nil
	}
	if !f.AllowLoopback && (strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost")) {
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
		if !f.allowed(a) {
			return &refusedError{fmt.Sprintf("the host %q resolves to %s, a private, loopback or link-local address", host, a.Unmap())}
		}
	}
	return nil
}

func (f *Fetcher) allowed(ip netip.Addr) bool {
	return publicAddr(ip) || (f.AllowLoopback && ip.Unmap().IsLoopback())
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

// client returns a client that dials only allowed addresses (checked on
// the connected address, after DNS, also for redirects), follows at most
// a few https redirects and keeps no connection after the fetch.
func (f *Fetcher) client(timeout time.Duration) *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second, Control: func(_, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil || !f.allowed(ap.Addr()) {
			return &refusedError{fmt.Sprintf("the address %s is private, loopback or link-local", address)}
		}
		return nil
	}}
	tr := &http.Transport{
		DialContext:           d.DialContext,
		TLSClientConfig:       &tls.Config{RootCAs: f.RootCAs, MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:   5 * time.Second,
		ResponseHeaderTimeout: timeout,
		DisableKeepAlives:     true,
		ForceAttemptHTTP2:     true,
	}
	return &http.Client{Transport: tr, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) >= maxRedirects {
			return &refusedError{"too many redirects"}
		}
		if req.URL.Scheme != "https" {
			return &refusedError{"a redirect left https"}
		}
		return f.checkHost(req.Context(), req.URL.Hostname())
	}}
}
