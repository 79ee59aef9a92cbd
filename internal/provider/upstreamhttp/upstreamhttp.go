// Package upstreamhttp holds what the HTTP providers (openai, anthropic)
// share about calling an upstream API: a transport sized for a gateway,
// endpoint parsing as net/http does it, and POST requests built in few
// allocations on the hot path.
package upstreamhttp

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// MaxIdleConnsPerHost is how many idle keep-alive connections to one
// upstream the providers' own transport keeps. net/http's default of 2
// means that under any concurrency most calls dial a new connection (and
// leave it in TIME_WAIT), which is what dominated the gateway's tail
// latency at 2,000 requests/s.
const MaxIdleConnsPerHost = 512

// ConnBufferSize is the read and write buffer the providers' own transport
// gives each upstream connection (net/http's default is 4 KiB each). A
// connection carrying an open stream holds both for the stream's life, so
// they are most of what an idle stream costs; larger reads and writes than
// the buffer go straight to the socket, so a small one costs throughput
// almost nothing (sse.Reader buffers the streamed events itself).
const ConnBufferSize = 1 << 10

// NewTransport is http.DefaultTransport's configuration (HTTP/2 by ALPN
// included) with a connection pool sized for a gateway's concurrency (see
// MaxIdleConnsPerHost) and small per-connection buffers (see
// ConnBufferSize).
func NewTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 2 * MaxIdleConnsPerHost
	t.MaxIdleConnsPerHost = MaxIdleConnsPerHost
	t.ReadBufferSize = ConnBufferSize
	t.WriteBufferSize = ConnBufferSize
	return t
}

// ParseEndpoint parses an endpoint URL as http.NewRequest does, with an
// empty port (a host ending in ":") dropped.
func ParseEndpoint(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, err
	}
	if strings.LastIndex(u.Host, ":") > strings.LastIndex(u.Host, "]") {
		u.Host = strings.TrimSuffix(u.Host, ":")
	}
	return u, nil
}

// maxHeaders bounds the headers Post sets.
const maxHeaders = 8

// outbound is what one request needs besides the *http.Request itself, in
// one allocation: its URL, its body reader and its header values.
type outbound struct {
	url  url.URL
	body bytes.Reader
	vals [maxHeaders]string
}

// Post returns the request that
// http.NewRequestWithContext(ctx, "POST", u.String(), bytes.NewReader(payload))
// returns, with the headers kv (canonical key, value, …; a pair with an
// empty value is left out) set, for fewer allocations: u is copied rather
// than parsed again, and the header values share one array under their
// canonical keys (each slice capped at length one, so an Add elsewhere
// copies) instead of Header.Set canonicalizing each key and allocating each
// value. It panics on more than 8 headers or an odd kv, which are bugs.
func Post(ctx context.Context, u *url.URL, payload []byte, kv ...string) *http.Request {
	if len(kv)%2 != 0 || len(kv) > 2*maxHeaders {
		panic("upstreamhttp.Post: kv must be at most 8 key, value pairs")
	}
	c := &outbound{url: *u}
	c.body.Reset(payload)
	h := make(http.Header, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == "" {
			continue
		}
		j := i / 2
		c.vals[j] = kv[i+1]
		h[kv[i]] = c.vals[j : j+1 : j+1]
	}
	r := http.Request{Method: http.MethodPost, URL: &c.url, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h, Body: io.NopCloser(&c.body), ContentLength: int64(len(payload)), Host: c.url.Host,
		GetBody: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(payload)), nil }}
	if len(payload) == 0 {
		r.Body = http.NoBody
		r.GetBody = func() (io.ReadCloser, error) { return http.NoBody, nil }
	}
	return r.WithContext(ctx)
}
