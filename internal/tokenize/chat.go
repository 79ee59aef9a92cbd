package tokenize

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"strings"

	"github.com/tiktoken-go/tokenizer"

	"github.com/basalt-gateway/basalt/internal/format/openai"
)

// The chat framing of OpenAI's cookbook "How to count tokens with
// tiktoken" (num_tokens_from_messages), which OpenAI checked against the
// API's prompt_tokens for gpt-3.5-turbo, gpt-4, gpt-4o and gpt-4o-mini.
// gpt-oss's harmony format frames a message the same way
// (<|start|>{role}<|message|>{content}<|end|>); the system message a
// harmony serving stack prepends on its own is not counted.
const (
	chatPerMessage   = 3 // <|start|>, <|message|> and <|end|> around role and content
	chatPerName      = 1
	chatReplyPriming = 3 // <|start|>assistant<|message|>
	// chatPerToolCall frames a tool call in an assistant turn; OpenAI does
	// not document it, this is our estimate.
	chatPerToolCall = 3
)

// toolRule is the cookbook's num_tokens_for_tools: funcInit per function,
// then its "name:description", propInit when it has properties, propKey per
// property and its "name:type:description", enumInit and enumItem per enum
// value; funcEnd once. OpenAI checked it against the API (101 tokens for
// its weather example on gpt-4o, 105 on gpt-4); it ignores nested schemas.
type toolRule struct{ funcInit, propInit, propKey, enumInit, enumItem, funcEnd int }

var (
	toolRuleO200k  = toolRule{7, 3, 3, -3, 3, 12}  // gpt-4o and later
	toolRuleCl100k = toolRule{10, 3, 3, -3, 3, 12} // gpt-3.5-turbo, gpt-4
)

// countChat counts a Chat Completions body with the cookbook rules.
func countChat(c tokenizer.Codec, enc string, body *openai.ChatRequest) Count {
	k := &bpe{c: c}
	var total, est int
	partial := false
	for _, m := range body.Messages {
		text := chatPerMessage + k.count(m.Role)
		if m.Name != "" {
			text += k.count(m.Name) + chatPerName
		}
		rule := 0
		if m.Content.Text != nil {
			text += k.count(*m.Content.Text)
		}
		for _, p := range m.Content.Parts {
			switch p.Type {
			case "text":
				text += k.count(p.Text)
			case "refusal":
				text += k.count(p.Refusal)
			case "image_url":
				rule += imageTokens(p.ImageURL)
			case "file":
				rule += fileTokens(p.File)
			default: // input_audio: billed as audio tokens, which this does not count
				partial = true
			}
		}
		for _, tc := range m.ToolCalls {
			rule += chatPerToolCall + k.count(tc.Function.Name) + k.count(tc.Function.Arguments)
		}
		if m.Role == "tool" || len(m.ToolCalls) > 0 {
			// Tool turns are rendered in a format OpenAI does not
			// document: their text is counted, but not exactly.
			rule += text
			text = 0
		}
		total += text + rule
		est += rule
	}
	total += chatReplyPriming
	if len(body.Tools) > 0 {
		rule := toolRuleO200k
		if enc == Cl100kBase {
			rule = toolRuleCl100k
		}
		n := toolTokens(k, rule, body.Tools)
		total += n
		est += n
	}
	if rf := body.ResponseFormat; rf != nil && rf.JSONSchema != nil && len(rf.JSONSchema.Schema) > 0 {
		// A structured-output schema is shown to the model too, in a form
		// OpenAI does not document: its compact JSON is the estimate.
		var b bytes.Buffer
		n := 0
		if json.Compact(&b, rf.JSONSchema.Schema) == nil {
			n = k.count(rf.JSONSchema.Name + "\n" + b.String())
		}
		total += n
		est += n
	}
	return Count{Tokens: total, Encoding: enc, Estimated: est, Exact: est == 0 && !partial && !k.forced}
}

