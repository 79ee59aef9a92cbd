package advisor

import (
	"slices"
	"strconv"
	"strings"

	"github.com/basalt-gateway/basalt/internal/catalog"
)

// explainPick builds the reasons for a recommended model.
func explainPick(c *cand, rs *roleSpec, n *normalized, reqs []requirement, w weights) Pick {
	m := &c.e.m
	var rs_ []string
	add := func(s string) { rs_ = append(rs_, s) }
	if rs.optional {
		add("optional role: a reranker reorders retrieved passages before generation")
	}
	switch {
	case c.fitList >= 0:
		add(seedLists[c.fitList].why)
	case c.fitList == -2:
		add("the catalog lists it as " + string(n.Client) + "-compatible")
	default:
		add("the catalog lists it for " + string(rs.tag))
	}
	apis := rs.apis(n.Client)
	var served []string
	for _, a := range apis {
		if m.HasAPI(catalog.API(a)) {
			served = append(served, string(a))
		}
	}
	if c.unverified {
		var attr []string
		for _, a := range apis {
			if slices.Contains(m.APIsUnverified, catalog.API(a)) {
				attr = append(attr, string(a))
			}
		}
		add(strings.Join(attr, " and ") + " attributed to the family by the guide, not verified for this model: -10")
	} else {
		add("served by " + strings.Join(served, " and "))
	}
	add(priceText(m, rs, c))
	if rs.primary && (rs.text || rs.role == RoleVoice) {
		add("context " + tokensText(m.ContextTokens) + ", max output " + tokensText(m.MaxOutputTokens))
	}
	if rs.primary && len(reqs) > 0 {
		names := make([]string, len(reqs))
		for i := range reqs {
			names[i] = reqs[i].name
		}
		add("meets --require " + strings.Join(names, ", "))
	}
	if n.Region != "" {
		switch {
		case c.rt.inRegion:
			add("listed in " + n.Region)
		default:
			add("reachable from " + n.Region + " through the cross-Region profile " + c.rt.id + " (call that id)")
		}
	}
	switch m.Status {
	case catalog.StatusPreview:
		add("preview: -5")
	case catalog.StatusLegacy:
		s := "legacy: ranks below every active model"
		if m.EndOfLife != "" {
			s += "; end of life " + m.EndOfLife
		}
		add(s)
	}
	if rs.bonus != nil {
		if _, why := rs.bonus(m); why != "" {
			add(why)
		}
	}
	var b strings.Builder
	b.WriteString("score = 100×(")
	b.WriteString(f2(w.fit) + "×fit " + f2(c.fit) + " + ")
	b.WriteString(f2(w.quality) + "×quality " + f2(c.quality) + " + ")
	b.WriteString(f2(w.cost) + "×cost " + f2(c.cost) + " + ")
	b.WriteString(f2(w.latency) + "×latency " + f2(c.latency) + ")")
	if c.bonus != 0 {
		b.WriteString(" + " + strconv.Itoa(c.bonus))
	}
	if c.penalty != 0 {
		b.WriteString(" − " + strconv.Itoa(c.penalty))
	}
	add(b.String())
	return Pick{ModelID: m.ID, Score: c.score, Reasons: rs_, MonthlyCostUSD: monthlyCost(rs, c.rt.price, n)}
}

func priceText(m *catalog.Model, rs *roleSpec, c *cand) string {
	var s string
	switch rs.unit {
	case unitTokens:
		tp := c.rt.price
		if tp.InputPerMTok == nil || tp.OutputPerMTok == nil {
			return "token price unknown: cost scored 0"
		}
		s = "USD " + money(*tp.InputPerMTok) + " in / " + money(*tp.OutputPerMTok) + " out per 1M tokens"
	case unitEmbedTokens:
		if c.rt.price.InputPerMTok == nil {
			return "price per input token unknown: cost scored 0"
		}
		s = "USD " + money(*c.rt.price.InputPerMTok) + " per 1M input tokens"
	default:
		p, ok := unitPrice(m, rs.unit, c.rt.price, nil)
		if !ok {
			return "price unknown: cost scored 0"
		}
		unit := map[costUnit]string{unitImage: "image", unitVideoSecond: "input video second", unitQuery: "1000 queries"}[rs.unit]
		return "USD " + money(p) + " per " + unit
	}
	switch {
	case c.rt.geo != "" && c.rt.exact:
		s += " (the " + c.rt.geo + ". profile's price)"
	case c.rt.geo != "":
		s += " (base price; the " + c.rt.geo + ". profile's may differ)"
	case c.rt.inRegion && !c.rt.exact:
		s += " (base price; may differ in this Region)"
	}
	return s
}

