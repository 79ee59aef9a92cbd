// Package llama is the InvokeModel body dialect of Meta Llama
// (meta.llama3-*, meta.llama4-*): the request body into the canonical
// request, and canonical answers into Llama's response body and stream
// chunks. It is pure: no I/O.
//
// Request: {"prompt": "…", "max_gen_len", "temperature", "top_p",
// "images"?}. The prompt is parsed back into a conversation (ParsePrompt):
// Bedrock's Llama models take the chat template already rendered, and a
// canonical request must carry messages so that any provider can answer.
// Decisions:
//
//   - A prompt with Llama 3 headers (<|start_header_id|>role<|end_header_id|>)
//     or Llama 4 headers (<|header_start|>role<|header_end|>) is split into
//     turns; system turns become the system prompt, ipython/tool turns are
//     user turns, consecutive turns of one role are merged, empty turns are
//     dropped, and a final assistant turn with text is kept as a prefill. A
//     prompt without headers is one user message, as written.
//   - "images" (Llama 3.2 vision: base64 strings) become image blocks of the
//     last user turn; <|image|> markers are removed from the text.
//   - stop_reason is "length" for max_tokens (and a full context window),
//     "stop" otherwise.
//   - Stream chunks: one per text delta, {"generation": "…",
//     "prompt_token_count": null, "generation_token_count": null,
//     "stop_reason": null} (the counts are known only at the end), then a
//     final chunk with "generation": "", both counts, the stop reason and
//     the last-chunk member (Bedrock's "amazon-bedrock-invocationMetrics").
package llama

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"github.com/basalt-gateway/basalt/internal/format/nativejson"
	"strconv"
	"strings"

	"github.com/basalt-gateway/basalt/internal/canon"
)

// DecodeRequest validates a Llama body for modelID and converts it. Every
// problem is a Validation error starting "Malformed input request:" that
// names the bad keys.
func DecodeRequest(modelID string, body []byte) (*canon.Request, error) {
	var problems []string
	top, ok := nativejson.ParseObject("#", body, &problems, "prompt", "max_gen_len", "temperature", "top_p", "images")
	if !ok {
		return nil, nativejson.Malformed(problems)
	}
	top.Require("prompt")
	prompt, _ := top.Str("prompt")
	req := &canon.Request{Model: modelID}
	req.Inference.MaxTokens = top.Integer("max_gen_len", 1, 1_000_000)
	req.Inference.Temperature = top.Number("temperature", 0, 1)
	req.Inference.TopP = top.Number("top_p", 0, 1)
	images := images(top, "images")
	if len(problems) > 0 {
		return nil, nativejson.Malformed(problems)
	}
	system, msgs, err := ParsePrompt(prompt)
	if err != nil {
		return nil, nativejson.Malformed([]string{"#/prompt: " + err.Error()})
	}
	if len(images) > 0 {
		last := &msgs[len(msgs)-1]
		if last.Role != canon.RoleUser {
			last = &msgs[len(msgs)-2]
		}
		last.Content = append(images, last.Content...)
	}
	req.System, req.Messages = system, msgs
	return req, nil
}

// images decodes an array of base64 images.
func images(o *nativejson.Object, k string) []canon.Block {
	v := o.Get(k)
	if v == nil {
		return nil
	}
	var ss []string
	if json.Unmarshal(v, &ss) != nil {
		o.WrongType(k, "JSONArray of String")
		return nil
	}
	var out []canon.Block
	for i, s := range ss {
		b, err := base64.StdEncoding.DecodeString(s)
		format := imageFormat(b)
		if err != nil || format == "" {
			o.Problem(o.Sub(k) + "/" + strconv.Itoa(i) + ": not a base64 PNG, JPEG, GIF or WebP image")
			continue
		}
		out = append(out, canon.Block{Type: canon.BlockImage, Image: &canon.Media{Format: format, Bytes: b}})
	}
	return out
}

func imageFormat(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return "png"
	case bytes.HasPrefix(b, []byte{0xff, 0xd8, 0xff}):
		return "jpeg"
	case bytes.HasPrefix(b, []byte("GIF8")):
		return "gif"
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return "webp"
	}
	return ""
}

// The chat template's special tokens; Llama 4 spellings are rewritten to
// Llama 3's before parsing.
const (
	beginOfText = "<|begin_of_text|>"
	headerStart = "<|start_header_id|>"
	headerEnd   = "<|end_header_id|>"
	eot         = "<|eot_id|>"
	eom         = "<|eom_id|>"
	endOfText   = "<|end_of_text|>"
	imageToken  = "<|image|>"
)

var llama4 = strings.NewReplacer("<|header_start|>", headerStart, "<|header_end|>", headerEnd, "<|eot|>", eot, "<|eom|>", eom)

