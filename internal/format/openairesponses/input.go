package openairesponses

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/basalt-gateway/basalt/internal/apierr"
)

// wireItem is any input item; members are read by type.
type wireItem struct {
	Type             string          `json:"type"`
	ID               string          `json:"id"`
	Status           string          `json:"status"`
	Role             string          `json:"role"`
	Content          json.RawMessage `json:"content"`
	CallID           string          `json:"call_id"`
	Name             string          `json:"name"`
	Arguments        *string         `json:"arguments"`
	Output           json.RawMessage `json:"output"`
	Summary          []wirePart      `json:"summary"`
	EncryptedContent *string         `json:"encrypted_content"`
}

type wirePart struct {
	Type     string  `json:"type"`
	Text     *string `json:"text"`
	Refusal  *string `json:"refusal"`
	ImageURL *string `json:"image_url"`
	FileID   *string `json:"file_id"`
	Detail   string  `json:"detail"`
	FileData *string `json:"file_data"`
	FileURL  *string `json:"file_url"`
	Filename string  `json:"filename"`
}

// decodeInput reads input: a string (one user message) or a list of items.
func decodeInput(raw json.RawMessage, newID IDFunc) ([]Item, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || isNull(raw) {
		return nil, nil
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, paramErr("input", "invalid_type", "Invalid 'input': %s", jsonErr(err))
		}
		return []Item{{Type: "message", ID: newID("msg"), Status: StatusCompleted, Role: "user",
			Content: []Part{{Type: "input_text", Text: s}}}}, nil
	}
	var list []wireItem
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, paramErr("input", "invalid_type", "Invalid 'input': expected a string or a list of items; %s", jsonErr(err))
	}
	out := make([]Item, 0, len(list))
	for i, w := range list {
		it, err := decodeItem(w, i, newID)
		if err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, nil
}

