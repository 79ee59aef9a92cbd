package canon

import "encoding/json"

// RerankRequest asks for documents ordered by their relevance to a query.
type RerankRequest struct {
	// Model is the id the client asked for; the gateway resolves it and
	// providers see the deployment's upstream name.
	Model string
	Query string
	// Documents are the texts to rank, in the client's order. A structured
	// (JSON object) document is kept as its JSON text: every reranker
	// behind the gateway reads text, and Cohere's own v2 API asks for
	// structured data flattened into strings.
	Documents []string
	// TopN caps the results; nil means one result per document.
	TopN *int
	// MaxTokensPerDoc truncates each document before ranking where the
	// model supports it (Cohere's max_tokens_per_doc); nil means the
	// model's default.
	MaxTokensPerDoc *int
	// AdditionalFields are model-specific request fields passed through to
	// the upstream body (the agent runtime's additionalModelRequestFields),
	// minus those with a place above.
	AdditionalFields map[string]json.RawMessage
}

// RerankResult scores one document. Index is its position in
// RerankRequest.Documents; Score is the model's relevance, higher is more
// relevant (in [0, 1] for every model Basalt serves).
type RerankResult struct {
	Index int
	Score float64
}

// RerankResponse holds the scored documents, most relevant first, at most
// TopN of them.
type RerankResponse struct {
	Results []RerankResult
	// InputTokens is what the model read, where it reports it (0 if not).
	InputTokens int
}
