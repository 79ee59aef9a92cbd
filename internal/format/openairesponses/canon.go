package openairesponses

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"strings"
	"unicode"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
)

// Conversation is what a stored response keeps so previous_response_id can
// continue it: every canonical turn so far (earlier history, this
// response's input and its output), the system blocks that came from
// system/developer input items (instructions are not carried over, as
// OpenAI documents), and the tools last offered (an upstream rejects tool
// blocks in history without tool definitions).
type Conversation struct {
	System   []canon.Block     `json:"system,omitempty"`
	Messages []canon.Message   `json:"messages"`
	Tools    *canon.ToolConfig `json:"tools,omitempty"`
}

// ToCanon builds the canonical request: prev's history (nil for a new
// conversation) followed by the request's input. It returns the request
// and the conversation to store once the answer is appended.
func ToCanon(r *Request, prev *Conversation) (*canon.Request, *Conversation, error) {
	conv := &Conversation{}
	if prev != nil {
		conv.System = append(conv.System, prev.System...)
		conv.Messages = append(conv.Messages, prev.Messages...)
	}
	sys, msgs, err := InputToCanon(r.Input)
	if err != nil {
		return nil, nil, err
	}
	conv.System = append(conv.System, sys...)
	conv.Messages = mergeTurns(conv.Messages, msgs)
	if len(conv.Messages) == 0 {
		return nil, nil, paramErr("input", "invalid_value", "The input has no content: send at least one message with non-blank text, an image, a file, or a function_call_output.")
	}
	out := &canon.Request{Model: r.Model, Stream: r.Stream, Messages: slices.Clone(conv.Messages), User: r.User}
	if out.User == "" {
		out.User = r.SafetyIdentifier
	}
	if r.Instructions != nil && strings.TrimSpace(*r.Instructions) != "" {
		out.System = append(out.System, canon.TextBlock(*r.Instructions))
	}
	out.System = append(out.System, conv.System...)
	out.Inference = canon.InferenceConfig{MaxTokens: r.MaxOutputTokens, Temperature: r.Temperature, TopP: r.TopP}
	if tc, err := toolsToCanon(r); err != nil {
		return nil, nil, err
	} else if tc != nil {
		out.Tools = tc
		conv.Tools = tc
	} else if prev != nil && prev.Tools != nil && hasToolBlocks(conv.Messages) {
		// Tool history without definitions is refused by Bedrock and
		// Anthropic; offer the tools of the earlier turn, unforced.
		out.Tools = &canon.ToolConfig{Tools: prev.Tools.Tools}
		conv.Tools = prev.Tools
	}
	if r.Text != nil {
		switch r.Text.Format.Type {
		case "json_object":
			out.OutputFormat = &canon.OutputFormat{Type: "json_object"}
		case "json_schema":
			f := r.Text.Format
			out.OutputFormat = &canon.OutputFormat{Type: "json_schema", Name: f.Name, Description: f.Description,
				Schema: f.Schema, Strict: f.Strict != nil && *f.Strict}
		}
	}
	if r.Reasoning != nil && r.Reasoning.Effort != nil {
		switch e := *r.Reasoning.Effort; e {
		case "none":
		case "minimal", "low":
			out.Reasoning = &canon.ReasoningConfig{Effort: "low"}
		case "xhigh":
			out.Reasoning = &canon.ReasoningConfig{Effort: "high"}
		default:
			out.Reasoning = &canon.ReasoningConfig{Effort: e}
		}
	}
	switch r.ServiceTier {
	case "flex", "priority":
		out.ServiceTier = r.ServiceTier
	}
	return out, conv, nil
}

func hasToolBlocks(msgs []canon.Message) bool {
	for _, m := range msgs {
		for _, b := range m.Content {
			if b.Type == canon.BlockToolUse || b.Type == canon.BlockToolResult {
				return true
			}
		}
	}
	return false
}

