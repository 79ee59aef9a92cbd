package app

import (
	"context"

	"github.com/basalt-gateway/basalt/internal/gateway"
	"github.com/basalt-gateway/basalt/internal/inbound/openaichat"
)

var (
	_ openaichat.ModelDirectory = modelDirectory{}
	_ openaichat.Embedder       = (*gateway.Gateway)(nil)
)

// modelDirectory lists what the gateway serves for GET /v1/models: the
// configured model ids (basalt-test among them) and, when a provider
// serves the Bedrock catalog, every Bedrock model of the merged catalog
// (models users added under their own names are listed only by a route).
type modelDirectory struct{ a *App }

func (a *App) modelDirectory() modelDirectory { return modelDirectory{a} }

func (d modelDirectory) ListModels(context.Context) []openaichat.Model {
	var out []openaichat.Model
	seen := map[string]bool{}
	for _, r := range d.a.Table.Routes() {
		if seen[r.ID] {
			continue
		}
		seen[r.ID] = true
		out = append(out, openaichat.Model{ID: r.ID, Object: "model", OwnedBy: r.Provider.Name()})
	}
	if len(d.a.Table.CatchAll()) == 0 {
		return out
	}
	for _, m := range d.a.Catalog.Models() {
		if !m.IsBedrock() || seen[m.ID] {
			continue
		}
		seen[m.ID] = true
		out = append(out, openaichat.Model{ID: m.ID, Object: "model", OwnedBy: m.Provider})
	}
	return out
}

func (d modelDirectory) GetModel(ctx context.Context, id string) (openaichat.Model, bool) {
	for _, m := range d.ListModels(ctx) {
		if m.ID == id {
			return m, true
		}
	}
	// Anything else the gateway would route: <provider>/<model>, profile
	// ids and ARNs.
	deps, err := d.a.Table.Resolve(ctx, id)
	if err != nil || len(deps) == 0 {
		return openaichat.Model{}, false
	}
	return openaichat.Model{ID: id, Object: "model", OwnedBy: deps[0].Provider.Name()}, true
}
