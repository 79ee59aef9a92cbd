// Package openai is the OpenAI Chat Completions wire dialect: the JSON of
// POST /v1/chat/completions (request, response, stream chunk, error body)
// and pure conversions between it and the canonical types. It does no I/O.
// The openai provider uses the provider-direction functions
// (RequestFromCanon, ResponseToCanon, StreamDecoder); the inbound
// /v1/chat/completions surface uses the same structs the other way round.
//
// Field names and shapes follow the openai-go SDK (v3.98.0). Fields that
// OpenAI-compatible servers add (reasoning_content, reasoning, top_k) are
// included because the provider talks to vLLM, Ollama and llama.cpp too.
package openai

import (
	"bytes"
	"encoding/json"
	"sort"

	"github.com/basalt-gateway/basalt/internal/format/jsonbytes"
)

// ChatRequest is the body of POST /chat/completions.
type ChatRequest struct {
	Model               string          `json:"model"`
	Messages            []Message       `json:"messages"`
	MaxTokens           *int            `json:"max_tokens,omitempty"`
	MaxCompletionTokens *int            `json:"max_completion_tokens,omitempty"`
	Temperature         *float64        `json:"temperature,omitempty"`
	TopP                *float64        `json:"top_p,omitempty"`
	TopK                *int            `json:"top_k,omitempty"`
	Stop                []string        `json:"stop,omitempty"`
	Seed                *int64          `json:"seed,omitempty"`
	N                   *int            `json:"n,omitempty"`
	FrequencyPenalty    *float64        `json:"frequency_penalty,omitempty"`
	PresencePenalty     *float64        `json:"presence_penalty,omitempty"`
	Stream              bool            `json:"stream,omitempty"`
	StreamOptions       *StreamOptions  `json:"stream_options,omitempty"`
	Tools               []Tool          `json:"tools,omitempty"`
	ToolChoice          *ToolChoice     `json:"tool_choice,omitempty"`
	ParallelToolCalls   *bool           `json:"parallel_tool_calls,omitempty"`
	ReasoningEffort     string          `json:"reasoning_effort,omitempty"`
	ResponseFormat      *ResponseFormat `json:"response_format,omitempty"`
	User                string          `json:"user,omitempty"`
	ServiceTier         string          `json:"service_tier,omitempty"`

	// Extra holds top-level keys no field above covers (model-specific
	// parameters). Marshal adds them after the known fields but never lets
	// one replace a field that is set; Unmarshal collects unknown keys here.
	Extra map[string]json.RawMessage `json:"-"`
}

// reservedKeys are body keys an extra field must never set even when Basalt
// left them out: they change the shape of the answer the decoder expects.
var reservedKeys = map[string]bool{
	"model": true, "messages": true, "stream": true, "stream_options": true,
	"n": true, "tools": true, "tool_choice": true, "functions": true, "function_call": true,
}

type chatRequestNoMethods ChatRequest

