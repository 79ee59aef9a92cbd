// Package deepseek is the InvokeModel text-completion body of DeepSeek-R1
// on Bedrock (deepseek.r1-v1:0): the request body into the canonical
// request, and canonical answers into R1's response body and stream chunks.
// It is pure: no I/O. (DeepSeek's chat-style body, with "messages", is the
// Chat Completions body and is decoded by internal/format/openai.)
//
// Source: the Bedrock user guide, "DeepSeek models" (model-parameters-
// deepseek). Request: {"prompt": string (required), "temperature": float
// ≤ 1, "top_p": float ≤ 1, "max_tokens": int 1–32,768, "stop": string
// array of at most 10 items}. Response: {"choices": [{"text": string,
// "stop_reason": "stop"|"length"}]}; the guide's sample prompt is
// "<｜begin▁of▁sentence｜><｜User｜>{prompt}<｜Assistant｜><think>\n".
// Decisions where the guide is silent:
//
//   - The prompt is parsed back into a conversation (ParsePrompt) so any
//     provider can answer: text before the first <｜User｜> is the system
//     prompt; <｜User｜> and <｜Assistant｜> open turns, <｜end▁of▁sentence｜>
//     closes one. The ASCII spellings (<|User|>, <|Assistant|>,
//     <|begin_of_sentence|>, <|end_of_sentence|>) are accepted too. A
//     prompt without these markers is one user message, as written.
//   - Earlier assistant turns lose their <think>…</think> section, as
//     DeepSeek's own chat template drops reasoning from the history. A
//     final assistant turn that is only "<think>" (the guide's template)
//     records that the client expects the answer to continue inside an open
//     think block (Style.ThinkOpen); final assistant text after a closed
//     think block is kept as a prefill; a final turn with an unclosed,
//     non-empty think block is refused, since no provider can continue
//     reasoning text it was handed.
//   - Canonical reasoning is rendered into "text" the way R1 itself writes
//     it: "<think>\n" + reasoning + "\n</think>\n\n" + answer, without the
//     opening tag when the prompt already opened it (LiteLLM's Bedrock R1
//     parser reads it that way). With the think block open and no
//     reasoning from the provider, the answer still starts with
//     "</think>\n\n", so a client splitting at </think> finds the answer.
//     Redacted reasoning has no text and is left out. The body has no
//     reasoning parameter, so the canonical request asks for none: R1
//     reasons on its own, and other providers answer without it unless
//     they too reason unasked.
//   - stop_reason is "length" for max_tokens (and a full context window),
//     "stop" otherwise; tool use has no place in this body.
//   - Stream chunks (shape not in the guide; inferred from the response
//     body): {"choices": [{"text": "…", "stop_reason": null}]} per text or
//     reasoning delta, then {"choices": [{"text": "", "stop_reason": …}]}
//     with the last-chunk member (Bedrock's
//     "amazon-bedrock-invocationMetrics").
package deepseek

import (
	"strconv"
	"strings"

	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/format/nativejson"
)

// Style is what the encoders must know of the request: whether the prompt
// left a think block open for the answer.
type Style struct {
	ThinkOpen bool
}

// MaxStop is the most stop sequences a body may carry.
const MaxStop = 10

// DecodeRequest validates an R1 body for modelID and converts it. Every
// problem is a Validation error starting "Malformed input request:" that
// names the bad keys.
func DecodeRequest(modelID string, body []byte) (*canon.Request, Style, error) {
	var problems []string
	top, ok := nativejson.ParseObject("#", body, &problems, "prompt", "temperature", "top_p", "max_tokens", "stop")
	if !ok {
		return nil, Style{}, nativejson.Malformed(problems)
	}
	top.Require("prompt")
	prompt, _ := top.Str("prompt")
	req := &canon.Request{Model: modelID}
	req.Inference.Temperature = top.Number("temperature", 0, 1)
	req.Inference.TopP = top.Number("top_p", 0, 1)
	req.Inference.MaxTokens = top.Integer("max_tokens", 1, 32_768)
	for i, s := range top.Strings("stop", MaxStop) {
		if s == "" {
			top.Problem(top.Sub("stop") + "/" + strconv.Itoa(i) + ": expected minLength: 1, actual: 0")
			continue
		}
		req.Inference.StopSequences = append(req.Inference.StopSequences, s)
	}
	if len(problems) > 0 {
		return nil, Style{}, nativejson.Malformed(problems)
	}
	system, msgs, style, err := ParsePrompt(prompt)
	if err != nil {
		return nil, Style{}, nativejson.Malformed([]string{"#/prompt: " + err.Error()})
	}
	req.System, req.Messages = system, msgs
	return req, style, nil
}

