// Package anthropic is the Anthropic Messages wire dialect: the JSON shapes of
// POST /v1/messages (request, response, SSE event payloads, error body) and
// pure conversions between them and Basalt's canonical model. It does no I/O.
//
// The same dialect is spoken by the anthropic provider (canon → Messages
// request, Messages answer → canon), by the inbound /v1/messages surface and
// by Bedrock InvokeModel Claude bodies, so the structs here decode everything
// the wire allows (string or block content, unknown keys) and encode exactly
// what the API documents (anthropic-sdk-go v1.84 is the reference).
package anthropic

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/basalt-gateway/basalt/internal/format/jsonbytes"
)

// Content block types.
const (
	BlockText             = "text"
	BlockImage            = "image"
	BlockDocument         = "document"
	BlockToolUse          = "tool_use"
	BlockToolResult       = "tool_result"
	BlockThinking         = "thinking"
	BlockRedactedThinking = "redacted_thinking"
)

// Stream event types (the SSE `event:` name equals the payload's "type").
const (
	EventMessageStart      = "message_start"
	EventContentBlockStart = "content_block_start"
	EventContentBlockDelta = "content_block_delta"
	EventContentBlockStop  = "content_block_stop"
	EventMessageDelta      = "message_delta"
	EventMessageStop       = "message_stop"
	EventPing              = "ping"
	EventError             = "error"
)

// Delta types inside content_block_delta.
const (
	DeltaText      = "text_delta"
	DeltaInputJSON = "input_json_delta"
	DeltaThinking  = "thinking_delta"
	DeltaSignature = "signature_delta"
	DeltaCitations = "citations_delta"
)

// Stop reasons.
const (
	StopEndTurn                    = "end_turn"
	StopMaxTokens                  = "max_tokens"
	StopStopSequence               = "stop_sequence"
	StopToolUse                    = "tool_use"
	StopPauseTurn                  = "pause_turn"
	StopRefusal                    = "refusal"
	StopModelContextWindowExceeded = "model_context_window_exceeded"
)

// MessagesRequest is the body of POST /v1/messages. A Bedrock InvokeModel
// Claude body is the same object with Model and Stream left empty and
// AnthropicVersion set.
type MessagesRequest struct {
	Model            string `json:"model,omitempty"`
	AnthropicVersion string `json:"anthropic_version,omitempty"`
	// AnthropicBeta is where Bedrock bodies carry beta flags; the direct API
	// wants them in the anthropic-beta header, so its caller moves them there
	// and clears this field before encoding.
	AnthropicBeta []string      `json:"anthropic_beta,omitempty"`
	MaxTokens     int           `json:"max_tokens"`
	System        Blocks        `json:"system,omitempty"`
	Messages      []Message     `json:"messages"`
	Temperature   *float64      `json:"temperature,omitempty"`
	TopP          *float64      `json:"top_p,omitempty"`
	TopK          *int          `json:"top_k,omitempty"`
	StopSequences []string      `json:"stop_sequences,omitempty"`
	Stream        bool          `json:"stream,omitempty"`
	Metadata      *Metadata     `json:"metadata,omitempty"`
	Tools         []Tool        `json:"tools,omitempty"`
	ToolChoice    *ToolChoice   `json:"tool_choice,omitempty"`
	Thinking      *Thinking     `json:"thinking,omitempty"`
	OutputConfig  *OutputConfig `json:"output_config,omitempty"`
	ServiceTier   string        `json:"service_tier,omitempty"`

	// Extra holds top-level keys no field models (Converse
	// additionalModelRequestFields on the way out, unknown keys on the way
	// in). Encoding adds them after the modelled fields and never lets one
	// replace a key the struct already wrote.
	Extra map[string]json.RawMessage `json:"-"`
}

type plainRequest MessagesRequest

