package config

import (
	"cmp"
	"fmt"
	"github.com/basalt-gateway/basalt/internal/yamlnode"
	"maps"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Validate reports every semantic problem in c, joined with errors.Join. It
// accepts zero values of fields that have defaults, so it can run before or
// after ApplyDefaults; it does no I/O (certificate files and environment
// variables are checked when they are used). Errors from a Config built in
// code carry a path but no file position.
func (c *Config) Validate() error {
	v := &validator{}
	v.config(c)
	return joinErrors(v.errs)
}

// validator checks a decoded Config. When it comes from Parse, pos places
// each error at its key or value in the file, and failed silences checks on
// values that already failed to decode.
type validator struct {
	file   string
	pos    map[string]position
	failed map[string]bool
	errs   []*Error
}

// add reports msg under path, positioned at posPath (its key when atKey)
// or, if posPath is not in the file, at its nearest ancestor that is: a
// missing key is reported where its mapping starts.
func (v *validator) add(path, posPath string, atKey bool, msg string) {
	for p := posPath; ; p = parentPath(p) {
		if v.failed[p] {
			return
		}
		if p == "" {
			break
		}
	}
	e := &Error{File: v.file, Path: path, Msg: msg}
	for p := posPath; ; p = parentPath(p) {
		if pos, ok := v.pos[p]; ok {
			e.Line, e.Column = pos.line, pos.col
			if atKey && p == posPath {
				e.Line, e.Column = pos.keyLine, pos.keyCol
			}
			break
		}
		if p == "" {
			break
		}
	}
	v.errs = append(v.errs, e)
}

// field reports a problem with the value at path.
func (v *validator) field(path, format string, args ...any) {
	v.add(path, path, false, fmt.Sprintf(format, args...))
}

// key reports a problem with key itself (it should not be there) under its
// mapping's path, pointing at the key.
func (v *validator) key(container, key, format string, args ...any) {
	v.add(container, container+"."+key, true, fmt.Sprintf(format, args...))
}

// required reports a required key that is missing or empty, unless it was
// written but failed to decode (that error is already reported).
func (v *validator) required(container, key, extra string) {
	p := container + "." + key
	if _, written := v.pos[p]; written {
		v.add(p, p, false, "must not be empty"+extra)
		return
	}
	v.add(container, p, false, fmt.Sprintf("missing required key %q%s", key, extra))
}

// anyFailed reports whether one of paths failed to decode, so a check that
// relates two keys stays quiet when one of them is already reported.
func (v *validator) anyFailed(paths ...string) bool {
	return slices.ContainsFunc(paths, func(p string) bool { return v.failed[p] })
}

// parentPath strips the last ".key", "[N]" or ["key"] from a path.
func parentPath(p string) string {
	cut, quoted := 0, false
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case quoted && c == '\\':
			i++
		case c == '"':
			quoted = !quoted
		case !quoted && (c == '.' || c == '['):
			cut = i
		}
	}
	return p[:cut]
}

func oneOf(what, got string, options []string) string {
	return fmt.Sprintf("unknown %s %s%s; want one of %s", what, yamlnode.Quote(got), yamlnode.DidYouMean(got, options), strings.Join(options, ", "))
}

func (v *validator) config(c *Config) {
	v.server(&c.Server)
	if l := c.Log.Level; l != "" && !slices.Contains(logLevels(), l) {
		v.field("log.level", "%s", oneOf("level", l, logLevels()))
	}
	if f := c.Log.Format; f != "" && f != "text" && f != "json" {
		v.field("log.format", "%s", oneOf("format", f, []string{"text", "json"}))
	}
	if hasControl(c.DataDir) {
		v.field("data_dir", "contains a control character")
	}
	types := map[string]ProviderType{}
	firstIndex := map[string]int{}
	var names []string
	namesKnown := true
	for i := range c.Providers {
		p := &c.Providers[i]
		base := "providers[" + strconv.Itoa(i) + "]"
		v.provider(base, p)
		if p.Name == "" {
			namesKnown = namesKnown && !v.anyFailed(base, base+".name")
			continue
		}
		if j, dup := firstIndex[p.Name]; dup {
			v.field(base+".name", "duplicate provider name %s (already used by providers[%d])", yamlnode.Quote(p.Name), j)
			continue
		}
		firstIndex[p.Name] = i
		names = append(names, p.Name)
		types[p.Name] = p.Type
	}
	v.models(c.Models, names, types, namesKnown)
	for i, k := range c.Auth.APIKeys {
		path := "auth.api_keys[" + strconv.Itoa(i) + "]"
		if k.IsZero() {
			v.field(path, "is empty")
			continue
		}
		v.secret(path, k)
	}
}

