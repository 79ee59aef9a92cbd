package openai

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"path"
	"strings"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
)

// msgBuilder turns OpenAI messages into canonical system blocks and
// alternating turns: tool messages become toolResult blocks of a user
// turn, and consecutive turns of one role are merged.
type msgBuilder struct {
	system   []canon.Block
	turns    []canon.Message
	docNames map[string]int
}

func (b *msgBuilder) messages(msgs []Message) error {
	if len(msgs) == 0 {
		return apierr.Validationf("Invalid 'messages': empty array. Expected an array with minimum length 1.")
	}
	for i := range msgs {
		m := &msgs[i]
		switch m.Role {
		case "system", "developer":
			texts, err := textParts(m.Content, fmt.Sprintf("messages[%d]", i))
			if err != nil {
				return err
			}
			for _, t := range texts {
				if strings.TrimSpace(t) != "" {
					b.system = append(b.system, canon.TextBlock(t))
				}
			}
		case "user":
			blocks, err := b.userBlocks(m.Content, i)
			if err != nil {
				return err
			}
			b.add(canon.RoleUser, blocks)
		case "assistant":
			blocks, err := assistantBlocks(m, i)
			if err != nil {
				return err
			}
			b.add(canon.RoleAssistant, blocks)
		case "tool":
			if m.ToolCallID == "" {
				return apierr.Validationf("Missing required parameter: 'messages[%d].tool_call_id'.", i)
			}
			texts, err := textParts(m.Content, fmt.Sprintf("messages[%d]", i))
			if err != nil {
				return err
			}
			tr := &canon.ToolResult{ToolUseID: m.ToolCallID}
			if t := strings.Join(texts, "\n"); strings.TrimSpace(t) != "" {
				tr.Content = []canon.Block{canon.TextBlock(t)}
			}
			b.add(canon.RoleUser, []canon.Block{{Type: canon.BlockToolResult, ToolResult: tr}})
		case "function":
			return apierr.Validationf("messages[%d]: the legacy function role is not supported; use tool messages", i)
		case "":
			return apierr.Validationf("Missing required parameter: 'messages[%d].role'.", i)
		default:
			return apierr.Validationf("Invalid value for 'messages[%d].role': %q is not one of system, developer, user, assistant or tool.", i, m.Role)
		}
	}
	for i := range b.turns {
		ensureTextBesideDocuments(&b.turns[i])
	}
	return nil
}

// add appends a turn, merging it into the previous one of the same role
// (Converse wants roles to alternate). Empty turns are dropped.
func (b *msgBuilder) add(role canon.Role, blocks []canon.Block) {
	if len(blocks) == 0 {
		return
	}
	if n := len(b.turns); n > 0 && b.turns[n-1].Role == role {
		b.turns[n-1].Content = append(b.turns[n-1].Content, blocks...)
		return
	}
	b.turns = append(b.turns, canon.Message{Role: role, Content: blocks})
}

// ensureTextBesideDocuments adds a short text block to a user turn that
// carries documents but no text, which Bedrock requires.
func ensureTextBesideDocuments(m *canon.Message) {
	if m.Role != canon.RoleUser {
		return
	}
	hasDoc := false
	for _, c := range m.Content {
		switch c.Type {
		case canon.BlockText:
			return
		case canon.BlockDocument:
			hasDoc = true
		}
	}
	if hasDoc {
		m.Content = append(m.Content, canon.TextBlock("(document attached)"))
	}
}

// textParts returns the text of string content or of text parts; other
// part types are refused (where names the message).
func textParts(c Content, where string) ([]string, error) {
	if c.Text != nil {
		return []string{*c.Text}, nil
	}
	var out []string
	for j, p := range c.Parts {
		if p.Type != "text" {
			return nil, apierr.Validationf("%s.content[%d]: a %q part is not allowed here; this message takes text only", where, j, p.Type)
		}
		out = append(out, p.Text)
	}
	return out, nil
}