// MarshalJSON writes the modelled fields, then the Extra keys they did not set.
func (r MessagesRequest) MarshalJSON() ([]byte, error) {
	b, err := json.Marshal(plainRequest(r))
	if err != nil || len(r.Extra) == 0 {
		return b, err
	}
	var set map[string]json.RawMessage
	if err := json.Unmarshal(b, &set); err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(r.Extra))
	for k := range r.Extra {
		if _, taken := set[k]; !taken {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys) // deterministic bodies make goldens and caches stable
	buf := bytes.NewBuffer(b[:len(b)-1])
	for _, k := range keys {
		kb, _ := json.Marshal(k)
		vb, err := json.Marshal(r.Extra[k]) // validates and compacts
		if err != nil {
			return nil, err
		}
		if buf.Len() > 1 {
			buf.WriteByte(',')
		}
		buf.Write(kb)
		buf.WriteByte(':')
		buf.Write(vb)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// requestKeys are the JSON names of MessagesRequest's modelled fields.
var requestKeys = sync.OnceValue(func() map[string]bool {
	keys := map[string]bool{}
	t := reflect.TypeFor[plainRequest]()
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			keys[name] = true
		}
	}
	return keys
})

// UnmarshalJSON decodes the modelled fields and keeps every other key in Extra.
func (r *MessagesRequest) UnmarshalJSON(data []byte) error {
	p := new(MessagesRequest)
	if _, err := p.decode(data); err != nil {
		return err
	}
	*r = *p
	return nil
}

// decode is UnmarshalJSON into r, which must be zero, and also returns
// the raw value encoding/json would decode into a max_tokens field (that
// of the last key equal to it without regard to case), so that
// decodeRequest can tell an absent max_tokens from a zero one. The other
// keys are read off the text, once it is known to be valid, rather than
// by decoding it again into a map: the last of duplicate keys wins either
// way.
func (r *MessagesRequest) decode(data []byte) (maxTokens []byte, err error) {
	p := (*plainRequest)(r)
	if !jsonbytes.Decode(data, p) {
		*p = plainRequest{}
		if err := json.Unmarshal(data, p); err != nil {
			return nil, err
		}
	}
	known := requestKeys()
	m, _ := jsonbytes.Object(data) // empty for null
	for {
		k, v, ok := m.Next()
		if !ok {
			break
		}
		key, plain := jsonbytes.Plain(k)
		if !plain {
			s, ok := jsonbytes.String(k)
			if !ok {
				continue
			}
			key = []byte(s)
		}
		if bytes.EqualFold(key, []byte("max_tokens")) {
			maxTokens = v
		}
		if known[string(key)] {
			continue
		}
		if p.Extra == nil {
			p.Extra = map[string]json.RawMessage{}
		}
		p.Extra[string(key)] = append(json.RawMessage(nil), v...)
	}
	return maxTokens, nil
}

// Message is one turn.
type Message struct {
	Role    string `json:"role"`
	Content Blocks `json:"content"`
}

// Blocks is a list of content blocks. The wire also allows a bare string as
// shorthand for one text block (message content, system, tool_result
// content); decoding accepts it, encoding always writes the array.
type Blocks []ContentBlock

// UnmarshalJSON accepts an array of blocks or a string.
func (b *Blocks) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '"' {
		if p, ok := jsonbytes.Plain(data); ok {
			// Most string content has no escapes: its text is its
			// bytes, with no decoder to set up.
			*b = Blocks{{Type: BlockText, Text: string(p)}}
			return nil
		}
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return err
		}
		*b = Blocks{{Type: BlockText, Text: s}}
		return nil
	}
	// The list is decoded as plain blocks, in one decode, rather than
	// through ContentBlock.UnmarshalJSON, which would set up a decoder
	// (and check the syntax again) for every block; the raw JSON that
	// method keeps for unmodelled types is read off the text. A list that
	// fails to decode is decoded again the other way, for its error.
	var plain []plainBlock
	if !jsonbytes.Decode(data, &plain) {
		plain = nil
		if json.Unmarshal(data, &plain) != nil {
			var list []ContentBlock
			if err := json.Unmarshal(data, &list); err != nil {
				return err
			}
			*b = list
			return nil
		}
	}
	if plain == nil {
		*b = nil
		return nil
	}
	list := make(Blocks, len(plain))
	elems, _ := jsonbytes.Array(data)
	for i := range plain {
		raw, _ := elems.Next()
		list[i] = ContentBlock(plain[i])
		if !modelledBlock(plain[i].Type) {
			list[i].Raw = append(json.RawMessage(nil), raw...)
		}
	}
	*b = list
	return nil
}

