// Package bedrock is the Converse wire dialect: the JSON of Bedrock's
// Converse and ConverseStream operations, its exception names and statuses,
// and pure conversions between them and the canonical types. It is used by
// the inbound Converse surface; the bedrock provider talks to AWS through the
// SDK's own types instead.
package bedrock

import "encoding/json"

// ConverseRequest is the body of POST /model/{modelId}/converse and
// /converse-stream. Unions are structs of pointers; exactly one member must
// be set, which decode checks.
type ConverseRequest struct {
	Messages                          []Message                  `json:"messages"`
	System                            []SystemBlock              `json:"system,omitempty"`
	InferenceConfig                   *InferenceConfig           `json:"inferenceConfig,omitempty"`
	ToolConfig                        *ToolConfig                `json:"toolConfig,omitempty"`
	GuardrailConfig                   json.RawMessage            `json:"guardrailConfig,omitempty"`
	AdditionalModelRequestFields      json.RawMessage            `json:"additionalModelRequestFields,omitempty"`
	AdditionalModelResponseFieldPaths []string                   `json:"additionalModelResponseFieldPaths,omitempty"`
	PromptVariables                   map[string]json.RawMessage `json:"promptVariables,omitempty"`
	RequestMetadata                   map[string]string          `json:"requestMetadata,omitempty"`
	PerformanceConfig                 *PerformanceConfig         `json:"performanceConfig,omitempty"`
	ServiceTier                       *ServiceTier               `json:"serviceTier,omitempty"`
	OutputConfig                      *OutputConfig              `json:"outputConfig,omitempty"`
}

type Message struct {
	Role    string         `json:"role"`
	Content []ContentBlock `json:"content"`
}

type SystemBlock struct {
	Text         *string       `json:"text,omitempty"`
	GuardContent *GuardContent `json:"guardContent,omitempty"`
	CachePoint   *CachePoint   `json:"cachePoint,omitempty"`
}

type ContentBlock struct {
	Text             *string           `json:"text,omitempty"`
	Image            *Image            `json:"image,omitempty"`
	Document         *Document         `json:"document,omitempty"`
	Video            *Media            `json:"video,omitempty"`
	Audio            *Media            `json:"audio,omitempty"`
	ToolUse          *ToolUse          `json:"toolUse,omitempty"`
	ToolResult       *ToolResult       `json:"toolResult,omitempty"`
	GuardContent     *GuardContent     `json:"guardContent,omitempty"`
	CachePoint       *CachePoint       `json:"cachePoint,omitempty"`
	ReasoningContent *ReasoningContent `json:"reasoningContent,omitempty"`
	CitationsContent json.RawMessage   `json:"citationsContent,omitempty"`
	SearchResult     json.RawMessage   `json:"searchResult,omitempty"`
}

type Image struct {
	Format string       `json:"format"`
	Source *MediaSource `json:"source"`
}

type Media struct {
	Format string       `json:"format"`
	Source *MediaSource `json:"source"`
}

type MediaSource struct {
	Bytes      []byte      `json:"bytes,omitempty"`
	S3Location *S3Location `json:"s3Location,omitempty"`
}

type S3Location struct {
	URI         string `json:"uri"`
	BucketOwner string `json:"bucketOwner,omitempty"`
}

type Document struct {
	Format    string          `json:"format,omitempty"`
	Name      string          `json:"name"`
	Source    *DocumentSource `json:"source"`
	Context   string          `json:"context,omitempty"`
	Citations *struct {
		Enabled bool `json:"enabled"`
	} `json:"citations,omitempty"`
}

type DocumentSource struct {
	Bytes      []byte      `json:"bytes,omitempty"`
	S3Location *S3Location `json:"s3Location,omitempty"`
	Text       *string     `json:"text,omitempty"`
	Content    []struct {
		Text string `json:"text"`
	} `json:"content,omitempty"`
}

type ToolUse struct {
	ToolUseID string          `json:"toolUseId"`
	Name      string          `json:"name"`
	Input     json.RawMessage `json:"input"`
	Type      string          `json:"type,omitempty"`
}

type ToolResult struct {
	ToolUseID string              `json:"toolUseId"`
	Content   []ToolResultContent `json:"content"`
	Status    string              `json:"status,omitempty"`
	Type      string              `json:"type,omitempty"`
}

