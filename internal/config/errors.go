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

func hasControl(s string) bool {
	return strings.ContainsFunc(s, unicode.IsControl)
}
