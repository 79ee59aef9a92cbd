package bedrock

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/format/jsonbytes"
)

var (
	toolNameRE = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)
	// Document names: alphanumerics, single spaces, hyphens, parentheses and
	// square brackets, at most 200 characters (Bedrock's own constraint).
	docNameRE = regexp.MustCompile(`^[a-zA-Z0-9\-()\[\]]+( [a-zA-Z0-9\-()\[\]]+)*$`)
)

var (
	imageFormats    = set("png", "jpeg", "gif", "webp")
	documentFormats = set("pdf", "csv", "doc", "docx", "xls", "xlsx", "html", "txt", "md")
	videoFormats    = set("mkv", "mov", "mp4", "webm", "flv", "mpeg", "mpg", "wmv", "three_gp")
	audioFormats    = set("mp3", "opus", "wav", "aac", "flac", "mp4", "ogg", "mkv", "mka", "x-aac", "m4a", "mpeg", "mpga", "pcm", "webm")
)

func set(vals ...string) map[string]bool {
	m := make(map[string]bool, len(vals))
	for _, v := range vals {
		m[v] = true
	}
	return m
}

// DecodeRequest parses and validates a Converse request body into a
// canonical request for modelID. Every problem is an apierr Validation
// error whose message says what to fix, in Bedrock's style.
func DecodeRequest(modelID string, body []byte) (*canon.Request, error) {
	// A pooled decoder (no setup to pay for) decodes every valid body; a
	// body it refuses is decoded again by a fresh one, for the error.
	wire := new(ConverseRequest)
	if jsonbytes.DecodeKnown(body, wire) {
		return ToCanon(modelID, wire)
	}
	*wire = ConverseRequest{}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(wire); err != nil {
		return nil, malformed(err)
	}
	if dec.More() {
		return nil, apierr.Validationf("Malformed input request: the body holds more than one JSON value, please reformat your input and try again.")
	}
	return ToCanon(modelID, wire)
}

func malformed(err error) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "the request body"
		}
		return apierr.Validationf("Malformed input request: %s must be of type %s, not %s, please reformat your input and try again.", field, jsonType(te.Type.Kind().String()), te.Value)
	case errors.As(err, &se):
		return apierr.Validationf("Malformed input request: invalid JSON at offset %d (%s), please reformat your input and try again.", se.Offset, strings.TrimPrefix(se.Error(), "json: "))
	case strings.HasPrefix(err.Error(), "illegal base64"), strings.Contains(err.Error(), "base64"):
		return apierr.Validationf("Malformed input request: a bytes field is not valid base64 (%s), please reformat your input and try again.", err.Error())
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return apierr.Validationf("Malformed input request: unknown member %s (member names are case-sensitive; see the Converse API reference), please reformat your input and try again.", strings.TrimPrefix(err.Error(), "json: unknown field "))
	case errors.Is(err, io.EOF):
		return apierr.Validationf("Malformed input request: the request body is empty; a Converse request needs at least \"messages\".")
	}
	return apierr.Validationf("Malformed input request: %s, please reformat your input and try again.", strings.TrimPrefix(err.Error(), "json: "))
}

func jsonType(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "struct", "map":
		return "object"
	case "slice", "array":
		return "array"
	case "bool":
		return "boolean"
	case "ptr":
		return "object"
	}
	return "number"
}

