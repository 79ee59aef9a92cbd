package advisor

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/basalt-gateway/basalt/internal/catalog"
)

// Answer is the advisor's recommendation. Its JSON form is the stable
// program interface of `basalt advise --json` and POST /advise.
type Answer struct {
	Workload        Workload         `json:"workload"`
	APIs            []APIChoice      `json:"apis"`
	Recommendations []Recommendation `json:"recommendations"`
	Rejected        []Rejection      `json:"rejected"`
	Understood      Understood       `json:"understood"`
}

// APIChoice is one API to use and why.
type APIChoice struct {
	Name API    `json:"name"`
	Why  string `json:"why"`
}

// Recommendation is the ranked list for one role.
type Recommendation struct {
	Role   Role   `json:"role"`
	Models []Pick `json:"models"`
}

// Pick is one recommended model.
type Pick struct {
	ModelID string   `json:"model_id"`
	Score   float64  `json:"score"`
	Reasons []string `json:"reasons"`
	// MonthlyCostUSD is nil when no monthly volume was given or a needed
	// price is unknown.
	MonthlyCostUSD *float64 `json:"monthly_cost_usd"`
}

// Rejection is a popular model a constraint ruled out.
type Rejection struct {
	ModelID string `json:"model_id"`
	Reason  string `json:"reason"`
}

// MaxRejected bounds Answer.Rejected.
const MaxRejected = 12

// Advisor answers requests over one catalog. It is safe for concurrent use.
type Advisor struct {
	cat     *catalog.Catalog
	entries []entry
	byTag   map[catalog.Workload][]int // catalog workload tag → entry indexes
	pool    sync.Pool                  // *[]cand scratch space
}

type entry struct {
	m     catalog.Model
	lists uint32 // bit i: named by seedLists[i]
	// moderationOnly models (safety classifiers) serve moderation only.
	moderationOnly bool
	breadth        float64 // share of the ten advisor flags known true
	ctxScore       float64
}

// New precomputes what Advise needs from cat.
func New(cat *catalog.Catalog) *Advisor {
	a := &Advisor{cat: cat, byTag: map[catalog.Workload][]int{}}
	for _, m := range cat.Models() {
		if m.Family == catalog.FamilyBasalt || m.Provider == "basalt" {
			continue
		}
		e := entry{m: m, lists: listsOf(m.ID), moderationOnly: slices.Contains(m.Workloads, catalog.WorkloadModeration)}
		known := 0
		for _, name := range capNames[:10] {
			if isTrue(capValue(&m.Capabilities, name)) {
				known++
			}
		}
		e.breadth = float64(known) / 10
		if m.ContextTokens != nil {
			e.ctxScore = clamp01(math.Log2(float64(*m.ContextTokens)/8192) / math.Log2(1e6/8192))
		}
		for _, w := range m.Workloads {
			a.byTag[w] = append(a.byTag[w], len(a.entries))
		}
		a.entries = append(a.entries, e)
	}
	return a
}

// candidates calls f with every entry tagged for the role (or, for text
// roles, with the client's compatibility tag), once each.
func (a *Advisor) candidates(rs *roleSpec, c Client, f func(e *entry)) {
	for _, i := range a.byTag[rs.tag] {
		f(&a.entries[i])
	}
	var compat catalog.Workload
	switch {
	case !rs.text || rs.role == RoleClassifier:
		return
	case c == ClientOpenAI:
		compat = catalog.WorkloadOpenAICompatible
	case c == ClientAnthropic:
		compat = catalog.WorkloadAnthropicCompatible
	default:
		return
	}
	for _, i := range a.byTag[compat] {
		if e := &a.entries[i]; !slices.Contains(e.m.Workloads, rs.tag) {
			f(e)
		}
	}
}

var last atomic.Pointer[Advisor]

