package advisor

import (
	"strconv"
	"strings"
)

// Text renders the answer as the readable table `basalt advise` prints.
func (a *Answer) Text() string {
	var b strings.Builder
	u := &a.Understood
	b.WriteString("Workload: " + string(a.Workload) + "  (priority " + string(u.Priority) + ", client " + string(u.Client))
	if u.Region != "" {
		b.WriteString(", region " + u.Region)
	}
	b.WriteString(")\n")
	if u.Text != "" {
		b.WriteString("Understood " + strconv.Quote(u.Text) + " as:\n")
		for _, r := range u.Rules {
			b.WriteString("  " + strconv.Quote(r.Matched) + " → " + r.Sets + "\n")
		}
		if len(u.Rules) == 0 {
			b.WriteString("  (no rule matched; defaults)\n")
		}
	}
	var cons []string
	if len(u.Require) > 0 {
		cons = append(cons, "require "+strings.Join(u.Require, ", "))
	}
	if u.MaxInputPrice > 0 {
		cons = append(cons, "input ≤ USD "+money(u.MaxInputPrice)+"/1M")
	}
	if u.MaxOutputPrice > 0 {
		cons = append(cons, "output ≤ USD "+money(u.MaxOutputPrice)+"/1M")
	}
	if u.MinContext > 0 {
		cons = append(cons, "context ≥ "+strconv.Itoa(u.MinContext))
	}
	if u.MinOutput > 0 {
		cons = append(cons, "output ≥ "+strconv.Itoa(u.MinOutput)+" tokens")
	}
	if u.MinTPM > 0 {
		cons = append(cons, "quota ≥ "+strconv.Itoa(u.MinTPM)+" tokens/min")
	}
	if u.MonthlyInputTokens+u.MonthlyOutputTokens > 0 {
		cons = append(cons, "monthly "+strconv.FormatInt(u.MonthlyInputTokens, 10)+" in / "+
			strconv.FormatInt(u.MonthlyOutputTokens, 10)+" out tokens")
	}
	if len(cons) > 0 {
		b.WriteString("Constraints: " + strings.Join(cons, "; ") + "\n")
	}

	b.WriteString("\nAPIs\n")
	w := 0
	for _, c := range a.APIs {
		w = max(w, len(c.Name))
	}
	for _, c := range a.APIs {
		b.WriteString("  " + string(c.Name) + strings.Repeat(" ", w-len(c.Name)+2) + c.Why + "\n")
	}

	for _, rec := range a.Recommendations {
		b.WriteString("\n" + strings.ToUpper(string(rec.Role)) + "\n")
		if len(rec.Models) == 0 {
			b.WriteString("  (no model meets every constraint)\n")
			continue
		}
		idW, scoreW := len("MODEL"), len("SCORE")
		for _, p := range rec.Models {
			idW = max(idW, len(p.ModelID))
			scoreW = max(scoreW, len(score(p.Score)))
		}
		b.WriteString("  #  " + pad("MODEL", idW) + "  " + pad("SCORE", scoreW) + "  USD/MONTH\n")
		for i, p := range rec.Models {
			cost := "-"
			if p.MonthlyCostUSD != nil {
				cost = strconv.FormatFloat(*p.MonthlyCostUSD, 'f', 2, 64)
			}
			b.WriteString("  " + pad(strconv.Itoa(i+1), 2) + " " + pad(p.ModelID, idW) + "  " + pad(score(p.Score), scoreW) + "  " + cost + "\n")
		}
		for i, p := range rec.Models {
			b.WriteString("  " + strconv.Itoa(i+1) + ". " + p.ModelID + "\n")
			for _, r := range p.Reasons {
				b.WriteString("       - " + r + "\n")
			}
		}
	}
	if len(a.Rejected) > 0 {
		b.WriteString("\nREJECTED\n")
		idW := 0
		for _, r := range a.Rejected {
			idW = max(idW, len(r.ModelID))
		}
		for _, r := range a.Rejected {
			b.WriteString("  " + pad(r.ModelID, idW) + "  " + r.Reason + "\n")
		}
	}
	if len(u.Notes) > 0 {
		b.WriteString("\nNOTES\n")
		for _, n := range u.Notes {
			b.WriteString("  - " + n + "\n")
		}
	}
	return b.String()
}

func score(x float64) string { return strconv.FormatFloat(x, 'f', 1, 64) }

func pad(s string, w int) string {
	if len(s) >= w {
		return s
	}
	return s + strings.Repeat(" ", w-len(s))
}