// ToCanon validates a decoded Converse request and converts it.
func ToCanon(modelID string, w *ConverseRequest) (*canon.Request, error) {
	v := &validator{}
	req := &canon.Request{Model: modelID, RequestMetadata: w.RequestMetadata}
	if len(w.GuardrailConfig) > 0 && string(w.GuardrailConfig) != "null" {
		return nil, apierr.Validationf("guardrailConfig is not supported by this gateway yet; remove it from the request")
	}
	if len(w.Messages) == 0 {
		return nil, apierr.Validationf("A conversation must start with a user message. Try again with a conversation that starts with a user message.")
	}
	for i, sb := range w.System {
		b, ok := v.systemBlock("system."+strconv.Itoa(i), sb)
		if ok {
			req.System = append(req.System, b)
		}
	}
	var toolUses map[string]bool // ids from the previous assistant turn (nil: none)
	req.Messages = make([]canon.Message, 0, len(w.Messages))
	for i, m := range w.Messages {
		// The path names the message in errors only, so it is built when
		// one is reported, not for every message of every request.
		path := func() string { return "messages." + strconv.Itoa(i) }
		var role canon.Role
		switch m.Role {
		case "user":
			role = canon.RoleUser
		case "assistant":
			role = canon.RoleAssistant
		default:
			v.fail("%s.role: value %q is not valid; it must be one of user, assistant", path(), m.Role)
			continue
		}
		if i == 0 && role != canon.RoleUser {
			v.fail("A conversation must start with a user message. Try again with a conversation that starts with a user message.")
		}
		if i > 0 && w.Messages[i-1].Role == m.Role {
			v.fail("A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.")
		}
		msg := canon.Message{Role: role, Content: make([]canon.Block, 0, len(m.Content))}
		for j, cb := range m.Content {
			var b canon.Block
			var ok bool
			if cb.onlyText() {
				b, ok = textBlock(*cb.Text) // no check that needs the path
			} else {
				b, ok = v.contentBlock(path()+".content."+strconv.Itoa(j), role, cb)
			}
			if ok {
				msg.Content = append(msg.Content, b)
			}
		}
		if len(msg.Content) == 0 && len(v.errs) == 0 {
			v.fail("The content field in the Message object at %s is empty. Add a ContentBlock object to the content field and try again.", path())
		}
		var nextUses map[string]bool // made on the first toolUse: most turns have none
		for _, b := range msg.Content {
			switch b.Type {
			case canon.BlockToolUse:
				if nextUses == nil {
					nextUses = map[string]bool{}
				}
				nextUses[b.ToolUse.ID] = true
			case canon.BlockToolResult:
				if !toolUses[b.ToolResult.ToolUseID] {
					v.fail("%s: the toolResult with toolUseId %q does not answer a toolUse of the previous assistant turn", path(), b.ToolResult.ToolUseID)
				}
			}
		}
		toolUses = nextUses
		req.Messages = append(req.Messages, msg)
	}
	if w.InferenceConfig != nil {
		req.Inference = v.inference(w.InferenceConfig)
	}
	if w.ToolConfig != nil {
		req.Tools = v.toolConfig(w.ToolConfig)
	}
	if len(w.AdditionalModelRequestFields) > 0 {
		v.additionalFields(req, w.AdditionalModelRequestFields)
	}
	for i, p := range w.AdditionalModelResponseFieldPaths {
		if p == "" || p[0] != '/' {
			v.fail("additionalModelResponseFieldPaths.%d: %q is not a JSON Pointer; it must start with \"/\" (for example \"/stop_sequence\")", i, p)
		}
	}
	req.AdditionalResponseFieldPaths = w.AdditionalModelResponseFieldPaths
	if pc := w.PerformanceConfig; pc != nil {
		if pc.Latency != "standard" && pc.Latency != "optimized" {
			v.fail("performanceConfig.latency: value %q is not valid; it must be one of standard, optimized", pc.Latency)
		}
		req.PerformanceLatency = pc.Latency
	}
	if st := w.ServiceTier; st != nil {
		switch st.Type {
		case "priority", "default", "flex", "reserved":
		default:
			v.fail("serviceTier.type: value %q is not valid; it must be one of priority, default, flex, reserved", st.Type)
		}
		req.ServiceTier = st.Type
	}
	if oc := w.OutputConfig; oc != nil {
		v.outputConfig(req, oc)
	}
	if len(v.errs) > 0 {
		return nil, v.err()
	}
	return req, nil
}

// validator collects every problem so one answer lists them all, as
// Bedrock's "N validation errors detected" messages do.
type validator struct {
	errs []string
}