// Advise answers r over cat. It keeps the precomputed facts of the last
// catalog it saw, so repeated calls with one catalog cost one pass over its
// models; use New for a dedicated instance.
func Advise(cat *catalog.Catalog, r Request) Answer {
	a := last.Load()
	if a == nil || a.cat != cat {
		a = New(cat)
		last.Store(a)
	}
	return a.Advise(r)
}

// failure kinds, bit positions in cand.fails.
const (
	failEOL = 1 << iota
	failAPI
	failRegion
	failTPM
	failRequire
	failContext
	failOutput
	failInPrice
	failOutPrice
)

// route is how a model is reached in the requested Region.
type route struct {
	id       string // id to call: base id or profile id
	geo      string // profile geo prefix, "" for the base id
	inRegion bool   // Region listed on the model
	price    catalog.TokenPrice
	exact    bool // price row specific to the route
}

type cand struct {
	e          *entry
	fit        float64
	fitList    int // index into seedLists, -1 tag only, -2 compat tag only
	fails      uint32
	reqFail    uint64 // bit i: n.require[i] not satisfied
	unverified bool   // serves the role's APIs only as unverified
	rt         route
	tier       int // 0 active/preview, 1 legacy
	cost       float64
	costKnown  bool
	quality    float64
	latency    float64
	bonus      int
	penalty    int
	score      float64
}

type weights struct{ fit, quality, cost, latency float64 }

func weightsFor(p Priority) weights {
	switch p {
	case Cost:
		return weights{.25, .15, .50, .10}
	case Quality:
		return weights{.25, .55, .10, .10}
	case Latency:
		return weights{.25, .15, .10, .50}
	}
	return weights{.30, .40, .20, .10}
}

// Advise answers r (see the package comment for the rules).
func (a *Advisor) Advise(r Request) Answer {
	n := normalize(r)
	ans := Answer{Workload: n.Workload, APIs: answerAPIs(&n), Recommendations: []Recommendation{}, Rejected: []Rejection{}}
	roles := workloadRoles(n.Workload)
	reqs := parseRequires(n.require)
	w := weightsFor(n.Priority)
	scratch, _ := a.pool.Get().(*[]cand)
	if scratch == nil {
		scratch = new([]cand)
	}
	defer a.pool.Put(scratch)
	var rejected []cand
	var rejectedRole []int
	notes := n.notes
	for ri := range roles {
		rs := &roles[ri]
		apis := rs.apis(n.Client)
		cands := (*scratch)[:0]
		a.candidates(rs, n.Client, func(e *entry) {
			if n.ServedOnly && (n.Served == nil || len(n.Served(e.m.ID)) == 0) {
				return
			}
			if c, ok := a.consider(e, rs, apis, &n, reqs, w); ok {
				cands = append(cands, c)
			}
		})
		*scratch = cands
		order := make([]*cand, len(cands))
		for i := range cands {
			order[i] = &cands[i]
		}
		slices.SortFunc(order, func(x, y *cand) int {
			if x.tier != y.tier {
				return x.tier - y.tier
			}
			if c := cmp.Compare(y.score, x.score); c != 0 {
				return c
			}
			return strings.Compare(x.e.m.ID, y.e.m.ID)
		})
		picks := pickTop(order, n.Top)
		rec := Recommendation{Role: rs.role, Models: make([]Pick, 0, len(picks))}
		for _, pi := range picks {
			p := explainPick(order[pi], rs, &n, reqs, w)
			if n.Served != nil {
				if ps := n.Served(p.ModelID); len(ps) > 0 {
					p.Reasons = append(p.Reasons, "served here by provider "+strings.Join(ps, ", "))
				}
			}
			rec.Models = append(rec.Models, p)
		}
		if len(rec.Models) == 0 {
			notes = append(notes, "no model meets every constraint for the "+string(rs.role)+" role; see rejected")
		}
		ans.Recommendations = append(ans.Recommendations, rec)
		// Popular rejections: named by the guide for this role or client, or
		// any candidate when the guide names none for the role. cands is in
		// rank order, so the first MaxRejected are the most relevant.
		kept := 0
		for _, c := range order {
			if kept < MaxRejected && c.fails != 0 && (c.fitList >= 0 || rs.list < 0) {
				rejected = append(rejected, *c)
				rejectedRole = append(rejectedRole, ri)
				kept++
			}
		}
	}
	// The most relevant rejections first: the ones that would rank highest.
	idx := make([]int, len(rejected))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(x, y int) int {
		cx, cy := &rejected[x], &rejected[y]
		if cx.tier != cy.tier {
			return cx.tier - cy.tier
		}
		return cmp.Compare(cy.score, cx.score)
	})
	for _, i := range idx {
		if len(ans.Rejected) == MaxRejected {
			break
		}
		rs := &roles[rejectedRole[i]]
		reason := explainFails(&rejected[i], rs, &n, reqs)
		if len(roles) > 1 {
			reason = string(rs.role) + ": " + reason
		}
		ans.Rejected = append(ans.Rejected, Rejection{ModelID: rejected[i].e.m.ID, Reason: reason})
	}
	n.notes = notes
	ans.Understood = n.understood()
	ans.Understood.Notes = append(ans.Understood.Notes, constraintNotes(&n, roles)...)
	return ans
}

