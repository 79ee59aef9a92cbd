package anthropic

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strings"
	"unicode/utf8"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
)

// DefaultMaxTokens is sent when neither the request nor Options state a
// limit: Anthropic rejects a request without max_tokens.
const DefaultMaxTokens = 4096

// maxCacheBreakpoints is Anthropic's limit on cache_control markers.
const maxCacheBreakpoints = 4

// minThinkingBudget is the smallest budget_tokens Anthropic accepts.
const minThinkingBudget = 1024

// effortBudgets turns an effort level into a thinking budget.
var effortBudgets = map[string]int{
	"minimal": minThinkingBudget, "low": minThinkingBudget, "medium": 4096, "high": 16384,
	"xhigh": 32768, "max": 32768,
}

// jsonObjectInstruction emulates canon's json_object output format, which
// Anthropic has no native mode for (output_config.format needs a schema).
const jsonObjectInstruction = "Respond only with a single valid JSON object. Do not add any text before or after it."

// Options tunes RequestFromCanon.
type Options struct {
	// DefaultMaxTokens is sent when the request states no limit; 0 means
	// DefaultMaxTokens.
	DefaultMaxTokens int
}

// reservedExtraKeys are top-level keys Basalt decides alone: a stray
// "stream" in additional fields would make a unary call answer in SSE.
var reservedExtraKeys = map[string]bool{"model": true, "stream": true}

// RequestFromCanon builds the Messages request a provider sends for req.
// Model and Stream come from req; Bedrock callers clear them. Beta flags
// found in req.AdditionalFields["anthropic_beta"] land in AnthropicBeta.
// Input the API cannot carry (video, audio, S3 locations, unsupported
// document formats) is a Validation error, never silently dropped.
//
// Mapping notes: blank text blocks are dropped and consecutive turns of one
// role merged (Anthropic requires alternation); reasoning without a
// signature or redacted data is dropped, since Anthropic rejects thinking
// blocks it cannot verify; a cachePoint marks the block before it (thinking
// blocks cannot carry one, so a point right after one is dropped; a TTL
// other than 5m or 1h falls back to the default), and only the last four of
// tools → system → messages are kept; Seed, ServiceTier,
// PerformanceLatency and RequestMetadata have no Messages equivalent.
func RequestFromCanon(req *canon.Request, opts Options) (*MessagesRequest, error) {
	if req == nil {
		return nil, apierr.Validationf("the request is empty")
	}
	out := &MessagesRequest{Model: req.Model, Stream: req.Stream}

	sys, err := systemFromCanon(req.System)
	if err != nil {
		return nil, err
	}
	out.System = sys
	if out.Messages, err = messagesFromCanon(req.Messages); err != nil {
		return nil, err
	}
	if len(out.Messages) == 0 {
		return nil, apierr.Validationf("the request needs at least one message with content")
	}
	if err := inferenceFromCanon(out, req, opts); err != nil {
		return nil, err
	}
	if req.Tools != nil {
		if err := toolsFromCanon(out, req.Tools); err != nil {
			return nil, err
		}
	}
	if err := outputFormatFromCanon(out, req.OutputFormat); err != nil {
		return nil, err
	}
	if req.User != "" {
		out.Metadata = &Metadata{UserID: req.User}
	}
	if err := extrasFromCanon(out, req.AdditionalFields); err != nil {
		return nil, err
	}
	limitCacheBreakpoints(out)
	return out, nil
}