func assistantBlocks(m *Message, i int) ([]canon.Block, error) {
	var blocks []canon.Block
	where := fmt.Sprintf("messages[%d]", i)
	if m.Content.Text != nil {
		if strings.TrimSpace(*m.Content.Text) != "" {
			blocks = append(blocks, canon.TextBlock(*m.Content.Text))
		}
	} else {
		for j, p := range m.Content.Parts {
			switch p.Type {
			case "text", "refusal":
				// The refusal part's text travels in "refusal", not "text".
				t := p.Text
				if p.Type == "refusal" {
					t = p.Refusal
				}
				if strings.TrimSpace(t) != "" {
					blocks = append(blocks, canon.TextBlock(t))
				}
			default:
				return nil, apierr.Validationf("%s.content[%d]: an assistant message takes text and refusal parts, not %q", where, j, p.Type)
			}
		}
	}
	if len(blocks) == 0 && m.Refusal != nil && strings.TrimSpace(*m.Refusal) != "" {
		blocks = append(blocks, canon.TextBlock(*m.Refusal))
	}
	for j, tc := range m.ToolCalls {
		if tc.Type != "" && tc.Type != "function" {
			return nil, apierr.Validationf("%s.tool_calls[%d].type %q is not supported; only function tool calls are", where, j, tc.Type)
		}
		if tc.ID == "" {
			return nil, apierr.Validationf("Missing required parameter: '%s.tool_calls[%d].id'.", where, j)
		}
		if !ValidToolName(tc.Function.Name) {
			return nil, apierr.Validationf("Invalid '%s.tool_calls[%d].function.name': %q must match ^[a-zA-Z0-9_-]{1,64}$.", where, j, tc.Function.Name)
		}
		args := strings.TrimSpace(tc.Function.Arguments)
		if args == "" {
			args = "{}"
		}
		var buf bytes.Buffer
		if err := json.Compact(&buf, []byte(args)); err != nil {
			return nil, apierr.Validationf("Invalid '%s.tool_calls[%d].function.arguments': the arguments of %q are not valid JSON.", where, j, tc.Function.Name)
		}
		blocks = append(blocks, canon.Block{Type: canon.BlockToolUse,
			ToolUse: &canon.ToolUse{ID: tc.ID, Name: tc.Function.Name, Input: json.RawMessage(buf.Bytes())}})
	}
	return blocks, nil
}

func (b *msgBuilder) userBlocks(c Content, i int) ([]canon.Block, error) {
	if c.Text != nil {
		if strings.TrimSpace(*c.Text) == "" {
			return nil, nil
		}
		return []canon.Block{canon.TextBlock(*c.Text)}, nil
	}
	var blocks []canon.Block
	for j := range c.Parts {
		p := &c.Parts[j]
		where := fmt.Sprintf("messages[%d].content[%d]", i, j)
		switch p.Type {
		case "text":
			if strings.TrimSpace(p.Text) != "" {
				blocks = append(blocks, canon.TextBlock(p.Text))
			}
		case "image_url":
			if p.ImageURL == nil || p.ImageURL.URL == "" {
				return nil, apierr.Validationf("Missing required parameter: '%s.image_url.url'.", where)
			}
			m, err := ImageToCanon(p.ImageURL.URL, where)
			if err != nil {
				return nil, err
			}
			blocks = append(blocks, canon.Block{Type: canon.BlockImage, Image: m})
		case "input_audio":
			a := p.InputAudio
			if a == nil || a.Data == "" {
				return nil, apierr.Validationf("Missing required parameter: '%s.input_audio.data'.", where)
			}
			f := strings.ToLower(a.Format)
			if f != "wav" && f != "mp3" {
				return nil, apierr.Validationf("Invalid '%s.input_audio.format': %q is not wav or mp3.", where, a.Format)
			}
			data, err := base64.StdEncoding.DecodeString(a.Data)
			if err != nil {
				return nil, apierr.Validationf("Invalid '%s.input_audio.data': not valid base64.", where)
			}
			blocks = append(blocks, canon.Block{Type: canon.BlockAudio, Audio: &canon.Media{Format: f, Bytes: data}})
		case "file":
			d, err := b.document(p.File, where)
			if err != nil {
				return nil, err
			}
			blocks = append(blocks, canon.Block{Type: canon.BlockDocument, Document: d})
		case "":
			return nil, apierr.Validationf("Missing required parameter: '%s.type'.", where)
		default:
			return nil, apierr.Validationf("Invalid value for '%s.type': %q is not one of text, image_url, input_audio or file.", where, p.Type)
		}
	}
	return blocks, nil
}

