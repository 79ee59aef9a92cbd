// Package openairesponses is the OpenAI Responses API dialect
// (/v1/responses): the create request with its input items, the response
// object with its output items, the typed SSE events, and the error body,
// with pure conversions to and from Basalt's canonical request and event
// stream. Field names follow openai-go's responses package. No I/O.
package openairesponses

import "encoding/json"

// Request is a decoded, validated create request (ResponseNewParams).
type Request struct {
	Model              string
	Input              []Item // normalized; ids filled in
	Instructions       *string
	Tools              []FunctionTool
	ToolChoice         json.RawMessage // as sent, echoed; nil = "auto"
	MaxOutputTokens    *int
	MaxToolCalls       *int
	Temperature        *float64
	TopP               *float64
	Text               *TextConfig
	Reasoning          *ReasoningParam
	Metadata           map[string]string
	Store              *bool
	Background         bool
	Stream             bool
	PreviousResponseID string
	ParallelToolCalls  *bool
	User               string
	SafetyIdentifier   string
	PromptCacheKey     string
	ServiceTier        string
	Truncation         string
}

// Stored reports whether the response is persisted (store defaults to true).
func (r *Request) Stored() bool { return r.Store == nil || *r.Store }

// FunctionTool is a function tool definition (flat, unlike Chat Completions).
type FunctionTool struct {
	Type        string          `json:"type"`
	Name        string          `json:"name"`
	Description *string         `json:"description"`
	Parameters  json.RawMessage `json:"parameters"`
	Strict      bool            `json:"strict"`
}

// TextConfig is the request's and the response's "text" member.
type TextConfig struct {
	Format    TextFormat `json:"format"`
	Verbosity string     `json:"verbosity,omitempty"`
}

// TextFormat is text.format: text, json_object or json_schema.
type TextFormat struct {
	Type        string          `json:"type"`
	Name        string          `json:"name,omitempty"`
	Description string          `json:"description,omitempty"`
	Schema      json.RawMessage `json:"schema,omitempty"`
	Strict      *bool           `json:"strict,omitempty"`
}

// ReasoningParam is the request's and the response's "reasoning" member.
type ReasoningParam struct {
	Effort  *string `json:"effort"`
	Summary *string `json:"summary"`
}

// Response is the response object (openai-go responses.Response). Every
// member the SDK marks required is always present.
type Response struct {
	ID                 string             `json:"id"`
	Object             string             `json:"object"`
	CreatedAt          int64              `json:"created_at"`
	Status             string             `json:"status"`
	Background         bool               `json:"background"`
	CompletedAt        *int64             `json:"completed_at"`
	Error              *ResponseError     `json:"error"`
	IncompleteDetails  *IncompleteDetails `json:"incomplete_details"`
	Instructions       *string            `json:"instructions"`
	MaxOutputTokens    *int               `json:"max_output_tokens"`
	MaxToolCalls       *int               `json:"max_tool_calls"`
	Model              string             `json:"model"`
	Output             []any              `json:"output"`
	ParallelToolCalls  bool               `json:"parallel_tool_calls"`
	PreviousResponseID *string            `json:"previous_response_id"`
	PromptCacheKey     *string            `json:"prompt_cache_key"`
	Reasoning          ReasoningParam     `json:"reasoning"`
	SafetyIdentifier   *string            `json:"safety_identifier"`
	ServiceTier        string             `json:"service_tier"`
	Store              bool               `json:"store"`
	Temperature        float64            `json:"temperature"`
	Text               TextConfig         `json:"text"`
	ToolChoice         json.RawMessage    `json:"tool_choice"`
	Tools              []FunctionTool     `json:"tools"`
	TopLogprobs        int                `json:"top_logprobs"`
	TopP               float64            `json:"top_p"`
	Truncation         string             `json:"truncation"`
	Usage              *Usage             `json:"usage"`
	User               *string            `json:"user"`
	Metadata           map[string]string  `json:"metadata"`
	AccessPrograms     AccessPrograms     `json:"access_programs"`
}

// Response statuses.
const (
	StatusCompleted  = "completed"
	StatusIncomplete = "incomplete"
	StatusInProgress = "in_progress"
	StatusQueued     = "queued"
	StatusFailed     = "failed"
	StatusCancelled  = "cancelled"
)

// Terminal reports whether status is final.
func Terminal(status string) bool {
	switch status {
	case StatusCompleted, StatusIncomplete, StatusFailed, StatusCancelled:
		return true
	}
	return false
}

// AccessPrograms is required by openai-go; Basalt always reports "standard".
type AccessPrograms struct {
	Cyber string `json:"cyber"`
}

// ResponseError is a failed response's error member.
type ResponseError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// IncompleteDetails says why a response is incomplete.
type IncompleteDetails struct {
	Reason string `json:"reason"`
}

