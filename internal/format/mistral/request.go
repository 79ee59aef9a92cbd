// Package mistral is the InvokeModel body dialect of Mistral AI models
// (mistral.*): the request body into the canonical request, and canonical
// answers into Mistral's response body and stream chunks. It is pure: no
// I/O.
//
// Bedrock's Mistral models take one of two body styles, told apart by
// their keys:
//
//   - Prompt style (Mistral 7B, Mixtral, Large 2402, Small): {"prompt":
//     "<s>[INST] … [/INST]", "max_tokens", "temperature", "top_p", "top_k",
//     "stop"} → {"outputs": [{"text", "stop_reason"}]}. The [INST] template
//     is parsed into turns (ParsePrompt): text inside [INST] … [/INST] is a
//     user turn, text after it an assistant turn (the last one a prefill), a
//     leading <<SYS>> … <</SYS>> block the system prompt; a prompt without
//     [INST] is one user message.
//   - Chat style (Mistral Large 2407 and later): {"messages", "max_tokens",
//     "temperature", "top_p", "top_k", "stop", "tools", "tool_choice",
//     "response_format"}, messages and tools in the OpenAI-like shape Mistral
//     uses (tool_choice also "any", Mistral's word for "required") →
//     {"choices": [{"index": 0, "message": {"role": "assistant", "content",
//     "tool_calls"?}, "stop_reason"}]}.
//
// Decisions: stop_reason is "length" for max_tokens, "tool_calls" for tool
// use (chat style), "stop" otherwise. Stream chunks have the unary shape
// with the text of one delta (prompt style {"outputs": [{"text": "…",
// "stop_reason": null}]}; chat style {"choices": [{"index": 0, "message":
// {"role": "assistant", "content": "…"}, "stop_reason": null}]}, a tool call
// in one chunk when its input is complete), then a final chunk with empty
// text, the stop reason and the last-chunk member (Bedrock's
// "amazon-bedrock-invocationMetrics").
package mistral

import (
	"encoding/json"
	"github.com/basalt-gateway/basalt/internal/format/nativejson"
	"strconv"
	"strings"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/format/openai"
)

// Style is a body style.
type Style uint8

const (
	StylePrompt Style = iota // prompt → outputs
	StyleChat                // messages → choices
)

var (
	promptKeys  = []string{"prompt", "max_tokens", "temperature", "top_p", "top_k", "stop"}
	chatKeys    = []string{"messages", "max_tokens", "temperature", "top_p", "top_k", "stop", "tools", "tool_choice", "response_format"}
	messageKeys = []string{"role", "content", "name", "tool_calls", "tool_call_id", "prefix"}
)

// DecodeRequest validates a Mistral body for modelID, of either style, and
// converts it. Every problem is a Validation error starting "Malformed
// input request:" that names the bad keys.
func DecodeRequest(modelID string, body []byte) (*canon.Request, Style, error) {
	var problems []string
	var probe map[string]json.RawMessage
	_ = json.Unmarshal(body, &probe)
	if _, chat := probe["messages"]; chat {
		req, err := decodeChat(modelID, body)
		return req, StyleChat, err
	}
	top, ok := nativejson.ParseObject("#", body, &problems, promptKeys...)
	if !ok {
		return nil, StylePrompt, nativejson.Malformed(problems)
	}
	top.Require("prompt")
	prompt, _ := top.Str("prompt")
	req := &canon.Request{Model: modelID}
	inference(top, &req.Inference)
	if len(problems) > 0 {
		return nil, StylePrompt, nativejson.Malformed(problems)
	}
	system, msgs, err := ParsePrompt(prompt)
	if err != nil {
		return nil, StylePrompt, nativejson.Malformed([]string{"#/prompt: " + err.Error()})
	}
	req.System, req.Messages = system, msgs
	return req, StylePrompt, nil
}

func inference(top *nativejson.Object, ic *canon.InferenceConfig) {
	ic.MaxTokens = top.Integer("max_tokens", 1, 1_000_000)
	ic.Temperature = top.Number("temperature", 0, 1)
	ic.TopP = top.Number("top_p", 0, 1)
	ic.TopK = top.Integer("top_k", 0, 1_000_000)
	ic.StopSequences = top.Strings("stop", 10)
}

