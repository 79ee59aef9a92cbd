package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

type runConfig struct {
	Duration time.Duration
	Rates    []int
	Streams  int
	Out      string
	// CPUProfile, if set, is where basalt serve's CPU profile of the load
	// steps goes (basalt is then built with -tags benchprofile).
	CPUProfile string
	// Only, if "idle" or "stream", runs just that scenario (for iterating).
	Only string
}

// scenario is one request shape sent to one process.
type scenario struct {
	Key, Name string
	target    func(e endpoints) vegeta.Target
	// portkey marks the scenarios sent to Portkey's gateway, skipped where
	// it could not be started.
	portkey bool
}

// endpoints are the base URLs of the processes under test.
type endpoints struct {
	direct, proxy, basalt, portkey string
}

const chatBody = `{"model":"%s","messages":[{"role":"user","content":"Say something short."}],"max_tokens":64}`

func jsonTarget(url, body string) vegeta.Target {
	return vegeta.Target{Method: "POST", URL: url, Body: []byte(body), Header: http.Header{"Content-Type": {"application/json"}}}
}

var scenarios = []scenario{
	{Key: "a", Name: "direct to the fake upstream", target: func(e endpoints) vegeta.Target {
		return jsonTarget(e.direct+"/v1/chat/completions", fmt.Sprintf(chatBody, "bench"))
	}},
	{Key: "b", Name: "bare httputil.ReverseProxy", target: func(e endpoints) vegeta.Target {
		return jsonTarget(e.proxy+"/v1/chat/completions", fmt.Sprintf(chatBody, "bench"))
	}},
	{Key: "c", Name: "Basalt: Chat Completions → openai", target: func(e endpoints) vegeta.Target {
		return jsonTarget(e.basalt+"/v1/chat/completions", fmt.Sprintf(chatBody, "bench-oa"))
	}},
	{Key: "d1", Name: "Basalt: Converse → openai", target: func(e endpoints) vegeta.Target {
		return jsonTarget(e.basalt+"/model/bench-oa/converse", `{"messages":[{"role":"user","content":[{"text":"Say something short."}]}],"inferenceConfig":{"maxTokens":64}}`)
	}},
	{Key: "d2", Name: "Basalt: Messages → openai", target: func(e endpoints) vegeta.Target {
		t := jsonTarget(e.basalt+"/v1/messages", `{"model":"bench-oa","max_tokens":64,"messages":[{"role":"user","content":"Say something short."}]}`)
		t.Header.Set("anthropic-version", "2023-06-01")
		t.Header.Set("x-api-key", "bench")
		return t
	}},
	{Key: "d3", Name: "Basalt: Chat Completions → anthropic", target: func(e endpoints) vegeta.Target {
		return jsonTarget(e.basalt+"/v1/chat/completions", fmt.Sprintf(chatBody, "bench-an"))
	}},
	{Key: "gc", Name: "Portkey " + portkeyVersion + ": Chat Completions → openai", portkey: true,
		target: func(e endpoints) vegeta.Target { return portkeyTarget(e, "openai") }},
	{Key: "gd3", Name: "Portkey " + portkeyVersion + ": Chat Completions → anthropic", portkey: true,
		target: func(e endpoints) vegeta.Target { return portkeyTarget(e, "anthropic") }},
}

// Step is one load step's outcome.
type Step struct {
	Scenario   string  `json:"scenario"`
	Name       string  `json:"name"`
	Rate       int     `json:"rate"` // 0 = saturation
	Requests   uint64  `json:"requests"`
	Throughput float64 `json:"throughput"`
	Success    float64 `json:"success"`
	P50us      float64 `json:"p50_us"`
	P90us      float64 `json:"p90_us"`
	P99us      float64 `json:"p99_us"`
	Skipped    string  `json:"skipped,omitempty"`
}

// Report is everything one run measured.
type Report struct {
	Started    time.Time      `json:"started"`
	Duration   string         `json:"step_duration"`
	Steps      []Step         `json:"steps"`
	Streaming  []StreamResult `json:"streaming"`
	IdleMemory []MemoryResult `json:"idle_streams"`
	RSSKB      map[string]int `json:"rss_kb_after"`
	Notes      []string       `json:"notes"`
}

