package bedrock

import (
	"encoding/json"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/document"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
)

// Budgets and efforts translate into each other when a client stated one and
// the family takes the other. The budgets sit inside Claude's documented
// range (at least 1024, below max_tokens for typical requests).
var effortBudgets = map[string]int{"low": 2048, "medium": 8192, "high": 16384}

func budgetFor(r *canon.ReasoningConfig) int {
	if r.BudgetTokens > 0 {
		return r.BudgetTokens
	}
	if b, ok := effortBudgets[r.Effort]; ok {
		return b
	}
	return effortBudgets["medium"]
}

func effortFor(r *canon.ReasoningConfig) string {
	switch {
	case r.Effort != "":
		return r.Effort
	case r.BudgetTokens == 0:
		return "medium"
	case r.BudgetTokens <= effortBudgets["low"]:
		return "low"
	case r.BudgetTokens <= effortBudgets["medium"]:
		return "medium"
	}
	return "high"
}

// additionalFields builds additionalModelRequestFields: the client's own
// model-specific fields plus the canonical fields Converse has no member for
// (reasoning, top-k), placed where the model family expects them. Canonical
// fields win over a client field of the same name.
func additionalFields(req *canon.Request) (document.Interface, error) {
	fields := make(map[string]json.RawMessage, len(req.AdditionalFields)+2)
	for k, v := range req.AdditionalFields {
		fields[k] = v
	}
	fam := modelFamily(req.Model)
	if r := req.Reasoning; r != nil {
		switch fam {
		case familyClaude:
			fields["thinking"] = json.RawMessage(`{"type":"enabled","budget_tokens":` + strconv.Itoa(budgetFor(r)) + `}`)
		case familyNova:
			fields["reasoningConfig"] = mustJSON(map[string]string{"type": "enabled", "maxReasoningEffort": effortFor(r)})
		default:
			fields["reasoning_effort"] = mustJSON(effortFor(r))
		}
	}
	if k := req.Inference.TopK; k != nil {
		if fam == familyNova {
			// Nova reads its native inferenceConfig, which may already hold
			// other client settings; topK is added beside them.
			ic := map[string]json.RawMessage{}
			if raw, ok := fields["inferenceConfig"]; ok {
				if err := json.Unmarshal(raw, &ic); err != nil {
					return nil, apierr.Validationf("additional field inferenceConfig must be a JSON object")
				}
			}
			ic["topK"] = json.RawMessage(strconv.Itoa(*k))
			fields["inferenceConfig"] = mustJSON(ic)
		} else {
			fields["top_k"] = json.RawMessage(strconv.Itoa(*k))
		}
	}
	if len(fields) == 0 {
		return nil, nil
	}
	for k, v := range fields {
		if !json.Valid(v) {
			return nil, apierr.Validationf("additional field %q is not valid JSON", k)
		}
	}
	return toDocument(mustJSON(fields))
}

// mustJSON marshals values that cannot fail to marshal (strings, maps of
// already-validated raw JSON).
func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic("bedrock: " + err.Error())
	}
	return b
}
