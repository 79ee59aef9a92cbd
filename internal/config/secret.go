package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"github.com/basalt-gateway/basalt/internal/yamlnode"
	"log/slog"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Secret is a credential from the config file: either a reference to an
// environment variable, written "env:NAME" and read only when the caller
// resolves it, or a literal value.
//
// Every way of printing or encoding a Secret (fmt's %v, %+v, %#v and %s,
// slog, JSON, YAML, text) shows "env:NAME" for a reference, which names no
// secret, and "[redacted]" for a literal. The literal sits behind a pointer so
// that even reflection-based printing of a struct that holds a Secret in an
// unexported field (where fmt cannot call String) shows an address, not the
// value. The zero Secret is unset.
type Secret struct {
	env string
	lit *string
}

// redactedText is what a literal secret prints as.
const redactedText = "[redacted]"

// ErrEnvNotSet is matched (errors.Is) by the error Resolve returns when the
// referenced environment variable does not exist.
var ErrEnvNotSet = errors.New("environment variable not set")

// EnvSecret returns a Secret that reads the environment variable name at
// Resolve time. Validate rejects a name that is not a valid variable name.
func EnvSecret(name string) Secret { return Secret{env: name} }

// LiteralSecret returns a Secret holding value itself; "" is the unset Secret.
func LiteralSecret(value string) Secret {
	if value == "" {
		return Secret{}
	}
	return Secret{lit: &value}
}

// ParseSecret reads the config-file syntax: "" is unset, "env:NAME" is a
// reference, anything else is a literal. Errors never quote a literal.
//
// Some literals are rejected because they are almost certainly mistakes that
// would otherwise surface only as an upstream 401: "$NAME" and "${NAME}"
// (Basalt expands no shell syntax), "ENV:NAME" in another case, and control
// characters (a YAML block scalar adds a trailing newline).
func ParseSecret(s string) (Secret, error) {
	switch {
	case s == "":
		return Secret{}, nil
	case strings.HasPrefix(s, "env:"):
		name := s[len("env:"):]
		if name == "" {
			return Secret{}, errors.New(`names no variable; write "env:NAME"`)
		}
		sec := EnvSecret(name)
		return sec, sec.check()
	case len(s) >= 4 && strings.EqualFold(s[:4], "env:"):
		return Secret{}, errors.New(`write the "env:" prefix in lower case`)
	}
	if name, ok := shellVariable(s); ok {
		return Secret{}, fmt.Errorf("looks like a shell variable, but Basalt does not expand those; write %q to read the environment variable", "env:"+name)
	}
	sec := LiteralSecret(s)
	return sec, sec.check()
}

// shellVariable reports whether s is "$NAME" or "${NAME}".
func shellVariable(s string) (string, bool) {
	name, ok := strings.CutPrefix(s, "$")
	if !ok {
		return "", false
	}
	if inner, ok := strings.CutPrefix(name, "{"); ok {
		if name, ok = strings.CutSuffix(inner, "}"); !ok {
			return "", false
		}
	}
	return name, validEnvName(name)
}

// check reports a malformed secret, for values built in code as well as
// parsed ones.
func (s Secret) check() error {
	if s.lit != nil {
		if hasControl(*s.lit) {
			return errors.New("contains a control character such as a newline (a YAML block scalar adds one; use a quoted string)")
		}
		if !utf8.ValidString(*s.lit) {
			return errors.New("is not valid UTF-8")
		}
		return nil
	}
	switch {
	case s.env == "":
		return nil
	case !validEnvName(s.env):
		return fmt.Errorf("invalid environment variable name %s after \"env:\" (use letters, digits and _, not starting with a digit)", yamlnode.Quote(s.env))
	}
	return nil
}

func validEnvName(name string) bool {
	if name == "" {
		return false
	}
	for i, r := range name {
		switch {
		case r == '_', 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z':
		case '0' <= r && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// IsZero reports whether the secret is unset. YAML's omitempty uses it.
func (s Secret) IsZero() bool { return s.env == "" && s.lit == nil }

// EnvVar returns the referenced variable's name, so callers can say which
// variable is missing or log where a credential comes from.
func (s Secret) EnvVar() (name string, ok bool) { return s.env, s.env != "" }

// IsLiteral reports whether the value is written in the config file itself.
func (s Secret) IsLiteral() bool { return s.lit != nil }

// Equal reports whether two secrets are the same reference or literal. It
// lets go-cmp compare Configs despite the unexported fields.
func (s Secret) Equal(o Secret) bool {
	if s.env != o.env || (s.lit == nil) != (o.lit == nil) {
		return false
	}
	return s.lit == nil || *s.lit == *o.lit
}

// Resolve returns the secret's value. A reference is looked up with lookup
// (os.LookupEnv in production, a map in tests); a variable that does not
// exist is an error naming the variable, matching ErrEnvNotSet. A variable
// that exists but is empty resolves to "", since some upstreams take no key.
// The unset Secret resolves to "".
func (s Secret) Resolve(lookup func(string) (string, bool)) (string, error) {
	switch {
	case s.lit != nil:
		return *s.lit, nil
	case s.env == "":
		return "", nil
	case lookup == nil:
		return "", fmt.Errorf("resolve env:%s: no environment lookup function", s.env)
	}
	v, ok := lookup(s.env)
	if !ok {
		return "", envNotSetError(s.env)
	}
	return v, nil
}

type envNotSetError string

func (e envNotSetError) Error() string {
	return "environment variable " + string(e) + " is not set (referenced as env:" + string(e) + ")"
}

func (e envNotSetError) Is(target error) bool { return target == ErrEnvNotSet }

func (s Secret) redacted() string {
	switch {
	case s.lit != nil:
		return redactedText
	case s.env != "":
		return "env:" + s.env
	}
	return ""
}

// String returns the redacted form; fmt uses it for %v, %+v, %s and %q.
func (s Secret) String() string { return s.redacted() }

// GoString returns a Go expression for %#v that names no literal value.
func (s Secret) GoString() string {
	switch {
	case s.lit != nil:
		return `config.LiteralSecret("` + redactedText + `")`
	case s.env != "":
		return "config.EnvSecret(" + strconv.Quote(s.env) + ")"
	}
	return "config.Secret{}"
}

// LogValue makes slog log the redacted form with every handler.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.redacted()) }

// MarshalJSON encodes the redacted form as a JSON string.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.redacted()) }

// MarshalYAML encodes the redacted form, so a marshalled Config can be shown
// to an operator; it does not round-trip literal values, deliberately.
func (s Secret) MarshalYAML() (any, error) { return s.redacted(), nil }

// MarshalText covers text-based encoders that prefer it to String.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.redacted()), nil }

var (
	_ fmt.Stringer   = Secret{}
	_ fmt.GoStringer = Secret{}
	_ slog.LogValuer = Secret{}
	_ json.Marshaler = Secret{}
)