// modelledBlock reports whether ContentBlock's fields model a block type;
// blocks of other types keep their JSON in Raw.
func modelledBlock(typ string) bool {
	switch typ {
	case BlockText, BlockImage, BlockDocument, BlockToolUse, BlockToolResult, BlockThinking, BlockRedactedThinking:
		return true
	}
	return false
}

// ContentBlock is one member of the content union, flattened: Type says
// which fields apply. Blocks of types this package does not model (server
// tool results, search results, …) keep their JSON in Raw and are written
// back unchanged.
type ContentBlock struct {
	Type string `json:"type"`

	// text
	Text string `json:"text,omitempty"`
	// Citations is a text block's citation list in answers, or a
	// document's {"enabled":true} in requests.
	Citations json.RawMessage `json:"citations,omitempty"`

	// image, document
	Source  *Source `json:"source,omitempty"`
	Title   string  `json:"title,omitempty"`
	Context string  `json:"context,omitempty"`

	// tool_use
	ID    string          `json:"id,omitempty"`
	Name  string          `json:"name,omitempty"`
	Input json.RawMessage `json:"input,omitempty"`

	// tool_result
	ToolUseID string `json:"tool_use_id,omitempty"`
	Content   Blocks `json:"content,omitempty"`
	IsError   bool   `json:"is_error,omitempty"`

	// thinking, redacted_thinking
	Thinking  string `json:"thinking,omitempty"`
	Signature string `json:"signature,omitempty"`
	Data      string `json:"data,omitempty"`

	CacheControl *CacheControl `json:"cache_control,omitempty"`

	Raw json.RawMessage `json:"-"`
}

type plainBlock ContentBlock

// UnmarshalJSON decodes a block, keeping the JSON of unmodelled types.
func (c *ContentBlock) UnmarshalJSON(data []byte) error {
	var p plainBlock
	if err := json.Unmarshal(data, &p); err != nil {
		return err
	}
	if !modelledBlock(p.Type) {
		p.Raw = append(json.RawMessage(nil), data...)
	}
	*c = ContentBlock(p)
	return nil
}

// MarshalJSON writes exactly the fields the block's type has on the wire,
// including required empty ones (a signature-only thinking block still
// needs "thinking":"", a tool call with no arguments "input":{}).
func (c ContentBlock) MarshalJSON() ([]byte, error) {
	cc := c.CacheControl
	switch c.Type {
	case BlockText:
		if len(c.Citations) == 0 && cc == nil {
			// The common block, written directly: the bytes json.Marshal
			// writes for the struct below without its encoder's setup.
			b := append(make([]byte, 0, len(c.Text)+24), `{"type":"text","text":`...)
			return append(jsonbytes.AppendString(b, c.Text), '}'), nil
		}
		return json.Marshal(struct {
			Type         string          `json:"type"`
			Text         string          `json:"text"`
			Citations    json.RawMessage `json:"citations,omitempty"`
			CacheControl *CacheControl   `json:"cache_control,omitempty"`
		}{c.Type, c.Text, c.Citations, cc})
	case BlockImage:
		return json.Marshal(struct {
			Type         string        `json:"type"`
			Source       *Source       `json:"source"`
			CacheControl *CacheControl `json:"cache_control,omitempty"`
		}{c.Type, c.Source, cc})
	case BlockDocument:
		return json.Marshal(struct {
			Type         string          `json:"type"`
			Source       *Source         `json:"source"`
			Title        string          `json:"title,omitempty"`
			Context      string          `json:"context,omitempty"`
			Citations    json.RawMessage `json:"citations,omitempty"`
			CacheControl *CacheControl   `json:"cache_control,omitempty"`
		}{c.Type, c.Source, c.Title, c.Context, c.Citations, cc})
	case BlockToolUse:
		in := c.Input
		if len(bytes.TrimSpace(in)) == 0 {
			in = json.RawMessage(`{}`)
		}
		return json.Marshal(struct {
			Type         string          `json:"type"`
			ID           string          `json:"id"`
			Name         string          `json:"name"`
			Input        json.RawMessage `json:"input"`
			CacheControl *CacheControl   `json:"cache_control,omitempty"`
		}{c.Type, c.ID, c.Name, in, cc})
	case BlockToolResult:
		return json.Marshal(struct {
			Type         string        `json:"type"`
			ToolUseID    string        `json:"tool_use_id"`
			Content      Blocks        `json:"content,omitempty"`
			IsError      bool          `json:"is_error,omitempty"`
			CacheControl *CacheControl `json:"cache_control,omitempty"`
		}{c.Type, c.ToolUseID, c.Content, c.IsError, cc})
	case BlockThinking:
		return json.Marshal(struct {
			Type      string `json:"type"`
			Thinking  string `json:"thinking"`
			Signature string `json:"signature"`
		}{c.Type, c.Thinking, c.Signature})
	case BlockRedactedThinking:
		return json.Marshal(struct {
			Type string `json:"type"`
			Data string `json:"data"`
		}{c.Type, c.Data})
	}
	if len(c.Raw) > 0 {
		return json.Marshal(c.Raw)
	}
	return json.Marshal(plainBlock(c))
}