func toolsToCanon(r *Request) (*canon.ToolConfig, error) {
	choice := canon.ToolChoice{Mode: canon.ToolChoiceAuto}
	if len(r.ToolChoice) > 0 {
		var s string
		if json.Unmarshal(r.ToolChoice, &s) == nil {
			switch s {
			case "none":
				choice.Mode = canon.ToolChoiceNone
			case "required":
				choice.Mode = canon.ToolChoiceAny
			}
		} else {
			var o struct{ Name string }
			if err := json.Unmarshal(r.ToolChoice, &o); err != nil {
				return nil, apierr.Wrap(apierr.Validation, err, "Invalid 'tool_choice'.")
			}
			choice = canon.ToolChoice{Mode: canon.ToolChoiceTool, Name: o.Name}
		}
	}
	if len(r.Tools) == 0 {
		return nil, nil
	}
	tc := &canon.ToolConfig{Choice: choice}
	for _, t := range r.Tools {
		ct := canon.Tool{Name: t.Name, InputSchema: t.Parameters, Strict: t.Strict}
		if t.Description != nil {
			ct.Description = *t.Description
		}
		tc.Tools = append(tc.Tools, ct)
	}
	return tc, nil
}

// InputToCanon converts input items to canonical turns: system and
// developer messages become system blocks; user messages and
// function_call_output items user turns; assistant messages, function_call
// and reasoning items assistant turns. Consecutive items of one role merge
// into one turn, and blank text is dropped (OpenAI clients send empty
// assistant content beside tool calls; Bedrock rejects blank text).
func InputToCanon(items []Item) ([]canon.Block, []canon.Message, error) {
	var sys []canon.Block
	var msgs []canon.Message
	names := map[string]bool{}
	add := func(role canon.Role, blocks ...canon.Block) {
		if len(blocks) == 0 {
			return
		}
		msgs = mergeTurns(msgs, []canon.Message{{Role: role, Content: blocks}})
	}
	for i, it := range items {
		at := fmt.Sprintf("input[%d]", i)
		switch it.Type {
		case "message":
			blocks, err := partsToCanon(it.Content, at+".content", names)
			if err != nil {
				return nil, nil, err
			}
			switch it.Role {
			case "system", "developer":
				for _, b := range blocks {
					if b.Type != canon.BlockText {
						return nil, nil, validationAt(at+".content", "Invalid '%s.content': %s messages may carry only text.", at, it.Role)
					}
				}
				sys = append(sys, blocks...)
			case "assistant":
				add(canon.RoleAssistant, blocks...)
			default:
				add(canon.RoleUser, blocks...)
			}
		case "function_call":
			args := strings.TrimSpace(it.Arguments)
			if args == "" {
				args = "{}"
			}
			add(canon.RoleAssistant, canon.Block{Type: canon.BlockToolUse, ToolUse: &canon.ToolUse{ID: it.CallID, Name: it.Name, Input: json.RawMessage(args)}})
		case "function_call_output":
			content, err := toolOutputToCanon(it.Output, at+".output", names)
			if err != nil {
				return nil, nil, err
			}
			add(canon.RoleUser, canon.Block{Type: canon.BlockToolResult, ToolResult: &canon.ToolResult{ToolUseID: it.CallID, Content: content}})
		case "reasoning":
			r := &canon.Reasoning{}
			var texts []string
			for _, p := range it.Content {
				texts = append(texts, p.Text)
			}
			if len(texts) == 0 {
				for _, p := range it.Summary {
					texts = append(texts, p.Text)
				}
			}
			r.Text = strings.Join(texts, "\n\n")
			if it.EncryptedContent != nil {
				if red, ok := strings.CutPrefix(*it.EncryptedContent, redactedPrefix); ok {
					b, err := base64.StdEncoding.DecodeString(red)
					if err != nil {
						return nil, nil, validationAt(at+".encrypted_content", "Invalid '%s.encrypted_content': not a value this gateway produced.", at)
					}
					r.Redacted = b
				} else {
					r.Signature = *it.EncryptedContent
				}
			}
			if r.Text == "" && r.Signature == "" && len(r.Redacted) == 0 {
				continue // nothing to replay
			}
			add(canon.RoleAssistant, canon.Block{Type: canon.BlockReasoning, Reasoning: r})
		}
	}
	return sys, msgs, nil
}

