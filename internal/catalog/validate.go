package catalog

import (
	"fmt"
	"math"
	"time"
)

// validate checks what every entry must satisfy, embedded or from a config
// file: values the router and advisor would otherwise misread. Editorial
// rules that only the embedded data must meet (sources present, at least one
// API, family matching the id) live in the integrity test.
func validate(m *Model) error {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("catalog: model %q: %s", m.ID, fmt.Sprintf(format, args...))
	}
	if _, err := ParseID(m.ID); err != nil {
		return fail("%v", err)
	}
	for _, a := range m.Aliases {
		if _, err := ParseID(a); err != nil {
			return fail("alias: %v", err)
		}
	}
	if !m.Status.valid() {
		return fail("unknown status %q", m.Status)
	}
	if err := checkDate(m.EndOfLife); err != nil {
		return fail("end_of_life: %v", err)
	}
	for _, list := range [][]Modality{m.InputModalities, m.OutputModalities} {
		for _, x := range list {
			if !x.valid() {
				return fail("unknown modality %q", x)
			}
		}
	}
	for _, list := range [][]API{m.APIs, m.APIsUnverified} {
		for _, a := range list {
			if !a.valid() {
				return fail("unknown api %q", a)
			}
		}
	}
	for _, w := range m.Workloads {
		if !w.valid() {
			return fail("unknown workload %q", w)
		}
	}
	for name, v := range map[string]*int{"context_tokens": m.ContextTokens, "max_output_tokens": m.MaxOutputTokens,
		"embedding_dimensions": m.EmbeddingDimensions, "quotas.requests_per_minute": m.Quotas.RequestsPerMinute,
		"quotas.tokens_per_minute": m.Quotas.TokensPerMinute} {
		if v != nil && *v <= 0 {
			return fail("%s must be positive when known, got %d", name, *v)
		}
	}
	for _, p := range m.InferenceProfiles {
		if id, err := ParseID(p); err != nil || id.Kind != KindProfile {
			return fail("inference profile %q is not a geo-prefixed profile id", p)
		}
	}
	if err := checkPrice(&m.Price); err != nil {
		return fail("price: %v", err)
	}
	return nil
}

func checkPrice(p *Price) error {
	if err := checkDate(p.AsOf); err != nil {
		return fmt.Errorf("as_of: %w", err)
	}
	for _, f := range p.scalarFields() {
		if err := checkAmount(*f); err != nil {
			return err
		}
	}
	for k, v := range p.PerOutputImageBySizeSteps {
		if err := checkAmount(&v); err != nil {
			return fmt.Errorf("per_output_image_by_size_steps[%s]: %w", k, err)
		}
	}
	if lc := p.LongContext; lc != nil {
		if lc.AboveTokens <= 0 {
			return fmt.Errorf("long_context.above_tokens must be positive")
		}
		if err := checkTokenPrice(TokenPrice{lc.InputPerMTok, lc.OutputPerMTok}); err != nil {
			return fmt.Errorf("long_context: %w", err)
		}
	}
	if p.Batch != nil {
		if err := checkTokenPrice(*p.Batch); err != nil {
			return fmt.Errorf("batch: %w", err)
		}
	}
	for geo, tp := range p.Profiles {
		if !isGeo(geo) {
			return fmt.Errorf("profiles: %q is not a geo prefix", geo)
		}
		if err := checkTokenPrice(tp); err != nil {
			return fmt.Errorf("profiles[%s]: %w", geo, err)
		}
	}
	for region, tp := range p.Regions {
		if !isLowerWord(region) {
			return fmt.Errorf("regions: %q is not a Region name", region)
		}
		if err := checkTokenPrice(tp); err != nil {
			return fmt.Errorf("regions[%s]: %w", region, err)
		}
	}
	return nil
}

func checkTokenPrice(tp TokenPrice) error {
	if err := checkAmount(tp.InputPerMTok); err != nil {
		return err
	}
	return checkAmount(tp.OutputPerMTok)
}

func checkAmount(v *float64) error {
	// !(x >= 0) also rejects NaN.
	if v != nil && (!(*v >= 0) || math.IsInf(*v, 0)) {
		return fmt.Errorf("price %v is not a non-negative amount", *v)
	}
	return nil
}

func checkDate(s string) error {
	if s == "" {
		return nil
	}
	_, err := time.Parse(time.DateOnly, s)
	return err
}
