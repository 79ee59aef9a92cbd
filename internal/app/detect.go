package app

import (
	"path/filepath"
	"strings"
)

// Env is what provider detection reads; tests supply their own.
type Env struct {
	Lookup func(string) (string, bool)
	// Exists reports whether a file exists (the AWS shared config files).
	Exists func(string) bool
	Home   string
}

func (e Env) get(k string) string {
	if e.Lookup == nil {
		return ""
	}
	v, _ := e.Lookup(k)
	return strings.TrimSpace(v)
}

// Detect returns the providers and models the environment describes, for a
// gateway started without a config file: the built-in local provider
// always; bedrock when AWS credentials are present; openai with
// OPENAI_API_KEY; anthropic with ANTHROPIC_API_KEY; and an OpenAI-compatible
// server (Ollama, vLLM, llama.cpp) at BASALT_OPENAI_BASE_URL, whose models
// named in BASALT_OPENAI_MODELS (comma-separated) are routed by their own ids.
func Detect(e Env) ([]ProviderSpec, []ModelSpec) {
	specs := []ProviderSpec{{Name: "local", Type: "local", Detected: "built in"}}
	var models []ModelSpec
	if src := awsCredentialSource(e); src != "" {
		region := e.get("AWS_REGION")
		if region == "" {
			region = e.get("AWS_DEFAULT_REGION")
		}
		if region == "" {
			region = "us-east-1"
			src += "; no AWS_REGION, using us-east-1"
		}
		specs = append(specs, ProviderSpec{Name: "bedrock", Type: "bedrock", Region: region, ServesCatalog: true, Detected: src})
	}
	if key := e.get("OPENAI_API_KEY"); key != "" {
		base := e.get("OPENAI_BASE_URL")
		if base == "" {
			base = "https://api.openai.com/v1"
		}
		specs = append(specs, ProviderSpec{Name: "openai", Type: "openai", BaseURL: base, APIKey: key, Detected: "OPENAI_API_KEY"})
	}
	if key := e.get("ANTHROPIC_API_KEY"); key != "" {
		base := e.get("ANTHROPIC_BASE_URL")
		if base == "" {
			base = "https://api.anthropic.com"
		}
		specs = append(specs, ProviderSpec{Name: "anthropic", Type: "anthropic", BaseURL: base, APIKey: key, Detected: "ANTHROPIC_API_KEY"})
	}
	if base := e.get("BASALT_OPENAI_BASE_URL"); base != "" {
		specs = append(specs, ProviderSpec{Name: "openai-compatible", Type: "openai", BaseURL: base,
			APIKey: e.get("BASALT_OPENAI_API_KEY"), Detected: "BASALT_OPENAI_BASE_URL"})
		for _, m := range strings.Split(e.get("BASALT_OPENAI_MODELS"), ",") {
			if m = strings.TrimSpace(m); m != "" {
				models = append(models, ModelSpec{ID: m, Provider: "openai-compatible", Upstream: m})
			}
		}
	}
	return specs, models
}

// awsCredentialSource names where AWS credentials would come from, or ""
// if the environment has none (the SDK's chain then has nothing to find
// short of an instance role, which Basalt does not probe at start).
func awsCredentialSource(e Env) string {
	switch {
	case e.get("AWS_BEARER_TOKEN_BEDROCK") != "":
		return "AWS_BEARER_TOKEN_BEDROCK"
	case e.get("AWS_ACCESS_KEY_ID") != "" && e.get("AWS_SECRET_ACCESS_KEY") != "":
		return "AWS_ACCESS_KEY_ID"
	case e.get("AWS_PROFILE") != "":
		return "AWS_PROFILE"
	case e.get("AWS_WEB_IDENTITY_TOKEN_FILE") != "":
		return "AWS_WEB_IDENTITY_TOKEN_FILE"
	case e.get("AWS_CONTAINER_CREDENTIALS_FULL_URI") != "" || e.get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") != "":
		return "container credentials"
	}
	if e.Exists != nil && e.Home != "" {
		for _, f := range []string{
			envOr(e, "AWS_SHARED_CREDENTIALS_FILE", filepath.Join(e.Home, ".aws", "credentials")),
			envOr(e, "AWS_CONFIG_FILE", filepath.Join(e.Home, ".aws", "config")),
		} {
			if e.Exists(f) {
				return f
			}
		}
	}
	return ""
}

func envOr(e Env, k, def string) string {
	if v := e.get(k); v != "" {
		return v
	}
	return def
}