func (v *validator) fail(format string, args ...any) {
	v.errs = append(v.errs, fmt.Sprintf(format, args...))
}

func (v *validator) err() error {
	if len(v.errs) == 1 {
		return apierr.Validationf("%s", v.errs[0])
	}
	const max = 10
	msgs := v.errs
	if len(msgs) > max {
		msgs = msgs[:max]
	}
	return apierr.Validationf("%d validation errors detected: %s", len(v.errs), strings.Join(msgs, "; "))
}

func (v *validator) systemBlock(path string, sb SystemBlock) (canon.Block, bool) {
	if n := count(sb.Text != nil, sb.GuardContent != nil, sb.CachePoint != nil); n != 1 {
		v.unionErr(path, "SystemContentBlock", n)
		return canon.Block{}, false
	}
	switch {
	case sb.Text != nil:
		if strings.TrimSpace(*sb.Text) == "" {
			return canon.Block{}, false // blank system text carries nothing
		}
		return canon.TextBlock(*sb.Text), true
	case sb.CachePoint != nil:
		return v.cachePoint(path+".cachePoint", sb.CachePoint)
	default:
		return v.guardContent(path+".guardContent", sb.GuardContent)
	}
}

func (v *validator) unionErr(path, union string, n int) {
	if n == 0 {
		v.fail("%s: the %s must set exactly one member, and none is set", path, union)
	} else {
		v.fail("%s: the %s must set exactly one member, but %d are set", path, union, n)
	}
}

func count(bs ...bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}

// onlyText reports whether the block is a text block and nothing else.
func (cb *ContentBlock) onlyText() bool {
	return cb.Text != nil && cb.Image == nil && cb.Document == nil && cb.Video == nil && cb.Audio == nil &&
		cb.ToolUse == nil && cb.ToolResult == nil && cb.GuardContent == nil && cb.CachePoint == nil &&
		cb.ReasoningContent == nil && len(cb.CitationsContent) == 0 && len(cb.SearchResult) == 0
}

// textBlock is a text content block; blank text is dropped without an
// error: clients replaying an assistant turn that only called tools often
// carry an empty text block, and it holds nothing.
func textBlock(text string) (canon.Block, bool) {
	if strings.TrimSpace(text) == "" {
		return canon.Block{}, false
	}
	return canon.TextBlock(text), true
}

func (v *validator) contentBlock(path string, role canon.Role, cb ContentBlock) (canon.Block, bool) {
	n := count(cb.Text != nil, cb.Image != nil, cb.Document != nil, cb.Video != nil, cb.Audio != nil,
		cb.ToolUse != nil, cb.ToolResult != nil, cb.GuardContent != nil, cb.CachePoint != nil,
		cb.ReasoningContent != nil, len(cb.CitationsContent) > 0, len(cb.SearchResult) > 0)
	if n != 1 {
		v.unionErr(path, "ContentBlock", n)
		return canon.Block{}, false
	}
	switch {
	case cb.Text != nil:
		return textBlock(*cb.Text)
	case cb.Image != nil:
		m, ok := v.media(path+".image", cb.Image.Format, cb.Image.Source, imageFormats)
		return canon.Block{Type: canon.BlockImage, Image: m}, ok
	case cb.Document != nil:
		d, ok := v.document(path+".document", cb.Document)
		return canon.Block{Type: canon.BlockDocument, Document: d}, ok
	case cb.Video != nil:
		m, ok := v.media(path+".video", cb.Video.Format, cb.Video.Source, videoFormats)
		return canon.Block{Type: canon.BlockVideo, Video: m}, ok
	case cb.Audio != nil:
		m, ok := v.media(path+".audio", cb.Audio.Format, cb.Audio.Source, audioFormats)
		return canon.Block{Type: canon.BlockAudio, Audio: m}, ok
	case cb.ToolUse != nil:
		if role != canon.RoleAssistant {
			v.fail("%s.toolUse: toolUse blocks belong in assistant messages", path)
			return canon.Block{}, false
		}
		return v.toolUse(path+".toolUse", cb.ToolUse)
	case cb.ToolResult != nil:
		if role != canon.RoleUser {
			v.fail("%s.toolResult: toolResult blocks belong in user messages", path)
			return canon.Block{}, false
		}
		return v.toolResult(path+".toolResult", cb.ToolResult)
	case cb.GuardContent != nil:
		return v.guardContent(path+".guardContent", cb.GuardContent)
	case cb.CachePoint != nil:
		return v.cachePoint(path+".cachePoint", cb.CachePoint)
	case cb.ReasoningContent != nil:
		return v.reasoning(path+".reasoningContent", cb.ReasoningContent)
	case len(cb.CitationsContent) > 0:
		v.fail("%s: citationsContent blocks are not supported by this gateway yet; send the cited text as a text block", path)
	default:
		v.fail("%s: searchResult blocks are not supported by this gateway yet; send the result as a text or document block", path)
	}
	return canon.Block{}, false
}

