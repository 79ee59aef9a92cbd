package config

import (
	"bytes"
	"errors"
	"fmt"
	"github.com/basalt-gateway/basalt/internal/yamlnode"
	"io"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Load reads the file at path and parses it; see Parse.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return Parse(path, data)
}

// Parse decodes a YAML config, fills defaults and validates the result.
// filename is used only to prefix error messages ("<input>" when empty). An
// empty document yields the defaults. On failure the error joins one *Error
// per problem, in file order, and the Config is nil.
//
// Top-level keys starting with "x-" are ignored, so a file can hold YAML
// anchors for merge keys (<<: *defaults) without tripping the unknown-key
// check.
func Parse(filename string, data []byte) (*Config, error) {
	if filename == "" {
		filename = "<input>"
	}
	root, perr := parseDocument(data)
	if perr != nil {
		perr.File = filename
		return nil, joinErrors([]*Error{perr})
	}
	d := &decoder{file: filename, pos: map[string]position{}, failed: map[string]bool{}, budget: maxValues}
	c := &Config{}
	if root != nil {
		d.decode("", root, reflect.ValueOf(c).Elem())
	}
	if d.budget < 0 {
		// The config is incomplete; validating it would only add noise.
		return nil, joinErrors(d.errs)
	}
	c.ApplyDefaults()
	v := &validator{file: filename, pos: d.pos, failed: d.failed}
	v.config(c)
	if err := joinErrors(append(d.errs, v.errs...)); err != nil {
		return nil, err
	}
	return c, nil
}

// parseDocument returns the document's top node, nil for an empty file.
// Going through yaml.Node rather than decoding into structs keeps every
// line and column, and lets the decoder report all problems instead of the
// first.
func parseDocument(data []byte) (*yaml.Node, *Error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, syntaxError(err, data)
	}
	// Further documents are an error unless empty: a stray trailing "---"
	// is harmless, but a second config would be silently ignored.
	for {
		var extra yaml.Node
		err := dec.Decode(&extra)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, syntaxError(err, data)
		}
		if len(extra.Content) > 0 && extra.Content[0].ShortTag() != "!!null" {
			return nil, &Error{Line: extra.Line, Column: extra.Column,
				Msg: "a second YAML document (---) starts here; the config file holds exactly one"}
		}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, nil
	}
	return doc.Content[0], nil
}

// syntaxError turns the YAML library's "yaml: line N: problem" into an Error
// with a line, so syntax errors print like every other config error.
func syntaxError(err error, data []byte) *Error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, tail, ok := strings.Cut(rest, ": "); ok {
			if n, err := strconv.Atoi(num); err == nil {
				line, msg = n, tail
			}
		}
	}
	// The library reports parser errors (unlike scanner errors) with a
	// 0-based line, and drops the line entirely when it is 0.
	if slices.Contains(parserProblems(), msg) {
		line++
	}
	// An undefined alias comes without a line; the first use of the name is
	// the one that failed, since anchors must come before their aliases.
	if name, ok := strings.CutPrefix(msg, "unknown anchor '"); ok && line == 0 {
		name = strings.TrimSuffix(name, "' referenced")
		if i := bytes.Index(data, []byte("*"+name)); i >= 0 && name != "" {
			line = bytes.Count(data[:i], []byte("\n")) + 1
		}
	}
	return &Error{Line: line, Msg: "invalid YAML: " + msg}
}

// parserProblems are the messages go.yaml.in/yaml/v3 (parserc.go) raises
// from its parser rather than its scanner; see syntaxError.
func parserProblems() []string {
	return []string{
		"did not find expected ',' or ']'",
		"did not find expected ',' or '}'",
		"did not find expected '-' indicator",
		"did not find expected <document start>",
		"did not find expected <stream-start>",
		"did not find expected key",
		"did not find expected node content",
		"found duplicate %TAG directive",
		"found duplicate %YAML directive",
		"found incompatible YAML document",
		"found undefined tag handle",
	}
}

