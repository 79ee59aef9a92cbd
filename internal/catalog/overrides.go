package catalog

import (
	"cmp"
	"errors"
	"fmt"
	"github.com/basalt-gateway/basalt/internal/yamlnode"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// OverridesKey is the config file's top-level key for catalog entries; it
// starts every DecodeError path.
const OverridesKey = "catalog"

// DecodeError is one problem in the config file's catalog section, placed
// like the config package's errors: "file:line:col: path: message".
type DecodeError struct {
	File   string
	Line   int // 1-based
	Column int // 1-based
	Path   string
	Msg    string
}

func (e *DecodeError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			b.WriteString(":" + strconv.Itoa(e.Line))
			if e.Column > 0 {
				b.WriteString(":" + strconv.Itoa(e.Column))
			}
		}
		b.WriteString(": ")
	}
	if e.Path != "" {
		b.WriteString(e.Path + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// DecodeOverrides decodes the config file's catalog section (node is the
// value of its `catalog:` key) into entries for Merge. Each entry uses the
// schema of models.yaml but holds only the fields to add or override; id is
// required. Decoding is strict: unknown keys, values of the wrong type,
// unknown enum values (status, modalities, apis, workloads), malformed ids,
// negative prices and non-positive limits are errors. A nil or null node
// yields no entries.
//
// On failure the error joins one *DecodeError per problem in file order and
// the entries are nil. Messages quote keys and enum values but no other
// value the user wrote.
func DecodeOverrides(filename string, node *yaml.Node) ([]Model, error) {
	node = yamlnode.Deref(node)
	if node == nil || node.Kind == yaml.ScalarNode && node.ShortTag() == "!!null" {
		return nil, nil
	}
	d := &odecoder{file: filename, budget: maxOverrideValues}
	if node.Kind != yaml.SequenceNode {
		d.errAt(node, OverridesKey, "expected a list of model entries, got %s", yamlnode.Describe(node))
		return nil, d.join()
	}
	models := make([]Model, len(node.Content))
	firstID := map[string]int{}
	for i, item := range node.Content {
		path := OverridesKey + "[" + strconv.Itoa(i) + "]"
		item = yamlnode.Deref(item)
		if item == nil {
			continue
		}
		if item.Kind != yaml.MappingNode {
			d.errAt(item, path, "expected a mapping (a model entry), got %s", yamlnode.Describe(item))
			continue
		}
		d.value(path, item, reflect.ValueOf(&models[i]).Elem())
		m := &models[i]
		switch idNode := d.idNode(item); {
		case idNode == nil:
			d.errAt(item, path, "missing required key %q", "id")
		case idNode.Kind == yaml.ScalarNode && idNode.ShortTag() == "!!null":
			d.errAt(idNode, path+".id", "must not be empty")
		case m.ID == "":
			// The id's own error is already reported.
		default:
			if j, dup := firstID[m.ID]; dup {
				d.errAt(idNode, path+".id", "id %s is already overridden by %s[%d]", yamlnode.Quote(m.ID), OverridesKey, j)
			} else {
				firstID[m.ID] = i
			}
		}
	}
	if err := d.join(); err != nil {
		return nil, err
	}
	return models, nil
}

// maxOverrideValues bounds the values one catalog section may decode to,
// against alias expansion ("billion laughs").
const maxOverrideValues = 100_000

type odecoder struct {
	file   string
	errs   []*DecodeError
	budget int
}

func (d *odecoder) errAt(n *yaml.Node, path, format string, args ...any) {
	d.errs = append(d.errs, &DecodeError{File: d.file, Line: n.Line, Column: n.Column, Path: path, Msg: fmt.Sprintf(format, args...)})
}

func (d *odecoder) join() error {
	if len(d.errs) == 0 {
		return nil
	}
	slices.SortStableFunc(d.errs, func(a, b *DecodeError) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
	out := make([]error, len(d.errs))
	for i, e := range d.errs {
		out[i] = e
	}
	return errors.Join(out...)
}

// idNode returns the value node of an entry's id key, nil when absent.
func (d *odecoder) idNode(n *yaml.Node) *yaml.Node {
	for _, p := range entryPairs(n) {
		if p.key == "id" {
			return yamlnode.Deref(p.v)
		}
	}
	return nil
}

var (
	typStatus   = reflect.TypeFor[Status]()
	typModality = reflect.TypeFor[Modality]()
	typAPI      = reflect.TypeFor[API]()
	typWorkload = reflect.TypeFor[Workload]()
	typPriceMap = reflect.TypeFor[map[string]TokenPrice]()
)

// value decodes n into v by v's type and the yaml tags of Model's structs.
func (d *odecoder) value(path string, n *yaml.Node, v reflect.Value) {
	if d.budget--; d.budget < 0 {
		if d.budget == -1 {
			d.errAt(n, path, "the catalog section expands to more than %d values through aliases", maxOverrideValues)
		}
		return
	}
	n = yamlnode.Deref(n)
	if n == nil {
		return
	}
	if tag := n.ShortTag(); !strings.HasPrefix(tag, "!!") {
		d.errAt(n, path, "unsupported YAML tag %s", yamlnode.Quote(tag))
		return
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return // null means unset: an override cannot make a fact unknown
	}
	t := v.Type()
	switch t.Kind() {
	case reflect.String:
		d.str(path, n, v)
	case reflect.Int:
		if i, ok := d.integer(path, n); ok {
			v.SetInt(int64(i))
		}
	case reflect.Float64:
		if f, ok := d.amount(path, n); ok {
			v.SetFloat(f)
		}
	case reflect.Bool:
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" {
			d.errAt(n, path, "expected true or false, got %s", yamlnode.Describe(n))
			return
		}
		var b bool
		if err := n.Decode(&b); err != nil {
			d.errAt(n, path, "expected true or false")
			return
		}
		v.SetBool(b)
	case reflect.Pointer:
		elem := reflect.New(t.Elem())
		before := len(d.errs)
		d.value(path, n, elem.Elem())
		if len(d.errs) == before {
			v.Set(elem)
		}
	case reflect.Struct:
		d.structure(path, n, v)
	case reflect.Slice:
		d.list(path, n, v)
	case reflect.Map:
		d.mapping(path, n, v)
	default:
		panic("catalog: no override decoder for " + t.String())
	}
}

func (d *odecoder) str(path string, n *yaml.Node, v reflect.Value) {
	switch {
	case n.Kind != yaml.ScalarNode:
		d.errAt(n, path, "expected a string, got %s", yamlnode.Describe(n))
		return
	case n.ShortTag() == "!!binary":
		d.errAt(n, path, "!!binary values are not supported")
		return
	case !utf8.ValidString(n.Value):
		d.errAt(n, path, "is not valid UTF-8")
		return
	}
	s := n.Value
	field := lastKey(path)
	var enum []string
	switch v.Type() {
	case typStatus:
		enum = []string{string(StatusActive), string(StatusPreview), string(StatusLegacy), string(StatusEndOfLife)}
	case typModality:
		enum = []string{"text", "image", "document", "video", "audio", "embedding", "rerank"}
	case typAPI:
		enum = []string{"converse", "invoke", "chat_completions", "responses", "messages", "async_invoke", "bidirectional_stream"}
	case typWorkload:
		enum = workloadNames()
	}
	if enum != nil && !slices.Contains(enum, s) {
		d.errAt(n, path, "unknown %s %s%s; want one of %s", enumWhat(v.Type()), yamlnode.Quote(s), yamlnode.DidYouMean(s, enum), strings.Join(enum, ", "))
		return
	}
	switch field {
	case "id", "aliases", "inference_profiles":
		id, err := ParseID(s)
		switch {
		case s == "":
			d.errAt(n, path, "must not be empty")
			return
		case err != nil:
			d.errAt(n, path, "%v", err)
			return
		case field == "inference_profiles" && id.Kind != KindProfile:
			d.errAt(n, path, "%s is not a geo-prefixed inference profile id such as us.amazon.nova-lite-v1:0", yamlnode.Quote(s))
			return
		}
	case "end_of_life", "as_of":
		if err := checkDate(s); err != nil {
			d.errAt(n, path, "%s is not a date YYYY-MM-DD", yamlnode.Quote(s))
			return
		}
	case "provider", "family", "provider_name", "name", "regions":
		if strings.ContainsFunc(s, unicode.IsControl) {
			d.errAt(n, path, "contains a control character such as a newline")
			return
		}
	}
	if field == "regions" && !isLowerWord(s) {
		d.errAt(n, path, "%s is not a Region name such as us-east-1", yamlnode.Quote(s))
		return
	}
	v.SetString(s)
}

func enumWhat(t reflect.Type) string {
	switch t {
	case typStatus:
		return "status"
	case typModality:
		return "modality"
	case typAPI:
		return "api"
	}
	return "workload"
}

func workloadNames() []string {
	var out []string
	for _, w := range []Workload{WorkloadChatAssistant, WorkloadTextAutomation, WorkloadReasoningCoding,
		WorkloadRAGEmbedding, WorkloadRAGRerank, WorkloadRAGGeneration, WorkloadImageUnderstanding,
		WorkloadVideoUnderstanding, WorkloadImageGeneration, WorkloadVideoGeneration, WorkloadMediaEmbeddings,
		WorkloadRealtimeVoice, WorkloadModeration, WorkloadOpenAICompatible, WorkloadAnthropicCompatible} {
		out = append(out, string(w))
	}
	return out
}

// lastKey returns the last ".key" of path, skipping list indexes, so
// "catalog[0].aliases[2]" gives "aliases".
func lastKey(path string) string {
	for strings.HasSuffix(path, "]") {
		i := strings.LastIndexByte(path, '[')
		if i < 0 {
			break
		}
		path = path[:i]
	}
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return path[i+1:]
	}
	return path
}

func (d *odecoder) integer(path string, n *yaml.Node) (int, bool) {
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" {
		switch {
		case n.Kind == yaml.ScalarNode && n.ShortTag() == "!!str":
			d.errAt(n, path, "expected a whole number, got the string %s", yamlnode.Quote(n.Value))
		case n.Kind == yaml.ScalarNode && n.ShortTag() == "!!float":
			d.errAt(n, path, "expected a whole number, got %s", yamlnode.Quote(n.Value))
		default:
			d.errAt(n, path, "expected a whole number, got %s", yamlnode.Describe(n))
		}
		return 0, false
	}
	var i int64
	if err := n.Decode(&i); err != nil || i > math.MaxInt32 {
		d.errAt(n, path, "%s is out of range", yamlnode.Quote(n.Value))
		return 0, false
	}
	if i <= 0 {
		d.errAt(n, path, "must be a positive number (omit the key when unknown)")
		return 0, false
	}
	return int(i), true
}

