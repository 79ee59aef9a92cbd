// Package canon holds Basalt's canonical, Converse-shaped request and event
// stream. Every inbound API shape decodes into a *Request and every provider
// answers with a sequence of Events; nothing here does I/O or knows a wire
// format, so the N shapes and M providers meet only at these types.
package canon

import "encoding/json"

// Role is who authored a message.
type Role string

const (
	RoleUser      Role = "user"
	RoleAssistant Role = "assistant"
)

// Request is one model call, in Converse's terms.
type Request struct {
	// Model is the id the client asked for (catalog id, inference profile,
	// ARN or alias); the gateway resolves it, providers see Deployment.Upstream.
	Model string
	// Stream says the client reads the answer incrementally. Providers may
	// call their upstream unary when it is false; the events are the same.
	Stream    bool
	System    []Block // Text, CachePoint or GuardContent blocks
	Messages  []Message
	Inference InferenceConfig
	Tools     *ToolConfig
	Reasoning *ReasoningConfig
	// OutputFormat asks for structured output (Converse outputConfig.textFormat,
	// OpenAI response_format).
	OutputFormat *OutputFormat
	// AdditionalFields are model-specific request fields (Converse
	// additionalModelRequestFields) that no canonical field covers; providers
	// merge them into their native body. Keys lifted into canonical fields
	// (thinking, reasoningConfig, top_k) are removed.
	AdditionalFields map[string]json.RawMessage
	// AdditionalResponseFieldPaths are JSON Pointers into the native response
	// whose values come back in Response.AdditionalFields.
	AdditionalResponseFieldPaths []string
	RequestMetadata              map[string]string
	// PerformanceLatency is "standard" or "optimized" (Converse performanceConfig).
	PerformanceLatency string
	// ServiceTier is Converse serviceTier.type.
	ServiceTier string
	// User identifies the end user for abuse tracking where an upstream takes it.
	User string
	// ShapeData is what an inbound shape keeps from decoding the request
	// for encoding its answer (which of a family's body styles the client
	// used). Opaque to the gateway and providers.
	ShapeData any
}

// InferenceConfig holds the sampling parameters every API shape shares.
// Pointers distinguish "not sent" from zero.
type InferenceConfig struct {
	MaxTokens     *int
	Temperature   *float64
	TopP          *float64
	TopK          *int
	StopSequences []string
	Seed          *int64
}

// ReasoningConfig asks the model to think before answering.
type ReasoningConfig struct {
	// BudgetTokens is Anthropic's thinking budget; 0 means not stated.
	BudgetTokens int
	// Effort is "low", "medium" or "high" (OpenAI reasoning_effort, Nova
	// maxReasoningEffort); empty means not stated.
	Effort string
}

// OutputFormat constrains the answer's text to JSON.
type OutputFormat struct {
	// Type is "json_schema" or "json_object".
	Type        string
	Name        string
	Description string
	Schema      json.RawMessage // JSON Schema object; nil for json_object
	Strict      bool
}

// Message is one turn of the conversation.
type Message struct {
	Role    Role
	Content []Block
}

// ToolConfig lists the tools the model may call and how it must choose.
type ToolConfig struct {
	Tools  []Tool
	Choice ToolChoice
}

// Tool is a function the model may call.
type Tool struct {
	Name        string
	Description string
	InputSchema json.RawMessage // JSON Schema object
	Strict      bool
	// CachePoint marks a prompt-cache checkpoint after this tool.
	CachePoint *CachePoint
}

// ToolChoiceMode says whether and how the model must call a tool.
type ToolChoiceMode uint8

const (
	ToolChoiceAuto ToolChoiceMode = iota // the model decides (the default)
	ToolChoiceAny                        // at least one tool call
	ToolChoiceTool                       // exactly the named tool
	ToolChoiceNone                       // no tool calls (OpenAI "none"; Converse has no member)
)

// ToolChoice is the canonical tool_choice.
type ToolChoice struct {
	Mode ToolChoiceMode
	Name string // for ToolChoiceTool
}

// BlockType says which member of the content union a Block carries.
type BlockType uint8

const (
	BlockText BlockType = iota + 1
	BlockImage
	BlockDocument
	BlockVideo
	BlockAudio
	BlockToolUse
	BlockToolResult
	BlockReasoning
	BlockCachePoint
	BlockGuardContent
	BlockJSON // only inside ToolResult content
)

var blockTypeNames = [...]string{
	BlockText: "text", BlockImage: "image", BlockDocument: "document", BlockVideo: "video",
	BlockAudio: "audio", BlockToolUse: "toolUse", BlockToolResult: "toolResult",
	BlockReasoning: "reasoningContent", BlockCachePoint: "cachePoint",
	BlockGuardContent: "guardContent", BlockJSON: "json",
}

func (t BlockType) String() string {
	if int(t) < len(blockTypeNames) && blockTypeNames[t] != "" {
		return blockTypeNames[t]
	}
	return "unknown"
}

// Block is one content block. Type says which field is set.
type Block struct {
	Type         BlockType
	Text         string          // BlockText
	JSON         json.RawMessage // BlockJSON
	Image        *Media          // BlockImage
	Document     *Document       // BlockDocument
	Video        *Media          // BlockVideo
	Audio        *Media          // BlockAudio
	ToolUse      *ToolUse        // BlockToolUse
	ToolResult   *ToolResult     // BlockToolResult
	Reasoning    *Reasoning      // BlockReasoning
	CachePoint   *CachePoint     // BlockCachePoint
	GuardContent *GuardContent   // BlockGuardContent
}

// Media is an image, video or audio clip, given inline or by S3 location.
type Media struct {
	// Format is the Converse format name: png, jpeg, gif, webp for images;
	// mp4, mov, … for video; mp3, wav, … for audio.
	Format      string
	Bytes       []byte
	S3URI       string
	BucketOwner string
	// URL is an https address a provider may fetch itself; inbound shapes
	// that accept URLs fetch them unless the provider takes URLs.
	URL string
}

// Document is a file the model reads.
type Document struct {
	// Format is pdf, csv, doc, docx, xls, xlsx, html, txt or md.
	Format      string
	Name        string
	Bytes       []byte
	Text        string // source.text or source.content joined
	S3URI       string
	BucketOwner string
	Context     string
	Citations   bool
}

// ToolUse is the model's request to call a tool.
type ToolUse struct {
	ID    string
	Name  string
	Input json.RawMessage // a JSON value, normally an object
	// Type is Converse's optional toolUse.type ("server_tool_use").
	Type string
}

// ToolResult answers a ToolUse.
type ToolResult struct {
	ToolUseID string
	Content   []Block // Text, JSON, Image, Document, Video
	Status    string  // "", "success" or "error"
}

// Reasoning is the model's visible or redacted thinking.
type Reasoning struct {
	Text      string
	Signature string
	Redacted  []byte
}

// CachePoint is a prompt-cache checkpoint.
type CachePoint struct {
	TTL string // "", "5m" or "1h"
}

// GuardContent marks content a guardrail should evaluate.
type GuardContent struct {
	Text       string
	Qualifiers []string
	Image      *Media
}

// TextBlock returns a text content block.
func TextBlock(s string) Block { return Block{Type: BlockText, Text: s} }