// listShort joins names for a message, eliding all but the first few so a
// huge config cannot make every error message huge.
func listShort(names []string) string {
	const max = 10
	if len(names) <= max {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:max], ", ") + fmt.Sprintf(" and %d more", len(names)-max)
}

func logLevels() []string { return []string{"debug", "info", "warn", "error"} }

func (v *validator) server(s *Server) {
	if s.Addr != "" {
		if msg := checkAddr(s.Addr); msg != "" {
			v.field("server.addr", "%s", msg)
		}
	}
	switch {
	case v.anyFailed("server.tls_cert", "server.tls_key"):
	case s.TLSCert != "" && s.TLSKey == "":
		v.key("server", "tls_cert", "tls_cert is set but tls_key is not; TLS needs the certificate and its key")
	case s.TLSKey != "" && s.TLSCert == "":
		v.key("server", "tls_key", "tls_key is set but tls_cert is not; TLS needs the certificate and its key")
	}
	for _, d := range []struct {
		key string
		val int64
	}{
		{"shutdown_timeout", int64(s.ShutdownTimeout)},
		{"read_header_timeout", int64(s.ReadHeaderTimeout)},
		{"idle_timeout", int64(s.IdleTimeout)},
	} {
		if d.val < 0 {
			v.field("server."+d.key, "must be positive")
		}
	}
}

func checkAddr(addr string) string {
	const want = `want host:port, e.g. "127.0.0.1:8080", or ":8080" for every interface`
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Sprintf("invalid address %s; %s", yamlnode.Quote(addr), want)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 || strings.HasPrefix(port, "+") {
		return fmt.Sprintf("invalid port %s; want a number from 0 to 65535 (0 picks a free port)", yamlnode.Quote(port))
	}
	return ""
}

// keyUse says which provider types accept an optional key.
type keyUse struct {
	key   string
	set   bool
	types []ProviderType
}

func (p *Provider) keyUses() []keyUse {
	http := []ProviderType{TypeOpenAI, TypeAnthropic}
	remote := []ProviderType{TypeOpenAI, TypeAnthropic, TypeBedrock}
	openai, anthropic, bedrock := []ProviderType{TypeOpenAI}, []ProviderType{TypeAnthropic}, []ProviderType{TypeBedrock}
	return []keyUse{
		{"base_url", p.BaseURL != "", http},
		{"api_key", !p.APIKey.IsZero(), remote},
		{"timeout", p.Timeout != 0, remote},
		{"headers", len(p.Headers) > 0, remote},
		{"max_tokens_field", p.OpenAI.MaxTokensField != "", openai},
		{"version", p.Anthropic.Version != "", anthropic},
		{"default_max_tokens", p.Anthropic.DefaultMaxTokens != 0, anthropic},
		{"region", p.Bedrock.Region != "", bedrock},
		{"endpoint", p.Bedrock.Endpoint != "", bedrock},
		{"profile", p.Bedrock.Profile != "", bedrock},
		{"access_key_id", !p.Bedrock.AccessKeyID.IsZero(), bedrock},
		{"secret_access_key", !p.Bedrock.SecretAccessKey.IsZero(), bedrock},
		{"session_token", !p.Bedrock.SessionToken.IsZero(), bedrock},
		{"max_attempts", p.Bedrock.MaxAttempts != 0, bedrock},
	}
}

func typeList(ts []ProviderType) string {
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = string(t)
	}
	if len(s) == 1 {
		return "type " + s[0]
	}
	return "types " + strings.Join(s, ", ")
}