func (d *odecoder) amount(path string, n *yaml.Node) (float64, bool) {
	if n.Kind != yaml.ScalarNode || (n.ShortTag() != "!!int" && n.ShortTag() != "!!float") {
		if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!str" {
			d.errAt(n, path, "expected a price in USD (a number), got the string %s", yamlnode.Quote(n.Value))
		} else {
			d.errAt(n, path, "expected a price in USD (a number), got %s", yamlnode.Describe(n))
		}
		return 0, false
	}
	var f float64
	if err := n.Decode(&f); err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
		d.errAt(n, path, "%s is not a non-negative amount", yamlnode.Quote(n.Value))
		return 0, false
	}
	return f, true
}

type opair struct {
	key  string
	k, v *yaml.Node
}

// entryPairs lists a mapping's entries with merge keys (<<) expanded, keys
// written in the mapping winning over merged ones. Non-string keys and
// duplicates are left to pairs, which reports them.
func entryPairs(n *yaml.Node) []opair {
	var out []opair
	seen := map[string]bool{}
	visited := map[*yaml.Node]bool{}
	var walk func(n *yaml.Node, depth int)
	walk = func(n *yaml.Node, depth int) {
		n = yamlnode.Deref(n)
		if n == nil || depth > 8 || visited[n] {
			return
		}
		if n.Kind == yaml.SequenceNode {
			for _, item := range n.Content {
				walk(item, depth+1)
			}
			return
		}
		if n.Kind != yaml.MappingNode {
			return
		}
		visited[n] = true
		var merges []*yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := yamlnode.Deref(n.Content[i])
			switch {
			case k == nil || k.Kind != yaml.ScalarNode:
			case k.ShortTag() == "!!merge":
				merges = append(merges, n.Content[i+1])
			case !seen[k.Value]:
				seen[k.Value] = true
				out = append(out, opair{k.Value, k, n.Content[i+1]})
			}
		}
		for _, m := range merges {
			walk(m, depth+1)
		}
	}
	walk(n, 0)
	return out
}