// ParsePrompt turns a prompt in the Llama 3 or 4 chat template into the
// system prompt and the conversation (see the package comment); a prompt
// without headers is one user message.
func ParsePrompt(prompt string) (system []canon.Block, msgs []canon.Message, err error) {
	p := llama4.Replace(prompt)
	p = strings.TrimPrefix(strings.TrimLeft(p, " \t\r\n"), beginOfText)
	if !strings.Contains(p, headerStart) {
		text := strings.ReplaceAll(strings.ReplaceAll(p, imageToken, ""), endOfText, "")
		if strings.TrimSpace(text) == "" {
			return nil, nil, nativejson.PromptError("the prompt is empty")
		}
		return nil, []canon.Message{{Role: canon.RoleUser, Content: []canon.Block{canon.TextBlock(text)}}}, nil
	}
	if lead := strings.TrimSpace(p[:strings.Index(p, headerStart)]); lead != "" {
		return nil, nil, nativejson.PromptError("text before the first " + headerStart + " header")
	}
	p = p[strings.Index(p, headerStart):]
	for turn := 0; p != ""; turn++ {
		rest, ok := strings.CutPrefix(p, headerStart)
		if !ok {
			if strings.TrimSpace(strings.ReplaceAll(p, endOfText, "")) != "" {
				return nil, nil, nativejson.PromptError("text after turn " + strconv.Itoa(turn) + " outside any header")
			}
			break
		}
		role, rest, ok := strings.Cut(rest, headerEnd)
		if !ok {
			return nil, nil, nativejson.PromptError("turn " + strconv.Itoa(turn) + ": " + headerStart + " without " + headerEnd)
		}
		rest = strings.TrimPrefix(rest, "\n\n")
		end := nativejson.TurnEnd(rest, eot, eom, headerStart)
		content := strings.ReplaceAll(rest[:end], imageToken, "")
		rest = rest[end:]
		rest = strings.TrimPrefix(strings.TrimPrefix(rest, eot), eom)
		p = strings.TrimLeft(rest, "\n")
		if strings.TrimSpace(content) == "" {
			continue
		}
		switch r := strings.TrimSpace(role); r {
		case "system":
			system = append(system, canon.TextBlock(content))
		case "user", "ipython", "tool":
			msgs = nativejson.AppendTurn(msgs, canon.RoleUser, content)
		case "assistant":
			msgs = nativejson.AppendTurn(msgs, canon.RoleAssistant, content)
		default:
			return nil, nil, nativejson.PromptError("turn " + strconv.Itoa(turn) + ": unknown role " + strconv.Quote(r) + " (use system, user, assistant or ipython)")
		}
	}
	if len(msgs) == 0 {
		return nil, nil, nativejson.PromptError("the prompt has no user turn")
	}
	if msgs[0].Role != canon.RoleUser {
		return nil, nil, nativejson.PromptError("the conversation must start with a user turn")
	}
	return system, msgs, nil
}

// Response is Llama's answer body.
type Response struct {
	Generation           string `json:"generation"`
	PromptTokenCount     int    `json:"prompt_token_count"`
	GenerationTokenCount int    `json:"generation_token_count"`
	StopReason           string `json:"stop_reason"`
}

// StopReason is Llama's word for a canonical stop reason.
func StopReason(s canon.StopReason) string {
	if s == canon.StopMaxTokens || s == canon.StopContextWindowExceeded {
		return "length"
	}
	return "stop"
}

// ResponseFromCanon converts a canonical answer: its text blocks joined
// (Llama's body has no tool use or reasoning).
func ResponseFromCanon(r *canon.Response) *Response {
	var sb strings.Builder
	for _, b := range r.Message.Content {
		if b.Type == canon.BlockText {
			sb.WriteString(b.Text)
		}
	}
	return &Response{Generation: sb.String(), PromptTokenCount: r.Usage.InputTokens + r.Usage.CacheReadTokens + r.Usage.CacheWriteTokens,
		GenerationTokenCount: r.Usage.OutputTokens, StopReason: StopReason(r.StopReason)}
}

type chunk struct {
	Generation           string  `json:"generation"`
	PromptTokenCount     *int    `json:"prompt_token_count"`
	GenerationTokenCount *int    `json:"generation_token_count"`
	StopReason           *string `json:"stop_reason"`
}

// NewStreamEncoder returns the encoder of Llama's stream chunks (see the
// package comment); last, if not nil, adds one member to the final chunk.
func NewStreamEncoder(sink func(chunk []byte) error, last func(u canon.Usage, latencyMs int64) (string, any)) *nativejson.TextStream {
	return nativejson.NewTextStream(sink, last,
		func(text string) any { return chunk{Generation: text} },
		func(u canon.Usage, stop canon.StopReason) any {
			in, out := u.InputTokens+u.CacheReadTokens+u.CacheWriteTokens, u.OutputTokens
			reason := StopReason(stop)
			return chunk{PromptTokenCount: &in, GenerationTokenCount: &out, StopReason: &reason}
		})
}