// toolTokens applies rule to the function definitions.
func toolTokens(k *bpe, rule toolRule, tools []openai.Tool) int {
	n := 0
	for _, t := range tools {
		f := t.Function
		n += rule.funcInit + k.count(f.Name+":"+strings.TrimSuffix(f.Description, "."))
		var params struct {
			Properties map[string]struct {
				Type        json.RawMessage `json:"type"`
				Description string          `json:"description"`
				Enum        []any           `json:"enum"`
			} `json:"properties"`
		}
		if len(f.Parameters) == 0 || json.Unmarshal(f.Parameters, &params) != nil || len(params.Properties) == 0 {
			continue
		}
		n += rule.propInit
		for name, p := range params.Properties {
			n += rule.propKey
			if len(p.Enum) > 0 {
				n += rule.enumInit
				for _, item := range p.Enum {
					n += rule.enumItem + k.count(enumText(item))
				}
			}
			n += k.count(name + ":" + schemaType(p.Type) + ":" + strings.TrimSuffix(p.Description, "."))
		}
	}
	return n + rule.funcEnd
}

// schemaType renders a JSON Schema "type": "string", or the joined names of
// a type list.
func schemaType(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var list []string
	if json.Unmarshal(raw, &list) == nil {
		return strings.Join(list, " | ")
	}
	return ""
}

func enumText(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// Image token rule of OpenAI's vision pricing for the tile-based models
// (gpt-4o, gpt-4.1, gpt-4.5, o1, o3) at detail "high" or "auto": scale to
// fit 2048×2048, then shrink the short side to 768, and count 512-pixel
// tiles. An image whose size cannot be read (webp, a URL) is taken as
// 1024×1024: 765 tokens.
const (
	imageBaseTokens = 85
	imageTileTokens = 170
)

func imageTokens(u *openai.ImageURL) int {
	if u == nil {
		return 0
	}
	if u.Detail == "low" {
		return imageBaseTokens
	}
	w, h := 1024, 1024
	if cfg, ok := dataURIImageConfig(u.URL); ok && cfg.Width > 0 && cfg.Height > 0 {
		w, h = cfg.Width, cfg.Height
	}
	return imageBaseTokens + imageTileTokens*tiles(w, h)
}

func tiles(w, h int) int {
	fw, fh := float64(w), float64(h)
	if fw > 2048 || fh > 2048 {
		s := 2048 / max(fw, fh)
		fw, fh = fw*s, fh*s
	}
	if short := min(fw, fh); short > 768 {
		s := 768 / short
		fw, fh = fw*s, fh*s
	}
	return ceilDiv(int(fw+0.5), 512) * ceilDiv(int(fh+0.5), 512)
}

func ceilDiv(a, b int) int { return max(1, (a+b-1)/b) }

// dataURIImageConfig reads the size of a PNG, JPEG or GIF data URI (the
// form the openai format gives inline images).
func dataURIImageConfig(uri string) (image.Config, bool) {
	data, ok := dataURIBytes(uri)
	if !ok {
		return image.Config{}, false
	}
	var decode func(r *bytes.Reader) (image.Config, error)
	switch {
	case strings.HasPrefix(uri, "data:image/png;"):
		decode = func(r *bytes.Reader) (image.Config, error) { return png.DecodeConfig(r) }
	case strings.HasPrefix(uri, "data:image/jpeg;"):
		decode = func(r *bytes.Reader) (image.Config, error) { return jpeg.DecodeConfig(r) }
	case strings.HasPrefix(uri, "data:image/gif;"):
		decode = func(r *bytes.Reader) (image.Config, error) { return gif.DecodeConfig(r) }
	default:
		return image.Config{}, false
	}
	cfg, err := decode(bytes.NewReader(data))
	return cfg, err == nil
}

func dataURIBytes(uri string) ([]byte, bool) {
	_, b64, ok := strings.Cut(uri, ";base64,")
	if !ok || !strings.HasPrefix(uri, "data:") {
		return nil, false
	}
	data, err := base64.StdEncoding.DecodeString(b64)
	return data, err == nil
}

// fileTokens estimates a PDF file part like Estimate does a PDF document.
func fileTokens(f *openai.File) int {
	if f == nil {
		return 0
	}
	data, _ := dataURIBytes(f.FileData)
	return tokensPerPDFPage * pdfPages(data)
}