// pairs is entryPairs plus error reports for what it skips.
func (d *odecoder) pairs(path string, n *yaml.Node) []opair {
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := yamlnode.Deref(n.Content[i])
		switch {
		case k == nil:
		case k.Kind != yaml.ScalarNode:
			d.errAt(k, path, "keys must be strings, got %s", yamlnode.Describe(k))
		case k.ShortTag() == "!!merge":
			if m := yamlnode.Deref(n.Content[i+1]); m == nil || (m.Kind != yaml.MappingNode && m.Kind != yaml.SequenceNode) {
				d.errAt(n.Content[i+1], path, "a merge key (<<) takes a mapping or a list of mappings")
			}
		case seen[k.Value] != nil:
			d.errAt(k, path, "duplicate key %s (first written on line %d)", yamlnode.Quote(k.Value), seen[k.Value].Line)
		default:
			seen[k.Value] = k
		}
	}
	return entryPairs(n)
}

func (d *odecoder) structure(path string, n *yaml.Node, v reflect.Value) {
	if n.Kind != yaml.MappingNode {
		d.errAt(n, path, "expected a mapping, got %s", yamlnode.Describe(n))
		return
	}
	t := v.Type()
	var keys []string
	index := map[string]int{}
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if name == "" || name == "-" {
			continue
		}
		keys = append(keys, name)
		index[name] = i
	}
	for _, p := range d.pairs(path, n) {
		i, ok := index[p.key]
		if !ok {
			d.errAt(p.k, path, "unknown key %s%s", yamlnode.Quote(p.key), yamlnode.DidYouMean(p.key, keys))
			continue
		}
		d.value(path+"."+p.key, p.v, v.Field(i))
	}
}

