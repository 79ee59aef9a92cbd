package openai

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strings"
	"unicode/utf8"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
)

// Body keys that can carry the token limit.
const (
	FieldMaxTokens           = "max_tokens"
	FieldMaxCompletionTokens = "max_completion_tokens"
)

// RequestOptions adapts RequestFromCanon to one upstream.
type RequestOptions struct {
	// MaxTokensField is the body key for Inference.MaxTokens: "max_tokens"
	// (the default, and the only key vLLM, Ollama and llama.cpp read) or
	// "max_completion_tokens", which api.openai.com requires for its
	// reasoning models.
	MaxTokensField string
}

// RequestFromCanon builds the upstream body for req. Content the Chat
// Completions API cannot carry is an *apierr.Error of kind Validation naming
// what was refused; nothing the caller asked for (tools above all) is
// dropped silently. Reasoning blocks and cache points in the history are
// dropped on purpose: OpenAI-compatible servers take neither back.
func RequestFromCanon(req *canon.Request, opts RequestOptions) (*ChatRequest, error) {
	if req == nil {
		return nil, apierr.New(apierr.Internal, "no request to convert")
	}
	if req.Model == "" {
		return nil, apierr.Validationf("the request names no model")
	}
	out := &ChatRequest{Model: req.Model, User: req.User, Messages: make([]Message, 0, len(req.Messages)+1)}
	switch req.ServiceTier {
	case "default", "flex", "priority": // the tiers both APIs name alike
		out.ServiceTier = req.ServiceTier
	}

	if sys, err := systemText(req.System); err != nil {
		return nil, err
	} else if sys != "" {
		out.Messages = append(out.Messages, Message{Role: "system", Content: TextContent(sys)})
	}
	for i := range req.Messages {
		var err error
		if out.Messages, err = appendMessages(out.Messages, &req.Messages[i], i); err != nil {
			return nil, err
		}
	}
	if len(out.Messages) == 0 {
		return nil, apierr.Validationf("the request has no message with content")
	}

	if err := inferenceFromCanon(out, &req.Inference, opts); err != nil {
		return nil, err
	}
	if err := toolsFromCanon(out, req.Tools); err != nil {
		return nil, err
	}
	if r := req.Reasoning; r != nil {
		out.ReasoningEffort = effortFromCanon(r)
	}
	if f := req.OutputFormat; f != nil {
		rf, err := responseFormatFromCanon(f)
		if err != nil {
			return nil, err
		}
		out.ResponseFormat = rf
	}
	for k, v := range req.AdditionalFields {
		if !json.Valid(v) {
			return nil, apierr.Validationf("additional model request field %q is not valid JSON", k)
		}
	}
	if len(req.AdditionalFields) > 0 {
		out.Extra = req.AdditionalFields
	}
	if req.Stream {
		out.Stream = true
		out.StreamOptions = &StreamOptions{IncludeUsage: true}
	}
	return out, nil
}

func systemText(blocks []canon.Block) (string, error) {
	var texts []string
	for _, b := range blocks {
		switch b.Type {
		case canon.BlockText:
			texts = appendNonBlank(texts, b.Text)
		case canon.BlockGuardContent:
			if b.GuardContent != nil {
				texts = appendNonBlank(texts, b.GuardContent.Text)
			}
		case canon.BlockCachePoint:
		default:
			return "", apierr.Validationf("system content of type %s cannot be sent to an OpenAI Chat Completions upstream", b.Type)
		}
	}
	return strings.Join(texts, "\n"), nil
}

func appendNonBlank(texts []string, s string) []string {
	if strings.TrimSpace(s) == "" {
		return texts
	}
	return append(texts, s)
}

// appendMessages appends one canonical turn as one or more OpenAI
// messages: tool results become role "tool" messages placed first, because
// OpenAI wants them right after the assistant turn that made the calls.
func appendMessages(dst []Message, m *canon.Message, i int) ([]Message, error) {
	switch m.Role {
	case canon.RoleUser:
		return appendUserMessages(dst, m, i)
	case canon.RoleAssistant:
		msg, ok, err := assistantMessage(m, i)
		if err != nil {
			return nil, err
		}
		if ok {
			dst = append(dst, msg)
		}
		return dst, nil
	}
	return nil, apierr.Validationf("messages[%d] has unknown role %q", i, m.Role)
}

