// Package cohere is the InvokeModel body dialect of Cohere Command R and
// R+ (cohere.command-r-v1:0, cohere.command-r-plus-v1:0): the request body
// into the canonical request, and canonical answers into Cohere's chat
// response body and stream chunks. It is pure: no I/O.
//
// Request keys: message (required), chat_history, preamble, documents,
// tools, tool_results, max_tokens, temperature, p, k, seed, stop_sequences,
// prompt_truncation, frequency_penalty, presence_penalty,
// search_queries_only, return_prompt, raw_prompting, force_single_step.
// Decisions (the spec marks this body partly unverified):
//
//   - preamble, and SYSTEM turns of chat_history, are the system prompt;
//     USER and CHATBOT turns are user and assistant turns; a CHATBOT turn's
//     tool_calls are tool uses, and a TOOL turn's tool_results (as the
//     top-level tool_results) answer them.
//   - documents are appended to the system prompt as a "Documents:" list,
//     one JSON object a line, so any model can ground on them; Cohere's
//     citations are not produced.
//   - tools' parameter_definitions become a JSON Schema object (str →
//     string, int → integer, float → number, bool → boolean, list → array,
//     dict → object).
//   - frequency_penalty and presence_penalty other than 0,
//     search_queries_only, return_prompt and raw_prompting set to true are
//     refused: the canonical request cannot carry them. prompt_truncation
//     and force_single_step are accepted and have no effect.
//   - finish_reason: COMPLETE (end of turn, stop sequence, tool use),
//     MAX_TOKENS, ERROR_TOXIC (content filtered or guardrail).
//   - Stream chunks are Cohere's chat stream events: stream-start,
//     text-generation per text delta, tool-calls-generation when the tool
//     calls are complete, and stream-end (is_finished true, finish_reason
//     and the whole response) carrying the last-chunk member (Bedrock's
//     "amazon-bedrock-invocationMetrics").
package cohere

import (
	"bytes"
	"encoding/json"
	"github.com/basalt-gateway/basalt/internal/format/nativejson"
	"sort"
	"strconv"
	"strings"

	"github.com/basalt-gateway/basalt/internal/canon"
)

var topKeys = []string{"message", "chat_history", "preamble", "documents", "tools", "tool_results", "max_tokens", "temperature",
	"p", "k", "seed", "stop_sequences", "prompt_truncation", "frequency_penalty", "presence_penalty", "search_queries_only",
	"return_prompt", "raw_prompting", "force_single_step"}

// Turn is one chat_history entry, as requests send it and responses echo it.
type Turn struct {
	Role        string       `json:"role"`
	Message     string       `json:"message,omitempty"`
	ToolCalls   []ToolCall   `json:"tool_calls,omitempty"`
	ToolResults []ToolResult `json:"tool_results,omitempty"`
}

// ToolCall is a call the model made.
type ToolCall struct {
	Name       string          `json:"name"`
	Parameters json.RawMessage `json:"parameters"`
}

// ToolResult is a call's outputs.
type ToolResult struct {
	Call    ToolCall          `json:"call"`
	Outputs []json.RawMessage `json:"outputs"`
}

// Tool is a function the model may call.
type Tool struct {
	Name                 string               `json:"name"`
	Description          string               `json:"description,omitempty"`
	ParameterDefinitions map[string]Parameter `json:"parameter_definitions,omitempty"`
}

// Parameter is one of a tool's parameters.
type Parameter struct {
	Description string `json:"description,omitempty"`
	Type        string `json:"type"`
	Required    bool   `json:"required,omitempty"`
}

// Call is what the answer encoders need of the request: the conversation
// Cohere's response echoes in chat_history.
type Call struct {
	History []Turn
	Message string
}