func decodeChat(modelID string, body []byte) (*canon.Request, error) {
	var problems []string
	top, ok := nativejson.ParseObject("#", body, &problems, chatKeys...)
	if !ok {
		return nil, nativejson.Malformed(problems)
	}
	var ic canon.InferenceConfig
	inference(top, &ic)
	var msgs []json.RawMessage
	if !top.Require("messages") {
	} else if json.Unmarshal(top.Get("messages"), &msgs) != nil {
		top.WrongType("messages", "JSONArray")
	} else if len(msgs) == 0 {
		top.Fail("messages", "expected minimum item count: 1, found: 0")
	}
	for i, m := range msgs {
		nativejson.ParseObject("#/messages/"+strconv.Itoa(i), m, &problems, messageKeys...)
	}
	if len(problems) > 0 {
		return nil, nativejson.Malformed(problems)
	}
	// Mistral says "any" where OpenAI says "required".
	if tc := top.Get("tool_choice"); tc != nil && string(tc) == `"any"` {
		top.Raw()["tool_choice"] = json.RawMessage(`"required"`)
		b, err := json.Marshal(top.Raw())
		if err != nil {
			return nil, nativejson.Malformed([]string{"#: " + err.Error()})
		}
		body = b
	}
	cr, err := openai.DecodeRequest(body)
	if err != nil {
		return nil, nativejson.Malformed([]string{"#: " + apierr.As(err).Message})
	}
	cr.Model = modelID
	req, err := openai.RequestToCanon(cr)
	if err != nil {
		return nil, nativejson.Malformed([]string{"#: " + apierr.As(err).Message})
	}
	req.Inference = ic
	return req, nil
}

// ParsePrompt turns a prompt in Mistral's [INST] template into the system
// prompt and the conversation (see the package comment).
func ParsePrompt(prompt string) (system []canon.Block, msgs []canon.Message, err error) {
	p := strings.ReplaceAll(prompt, "<s>", "")
	if !strings.Contains(p, "[INST]") {
		if strings.TrimSpace(p) == "" {
			return nil, nil, nativejson.PromptError("the prompt is empty")
		}
		return nil, []canon.Message{{Role: canon.RoleUser, Content: []canon.Block{canon.TextBlock(strings.ReplaceAll(p, "</s>", ""))}}}, nil
	}
	lead, rest, _ := strings.Cut(p, "[INST]")
	if strings.TrimSpace(lead) != "" {
		return nil, nil, nativejson.PromptError("text before the first [INST]")
	}
	for turn := 0; ; turn++ {
		user, after, ok := strings.Cut(rest, "[/INST]")
		if !ok {
			return nil, nil, nativejson.PromptError("[INST] of turn " + strconv.Itoa(turn) + " without [/INST]")
		}
		user = strings.TrimSpace(user)
		if turn == 0 {
			if s, ok := strings.CutPrefix(user, "<<SYS>>"); ok {
				sys, u, found := strings.Cut(s, "<</SYS>>")
				if !found {
					return nil, nil, nativejson.PromptError("<<SYS>> without <</SYS>>")
				}
				if sys = strings.TrimSpace(sys); sys != "" {
					system = append(system, canon.TextBlock(sys))
				}
				user = strings.TrimSpace(u)
			}
		}
		if user != "" {
			msgs = nativejson.AppendTurn(msgs, canon.RoleUser, user)
		}
		answer, next, more := strings.Cut(after, "[INST]")
		answer = strings.TrimSpace(strings.ReplaceAll(answer, "</s>", ""))
		if answer != "" {
			msgs = nativejson.AppendTurn(msgs, canon.RoleAssistant, answer)
		}
		if !more {
			break
		}
		rest = next
	}
	if len(msgs) == 0 || msgs[0].Role != canon.RoleUser {
		return nil, nil, nativejson.PromptError("the conversation must start with a user turn")
	}
	return system, msgs, nil
}