func (v *validator) media(path, format string, src *MediaSource, formats map[string]bool) (*canon.Media, bool) {
	ok := true
	if !formats[format] {
		v.fail("%s.format: value %q is not valid; it must be one of %s", path, format, keys(formats))
		ok = false
	}
	if src == nil {
		v.fail("%s.source is required", path)
		return nil, false
	}
	m := &canon.Media{Format: format}
	switch count(len(src.Bytes) > 0, src.S3Location != nil) {
	case 1:
	case 0:
		v.fail("%s.source: set bytes (base64) or s3Location; the source is empty", path)
		return nil, false
	default:
		v.fail("%s.source: set only one of bytes or s3Location", path)
		return nil, false
	}
	m.Bytes = src.Bytes
	if s3 := src.S3Location; s3 != nil {
		if !strings.HasPrefix(s3.URI, "s3://") {
			v.fail("%s.source.s3Location.uri: %q is not an s3:// URI", path, s3.URI)
			ok = false
		}
		m.S3URI, m.BucketOwner = s3.URI, s3.BucketOwner
	}
	return m, ok
}

func keys(m map[string]bool) string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return strings.Join(out, ", ")
}

func (v *validator) document(path string, d *Document) (*canon.Document, bool) {
	ok := true
	if d.Format != "" && !documentFormats[d.Format] {
		v.fail("%s.format: value %q is not valid; it must be one of %s", path, d.Format, keys(documentFormats))
		ok = false
	}
	if len(d.Name) > 200 || !docNameRE.MatchString(d.Name) {
		v.fail("%s.name: %q is not a valid document name; use 1-200 letters, digits, single spaces, hyphens, parentheses and square brackets", path, d.Name)
		ok = false
	}
	if d.Source == nil {
		v.fail("%s.source is required", path)
		return nil, false
	}
	s := d.Source
	out := &canon.Document{Format: d.Format, Name: d.Name, Context: d.Context, Citations: d.Citations != nil && d.Citations.Enabled}
	switch count(len(s.Bytes) > 0, s.S3Location != nil, s.Text != nil, len(s.Content) > 0) {
	case 1:
	case 0:
		v.fail("%s.source: set one of bytes, s3Location, text or content; the source is empty", path)
		return nil, false
	default:
		v.fail("%s.source: set only one of bytes, s3Location, text or content", path)
		return nil, false
	}
	out.Bytes = s.Bytes
	if s.S3Location != nil {
		out.S3URI, out.BucketOwner = s.S3Location.URI, s.S3Location.BucketOwner
	}
	if s.Text != nil {
		out.Text = *s.Text
	}
	if len(s.Content) > 0 {
		parts := make([]string, len(s.Content))
		for i, c := range s.Content {
			parts[i] = c.Text
		}
		out.Text = strings.Join(parts, "\n")
	}
	return out, ok
}

