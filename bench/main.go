// Command bench measures what Basalt adds to a model call, in one command:
//
//	go run ./bench            # full run (a few minutes)
//	go run ./bench -quick     # about a minute
//
// It starts three processes besides itself — a lean fake upstream (OpenAI
// and Anthropic wire), a bare httputil.ReverseProxy in front of it (the
// floor any proxy pays) and `basalt serve` configured against it — then
// drives each with vegeta at fixed rates and at saturation, measures
// streaming time to first token (the paths taking turns, stream by stream)
// and, first of all, the memory of idle open streams — each path in a
// fresh process of its own (basalt built with -tags benchmem), before and
// after opening the streams, after a forced GC: RSS and Go heap+stack —
// and writes bench/results/latest.md and latest.json. Every figure that
// matters is a ratio within one run, because the machine is shared.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"time"
)

func main() {
	mode := flag.String("mode", "run", "run (orchestrate), fake or proxy")
	addr := flag.String("addr", "127.0.0.1:0", "listen address (fake, proxy)")
	upstream := flag.String("upstream", "", "proxy: upstream URL")
	latency := flag.Duration("latency", 0, "fake: delay before the first byte")
	tokens := flag.Int("tokens", 20, "fake: words per answer")
	gap := flag.Duration("gap", 0, "fake: delay between streamed words")
	duration := flag.Duration("duration", 5*time.Second, "run: length of each load step")
	rates := flag.String("rates", "500,1000,2000", "run: fixed request rates per second")
	quick := flag.Bool("quick", false, "run: short steps and one rate, about a minute in all")
	streams := flag.Int("streams", 1000, "run: concurrent idle streams for the memory scenario")
	out := flag.String("out", "bench/results", "run: report directory")
	cpuprofile := flag.String("cpuprofile", "", "run: write a CPU profile of basalt serve during the load steps to this file")
	only := flag.String("only", "", "run: just one scenario, idle or stream (for iterating; the report is partial)")
	certFile := flag.String("cert", "", "fake: serve HTTPS (HTTP/2 by ALPN) with this certificate")
	keyFile := flag.String("key", "", "fake: the certificate's key")
	flag.Parse()

	switch *mode {
	case "fake":
		h := fakeHandler(fakeOptions{Latency: *latency, Tokens: *tokens, TokenGap: *gap})
		if *certFile != "" {
			serveTLS(*addr, h, *certFile, *keyFile)
		}
		serve(*addr, h)
	case "proxy":
		handleMemstats()
		u, err := url.Parse(*upstream)
		if err != nil {
			log.Fatal(err)
		}
		rp := httputil.NewSingleHostReverseProxy(u)
		rp.FlushInterval = -1                    // stream as it arrives, like any AI proxy must
		rp.ErrorLog = log.New(io.Discard, "", 0) // idle streams end by the client hanging up
		// HTTP/2 where the upstream offers it over TLS, as http.DefaultTransport
		// and Basalt's providers do.
		rp.Transport = &http.Transport{MaxIdleConnsPerHost: 1024, ForceAttemptHTTP2: true}
		serve(*addr, rp)
	case "run":
		cfg := runConfig{Duration: *duration, Streams: *streams, Out: *out, CPUProfile: *cpuprofile, Only: *only}
		for _, r := range strings.Split(*rates, ",") {
			if n, err := strconv.Atoi(strings.TrimSpace(r)); err == nil && n > 0 {
				cfg.Rates = append(cfg.Rates, n)
			}
		}
		if *quick {
			cfg.Duration, cfg.Rates, cfg.Streams = 2*time.Second, []int{500}, 200
		}
		if err := run(context.Background(), cfg); err != nil {
			log.Fatal(err)
		}
	default:
		log.Fatalf("unknown -mode %q", *mode)
	}
}

// serve listens and prints the bound address on stdout for the parent. It
// speaks HTTP/1.1 and, as Basalt does, HTTP/2 without TLS (h2c).
func serve(addr string, h http.Handler) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ln.Addr().String())
	var p http.Protocols
	p.SetHTTP1(true)
	p.SetUnencryptedHTTP2(true)
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, Protocols: &p}
	log.Fatal(srv.Serve(ln))
}

// serveTLS is serve over HTTPS, HTTP/2 negotiated by ALPN as cloud APIs do.
func serveTLS(addr string, h http.Handler, certFile, keyFile string) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ln.Addr().String())
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ErrorLog: log.New(io.Discard, "", 0)}
	log.Fatal(srv.ServeTLS(ln, certFile, keyFile))
}