type ToolResultContent struct {
	JSON         json.RawMessage `json:"json,omitempty"`
	Text         *string         `json:"text,omitempty"`
	Image        *Image          `json:"image,omitempty"`
	Document     *Document       `json:"document,omitempty"`
	Video        *Media          `json:"video,omitempty"`
	SearchResult json.RawMessage `json:"searchResult,omitempty"`
}

type GuardContent struct {
	Text *struct {
		Text       string   `json:"text"`
		Qualifiers []string `json:"qualifiers,omitempty"`
	} `json:"text,omitempty"`
	Image *Image `json:"image,omitempty"`
}

type CachePoint struct {
	Type string `json:"type"`
	TTL  string `json:"ttl,omitempty"`
}

type ReasoningContent struct {
	ReasoningText *struct {
		Text      string `json:"text"`
		Signature string `json:"signature,omitempty"`
	} `json:"reasoningText,omitempty"`
	RedactedContent []byte `json:"redactedContent,omitempty"`
}

type InferenceConfig struct {
	MaxTokens     *int     `json:"maxTokens,omitempty"`
	Temperature   *float64 `json:"temperature,omitempty"`
	TopP          *float64 `json:"topP,omitempty"`
	StopSequences []string `json:"stopSequences,omitempty"`
}

type ToolConfig struct {
	Tools      []Tool      `json:"tools"`
	ToolChoice *ToolChoice `json:"toolChoice,omitempty"`
}

type Tool struct {
	ToolSpec   *ToolSpec       `json:"toolSpec,omitempty"`
	SystemTool json.RawMessage `json:"systemTool,omitempty"`
	CachePoint *CachePoint     `json:"cachePoint,omitempty"`
}

type ToolSpec struct {
	Name        string  `json:"name"`
	Description *string `json:"description,omitempty"`
	InputSchema *struct {
		JSON json.RawMessage `json:"json"`
	} `json:"inputSchema"`
	Strict *bool `json:"strict,omitempty"`
}

type ToolChoice struct {
	Auto *struct{} `json:"auto,omitempty"`
	Any  *struct{} `json:"any,omitempty"`
	Tool *struct {
		Name string `json:"name"`
	} `json:"tool,omitempty"`
}

type PerformanceConfig struct {
	Latency string `json:"latency"`
}

type ServiceTier struct {
	Type string `json:"type"`
}

type OutputConfig struct {
	TextFormat *struct {
		Type      string `json:"type"`
		Structure *struct {
			JSONSchema *struct {
				Schema      string `json:"schema"`
				Name        string `json:"name,omitempty"`
				Description string `json:"description,omitempty"`
			} `json:"jsonSchema,omitempty"`
		} `json:"structure,omitempty"`
	} `json:"textFormat,omitempty"`
	Effort string `json:"effort,omitempty"`
}

// ConverseResponse is the body Converse answers with.
type ConverseResponse struct {
	Output struct {
		Message ResponseMessage `json:"message"`
	} `json:"output"`
	StopReason                    string          `json:"stopReason"`
	Usage                         Usage           `json:"usage"`
	Metrics                       Metrics         `json:"metrics"`
	AdditionalModelResponseFields json.RawMessage `json:"additionalModelResponseFields,omitempty"`
}

// ResponseMessage is an answer message; its blocks are only those a model
// produces.
type ResponseMessage struct {
	Role    string          `json:"role"`
	Content []ResponseBlock `json:"content"`
}

type ResponseBlock struct {
	Text             *string           `json:"text,omitempty"`
	ToolUse          *ToolUse          `json:"toolUse,omitempty"`
	ReasoningContent *ReasoningContent `json:"reasoningContent,omitempty"`
}

type Usage struct {
	InputTokens           int `json:"inputTokens"`
	OutputTokens          int `json:"outputTokens"`
	TotalTokens           int `json:"totalTokens"`
	CacheReadInputTokens  int `json:"cacheReadInputTokens,omitempty"`
	CacheWriteInputTokens int `json:"cacheWriteInputTokens,omitempty"`
}

type Metrics struct {
	LatencyMs int64 `json:"latencyMs"`
}