func (v *validator) provider(base string, p *Provider) {
	switch {
	case p.Name == "":
		v.required(base, "name", "")
	case !validProviderName(p.Name):
		v.field(base+".name", `invalid name %s; use lower-case letters, digits, "-" and "_", starting with a letter or digit`, yamlnode.Quote(p.Name))
	}
	switch p.Type {
	case "":
		v.required(base, "type", " (one of "+strings.Join(providerTypes(), ", ")+")")
		return
	case TypeOpenAI, TypeAnthropic, TypeBedrock, TypeLocal:
	default:
		v.field(base+".type", "%s", oneOf("provider type", string(p.Type), providerTypes()))
		return
	}
	for _, u := range p.keyUses() {
		if !u.set || slices.Contains(u.types, p.Type) {
			continue
		}
		msg := fmt.Sprintf("key %q applies only to %s, not %s", u.key, typeList(u.types), p.Type)
		if u.key == "base_url" && p.Type == TypeBedrock {
			msg += `; use "endpoint" to override the Bedrock URL`
		}
		v.key(base, u.key, "%s", msg)
	}
	if p.Timeout < 0 {
		v.field(base+".timeout", "must be positive")
	}
	v.secret(base+".api_key", p.APIKey)
	v.headers(base+".headers", p.Headers)
	switch p.Type {
	case TypeOpenAI:
		if v.baseURL(base+".base_url", p.BaseURL, DefaultOpenAIBaseURL) && strings.HasSuffix(strings.TrimRight(p.BaseURL, "/"), "/chat/completions") {
			v.field(base+".base_url", "ends in /chat/completions, which Basalt appends itself; drop it (e.g. %q)", DefaultOpenAIBaseURL)
		}
		if f := p.OpenAI.MaxTokensField; f != "" && f != FieldMaxTokens && f != FieldMaxCompletionTokens {
			v.field(base+".max_tokens_field", "%s", oneOf("field", f, []string{FieldMaxTokens, FieldMaxCompletionTokens}))
		}
	case TypeAnthropic:
		if v.baseURL(base+".base_url", p.BaseURL, DefaultAnthropicBaseURL) && strings.HasSuffix(strings.TrimRight(p.BaseURL, "/"), "/v1") {
			v.field(base+".base_url", "ends in /v1, but requests go to {base_url}/v1/messages, so the path would become /v1/v1/messages; drop the /v1 (e.g. %q)", DefaultAnthropicBaseURL)
		}
		if p.Anthropic.DefaultMaxTokens < 0 {
			v.field(base+".default_max_tokens", "must be at least 1")
		}
	case TypeBedrock:
		v.bedrock(base, p)
	}
}

func validProviderName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		case (c == '-' || c == '_') && i > 0:
		default:
			return false
		}
	}
	return s != ""
}

func (v *validator) secret(path string, s Secret) {
	if err := s.check(); err != nil {
		v.field(path, "%s", err.Error())
	}
}

// baseURL reports whether raw is usable, so that checks of its path run
// only on a URL that parsed.
func (v *validator) baseURL(path, raw, example string) bool {
	if raw == "" {
		return true
	}
	if msg := checkURL(raw); msg != "" {
		v.field(path, msg+" (e.g. %q)", example)
		return false
	}
	return true
}

// checkURL never quotes the URL: a malformed one may still carry a password.
func checkURL(raw string) string {
	u, err := url.Parse(raw)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Opaque != "":
		return "must be an absolute http:// or https:// URL"
	case u.User != nil:
		return "must not contain credentials (user:password@); use api_key or headers"
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(raw, "#"):
		return "must not have a query or fragment, since request paths are appended to it"
	}
	return ""
}

// reservedHeaders are set by the HTTP transport or by the provider to
// describe the body; overriding them would corrupt the request.
func reservedHeaders() []string {
	return []string{"Connection", "Content-Length", "Content-Type", "Host", "Transfer-Encoding"}
}

func (v *validator) headers(path string, h map[string]Secret) {
	names := make([]string, 0, len(h))
	for name := range h {
		names = append(names, name)
	}
	// Sorting by file position (then name) makes the first spelling of a
	// case-insensitive duplicate the one that is kept.
	slices.SortFunc(names, func(a, b string) int {
		pa, pb := v.pos[path+"["+strconv.Quote(a)+"]"], v.pos[path+"["+strconv.Quote(b)+"]"]
		return cmp.Or(cmp.Compare(pa.keyLine, pb.keyLine), cmp.Compare(pa.keyCol, pb.keyCol), strings.Compare(a, b))
	})
	first := map[string]string{}
	for _, name := range names {
		p := path + "[" + strconv.Quote(name) + "]"
		canon := strings.ToLower(name)
		switch {
		case !validHeaderName(name):
			v.add(path, p, true, fmt.Sprintf("invalid header name %s", yamlnode.Quote(name)))
		case slices.ContainsFunc(reservedHeaders(), func(r string) bool { return strings.EqualFold(r, name) }):
			v.add(path, p, true, fmt.Sprintf("header %s is set by Basalt and cannot be overridden", yamlnode.Quote(name)))
		case first[canon] != "":
			v.add(path, p, true, fmt.Sprintf("header %s is also set as %s (header names are case-insensitive)", yamlnode.Quote(name), yamlnode.Quote(first[canon])))
		default:
			first[canon] = name
		}
		v.secret(p, h[name])
	}
}

// validHeaderName reports whether s is an RFC 9110 token.
func validHeaderName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return s != ""
}

