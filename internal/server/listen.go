package server

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Options configures the listener.
type Options struct {
	Addr              string
	TLSCert, TLSKey   string // both set: TLS with h2 and http/1.1 by ALPN
	ReadHeaderTimeout time.Duration
	IdleTimeout       time.Duration
	ShutdownTimeout   time.Duration
}

// NewHTTPServer returns an *http.Server for h that speaks HTTP/1.1 and, on
// a plain port, HTTP/2 with prior knowledge (h2c): the AWS SDK for
// JavaScript sends every bedrock-runtime call over HTTP/2, also to http://
// endpoints, and times out against an HTTP/1.1-only server.
func NewHTTPServer(o Options, h http.Handler, log *slog.Logger) *http.Server {
	var p http.Protocols
	p.SetHTTP1(true)
	p.SetUnencryptedHTTP2(true)
	p.SetHTTP2(true)
	return &http.Server{
		Addr:              o.Addr,
		Handler:           h,
		Protocols:         &p,
		ReadHeaderTimeout: o.ReadHeaderTimeout,
		IdleTimeout:       o.IdleTimeout,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		TLSConfig:         &tls.Config{MinVersion: tls.VersionTLS12},
	}
}

// Serve listens on ln until ctx ends, then shuts down gracefully: the
// listener closes at once (new connections are refused) and in-flight
// requests get up to o.ShutdownTimeout to finish before connections are
// closed.
func Serve(ctx context.Context, ln net.Listener, o Options, h http.Handler, log *slog.Logger) error {
	srv := NewHTTPServer(o, h, log)
	errc := make(chan error, 1)
	go func() {
		if o.TLSCert != "" {
			errc <- srv.ServeTLS(ln, o.TLSCert, o.TLSKey)
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	timeout := o.ShutdownTimeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	log.Info("shutting down: refusing new connections, waiting for in-flight requests", "timeout", timeout)
	sctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if errors.Is(err, context.DeadlineExceeded) {
		log.Warn("in-flight requests did not finish in time; closing their connections")
		err = srv.Close()
	}
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		return serr
	}
	return err
}
