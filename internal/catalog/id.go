package catalog

import (
	"errors"
	"fmt"
	"strings"
)

// MaxIDLen is Bedrock's limit on a modelId (service model: length 1-2048).
const MaxIDLen = 2048

// Kind classifies the form of a model id as a client sent it.
type Kind uint8

const (
	KindUnknown Kind = iota
	// KindBase is a foundation model id: "amazon.nova-lite-v1:0".
	KindBase
	// KindProfile is a system-defined cross-Region inference profile id:
	// "us.anthropic.claude-sonnet-4-6".
	KindProfile
	// KindAlias is any other name: Basalt's own models ("basalt-test") and
	// names users give their deployments ("gpt-4o", "qwen2.5:7b"). Only the
	// catalog or the config can say what it means.
	KindAlias
	KindFoundationModelARN
	KindInferenceProfileARN
	// The ARN kinds below name a user's resource, not a foundation model, so
	// the model behind them cannot be known from the id alone.
	KindApplicationProfileARN
	KindProvisionedARN
	KindCustomModelARN
	KindImportedModelARN
	KindPromptARN
	KindPromptRouterARN
	KindMarketplaceARN // SageMaker endpoint of a Bedrock Marketplace model
)

var kindNames = [...]string{
	KindUnknown:               "unknown",
	KindBase:                  "base",
	KindProfile:               "profile",
	KindAlias:                 "alias",
	KindFoundationModelARN:    "foundation-model-arn",
	KindInferenceProfileARN:   "inference-profile-arn",
	KindApplicationProfileARN: "application-inference-profile-arn",
	KindProvisionedARN:        "provisioned-model-arn",
	KindCustomModelARN:        "custom-model-arn",
	KindImportedModelARN:      "imported-model-arn",
	KindPromptARN:             "prompt-arn",
	KindPromptRouterARN:       "prompt-router-arn",
	KindMarketplaceARN:        "marketplace-endpoint-arn",
}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", k)
}

// IsARN reports whether the kind is one of the ARN forms.
func (k Kind) IsARN() bool { return k >= KindFoundationModelARN }

// ID is a parsed model id. Fields that the form does not carry are empty.
type ID struct {
	Raw       string
	Kind      Kind
	Partition string // ARN partition: "aws", "aws-us-gov", "aws-cn", …
	Region    string // ARN Region
	Account   string // ARN account; empty in foundation-model ARNs
	GeoPrefix string // profile geography without the dot: "us", "us-gov", "global"
	// BaseID is the foundation model the id names, when the id says which;
	// empty for aliases and for ARNs of user resources.
	BaseID string
	// Resource is the part after "<type>/" in an ARN: the profile id, the
	// provisioned-model id, and so on.
	Resource string
}

// GeoPrefixes returns the cross-Region inference profile geographies. "ca"
// is accepted ahead of the catalog's sources, which have not seen it yet.
func GeoPrefixes() []string {
	return []string{"us", "eu", "apac", "jp", "au", "ca", "us-gov", "global"}
}

func isGeo(s string) bool {
	switch s {
	case "us", "eu", "apac", "jp", "au", "ca", "us-gov", "global":
		return true
	}
	return false
}

// ErrInvalidID is wrapped by every ParseID error, so callers can map it to a
// ValidationException with errors.Is.
var ErrInvalidID = errors.New("invalid model id")

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidID, fmt.Sprintf(format, args...))
}

// ParseID classifies a model id as a client sends it on any surface (path
// segments already unescaped). It is pure syntax: it never consults the
// catalog, so "amazon.nova-ultra-v9:0" parses as a base id even though no
// such model exists.
func ParseID(s string) (ID, error) {
	switch {
	case s == "":
		return ID{}, invalid("empty")
	case len(s) > MaxIDLen:
		return ID{}, invalid("longer than %d bytes", MaxIDLen)
	case strings.HasPrefix(s, "arn:"):
		return parseARN(s)
	}
	for i := 0; i < len(s); i++ {
		if !aliasByte(s[i]) {
			return ID{}, invalid("character %q at offset %d", s[i], i)
		}
	}
	if geo, rest, ok := strings.Cut(s, "."); ok && isGeo(geo) {
		if !isModelID(rest) {
			return ID{}, invalid("inference profile %q does not name a model", s)
		}
		return ID{Raw: s, Kind: KindProfile, GeoPrefix: geo, BaseID: rest}, nil
	}
	if isModelID(s) {
		return ID{Raw: s, Kind: KindBase, BaseID: s}, nil
	}
	return ID{Raw: s, Kind: KindAlias}, nil
}