// redactedPrefix marks encrypted_content that carries redacted reasoning
// (base64) rather than a reasoning signature.
const redactedPrefix = "basalt-redacted:"

// mergeTurns appends next to msgs, joining a turn to the previous one of
// the same role.
func mergeTurns(msgs []canon.Message, next []canon.Message) []canon.Message {
	for _, m := range next {
		if len(m.Content) == 0 {
			continue
		}
		if n := len(msgs); n > 0 && msgs[n-1].Role == m.Role {
			last := msgs[n-1]
			content := make([]canon.Block, 0, len(last.Content)+len(m.Content))
			content = append(append(content, last.Content...), m.Content...)
			msgs[n-1] = canon.Message{Role: m.Role, Content: content}
			continue
		}
		msgs = append(msgs, canon.Message{Role: m.Role, Content: append([]canon.Block(nil), m.Content...)})
	}
	return msgs
}

func partsToCanon(parts []Part, at string, names map[string]bool) ([]canon.Block, error) {
	var out []canon.Block
	for j, p := range parts {
		pat := fmt.Sprintf("%s[%d]", at, j)
		switch p.Type {
		case "input_text", "output_text", "refusal":
			if strings.TrimSpace(p.Text) != "" {
				out = append(out, canon.TextBlock(p.Text))
			}
		case "input_image":
			m, err := imageFromURL(*p.ImageURL, pat+".image_url")
			if err != nil {
				return nil, err
			}
			out = append(out, canon.Block{Type: canon.BlockImage, Image: m})
		case "input_file":
			d, err := documentFromFile(p.FileData, p.Filename, pat)
			if err != nil {
				return nil, err
			}
			d.Name = uniqueName(d.Name, names)
			out = append(out, canon.Block{Type: canon.BlockDocument, Document: d})
		}
	}
	return out, nil
}

func toolOutputToCanon(raw json.RawMessage, at string, names map[string]bool) ([]canon.Block, error) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if strings.TrimSpace(s) == "" {
			s = "(empty)"
		}
		return []canon.Block{canon.TextBlock(s)}, nil
	}
	var parts []Part
	var wp []wirePart
	if err := json.Unmarshal(raw, &wp); err != nil {
		return nil, validationAt(at, "Invalid '%s': %s", at, jsonErr(err))
	}
	for _, p := range wp {
		parts = append(parts, Part{Type: p.Type, Text: deref(p.Text), ImageURL: p.ImageURL, FileData: deref(p.FileData), Filename: p.Filename})
	}
	blocks, err := partsToCanon(parts, at, names)
	if err != nil {
		return nil, err
	}
	if len(blocks) == 0 {
		blocks = []canon.Block{canon.TextBlock("(empty)")}
	}
	return blocks, nil
}

var imageFormats = map[string]string{
	"image/png": "png", "image/jpeg": "jpeg", "image/jpg": "jpeg", "image/pjpeg": "jpeg",
	"image/gif": "gif", "image/webp": "webp",
}

// imageFromURL accepts a data URI (png, jpeg, gif, webp) or an http(s)
// URL, which providers that take URLs pass on and others fetch.
func imageFromURL(u, at string) (*canon.Media, error) {
	if strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://") {
		return &canon.Media{URL: u}, nil
	}
	mime, data, err := parseDataURI(u)
	if err != nil {
		return nil, validationAt(at, "Invalid '%s': expected a data URI (data:image/png;base64,…) or an https URL; %s", at, err)
	}
	f, ok := imageFormats[mime]
	if !ok {
		return nil, validationAt(at, "Invalid '%s': unsupported image type %q; supported types are image/png, image/jpeg, image/gif and image/webp.", at, mime)
	}
	return &canon.Media{Format: f, Bytes: data}, nil
}