func (v *validator) bedrock(base string, p *Provider) {
	b := &p.Bedrock
	if b.Region != "" && !validRegion(b.Region) {
		v.field(base+".region", "invalid AWS region %s (e.g. \"us-east-1\")", yamlnode.Quote(b.Region))
	}
	if b.Endpoint != "" {
		if msg := checkURL(b.Endpoint); msg != "" {
			v.field(base+".endpoint", "%s (e.g. %q)", msg, "https://bedrock-runtime.us-east-1.amazonaws.com")
		}
	}
	hasID, hasSecret := !b.AccessKeyID.IsZero(), !b.SecretAccessKey.IsZero()
	switch {
	case v.anyFailed(base+".access_key_id", base+".secret_access_key", base+".session_token"):
	case hasID && !hasSecret:
		v.key(base, "access_key_id", "access_key_id is set but secret_access_key is not; static credentials need both")
	case hasSecret && !hasID:
		v.key(base, "secret_access_key", "secret_access_key is set but access_key_id is not; static credentials need both")
	case !b.SessionToken.IsZero() && !hasID:
		v.key(base, "session_token", "session_token needs access_key_id and secret_access_key")
	}
	if (hasID || hasSecret) && b.Profile != "" {
		v.key(base, "profile", "set either profile or static credentials (access_key_id, secret_access_key), not both")
	}
	if !p.APIKey.IsZero() && (hasID || hasSecret || b.Profile != "") {
		v.key(base, "api_key", "api_key (a Bedrock API key) replaces AWS credentials; remove profile and access_key_id/secret_access_key, or api_key")
	}
	if b.MaxAttempts < 0 {
		v.field(base+".max_attempts", "must be at least 1")
	}
	v.secret(base+".access_key_id", b.AccessKeyID)
	v.secret(base+".secret_access_key", b.SecretAccessKey)
	v.secret(base+".session_token", b.SessionToken)
}

// validRegion accepts the shape of every AWS region name (us-east-1,
// us-gov-west-1, eusc-de-east-1) and rejects the usual slips ("us_east_1",
// "US-EAST-1", "us-east").
func validRegion(s string) bool {
	parts := strings.Split(s, "-")
	if len(parts) < 3 {
		return false
	}
	for i, part := range parts {
		if part == "" {
			return false
		}
		for j := 0; j < len(part); j++ {
			c := part[j]
			letter, digit := 'a' <= c && c <= 'z', '0' <= c && c <= '9'
			switch {
			case i == 0 && !letter, i == len(parts)-1 && !digit, !letter && !digit:
				return false
			}
		}
	}
	return true
}

// models checks the routes; namesKnown is false when a provider's name
// failed to decode, so "unknown provider" might be that provider.
func (v *validator) models(models []Model, names []string, types map[string]ProviderType, namesKnown bool) {
	type route struct{ id, provider, upstream, region string }
	seen := map[route]int{}
	hasLocal := false
	for _, t := range types {
		hasLocal = hasLocal || t == TypeLocal
	}
	if !hasLocal {
		// The gateway adds the built-in local provider when the file has
		// none, so routes may name it.
		types = maps.Clone(types)
		if types == nil {
			types = map[string]ProviderType{}
		}
		types[BuiltinLocal] = TypeLocal
		names = append(slices.Clone(names), BuiltinLocal)
	}
	for i, m := range models {
		base := "models[" + strconv.Itoa(i) + "]"
		switch {
		case m.ID == "":
			v.required(base, "id", "")
		case strings.TrimSpace(m.ID) != m.ID:
			v.field(base+".id", "has leading or trailing spaces")
		case hasControl(m.ID):
			v.field(base+".id", "contains a control character")
		}
		if m.Upstream != m.ID && (hasControl(m.Upstream) || strings.TrimSpace(m.Upstream) != m.Upstream) {
			v.field(base+".upstream", "has spaces at either end or a control character")
		}
		switch typ, known := types[m.Provider]; {
		case m.Provider == "":
			v.required(base, "provider", "")
		case !known && !namesKnown:
		case !known && len(names) == 1 && names[0] == BuiltinLocal && !hasLocal:
			v.field(base+".provider", "unknown provider %s: no providers are configured", yamlnode.Quote(m.Provider))
		case !known:
			v.field(base+".provider", "unknown provider %s%s; configured: %s", yamlnode.Quote(m.Provider), yamlnode.DidYouMean(m.Provider, names), listShort(names))
		case m.Region != "" && typ != "" && typ != TypeBedrock:
			v.key(base, "region", "region applies only to models of a bedrock provider; %q is type %s", m.Provider, typ)
		}
		if m.Region != "" && !validRegion(m.Region) {
			v.field(base+".region", "invalid AWS region %s (e.g. \"us-west-2\")", yamlnode.Quote(m.Region))
		}
		r := route{m.ID, m.Provider, cmp.Or(m.Upstream, m.ID), m.Region}
		if j, dup := seen[r]; dup && m.ID != "" {
			v.field(base, "repeats models[%d] (same id, provider, upstream and region)", j)
		} else if !dup {
			seen[r] = i
		}
	}
}
