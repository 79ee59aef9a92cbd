package anthropic

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
)

// This file is the inbound direction of requests: a Messages body a client
// sent (POST /v1/messages, or a Bedrock InvokeModel Claude body) → canon.

// unsupportedKeys are Messages parameters Basalt knows but cannot honour
// yet; they are refused by name rather than silently dropped.
var unsupportedKeys = map[string]string{
	"container":          "containers (code execution) are not supported by this gateway",
	"mcp_servers":        "MCP servers are not supported by this gateway",
	"context_management": "context management is not supported by this gateway",
	"inference_geo":      "inference_geo is not supported by this gateway",
	"cache_control":      "top-level (automatic) cache_control is not supported by this gateway; put cache_control on the blocks to cache",
}

// DecodeRequest parses a Messages request body as a client sent it. JSON
// errors and a missing max_tokens are Validation errors worded like
// Anthropic's own; everything else is checked by RequestToCanon.
func DecodeRequest(body []byte) (*MessagesRequest, error) {
	return decodeRequest(body, true)
}

// DecodeCountTokensRequest parses a POST /v1/messages/count_tokens body,
// which has no max_tokens.
func DecodeCountTokensRequest(body []byte) (*MessagesRequest, error) {
	return decodeRequest(body, false)
}

func decodeRequest(body []byte, needMaxTokens bool) (*MessagesRequest, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return nil, apierr.Validationf("There was an error parsing the body of your request: the body must be a JSON object.")
	}
	// One decode: decode, unlike json.Unmarshal into a MessagesRequest,
	// does not check the syntax twice, and it reports max_tokens's raw
	// value on the way.
	var r MessagesRequest
	maxTokens, err := r.decode(body)
	if err != nil {
		return nil, apierr.Wrap(apierr.Validation, err, "There was an error parsing the body of your request: %s", jsonProblem(err))
	}
	if needMaxTokens && (len(maxTokens) == 0 || string(maxTokens) == "null") {
		return nil, apierr.Validationf("max_tokens: Field required")
	}
	return &r, nil
}

// jsonProblem describes a decoding error without echoing Go type names.
func jsonProblem(err error) string {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "body"
		}
		return fmt.Sprintf("%s: a JSON %s is not valid here", field, te.Value)
	case errors.As(err, &se):
		return fmt.Sprintf("invalid JSON at byte %d", se.Offset)
	}
	return "invalid JSON"
}

// RequestToCanon converts a client's Messages request.
//
// Mapping notes: blank text blocks are dropped (a turn left empty is
// dropped with them) and consecutive turns of one role merged; cache_control on a system block, message block or
// tool becomes a canon CachePoint right after it (at most 4, as Anthropic
// allows); thinking {enabled, budget_tokens} becomes Reasoning.BudgetTokens
// and {adaptive} Reasoning.Effort (output_config.effort, else "medium");
// metadata.user_id becomes User; a stop_sequences request asks for the
// matched sequence back (AdditionalResponseFieldPaths "/stop_sequence").
// anthropic_version, anthropic_beta, service_tier, output_config.effort
// without adaptive thinking and tool_choice.disable_parallel_tool_use have
// no canonical field and are ignored. Unknown top-level keys, server tools
// and block types canon cannot carry are Validation errors.
func RequestToCanon(r *MessagesRequest) (*canon.Request, error) {
	return requestToCanon(r, true)
}

// CountTokensRequestToCanon converts a count_tokens body, where max_tokens
// is absent.
func CountTokensRequestToCanon(r *MessagesRequest) (*canon.Request, error) {
	return requestToCanon(r, false)
}