func inferenceFromCanon(out *MessagesRequest, req *canon.Request, opts Options) error {
	in := req.Inference
	out.MaxTokens = opts.DefaultMaxTokens
	if out.MaxTokens <= 0 {
		out.MaxTokens = DefaultMaxTokens
	}
	if in.MaxTokens != nil {
		if *in.MaxTokens < 1 {
			return apierr.Validationf("maxTokens must be at least 1, got %d", *in.MaxTokens)
		}
		out.MaxTokens = *in.MaxTokens
	}
	out.Temperature = in.Temperature
	out.TopP = in.TopP
	out.TopK = in.TopK
	if len(in.StopSequences) > 0 {
		out.StopSequences = append([]string(nil), in.StopSequences...)
	}
	if r := req.Reasoning; r != nil {
		budget := r.BudgetTokens
		if budget == 0 {
			effort := strings.ToLower(r.Effort)
			if effort == "" {
				effort = "medium"
			}
			b, ok := effortBudgets[effort]
			if !ok {
				return apierr.Validationf("reasoning effort %q is not one of low, medium or high", r.Effort)
			}
			budget = b
		}
		budget = max(budget, minThinkingBudget)
		out.Thinking = &Thinking{Type: "enabled", BudgetTokens: budget}
		// Thinking tokens count against max_tokens, so the answer keeps the
		// room the client asked for on top of the budget.
		if out.MaxTokens <= budget {
			out.MaxTokens += budget
		}
	}
	return nil
}

func systemFromCanon(blocks []canon.Block) (Blocks, error) {
	var out Blocks
	for i, b := range blocks {
		switch b.Type {
		case canon.BlockText:
			if !blank(b.Text) {
				out = append(out, ContentBlock{Type: BlockText, Text: b.Text})
			}
		case canon.BlockGuardContent:
			// Anthropic has no guardrails; the guarded text is still prompt.
			if b.GuardContent != nil && !blank(b.GuardContent.Text) {
				out = append(out, ContentBlock{Type: BlockText, Text: b.GuardContent.Text})
			}
		case canon.BlockCachePoint:
			markCache(out, b.CachePoint)
		default:
			return nil, apierr.Validationf("system block %d: %s content is not allowed in the system prompt", i, b.Type)
		}
	}
	return out, nil
}

func messagesFromCanon(msgs []canon.Message) ([]Message, error) {
	out := make([]Message, 0, len(msgs))
	for mi, m := range msgs {
		if m.Role != canon.RoleUser && m.Role != canon.RoleAssistant {
			return nil, apierr.Validationf("message %d: role %q is not user or assistant", mi, m.Role)
		}
		// Merging into the previous turn of the same role keeps the strict
		// user/assistant alternation Anthropic requires.
		fresh := len(out) == 0 || out[len(out)-1].Role != string(m.Role)
		if fresh {
			out = append(out, Message{Role: string(m.Role), Content: make(Blocks, 0, len(m.Content))})
		}
		cur := &out[len(out)-1]
		for bi, b := range m.Content {
			if b.Type == canon.BlockCachePoint {
				if len(cur.Content) > 0 {
					markCache(cur.Content, b.CachePoint)
				} else if len(out) > 1 {
					markCache(out[len(out)-2].Content, b.CachePoint)
				}
				continue
			}
			cb, ok, err := blockFromCanon(b)
			if err != nil {
				return nil, apierr.Validationf("message %d, block %d: %s", mi, bi, apierr.As(err).Message)
			}
			if ok {
				cur.Content = append(cur.Content, cb)
			}
		}
		if fresh && len(cur.Content) == 0 {
			out = out[:len(out)-1] // a turn of only blank text
		}
	}
	return out, nil
}