// position is where a path's key and value are written.
type position struct{ keyLine, keyCol, line, col int }

// decoder maps YAML nodes onto Config by the struct's yaml tags, recording
// positions for the validator and which paths failed to decode, so the
// validator does not pile a second error ("missing name") on top of the
// first ("expected a string").
type decoder struct {
	file   string
	errs   []*Error
	pos    map[string]position
	failed map[string]bool
	budget int // values left to decode; see maxValues
}

// maxValues bounds how many values one document may decode to. Aliases let
// a small file name the same subtree many times (a list of 10k aliases to a
// provider with 10k headers), so this is the guard the YAML library's own
// decoder has and decoding via yaml.Node bypasses. Real configs are orders
// of magnitude below it.
const maxValues = 100_000

func (d *decoder) errAt(n *yaml.Node, path, format string, args ...any) {
	d.errs = append(d.errs, &Error{File: d.file, Line: n.Line, Column: n.Column, Path: path, Msg: fmt.Sprintf(format, args...)})
}

func (d *decoder) fail(n *yaml.Node, path, format string, args ...any) {
	d.failed[path] = true
	d.errAt(n, path, format, args...)
}

func (d *decoder) decode(path string, n *yaml.Node, v reflect.Value) {
	if d.budget--; d.budget < 0 {
		if d.budget == -1 {
			d.fail(n, path, "the document expands to more than %d values through aliases", maxValues)
		}
		return
	}
	n = yamlnode.Deref(n)
	if n == nil || n.Kind == yaml.AliasNode {
		return
	}
	if tag := n.ShortTag(); !strings.HasPrefix(tag, "!!") {
		hint := ""
		if v.Type() == reflect.TypeFor[Secret]() {
			hint = ` (a secret from the environment is written "env:NAME")`
		}
		d.fail(n, path, "unsupported YAML tag %s%s", yamlnode.Quote(tag), hint)
		return
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return // null means unset, as an omitted key does
	}
	t := v.Type()
	switch {
	case t == reflect.TypeFor[Secret]():
		d.secret(path, n, v)
		return
	case t == reflect.TypeFor[time.Duration]():
		d.duration(path, n, v)
		return
	case t == reflect.TypeFor[CatalogOverrides]():
		d.catalogSection(path, n, v) // catalog.go
		return
	}
	switch t.Kind() {
	case reflect.String:
		if s, ok := d.scalar(path, n, "a string"); ok {
			v.SetString(s)
		}
	case reflect.Int:
		d.integer(path, n, v)
	case reflect.Struct:
		d.structure(path, n, v)
	case reflect.Slice:
		d.list(path, n, v)
	case reflect.Map:
		d.mapping(path, n, v)
	default:
		panic("config: no decoder for " + t.String()) // a Config field of a new type
	}
}

// scalar returns the text of a scalar, rejecting what no field accepts.
func (d *decoder) scalar(path string, n *yaml.Node, want string) (string, bool) {
	switch {
	case n.Kind != yaml.ScalarNode:
		d.fail(n, path, "expected %s, got %s", want, yamlnode.Describe(n))
	case n.ShortTag() == "!!binary":
		d.fail(n, path, "!!binary values are not supported")
	case !utf8.ValidString(n.Value):
		d.fail(n, path, "is not valid UTF-8")
	case hasControl(n.Value):
		d.fail(n, path, "contains a control character such as a newline (a YAML block scalar adds one; use a quoted string)")
	default:
		return n.Value, true
	}
	return "", false
}

func (d *decoder) secret(path string, n *yaml.Node, v reflect.Value) {
	if n.Kind != yaml.ScalarNode {
		d.fail(n, path, "expected a string (a literal or \"env:NAME\"), got %s", yamlnode.Describe(n))
		return
	}
	if n.ShortTag() == "!!binary" {
		d.fail(n, path, "!!binary values are not supported")
		return
	}
	s, err := ParseSecret(n.Value)
	if err != nil {
		d.fail(n, path, "%s", err.Error())
		return
	}
	v.Set(reflect.ValueOf(s))
}