func requestToCanon(r *MessagesRequest, needMaxTokens bool) (*canon.Request, error) {
	if r == nil {
		return nil, apierr.Validationf("the request is empty")
	}
	if err := checkExtraKeys(r.Extra); err != nil {
		return nil, err
	}
	if r.Model == "" {
		return nil, apierr.Validationf("model: Field required")
	}
	out := &canon.Request{Model: r.Model, Stream: r.Stream}
	cache := 0
	var err error
	if out.System, err = systemToCanon(r.System, &cache); err != nil {
		return nil, err
	}
	if out.Messages, err = messagesToCanon(r.Messages, &cache); err != nil {
		return nil, err
	}
	if err := inferenceToCanon(out, r, needMaxTokens); err != nil {
		return nil, err
	}
	if err := toolsToCanon(out, r, &cache); err != nil {
		return nil, err
	}
	if cache > maxCacheBreakpoints {
		return nil, apierr.Validationf("A maximum of %d blocks with cache_control may be provided. Found %d.", maxCacheBreakpoints, cache)
	}
	if oc := r.OutputConfig; oc != nil && oc.Format != nil {
		if oc.Format.Type != "json_schema" {
			return nil, apierr.Validationf("output_config.format.type: Input should be 'json_schema'")
		}
		var buf bytes.Buffer
		if err := json.Compact(&buf, oc.Format.Schema); err != nil || buf.Len() == 0 || buf.Bytes()[0] != '{' {
			return nil, apierr.Validationf("output_config.format.schema: Input should be a valid JSON Schema object")
		}
		out.OutputFormat = &canon.OutputFormat{Type: "json_schema", Schema: buf.Bytes()}
	}
	if r.Metadata != nil {
		out.User = r.Metadata.UserID
	}
	if len(r.StopSequences) > 0 {
		out.AdditionalResponseFieldPaths = []string{"/stop_sequence"}
	}
	return out, nil
}

func checkExtraKeys(extra map[string]json.RawMessage) error {
	if len(extra) == 0 {
		return nil
	}
	keys := make([]string, 0, len(extra))
	for k := range extra {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if why, ok := unsupportedKeys[k]; ok {
			return apierr.Validationf("%s: %s", k, why)
		}
	}
	return apierr.Validationf("%s: Extra inputs are not permitted", safeName(keys[0]))
}

func inferenceToCanon(out *canon.Request, r *MessagesRequest, needMaxTokens bool) error {
	in := &out.Inference
	if needMaxTokens || r.MaxTokens != 0 {
		if r.MaxTokens < 1 {
			return apierr.Validationf("max_tokens: Input should be greater than or equal to 1")
		}
		mt := r.MaxTokens
		in.MaxTokens = &mt
	}
	if t := r.Temperature; t != nil && (*t < 0 || *t > 1) {
		return apierr.Validationf("temperature: Input should be less than or equal to 1 and greater than or equal to 0")
	}
	if p := r.TopP; p != nil && (*p < 0 || *p > 1) {
		return apierr.Validationf("top_p: Input should be less than or equal to 1 and greater than or equal to 0")
	}
	if k := r.TopK; k != nil && *k < 0 {
		return apierr.Validationf("top_k: Input should be greater than or equal to 0")
	}
	in.Temperature, in.TopP, in.TopK = r.Temperature, r.TopP, r.TopK
	for i, s := range r.StopSequences {
		if s == "" {
			return apierr.Validationf("stop_sequences.%d: each stop sequence must be a non-empty string", i)
		}
	}
	if len(r.StopSequences) > 0 {
		in.StopSequences = slices.Clone(r.StopSequences)
	}
	if th := r.Thinking; th != nil {
		switch th.Type {
		case "enabled":
			if th.BudgetTokens < minThinkingBudget {
				return apierr.Validationf("thinking.enabled.budget_tokens: Input should be greater than or equal to %d", minThinkingBudget)
			}
			if in.MaxTokens != nil && th.BudgetTokens >= *in.MaxTokens {
				return apierr.Validationf("`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking#max-tokens-and-context-window-size")
			}
			out.Reasoning = &canon.ReasoningConfig{BudgetTokens: th.BudgetTokens}
		case "adaptive":
			effort := "medium"
			if r.OutputConfig != nil && r.OutputConfig.Effort != "" {
				effort = r.OutputConfig.Effort
			}
			out.Reasoning = &canon.ReasoningConfig{Effort: effort}
		case "disabled":
		default:
			return apierr.Validationf("thinking.type: Input tag '%s' found using 'type' does not match any of the expected tags: 'enabled', 'disabled', 'adaptive'", safeName(th.Type))
		}
	}
	return nil
}