// blockFromCanon converts one message block; ok is false for blocks that
// are dropped on purpose (blank text, unsigned reasoning).
func blockFromCanon(b canon.Block) (ContentBlock, bool, error) {
	switch b.Type {
	case canon.BlockText:
		return ContentBlock{Type: BlockText, Text: b.Text}, !blank(b.Text), nil
	case canon.BlockGuardContent:
		if b.GuardContent == nil {
			return ContentBlock{}, false, nil
		}
		if b.GuardContent.Image != nil {
			cb, err := imageFromCanon(b.GuardContent.Image)
			return cb, err == nil, err
		}
		return ContentBlock{Type: BlockText, Text: b.GuardContent.Text}, !blank(b.GuardContent.Text), nil
	case canon.BlockImage:
		cb, err := imageFromCanon(b.Image)
		return cb, err == nil, err
	case canon.BlockDocument:
		cb, err := documentFromCanon(b.Document)
		return cb, err == nil, err
	case canon.BlockToolUse:
		if b.ToolUse == nil {
			return ContentBlock{}, false, apierr.Validationf("toolUse block is empty")
		}
		in := b.ToolUse.Input
		if len(bytes.TrimSpace(in)) == 0 || string(in) == "null" {
			in = json.RawMessage(`{}`)
		} else if !json.Valid(in) {
			return ContentBlock{}, false, apierr.Validationf("toolUse %q input is not valid JSON", b.ToolUse.Name)
		}
		return ContentBlock{Type: BlockToolUse, ID: b.ToolUse.ID, Name: b.ToolUse.Name, Input: in}, true, nil
	case canon.BlockToolResult:
		cb, err := toolResultFromCanon(b.ToolResult)
		return cb, err == nil, err
	case canon.BlockReasoning:
		r := b.Reasoning
		if r == nil {
			return ContentBlock{}, false, nil
		}
		if len(r.Redacted) > 0 {
			// Anthropic's opaque data string travels as canon bytes unchanged.
			return ContentBlock{Type: BlockRedactedThinking, Data: string(r.Redacted)}, true, nil
		}
		if r.Signature == "" {
			return ContentBlock{}, false, nil
		}
		return ContentBlock{Type: BlockThinking, Thinking: r.Text, Signature: r.Signature}, true, nil
	}
	return ContentBlock{}, false, apierr.Validationf("%s content is not supported by Anthropic models", b.Type)
}

var imageMediaTypes = map[string]string{
	"png": "image/png", "jpeg": "image/jpeg", "jpg": "image/jpeg", "gif": "image/gif", "webp": "image/webp",
}

func imageFromCanon(m *canon.Media) (ContentBlock, error) {
	if m == nil {
		return ContentBlock{}, apierr.Validationf("image block is empty")
	}
	switch {
	case len(m.Bytes) > 0:
		mt, ok := imageMediaTypes[strings.ToLower(m.Format)]
		if !ok {
			return ContentBlock{}, apierr.Validationf("image format %q is not png, jpeg, gif or webp", m.Format)
		}
		return ContentBlock{Type: BlockImage, Source: &Source{Type: "base64", MediaType: mt,
			Data: base64.StdEncoding.EncodeToString(m.Bytes)}}, nil
	case m.URL != "":
		return ContentBlock{Type: BlockImage, Source: &Source{Type: "url", URL: m.URL}}, nil
	case m.S3URI != "":
		return ContentBlock{}, apierr.Validationf("images in S3 are not supported by Anthropic models; send the bytes")
	}
	return ContentBlock{}, apierr.Validationf("image block has no data")
}

var textDocumentFormats = map[string]bool{"txt": true, "md": true, "csv": true, "html": true}

func documentFromCanon(d *canon.Document) (ContentBlock, error) {
	if d == nil {
		return ContentBlock{}, apierr.Validationf("document block is empty")
	}
	if d.S3URI != "" {
		return ContentBlock{}, apierr.Validationf("documents in S3 are not supported by Anthropic models; send the bytes")
	}
	cb := ContentBlock{Type: BlockDocument, Title: d.Name, Context: d.Context}
	if d.Citations {
		cb.Citations = json.RawMessage(`{"enabled":true}`)
	}
	format := strings.ToLower(d.Format)
	switch {
	case format == "pdf":
		if len(d.Bytes) == 0 {
			return ContentBlock{}, apierr.Validationf("pdf document %q has no bytes", d.Name)
		}
		cb.Source = &Source{Type: "base64", MediaType: "application/pdf", Data: base64.StdEncoding.EncodeToString(d.Bytes)}
	case textDocumentFormats[format]:
		text := d.Text
		if text == "" {
			if !utf8.Valid(d.Bytes) {
				return ContentBlock{}, apierr.Validationf("%s document %q is not valid UTF-8 text", format, d.Name)
			}
			text = string(d.Bytes)
		}
		if text == "" {
			return ContentBlock{}, apierr.Validationf("document %q is empty", d.Name)
		}
		cb.Source = &Source{Type: "text", MediaType: "text/plain", Data: text}
	default:
		return ContentBlock{}, apierr.Validationf("document format %q is not supported by Anthropic models (use pdf, txt, md, csv or html)", d.Format)
	}
	return cb, nil
}