func run(ctx context.Context, cfg runConfig) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	tmp, err := os.MkdirTemp("", "basalt-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	fake, err := startSelf(ctx, "fake", "-mode", "fake")
	if err != nil {
		return err
	}
	defer fake.stop()
	proxy, err := startSelf(ctx, "proxy", "-mode", "proxy", "-upstream", fake.URL)
	if err != nil {
		return err
	}
	defer proxy.stop()
	// A second fake whose streams stay open and silent after the first
	// chunk, for the memory scenario. That scenario runs first, each path
	// in a fresh process of its own, before any load.
	idle, err := startSelf(ctx, "idle-fake", "-mode", "fake", "-gap", "1h")
	if err != nil {
		return err
	}
	defer idle.stop()
	cert, key, err := writeSelfSigned(tmp)
	if err != nil {
		return err
	}
	idleTLS, err := startSelf(ctx, "idle-fake-tls", "-mode", "fake", "-gap", "1h", "-cert", cert, "-key", key)
	if err != nil {
		return err
	}
	defer idleTLS.stop()
	idleVariants := []idleVariant{
		{suffix: "", upstream: idle.URL},
		{suffix: " (h2c in, HTTP/2+TLS upstream)", h2c: true, upstream: "https" + strings.TrimPrefix(idleTLS.URL, "http"),
			env: []string{"SSL_CERT_FILE=" + cert}},
	}
	rep := &Report{Started: time.Now().UTC(), Duration: cfg.Duration.String(), RSSKB: map[string]int{}}
	if cfg.Streams > 0 {
		rep.IdleMemory = measureIdle(ctx, cfg.Streams, tmp, idleVariants)
	}
	if cfg.Only == "idle" {
		return write(cfg.Out, rep)
	}
	config := fmt.Sprintf(`log: {level: warn}
data_dir: %s
providers:
  - {name: oa, type: openai, base_url: "%s/v1", api_key: bench}
  - {name: an, type: anthropic, base_url: "%s", api_key: bench}
  - {name: idle, type: openai, base_url: "%s/v1", api_key: bench}
models:
  - {id: bench-oa, provider: oa, upstream: bench}
  - {id: bench-an, provider: an, upstream: bench}
  - {id: bench-idle, provider: idle, upstream: bench}
`, filepath.Join(tmp, "data"), fake.URL, fake.URL, idle.URL)
	basalt, err := startBasalt(ctx, tmp, config, cfg.CPUProfile)
	if err != nil {
		return err
	}
	defer basalt.stop()

	rep.Notes = append(rep.Notes, "Load generator, fake upstream, reverse proxy and Basalt share the same machine; compare within a run only.")

	ep := endpoints{direct: fake.URL, proxy: proxy.URL, basalt: basalt.URL}
	// Scenario (g): Portkey's open-source gateway, where Node.js and npm are.
	portkeySkip := ""
	var pk *proc
	if cfg.Only == "" {
		pk, err = startPortkey(ctx)
		if err != nil {
			portkeySkip = "Portkey's gateway could not be started: " + err.Error()
		} else {
			defer pk.stop()
			ep.portkey = pk.URL
		}
	}
	available := map[string]string{}
	for _, s := range scenarios {
		if s.portkey && ep.portkey == "" {
			available[s.Key] = portkeySkip
			continue
		}
		available[s.Key] = probe(s.target(ep))
	}
	rates := append(append([]int(nil), cfg.Rates...), 0)
	if cfg.Only == "stream" {
		rates = nil
	}
	// Portkey's steps run after all of Basalt's: past the rate it can hold
	// it keeps working through a backlog after the client gave up, which
	// would otherwise fall on the next steps. It gets an unmeasured warm-up
	// first (Node.js compiles its hot code as it runs).
	for _, portkeyPass := range []bool{false, true} {
		for _, rate := range rates {
			for _, s := range scenarios {
				if s.portkey != portkeyPass {
					continue
				}
				if why := available[s.Key]; why != "" {
					if rate == rates[0] {
						rep.Steps = append(rep.Steps, Step{Scenario: s.Key, Name: s.Name, Skipped: why})
					}
					continue
				}
				if portkeyPass && rate == rates[0] {
					_ = attack(s, 200, 2*time.Second, s.target(ep))
				}
				step := attack(s, rate, cfg.Duration, s.target(ep))
				rep.Steps = append(rep.Steps, step)
				fmt.Fprintf(os.Stderr, "%-3s %-40s rate %-5d p50 %7.0fµs p99 %7.0fµs ok %.1f%%\n", s.Key, s.Name, rate, step.P50us, step.P99us, step.Success*100)
				if portkeyPass {
					time.Sleep(2 * time.Second) // let a backlog drain before the next step
				}
			}
		}
	}
	if cfg.CPUProfile != "" && cfg.Only != "stream" {
		if err := basalt.stopProfile(cfg.CPUProfile); err != nil {
			fmt.Fprintln(os.Stderr, "cpu profile:", err)
		}
	}
	rep.Streaming = measureStreaming(fake.URL, proxy.URL, basalt.URL)
	if cfg.CPUProfile != "" && cfg.Only == "stream" {
		// With -only stream the profile covers the streaming scenario.
		if err := basalt.stopProfile(cfg.CPUProfile); err != nil {
			fmt.Fprintln(os.Stderr, "cpu profile:", err)
		}
	}
	for _, p := range []*proc{fake, proxy, basalt, pk} {
		if p != nil {
			rep.RSSKB[p.name] = p.rssKB()
		}
	}
	return write(cfg.Out, rep)
}