// imageFormats maps image MIME subtypes to Converse image formats.
var imageFormats = map[string]string{"png": "png", "jpeg": "jpeg", "jpg": "jpeg", "pjpeg": "jpeg", "gif": "gif", "webp": "webp"}

// ImageToCanon turns an image_url into canonical media: a data URI is
// decoded (any case of MIME type, image/jpg included); an https URL is
// returned in Media.URL for the caller to fetch. where names the part in
// error messages.
func ImageToCanon(url, where string) (*canon.Media, error) {
	if strings.HasPrefix(strings.ToLower(url), "data:") {
		mime, data, err := parseDataURI(url)
		if err != nil {
			return nil, apierr.Validationf("Invalid '%s.image_url.url': %s", where, err)
		}
		f, ok := ImageFormat(mime)
		if !ok {
			return nil, apierr.Validationf("Invalid '%s.image_url.url': image type %q is not supported; send png, jpeg, gif or webp.", where, mime)
		}
		return &canon.Media{Format: f, Bytes: data}, nil
	}
	if strings.HasPrefix(strings.ToLower(url), "https://") {
		return &canon.Media{URL: url}, nil
	}
	return nil, apierr.Validationf("Invalid '%s.image_url.url': expected a data: URI or an https:// URL.", where)
}

// ImageFormat returns the Converse format for an image MIME type
// (case-insensitive, parameters ignored, image/jpg accepted).
func ImageFormat(mime string) (string, bool) {
	mime = strings.ToLower(strings.TrimSpace(mime))
	if i := strings.IndexByte(mime, ';'); i >= 0 {
		mime = strings.TrimSpace(mime[:i])
	}
	sub, ok := strings.CutPrefix(mime, "image/")
	if !ok {
		return "", false
	}
	f, ok := imageFormats[sub]
	return f, ok
}

// parseDataURI decodes data:<mime>[;param…];base64,<data>. Only base64
// payloads are accepted: binary media has no other sensible encoding.
func parseDataURI(s string) (mime string, data []byte, err error) {
	rest := s[len("data:"):]
	meta, payload, ok := strings.Cut(rest, ",")
	if !ok {
		return "", nil, fmt.Errorf("the data URI has no comma before its data")
	}
	fields := strings.Split(meta, ";")
	mime = strings.ToLower(strings.TrimSpace(fields[0]))
	b64 := false
	for _, f := range fields[1:] {
		if strings.EqualFold(strings.TrimSpace(f), "base64") {
			b64 = true
		}
	}
	if !b64 {
		return "", nil, fmt.Errorf("the data URI must be base64-encoded (data:<type>;base64,…)")
	}
	data, err = decodeBase64(payload)
	if err != nil {
		return "", nil, fmt.Errorf("the data URI's payload is not valid base64")
	}
	if len(data) == 0 {
		return "", nil, fmt.Errorf("the data URI is empty")
	}
	return mime, data, nil
}

// decodeBase64 takes standard or URL-safe base64, padded or not, and
// ignores whitespace, as lenient clients produce all of them.
func decodeBase64(s string) ([]byte, error) {
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\n' || r == '\r' || r == '\t' {
			return -1
		}
		return r
	}, s)
	s = strings.TrimRight(s, "=")
	if strings.ContainsAny(s, "-_") {
		return base64.RawURLEncoding.DecodeString(s)
	}
	return base64.RawStdEncoding.DecodeString(s)
}

var docFormatsByMIME = map[string]string{
	"application/pdf": "pdf", "text/plain": "txt", "text/markdown": "md", "text/x-markdown": "md", "text/csv": "csv",
	"text/html": "html", "application/msword": "doc",
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
	"application/vnd.ms-excel": "xls",
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
}