func toolResultFromCanon(tr *canon.ToolResult) (ContentBlock, error) {
	if tr == nil {
		return ContentBlock{}, apierr.Validationf("toolResult block is empty")
	}
	cb := ContentBlock{Type: BlockToolResult, ToolUseID: tr.ToolUseID, IsError: tr.Status == "error"}
	for _, c := range tr.Content {
		switch c.Type {
		case canon.BlockText:
			if !blank(c.Text) {
				cb.Content = append(cb.Content, ContentBlock{Type: BlockText, Text: c.Text})
			}
		case canon.BlockJSON:
			var buf bytes.Buffer
			if err := json.Compact(&buf, c.JSON); err != nil {
				return ContentBlock{}, apierr.Validationf("toolResult %q json content is not valid JSON", tr.ToolUseID)
			}
			cb.Content = append(cb.Content, ContentBlock{Type: BlockText, Text: buf.String()})
		case canon.BlockImage:
			img, err := imageFromCanon(c.Image)
			if err != nil {
				return ContentBlock{}, err
			}
			cb.Content = append(cb.Content, img)
		case canon.BlockDocument:
			doc, err := documentFromCanon(c.Document)
			if err != nil {
				return ContentBlock{}, err
			}
			cb.Content = append(cb.Content, doc)
		default:
			return ContentBlock{}, apierr.Validationf("toolResult %q: %s content is not supported by Anthropic models", tr.ToolUseID, c.Type)
		}
	}
	return cb, nil
}

func toolsFromCanon(out *MessagesRequest, tc *canon.ToolConfig) error {
	for i, t := range tc.Tools {
		if t.Name == "" {
			return apierr.Validationf("tool %d has no name", i)
		}
		schema := bytes.TrimSpace(t.InputSchema)
		if len(schema) == 0 || string(schema) == "null" {
			schema = []byte(`{"type":"object","properties":{}}`)
		}
		var buf bytes.Buffer
		if err := json.Compact(&buf, schema); err != nil {
			return apierr.Validationf("tool %q input schema is not valid JSON", t.Name)
		}
		tool := Tool{Name: t.Name, Description: t.Description, InputSchema: buf.Bytes(), Strict: t.Strict}
		if t.CachePoint != nil {
			tool.CacheControl = cacheControl(t.CachePoint)
		}
		out.Tools = append(out.Tools, tool)
	}
	if len(out.Tools) == 0 {
		return nil // a choice without tools means nothing to Anthropic
	}
	switch tc.Choice.Mode {
	case canon.ToolChoiceAuto:
		out.ToolChoice = &ToolChoice{Type: "auto"}
	case canon.ToolChoiceAny:
		out.ToolChoice = &ToolChoice{Type: "any"}
	case canon.ToolChoiceNone:
		out.ToolChoice = &ToolChoice{Type: "none"}
	case canon.ToolChoiceTool:
		if tc.Choice.Name == "" {
			return apierr.Validationf("toolChoice names no tool")
		}
		out.ToolChoice = &ToolChoice{Type: "tool", Name: tc.Choice.Name}
	default:
		return apierr.Validationf("unknown toolChoice mode %d", tc.Choice.Mode)
	}
	return nil
}

