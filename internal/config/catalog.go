package config

import (
	"errors"
	"github.com/basalt-gateway/basalt/internal/yamlnode"
	"reflect"

	"github.com/basalt-gateway/basalt/internal/catalog"
	"go.yaml.in/yaml/v3"
)

// CatalogOverrides is the config file's catalog section: a list of model
// entries in the schema of the embedded catalog (internal/catalog's
// models.yaml), each holding only the fields to add or override, with id
// required. Parse checks it strictly with catalog.DecodeOverrides and keeps
// the YAML as written; the CLI decodes it again into catalog.Model values
// for app.Options.CatalogOverrides. The zero value is no section.
type CatalogOverrides struct {
	// Node is the section's list node as parsed (aliases into the rest of
	// the file included); nil when the section is absent, null or empty.
	Node *yaml.Node
}

// IsZero reports an absent section (and makes yaml omitempty skip it).
func (c CatalogOverrides) IsZero() bool { return c.Node == nil }

// Models decodes the section; see catalog.DecodeOverrides.
func (c CatalogOverrides) Models(filename string) ([]catalog.Model, error) {
	return catalog.DecodeOverrides(filename, c.Node)
}

// MarshalYAML writes the section back with aliases expanded, so it stands
// on its own outside the document its anchors lived in.
func (c CatalogOverrides) MarshalYAML() (any, error) {
	budget := maxValues
	n, err := expandNode(c.Node, &budget)
	if err != nil {
		return nil, err
	}
	return n, nil
}

func expandNode(n *yaml.Node, budget *int) (*yaml.Node, error) {
	if *budget--; *budget < 0 {
		return nil, errors.New("config: catalog section expands to too many values through aliases")
	}
	n = yamlnode.Deref(n)
	if n == nil || n.Kind == yaml.AliasNode {
		return nil, errors.New("config: catalog section holds an unresolved alias")
	}
	out := &yaml.Node{Kind: n.Kind, Style: n.Style, Tag: n.Tag, Value: n.Value}
	for _, child := range n.Content {
		c, err := expandNode(child, budget)
		if err != nil {
			return nil, err
		}
		out.Content = append(out.Content, c)
	}
	return out, nil
}

// Equal compares sections by content: kinds, resolved tags, scalar values
// and structure with aliases expanded, ignoring positions, styles, anchors
// and comments, so a section survives a marshal/parse round trip equal.
func (c CatalogOverrides) Equal(o CatalogOverrides) bool {
	budget := maxValues
	return nodesEqual(c.Node, o.Node, &budget)
}

func nodesEqual(a, b *yaml.Node, budget *int) bool {
	if *budget--; *budget < 0 {
		return false
	}
	a, b = yamlnode.Deref(a), yamlnode.Deref(b)
	if a == nil || b == nil {
		return a == b
	}
	if a.Kind != b.Kind || a.ShortTag() != b.ShortTag() || len(a.Content) != len(b.Content) {
		return false
	}
	if a.Kind == yaml.ScalarNode && a.ShortTag() != "!!null" && a.Value != b.Value {
		return false
	}
	for i := range a.Content {
		if !nodesEqual(a.Content[i], b.Content[i], budget) {
			return false
		}
	}
	return true
}

// catalogSection decodes the catalog key: the node is kept as written once
// catalog.DecodeOverrides accepts it, and its errors join the config's.
func (d *decoder) catalogSection(path string, n *yaml.Node, v reflect.Value) {
	if n.Kind != yaml.SequenceNode {
		d.fail(n, path, "expected a list of model entries, got %s", yamlnode.Describe(n))
		return
	}
	if len(n.Content) == 0 {
		return // like an omitted key
	}
	_, err := catalog.DecodeOverrides(d.file, n)
	if err == nil {
		v.Set(reflect.ValueOf(CatalogOverrides{Node: n}))
		return
	}
	d.failed[path] = true
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	for _, e := range errs {
		var de *catalog.DecodeError
		if !errors.As(e, &de) {
			d.errAt(n, path, "%v", e)
			continue
		}
		d.errs = append(d.errs, &Error{File: d.file, Line: de.Line, Column: de.Column, Path: de.Path, Msg: de.Msg})
	}
}