// MarshalJSON writes the known fields in declaration order, then the Extra
// keys in sorted order, skipping any key already written or reserved.
func (r ChatRequest) MarshalJSON() ([]byte, error) {
	body, err := json.Marshal(chatRequestNoMethods(r))
	if err != nil || len(r.Extra) == 0 {
		return body, err
	}
	var set map[string]json.RawMessage
	if err := json.Unmarshal(body, &set); err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(r.Extra))
	for k := range r.Extra {
		if _, ok := set[k]; !ok && !reservedKeys[k] {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return body, nil
	}
	sort.Strings(keys)
	var b bytes.Buffer
	b.Write(body[:len(body)-1]) // drop the closing brace
	for _, k := range keys {
		kb, _ := json.Marshal(k)
		b.WriteByte(',')
		b.Write(kb)
		b.WriteByte(':')
		if err := json.Compact(&b, r.Extra[k]); err != nil {
			return nil, err
		}
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// UnmarshalJSON decodes the known fields and keeps every other key in Extra.
func (r *ChatRequest) UnmarshalJSON(data []byte) error {
	known := new(chatRequestNoMethods)
	if !jsonbytes.Decode(data, known) {
		*known = chatRequestNoMethods{}
		if err := json.Unmarshal(data, known); err != nil {
			return err
		}
	}
	*r = ChatRequest(*known)
	r.Extra = extraKeys(data)
	return nil
}

var knownRequestKeys = []string{
	"model", "messages", "max_tokens", "max_completion_tokens", "temperature", "top_p", "top_k",
	"stop", "seed", "n", "frequency_penalty", "presence_penalty", "stream", "stream_options",
	"tools", "tool_choice", "parallel_tool_calls", "reasoning_effort", "response_format", "user",
	"service_tier",
}

var knownRequestKeySet = func() map[string]bool {
	m := make(map[string]bool, len(knownRequestKeys))
	for _, k := range knownRequestKeys {
		m[k] = true
	}
	return m
}()

// extraKeys returns the members of the object data (which json.Unmarshal
// has accepted) whose keys are not knownRequestKeys, or nil: what decoding
// it into a map[string]json.RawMessage and deleting the known keys leaves
// (the last of duplicate keys wins), read off the text instead.
func extraKeys(data []byte) map[string]json.RawMessage {
	var extra map[string]json.RawMessage
	m, _ := jsonbytes.Object(data)
	for {
		k, v, ok := m.Next()
		if !ok {
			return extra
		}
		var key string
		if p, ok := jsonbytes.Plain(k); ok {
			if knownRequestKeySet[string(p)] {
				continue
			}
			key = string(p)
		} else if key, ok = jsonbytes.String(k); !ok || knownRequestKeySet[key] {
			continue
		}
		if extra == nil {
			extra = map[string]json.RawMessage{}
		}
		extra[key] = append(json.RawMessage(nil), v...)
	}
}

// StreamOptions is the request's stream_options.
type StreamOptions struct {
	IncludeUsage bool `json:"include_usage"`
}

// Message is one entry of messages, and the message of a unary answer.
type Message struct {
	Role    string  `json:"role"`
	Content Content `json:"content"`
	Name    string  `json:"name,omitempty"`
	// Refusal is set on answers when the model declined (structured outputs).
	Refusal    *string    `json:"refusal,omitempty"`
	ToolCalls  []ToolCall `json:"tool_calls,omitempty"`
	ToolCallID string     `json:"tool_call_id,omitempty"`
	// ReasoningContent (DeepSeek, older vLLM) and Reasoning (Ollama, newer
	// vLLM, OpenRouter) carry visible thinking on answers.
	ReasoningContent string `json:"reasoning_content,omitempty"`
	Reasoning        string `json:"reasoning,omitempty"`
}

// Content is a message's content: a plain string, an array of parts, or
// null (both nil), which assistant turns carrying only tool calls use.
type Content struct {
	Text  *string
	Parts []Part
}

// TextContent returns string content.
func TextContent(s string) Content { return Content{Text: &s} }

// IsNull reports whether the content is null.
func (c Content) IsNull() bool { return c.Text == nil && c.Parts == nil }

// MarshalJSON writes a string, an array or null.
func (c Content) MarshalJSON() ([]byte, error) {
	switch {
	case c.Text != nil:
		// What json.Marshal writes, without its encoder's setup.
		return jsonbytes.AppendString(make([]byte, 0, len(*c.Text)+2), *c.Text), nil
	case c.Parts != nil:
		return json.Marshal(c.Parts)
	}
	return []byte("null"), nil
}

// UnmarshalJSON accepts a string, an array of parts or null.
func (c *Content) UnmarshalJSON(data []byte) error {
	*c = Content{}
	data = bytes.TrimSpace(data)
	switch {
	case bytes.Equal(data, []byte("null")):
		return nil
	case len(data) > 0 && data[0] == '"':
		if p, ok := jsonbytes.Plain(data); ok {
			// Most content is a string without escapes: its text is
			// its bytes, with no decoder to set up.
			s := string(p)
			c.Text = &s
			return nil
		}
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return err
		}
		c.Text = &s
		return nil
	}
	parts := []Part{}
	if !jsonbytes.Decode(data, &parts) {
		parts = []Part{}
		if err := json.Unmarshal(data, &parts); err != nil {
			return err
		}
	}
	c.Parts = parts
	return nil
}

// Part is one element of array content.
type Part struct {
	Type       string      `json:"type"` // text, image_url, input_audio, file, refusal
	Text       string      `json:"text,omitempty"`
	Refusal    string      `json:"refusal,omitempty"` // refusal parts of assistant history
	ImageURL   *ImageURL   `json:"image_url,omitempty"`
	InputAudio *InputAudio `json:"input_audio,omitempty"`
	File       *File       `json:"file,omitempty"`
}

// ImageURL is an image_url part's payload: an https URL or a data URI.
type ImageURL struct {
	URL    string `json:"url"`
	Detail string `json:"detail,omitempty"`
}

// InputAudio is an input_audio part's payload.
type InputAudio struct {
	Data   string `json:"data"`   // base64
	Format string `json:"format"` // wav or mp3
}

// File is a file part's payload.
type File struct {
	Filename string `json:"filename,omitempty"`
	FileData string `json:"file_data,omitempty"` // data URI
	FileID   string `json:"file_id,omitempty"`
}

// ToolCall is a complete tool call on an assistant message.
type ToolCall struct {
	ID       string       `json:"id"`
	Type     string       `json:"type"`
	Function FunctionCall `json:"function"`
}

// FunctionCall names the function and carries its arguments as a JSON
// document inside a string.
type FunctionCall struct {
	Name      string `json:"name"`
	Arguments string `json:"arguments"`
}

// Tool is one entry of tools.
type Tool struct {
	Type     string      `json:"type"`
	Function FunctionDef `json:"function"`
}

// FunctionDef declares a function the model may call.
type FunctionDef struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Parameters  json.RawMessage `json:"parameters,omitempty"`
	Strict      *bool           `json:"strict,omitempty"`
}