// Source is where an image's or document's bytes come from.
type Source struct {
	// Type is "base64", "text" (plain-text document), "url", "content" or "file".
	Type      string `json:"type"`
	MediaType string `json:"media_type,omitempty"`
	// Data is base64 for Type "base64" and the document text for Type "text".
	Data    string `json:"data,omitempty"`
	URL     string `json:"url,omitempty"`
	FileID  string `json:"file_id,omitempty"`
	Content Blocks `json:"content,omitempty"`
}

// CacheControl marks the end of a cacheable prompt prefix.
type CacheControl struct {
	Type string `json:"type"`          // "ephemeral"
	TTL  string `json:"ttl,omitempty"` // "5m" or "1h"
}

// Tool is a tool definition. Server tools have a Type and no InputSchema.
type Tool struct {
	Type         string          `json:"type,omitempty"`
	Name         string          `json:"name"`
	Description  string          `json:"description,omitempty"`
	InputSchema  json.RawMessage `json:"input_schema,omitempty"`
	Strict       bool            `json:"strict,omitempty"`
	CacheControl *CacheControl   `json:"cache_control,omitempty"`
}

// ToolChoice is "auto", "any", "none" or {"type":"tool","name":…}.
type ToolChoice struct {
	Type                   string `json:"type"`
	Name                   string `json:"name,omitempty"`
	DisableParallelToolUse *bool  `json:"disable_parallel_tool_use,omitempty"`
}

// Thinking configures extended thinking.
type Thinking struct {
	Type         string `json:"type"` // "enabled", "disabled" or "adaptive"
	BudgetTokens int    `json:"budget_tokens,omitempty"`
}

// OutputConfig is the native structured-output and effort configuration.
type OutputConfig struct {
	Effort string        `json:"effort,omitempty"`
	Format *OutputFormat `json:"format,omitempty"`
}

// OutputFormat constrains the answer to a JSON schema.
type OutputFormat struct {
	Type   string          `json:"type"` // "json_schema"
	Schema json.RawMessage `json:"schema"`
}

// Metadata is the request's metadata object.
type Metadata struct {
	UserID string `json:"user_id,omitempty"`
}

// MessagesResponse is a complete answer (the Message object); message_start
// carries one with empty content and null stop fields.
type MessagesResponse struct {
	ID           string  `json:"id"`
	Type         string  `json:"type"` // "message"
	Role         string  `json:"role"`
	Model        string  `json:"model"`
	Content      Blocks  `json:"content"`
	StopReason   *string `json:"stop_reason"`
	StopSequence *string `json:"stop_sequence"`
	Usage        Usage   `json:"usage"`
}