// pickTop returns the indexes (into the ranked cands) of the top n passing candidates, at most two
// per family while other families remain.
func pickTop(cands []*cand, n int) []int {
	var picks, skipped []int
	perFamily := map[string]int{}
	for i := range cands {
		if cands[i].fails != 0 {
			continue
		}
		if len(picks) == n {
			break
		}
		f := cands[i].e.m.Family
		if perFamily[f] >= 2 {
			skipped = append(skipped, i)
			continue
		}
		perFamily[f]++
		picks = append(picks, i)
	}
	for _, i := range skipped {
		if len(picks) == n {
			break
		}
		picks = append(picks, i)
	}
	slices.Sort(picks) // cands are sorted, so index order is rank order
	return picks
}

// consider evaluates e for the role. ok is false when e is not a candidate
// at all (wrong workload); a candidate that fails constraints is returned
// with fails set.
func (a *Advisor) consider(e *entry, rs *roleSpec, apis []API, n *normalized, reqs []requirement, w weights) (cand, bool) {
	m := &e.m
	c := cand{e: e, fitList: -1}
	tagged := slices.Contains(m.Workloads, rs.tag)
	if e.moderationOnly && n.Workload != Moderation {
		return c, false
	}
	compat := false
	if rs.text && rs.role != RoleClassifier {
		switch {
		case n.Client == ClientOpenAI:
			compat = slices.Contains(m.Workloads, catalog.WorkloadOpenAICompatible)
		case n.Client == ClientAnthropic:
			compat = slices.Contains(m.Workloads, catalog.WorkloadAnthropicCompatible)
		}
	}
	if !tagged && !compat {
		return c, false
	}
	// fit: the best list that names the model.
	switch {
	case tagged:
		c.fit = 0.6
	default:
		c.fit, c.fitList = 0.5, -2
	}
	try := func(list int) {
		if list >= 0 && e.lists&(1<<list) != 0 && seedLists[list].fit > c.fit {
			c.fit, c.fitList = seedLists[list].fit, list
		}
	}
	if tagged {
		try(rs.list)
		if n.Workload == ChatAssistant {
			try(listChatStep1)
		}
	}
	if rs.text && n.Client == ClientOpenAI {
		try(listOpenAI)
	}
	if rs.text && n.Client == ClientAnthropic && rs.role != RoleClassifier {
		try(listAnthropic)
	}

	switch m.Status {
	case catalog.StatusEndOfLife:
		c.fails |= failEOL
	case catalog.StatusLegacy:
		c.tier = 1
	case catalog.StatusPreview:
		c.penalty += 5
	}
	verified, unverified := false, false
	for _, api := range apis {
		if m.HasAPI(catalog.API(api)) {
			verified = true
		} else if slices.Contains(m.APIsUnverified, catalog.API(api)) {
			unverified = true
		}
	}
	if !verified {
		if unverified {
			c.unverified = true
			c.penalty += 10
		} else {
			c.fails |= failAPI
		}
	}
	var ok bool
	if c.rt, ok = routeFor(m, n.Region); !ok {
		c.fails |= failRegion
	}
	if n.MinTPM > 0 && (m.Quotas.TokensPerMinute == nil || *m.Quotas.TokensPerMinute < n.MinTPM) {
		c.fails |= failTPM
	}
	if rs.primary {
		if len(n.unknown) > 0 {
			c.fails |= failRequire
		}
		for i := range reqs {
			if i < 64 && !reqs[i].met(m) {
				c.reqFail |= 1 << i
				c.fails |= failRequire
			}
		}
		if n.MinContext > 0 && (m.ContextTokens == nil || *m.ContextTokens < n.MinContext) {
			c.fails |= failContext
		}
		if n.MinOutput > 0 && (m.MaxOutputTokens == nil || *m.MaxOutputTokens < n.MinOutput) {
			c.fails |= failOutput
		}
	}
	if rs.inPrice && n.MaxInputPrice > 0 && (c.rt.price.InputPerMTok == nil || *c.rt.price.InputPerMTok > n.MaxInputPrice) {
		c.fails |= failInPrice
	}
	if rs.outPrice && n.MaxOutputPrice > 0 && (c.rt.price.OutputPerMTok == nil || *c.rt.price.OutputPerMTok > n.MaxOutputPrice) {
		c.fails |= failOutPrice
	}

	// Components.
	p, known := unitPrice(m, rs.unit, c.rt.price, n)
	c.costKnown = known
	size, lat := 0.5, 0.5
	if known {
		b := unitBounds[rs.unit]
		r := math.Log10(b.hi / b.lo)
		c.cost, size = 1, 0
		if p > 0 {
			c.cost = clamp01(1 - math.Log10(p/b.lo)/r)
			size = clamp01(math.Log10(p/b.lo) / (r * 2 / 3))
		}
		lat = c.cost
	}
	c.quality = 0.4*size + 0.4*e.breadth + 0.2*e.ctxScore
	if isTrue(m.Capabilities.Streaming) {
		lat += 0.1
	}
	if isTrue(m.Capabilities.Reasoning) {
		lat -= 0.2
	}
	c.latency = clamp01(lat)
	if rs.bonus != nil {
		c.bonus, _ = rs.bonus(m)
	}
	s := 100*(w.fit*c.fit+w.quality*c.quality+w.cost*c.cost+w.latency*c.latency) + float64(c.bonus-c.penalty)
	c.score = math.Round(s*10) / 10
	return c, true
}