// DecodeRequest validates a Command R body for modelID and converts it.
// Every problem is a Validation error starting "Malformed input request:"
// that names the bad keys.
func DecodeRequest(modelID string, body []byte) (*canon.Request, *Call, error) {
	var problems []string
	top, ok := nativejson.ParseObject("#", body, &problems, topKeys...)
	if !ok {
		return nil, nil, nativejson.Malformed(problems)
	}
	top.Require("message")
	message, _ := top.Str("message")
	preamble, _ := top.Str("preamble")
	req := &canon.Request{Model: modelID}
	ic := &req.Inference
	ic.MaxTokens = top.Integer("max_tokens", 1, 1_000_000)
	ic.Temperature = top.Number("temperature", 0, 5)
	ic.TopP = top.Number("p", 0, 1)
	ic.TopK = top.Integer("k", 0, 500)
	if s := top.Integer("seed", 0, 1<<31-1); s != nil {
		seed := int64(*s)
		ic.Seed = &seed
	}
	ic.StopSequences = top.Strings("stop_sequences", 100)
	for _, k := range []string{"frequency_penalty", "presence_penalty"} {
		if v := top.Number(k, 0, 1); v != nil && *v != 0 {
			top.Fail(k, "a value other than 0 is not supported by this gateway; leave it out or send 0")
		}
	}
	for _, k := range []string{"search_queries_only", "return_prompt", "raw_prompting", "force_single_step"} {
		if v := top.Get(k); v != nil {
			var b bool
			if json.Unmarshal(v, &b) != nil {
				top.WrongType(k, "Boolean")
			} else if b && k != "force_single_step" {
				top.Fail(k, "true is not supported by this gateway; leave it out or send false")
			}
		}
	}
	if v, ok := top.Str("prompt_truncation"); ok && v != "OFF" && v != "AUTO" && v != "AUTO_PRESERVE_ORDER" {
		top.Fail("prompt_truncation", strconv.Quote(v)+" is not a valid enum value (use OFF, AUTO or AUTO_PRESERVE_ORDER)")
	}
	var history []Turn
	decodeInto(top, "chat_history", &history)
	var docs []map[string]json.RawMessage
	decodeInto(top, "documents", &docs)
	var tools []Tool
	decodeInto(top, "tools", &tools)
	var results []ToolResult
	decodeInto(top, "tool_results", &results)
	if len(problems) > 0 {
		return nil, nil, nativejson.Malformed(problems)
	}

	if preamble != "" {
		req.System = append(req.System, canon.TextBlock(preamble))
	}
	b := &builder{}
	for i, t := range history {
		switch strings.ToUpper(t.Role) {
		case "SYSTEM":
			if t.Message != "" {
				req.System = append(req.System, canon.TextBlock(t.Message))
			}
		case "USER":
			b.add(canon.RoleUser, textBlocks(t.Message)...)
		case "CHATBOT":
			b.add(canon.RoleAssistant, textBlocks(t.Message)...)
			b.calls(t.ToolCalls)
		case "TOOL":
			b.results(t.ToolResults)
		default:
			problems = append(problems, "#/chat_history/"+strconv.Itoa(i)+"/role: "+strconv.Quote(t.Role)+" is not a valid enum value (use USER, CHATBOT, SYSTEM or TOOL)")
		}
	}
	if len(results) > 0 {
		b.results(results)
	}
	b.add(canon.RoleUser, textBlocks(message)...)
	if len(problems) > 0 {
		return nil, nil, nativejson.Malformed(problems)
	}
	if len(b.msgs) == 0 || b.msgs[0].Role != canon.RoleUser || b.msgs[len(b.msgs)-1].Role != canon.RoleUser {
		return nil, nil, nativejson.Malformed([]string{"#/message: the conversation must start and end with a user turn (send a message or tool_results)"})
	}
	if len(docs) > 0 {
		var sb strings.Builder
		sb.WriteString("Documents:")
		for _, d := range docs {
			line, _ := json.Marshal(d)
			sb.WriteString("\n")
			sb.Write(line)
		}
		req.System = append(req.System, canon.TextBlock(sb.String()))
	}
	if len(tools) > 0 {
		req.Tools = &canon.ToolConfig{}
		for _, t := range tools {
			req.Tools.Tools = append(req.Tools.Tools, canon.Tool{Name: t.Name, Description: t.Description, InputSchema: schema(t.ParameterDefinitions)})
		}
	}
	req.Messages = b.msgs
	return req, &Call{History: history, Message: message}, nil
}

