package openai

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/format/jsonbytes"
)

// ParseResponse decodes a unary response body. A body that is not a chat
// completion is an *apierr.Error of kind ModelError: the upstream broke its
// contract, not the client.
func ParseResponse(body []byte) (*ChatResponse, error) {
	if resp, ok := parseResponseFast(body); ok {
		return resp, nil
	}
	resp := new(ChatResponse)
	if !jsonbytes.Decode(body, resp) {
		*resp = ChatResponse{}
		if err := json.Unmarshal(body, resp); err != nil {
			return nil, apierr.Wrap(apierr.ModelError, err, "the upstream answered with a body that is not a chat completion")
		}
	}
	return resp, nil
}

// ResponseToCanon converts a unary answer. Only choice 0 is read, since
// Basalt never asks for more than one. Blocks come out as reasoning, text,
// then tool calls: the order a streamed answer has.
func ResponseToCanon(resp *ChatResponse) (*canon.Response, error) {
	if resp == nil {
		return nil, apierr.New(apierr.ModelError, "the upstream answer is empty")
	}
	var ch *Choice
	for i := range resp.Choices {
		if resp.Choices[i].Index == 0 {
			ch = &resp.Choices[i]
			break
		}
	}
	if ch == nil {
		return nil, apierr.New(apierr.ModelError, "the upstream answer has no choice")
	}
	m := &ch.Message
	out := &canon.Response{Message: canon.Message{Role: canon.RoleAssistant}}
	if r := reasoningText(m.ReasoningContent, m.Reasoning); r != "" {
		out.Message.Content = append(out.Message.Content, canon.Block{Type: canon.BlockReasoning, Reasoning: &canon.Reasoning{Text: r}})
	}
	if t := contentText(m.Content); t != "" {
		out.Message.Content = append(out.Message.Content, canon.TextBlock(t))
	}
	if m.Refusal != nil && *m.Refusal != "" {
		out.Message.Content = append(out.Message.Content, canon.TextBlock(*m.Refusal))
	}
	for i, tc := range m.ToolCalls {
		if tc.Function.Name == "" {
			return nil, apierr.New(apierr.ModelError, "the upstream answered with a tool call without a name")
		}
		args := strings.TrimSpace(tc.Function.Arguments)
		if args == "" {
			args = "{}"
		}
		var buf bytes.Buffer
		if err := json.Compact(&buf, []byte(args)); err != nil {
			return nil, apierr.Wrap(apierr.ModelError, err, "the upstream answered with tool call arguments for %q that are not valid JSON", tc.Function.Name)
		}
		id := tc.ID
		if id == "" {
			id = SynthToolCallID(resp.ID, i)
		}
		out.Message.Content = append(out.Message.Content, canon.Block{Type: canon.BlockToolUse,
			ToolUse: &canon.ToolUse{ID: id, Name: tc.Function.Name, Input: json.RawMessage(buf.Bytes())}})
	}
	reason := ch.FinishReason
	if reason == "" {
		reason = FinishStop // a unary answer is complete by construction
	}
	stop, err := StopReasonToCanon(reason, len(m.ToolCalls) > 0)
	if err != nil {
		return nil, err
	}
	out.StopReason = stop
	out.Usage = UsageToCanon(resp.Usage)
	return out, nil
}

// contentText joins string or array content; answers are normally strings.
func contentText(c Content) string {
	if c.Text != nil {
		return *c.Text
	}
	var b strings.Builder
	for _, p := range c.Parts {
		if p.Type == "text" {
			b.WriteString(p.Text)
		}
	}
	return b.String()
}

// reasoningText picks one of the two reasoning fields: servers in
// transition send both with the same text, which must not be doubled.
func reasoningText(reasoningContent, reasoning string) string {
	if reasoningContent != "" {
		return reasoningContent
	}
	return reasoning
}

// StopReasonToCanon maps a finish_reason. hasToolCalls repairs servers
// (older Ollama) that answer "stop" after calling tools. A stop sequence
// cannot be told from a natural stop, so both are end_turn. An empty
// reason is an error: the caller decides whether that means a cut stream.
func StopReasonToCanon(reason string, hasToolCalls bool) (canon.StopReason, error) {
	switch reason {
	case FinishStop:
		if hasToolCalls {
			return canon.StopToolUse, nil
		}
		return canon.StopEndTurn, nil
	case FinishLength:
		return canon.StopMaxTokens, nil
	case FinishToolCalls, FinishFunctionCall:
		return canon.StopToolUse, nil
	case FinishContentFilter:
		return canon.StopContentFiltered, nil
	case "error":
		return "", apierr.New(apierr.ModelStreamError, "the upstream reported an error while generating the answer")
	case "":
		return "", apierr.New(apierr.ModelStreamError, "the upstream answer has no finish reason")
	}
	// Servers add their own reasons (TGI "eos_token", vLLM "abort"); the
	// answer ended either way.
	if hasToolCalls {
		return canon.StopToolUse, nil
	}
	return canon.StopEndTurn, nil
}

// UsageToCanon converts usage to Bedrock semantics: OpenAI's prompt_tokens
// includes cache reads (and writes, where reported), canonical InputTokens
// does not, so they are subtracted once and never counted twice.
func UsageToCanon(u *Usage) canon.Usage {
	if u == nil {
		return canon.Usage{}
	}
	prompt := max(u.PromptTokens, 0)
	cached, written := u.PromptCacheHitTokens, 0
	if d := u.PromptTokensDetails; d != nil {
		if d.CachedTokens > 0 {
			cached = d.CachedTokens
		}
		written = d.CacheWriteTokens
	}
	cached = min(max(cached, 0), prompt)
	written = min(max(written, 0), prompt-cached)
	return canon.Usage{
		InputTokens:      prompt - cached - written,
		OutputTokens:     max(u.CompletionTokens, 0),
		CacheReadTokens:  cached,
		CacheWriteTokens: written,
	}
}

// SynthToolCallID invents an id for a tool call a server sent without one.
// It includes the response id so ids stay unique across turns.
func SynthToolCallID(responseID string, index int) string {
	var b strings.Builder
	b.WriteString("call_")
	n := 0
	for _, r := range responseID {
		if n == 40 {
			break
		}
		if r == '_' || r == '-' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') {
			b.WriteRune(r)
			n++
		}
	}
	if n > 0 {
		b.WriteByte('_')
	}
	b.WriteString(strconv.Itoa(index))
	return b.String()
}