// isModelID reports whether s is a foundation-model id and not a profile id
// (whose "vendor" is a geography), so "us.us.amazon.…" is rejected rather
// than resolved to a profile named "us.amazon.…".
func isModelID(s string) bool {
	vendor, _, _ := strings.Cut(s, ".")
	return !isGeo(vendor) && isBaseID(s)
}

// isBaseID matches Bedrock's foundation-model id shape: a lower-case vendor,
// a dot, and a model part of [a-z0-9-:.].
func isBaseID(s string) bool {
	vendor, model, ok := strings.Cut(s, ".")
	if !ok || vendor == "" || model == "" || len(vendor) > 63 {
		return false
	}
	for i := 0; i < len(vendor); i++ {
		if c := vendor[i]; !lowerAlnum(c) && c != '-' {
			return false
		}
	}
	for i := 0; i < len(model); i++ {
		if c := model[i]; !lowerAlnum(c) && c != '-' && c != ':' && c != '.' {
			return false
		}
	}
	return true
}

func lowerAlnum(c byte) bool { return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' }

// aliasByte admits what OpenAI-style and local model names use ("org/model",
// "qwen2.5:7b", "name@version") and nothing that needs escaping.
func aliasByte(c byte) bool {
	return lowerAlnum(c) || 'A' <= c && c <= 'Z' || strings.IndexByte("._:/@+-", c) >= 0
}

func parseARN(s string) (ID, error) {
	// arn:partition:service:region:account:resource — the resource may itself
	// contain colons ("foundation-model/amazon.nova-lite-v1:0").
	var parts [6]string
	rest := s
	for i := range 5 {
		var ok bool
		if parts[i], rest, ok = strings.Cut(rest, ":"); !ok {
			return ID{}, invalid("ARN %q has too few fields", s)
		}
	}
	parts[5] = rest
	id := ID{Raw: s, Partition: parts[1], Region: parts[3], Account: parts[4]}
	service, resource := parts[2], parts[5]
	if id.Partition != "aws" && !(strings.HasPrefix(id.Partition, "aws-") && isLowerWord(id.Partition[len("aws-"):])) {
		return ID{}, invalid("ARN partition %q", id.Partition)
	}
	if !isLowerWord(id.Region) || len(id.Region) > 32 {
		return ID{}, invalid("ARN Region %q", id.Region)
	}
	if id.Account != "" && !isAccount(id.Account) {
		return ID{}, invalid("ARN account %q is not 12 digits", id.Account)
	}
	typ, rest, ok := strings.Cut(resource, "/")
	if !ok || rest == "" {
		return ID{}, invalid("ARN resource %q has no id", resource)
	}
	for i := 0; i < len(rest); i++ {
		if c := rest[i]; !lowerAlnum(c) && !('A' <= c && c <= 'Z') && strings.IndexByte("._:/-", c) < 0 {
			return ID{}, invalid("character %q in ARN resource", c)
		}
	}
	id.Resource = rest

	if service == "sagemaker" && typ == "endpoint" {
		id.Kind = KindMarketplaceARN
		return id, nil
	}
	if service != "bedrock" {
		return ID{}, invalid("ARN service %q is not bedrock", service)
	}
	switch typ {
	case "foundation-model":
		if !isModelID(rest) {
			return ID{}, invalid("foundation-model ARN names %q", rest)
		}
		id.Kind, id.BaseID = KindFoundationModelARN, rest
	case "inference-profile":
		id.Kind = KindInferenceProfileARN
		if geo, base, ok := strings.Cut(rest, "."); ok && isGeo(geo) && isModelID(base) {
			id.GeoPrefix, id.BaseID = geo, base
		}
	case "application-inference-profile":
		id.Kind = KindApplicationProfileARN
	case "provisioned-model":
		id.Kind = KindProvisionedARN
	case "custom-model":
		id.Kind = KindCustomModelARN
	case "imported-model":
		id.Kind = KindImportedModelARN
	case "prompt":
		id.Kind = KindPromptARN
	case "prompt-router", "default-prompt-router":
		id.Kind = KindPromptRouterARN
	default:
		return ID{}, invalid("ARN resource type %q", typ)
	}
	return id, nil
}

// isLowerWord matches Region and partition shapes: [a-z0-9-], not empty, no
// leading or trailing dash.
func isLowerWord(s string) bool {
	if s == "" || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !lowerAlnum(c) && c != '-' {
			return false
		}
	}
	return true
}

func isAccount(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