// unitPrice is the price in the role's billing unit at the route's price.
func unitPrice(m *catalog.Model, u costUnit, tp catalog.TokenPrice, n *normalized) (float64, bool) {
	switch u {
	case unitTokens:
		if tp.InputPerMTok == nil || tp.OutputPerMTok == nil {
			return 0, false
		}
		in, out := *tp.InputPerMTok, *tp.OutputPerMTok
		if t := n.MonthlyInputTokens + n.MonthlyOutputTokens; t > 0 {
			return (in*float64(n.MonthlyInputTokens) + out*float64(n.MonthlyOutputTokens)) / float64(t), true
		}
		return (3*in + out) / 4, true
	case unitEmbedTokens:
		if tp.InputPerMTok == nil {
			return 0, false
		}
		return *tp.InputPerMTok, true
	case unitImage:
		if m.Price.PerOutputImage != nil {
			return *m.Price.PerOutputImage, true
		}
		best, ok := 0.0, false
		for _, v := range m.Price.PerOutputImageBySizeSteps {
			if !ok || v < best {
				best, ok = v, true
			}
		}
		return best, ok
	case unitVideoSecond:
		if m.Price.PerInputVideoSecond != nil {
			return *m.Price.PerInputVideoSecond, true
		}
	case unitQuery:
		if m.Price.Per1KQueries != nil {
			return *m.Price.Per1KQueries, true
		}
	}
	return 0, false
}