// The chat template's special tokens.
const (
	bos       = "<｜begin▁of▁sentence｜>"
	eos       = "<｜end▁of▁sentence｜>"
	userTok   = "<｜User｜>"
	assistTok = "<｜Assistant｜>"
	thinkOpen = "<think>"
	thinkEnd  = "</think>"
)

var ascii = strings.NewReplacer("<|begin_of_sentence|>", bos, "<|end_of_sentence|>", eos,
	"<|begin▁of▁sentence|>", bos, "<|end▁of▁sentence|>", eos, "<|User|>", userTok, "<|Assistant|>", assistTok)

// ParsePrompt turns a prompt in DeepSeek's chat template into the system
// prompt, the conversation and the style (see the package comment); a
// prompt without turn markers is one user message.
func ParsePrompt(prompt string) (system []canon.Block, msgs []canon.Message, style Style, err error) {
	p := ascii.Replace(prompt)
	p = strings.TrimPrefix(strings.TrimLeft(p, " \t\r\n"), bos)
	first := strings.Index(p, userTok)
	if first < 0 {
		if strings.Contains(p, assistTok) {
			return nil, nil, style, nativejson.PromptError("the prompt has an " + assistTok + " turn but no " + userTok + " turn")
		}
		if strings.TrimSpace(p) == "" {
			return nil, nil, style, nativejson.PromptError("the prompt is empty")
		}
		return nil, []canon.Message{{Role: canon.RoleUser, Content: []canon.Block{canon.TextBlock(p)}}}, style, nil
	}
	if s := strings.TrimSpace(p[:first]); s != "" {
		system = []canon.Block{canon.TextBlock(s)}
	}
	p = p[first:]
	type turn struct {
		role canon.Role
		text string
	}
	var turns []turn
	for p != "" {
		var role canon.Role
		switch {
		case strings.HasPrefix(p, userTok):
			role, p = canon.RoleUser, p[len(userTok):]
		case strings.HasPrefix(p, assistTok):
			role, p = canon.RoleAssistant, p[len(assistTok):]
		default:
			return nil, nil, style, nativejson.PromptError("text outside any turn after turn " + strconv.Itoa(len(turns)))
		}
		end := nativejson.TurnEnd(p, userTok, assistTok, eos)
		turns = append(turns, turn{role, p[:end]})
		p = strings.TrimLeft(strings.TrimPrefix(p[end:], eos), " \t\r\n")
	}
	for i, t := range turns {
		text := t.text
		if t.role == canon.RoleAssistant {
			last := i == len(turns)-1
			var open bool
			if text, open, err = stripThink(text, last); err != nil {
				return nil, nil, style, err
			}
			if last && open {
				style.ThinkOpen = true
			}
		}
		if strings.TrimSpace(text) == "" {
			continue
		}
		msgs = nativejson.AppendTurn(msgs, t.role, text)
	}
	if len(msgs) == 0 {
		return nil, nil, style, nativejson.PromptError("the prompt has no user turn with text")
	}
	if msgs[0].Role != canon.RoleUser {
		return nil, nil, style, nativejson.PromptError("the conversation must start with a user turn")
	}
	return system, msgs, style, nil
}