// outputFormatFromCanon uses the native output_config.format for a JSON
// schema. json_object has no native form, so it becomes an instruction
// appended to the system prompt (after any cache breakpoint, so cached
// prefixes stay valid).
func outputFormatFromCanon(out *MessagesRequest, of *canon.OutputFormat) error {
	if of == nil {
		return nil
	}
	switch of.Type {
	case "", "text":
	case "json_schema":
		var buf bytes.Buffer
		if err := json.Compact(&buf, of.Schema); err != nil {
			return apierr.Validationf("output format %q needs a valid JSON schema", of.Name)
		}
		out.OutputConfig = &OutputConfig{Format: &OutputFormat{Type: "json_schema", Schema: buf.Bytes()}}
	case "json_object":
		out.System = append(out.System, ContentBlock{Type: BlockText, Text: jsonObjectInstruction})
	default:
		return apierr.Validationf("output format type %q is not json_schema or json_object", of.Type)
	}
	return nil
}

func extrasFromCanon(out *MessagesRequest, fields map[string]json.RawMessage) error {
	for k, v := range fields {
		if !json.Valid(v) {
			return apierr.Validationf("additional model request field %q is not valid JSON", k)
		}
		if k == "anthropic_beta" {
			betas, err := parseBetas(v)
			if err != nil {
				return err
			}
			out.AnthropicBeta = append(out.AnthropicBeta, betas...)
			continue
		}
		if reservedExtraKeys[k] {
			continue
		}
		if out.Extra == nil {
			out.Extra = map[string]json.RawMessage{}
		}
		out.Extra[k] = v
	}
	return nil
}

// parseBetas accepts the array Bedrock bodies use and, leniently, the
// comma-separated string of the anthropic-beta header.
func parseBetas(v json.RawMessage) ([]string, error) {
	var list []string
	if err := json.Unmarshal(v, &list); err != nil {
		var s string
		if json.Unmarshal(v, &s) != nil {
			return nil, apierr.Validationf("additional model request field anthropic_beta must be an array of strings")
		}
		list = strings.Split(s, ",")
	}
	out := list[:0]
	for _, b := range list {
		if b = strings.TrimSpace(b); b != "" {
			out = append(out, b)
		}
	}
	return out, nil
}

func cacheControl(cp *canon.CachePoint) *CacheControl {
	cc := &CacheControl{Type: "ephemeral"}
	if cp != nil && (cp.TTL == "5m" || cp.TTL == "1h") {
		cc.TTL = cp.TTL
	}
	return cc
}

// markCache puts cache_control on the last block of blocks, if that block
// can carry one.
func markCache(blocks Blocks, cp *canon.CachePoint) {
	if len(blocks) == 0 {
		return
	}
	last := &blocks[len(blocks)-1]
	if last.Type == BlockThinking || last.Type == BlockRedactedThinking {
		return
	}
	last.CacheControl = cacheControl(cp)
}

// limitCacheBreakpoints keeps the last maxCacheBreakpoints markers in prompt
// order (tools, system, messages): a later breakpoint caches everything
// before it, so the earliest ones are the least useful to keep.
func limitCacheBreakpoints(out *MessagesRequest) {
	var marks []**CacheControl
	for i := range out.Tools {
		if out.Tools[i].CacheControl != nil {
			marks = append(marks, &out.Tools[i].CacheControl)
		}
	}
	for i := range out.System {
		if out.System[i].CacheControl != nil {
			marks = append(marks, &out.System[i].CacheControl)
		}
	}
	for mi := range out.Messages {
		c := out.Messages[mi].Content
		for i := range c {
			if c[i].CacheControl != nil {
				marks = append(marks, &c[i].CacheControl)
			}
		}
	}
	for i := 0; i < len(marks)-maxCacheBreakpoints; i++ {
		*marks[i] = nil
	}
}

func blank(s string) bool { return strings.TrimSpace(s) == "" }