// probe sends one request; a non-2xx answer means the surface is not
// available in this build and the scenario is skipped with the reason.
func probe(t vegeta.Target) string {
	req, _ := http.NewRequest(t.Method, t.URL, bytes.NewReader(t.Body))
	req.Header = t.Header.Clone()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err.Error()
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Sprintf("HTTP %d: %.120s", resp.StatusCode, body)
	}
	return ""
}

func attack(s scenario, rate int, d time.Duration, t vegeta.Target) Step {
	opts := []func(*vegeta.Attacker){vegeta.KeepAlive(true), vegeta.Timeout(10 * time.Second), vegeta.Connections(1024), vegeta.HTTP2(false)}
	var pacer vegeta.Pacer = vegeta.Rate{Freq: rate, Per: time.Second}
	if rate == 0 {
		pacer = vegeta.Rate{} // as fast as the workers go
		opts = append(opts, vegeta.Workers(64), vegeta.MaxWorkers(64))
	}
	atk := vegeta.NewAttacker(opts...)
	var m vegeta.Metrics
	for res := range atk.Attack(vegeta.NewStaticTargeter(t), pacer, d, s.Key) {
		m.Add(res)
	}
	m.Close()
	us := func(x time.Duration) float64 { return float64(x.Nanoseconds()) / 1e3 }
	return Step{Scenario: s.Key, Name: s.Name, Rate: rate, Requests: m.Requests, Throughput: m.Throughput, Success: m.Success,
		P50us: us(m.Latencies.P50), P90us: us(m.Latencies.P90), P99us: us(m.Latencies.P99)}
}

// StreamResult is time to first token through one path.
type StreamResult struct {
	Name    string  `json:"name"`
	Samples int     `json:"samples"`
	P50us   float64 `json:"ttft_p50_us"`
	P99us   float64 `json:"ttft_p99_us"`
	Skipped string  `json:"skipped,omitempty"`
}