func (v *validator) toolUse(path string, tu *ToolUse) (canon.Block, bool) {
	ok := true
	if tu.ToolUseID == "" {
		v.fail("%s.toolUseId is required", path)
		ok = false
	}
	if !toolNameRE.MatchString(tu.Name) {
		v.fail("%s.name: %q is not a valid tool name; it must match [a-zA-Z0-9_-]{1,64}", path, tu.Name)
		ok = false
	}
	in := bytes.TrimSpace(tu.Input)
	if len(in) == 0 || string(in) == "null" {
		in = []byte("{}")
	}
	return canon.Block{Type: canon.BlockToolUse, ToolUse: &canon.ToolUse{ID: tu.ToolUseID, Name: tu.Name, Input: json.RawMessage(in), Type: tu.Type}}, ok
}

func (v *validator) toolResult(path string, tr *ToolResult) (canon.Block, bool) {
	ok := true
	if tr.ToolUseID == "" {
		v.fail("%s.toolUseId is required", path)
		ok = false
	}
	switch tr.Status {
	case "", "success", "error":
	default:
		v.fail("%s.status: value %q is not valid; it must be one of success, error", path, tr.Status)
		ok = false
	}
	out := &canon.ToolResult{ToolUseID: tr.ToolUseID, Status: tr.Status}
	for i, c := range tr.Content {
		p := path + ".content." + strconv.Itoa(i)
		if n := count(len(c.JSON) > 0, c.Text != nil, c.Image != nil, c.Document != nil, c.Video != nil, len(c.SearchResult) > 0); n != 1 {
			v.unionErr(p, "ToolResultContentBlock", n)
			ok = false
			continue
		}
		switch {
		case len(c.JSON) > 0:
			out.Content = append(out.Content, canon.Block{Type: canon.BlockJSON, JSON: c.JSON})
		case c.Text != nil:
			out.Content = append(out.Content, canon.TextBlock(*c.Text))
		case c.Image != nil:
			m, mok := v.media(p+".image", c.Image.Format, c.Image.Source, imageFormats)
			ok = ok && mok
			out.Content = append(out.Content, canon.Block{Type: canon.BlockImage, Image: m})
		case c.Document != nil:
			d, dok := v.document(p+".document", c.Document)
			ok = ok && dok
			out.Content = append(out.Content, canon.Block{Type: canon.BlockDocument, Document: d})
		case c.Video != nil:
			m, mok := v.media(p+".video", c.Video.Format, c.Video.Source, videoFormats)
			ok = ok && mok
			out.Content = append(out.Content, canon.Block{Type: canon.BlockVideo, Video: m})
		default:
			v.fail("%s: searchResult tool results are not supported by this gateway yet", p)
			ok = false
		}
	}
	return canon.Block{Type: canon.BlockToolResult, ToolResult: out}, ok
}

func (v *validator) guardContent(path string, g *GuardContent) (canon.Block, bool) {
	if n := count(g.Text != nil, g.Image != nil); n != 1 {
		v.unionErr(path, "GuardrailContentBlock", n)
		return canon.Block{}, false
	}
	gc := &canon.GuardContent{}
	if g.Text != nil {
		gc.Text, gc.Qualifiers = g.Text.Text, g.Text.Qualifiers
	} else {
		m, ok := v.media(path+".image", g.Image.Format, g.Image.Source, set("png", "jpeg"))
		if !ok {
			return canon.Block{}, false
		}
		gc.Image = m
	}
	return canon.Block{Type: canon.BlockGuardContent, GuardContent: gc}, true
}

func (v *validator) cachePoint(path string, c *CachePoint) (canon.Block, bool) {
	if c.Type != "default" {
		v.fail("%s.type: value %q is not valid; it must be default", path, c.Type)
		return canon.Block{}, false
	}
	if c.TTL != "" && c.TTL != "5m" && c.TTL != "1h" {
		v.fail("%s.ttl: value %q is not valid; it must be one of 5m, 1h", path, c.TTL)
		return canon.Block{}, false
	}
	return canon.Block{Type: canon.BlockCachePoint, CachePoint: &canon.CachePoint{TTL: c.TTL}}, true
}

