package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/basalt-gateway/basalt/internal/advisor"
)

// multiFlag is a repeatable string flag; commas also separate values.
type multiFlag []string

func (m *multiFlag) String() string { return strings.Join(*m, ",") }

func (m *multiFlag) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*m = append(*m, s)
		}
	}
	return nil
}

const adviseSynopsis = `advise [--workload W] [--require CAP]... [--region R] [--max-input-price USD] [--max-output-price USD]
       [--min-context N] [--min-output N] [--min-tpm N] [--priority cost|latency|quality|balanced]
       [--client aws|openai|anthropic] [--monthly-input-tokens N] [--monthly-output-tokens N] [--top N] [--json]
       [--config FILE] [--served] ["free-text description"]`

func runAdvise(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("advise", adviseSynopsis)
	var req advisor.Request
	var require multiFlag
	workload := fs.String("workload", "", "what you are building: "+strings.Join(workloadNames(), ", "))
	fs.Var(&require, "require", "a capability or modality the model must have (repeatable): "+strings.Join(advisor.RequireNames(), ", "))
	fs.StringVar(&req.Region, "region", "", "AWS Region the model must be reachable from, e.g. eu-central-1")
	fs.Float64Var(&req.MaxInputPrice, "max-input-price", 0, "maximum USD per 1M input tokens (0: no cap)")
	fs.Float64Var(&req.MaxOutputPrice, "max-output-price", 0, "maximum USD per 1M output tokens (0: no cap)")
	fs.IntVar(&req.MinContext, "min-context", 0, "minimum context window in tokens")
	fs.IntVar(&req.MinOutput, "min-output", 0, "minimum maximum-output tokens")
	fs.IntVar(&req.MinTPM, "min-tpm", 0, "minimum default tokens-per-minute quota")
	priority := fs.String("priority", "", "cost, latency, quality or balanced (default balanced)")
	client := fs.String("client", "", "the SDK your program uses: aws, openai or anthropic (default aws)")
	fs.Int64Var(&req.MonthlyInputTokens, "monthly-input-tokens", 0, "monthly input tokens, for a cost estimate")
	fs.Int64Var(&req.MonthlyOutputTokens, "monthly-output-tokens", 0, "monthly output tokens, for a cost estimate")
	fs.IntVar(&req.Top, "top", advisor.DefaultTop, "models to list per role")
	asJSON := fs.Bool("json", false, "print the answer as JSON")
	cfgPath := fs.String("config", "", "config file whose catalog section and routes the advisor uses (default $BASALT_CONFIG; none: embedded defaults)")
	servedOnly := fs.Bool("served", false, "rank only models this gateway's configuration can actually call")
	if code, stop := parse(fs, args, stderr); stop {
		return code
	}
	req.Workload, req.Priority, req.Client = advisor.Workload(*workload), advisor.Priority(*priority), advisor.Client(*client)
	req.Require = require

	var text *advisor.Understood
	if fs.NArg() > 0 {
		ft, u := advisor.ParseFreeText(strings.Join(fs.Args(), " "))
		text = &u
		// Flags given explicitly override what the text said.
		merged := ft
		override := map[string]func(){
			"workload":              func() { merged.Workload = req.Workload },
			"require":               func() { merged.Require = append(merged.Require, req.Require...) },
			"region":                func() { merged.Region = req.Region },
			"max-input-price":       func() { merged.MaxInputPrice = req.MaxInputPrice },
			"max-output-price":      func() { merged.MaxOutputPrice = req.MaxOutputPrice },
			"min-context":           func() { merged.MinContext = req.MinContext },
			"min-output":            func() { merged.MinOutput = req.MinOutput },
			"min-tpm":               func() { merged.MinTPM = req.MinTPM },
			"priority":              func() { merged.Priority = req.Priority },
			"client":                func() { merged.Client = req.Client },
			"monthly-input-tokens":  func() { merged.MonthlyInputTokens = req.MonthlyInputTokens },
			"monthly-output-tokens": func() { merged.MonthlyOutputTokens = req.MonthlyOutputTokens },
		}
		fs.Visit(func(f *flag.Flag) {
			if o, ok := override[f.Name]; ok {
				o()
			}
		})
		merged.Top = req.Top
		req = merged
	}
	if err := req.Validate(); err != nil {
		return fail(stderr, usageErrorf("advise: %s", strings.ReplaceAll(err.Error(), "\n", "; ")))
	}
	req.ServedOnly = *servedOnly
	l, err := load(*cfgPath)
	if err != nil {
		return fail(stderr, err)
	}
	l.opts.DataDir = "" // advice must not create a data directory
	a, err := buildApp(ctx, l, nil)
	if err != nil {
		return fail(stderr, err)
	}
	defer a.Close()
	req.Served = a.Served
	ans := advisor.Advise(a.Catalog, req)
	if text != nil {
		ans.Understood.Text, ans.Understood.Rules = text.Text, text.Rules
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(ans); err != nil {
			return fail(stderr, err)
		}
		return ExitOK
	}
	fmt.Fprint(stdout, ans.Text())
	return ExitOK
}

func workloadNames() []string {
	var out []string
	for _, w := range advisor.Workloads() {
		out = append(out, string(w))
	}
	return out
}
