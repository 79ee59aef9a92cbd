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
}

// scenario is one request shape sent to one process.
type scenario struct {
	Key, Name string
	target    func(direct, proxy, basalt string) vegeta.Target
}

const chatBody = `{"model":"%s","messages":[{"role":"user","content":"Say something short."}],"max_tokens":64}`

func jsonTarget(url, body string) vegeta.Target {
	return vegeta.Target{Method: "POST", URL: url, Body: []byte(body), Header: http.Header{"Content-Type": {"application/json"}}}
}

var scenarios = []scenario{
	{"a", "direct to the fake upstream", func(d, _, _ string) vegeta.Target {
		return jsonTarget(d+"/v1/chat/completions", fmt.Sprintf(chatBody, "bench"))
	}},
	{"b", "bare httputil.ReverseProxy", func(_, p, _ string) vegeta.Target {
		return jsonTarget(p+"/v1/chat/completions", fmt.Sprintf(chatBody, "bench"))
	}},
	{"c", "Basalt: Chat Completions → openai", func(_, _, b string) vegeta.Target {
		return jsonTarget(b+"/v1/chat/completions", fmt.Sprintf(chatBody, "bench-oa"))
	}},
	{"d1", "Basalt: Converse → openai", func(_, _, b string) vegeta.Target {
		return jsonTarget(b+"/model/bench-oa/converse", `{"messages":[{"role":"user","content":[{"text":"Say something short."}]}],"inferenceConfig":{"maxTokens":64}}`)
	}},
	{"d2", "Basalt: Messages → openai", func(_, _, b string) vegeta.Target {
		t := jsonTarget(b+"/v1/messages", `{"model":"bench-oa","max_tokens":64,"messages":[{"role":"user","content":"Say something short."}]}`)
		t.Header.Set("anthropic-version", "2023-06-01")
		t.Header.Set("x-api-key", "bench")
		return t
	}},
	{"d3", "Basalt: Chat Completions → anthropic", func(_, _, b string) vegeta.Target {
		return jsonTarget(b+"/v1/chat/completions", fmt.Sprintf(chatBody, "bench-an"))
	}},
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
	// A second fake whose streams stay open and silent, for the memory
	// scenario, and a third that streams tokens with a gap, for TTFT.
	idle, err := startSelf(ctx, "idle-fake", "-mode", "fake", "-gap", "1h")
	if err != nil {
		return err
	}
	defer idle.stop()
	idleProxy, err := startSelf(ctx, "idle-proxy", "-mode", "proxy", "-upstream", idle.URL)
	if err != nil {
		return err
	}
	defer idleProxy.stop()
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

	rep := &Report{Started: time.Now().UTC(), Duration: cfg.Duration.String(), RSSKB: map[string]int{}}
	rep.Notes = append(rep.Notes, "Load generator, fake upstream, reverse proxy and Basalt share the same machine; compare within a run only.")

	available := map[string]string{}
	for _, s := range scenarios {
		available[s.Key] = probe(s.target(fake.URL, proxy.URL, basalt.URL))
	}
	rates := append(append([]int(nil), cfg.Rates...), 0)
	for _, rate := range rates {
		for _, s := range scenarios {
			if why := available[s.Key]; why != "" {
				if rate == rates[0] {
					rep.Steps = append(rep.Steps, Step{Scenario: s.Key, Name: s.Name, Skipped: why})
				}
				continue
			}
			step := attack(s, rate, cfg.Duration, s.target(fake.URL, proxy.URL, basalt.URL))
			rep.Steps = append(rep.Steps, step)
			fmt.Fprintf(os.Stderr, "%-3s %-40s rate %-5d p50 %7.0fµs p99 %7.0fµs ok %.1f%%\n", s.Key, s.Name, rate, step.P50us, step.P99us, step.Success*100)
		}
	}
	if cfg.CPUProfile != "" {
		if err := basalt.stopProfile(cfg.CPUProfile); err != nil {
			fmt.Fprintln(os.Stderr, "cpu profile:", err)
		}
	}
	rep.Streaming = measureStreaming(fake.URL, proxy.URL, basalt.URL)
	rep.IdleMemory = measureIdle(cfg.Streams, idleProxy, basalt, idle.URL)
	for _, p := range []*proc{fake, proxy, basalt} {
		rep.RSSKB[p.name] = p.rssKB()
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
	var out []StreamResult
	for _, p := range paths {
		var samples []time.Duration
		skipped := ""
		for i := 0; i < 300 && skipped == ""; i++ {
			start := time.Now()
			resp, err := client.Post(p.url, "application/json", bytes.NewReader([]byte(p.body)))
			if err != nil {
				skipped = err.Error()
				break
			}
			if resp.StatusCode != 200 {
				skipped = fmt.Sprintf("HTTP %d", resp.StatusCode)
				resp.Body.Close()
				break
			}
			if ttft, ok := untilToken(resp.Body, start); ok {
				samples = append(samples, ttft)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		r := StreamResult{Name: p.name, Samples: len(samples), Skipped: skipped}
		if len(samples) > 0 {
			sort.Slice(samples, func(i, j int) bool { return samples[i] < samples[j] })
			r.P50us = float64(samples[len(samples)/2].Nanoseconds()) / 1e3
			r.P99us = float64(samples[len(samples)*99/100].Nanoseconds()) / 1e3
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

// MemoryResult is the memory one process holds per idle open stream.
type MemoryResult struct {
	Name        string  `json:"name"`
	Streams     int     `json:"streams"`
	Opened      int     `json:"opened"`
	RSSBeforeKB int     `json:"rss_before_kb"`
	RSSAfterKB  int     `json:"rss_after_kb"`
	PerStreamKB float64 `json:"per_stream_kb"`
	Skipped     string  `json:"skipped,omitempty"`
}

func measureIdle(n int, proxy, basalt *proc, idleURL string) []MemoryResult {
	paths := []struct {
		name string
		p    *proc
		url  string
		body string
	}{
		{"bare reverse proxy", proxy, proxy.URL + "/v1/chat/completions", `{"model":"bench","stream":true,"messages":[{"role":"user","content":"hi"}]}`},
		{"Basalt ConverseStream", basalt, basalt.URL + "/model/bench-idle/converse-stream", `{"messages":[{"role":"user","content":[{"text":"hi"}]}]}`},
		{"Basalt Chat Completions stream", basalt, basalt.URL + "/v1/chat/completions", `{"model":"bench-idle","stream":true,"messages":[{"role":"user","content":"hi"}]}`},
	}
	var out []MemoryResult
	for _, path := range paths {
		res := MemoryResult{Name: path.name, Streams: n, RSSBeforeKB: path.p.rssKB()}
		ctx, cancel := context.WithCancel(context.Background())
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: n, MaxConnsPerHost: 0}}
		var wg sync.WaitGroup
		var mu sync.Mutex
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req, _ := http.NewRequestWithContext(ctx, "POST", path.url, bytes.NewReader([]byte(path.body)))
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
				mu.Lock()
				res.Opened++
				mu.Unlock()
				go func() { <-ctx.Done(); resp.Body.Close() }()
			}()
		}
		wg.Wait()
		time.Sleep(500 * time.Millisecond)
		res.RSSAfterKB = path.p.rssKB()
		if res.Opened > 0 {
			res.PerStreamKB = float64(res.RSSAfterKB-res.RSSBeforeKB) / float64(res.Opened)
		}
		cancel()
		client.CloseIdleConnections()
		time.Sleep(500 * time.Millisecond)
		out = append(out, res)
	}
	return out
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