// monthlyCost is the estimate for the primary role, nil if unknown.
func monthlyCost(rs *roleSpec, tp catalog.TokenPrice, n *normalized) *float64 {
	if !rs.primary || n.MonthlyInputTokens+n.MonthlyOutputTokens == 0 || !(rs.inPrice || rs.outPrice) {
		return nil
	}
	total := 0.0
	if n.MonthlyInputTokens > 0 {
		if tp.InputPerMTok == nil {
			return nil
		}
		total += *tp.InputPerMTok * float64(n.MonthlyInputTokens) / 1e6
	}
	if n.MonthlyOutputTokens > 0 {
		if tp.OutputPerMTok == nil {
			return nil
		}
		total += *tp.OutputPerMTok * float64(n.MonthlyOutputTokens) / 1e6
	}
	total = math.Round(total*100) / 100
	return &total
}

// GeosForRegion returns the cross-Region profile geographies whose
// profiles can be called from region, most specific first (eu-central-1 →
// eu, global). The mapping follows the profile geographies (us, eu, apac, jp,
// au, ca, us-gov, global); global covers every commercial Region.
func GeosForRegion(region string) []string {
	switch {
	case strings.HasPrefix(region, "us-gov-"):
		return []string{"us-gov"}
	case strings.HasPrefix(region, "cn-"):
		return nil
	case strings.HasPrefix(region, "us-"):
		return []string{"us", "global"}
	case strings.HasPrefix(region, "eu-"):
		return []string{"eu", "global"}
	case region == "ap-northeast-1" || region == "ap-northeast-3":
		return []string{"jp", "apac", "global"}
	case region == "ap-southeast-2" || region == "ap-southeast-4":
		return []string{"au", "apac", "global"}
	case strings.HasPrefix(region, "ap-"):
		return []string{"apac", "global"}
	case strings.HasPrefix(region, "ca-"):
		return []string{"ca", "global"}
	}
	return []string{"global"}
}

// routeFor finds how m is reached from region ("" = no Region asked).
func routeFor(m *catalog.Model, region string) (route, bool) {
	if region == "" {
		tp, exact := m.Price.Tokens("", "")
		return route{id: m.ID, price: tp, exact: exact}, true
	}
	if slices.Contains(m.Regions, region) {
		tp, exact := m.Price.Tokens("", region)
		return route{id: m.ID, inRegion: true, price: tp, exact: exact}, true
	}
	for _, geo := range GeosForRegion(region) {
		for _, p := range m.InferenceProfiles {
			if len(p) > len(geo) && p[len(geo)] == '.' && strings.HasPrefix(p, geo) {
				tp, exact := m.Price.Tokens(geo, "")
				return route{id: p, geo: geo, price: tp, exact: exact}, true
			}
		}
	}
	tp, _ := m.Price.Tokens("", region)
	return route{id: m.ID, price: tp}, false
}

// requirement is one parsed --require value.
type requirement struct {
	name string // canonical
	cap  bool
	out  bool // output modality
	mod  catalog.Modality
}

func parseRequires(names []string) []requirement {
	out := make([]requirement, 0, len(names))
	for _, s := range names {
		if dir, mod, ok := strings.Cut(s, ":"); ok {
			out = append(out, requirement{name: s, out: dir == "output", mod: catalog.Modality(mod)})
		} else {
			out = append(out, requirement{name: s, cap: true})
		}
	}
	return out
}

func (q *requirement) met(m *catalog.Model) bool {
	switch {
	case q.cap:
		return isTrue(capValue(&m.Capabilities, q.name))
	case q.out:
		return m.HasOutput(q.mod)
	}
	return m.HasInput(q.mod)
}

func clamp01(x float64) float64 {
	if math.IsNaN(x) || x < 0 {
		return 0
	}
	if x > 1 {
		return 1
	}
	return x
}