// ToolChoice is tool_choice: "none", "auto", "required", or an object
// naming one function (Function set).
type ToolChoice struct {
	Mode     string
	Function string
}

// Tool choice modes.
const (
	ToolChoiceNone     = "none"
	ToolChoiceAuto     = "auto"
	ToolChoiceRequired = "required"
)

type namedToolChoice struct {
	Type     string `json:"type"`
	Function struct {
		Name string `json:"name"`
	} `json:"function"`
}

// MarshalJSON writes the string form, or the object form for a named function.
func (c ToolChoice) MarshalJSON() ([]byte, error) {
	if c.Function != "" {
		var n namedToolChoice
		n.Type = "function"
		n.Function.Name = c.Function
		return json.Marshal(n)
	}
	return json.Marshal(c.Mode)
}

// UnmarshalJSON accepts either form.
func (c *ToolChoice) UnmarshalJSON(data []byte) error {
	*c = ToolChoice{}
	if len(data) > 0 && data[0] == '"' {
		return json.Unmarshal(data, &c.Mode)
	}
	var n namedToolChoice
	if err := json.Unmarshal(data, &n); err != nil {
		return err
	}
	c.Function = n.Function.Name
	return nil
}

// ResponseFormat is response_format.
type ResponseFormat struct {
	Type       string      `json:"type"` // text, json_object, json_schema
	JSONSchema *JSONSchema `json:"json_schema,omitempty"`
}

// JSONSchema is response_format.json_schema.
type JSONSchema struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Schema      json.RawMessage `json:"schema,omitempty"`
	Strict      *bool           `json:"strict,omitempty"`
}

// ChatResponse is a unary answer (object "chat.completion").
type ChatResponse struct {
	ID                string   `json:"id"`
	Object            string   `json:"object"`
	Created           int64    `json:"created"`
	Model             string   `json:"model"`
	Choices           []Choice `json:"choices"`
	Usage             *Usage   `json:"usage,omitempty"`
	ServiceTier       string   `json:"service_tier,omitempty"`
	SystemFingerprint string   `json:"system_fingerprint,omitempty"`
}

