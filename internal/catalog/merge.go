package catalog

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Merge returns a new catalog with the user's entries (from the config file:
// their own deployments, negotiated prices, local models) applied; c is left
// as it was. For each override:
//
//   - If its ID is a catalog id or alias, the override's set fields replace
//     that entry's fields.
//   - Else if Lookup resolves the ID (a profile id or an ARN that names a
//     known model), a new entry with that ID starts from a copy of the model
//     it names, so "us.anthropic.…" can carry its own price and keep every
//     other fact.
//   - Else it is a new entry, taken as given; Status defaults to active,
//     Family to FamilyFromID, and Provider to the id's vendor prefix.
//
// "Set" means non-empty for strings, non-nil for pointers, slices and maps.
// Scalars, slices and nested prices replace; the maps in Price and Conflicts
// merge key by key; Aliases, Notes and Sources are added to. A nil in an
// override leaves the value as it was, so config cannot turn a sourced fact
// back into "unknown"; build checks the result as strictly as Load does.
func (c *Catalog) Merge(overrides []Model) (*Catalog, error) {
	models := c.Models() // same order as c.models, so c.index positions hold
	seen := make(map[string]bool, len(overrides))
	for _, o := range overrides {
		if o.ID == "" {
			return nil, fmt.Errorf("catalog: override without an id")
		}
		if seen[o.ID] {
			return nil, fmt.Errorf("catalog: id %q is overridden twice", o.ID)
		}
		seen[o.ID] = true
		o = o.Clone()
		if i, ok := c.index[o.ID]; ok {
			overlay(&models[i], &o)
			continue
		}
		var m Model
		if i, ok := c.find(o.ID); ok {
			m = c.models[i].Clone()
			// The aliases and profile list belong to the model, not to this route to it.
			m.ID, m.Aliases, m.InferenceProfiles = o.ID, nil, nil
		} else {
			m = Model{ID: o.ID}
		}
		overlay(&m, &o)
		fillDefaults(&m)
		models = append(models, m)
	}
	return build(models)
}

func fillDefaults(m *Model) {
	if m.Status == "" {
		m.Status = StatusActive
	}
	if m.Family == "" {
		m.Family = FamilyFromID(m.ID)
	}
	if m.Provider == "" {
		if p, err := ParseID(m.ID); err == nil && p.BaseID != "" {
			m.Provider, _, _ = strings.Cut(p.BaseID, ".")
		}
	}
}

// overlay writes the set fields of o over m. o is a private copy, so its
// pointers and slices may be taken over.
func overlay(m, o *Model) {
	setString(&m.Name, o.Name)
	setString(&m.Provider, o.Provider)
	setString(&m.ProviderName, o.ProviderName)
	setString(&m.Family, o.Family)
	if o.Status != "" {
		m.Status = o.Status
	}
	setString(&m.EndOfLife, o.EndOfLife)
	setSlice(&m.InputModalities, o.InputModalities)
	setSlice(&m.OutputModalities, o.OutputModalities)
	setPtr(&m.ContextTokens, o.ContextTokens)
	setPtr(&m.MaxOutputTokens, o.MaxOutputTokens)
	setPtr(&m.EmbeddingDimensions, o.EmbeddingDimensions)
	overlayPrice(&m.Price, &o.Price)
	dst, src := m.Capabilities.fields(), o.Capabilities.fields()
	for i := range dst {
		setPtr(dst[i], *src[i])
	}
	setSlice(&m.APIs, o.APIs)
	setSlice(&m.APIsUnverified, o.APIsUnverified)
	setSlice(&m.Regions, o.Regions)
	setString(&m.RegionsBasis, o.RegionsBasis)
	setSlice(&m.InferenceProfiles, o.InferenceProfiles)
	setPtr(&m.Quotas.RequestsPerMinute, o.Quotas.RequestsPerMinute)
	setPtr(&m.Quotas.TokensPerMinute, o.Quotas.TokensPerMinute)
	setSlice(&m.Workloads, o.Workloads)
	m.Conflicts = mergeMap(m.Conflicts, o.Conflicts)
	m.Aliases = union(m.Aliases, o.Aliases)
	m.Notes = union(m.Notes, o.Notes)
	m.Sources = union(m.Sources, o.Sources)
}

func overlayPrice(p, o *Price) {
	setString(&p.Basis, o.Basis)
	setString(&p.AsOf, o.AsOf)
	dst, src := p.scalarFields(), o.scalarFields()
	for i := range dst {
		setPtr(dst[i], *src[i])
	}
	p.PerOutputImageBySizeSteps = mergeMap(p.PerOutputImageBySizeSteps, o.PerOutputImageBySizeSteps)
	setPtr(&p.LongContext, o.LongContext)
	setPtr(&p.Batch, o.Batch)
	p.Profiles = mergeMap(p.Profiles, o.Profiles)
	p.Regions = mergeMap(p.Regions, o.Regions)
}

func setString(dst *string, v string) {
	if v != "" {
		*dst = v
	}
}

func setPtr[T any](dst **T, v *T) {
	if v != nil {
		*dst = v
	}
}

func setSlice[T any](dst *[]T, v []T) {
	if v != nil {
		*dst = v
	}
}

func mergeMap[K comparable, V any](base, over map[K]V) map[K]V {
	if over == nil {
		return base
	}
	if base == nil {
		base = make(map[K]V, len(over))
	}
	maps.Copy(base, over)
	return base
}

func union[T comparable](base, more []T) []T {
	for _, v := range more {
		if !slices.Contains(base, v) {
			base = append(base, v)
		}
	}
	return base
}
