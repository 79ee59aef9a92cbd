package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/basalt-gateway/basalt/internal/app"
	"github.com/basalt-gateway/basalt/internal/catalog"
	"github.com/basalt-gateway/basalt/internal/config"
)

// loaded is a configuration ready to build an App from.
type loaded struct {
	cfg  *config.Config
	opts app.Options
	from string // the config file, or "" for embedded defaults
}

// load reads the config file (flag, then BASALT_CONFIG) or falls back to
// embedded defaults with providers detected from the environment.
func load(path string) (*loaded, error) {
	if path == "" {
		path = os.Getenv("BASALT_CONFIG")
	}
	l := &loaded{from: path}
	if path == "" {
		l.cfg = config.Default()
		home, _ := os.UserHomeDir()
		l.opts.Providers, l.opts.Models = app.Detect(app.Env{Lookup: os.LookupEnv, Home: home, Exists: fileExists})
	} else {
		cfg, err := config.Load(path)
		if err != nil {
			return nil, usageErrorf("%v", err)
		}
		l.cfg = cfg
		specs, models, err := fromConfig(cfg, os.LookupEnv)
		if err != nil {
			return nil, usageErrorf("%s: %v", path, err)
		}
		l.opts.Providers, l.opts.Models = specs, models
		// Parse already checked the section; this turns it into entries.
		if l.opts.CatalogOverrides, err = catalog.DecodeOverrides(path, cfg.Catalog.Node); err != nil {
			return nil, usageErrorf("%v", err)
		}
	}
	l.opts.DataDir = l.cfg.DataDir
	for i, k := range l.cfg.Auth.APIKeys {
		v, err := k.Resolve(os.LookupEnv)
		if err != nil {
			return nil, usageErrorf("auth.api_keys[%d]: %v", i, err)
		}
		l.opts.APIKeys = append(l.opts.APIKeys, v)
	}
	if path == "" {
		// Without a config file, keys can come from the environment.
		for _, k := range strings.Split(os.Getenv("BASALT_API_KEYS"), ",") {
			if k = strings.TrimSpace(k); k != "" {
				l.opts.APIKeys = append(l.opts.APIKeys, k)
			}
		}
	}
	return l, nil
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// fromConfig turns the config file's providers and models into app specs,
// resolving env:NAME secrets. A built-in local provider is added unless the
// file defines one, so basalt-test is always there.
func fromConfig(cfg *config.Config, lookup func(string) (string, bool)) ([]app.ProviderSpec, []app.ModelSpec, error) {
	var specs []app.ProviderSpec
	hasLocal := false
	for _, p := range cfg.Providers {
		secret := func(field string, s config.Secret) (string, error) {
			if s.IsZero() {
				return "", nil
			}
			v, err := s.Resolve(lookup)
			if err != nil {
				return "", fmt.Errorf("provider %q %s: %w", p.Name, field, err)
			}
			return v, nil
		}
		spec := app.ProviderSpec{Name: p.Name, Type: string(p.Type), BaseURL: p.BaseURL, Timeout: p.Timeout,
			MaxTokensField: p.OpenAI.MaxTokensField, Version: p.Anthropic.Version, DefaultMaxTokens: p.Anthropic.DefaultMaxTokens,
			Region: p.Bedrock.Region, Endpoint: p.Bedrock.Endpoint, Profile: p.Bedrock.Profile, MaxAttempts: p.Bedrock.MaxAttempts,
			ServesCatalog: p.Type == config.TypeBedrock}
		var err error
		if spec.APIKey, err = secret("api_key", p.APIKey); err != nil {
			return nil, nil, err
		}
		if spec.AccessKeyID, err = secret("access_key_id", p.Bedrock.AccessKeyID); err != nil {
			return nil, nil, err
		}
		if spec.SecretAccessKey, err = secret("secret_access_key", p.Bedrock.SecretAccessKey); err != nil {
			return nil, nil, err
		}
		if spec.SessionToken, err = secret("session_token", p.Bedrock.SessionToken); err != nil {
			return nil, nil, err
		}
		if len(p.Headers) > 0 {
			spec.Headers = map[string]string{}
			for k, v := range p.Headers {
				if spec.Headers[k], err = secret("headers."+k, v); err != nil {
					return nil, nil, err
				}
			}
		}
		if p.Type == config.TypeLocal {
			hasLocal = true
		}
		specs = append(specs, spec)
	}
	if !hasLocal {
		specs = append([]app.ProviderSpec{{Name: "local", Type: "local", Detected: "built in"}}, specs...)
	}
	var models []app.ModelSpec
	for _, m := range cfg.Models {
		models = append(models, app.ModelSpec{ID: m.ID, Provider: m.Provider, Upstream: m.Upstream, Region: m.Region})
	}
	return specs, models, nil
}

func newLogger(cfg *config.Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.Log.SlogLevel()}
	if cfg.Log.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func buildApp(ctx context.Context, l *loaded, log *slog.Logger) (*app.App, error) {
	l.opts.Log = log
	a, err := app.New(ctx, l.opts)
	if err != nil {
		return nil, usageErrorf("%v", err)
	}
	return a, nil
}