func decodeItem(w wireItem, i int, newID IDFunc) (Item, error) {
	at := fmt.Sprintf("input[%d]", i)
	typ := w.Type
	if typ == "" && w.Role != "" {
		typ = "message"
	}
	switch typ {
	case "message":
		return decodeMessage(w, at, newID)
	case "function_call":
		if w.CallID == "" {
			return Item{}, paramErr(at+".call_id", "missing_required_parameter", "Missing required parameter: '%s.call_id'.", at)
		}
		if !toolNameRE.MatchString(w.Name) {
			return Item{}, paramErr(at+".name", "invalid_value", "Invalid '%s.name': %q must be 1-64 letters, digits, underscores or hyphens.", at, w.Name)
		}
		if w.Arguments == nil {
			return Item{}, paramErr(at+".arguments", "missing_required_parameter", "Missing required parameter: '%s.arguments'.", at)
		}
		args := bytes.TrimSpace([]byte(*w.Arguments))
		if len(args) > 0 && !json.Valid(args) {
			return Item{}, paramErr(at+".arguments", "invalid_value", "Invalid '%s.arguments': not valid JSON.", at)
		}
		return Item{Type: typ, ID: idOr(w.ID, "fc", newID), Status: StatusCompleted, CallID: w.CallID, Name: w.Name, Arguments: *w.Arguments}, nil
	case "function_call_output":
		if w.CallID == "" {
			return Item{}, paramErr(at+".call_id", "missing_required_parameter", "Missing required parameter: '%s.call_id'.", at)
		}
		out := bytes.TrimSpace(w.Output)
		if len(out) == 0 || isNull(out) {
			return Item{}, paramErr(at+".output", "missing_required_parameter", "Missing required parameter: '%s.output'.", at)
		}
		switch out[0] {
		case '"':
		case '[':
			var parts []wirePart
			if err := json.Unmarshal(out, &parts); err != nil {
				return Item{}, paramErr(at+".output", "invalid_type", "Invalid '%s.output': %s", at, jsonErr(err))
			}
			ps, err := decodeParts(parts, at+".output", "user")
			if err != nil {
				return Item{}, err
			}
			if out, err = json.Marshal(ps); err != nil {
				return Item{}, err
			}
		default:
			return Item{}, paramErr(at+".output", "invalid_type", "Invalid '%s.output': expected a string or a list of content parts.", at)
		}
		return Item{Type: typ, ID: idOr(w.ID, "fco", newID), Status: StatusCompleted, CallID: w.CallID, Output: json.RawMessage(out)}, nil
	case "reasoning":
		it := Item{Type: typ, ID: idOr(w.ID, "rs", newID), EncryptedContent: w.EncryptedContent}
		for j, p := range w.Summary {
			if p.Type != "summary_text" || p.Text == nil {
				return Item{}, paramErr(fmt.Sprintf("%s.summary[%d]", at, j), "invalid_value", "Invalid '%s.summary[%d]': expected {\"type\": \"summary_text\", \"text\": …}.", at, j)
			}
			it.Summary = append(it.Summary, Part{Type: "summary_text", Text: *p.Text})
		}
		if c := bytes.TrimSpace(w.Content); len(c) > 0 && !isNull(c) {
			var parts []wirePart
			if err := json.Unmarshal(c, &parts); err != nil {
				return Item{}, paramErr(at+".content", "invalid_type", "Invalid '%s.content': %s", at, jsonErr(err))
			}
			for j, p := range parts {
				if p.Type != "reasoning_text" || p.Text == nil {
					return Item{}, paramErr(fmt.Sprintf("%s.content[%d]", at, j), "invalid_value", "Invalid '%s.content[%d]': expected {\"type\": \"reasoning_text\", \"text\": …}.", at, j)
				}
				it.Content = append(it.Content, Part{Type: "reasoning_text", Text: *p.Text})
			}
		}
		return it, nil
	case "item_reference":
		return Item{}, paramErr(at+".type", "unsupported_value", "Input items of type 'item_reference' (%s) are not supported by this gateway; use previous_response_id or send the item itself.", at)
	case "":
		return Item{}, paramErr(at, "missing_required_parameter", "Invalid '%s': an item needs a 'type' or a 'role'.", at)
	default:
		return Item{}, paramErr(at+".type", "unsupported_value", "Input items of type %q (%s) are not supported by this gateway; supported types are message, function_call, function_call_output and reasoning.", typ, at)
	}
}

func idOr(id, prefix string, newID IDFunc) string {
	if id != "" {
		return id
	}
	return newID(prefix)
}

func decodeMessage(w wireItem, at string, newID IDFunc) (Item, error) {
	switch w.Role {
	case "user", "assistant", "system", "developer":
	case "":
		return Item{}, paramErr(at+".role", "missing_required_parameter", "Missing required parameter: '%s.role'.", at)
	default:
		return Item{}, paramErr(at+".role", "invalid_value", "Invalid value for '%s.role': %q; supported values are 'user', 'assistant', 'system' and 'developer'.", at, w.Role)
	}
	it := Item{Type: "message", ID: w.ID, Status: StatusCompleted, Role: w.Role}
	c := bytes.TrimSpace(w.Content)
	switch {
	case len(c) == 0 || isNull(c):
		return Item{}, paramErr(at+".content", "missing_required_parameter", "Missing required parameter: '%s.content'.", at)
	case c[0] == '"':
		var s string
		if err := json.Unmarshal(c, &s); err != nil {
			return Item{}, paramErr(at+".content", "invalid_type", "Invalid '%s.content': %s", at, jsonErr(err))
		}
		typ := "input_text"
		if w.Role == "assistant" {
			typ = "output_text"
		}
		it.Content = []Part{{Type: typ, Text: s}}
	default:
		var parts []wirePart
		if err := json.Unmarshal(c, &parts); err != nil {
			return Item{}, paramErr(at+".content", "invalid_type", "Invalid '%s.content': expected a string or a list of content parts; %s", at, jsonErr(err))
		}
		var err error
		if it.Content, err = decodeParts(parts, at+".content", w.Role); err != nil {
			return Item{}, err
		}
	}
	if it.ID == "" {
		it.ID = newID("msg")
	}
	return it, nil
}