// Usage is the response's token usage. InputTokens includes cached tokens
// (OpenAI semantics), unlike canon.Usage.
type Usage struct {
	InputTokens         int                 `json:"input_tokens"`
	InputTokensDetails  InputTokensDetails  `json:"input_tokens_details"`
	OutputTokens        int                 `json:"output_tokens"`
	OutputTokensDetails OutputTokensDetails `json:"output_tokens_details"`
	TotalTokens         int                 `json:"total_tokens"`
}

// InputTokensDetails breaks down input tokens.
type InputTokensDetails struct {
	CachedTokens     int `json:"cached_tokens"`
	CacheWriteTokens int `json:"cache_write_tokens"`
}

// OutputTokensDetails breaks down output tokens.
type OutputTokensDetails struct {
	ReasoningTokens int `json:"reasoning_tokens"`
}

// Item is one input or output item. Exactly the members of its Type are
// marshalled (see MarshalJSON), so required members are never dropped and
// foreign ones never appear.
type Item struct {
	Type   string // message, function_call, function_call_output, reasoning
	ID     string
	Status string

	// message
	Role    string
	Content []Part

	// function_call, function_call_output
	CallID    string
	Name      string
	Arguments string
	// function_call_output: a JSON string, or a list of input parts.
	Output json.RawMessage

	// reasoning
	Summary          []Part
	EncryptedContent *string
}

// Part is one content part: input_text, input_image, input_file,
// output_text, refusal, reasoning_text or summary_text.
type Part struct {
	Type     string
	Text     string
	ImageURL *string
	FileID   *string
	Detail   string
	FileData string
	FileURL  string
	Filename string
}

// MarshalJSON writes the members of the item's type.
func (it Item) MarshalJSON() ([]byte, error) {
	switch it.Type {
	case "message":
		return json.Marshal(struct {
			Type    string `json:"type"`
			ID      string `json:"id"`
			Status  string `json:"status"`
			Role    string `json:"role"`
			Content []Part `json:"content"`
		}{it.Type, it.ID, it.Status, it.Role, nonNil(it.Content)})
	case "function_call":
		return json.Marshal(struct {
			Type      string `json:"type"`
			ID        string `json:"id"`
			Status    string `json:"status"`
			CallID    string `json:"call_id"`
			Name      string `json:"name"`
			Arguments string `json:"arguments"`
		}{it.Type, it.ID, it.Status, it.CallID, it.Name, it.Arguments})
	case "function_call_output":
		out := it.Output
		if len(out) == 0 {
			out = json.RawMessage(`""`)
		}
		return json.Marshal(struct {
			Type   string          `json:"type"`
			ID     string          `json:"id"`
			Status string          `json:"status"`
			CallID string          `json:"call_id"`
			Output json.RawMessage `json:"output"`
		}{it.Type, it.ID, it.Status, it.CallID, out})
	default: // reasoning
		return json.Marshal(struct {
			Type             string  `json:"type"`
			ID               string  `json:"id"`
			Status           string  `json:"status,omitempty"`
			Summary          []Part  `json:"summary"`
			Content          []Part  `json:"content,omitempty"`
			EncryptedContent *string `json:"encrypted_content,omitempty"`
		}{it.Type, it.ID, it.Status, nonNil(it.Summary), it.Content, it.EncryptedContent})
	}
}

// MarshalJSON writes the members of the part's type.
func (p Part) MarshalJSON() ([]byte, error) {
	switch p.Type {
	case "output_text":
		return json.Marshal(struct {
			Type        string `json:"type"`
			Text        string `json:"text"`
			Annotations []any  `json:"annotations"`
			Logprobs    []any  `json:"logprobs"`
		}{p.Type, p.Text, []any{}, []any{}})
	case "refusal":
		return json.Marshal(struct {
			Type    string `json:"type"`
			Refusal string `json:"refusal"`
		}{p.Type, p.Text})
	case "input_image":
		detail := p.Detail
		if detail == "" {
			detail = "auto"
		}
		return json.Marshal(struct {
			Type     string  `json:"type"`
			Detail   string  `json:"detail"`
			ImageURL *string `json:"image_url"`
			FileID   *string `json:"file_id"`
		}{p.Type, detail, p.ImageURL, p.FileID})
	case "input_file":
		return json.Marshal(struct {
			Type     string  `json:"type"`
			FileID   *string `json:"file_id"`
			FileData string  `json:"file_data,omitempty"`
			FileURL  string  `json:"file_url,omitempty"`
			Filename string  `json:"filename,omitempty"`
		}{p.Type, p.FileID, p.FileData, p.FileURL, p.Filename})
	default: // input_text, reasoning_text, summary_text
		return json.Marshal(struct {
			Type string `json:"type"`
			Text string `json:"text"`
		}{p.Type, p.Text})
	}
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// DeletedResponse is the body of DELETE /v1/responses/{id}.
type DeletedResponse struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Deleted bool   `json:"deleted"`
}

// ItemList is the body of GET /v1/responses/{id}/input_items.
type ItemList struct {
	Object  string            `json:"object"`
	Data    []json.RawMessage `json:"data"`
	FirstID *string           `json:"first_id"`
	LastID  *string           `json:"last_id"`
	HasMore bool              `json:"has_more"`
}