func systemToCanon(blocks Blocks, cache *int) ([]canon.Block, error) {
	var out []canon.Block
	for i, b := range blocks {
		if b.Type != BlockText {
			return nil, apierr.Validationf("system.%d.type: Input should be 'text'", i)
		}
		if !blank(b.Text) {
			out = append(out, canon.TextBlock(b.Text))
		}
		if b.CacheControl != nil {
			cp, err := cachePoint(b.CacheControl, fmt.Sprintf("system.%d", i))
			if err != nil {
				return nil, err
			}
			*cache++
			if len(out) > 0 {
				out = append(out, cp)
			}
		}
	}
	return out, nil
}

func cachePoint(cc *CacheControl, where string) (canon.Block, error) {
	if cc.Type != "ephemeral" {
		return canon.Block{}, apierr.Validationf("%s.cache_control.type: Input should be 'ephemeral'", where)
	}
	switch cc.TTL {
	case "", "5m", "1h":
	default:
		return canon.Block{}, apierr.Validationf("%s.cache_control.ttl: Input should be '5m' or '1h'", where)
	}
	return canon.Block{Type: canon.BlockCachePoint, CachePoint: &canon.CachePoint{TTL: cc.TTL}}, nil
}

func messagesToCanon(msgs []Message, cache *int) ([]canon.Message, error) {
	if len(msgs) == 0 {
		return nil, apierr.Validationf("messages: at least one message is required")
	}
	out := make([]canon.Message, 0, len(msgs))
	docs := docNames{}
	for mi, m := range msgs {
		if m.Role != string(canon.RoleUser) && m.Role != string(canon.RoleAssistant) {
			return nil, apierr.Validationf("messages.%d.role: Input should be 'user' or 'assistant'", mi)
		}
		cm := canon.Message{Role: canon.Role(m.Role)}
		for bi, b := range m.Content {
			where := fmt.Sprintf("messages.%d.content.%d", mi, bi)
			cb, ok, err := blockToCanon(b, where, docs)
			if err != nil {
				return nil, err
			}
			if ok {
				cm.Content = append(cm.Content, cb)
			}
			if b.CacheControl != nil {
				cp, err := cachePoint(b.CacheControl, where)
				if err != nil {
					return nil, err
				}
				*cache++
				if len(cm.Content) > 0 {
					cm.Content = append(cm.Content, cp)
				}
			}
		}
		if len(cm.Content) == 0 {
			continue // a turn of only blank text (pitfall 4): drop it, never fail
		}
		if n := len(out); n > 0 && out[n-1].Role == cm.Role {
			// Consecutive turns of one role (as Anthropic allows, or left by
			// a dropped blank turn) merge, keeping the alternation Converse needs.
			out[n-1].Content = append(out[n-1].Content, cm.Content...)
			continue
		}
		out = append(out, cm)
	}
	if len(out) == 0 {
		return nil, apierr.Validationf("messages: all messages are empty; at least one needs non-blank content")
	}
	return out, nil
}

// blockToCanon converts one message block; ok is false for blank text.
func blockToCanon(b ContentBlock, where string, docs docNames) (canon.Block, bool, error) {
	switch b.Type {
	case BlockText:
		return canon.TextBlock(b.Text), !blank(b.Text), nil
	case BlockImage:
		m, err := imageToCanon(b.Source, where)
		if err != nil {
			return canon.Block{}, false, err
		}
		return canon.Block{Type: canon.BlockImage, Image: m}, true, nil
	case BlockDocument:
		d, err := documentToCanon(b, where, docs)
		if err != nil {
			return canon.Block{}, false, err
		}
		return canon.Block{Type: canon.BlockDocument, Document: d}, true, nil
	case BlockToolUse:
		if b.ID == "" || b.Name == "" {
			return canon.Block{}, false, apierr.Validationf("%s: tool_use blocks need an id and a name", where)
		}
		in := bytes.TrimSpace(b.Input)
		if len(in) == 0 || string(in) == "null" {
			in = []byte(`{}`)
		}
		if in[0] != '{' {
			return canon.Block{}, false, apierr.Validationf("%s.input: Input should be a valid dictionary", where)
		}
		return canon.Block{Type: canon.BlockToolUse, ToolUse: &canon.ToolUse{ID: b.ID, Name: b.Name, Input: slices.Clone(in)}}, true, nil
	case BlockToolResult:
		tr, err := toolResultToCanon(b, where, docs)
		if err != nil {
			return canon.Block{}, false, err
		}
		return canon.Block{Type: canon.BlockToolResult, ToolResult: tr}, true, nil
	case BlockThinking:
		if b.Signature == "" {
			return canon.Block{}, false, apierr.Validationf("%s.signature: Field required", where)
		}
		return canon.Block{Type: canon.BlockReasoning, Reasoning: &canon.Reasoning{Text: b.Thinking, Signature: b.Signature}}, true, nil
	case BlockRedactedThinking:
		if b.Data == "" {
			return canon.Block{}, false, apierr.Validationf("%s.data: Field required", where)
		}
		return canon.Block{Type: canon.BlockReasoning, Reasoning: &canon.Reasoning{Redacted: []byte(b.Data)}}, true, nil
	case "":
		return canon.Block{}, false, apierr.Validationf("%s.type: Field required", where)
	}
	return canon.Block{}, false, apierr.Validationf("%s: content blocks of type %q are not supported by this gateway", where, safeName(b.Type))
}

