package canon

// EmbedRequest asks for one embedding per input text.
type EmbedRequest struct {
	// Model is the id the client asked for; the gateway resolves it and
	// providers see the deployment's upstream name.
	Model  string
	Inputs []string
	// Dimensions asks for shorter vectors where the model supports it; nil
	// means the model's default.
	Dimensions *int
	// User identifies the end user where an upstream takes it.
	User string
}

// EmbedResponse holds the vectors, in input order, and the tokens read.
type EmbedResponse struct {
	Embeddings  [][]float32
	InputTokens int
}
