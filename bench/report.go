package main

import (
	"fmt"
	"strings"
)

// markdown renders the report: per rate, each scenario's latency, what it
// adds over going direct, and that as a ratio to what the bare proxy adds.
func markdown(r *Report) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Basalt overhead benchmark\n\nRun %s, %s per step. Reproduce with `go run ./bench` (quick: `go run ./bench -quick`).\n\n",
		r.Started.Format("2006-01-02 15:04 UTC"), r.Duration)
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "> %s\n", n)
	}
	byRate := map[int][]Step{}
	var order []int
	var skipped []Step
	for _, s := range r.Steps {
		if s.Skipped != "" {
			skipped = append(skipped, s)
			continue
		}
		if _, ok := byRate[s.Rate]; !ok {
			order = append(order, s.Rate)
		}
		byRate[s.Rate] = append(byRate[s.Rate], s)
	}
	for _, rate := range order {
		steps := byRate[rate]
		var direct, proxy *Step
		for i := range steps {
			switch steps[i].Scenario {
			case "a":
				direct = &steps[i]
			case "b":
				proxy = &steps[i]
			}
		}
		if rate == 0 {
			fmt.Fprintf(&b, "\n## Saturation (64 workers)\n\n| | scenario | requests/s held | success | p50 µs | p99 µs |\n|---|---|---|---|---|---|\n")
			for _, s := range steps {
				fmt.Fprintf(&b, "| %s | %s | %.0f | %.1f%% | %.0f | %.0f |\n", s.Scenario, s.Name, s.Throughput, s.Success*100, s.P50us, s.P99us)
			}
			continue
		}
		fmt.Fprintf(&b, "\n## %d requests/s\n\n| | scenario | p50 µs | p90 µs | p99 µs | added p99 µs | added p99 ÷ proxy's | success |\n|---|---|---|---|---|---|---|---|\n", rate)
		for _, s := range steps {
			added, ratio := "", ""
			if direct != nil && s.Scenario != "a" {
				a := s.P99us - direct.P99us
				added = fmt.Sprintf("%.0f", a)
				if proxy != nil && s.Scenario != "b" {
					if pa := proxy.P99us - direct.P99us; pa > 0 {
						ratio = fmt.Sprintf("%.2f×", a/pa)
					}
				}
			}
			fmt.Fprintf(&b, "| %s | %s | %.0f | %.0f | %.0f | %s | %s | %.1f%% |\n", s.Scenario, s.Name, s.P50us, s.P90us, s.P99us, added, ratio, s.Success*100)
		}
	}
	if len(r.Streaming) > 0 {
		fmt.Fprintf(&b, "\n## Streaming: time to first token\n\n| path | samples | p50 µs | p99 µs |\n|---|---|---|---|\n")
		for _, s := range r.Streaming {
			if s.Skipped != "" {
				fmt.Fprintf(&b, "| %s | skipped: %s | | |\n", s.Name, s.Skipped)
				continue
			}
			fmt.Fprintf(&b, "| %s | %d | %.0f | %.0f |\n", s.Name, s.Samples, s.P50us, s.P99us)
		}
	}
	if len(r.IdleMemory) > 0 {
		fmt.Fprintf(&b, "\n## Idle open streams: memory\n\nEach path in a fresh process, before any load; both snapshots after a forced GC with freed memory returned to the OS. Bar: under 20 KB per stream.\n\n"+
			"| process | streams opened | RSS before KB | RSS after KB | RSS KB per stream | Go heap+stack before KB | after KB | Go heap+stack KB per stream |\n|---|---|---|---|---|---|---|---|\n")
		for _, m := range r.IdleMemory {
			if m.Skipped != "" && m.Opened == 0 {
				fmt.Fprintf(&b, "| %s | skipped: %s | | | | | | |\n", m.Name, m.Skipped)
				continue
			}
			fmt.Fprintf(&b, "| %s | %d/%d | %d | %d | %.1f | %d | %d | %.1f |\n", m.Name, m.Opened, m.Streams, m.RSSBeforeKB, m.RSSAfterKB, m.PerStreamKB,
				m.HeapStackBeforeKB, m.HeapStackAfterKB, m.HeapStackPerKB)
		}
	}
	if len(skipped) > 0 {
		fmt.Fprintf(&b, "\n## Skipped\n\n")
		for _, s := range skipped {
			fmt.Fprintf(&b, "- %s %s: %s\n", s.Scenario, s.Name, s.Skipped)
		}
	}
	fmt.Fprintf(&b, "\nScenarios gc and gd3 are Portkey's open-source gateway (%s, Node.js) in front of the same fake upstream, where npm could install it; its idle-stream memory is not measured (not a Go process).\n", "@portkey-ai/gateway@"+portkeyVersion)
	return b.String()
}