// imageMediaFormats maps image media types, leniently spelt (pitfall 13),
// to canon formats.
var imageMediaFormats = map[string]string{
	"image/png": "png", "image/jpeg": "jpeg", "image/jpg": "jpeg", "image/gif": "gif", "image/webp": "webp",
}

func imageToCanon(src *Source, where string) (*canon.Media, error) {
	if src == nil {
		return nil, apierr.Validationf("%s.source: Field required", where)
	}
	switch src.Type {
	case "base64":
		format, ok := imageMediaFormats[strings.ToLower(strings.TrimSpace(src.MediaType))]
		if !ok {
			return nil, apierr.Validationf("%s.source.media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'", where)
		}
		data, err := decodeBase64(src.Data)
		if err != nil || len(data) == 0 {
			return nil, apierr.Validationf("%s.source.data: the image data is not valid base64", where)
		}
		return &canon.Media{Format: format, Bytes: data}, nil
	case "url":
		if !strings.HasPrefix(src.URL, "https://") && !strings.HasPrefix(src.URL, "http://") {
			return nil, apierr.Validationf("%s.source.url: an image URL must be http or https", where)
		}
		return &canon.Media{URL: src.URL}, nil
	}
	return nil, apierr.Validationf("%s.source.type: image sources of type %q are not supported by this gateway (use base64 or url)", where, safeName(src.Type))
}

func decodeBase64(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if b, err := base64.StdEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	return base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
}

func documentToCanon(b ContentBlock, where string, docs docNames) (*canon.Document, error) {
	src := b.Source
	if src == nil {
		return nil, apierr.Validationf("%s.source: Field required", where)
	}
	d := &canon.Document{Name: docs.name(b.Title), Context: b.Context}
	if len(b.Citations) > 0 {
		var c struct {
			Enabled bool `json:"enabled"`
		}
		_ = json.Unmarshal(b.Citations, &c)
		d.Citations = c.Enabled
	}
	switch src.Type {
	case "base64":
		if mt := strings.ToLower(src.MediaType); mt != "application/pdf" {
			return nil, apierr.Validationf("%s.source.media_type: Input should be 'application/pdf'", where)
		}
		data, err := decodeBase64(src.Data)
		if err != nil || len(data) == 0 {
			return nil, apierr.Validationf("%s.source.data: the document data is not valid base64", where)
		}
		d.Format, d.Bytes = "pdf", data
	case "text":
		if blank(src.Data) {
			return nil, apierr.Validationf("%s.source.data: the document text is empty", where)
		}
		d.Format, d.Text = "txt", src.Data
	case "content":
		var parts []string
		for _, c := range src.Content {
			if c.Type != BlockText {
				return nil, apierr.Validationf("%s.source.content: only text blocks are supported in content documents", where)
			}
			if !blank(c.Text) {
				parts = append(parts, c.Text)
			}
		}
		if len(parts) == 0 {
			return nil, apierr.Validationf("%s.source.content: the document has no text", where)
		}
		d.Format, d.Text = "txt", strings.Join(parts, "\n\n")
	default:
		return nil, apierr.Validationf("%s.source.type: document sources of type %q are not supported by this gateway (use base64, text or content)", where, safeName(src.Type))
	}
	return d, nil
}

// docNames makes document names valid and unique, as Converse requires
// (letters, digits, single spaces and -()[], at most 200 characters).
type docNames map[string]bool