func (v *validator) reasoning(path string, r *ReasoningContent) (canon.Block, bool) {
	if n := count(r.ReasoningText != nil, len(r.RedactedContent) > 0); n != 1 {
		v.unionErr(path, "ReasoningContentBlock", n)
		return canon.Block{}, false
	}
	out := &canon.Reasoning{Redacted: r.RedactedContent}
	if r.ReasoningText != nil {
		out.Text, out.Signature = r.ReasoningText.Text, r.ReasoningText.Signature
	}
	return canon.Block{Type: canon.BlockReasoning, Reasoning: out}, true
}

func (v *validator) inference(ic *InferenceConfig) canon.InferenceConfig {
	if ic.MaxTokens != nil && *ic.MaxTokens < 1 {
		v.fail("inferenceConfig.maxTokens: value %d is not valid; it must be at least 1", *ic.MaxTokens)
	}
	if t := ic.Temperature; t != nil && (*t < 0 || *t > 1) {
		v.fail("inferenceConfig.temperature: value %g is not valid; it must be between 0 and 1", *t)
	}
	if p := ic.TopP; p != nil && (*p < 0 || *p > 1) {
		v.fail("inferenceConfig.topP: value %g is not valid; it must be between 0 and 1", *p)
	}
	for i, s := range ic.StopSequences {
		if s == "" {
			v.fail("inferenceConfig.stopSequences.%d: stop sequences must not be empty", i)
		}
	}
	return canon.InferenceConfig{MaxTokens: ic.MaxTokens, Temperature: ic.Temperature, TopP: ic.TopP, StopSequences: ic.StopSequences}
}

func (v *validator) toolConfig(tc *ToolConfig) *canon.ToolConfig {
	out := &canon.ToolConfig{}
	if len(tc.Tools) == 0 {
		v.fail("toolConfig.tools: at least one tool is required when toolConfig is present")
	}
	names := map[string]bool{}
	for i, t := range tc.Tools {
		path := "toolConfig.tools." + strconv.Itoa(i)
		if n := count(t.ToolSpec != nil, len(t.SystemTool) > 0, t.CachePoint != nil); n != 1 {
			v.unionErr(path, "Tool", n)
			continue
		}
		switch {
		case t.CachePoint != nil:
			b, ok := v.cachePoint(path+".cachePoint", t.CachePoint)
			if ok && len(out.Tools) > 0 {
				out.Tools[len(out.Tools)-1].CachePoint = b.CachePoint
			}
		case len(t.SystemTool) > 0:
			v.fail("%s.systemTool: provider built-in system tools are not supported by this gateway yet", path)
		default:
			ts := t.ToolSpec
			if !toolNameRE.MatchString(ts.Name) {
				v.fail("%s.toolSpec.name: %q is not a valid tool name; it must match [a-zA-Z0-9_-]{1,64}", path, ts.Name)
			}
			if names[ts.Name] {
				v.fail("%s.toolSpec.name: the tool name %q is used twice; tool names must be unique", path, ts.Name)
			}
			names[ts.Name] = true
			tool := canon.Tool{Name: ts.Name}
			if ts.Description != nil {
				if strings.TrimSpace(*ts.Description) == "" {
					v.fail("%s.toolSpec.description must not be empty; leave it out instead", path)
				}
				tool.Description = *ts.Description
			}
			if ts.InputSchema == nil || len(bytes.TrimSpace(ts.InputSchema.JSON)) == 0 || bytes.TrimSpace(ts.InputSchema.JSON)[0] != '{' {
				v.fail("%s.toolSpec.inputSchema.json is required and must be a JSON Schema object", path)
			} else {
				tool.InputSchema = ts.InputSchema.JSON
			}
			if ts.Strict != nil {
				tool.Strict = *ts.Strict
			}
			out.Tools = append(out.Tools, tool)
		}
	}
	if c := tc.ToolChoice; c != nil {
		switch count(c.Auto != nil, c.Any != nil, c.Tool != nil) {
		case 1:
			switch {
			case c.Any != nil:
				out.Choice.Mode = canon.ToolChoiceAny
			case c.Tool != nil:
				out.Choice = canon.ToolChoice{Mode: canon.ToolChoiceTool, Name: c.Tool.Name}
				if !names[c.Tool.Name] {
					v.fail("toolConfig.toolChoice.tool.name: %q is not one of the tools in toolConfig.tools", c.Tool.Name)
				}
			}
		default:
			v.unionErr("toolConfig.toolChoice", "ToolChoice", count(c.Auto != nil, c.Any != nil, c.Tool != nil))
		}
	}
	return out
}