// Choice is one answer of a unary response.
type Choice struct {
	Index        int             `json:"index"`
	Message      Message         `json:"message"`
	FinishReason string          `json:"finish_reason"`
	Logprobs     json.RawMessage `json:"logprobs"`
}

// Usage is the token accounting of an answer. PromptTokens includes the
// cached tokens reported in PromptTokensDetails.
type Usage struct {
	PromptTokens            int                      `json:"prompt_tokens"`
	CompletionTokens        int                      `json:"completion_tokens"`
	TotalTokens             int                      `json:"total_tokens"`
	PromptTokensDetails     *PromptTokensDetails     `json:"prompt_tokens_details,omitempty"`
	CompletionTokensDetails *CompletionTokensDetails `json:"completion_tokens_details,omitempty"`
	// PromptCacheHitTokens is DeepSeek's name for cached prompt tokens.
	PromptCacheHitTokens int `json:"prompt_cache_hit_tokens,omitempty"`
}

// PromptTokensDetails breaks down prompt_tokens.
type PromptTokensDetails struct {
	CachedTokens     int `json:"cached_tokens"`
	CacheWriteTokens int `json:"cache_write_tokens,omitempty"`
	AudioTokens      int `json:"audio_tokens,omitempty"`
}

// CompletionTokensDetails breaks down completion_tokens.
type CompletionTokensDetails struct {
	ReasoningTokens int `json:"reasoning_tokens"`
	AudioTokens     int `json:"audio_tokens,omitempty"`
}

// ChatChunk is one streamed event (object "chat.completion.chunk"). A
// payload with a top-level error member is a mid-stream failure instead.
type ChatChunk struct {
	ID                string        `json:"id"`
	Object            string        `json:"object"`
	Created           int64         `json:"created"`
	Model             string        `json:"model"`
	Choices           []ChunkChoice `json:"choices"`
	Usage             *Usage        `json:"usage,omitempty"`
	ServiceTier       string        `json:"service_tier,omitempty"`
	SystemFingerprint string        `json:"system_fingerprint,omitempty"`
	// Error is set only on a mid-stream error payload.
	Error json.RawMessage `json:"error,omitempty"`
}

// ChunkChoice is one choice's increment.
type ChunkChoice struct {
	Index        int             `json:"index"`
	Delta        Delta           `json:"delta"`
	FinishReason *string         `json:"finish_reason"`
	Logprobs     json.RawMessage `json:"logprobs,omitempty"`
}

// Delta is the increment of a streamed message. Pointers keep the
// difference between an absent field and an empty or null one, which the
// inbound encoder needs to reproduce OpenAI's chunks.
type Delta struct {
	Role             string          `json:"role,omitempty"`
	Content          *string         `json:"content,omitempty"`
	ReasoningContent *string         `json:"reasoning_content,omitempty"`
	Reasoning        *string         `json:"reasoning,omitempty"`
	Refusal          *string         `json:"refusal,omitempty"`
	ToolCalls        []ToolCallDelta `json:"tool_calls,omitempty"`
}

// ToolCallDelta is a fragment of one tool call. The first fragment of a
// call carries its id, type and name; later ones only argument text.
type ToolCallDelta struct {
	Index    int                `json:"index"`
	ID       string             `json:"id,omitempty"`
	Type     string             `json:"type,omitempty"`
	Function *FunctionCallDelta `json:"function,omitempty"`
}

// FunctionCallDelta is a fragment of a function call.
type FunctionCallDelta struct {
	Name      string `json:"name,omitempty"`
	Arguments string `json:"arguments"`
}

// Finish reasons.
const (
	FinishStop          = "stop"
	FinishLength        = "length"
	FinishToolCalls     = "tool_calls"
	FinishContentFilter = "content_filter"
	FinishFunctionCall  = "function_call"
)