func (d *odecoder) list(path string, n *yaml.Node, v reflect.Value) {
	if n.Kind != yaml.SequenceNode {
		d.errAt(n, path, "expected a list, got %s", yamlnode.Describe(n))
		return
	}
	// An empty list is kept (non-nil): it replaces the catalog's list.
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, item := range n.Content {
		d.value(path+"["+strconv.Itoa(i)+"]", item, s.Index(i))
	}
	v.Set(s)
}

func (d *odecoder) mapping(path string, n *yaml.Node, v reflect.Value) {
	if n.Kind != yaml.MappingNode {
		d.errAt(n, path, "expected a mapping, got %s", yamlnode.Describe(n))
		return
	}
	t := v.Type()
	m := reflect.MakeMap(t)
	field := lastKey(path)
	for _, p := range d.pairs(path, n) {
		child := path + "[" + strconv.Quote(p.key) + "]"
		switch {
		case t == typPriceMap && field == "profiles" && !isGeo(p.key):
			d.errAt(p.k, path, "%s is not a geo prefix; want one of %s", yamlnode.Quote(p.key), strings.Join(GeoPrefixes(), ", "))
			continue
		case t == typPriceMap && field == "regions" && !isLowerWord(p.key):
			d.errAt(p.k, path, "%s is not a Region name such as us-east-1", yamlnode.Quote(p.key))
			continue
		}
		elem := reflect.New(t.Elem()).Elem()
		d.value(child, p.v, elem)
		m.SetMapIndex(reflect.ValueOf(p.key).Convert(t.Key()), elem)
	}
	v.Set(m)
}

// IsBedrock reports whether m is a Bedrock model, as opposed to one of
// Basalt's own models or a model a user added from the config file under a
// name of their own ("my-llama", "gpt-4o"). It goes by the id's shape: a
// Bedrock id is "vendor.model", a geo-prefixed profile id or an ARN. A user
// entry with such an id (a model newer than the embedded catalog, a
// deployment's profile) counts as Bedrock; one with a local name (KindAlias)
// never does, whatever its provider field says, so a Bedrock provider never
// tries to call it and the Bedrock control plane never lists it.
func (m *Model) IsBedrock() bool {
	if m.Provider == "basalt" || m.Family == FamilyBasalt {
		return false
	}
	id, err := ParseID(m.ID)
	return err == nil && id.Kind != KindAlias
}

// Subset returns a catalog of the models keep accepts; c is unchanged.
func (c *Catalog) Subset(keep func(m *Model) bool) *Catalog {
	var models []Model
	for i := range c.models {
		if keep(&c.models[i]) {
			models = append(models, c.models[i].Clone())
		}
	}
	out, err := build(models)
	if err != nil {
		// A subset of a valid catalog is valid.
		panic("catalog: Subset: " + err.Error())
	}
	return out
}
