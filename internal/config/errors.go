package config

import (
	"cmp"
	"errors"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// Error is one problem in a configuration. Parse and Validate return all of
// them joined with errors.Join; errors.As finds the first, and a caller that
// wants each can unwrap the join (Unwrap() []error). Messages never contain
// a secret's value.
type Error struct {
	File   string // as given to Parse or Load; empty from Validate
	Line   int    // 1-based; 0 when unknown (Validate on a Config built in code)
	Column int    // 1-based; 0 when unknown (YAML syntax errors report a line only)
	Path   string // the key, e.g. "providers[1].base_url"; empty for the whole document
	Msg    string
}

// Error renders "file:line:col: path: message", leaving out what is unknown,
// which is the format editors and CI annotators recognise.
func (e *Error) Error() string {
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

// joinErrors orders errors as they appear in the file, errors without a
// position last, so the output reads top to bottom.
func joinErrors(errs []*Error) error {
	if len(errs) == 0 {
		return nil
	}
	slices.SortStableFunc(errs, func(a, b *Error) int {
		if (a.Line == 0) != (b.Line == 0) {
			if a.Line == 0 {
				return 1
			}
			return -1
		}
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
	out := make([]error, len(errs))
	for i, e := range errs {
		out[i] = e
	}
	return errors.Join(out...)
}

// quoteShort quotes a user-written value for a message, cut short so that a
// pathological input cannot produce a megabyte of error text.
func quoteShort(s string) string {
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

func hasControl(s string) bool {
	return strings.ContainsFunc(s, unicode.IsControl)
}

// didYouMean returns ` (did you mean "x"?)` for the candidate closest to s,
// or "" when none is close enough to be a plausible typo.
func didYouMean(s string, candidates []string) string {
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