// additionalFields lifts the model-specific fields that have a canonical
// meaning (sampling top_k, thinking budgets, reasoning effort) into the
// canonical request, so every provider can honour them, and keeps the rest
// for providers to pass through.
func (v *validator) additionalFields(req *canon.Request, raw json.RawMessage) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		v.fail("additionalModelRequestFields must be a JSON object")
		return
	}
	if len(m) == 0 {
		return
	}
	if tk, ok := m["top_k"]; ok {
		var k int
		if json.Unmarshal(tk, &k) == nil {
			req.Inference.TopK = &k
			delete(m, "top_k")
		}
	}
	if th, ok := m["thinking"]; ok {
		var t struct {
			Type         string `json:"type"`
			BudgetTokens int    `json:"budget_tokens"`
		}
		if json.Unmarshal(th, &t) == nil && t.Type == "enabled" && t.BudgetTokens > 0 {
			req.Reasoning = &canon.ReasoningConfig{BudgetTokens: t.BudgetTokens}
			delete(m, "thinking")
		}
	}
	if rc, ok := m["reasoningConfig"]; ok {
		var r struct {
			Type               string `json:"type"`
			MaxReasoningEffort string `json:"maxReasoningEffort"`
		}
		if json.Unmarshal(rc, &r) == nil && r.Type == "enabled" {
			req.Reasoning = &canon.ReasoningConfig{Effort: r.MaxReasoningEffort}
			delete(m, "reasoningConfig")
		}
	}
	if re, ok := m["reasoning_effort"]; ok {
		var e string
		if json.Unmarshal(re, &e) == nil {
			req.Reasoning = &canon.ReasoningConfig{Effort: e}
			delete(m, "reasoning_effort")
		}
	}
	if len(m) > 0 {
		req.AdditionalFields = m
	}
}

func (v *validator) outputConfig(req *canon.Request, oc *OutputConfig) {
	if tf := oc.TextFormat; tf != nil {
		if tf.Type != "json_schema" {
			v.fail("outputConfig.textFormat.type: value %q is not valid; it must be json_schema", tf.Type)
			return
		}
		if tf.Structure == nil || tf.Structure.JSONSchema == nil {
			v.fail("outputConfig.textFormat.structure.jsonSchema is required")
			return
		}
		js := tf.Structure.JSONSchema
		if !json.Valid([]byte(js.Schema)) || !strings.HasPrefix(strings.TrimSpace(js.Schema), "{") {
			v.fail("outputConfig.textFormat.structure.jsonSchema.schema must be a JSON Schema object serialized as a string")
			return
		}
		req.OutputFormat = &canon.OutputFormat{Type: "json_schema", Name: js.Name, Description: js.Description, Schema: json.RawMessage(js.Schema)}
	}
	if oc.Effort != "" {
		switch oc.Effort {
		case "low", "medium", "high", "xhigh", "max":
		default:
			v.fail("outputConfig.effort: value %q is not valid; it must be one of low, medium, high, xhigh, max", oc.Effort)
		}
		if req.Reasoning == nil {
			req.Reasoning = &canon.ReasoningConfig{}
		}
		req.Reasoning.Effort = oc.Effort
	}
}