// decodeInto decodes top's member k into v, recording a type problem.
func decodeInto(top *nativejson.Object, k string, v any) {
	raw := top.Get(k)
	if raw == nil {
		return
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		msg := strings.TrimPrefix(err.Error(), "json: ")
		if name, ok := strings.CutPrefix(msg, "unknown field "); ok {
			msg = "extraneous key [" + strings.Trim(name, `"`) + "] is not permitted"
		} else {
			msg = "does not match its schema (" + msg + ")"
		}
		top.Fail(k, msg)
	}
}

func textBlocks(s string) []canon.Block {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	return []canon.Block{canon.TextBlock(s)}
}

// builder assembles alternating turns, giving tool calls ids that their
// results refer back to by name and position.
type builder struct {
	msgs    []canon.Message
	pending map[string][]string // tool name → ids of calls not yet answered
	n       int
}

func (b *builder) add(role canon.Role, blocks ...canon.Block) {
	if len(blocks) == 0 {
		return
	}
	if n := len(b.msgs); n > 0 && b.msgs[n-1].Role == role {
		b.msgs[n-1].Content = append(b.msgs[n-1].Content, blocks...)
		return
	}
	b.msgs = append(b.msgs, canon.Message{Role: role, Content: blocks})
}

func (b *builder) calls(calls []ToolCall) {
	for _, c := range calls {
		if b.pending == nil {
			b.pending = map[string][]string{}
		}
		b.n++
		id := "cohere_call_" + strconv.Itoa(b.n)
		b.pending[c.Name] = append(b.pending[c.Name], id)
		in := c.Parameters
		if len(in) == 0 || string(in) == "null" {
			in = json.RawMessage("{}")
		}
		b.add(canon.RoleAssistant, canon.Block{Type: canon.BlockToolUse, ToolUse: &canon.ToolUse{ID: id, Name: c.Name, Input: in}})
	}
}

func (b *builder) results(rs []ToolResult) {
	for _, r := range rs {
		ids := b.pending[r.Call.Name]
		if len(ids) == 0 {
			// A result whose call is not in the history: add the call the
			// result names, so the conversation stays well formed.
			b.calls([]ToolCall{r.Call})
			ids = b.pending[r.Call.Name]
		}
		id := ids[0]
		b.pending[r.Call.Name] = ids[1:]
		var content []canon.Block
		for _, o := range r.Outputs {
			content = append(content, canon.Block{Type: canon.BlockJSON, JSON: o})
		}
		b.add(canon.RoleUser, canon.Block{Type: canon.BlockToolResult, ToolResult: &canon.ToolResult{ToolUseID: id, Content: content}})
	}
}

var paramTypes = map[string]string{"str": "string", "string": "string", "int": "integer", "integer": "integer",
	"float": "number", "number": "number", "bool": "boolean", "boolean": "boolean", "list": "array", "array": "array",
	"dict": "object", "object": "object"}

// schema builds a JSON Schema object from parameter_definitions.
func schema(defs map[string]Parameter) json.RawMessage {
	props := map[string]map[string]string{}
	var required []string
	for name, p := range defs {
		prop := map[string]string{}
		t := strings.ToLower(p.Type)
		if i := strings.IndexAny(t, "[("); i >= 0 { // "List[str]", "Dict[str, Any]"
			t = t[:i]
		}
		if jt, ok := paramTypes[t]; ok {
			prop["type"] = jt
		}
		if p.Description != "" {
			prop["description"] = p.Description
		}
		props[name] = prop
		if p.Required {
			required = append(required, name)
		}
	}
	sort.Strings(required)
	s := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		s["required"] = required
	}
	b, _ := json.Marshal(s)
	return b
}