func (d *decoder) duration(path string, n *yaml.Node, v reflect.Value) {
	const want = `a duration such as "30s", "5m" or "1h30m"`
	if n.Kind != yaml.ScalarNode {
		d.fail(n, path, "expected %s, got %s", want, yamlnode.Describe(n))
		return
	}
	if tag := n.ShortTag(); tag == "!!int" || tag == "!!float" {
		d.fail(n, path, "duration %s has no unit; write e.g. %s for seconds", yamlnode.Quote(n.Value), strconv.Quote(n.Value+"s"))
		return
	}
	dur, err := time.ParseDuration(n.Value)
	switch {
	case err != nil:
		d.fail(n, path, "invalid duration %s; want %s", yamlnode.Quote(n.Value), want)
	case dur <= 0:
		d.fail(n, path, "must be positive (omit the key for the default)")
	default:
		v.SetInt(int64(dur))
	}
}

func (d *decoder) integer(path string, n *yaml.Node, v reflect.Value) {
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" {
		// Integer fields hold no secrets, so the value can be quoted.
		switch {
		case n.Kind != yaml.ScalarNode:
			d.fail(n, path, "expected a whole number, got %s", yamlnode.Describe(n))
		case n.ShortTag() == "!!float" && strings.Trim(n.Value, "+-0123456789") == "":
			d.fail(n, path, "%s is out of range", yamlnode.Quote(n.Value))
		case n.ShortTag() == "!!str":
			d.fail(n, path, "expected a whole number, got the string %s", yamlnode.Quote(n.Value))
		default:
			d.fail(n, path, "expected a whole number, got %s", yamlnode.Quote(n.Value))
		}
		return
	}
	var i int64
	if err := n.Decode(&i); err != nil || v.OverflowInt(i) {
		d.fail(n, path, "%s is out of range", yamlnode.Quote(n.Value))
		return
	}
	if i <= 0 {
		d.fail(n, path, "must be at least 1 (omit the key for the default)")
		return
	}
	v.SetInt(i)
}

func (d *decoder) structure(path string, n *yaml.Node, v reflect.Value) {
	if n.Kind != yaml.MappingNode {
		d.fail(n, path, "expected a mapping, got %s", yamlnode.Describe(n))
		return
	}
	keys, index := structFields(v.Type())
	for _, p := range d.pairs(path, n) {
		if path == "" && strings.HasPrefix(p.key, "x-") {
			continue
		}
		idx, ok := index[p.key]
		if !ok {
			d.errAt(p.k, path, "unknown key %s%s", yamlnode.Quote(p.key), yamlnode.DidYouMean(p.key, keys))
			continue
		}
		child := p.key
		if path != "" {
			child = path + "." + p.key
		}
		d.pos[child] = position{p.k.Line, p.k.Column, p.v.Line, p.v.Column}
		d.decode(child, p.v, v.FieldByIndex(idx))
	}
}

// structFields lists a struct's YAML keys in declaration order (for
// suggestions) and maps each to its field, flattening ",inline" fields.
// It is recomputed per call rather than cached, which would need
// package-level state; configs are small and parsed once.
func structFields(t reflect.Type) ([]string, map[string][]int) {
	var keys []string
	index := map[string][]int{}
	var walk func(t reflect.Type, prefix []int)
	walk = func(t reflect.Type, prefix []int) {
		for i := range t.NumField() {
			f := t.Field(i)
			name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if !f.IsExported() || name == "-" {
				continue
			}
			idx := append(append([]int(nil), prefix...), i)
			if strings.Contains(","+opts+",", ",inline,") {
				walk(f.Type, idx)
				continue
			}
			keys = append(keys, name)
			index[name] = idx
		}
	}
	walk(t, nil)
	return keys, index
}