func (n docNames) name(title string) string {
	var sb strings.Builder
	space := false
	for _, r := range title {
		ok := unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("-()[]", r)
		if !ok {
			if sb.Len() > 0 {
				space = true
			}
			continue
		}
		if space {
			sb.WriteByte(' ')
			space = false
		}
		sb.WriteRune(r)
	}
	base := sb.String()
	if r := []rune(base); len(r) > 180 {
		base = strings.TrimSpace(string(r[:180]))
	}
	if base == "" {
		base = "document"
	}
	name := base
	for i := 2; n[name]; i++ {
		name = base + " (" + strconv.Itoa(i) + ")"
	}
	n[name] = true
	return name
}

func toolResultToCanon(b ContentBlock, where string, docs docNames) (*canon.ToolResult, error) {
	if b.ToolUseID == "" {
		return nil, apierr.Validationf("%s.tool_use_id: Field required", where)
	}
	tr := &canon.ToolResult{ToolUseID: b.ToolUseID}
	if b.IsError {
		tr.Status = "error"
	}
	for ci, c := range b.Content {
		cw := fmt.Sprintf("%s.content.%d", where, ci)
		switch c.Type {
		case BlockText, BlockImage, BlockDocument:
			cb, ok, err := blockToCanon(c, cw, docs)
			if err != nil {
				return nil, err
			}
			if ok {
				tr.Content = append(tr.Content, cb)
			}
		default:
			return nil, apierr.Validationf("%s: tool results may hold text, image and document blocks, not %q", cw, safeName(c.Type))
		}
	}
	return tr, nil
}

func toolsToCanon(out *canon.Request, r *MessagesRequest, cache *int) error {
	if len(r.Tools) == 0 {
		if tc := r.ToolChoice; tc != nil && tc.Type != "none" && tc.Type != "auto" {
			return apierr.Validationf("tool_choice: tool_choice %q requires tools", safeName(tc.Type))
		}
		return nil
	}
	cfg := &canon.ToolConfig{}
	seen := map[string]bool{}
	for i, t := range r.Tools {
		if t.Type != "" && t.Type != "custom" {
			return apierr.Validationf("tools.%d: server tools (type %q) are not supported by this gateway; define a custom tool with an input_schema", i, safeName(t.Type))
		}
		if t.Name == "" {
			return apierr.Validationf("tools.%d.name: Field required", i)
		}
		if seen[t.Name] {
			return apierr.Validationf("tools: Tool names must be unique.")
		}
		seen[t.Name] = true
		schema := bytes.TrimSpace(t.InputSchema)
		if len(schema) == 0 || string(schema) == "null" {
			return apierr.Validationf("tools.%d.input_schema: Field required", i)
		}
		if schema[0] != '{' {
			return apierr.Validationf("tools.%d.input_schema: Input should be a valid dictionary", i)
		}
		ct := canon.Tool{Name: t.Name, Description: t.Description, InputSchema: slices.Clone(schema), Strict: t.Strict}
		if t.CacheControl != nil {
			cp, err := cachePoint(t.CacheControl, fmt.Sprintf("tools.%d", i))
			if err != nil {
				return err
			}
			*cache++
			ct.CachePoint = cp.CachePoint
		}
		cfg.Tools = append(cfg.Tools, ct)
	}
	if tc := r.ToolChoice; tc != nil {
		switch tc.Type {
		case "auto":
			cfg.Choice.Mode = canon.ToolChoiceAuto
		case "any":
			cfg.Choice.Mode = canon.ToolChoiceAny
		case "none":
			cfg.Choice.Mode = canon.ToolChoiceNone
		case "tool":
			if tc.Name == "" {
				return apierr.Validationf("tool_choice.tool.name: Field required")
			}
			if !seen[tc.Name] {
				return apierr.Validationf("tool_choice.name: tool %q is not among the tools of the request", safeName(tc.Name))
			}
			cfg.Choice = canon.ToolChoice{Mode: canon.ToolChoiceTool, Name: tc.Name}
		default:
			return apierr.Validationf("tool_choice.type: Input tag '%s' found using 'type' does not match any of the expected tags: 'auto', 'any', 'tool', 'none'", safeName(tc.Type))
		}
	}
	out.Tools = cfg
	return nil
}