func appendUserMessages(out []Message, m *canon.Message, i int) ([]Message, error) {
	// The parts after the first go in a list; a turn of one part, the
	// usual, needs none.
	var first Part
	var parts []Part
	n := 0
	for j, b := range m.Content {
		switch b.Type {
		case canon.BlockToolResult:
			if b.ToolResult == nil {
				return nil, apierr.Validationf("messages[%d].content[%d] toolResult is empty", i, j)
			}
			text, err := toolResultText(b.ToolResult, i, j)
			if err != nil {
				return nil, err
			}
			out = append(out, Message{Role: "tool", ToolCallID: b.ToolResult.ToolUseID, Content: TextContent(text)})
		case canon.BlockReasoning, canon.BlockCachePoint:
		case canon.BlockToolUse:
			return nil, apierr.Validationf("messages[%d].content[%d]: a user turn cannot contain toolUse", i, j)
		default:
			p, ok, err := partFromCanon(b, i, j)
			if err != nil {
				return nil, err
			}
			if ok {
				switch n {
				case 0:
					first = p
				case 1:
					parts = append(parts, first, p)
				default:
					parts = append(parts, p)
				}
				n++
			}
		}
	}
	switch {
	case n == 1 && first.Type == "text":
		// A lone text part goes as a plain string, the form every
		// OpenAI-compatible server accepts.
		out = append(out, Message{Role: "user", Content: TextContent(first.Text)})
	case n == 1:
		out = append(out, Message{Role: "user", Content: Content{Parts: []Part{first}}})
	case n > 1:
		out = append(out, Message{Role: "user", Content: Content{Parts: parts}})
	}
	return out, nil
}

// assistantMessage converts an assistant turn; ok is false for a turn with
// nothing to send (one that held only reasoning).
func assistantMessage(m *canon.Message, i int) (msg Message, ok bool, err error) {
	var texts []string
	var calls []ToolCall
	for j, b := range m.Content {
		switch b.Type {
		case canon.BlockText:
			texts = appendNonBlank(texts, b.Text)
		case canon.BlockToolUse:
			tc, err := toolCallFromCanon(b.ToolUse, i, j)
			if err != nil {
				return Message{}, false, err
			}
			calls = append(calls, tc)
		case canon.BlockReasoning, canon.BlockCachePoint:
		default:
			return Message{}, false, apierr.Validationf("messages[%d].content[%d]: an assistant turn of an OpenAI Chat Completions upstream cannot contain %s", i, j, b.Type)
		}
	}
	if len(texts) == 0 && len(calls) == 0 {
		return Message{}, false, nil // e.g. a turn that held only reasoning
	}
	msg = Message{Role: "assistant", ToolCalls: calls}
	if len(texts) > 0 {
		msg.Content = TextContent(strings.Join(texts, "\n"))
	}
	return msg, true, nil
}

func toolCallFromCanon(tu *canon.ToolUse, i, j int) (ToolCall, error) {
	if tu == nil || tu.ID == "" || tu.Name == "" {
		return ToolCall{}, apierr.Validationf("messages[%d].content[%d]: toolUse needs an id and a name", i, j)
	}
	args := "{}"
	if len(bytes.TrimSpace(tu.Input)) > 0 {
		var b bytes.Buffer
		if err := json.Compact(&b, tu.Input); err != nil {
			return ToolCall{}, apierr.Validationf("messages[%d].content[%d]: toolUse %q input is not valid JSON", i, j, tu.Name)
		}
		args = b.String()
	}
	return ToolCall{ID: tu.ID, Type: "function", Function: FunctionCall{Name: tu.Name, Arguments: args}}, nil
}

// toolResultText flattens a tool result, since tool messages carry text
// only; an error status is made visible to the model with a prefix.
func toolResultText(tr *canon.ToolResult, i, j int) (string, error) {
	var texts []string
	for _, b := range tr.Content {
		switch b.Type {
		case canon.BlockText:
			texts = append(texts, b.Text)
		case canon.BlockJSON:
			var buf bytes.Buffer
			if err := json.Compact(&buf, b.JSON); err != nil {
				return "", apierr.Validationf("messages[%d].content[%d]: toolResult json is not valid JSON", i, j)
			}
			texts = append(texts, buf.String())
		case canon.BlockDocument:
			if b.Document == nil {
				return "", apierr.Validationf("messages[%d].content[%d]: toolResult document is empty", i, j)
			}
			text, err := documentText(b.Document)
			if err != nil {
				return "", err
			}
			texts = append(texts, text)
		default:
			return "", apierr.Validationf("messages[%d].content[%d]: a tool result for an OpenAI Chat Completions upstream can hold text, json and text documents, not %s", i, j, b.Type)
		}
	}
	text := strings.Join(texts, "\n")
	if tr.Status == "error" {
		text = "Error: " + text
	}
	return text, nil
}