func (d *decoder) list(path string, n *yaml.Node, v reflect.Value) {
	if n.Kind != yaml.SequenceNode {
		d.fail(n, path, "expected a list, got %s", yamlnode.Describe(n))
		return
	}
	if len(n.Content) == 0 {
		return // nil, like an omitted key, so both read the same to consumers
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, item := range n.Content {
		child := path + "[" + strconv.Itoa(i) + "]"
		d.pos[child] = position{item.Line, item.Column, item.Line, item.Column}
		d.decode(child, item, s.Index(i))
	}
	v.Set(s)
}

func (d *decoder) mapping(path string, n *yaml.Node, v reflect.Value) {
	if n.Kind != yaml.MappingNode {
		d.fail(n, path, "expected a mapping, got %s", yamlnode.Describe(n))
		return
	}
	t := v.Type()
	m := reflect.MakeMap(t)
	for _, p := range d.pairs(path, n) {
		child := path + "[" + strconv.Quote(p.key) + "]"
		d.pos[child] = position{p.k.Line, p.k.Column, p.v.Line, p.v.Column}
		elem := reflect.New(t.Elem()).Elem()
		d.decode(child, p.v, elem)
		m.SetMapIndex(reflect.ValueOf(p.key), elem)
	}
	if m.Len() > 0 {
		v.Set(m)
	}
}

type pair struct {
	key  string
	k, v *yaml.Node
}

// pairs lists a mapping's entries with YAML merge keys (<<) expanded: keys
// written in the mapping win over merged ones, and earlier merge sources
// win over later ones. A key written twice is an error, since YAML leaves
// the winner unspecified and an operator rarely means it.
func (d *decoder) pairs(path string, n *yaml.Node) []pair {
	var out []pair
	seen := map[string]*yaml.Node{}
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := yamlnode.Deref(n.Content[i]), n.Content[i+1]
		switch {
		case k == nil:
			continue
		case k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge":
			merges = append(merges, v)
		case k.Kind != yaml.ScalarNode:
			d.errAt(k, path, "keys must be strings, got %s", yamlnode.Describe(k))
		case seen[k.Value] != nil:
			d.errAt(k, path, "duplicate key %s (first written on line %d)", yamlnode.Quote(k.Value), seen[k.Value].Line)
		default:
			seen[k.Value] = k
			out = append(out, pair{k.Value, k, v})
		}
	}
	// visited stops merge cycles (an anchor merging itself) and repeated
	// merges of one mapping, which could otherwise grow exponentially.
	visited := map[*yaml.Node]bool{n: true}
	for _, m := range merges {
		out = d.merge(path, m, seen, visited, out)
	}
	return out
}

func (d *decoder) merge(path string, src *yaml.Node, seen map[string]*yaml.Node, visited map[*yaml.Node]bool, out []pair) []pair {
	at := src
	src = yamlnode.Deref(src)
	if src == nil {
		return out
	}
	switch src.Kind {
	case yaml.SequenceNode:
		for _, item := range src.Content {
			if m := yamlnode.Deref(item); m == nil || m.Kind != yaml.MappingNode {
				d.errAt(item, path, "a merge key (<<) takes a mapping or a list of mappings")
				continue
			}
			out = d.merge(path, item, seen, visited, out)
		}
		return out
	case yaml.MappingNode:
	default:
		d.errAt(at, path, "a merge key (<<) takes a mapping or a list of mappings")
		return out
	}
	if visited[src] {
		return out
	}
	visited[src] = true
	var nested []*yaml.Node
	for i := 0; i+1 < len(src.Content); i += 2 {
		k, v := yamlnode.Deref(src.Content[i]), src.Content[i+1]
		switch {
		case k == nil || k.Kind != yaml.ScalarNode || seen[k.Value] != nil:
		case k.ShortTag() == "!!merge":
			nested = append(nested, v)
		default:
			seen[k.Value] = k
			out = append(out, pair{k.Value, k, v})
		}
	}
	for _, m := range nested {
		out = d.merge(path, m, seen, visited, out)
	}
	return out
}
