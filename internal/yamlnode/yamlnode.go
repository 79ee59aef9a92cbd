// Package yamlnode holds the helpers Basalt's strict YAML decoders share
// (the config file and the catalog overrides in it): alias resolution,
// naming a node's kind without echoing its value, quoting user input
// briefly, and "did you mean" suggestions.
package yamlnode

import (
	"strconv"
	"strings"
	"unicode"

	"go.yaml.in/yaml/v3"
)

// Deref follows an alias to the node it names; nil if it does not resolve
// (a malformed tree).
func Deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 8; i++ {
		n = n.Alias
	}
	if n != nil && n.Kind == yaml.AliasNode {
		return nil
	}
	return n
}

// Describe names a node's kind for "expected X, got Y" messages. It never
// includes the value, because the value may be a secret put in the wrong
// place.
func Describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!int", "!!float":
			return "a number"
		case "!!bool":
			return "a boolean"
		case "!!null":
			return "null"
		}
		return "a string"
	}
	return "an unexpected node"
}

// Quote quotes a user-written value for a message, cut short so that a
// pathological input cannot produce a megabyte of error text.
func Quote(s string) string {
	const max = 64
	if len(s) <= max {
		return strconv.Quote(s)
	}
	cut := max
	for cut > 0 && !isRuneStart(s[cut]) {
		cut--
	}
	return strconv.Quote(s[:cut]) + "..."
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// DidYouMean returns ` (did you mean "x"?)` for the candidate closest to s,
// or "" when none is close enough to be a plausible typo.
func DidYouMean(s string, candidates []string) string {
	if best := suggest(s, candidates); best != "" {
		return " (did you mean " + strconv.Quote(best) + "?)"
	}
	return ""
}

func suggest(s string, candidates []string) string {
	// Long inputs and long candidate lists are not typos worth the quadratic
	// edit distance.
	if s == "" || len(s) > 64 || len(candidates) > 100 {
		return ""
	}
	norm := func(x string) string {
		return strings.Map(func(r rune) rune {
			if r == '_' || r == '-' || r == ' ' {
				return -1
			}
			return unicode.ToLower(r)
		}, x)
	}
	ns := norm(s)
	best, bestDist := "", 3
	for _, c := range candidates {
		if ns == norm(c) {
			return c
		}
		if d := editDistance(strings.ToLower(s), c); d < bestDist && d < len([]rune(s)) {
			best, bestDist = c, d
		}
	}
	return best
}

// editDistance is the optimal-string-alignment distance, so that a swapped
// pair of letters ("reigon") counts as one typo.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}
