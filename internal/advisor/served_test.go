package advisor

import (
	"slices"
	"testing"

	"github.com/basalt-gateway/basalt/internal/catalog"
)

func TestServedOnly(t *testing.T) {
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	const nova = "amazon.nova-lite-v1:0"
	served := func(id string) []string {
		if id == nova {
			return []string{"bedrock"}
		}
		return nil
	}
	a := New(cat)

	// Served alone only annotates.
	all := a.Advise(Request{Workload: ChatAssistant, Top: MaxTop, Served: served})
	if len(all.Recommendations[0].Models) < 2 {
		t.Fatalf("too few picks: %+v", all.Recommendations)
	}
	for _, p := range all.Recommendations[0].Models {
		has := slices.Contains(p.Reasons, "served here by provider bedrock")
		if has != (p.ModelID == nova) {
			t.Errorf("%s: served reason %v", p.ModelID, has)
		}
	}

	only := a.Advise(Request{Workload: ChatAssistant, ServedOnly: true, Served: served})
	if got := only.Recommendations[0].Models; len(got) != 1 || got[0].ModelID != nova {
		t.Errorf("served-only picks: %+v", got)
	}
	if !only.Understood.ServedOnly {
		t.Error("Understood.ServedOnly not set")
	}
	for _, r := range only.Rejected {
		if r.ModelID != nova {
			t.Errorf("an unserved model is among the rejections: %+v", r)
		}
	}

	// No served set: nothing qualifies, and the answer says why.
	none := a.Advise(Request{Workload: ChatAssistant, ServedOnly: true})
	if len(none.Recommendations[0].Models) != 0 || !slices.ContainsFunc(none.Understood.Notes, func(s string) bool {
		return s == "served_only: no running gateway configuration was given, so no model counts as served"
	}) {
		t.Errorf("served-only without a served set: %+v", none)
	}
}
