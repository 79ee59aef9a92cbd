package gateway

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/basalt-gateway/basalt/internal/apierr"
)

// Route says that a provider serves a model id under its own upstream name.
type Route struct {
	ID       string
	Provider Provider
	Upstream string
	Region   string
}

// Table is the Resolver built from configuration: explicit routes first,
// then "<provider>/<model>" addressing, then catch-all providers (Bedrock)
// for every model the catalog knows.
type Table struct {
	byID      map[string][]Deployment
	order     []string
	providers map[string]Provider
	catchAll  []Provider
	// known reports whether the catalog knows a Bedrock model id in any of
	// its forms (profile, ARN) and returns its base id.
	known func(id string) (string, bool)
}

// NewTable builds a routing table. Routes sharing an id are kept in order.
// catchAll providers serve every id known answers true for, under the id
// the client sent (Bedrock understands profiles and ARNs itself).
func NewTable(routes []Route, providers []Provider, catchAll []Provider, known func(string) (string, bool)) *Table {
	t := &Table{byID: map[string][]Deployment{}, providers: map[string]Provider{}, catchAll: catchAll, known: known}
	for _, p := range providers {
		t.providers[p.Name()] = p
	}
	for _, r := range routes {
		if _, ok := t.byID[r.ID]; !ok {
			t.order = append(t.order, r.ID)
		}
		up := r.Upstream
		if up == "" {
			up = r.ID
		}
		t.byID[r.ID] = append(t.byID[r.ID], Deployment{Provider: r.Provider, Upstream: up, Region: r.Region})
	}
	if t.known == nil {
		t.known = func(string) (string, bool) { return "", false }
	}
	return t
}

// Resolve returns the deployments serving modelID.
func (t *Table) Resolve(_ context.Context, modelID string) ([]Deployment, error) {
	if deps := t.byID[modelID]; len(deps) > 0 {
		return deps, nil
	}
	if name, upstream, ok := strings.Cut(modelID, "/"); ok && upstream != "" {
		if p, ok := t.providers[name]; ok {
			return []Deployment{{Provider: p, Upstream: upstream}}, nil
		}
	}
	base, known := t.known(modelID)
	if known && base != modelID {
		// A profile id or ARN of a model configured under its base id.
		if deps := t.byID[base]; len(deps) > 0 {
			return deps, nil
		}
	}
	if known && len(t.catchAll) > 0 {
		deps := make([]Deployment, len(t.catchAll))
		for i, p := range t.catchAll {
			deps[i] = Deployment{Provider: p, Upstream: modelID}
		}
		return deps, nil
	}
	return nil, t.notFound(modelID, known)
}

func (t *Table) notFound(id string, known bool) error {
	var b strings.Builder
	if known {
		fmt.Fprintf(&b, "Model %q is a Bedrock model, but no provider serves it here. Configure AWS credentials and a region (or add a provider of type bedrock) to call it on Amazon Bedrock, or map it to another provider with a models entry in the config file: {id: %q, provider: <name>, upstream: <that provider's model name>}.", id, id)
	} else {
		fmt.Fprintf(&b, "Model %q is not served by this gateway. Add a models entry to the config file ({id: %q, provider: <name>, upstream: <that provider's model name>}), or address a configured provider directly as \"<provider>/<model>\".", id, id)
	}
	if len(t.providers) > 0 {
		names := make([]string, 0, len(t.providers))
		for n := range t.providers {
			names = append(names, n)
		}
		sort.Strings(names)
		fmt.Fprintf(&b, " Configured providers: %s.", strings.Join(names, ", "))
	}
	if len(t.order) > 0 {
		ids := t.order
		more := ""
		if len(ids) > 10 {
			ids, more = ids[:10], ", …"
		}
		fmt.Fprintf(&b, " Configured models: %s%s.", strings.Join(ids, ", "), more)
	}
	return apierr.New(apierr.NotFound, "%s", b.String())
}

// Routes lists the configured model ids and where they go, in config order.
func (t *Table) Routes() []Route {
	var out []Route
	for _, id := range t.order {
		for _, d := range t.byID[id] {
			out = append(out, Route{ID: id, Provider: d.Provider, Upstream: d.Upstream, Region: d.Region})
		}
	}
	return out
}

// CatchAll lists the providers serving every catalog model.
func (t *Table) CatchAll() []Provider { return t.catchAll }