// explainFails lists every constraint c fails.
func explainFails(c *cand, rs *roleSpec, n *normalized, reqs []requirement) string {
	m := &c.e.m
	var out []string
	add := func(s string) { out = append(out, s) }
	if c.fails&failEOL != 0 {
		s := "end of life"
		if m.EndOfLife != "" {
			s += " since " + m.EndOfLife
		}
		add(s)
	}
	if c.fails&failAPI != 0 {
		apis := rs.apis(n.Client)
		names := make([]string, len(apis))
		for i, a := range apis {
			names[i] = string(a)
		}
		s := "not served by " + strings.Join(names, " or ")
		if slices.Contains(apis, Messages) {
			s += " (Messages serves Claude only)"
		} else if len(m.APIs) > 0 {
			has := make([]string, len(m.APIs))
			for i, a := range m.APIs {
				has[i] = string(a)
			}
			s += " (serves " + strings.Join(has, ", ") + ")"
		}
		add(s)
	}
	if c.fails&failRegion != 0 {
		if m.Regions == nil {
			add("availability in " + n.Region + " unknown (no Region listed and no cross-Region profile for it)")
		} else {
			add("not available in " + n.Region + " (listed in " + strings.Join(m.Regions, ", ") + "; no cross-Region profile for it)")
		}
	}
	if c.fails&failTPM != 0 {
		if m.Quotas.TokensPerMinute == nil {
			add("tokens-per-minute quota unknown")
		} else {
			add("default quota " + strconv.Itoa(*m.Quotas.TokensPerMinute) + " tokens/min < " + strconv.Itoa(n.MinTPM))
		}
	}
	if c.fails&failRequire != 0 {
		for _, u := range n.unknown {
			add("unknown requirement " + strconv.Quote(u))
		}
		for i := range reqs {
			if i >= 64 || c.reqFail&(1<<i) == 0 {
				continue
			}
			q := &reqs[i]
			switch {
			case q.cap && capValue(&m.Capabilities, q.name) == nil:
				add(strings.ReplaceAll(q.name, "_", " ") + " support unknown")
			case q.cap:
				add("no " + strings.ReplaceAll(q.name, "_", " ") + " support")
			case q.out:
				add("does not produce " + string(q.mod))
			default:
				add("does not accept " + string(q.mod) + " input")
			}
		}
	}
	if c.fails&failContext != 0 {
		if m.ContextTokens == nil {
			add("context window unknown")
		} else {
			add("context " + tokensText(m.ContextTokens) + " < " + strconv.Itoa(n.MinContext))
		}
	}
	if c.fails&failOutput != 0 {
		if m.MaxOutputTokens == nil {
			add("max output tokens unknown")
		} else {
			add("max output " + tokensText(m.MaxOutputTokens) + " < " + strconv.Itoa(n.MinOutput))
		}
	}
	if c.fails&failInPrice != 0 {
		if c.rt.price.InputPerMTok == nil {
			add("input price unknown")
		} else {
			add("input price USD " + money(*c.rt.price.InputPerMTok) + " > " + money(n.MaxInputPrice) + " per 1M tokens")
		}
	}
	if c.fails&failOutPrice != 0 {
		if c.rt.price.OutputPerMTok == nil {
			add("output price unknown")
		} else {
			add("output price USD " + money(*c.rt.price.OutputPerMTok) + " > " + money(n.MaxOutputPrice) + " per 1M tokens")
		}
	}
	return strings.Join(out, "; ")
}

// constraintNotes explains constraints that did not apply everywhere.
func constraintNotes(n *normalized, roles []roleSpec) []string {
	var out []string
	if n.MaxInputPrice > 0 || n.MaxOutputPrice > 0 {
		var skipped []string
		for _, r := range roles {
			if !r.inPrice && !r.outPrice {
				skipped = append(skipped, string(r.role))
			}
		}
		if len(skipped) > 0 {
			out = append(out, "price caps are per 1M tokens and do not apply to the "+strings.Join(skipped, ", ")+
				" role (billed per image, video second or query)")
		}
	}
	if len(roles) > 1 && (len(n.require) > 0 || n.MinContext > 0 || n.MinOutput > 0) {
		for _, r := range roles {
			if r.primary {
				out = append(out, "--require, --min-context and --min-output apply to the "+string(r.role)+" role")
			}
		}
	}
	if n.Region != "" {
		out = append(out, "the catalog's Region lists are evidence, not complete lists: a model with no evidence for "+
			n.Region+" is rejected, not assumed available")
	}
	if n.MonthlyInputTokens+n.MonthlyOutputTokens > 0 && len(roles) > 1 {
		out = append(out, "the monthly cost estimate covers the "+primaryRole(roles)+" role only")
	}
	return out
}

func primaryRole(roles []roleSpec) string {
	for _, r := range roles {
		if r.primary {
			return string(r.role)
		}
	}
	return ""
}

func f2(x float64) string { return strconv.FormatFloat(x, 'f', 2, 64) }

func money(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

func tokensText(p *int) string {
	if p == nil {
		return "unknown"
	}
	v := *p
	switch {
	case v >= 1_000_000 && v%1_000_000 == 0:
		return strconv.Itoa(v/1_000_000) + "M"
	case v >= 1000 && v%1000 == 0:
		return strconv.Itoa(v/1000) + "K"
	}
	return strconv.Itoa(v)
}