// partFromCanon converts a user content block; ok is false for blocks that
// carry nothing (blank text), which are dropped rather than refused.
func partFromCanon(b canon.Block, i, j int) (Part, bool, error) {
	switch b.Type {
	case canon.BlockText:
		if strings.TrimSpace(b.Text) == "" {
			return Part{}, false, nil
		}
		return Part{Type: "text", Text: b.Text}, true, nil
	case canon.BlockGuardContent:
		g := b.GuardContent
		if g == nil {
			return Part{}, false, nil
		}
		if g.Image != nil {
			return imagePart(g.Image, i, j)
		}
		if strings.TrimSpace(g.Text) == "" {
			return Part{}, false, nil
		}
		return Part{Type: "text", Text: g.Text}, true, nil
	case canon.BlockImage:
		if b.Image == nil {
			return Part{}, false, apierr.Validationf("messages[%d].content[%d]: image is empty", i, j)
		}
		return imagePart(b.Image, i, j)
	case canon.BlockDocument:
		if b.Document == nil {
			return Part{}, false, apierr.Validationf("messages[%d].content[%d]: document is empty", i, j)
		}
		p, err := documentPart(b.Document)
		return p, err == nil, err
	case canon.BlockAudio:
		if b.Audio == nil {
			return Part{}, false, apierr.Validationf("messages[%d].content[%d]: audio is empty", i, j)
		}
		return audioPart(b.Audio, i, j)
	}
	return Part{}, false, apierr.Validationf("messages[%d].content[%d]: %s content cannot be sent to an OpenAI Chat Completions upstream", i, j, b.Type)
}

var imageMIME = map[string]string{"png": "image/png", "jpeg": "image/jpeg", "jpg": "image/jpeg", "gif": "image/gif", "webp": "image/webp"}

func imagePart(m *canon.Media, i, j int) (Part, bool, error) {
	switch {
	case m.S3URI != "":
		return Part{}, false, apierr.Validationf("messages[%d].content[%d]: an OpenAI Chat Completions upstream cannot read images from S3", i, j)
	case len(m.Bytes) > 0:
		mime, ok := imageMIME[strings.ToLower(m.Format)]
		if !ok {
			return Part{}, false, apierr.Validationf("messages[%d].content[%d]: image format %q is not one of png, jpeg, gif, webp", i, j, m.Format)
		}
		return Part{Type: "image_url", ImageURL: &ImageURL{URL: dataURI(mime, m.Bytes)}}, true, nil
	case m.URL != "":
		return Part{Type: "image_url", ImageURL: &ImageURL{URL: m.URL}}, true, nil
	}
	return Part{}, false, apierr.Validationf("messages[%d].content[%d]: image has no data", i, j)
}

func audioPart(m *canon.Media, i, j int) (Part, bool, error) {
	f := strings.ToLower(m.Format)
	if len(m.Bytes) == 0 || (f != "wav" && f != "mp3") {
		return Part{}, false, apierr.Validationf("messages[%d].content[%d]: an OpenAI Chat Completions upstream takes audio as inline wav or mp3 only", i, j)
	}
	return Part{Type: "input_audio", InputAudio: &InputAudio{Data: base64.StdEncoding.EncodeToString(m.Bytes), Format: f}}, true, nil
}

func dataURI(mime string, data []byte) string {
	return "data:" + mime + ";base64," + base64.StdEncoding.EncodeToString(data)
}

// documentPart sends PDFs as a file part (which OpenAI reads) and text
// formats inline; other binary formats have no Chat Completions form.
func documentPart(d *canon.Document) (Part, error) {
	if d.Text == "" && d.S3URI == "" && strings.EqualFold(d.Format, "pdf") {
		if len(d.Bytes) == 0 {
			return Part{}, apierr.Validationf("document %q has no content", d.Name)
		}
		name := d.Name
		if name == "" {
			name = "document"
		}
		return Part{Type: "file", File: &File{Filename: name + ".pdf", FileData: dataURI("application/pdf", d.Bytes)}}, nil
	}
	text, err := documentText(d)
	if err != nil {
		return Part{}, err
	}
	return Part{Type: "text", Text: text}, nil
}

var textDocFormats = map[string]bool{"txt": true, "md": true, "csv": true, "html": true}

// documentText renders a text document inline, wrapped so the model still
// sees the document's name.
func documentText(d *canon.Document) (string, error) {
	var body string
	switch {
	case d.S3URI != "":
		return "", apierr.Validationf("document %q: an OpenAI Chat Completions upstream cannot read documents from S3", d.Name)
	case d.Text != "":
		body = d.Text
	case textDocFormats[strings.ToLower(d.Format)]:
		if !utf8.Valid(d.Bytes) {
			return "", apierr.Validationf("document %q is declared %s but is not UTF-8 text", d.Name, d.Format)
		}
		body = string(d.Bytes)
	default:
		return "", apierr.Validationf("document %q: the upstream cannot read the %q document format; send pdf or text (txt, md, csv, html)", d.Name, d.Format)
	}
	if strings.TrimSpace(body) == "" {
		return "", apierr.Validationf("document %q has no content", d.Name)
	}
	if d.Name == "" {
		return "<document>\n" + body + "\n</document>", nil
	}
	return "<document name=\"" + strings.ReplaceAll(d.Name, `"`, "'") + "\">\n" + body + "\n</document>", nil
}