// Usage counts tokens. InputTokens already excludes cache reads and writes.
type Usage struct {
	InputTokens              int    `json:"input_tokens"`
	CacheCreationInputTokens int    `json:"cache_creation_input_tokens"`
	CacheReadInputTokens     int    `json:"cache_read_input_tokens"`
	OutputTokens             int    `json:"output_tokens"`
	ServiceTier              string `json:"service_tier,omitempty"`
}

// DeltaUsage is message_delta's usage: cumulative totals, where an absent
// input or cache count means "unchanged since message_start".
type DeltaUsage struct {
	InputTokens              *int `json:"input_tokens,omitempty"`
	CacheCreationInputTokens *int `json:"cache_creation_input_tokens,omitempty"`
	CacheReadInputTokens     *int `json:"cache_read_input_tokens,omitempty"`
	OutputTokens             int  `json:"output_tokens"`
}

// StreamEvent is the data of one SSE event, flattened over every event type.
type StreamEvent struct {
	Type         string            `json:"type"`
	Message      *MessagesResponse `json:"message,omitempty"`       // message_start
	Index        *int              `json:"index,omitempty"`         // content_block_*
	ContentBlock *ContentBlock     `json:"content_block,omitempty"` // content_block_start
	Delta        *StreamDelta      `json:"delta,omitempty"`         // content_block_delta, message_delta
	Usage        *DeltaUsage       `json:"usage,omitempty"`         // message_delta
	Error        *ErrorDetail      `json:"error,omitempty"`         // error
}

// StreamDelta is a content_block_delta's delta (Type set) or a
// message_delta's delta (Type empty).
type StreamDelta struct {
	Type         string          `json:"type,omitempty"`
	Text         string          `json:"text,omitempty"`
	PartialJSON  string          `json:"partial_json,omitempty"`
	Thinking     string          `json:"thinking,omitempty"`
	Signature    string          `json:"signature,omitempty"`
	Citation     json.RawMessage `json:"citation,omitempty"`
	StopReason   *string         `json:"stop_reason,omitempty"`
	StopSequence *string         `json:"stop_sequence,omitempty"`
}

// MarshalJSON writes the fields of the delta's type, including required
// empty strings and message_delta's explicit nulls.
func (d StreamDelta) MarshalJSON() ([]byte, error) {
	var field, val string
	switch d.Type {
	case DeltaText:
		field, val = "text", d.Text
	case DeltaInputJSON:
		field, val = "partial_json", d.PartialJSON
	case DeltaThinking:
		field, val = "thinking", d.Thinking
	case DeltaSignature:
		field, val = "signature", d.Signature
	case DeltaCitations:
		return json.Marshal(struct {
			Type     string          `json:"type"`
			Citation json.RawMessage `json:"citation"`
		}{d.Type, d.Citation})
	case "":
		return json.Marshal(struct {
			StopReason   *string `json:"stop_reason"`
			StopSequence *string `json:"stop_sequence"`
		}{d.StopReason, d.StopSequence})
	default:
		type plain StreamDelta
		return json.Marshal(plain(d))
	}
	tb, _ := json.Marshal(d.Type)
	fb, _ := json.Marshal(field)
	vb, _ := json.Marshal(val)
	out := make([]byte, 0, len(tb)+len(fb)+len(vb)+12)
	out = append(out, `{"type":`...)
	out = append(out, tb...)
	out = append(out, ',')
	out = append(out, fb...)
	out = append(out, ':')
	out = append(out, vb...)
	return append(out, '}'), nil
}

// ErrorBody is the body of an error response.
type ErrorBody struct {
	Type      string      `json:"type"` // "error"
	Error     ErrorDetail `json:"error"`
	RequestID string      `json:"request_id,omitempty"`
}

// ErrorDetail says what went wrong.
type ErrorDetail struct {
	Type    string `json:"type"`
	Message string `json:"message"`
}
