package cli

import (
	"context"
	"fmt"
	"io"
	"net"

	"github.com/basalt-gateway/basalt/internal/server"
)

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("serve", "serve [--addr HOST:PORT] [--config FILE] [--data-dir DIR] [--tls-cert FILE --tls-key FILE]")
	addr := fs.String("addr", "", "listen address (default from the config file, else 127.0.0.1:8080)")
	cfgPath := fs.String("config", "", "config file (default $BASALT_CONFIG; none: embedded defaults and providers detected from the environment)")
	dataDir := fs.String("data-dir", "", "data directory for the SQLite store (default from the config file, else ./basalt-data)")
	cert := fs.String("tls-cert", "", "TLS certificate file (serves HTTP/2 and HTTP/1.1 by ALPN)")
	key := fs.String("tls-key", "", "TLS private key file")
	if code, stop := parse(fs, args, stderr); stop {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "basalt serve: unexpected argument %q\n", fs.Arg(0))
		return ExitUsage
	}
	l, err := load(*cfgPath)
	if err != nil {
		return fail(stderr, err)
	}
	if *addr != "" {
		l.cfg.Server.Addr = *addr
	}
	if *dataDir != "" {
		l.opts.DataDir = *dataDir
	}
	if *cert != "" || *key != "" {
		l.cfg.Server.TLSCert, l.cfg.Server.TLSKey = *cert, *key
	}
	if (l.cfg.Server.TLSCert == "") != (l.cfg.Server.TLSKey == "") {
		return fail(stderr, usageErrorf("TLS needs both a certificate and a key (--tls-cert and --tls-key)"))
	}
	log := newLogger(l.cfg, stderr)
	if l.from == "" {
		log.Info("no config file: running on embedded defaults, providers detected from the environment")
	} else {
		log.Info("config loaded", "file", l.from)
	}
	a, err := buildApp(ctx, l, log)
	if err != nil {
		return fail(stderr, err)
	}
	defer a.Close()
	ln, err := net.Listen("tcp", l.cfg.Server.Addr)
	if err != nil {
		return fail(stderr, fmt.Errorf("listening on %s: %w", l.cfg.Server.Addr, err))
	}
	if len(l.opts.APIKeys) == 0 && !isLoopback(ln.Addr()) {
		log.Warn("no API keys are configured (auth.api_keys or BASALT_API_KEYS) and the gateway listens beyond loopback: anyone who can reach it can use its providers", "addr", ln.Addr().String())
	}
	scheme, protos := "http", "HTTP/1.1 and h2c"
	if l.cfg.Server.TLSCert != "" {
		scheme, protos = "https", "HTTP/2 and HTTP/1.1 (ALPN)"
	}
	log.Info("listening", "url", scheme+"://"+ln.Addr().String(), "protocols", protos,
		"models", len(a.Table.Routes()), "catalog_providers", len(a.Table.CatchAll()))
	opts := server.Options{Addr: l.cfg.Server.Addr, TLSCert: l.cfg.Server.TLSCert, TLSKey: l.cfg.Server.TLSKey,
		ReadHeaderTimeout: l.cfg.Server.ReadHeaderTimeout, IdleTimeout: l.cfg.Server.IdleTimeout, ShutdownTimeout: l.cfg.Server.ShutdownTimeout}
	if err := server.Serve(ctx, ln, opts, a.Handler(), log); err != nil {
		return fail(stderr, err)
	}
	log.Info("stopped")
	_ = stdout
	return ExitOK
}

func isLoopback(a net.Addr) bool {
	tcp, ok := a.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}