// stripThink removes an assistant turn's think section. For the final turn,
// open reports a think block left open for the answer to continue.
func stripThink(text string, last bool) (out string, open bool, err error) {
	t := strings.TrimLeft(text, " \t\r\n")
	rest, ok := strings.CutPrefix(t, thinkOpen)
	if !ok {
		return text, false, nil
	}
	if _, after, closed := strings.Cut(rest, thinkEnd); closed {
		return strings.TrimLeft(after, " \t\r\n"), false, nil
	}
	if !last {
		return "", false, nativejson.PromptError("an assistant turn opens " + thinkOpen + " without closing it")
	}
	if strings.TrimSpace(rest) != "" {
		return "", false, nativejson.PromptError("the final assistant turn holds unfinished reasoning after " + thinkOpen +
			"; this gateway cannot continue it (end the prompt with " + thinkOpen + " or close the block)")
	}
	return "", true, nil
}

// Response is R1's answer body.
type Response struct {
	Choices []Choice `json:"choices"`
}

// Choice is the one completion of an answer.
type Choice struct {
	Text       string `json:"text"`
	StopReason string `json:"stop_reason"`
}

// StopReason is R1's word for a canonical stop reason.
func StopReason(s canon.StopReason) string {
	if s == canon.StopMaxTokens || s == canon.StopContextWindowExceeded {
		return "length"
	}
	return "stop"
}

// ResponseFromCanon converts a canonical answer: reasoning and text
// rendered as R1 writes them (see the package comment).
func ResponseFromCanon(r *canon.Response, style Style) *Response {
	rd := renderer{open: style.ThinkOpen}
	var sb strings.Builder
	for _, b := range r.Message.Content {
		switch b.Type {
		case canon.BlockReasoning:
			if b.Reasoning != nil {
				sb.WriteString(rd.reasoning(b.Reasoning.Text))
			}
		case canon.BlockText:
			sb.WriteString(rd.text(b.Text))
		}
	}
	return &Response{Choices: []Choice{{Text: sb.String(), StopReason: StopReason(r.StopReason)}}}
}

// renderer puts reasoning and text fragments in R1's order, adding the
// think tags where the answer crosses from one to the other.
type renderer struct {
	open      bool // the prompt opened the think block
	reasoned  bool // reasoning text has been written
	answering bool // answer text has been written
}

func (r *renderer) reasoning(s string) string {
	if s == "" || r.answering {
		return s // reasoning after the answer began has no place of its own
	}
	prefix := ""
	if !r.reasoned && !r.open {
		prefix = thinkOpen + "\n"
	}
	r.reasoned = true
	return prefix + s
}

func (r *renderer) text(s string) string {
	if s == "" {
		return ""
	}
	prefix := ""
	if !r.answering {
		switch {
		case r.reasoned:
			prefix = "\n" + thinkEnd + "\n\n"
		case r.open:
			prefix = thinkEnd + "\n\n"
		}
	}
	r.answering = true
	return prefix + s
}

type chunk struct {
	Choices []chunkChoice `json:"choices"`
}

type chunkChoice struct {
	Text       string  `json:"text"`
	StopReason *string `json:"stop_reason"`
}

// Stream encodes an answer as R1's stream chunks. It is not safe for
// concurrent use.
type Stream struct {
	*nativejson.TextStream
	rd renderer
}

// NewStreamEncoder returns the encoder of R1's stream chunks (see the
// package comment); last, if not nil, adds one member to the final chunk.
func NewStreamEncoder(sink func(chunk []byte) error, style Style, last func(u canon.Usage, latencyMs int64) (string, any)) *Stream {
	ts := nativejson.NewTextStream(sink, last,
		func(text string) any { return chunk{Choices: []chunkChoice{{Text: text}}} },
		func(_ canon.Usage, stop canon.StopReason) any {
			reason := StopReason(stop)
			return chunk{Choices: []chunkChoice{{StopReason: &reason}}}
		})
	return &Stream{TextStream: ts, rd: renderer{open: style.ThinkOpen}}
}

// WriteEvent encodes one canonical event; reasoning deltas become text.
func (s *Stream) WriteEvent(ev canon.Event) error {
	if ev.Kind == canon.EventBlockDelta {
		switch ev.Delta {
		case canon.DeltaReasoningText:
			ev.Delta, ev.Text = canon.DeltaText, s.rd.reasoning(ev.Text)
		case canon.DeltaText:
			ev.Text = s.rd.text(ev.Text)
		}
	}
	return s.TextStream.WriteEvent(ev)
}