func measureStreaming(direct, proxy, basalt string) []StreamResult {
	paths := []struct {
		name, url, body string
	}{
		{"direct (chat stream)", direct + "/v1/chat/completions", `{"model":"bench","stream":true,"messages":[{"role":"user","content":"hi"}]}`},
		{"bare reverse proxy (chat stream)", proxy + "/v1/chat/completions", `{"model":"bench","stream":true,"messages":[{"role":"user","content":"hi"}]}`},
		{"Basalt ConverseStream → openai", basalt + "/model/bench-oa/converse-stream", `{"messages":[{"role":"user","content":[{"text":"hi"}]}]}`},
		{"Basalt Chat Completions stream → openai", basalt + "/v1/chat/completions", `{"model":"bench-oa","stream":true,"messages":[{"role":"user","content":"hi"}]}`},
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	// The paths take turns, one stream each, so that the machine's drift
	// over the scenario (it is shared and noisy) falls on all of them alike
	// rather than on whichever ran last.
	samples := make([][]time.Duration, len(paths))
	skipped := make([]string, len(paths))
	for i := 0; i < 300; i++ {
		for j, p := range paths {
			if skipped[j] != "" {
				continue
			}
			start := time.Now()
			resp, err := client.Post(p.url, "application/json", bytes.NewReader([]byte(p.body)))
			if err != nil {
				skipped[j] = err.Error()
				continue
			}
			if resp.StatusCode != 200 {
				skipped[j] = fmt.Sprintf("HTTP %d", resp.StatusCode)
				resp.Body.Close()
				continue
			}
			if ttft, ok := untilToken(resp.Body, start); ok {
				samples[j] = append(samples[j], ttft)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}
	var out []StreamResult
	for j, p := range paths {
		s := samples[j]
		r := StreamResult{Name: p.name, Samples: len(s), Skipped: skipped[j]}
		if len(s) > 0 {
			sort.Slice(s, func(a, b int) bool { return s[a] < s[b] })
			r.P50us = float64(s[len(s)/2].Nanoseconds()) / 1e3
			r.P99us = float64(s[len(s)*99/100].Nanoseconds()) / 1e3
		}
		out = append(out, r)
	}
	return out
}

// untilToken reads until the first answer token ("tok") arrives.
func untilToken(r io.Reader, start time.Time) (time.Duration, bool) {
	buf := make([]byte, 4096)
	var seen []byte
	for {
		n, err := r.Read(buf)
		seen = append(seen, buf[:n]...)
		if bytes.Contains(seen, []byte("tok")) {
			return time.Since(start), true
		}
		if err != nil {
			return 0, false
		}
	}
}

// MemoryResult is the memory one process holds per idle open stream. Each
// path is measured in a fresh process that has served nothing before; both
// snapshots are taken after a forced GC (and the freed memory returned to
// the OS), so the figures are what the open streams themselves hold.
type MemoryResult struct {
	Name        string  `json:"name"`
	Streams     int     `json:"streams"`
	Opened      int     `json:"opened"`
	RSSBeforeKB int     `json:"rss_before_kb"`
	RSSAfterKB  int     `json:"rss_after_kb"`
	PerStreamKB float64 `json:"per_stream_kb"` // RSS growth per stream
	// Go heap in use plus goroutine stacks, before and after, and per stream.
	HeapStackBeforeKB int     `json:"heap_stack_before_kb"`
	HeapStackAfterKB  int     `json:"heap_stack_after_kb"`
	HeapStackPerKB    float64 `json:"heap_stack_per_stream_kb"`
	Skipped           string  `json:"skipped,omitempty"`
}

// idleVariant is one way the idle streams' connections are made: clients
// over HTTP/1.1 and an HTTP/1.1 upstream (a local model server), or clients
// over h2c and an upstream over TLS with HTTP/2 (a cloud API), where one
// connection carries many streams on each side.
type idleVariant struct {
	suffix   string
	h2c      bool   // clients speak HTTP/2 without TLS to the process
	upstream string // the silent fake's URL
	env      []string
}

func measureIdle(ctx context.Context, n int, tmp string, variants []idleVariant) []MemoryResult {
	paths := []struct {
		name, basalt, path, body string
	}{
		{"bare reverse proxy", "", "/v1/chat/completions", `{"model":"bench","stream":true,"messages":[{"role":"user","content":"hi"}]}`},
		{"Basalt ConverseStream", "converse", "/model/bench-idle/converse-stream", `{"messages":[{"role":"user","content":[{"text":"hi"}]}]}`},
		{"Basalt Chat Completions stream", "chat", "/v1/chat/completions", `{"model":"bench-idle","stream":true,"messages":[{"role":"user","content":"hi"}]}`},
	}
	var out []MemoryResult
	for _, v := range variants {
		for _, path := range paths {
			out = append(out, measureIdlePath(ctx, n, tmp, v, path.name+v.suffix, path.basalt, path.path, path.body))
		}
	}
	return out
}

func measureIdlePath(ctx context.Context, n int, tmp string, v idleVariant, name, basaltPath, urlPath, body string) MemoryResult {
	res := MemoryResult{Name: name, Streams: n}
	tag := basaltPath
	if tag == "" {
		tag = "proxy"
	}
	if v.h2c {
		tag += "-h2"
	}
	stats := filepath.Join(tmp, "memstats-"+tag)
	env := append([]string{memstatsEnv + "=" + stats}, v.env...)
	var p *proc
	var err error
	if basaltPath == "" {
		p, err = startSelfEnv(ctx, "idle-proxy", env, "-mode", "proxy", "-upstream", v.upstream)
	} else {
		dir := filepath.Join(tmp, "idle-"+tag)
		if err = os.MkdirAll(dir, 0o755); err == nil {
			config := fmt.Sprintf("log: {level: warn}\ndata_dir: %s\nproviders:\n  - {name: idle, type: openai, base_url: \"%s/v1\", api_key: bench}\nmodels:\n  - {id: bench-idle, provider: idle, upstream: bench}\n",
				filepath.Join(dir, "data"), v.upstream)
			p, err = startBasaltWith(ctx, tmp, config, "benchmem", "", env)
		}
	}
	if err != nil {
		res.Skipped = err.Error()
		return res
	}
	defer p.stop()
	before, err := p.snapshot(stats)
	if err != nil {
		res.Skipped = err.Error()
		return res
	}
	res.RSSBeforeKB, res.HeapStackBeforeKB = before.RSSKB, before.HeapStackKB
	sctx, cancel := context.WithCancel(ctx)
	tr := &http.Transport{MaxIdleConnsPerHost: n, MaxConnsPerHost: 0}
	if v.h2c {
		var protos http.Protocols
		protos.SetUnencryptedHTTP2(true)
		tr.Protocols = &protos
	}
	client := &http.Client{Transport: tr}
	var wg sync.WaitGroup
	var mu sync.Mutex
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequestWithContext(sctx, "POST", p.URL+urlPath, bytes.NewReader([]byte(body)))
			req.Header.Set("Content-Type", "application/json")
			resp, err := client.Do(req)
			if err != nil {
				return
			}
			if resp.StatusCode != 200 {
				mu.Lock()
				res.Skipped = fmt.Sprintf("HTTP %d", resp.StatusCode)
				mu.Unlock()
				resp.Body.Close()
				return
			}
			// Established: the first event (the upstream's role chunk)
			// has come through, so the upstream call is open too.
			var one [1]byte
			if _, err := resp.Body.Read(one[:]); err != nil {
				resp.Body.Close()
				return
			}
			mu.Lock()
			res.Opened++
			mu.Unlock()
			go func() { <-sctx.Done(); resp.Body.Close() }()
		}()
	}
	wg.Wait()
	time.Sleep(500 * time.Millisecond)
	after, err := p.snapshot(stats)
	if err != nil {
		res.Skipped = err.Error()
	}
	res.RSSAfterKB, res.HeapStackAfterKB = after.RSSKB, after.HeapStackKB
	if res.Opened > 0 && err == nil {
		res.PerStreamKB = float64(res.RSSAfterKB-res.RSSBeforeKB) / float64(res.Opened)
		res.HeapStackPerKB = float64(res.HeapStackAfterKB-res.HeapStackBeforeKB) / float64(res.Opened)
	}
	if res.Opened > 0 {
		fmt.Fprintf(os.Stderr, "idle %-40s %d/%d open, RSS %.1f KB/stream, heap+stack %.1f KB/stream (heap %.1f, stacks %.1f)\n", name, res.Opened, n,
			res.PerStreamKB, res.HeapStackPerKB, float64(after.HeapKB-before.HeapKB)/float64(res.Opened), float64(after.StackKB-before.StackKB)/float64(res.Opened))
	}
	if keep := os.Getenv("BENCH_KEEP_PROFILES"); keep != "" {
		for _, ext := range []string{".heap", ".goroutine"} {
			if b, err := os.ReadFile(stats + ext); err == nil {
				_ = os.WriteFile(filepath.Join(keep, "idle-"+tag+ext), b, 0o644)
			}
		}
	}
	cancel()
	client.CloseIdleConnections()
	return res
}

func write(dir string, rep *Report) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	js, _ := json.MarshalIndent(rep, "", "  ")
	if err := os.WriteFile(filepath.Join(dir, "latest.json"), append(js, '\n'), 0o644); err != nil {
		return err
	}
	md := markdown(rep)
	if err := os.WriteFile(filepath.Join(dir, "latest.md"), []byte(md), 0o644); err != nil {
		return err
	}
	fmt.Print(md)
	return nil
}
