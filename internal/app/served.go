package app

import (
	"slices"

	"github.com/basalt-gateway/basalt/internal/catalog"
)

// Served returns the names of the providers this gateway would send a
// request for model id to, nil if it serves none: the configured routes
// (basalt-test among them) by their id, and every Bedrock model of the
// merged catalog when a provider serves the catalog (a bedrock provider).
// id may be in any form the catalog resolves (alias, profile id, ARN); a
// route configured for a profile id also marks its base model as served.
// Models a user added under a name of their own ("my-llama") are served
// only through a configured route. The result must not be modified.
func (a *App) Served(id string) []string {
	if ps, ok := a.served[id]; ok {
		return ps
	}
	if cid, ok := a.Catalog.Resolve(id); ok {
		return a.served[cid]
	}
	return nil
}

// servedIndex precomputes Served: Served sits on the advisor's per-model
// path, so it must be a map lookup.
func (a *App) servedIndex() map[string][]string {
	idx := map[string][]string{}
	add := func(id, provider string) {
		if !slices.Contains(idx[id], provider) {
			idx[id] = append(idx[id], provider)
		}
	}
	for _, r := range a.Table.Routes() {
		add(r.ID, r.Provider.Name())
		if cid, ok := a.Catalog.Resolve(r.ID); ok && cid != r.ID {
			add(cid, r.Provider.Name())
		}
	}
	if catchAll := a.Table.CatchAll(); len(catchAll) > 0 {
		for _, m := range a.Catalog.Models() {
			if !m.IsBedrock() {
				continue
			}
			for _, p := range catchAll {
				add(m.ID, p.Name())
			}
		}
	}
	return idx
}

// bedrockCatalog is the merged catalog without Basalt's own models and
// without the models users added under names of their own, which Bedrock's
// control plane (GET /foundation-models) must not list; see
// catalog.Model.IsBedrock.
func (a *App) bedrockCatalog() *catalog.Catalog {
	return a.Catalog.Subset((*catalog.Model).IsBedrock)
}