var docFormatsByExt = map[string]string{"pdf": "pdf", "txt": "txt", "md": "md", "markdown": "md", "csv": "csv",
	"html": "html", "htm": "html", "doc": "doc", "docx": "docx", "xls": "xls", "xlsx": "xlsx"}

// document converts a file part: file_data as a data URI (or bare base64
// with the type taken from the filename) becomes a canonical document
// with a name Converse accepts, unique within the request.
func (b *msgBuilder) document(f *File, where string) (*canon.Document, error) {
	if f == nil {
		return nil, apierr.Validationf("Missing required parameter: '%s.file'.", where)
	}
	if f.FileID != "" && f.FileData == "" {
		return nil, apierr.Validationf("Invalid '%s.file.file_id': uploaded file ids are not supported by this gateway; send the file inline as file_data (a data: URI).", where)
	}
	if f.FileData == "" {
		return nil, apierr.Validationf("Missing required parameter: '%s.file.file_data'.", where)
	}
	ext := strings.TrimPrefix(strings.ToLower(path.Ext(f.Filename)), ".")
	var format string
	var data []byte
	if strings.HasPrefix(strings.ToLower(f.FileData), "data:") {
		mime, d, err := parseDataURI(f.FileData)
		if err != nil {
			return nil, apierr.Validationf("Invalid '%s.file.file_data': %s", where, err)
		}
		format, data = docFormatsByMIME[mime], d
		if format == "" && (mime == "application/octet-stream" || mime == "") {
			format = docFormatsByExt[ext]
		}
		if format == "" {
			if _, isImage := ImageFormat(mime); isImage {
				return nil, apierr.Validationf("Invalid '%s.file.file_data': send images as image_url parts, not files.", where)
			}
			return nil, apierr.Validationf("Invalid '%s.file.file_data': file type %q is not supported; send pdf, txt, md, csv, html, doc, docx, xls or xlsx.", where, mime)
		}
	} else {
		d, err := decodeBase64(f.FileData)
		if err != nil || len(d) == 0 {
			return nil, apierr.Validationf("Invalid '%s.file.file_data': expected a data: URI or base64 data.", where)
		}
		format, data = docFormatsByExt[ext], d
		if format == "" {
			return nil, apierr.Validationf("Invalid '%s.file': the file type cannot be told; send file_data as a data: URI such as data:application/pdf;base64,…", where)
		}
	}
	return &canon.Document{Format: format, Name: b.docName(f.Filename), Bytes: data}, nil
}

// docName derives a Converse document name from a filename: the extension
// dropped, characters other than letters, digits, hyphens, parentheses
// and square brackets turned into single spaces, at most 200 characters,
// made unique within the request with a " (2)" suffix.
func (b *msgBuilder) docName(filename string) string {
	base := path.Base(strings.ReplaceAll(filename, `\`, "/"))
	if ext := path.Ext(base); ext != "" && ext != base {
		base = strings.TrimSuffix(base, ext)
	}
	name := SanitizeDocumentName(base)
	n := b.docNames[name] + 1
	b.docNames[name] = n
	if n > 1 {
		suffix := fmt.Sprintf(" (%d)", n)
		if len(name)+len(suffix) > 200 {
			name = strings.TrimSpace(name[:200-len(suffix)])
		}
		name += suffix
	}
	return name
}

// SanitizeDocumentName makes s a valid Converse document name ("document"
// when nothing usable is left).
func SanitizeDocumentName(s string) string {
	var sb strings.Builder
	space := false
	for _, r := range s {
		ok := r == '-' || r == '(' || r == ')' || r == '[' || r == ']' ||
			(r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')
		if !ok {
			space = sb.Len() > 0
			continue
		}
		if space {
			sb.WriteByte(' ')
			space = false
		}
		sb.WriteRune(r)
		if sb.Len() >= 200 {
			break
		}
	}
	name := strings.TrimSpace(sb.String())
	if name == "" {
		return "document"
	}
	return name
}