func inferenceFromCanon(out *ChatRequest, ic *canon.InferenceConfig, opts RequestOptions) error {
	if ic.MaxTokens != nil {
		switch opts.MaxTokensField {
		case "", FieldMaxTokens:
			out.MaxTokens = ic.MaxTokens
		case FieldMaxCompletionTokens:
			out.MaxCompletionTokens = ic.MaxTokens
		default:
			return apierr.New(apierr.Internal, "unknown max tokens field %q", opts.MaxTokensField)
		}
	}
	out.Temperature = ic.Temperature
	out.TopP = ic.TopP
	// top_k is not part of OpenAI's API, but vLLM, Ollama and llama.cpp
	// read it; api.openai.com rejects it, which beats ignoring it silently.
	out.TopK = ic.TopK
	out.Seed = ic.Seed
	for _, s := range ic.StopSequences {
		if s != "" {
			out.Stop = append(out.Stop, s)
		}
	}
	return nil
}

func toolsFromCanon(out *ChatRequest, tc *canon.ToolConfig) error {
	if tc == nil {
		return nil
	}
	names := make(map[string]bool, len(tc.Tools))
	for i, t := range tc.Tools {
		if t.Name == "" {
			return apierr.Validationf("tools[%d] has no name", i)
		}
		names[t.Name] = true
		fd := FunctionDef{Name: t.Name, Description: t.Description}
		if len(bytes.TrimSpace(t.InputSchema)) > 0 {
			if !json.Valid(t.InputSchema) {
				return apierr.Validationf("tools[%d] (%s) input schema is not valid JSON", i, t.Name)
			}
			fd.Parameters = t.InputSchema
		}
		if t.Strict {
			strict := true
			fd.Strict = &strict
		}
		out.Tools = append(out.Tools, Tool{Type: "function", Function: fd})
	}
	ch := tc.Choice
	if len(out.Tools) == 0 {
		// OpenAI refuses tool_choice without tools; only modes that need a
		// tool are an error.
		if ch.Mode == canon.ToolChoiceAny || ch.Mode == canon.ToolChoiceTool {
			return apierr.Validationf("tool choice requires a tool but the request defines none")
		}
		return nil
	}
	switch ch.Mode {
	case canon.ToolChoiceAuto:
		out.ToolChoice = &ToolChoice{Mode: ToolChoiceAuto}
	case canon.ToolChoiceAny:
		out.ToolChoice = &ToolChoice{Mode: ToolChoiceRequired}
	case canon.ToolChoiceNone:
		out.ToolChoice = &ToolChoice{Mode: ToolChoiceNone}
	case canon.ToolChoiceTool:
		if !names[ch.Name] {
			return apierr.Validationf("tool choice names %q, which is not one of the request's tools", ch.Name)
		}
		out.ToolChoice = &ToolChoice{Function: ch.Name}
	default:
		return apierr.Validationf("unknown tool choice mode %d", ch.Mode)
	}
	return nil
}

// effortFromCanon prefers a stated effort; a bare thinking budget is
// bucketed, since OpenAI-style servers take no budget.
func effortFromCanon(r *canon.ReasoningConfig) string {
	switch {
	case r.Effort != "":
		return r.Effort
	case r.BudgetTokens <= 0:
		return ""
	case r.BudgetTokens <= 2048:
		return "low"
	case r.BudgetTokens <= 8192:
		return "medium"
	}
	return "high"
}

func responseFormatFromCanon(f *canon.OutputFormat) (*ResponseFormat, error) {
	switch f.Type {
	case "json_object":
		return &ResponseFormat{Type: "json_object"}, nil
	case "json_schema":
		if len(bytes.TrimSpace(f.Schema)) == 0 || !json.Valid(f.Schema) {
			return nil, apierr.Validationf("a json_schema output format needs a valid JSON schema")
		}
		name := f.Name
		if name == "" {
			name = "response" // OpenAI requires a name; clients of other shapes send none
		}
		js := &JSONSchema{Name: name, Description: f.Description, Schema: f.Schema}
		if f.Strict {
			strict := true
			js.Strict = &strict
		}
		return &ResponseFormat{Type: "json_schema", JSONSchema: js}, nil
	}
	return nil, apierr.Validationf("unknown output format type %q", f.Type)
}
