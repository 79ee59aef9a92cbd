package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/basalt-gateway/basalt/internal/provider/local"
)

type modelRow struct {
	ID       string `json:"id"`
	Provider string `json:"provider"`
	Upstream string `json:"upstream,omitempty"`
	Source   string `json:"source"` // config, catalog or builtin
	Name     string `json:"name,omitempty"`
	Status   string `json:"status,omitempty"`
}

func runModels(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("models", "models [--config FILE] [--catalog] [--json]")
	cfgPath := fs.String("config", "", "config file (default $BASALT_CONFIG; none: embedded defaults)")
	all := fs.Bool("catalog", false, "also list every catalog model, served or not")
	asJSON := fs.Bool("json", false, "print JSON")
	if code, stop := parse(fs, args, stderr); stop {
		return code
	}
	l, err := load(*cfgPath)
	if err != nil {
		return fail(stderr, err)
	}
	l.opts.DataDir = "" // listing must not create a data directory
	a, err := buildApp(ctx, l, nil)
	if err != nil {
		return fail(stderr, err)
	}
	defer a.Close()
	var rows []modelRow
	for _, r := range a.Table.Routes() {
		src := "config"
		if r.ID == local.TestModel {
			src = "builtin"
		}
		rows = append(rows, modelRow{ID: r.ID, Provider: r.Provider.Name(), Upstream: r.Upstream, Source: src})
	}
	var servers []string
	for _, p := range a.Table.CatchAll() {
		servers = append(servers, p.Name())
	}
	if *all || len(servers) > 0 {
		for _, m := range a.Catalog.Models() {
			if m.Provider == "basalt" {
				continue
			}
			// Served knows the merged catalog: a model added under a name of
			// its own is served by its route, never by a bedrock provider.
			served := strings.Join(a.Served(m.ID), ",")
			if served == "" {
				served = "-"
			}
			if !m.IsBedrock() && !*all {
				continue // listed above as a configured route
			}
			rows = append(rows, modelRow{ID: m.ID, Provider: served, Upstream: m.ID, Source: "catalog", Name: m.Name, Status: string(m.Status)})
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rows); err != nil {
			return fail(stderr, err)
		}
		return ExitOK
	}
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "MODEL\tPROVIDER\tUPSTREAM\tSOURCE")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.ID, r.Provider, r.Upstream, r.Source)
	}
	_ = tw.Flush()
	if len(servers) == 0 && !*all {
		fmt.Fprintf(stdout, "\nNo bedrock provider is configured, so the %d Bedrock catalog models are not served; set AWS credentials or add a provider of type bedrock (basalt models --catalog lists them).\n", a.Catalog.Len())
	}
	return ExitOK
}
