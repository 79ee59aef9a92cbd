// Package catalog holds Basalt's facts about models: the Bedrock foundation
// models (ids, modalities, limits, prices, capabilities, which APIs serve
// them, Regions and cross-Region profiles, lifecycle, sources) plus Basalt's
// own built-in models, compiled in from models.yaml.
//
// Unknown facts are nil, never zero or false: the sources leave many gaps
// (see the header of models.yaml), and an advisor that read a missing price as
// free or a missing flag as "unsupported" would give wrong answers.
//
// A *Catalog never changes after Load or Merge returns it, and every Model it
// hands out is a deep copy, so one catalog can be shared by any number of
// goroutines and callers may keep or modify what they get.
package catalog

import (
	"bytes"
	_ "embed"
	"fmt"
	"io"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

//go:embed models.yaml
var embedded []byte

const schemaVersion = 2

type file struct {
	SchemaVersion int     `yaml:"schema_version"`
	Generated     string  `yaml:"generated"`
	Models        []Model `yaml:"models"`
}

// Catalog is an immutable set of models indexed by id and alias.
type Catalog struct {
	models []Model        // sorted by ID
	index  map[string]int // id and every alias -> position in models
}

// Load parses the embedded catalog. Each call returns a fresh *Catalog; it
// fails only if the embedded file is broken, which the package tests catch.
func Load() (*Catalog, error) {
	return parse(embedded)
}

func parse(data []byte) (*Catalog, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	// A misspelt key in the data file would otherwise read as "unknown".
	dec.KnownFields(true)
	var f file
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("catalog: decoding models.yaml: %w", err)
	}
	if err := dec.Decode(new(any)); err != io.EOF {
		return nil, fmt.Errorf("catalog: models.yaml holds more than one document")
	}
	if f.SchemaVersion != schemaVersion {
		return nil, fmt.Errorf("catalog: models.yaml schema_version %d, want %d", f.SchemaVersion, schemaVersion)
	}
	return build(f.Models)
}

// build validates models and indexes them; it owns the slice it is given.
func build(models []Model) (*Catalog, error) {
	slices.SortFunc(models, func(a, b Model) int { return strings.Compare(a.ID, b.ID) })
	c := &Catalog{models: models, index: make(map[string]int, len(models)*2)}
	for i := range models {
		m := &models[i]
		if err := validate(m); err != nil {
			return nil, err
		}
		for _, key := range append([]string{m.ID}, m.Aliases...) {
			if j, dup := c.index[key]; dup {
				return nil, fmt.Errorf("catalog: id %q is used by both %q and %q", key, models[j].ID, m.ID)
			}
			c.index[key] = i
		}
	}
	return c, nil
}

// Len is the number of models.
func (c *Catalog) Len() int { return len(c.models) }

// Models returns a copy of every model, sorted by id.
func (c *Catalog) Models() []Model {
	out := make([]Model, len(c.models))
	for i := range c.models {
		out[i] = c.models[i].Clone()
	}
	return out
}

// Lookup finds the model an id names, in any form a client sends: a base id,
// an alias, a cross-Region profile id (any known geo prefix, whether or not
// the profile is listed on the entry, since the sources list only some), a
// foundation-model ARN or an inference-profile ARN. It returns false for ids
// it does not know and for ARNs of application profiles, provisioned or
// custom models and the like, whose model the id does not reveal — unless a
// config entry (see Merge) gave that exact id.
func (c *Catalog) Lookup(id string) (Model, bool) {
	i, ok := c.find(id)
	if !ok {
		return Model{}, false
	}
	return c.models[i].Clone(), true
}

// Resolve is Lookup without the copy: it returns the catalog id of the model
// that id names. Use it on hot paths that need only the identity.
func (c *Catalog) Resolve(id string) (string, bool) {
	i, ok := c.find(id)
	if !ok {
		return "", false
	}
	return c.models[i].ID, true
}

func (c *Catalog) find(id string) (int, bool) {
	if i, ok := c.index[id]; ok {
		return i, true
	}
	p, err := ParseID(id)
	if err != nil {
		return 0, false
	}
	switch p.Kind {
	case KindProfile, KindFoundationModelARN:
	case KindInferenceProfileARN:
		// A config entry may name the profile itself ("us.…" with its own price).
		if i, ok := c.index[p.Resource]; ok {
			return i, true
		}
	default:
		return 0, false
	}
	if p.BaseID == "" {
		return 0, false
	}
	i, ok := c.index[p.BaseID]
	return i, ok
}

// Family returns the model family of id: the catalog entry's when Lookup
// finds one, else FamilyFromID. So "us.anthropic.claude-opus-9" (unknown)
// is still "claude".
func (c *Catalog) Family(id string) string {
	if i, ok := c.find(id); ok {
		return c.models[i].Family
	}
	return FamilyFromID(id)
}

// InferenceType mirrors the control plane's byInferenceType filter values.
type InferenceType string

const (
	// InferenceOnDemand matches models with a known on-demand price.
	InferenceOnDemand InferenceType = "ON_DEMAND"
	// InferenceProfile matches models with at least one known cross-Region
	// inference profile.
	InferenceProfile InferenceType = "INFERENCE_PROFILE"
	// InferenceProvisioned matches nothing: no source covered Provisioned
	// Throughput, and an unknown never counts as a match.
	InferenceProvisioned InferenceType = "PROVISIONED"
)

// Query selects models; zero fields match everything. Text fields compare
// case-insensitively, so control-plane values ("IMAGE", "Amazon") work as-is.
type Query struct {
	Provider       string // slug or display name
	Family         string
	InputModality  Modality
	OutputModality Modality
	API            API // verified APIs only
	InferenceType  InferenceType
	Status         Status
	Workload       Workload
}

// Filter returns copies of the models that match every set field of q, in id
// order.
func (c *Catalog) Filter(q Query) []Model {
	var out []Model
	for i := range c.models {
		if m := &c.models[i]; q.matches(m) {
			out = append(out, m.Clone())
		}
	}
	return out
}

func (q *Query) matches(m *Model) bool {
	eq := strings.EqualFold
	has := func(list []Modality, want Modality) bool {
		return slices.ContainsFunc(list, func(x Modality) bool { return eq(string(x), string(want)) })
	}
	switch {
	case q.Provider != "" && !eq(q.Provider, m.Provider) && !eq(q.Provider, m.ProviderName):
		return false
	case q.Family != "" && !eq(q.Family, m.Family):
		return false
	case q.InputModality != "" && !has(m.InputModalities, q.InputModality):
		return false
	case q.OutputModality != "" && !has(m.OutputModalities, q.OutputModality):
		return false
	case q.API != "" && !slices.ContainsFunc(m.APIs, func(a API) bool { return eq(string(a), string(q.API)) }):
		return false
	case q.Status != "" && !eq(string(q.Status), string(m.Status)):
		return false
	case q.Workload != "" && !slices.ContainsFunc(m.Workloads, func(w Workload) bool { return eq(string(w), string(q.Workload)) }):
		return false
	}
	switch {
	case q.InferenceType == "":
		return true
	case eq(string(q.InferenceType), string(InferenceOnDemand)):
		return m.Price.known()
	case eq(string(q.InferenceType), string(InferenceProfile)):
		return len(m.InferenceProfiles) > 0
	}
	return false
}