func decodeParts(parts []wirePart, at, role string) ([]Part, error) {
	out := make([]Part, 0, len(parts))
	for j, p := range parts {
		pat := fmt.Sprintf("%s[%d]", at, j)
		var part Part
		switch p.Type {
		case "input_text", "output_text":
			if p.Text == nil {
				return nil, paramErr(pat+".text", "missing_required_parameter", "Missing required parameter: '%s.text'.", pat)
			}
			if (p.Type == "output_text") != (role == "assistant") {
				return nil, paramErr(pat+".type", "invalid_value", "Invalid '%s.type': %q content is not allowed in a %s message (use %s).", pat, p.Type, role, textType(role))
			}
			part = Part{Type: p.Type, Text: *p.Text}
		case "refusal":
			if role != "assistant" || p.Refusal == nil {
				return nil, paramErr(pat, "invalid_value", "Invalid '%s': refusal parts belong to assistant messages and need 'refusal'.", pat)
			}
			part = Part{Type: p.Type, Text: *p.Refusal}
		case "input_image":
			if role == "assistant" {
				return nil, paramErr(pat+".type", "invalid_value", "Invalid '%s.type': an assistant message cannot carry input_image.", pat)
			}
			if p.FileID != nil && *p.FileID != "" {
				return nil, paramErr(pat+".file_id", "unsupported_value", "Invalid '%s': file_id references are not supported by this gateway (there is no Files API); send image_url as a data URI.", pat)
			}
			if p.ImageURL == nil || *p.ImageURL == "" {
				return nil, paramErr(pat+".image_url", "missing_required_parameter", "Missing required parameter: '%s.image_url'.", pat)
			}
			if _, err := imageFromURL(*p.ImageURL, pat+".image_url"); err != nil {
				return nil, err
			}
			switch p.Detail {
			case "", "auto", "low", "high", "original":
			default:
				return nil, paramErr(pat+".detail", "invalid_value", "Invalid value for '%s.detail': %q.", pat, p.Detail)
			}
			part = Part{Type: p.Type, ImageURL: p.ImageURL, Detail: p.Detail}
		case "input_file":
			if role == "assistant" {
				return nil, paramErr(pat+".type", "invalid_value", "Invalid '%s.type': an assistant message cannot carry input_file.", pat)
			}
			if p.FileID != nil && *p.FileID != "" {
				return nil, paramErr(pat+".file_id", "unsupported_value", "Invalid '%s': file_id references are not supported by this gateway (there is no Files API); send file_data.", pat)
			}
			if p.FileURL != nil && *p.FileURL != "" {
				return nil, paramErr(pat+".file_url", "unsupported_value", "Invalid '%s': file_url is not supported by this gateway; send file_data as a data URI.", pat)
			}
			if p.FileData == nil || *p.FileData == "" {
				return nil, paramErr(pat+".file_data", "missing_required_parameter", "Missing required parameter: '%s.file_data'.", pat)
			}
			if _, err := documentFromFile(*p.FileData, p.Filename, pat); err != nil {
				return nil, err
			}
			part = Part{Type: p.Type, FileData: *p.FileData, Filename: p.Filename}
		default:
			return nil, paramErr(pat+".type", "invalid_value", "Invalid value for '%s.type': %q; supported content types are input_text, input_image, input_file, and output_text or refusal for assistant messages.", pat, p.Type)
		}
		out = append(out, part)
	}
	return out, nil
}

func textType(role string) string {
	if role == "assistant" {
		return "output_text"
	}
	return "input_text"
}

// validationAt is a Validation error naming a request member.
func validationAt(param, format string, args ...any) *apierr.Error {
	return paramErr(param, "invalid_value", format, args...)
}
