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
	// Purpose is what the vectors will be used for, and QueryTarget, for a
	// query, what kind of embeddings it will be compared with. Asymmetric
	// models embed the same text differently for each; "" means the client
	// did not say.
	Purpose     EmbedPurpose
	QueryTarget EmbedTarget
	// Truncate is what to do with an input longer than the model reads; ""
	// means the client did not say.
	Truncate EmbedTruncate
}

// EmbedPurpose is what an embedding is for. Cohere Embed's input_type and
// Amazon Nova Multimodal Embeddings' embeddingPurpose both carry it, and
// map onto each other through it:
//
//	Purpose         QueryTarget     Cohere input_type   Nova embeddingPurpose
//	document        —               search_document     GENERIC_INDEX
//	query           ""              search_query        GENERIC_RETRIEVAL
//	query           text            search_query        TEXT_RETRIEVAL
//	query           image           search_query        IMAGE_RETRIEVAL
//	query           video           search_query        VIDEO_RETRIEVAL
//	query           document_image  search_query        DOCUMENT_RETRIEVAL
//	query           audio           search_query        AUDIO_RETRIEVAL
//	classification  —               classification      CLASSIFICATION
//	clustering      —               clustering          CLUSTERING
//
// Nova indexes every modality with GENERIC_INDEX and picks the query
// purpose by what the index being searched holds (GENERIC_RETRIEVAL for a
// mix); DOCUMENT_RETRIEVAL searches embeddings of document page images,
// not text documents, hence the target's name. Cohere has one query type,
// so the target is dropped on the way to Cohere, and a Cohere search_query
// reaches Nova as GENERIC_RETRIEVAL, the query purpose that assumes nothing
// about the index. Where the client gave no purpose (OpenAI's
// /v1/embeddings has no such field) providers that must name one send
// document: what an index holds.
//
// Symmetric models (Titan Text Embeddings, OpenAI's, basalt-embed) have
// one vector per text whatever it is for, and ignore Purpose.
type EmbedPurpose string

// The embedding purposes.
const (
	EmbedDocument       EmbedPurpose = "document"
	EmbedQuery          EmbedPurpose = "query"
	EmbedClassification EmbedPurpose = "classification"
	EmbedClustering     EmbedPurpose = "clustering"
)

// EmbedTarget is the kind of embeddings a query searches (see
// EmbedPurpose); "" means a mix, or unknown.
type EmbedTarget string

// The query targets.
const (
	EmbedTargetText          EmbedTarget = "text"
	EmbedTargetImage         EmbedTarget = "image"
	EmbedTargetVideo         EmbedTarget = "video"
	EmbedTargetDocumentImage EmbedTarget = "document_image"
	EmbedTargetAudio         EmbedTarget = "audio"
)

// EmbedTruncate is what to do with an input longer than the model reads:
// Cohere's truncate and Nova's truncationMode, which take the same three
// values (NONE, START, END) with the same meaning. Where the client gave
// none, providers that must name one send none, so an over-long text is
// the upstream's error rather than the vector of a text the client did not
// send. Models with no such setting (Titan Text Embeddings, OpenAI's,
// basalt-embed) ignore it: asked to cut, they answer an over-long input
// with their own error, never with a vector of something else.
type EmbedTruncate string

// The truncation modes.
const (
	// EmbedTruncateNone makes an over-long input an error.
	EmbedTruncateNone EmbedTruncate = "none"
	// EmbedTruncateStart drops the beginning of an over-long input.
	EmbedTruncateStart EmbedTruncate = "start"
	// EmbedTruncateEnd drops the end of an over-long input.
	EmbedTruncateEnd EmbedTruncate = "end"
)

// EmbedResponse holds the vectors, in input order, and the tokens read.
type EmbedResponse struct {
	Embeddings  [][]float32
	InputTokens int
}