var docFormats = map[string]string{
	"application/pdf": "pdf", "text/plain": "txt", "text/csv": "csv", "text/markdown": "md",
	"text/html": "html", "application/msword": "doc",
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
	"application/vnd.ms-excel": "xls",
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
}

var docExts = map[string]string{
	".pdf": "pdf", ".txt": "txt", ".csv": "csv", ".md": "md", ".markdown": "md", ".html": "html",
	".htm": "html", ".doc": "doc", ".docx": "docx", ".xls": "xls", ".xlsx": "xlsx",
}

// documentFromFile turns input_file file_data (a data URI, or bare base64
// with the type taken from filename) into a document. PDFs are documents,
// never images.
func documentFromFile(fileData, filename, at string) (*canon.Document, error) {
	var mime string
	var data []byte
	if strings.HasPrefix(fileData, "data:") {
		var err error
		if mime, data, err = parseDataURI(fileData); err != nil {
			return nil, validationAt(at+".file_data", "Invalid '%s.file_data': %s", at, err)
		}
	} else {
		var err error
		if data, err = base64.StdEncoding.DecodeString(fileData); err != nil {
			return nil, validationAt(at+".file_data", "Invalid '%s.file_data': expected a data URI (data:application/pdf;base64,…) or base64.", at)
		}
	}
	format, ok := docFormats[mime]
	if !ok {
		format, ok = docExts[strings.ToLower(path.Ext(filename))]
	}
	if !ok {
		return nil, validationAt(at+".file_data", "Invalid '%s': unsupported file type %q; supported are pdf, txt, csv, md, html, doc, docx, xls and xlsx.", at, mime+path.Ext(filename))
	}
	if len(data) == 0 {
		return nil, validationAt(at+".file_data", "Invalid '%s.file_data': the file is empty.", at)
	}
	return &canon.Document{Format: format, Name: docName(filename), Bytes: data}, nil
}

func parseDataURI(u string) (string, []byte, error) {
	rest, ok := strings.CutPrefix(u, "data:")
	if !ok {
		return "", nil, fmt.Errorf("not a data URI")
	}
	meta, payload, ok := strings.Cut(rest, ",")
	if !ok {
		return "", nil, fmt.Errorf("the data URI has no comma")
	}
	mime, params, _ := strings.Cut(meta, ";")
	if !strings.Contains(";"+params+";", ";base64;") {
		return "", nil, fmt.Errorf("the data URI is not base64-encoded")
	}
	data, err := base64.StdEncoding.DecodeString(payload)
	if err != nil {
		if data, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(payload, "=")); err != nil {
			return "", nil, fmt.Errorf("the data URI's payload is not valid base64")
		}
	}
	return strings.ToLower(strings.TrimSpace(mime)), data, nil
}

// docName makes a Bedrock-valid document name (letters, digits, single
// spaces, -()[]; at most 200 characters) from a file name.
func docName(filename string) string {
	base := strings.TrimSuffix(path.Base(filename), path.Ext(filename))
	if filename == "" {
		base = ""
	}
	var b strings.Builder
	space := false
	for _, r := range base {
		ok := r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("-()[]", r))
		if !ok {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	name := b.String()
	if len(name) > 190 {
		name = strings.TrimSpace(name[:190])
	}
	if name == "" {
		name = "document"
	}
	return name
}

func uniqueName(name string, seen map[string]bool) string {
	n := name
	for i := 2; seen[n]; i++ {
		n = fmt.Sprintf("%s (%d)", name, i)
	}
	seen[n] = true
	return n
}

// AppendAnswer adds the model's answer to the conversation as its next
// assistant turn (joined to a trailing assistant turn, if any).
func (c *Conversation) AppendAnswer(m canon.Message) {
	m.Role = canon.RoleAssistant
	c.Messages = mergeTurns(c.Messages, []canon.Message{m})
}
