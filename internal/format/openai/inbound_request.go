package openai

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/format/jsonbytes"
)

// This file is the inbound direction: a Chat Completions request as a
// client sends it to Basalt's /v1/chat/completions, turned into a
// canonical request. Nothing a client sends is dropped silently: every key
// is either mapped, accepted and ignored on purpose (see ignoredKeys), or
// refused with a 400 that names it.

// inboundChat decodes the body with the string-or-array "stop" kept raw;
// the outer Stop field shadows the embedded one.
type inboundChat struct {
	chatRequestNoMethods
	Stop json.RawMessage `json:"stop"`
}

// Keys allowed on each message, part and tool, beyond which a request is
// refused. name and reasoning fields are accepted and ignored.
var (
	messageKeys = map[string]bool{"role": true, "content": true, "name": true, "tool_calls": true,
		"tool_call_id": true, "refusal": true, "reasoning_content": true, "reasoning": true}
	partKeys     = map[string]bool{"type": true, "text": true, "image_url": true, "input_audio": true, "file": true, "refusal": true}
	toolCallKeys = map[string]bool{"id": true, "type": true, "function": true, "index": true}
	toolKeys     = map[string]bool{"type": true, "function": true}
)

// DecodeRequest parses a Chat Completions request body as a client sends
// it. Malformed JSON, values of the wrong type and unknown keys inside
// messages, parts or tools are *apierr.Error of kind Validation; unknown
// top-level keys are kept in Extra for RequestToCanon to judge.
//
// The body is decoded once, into the struct (which checks its syntax
// too); the keys a struct decode cannot report, unknown ones at the top
// level and inside messages, parts and tools, are read off the validated
// text with jsonbytes instead of decoding the body again into maps.
func DecodeRequest(body []byte) (*ChatRequest, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return nil, apierr.Validationf("the request body must be a JSON object")
	}
	in := new(inboundChat)
	if !jsonbytes.Decode(body, in) {
		*in = inboundChat{}
		if err := json.Unmarshal(body, in); err != nil {
			return nil, jsonError(err)
		}
	}
	out := (*ChatRequest)(&in.chatRequestNoMethods) // the decoded struct itself, not a copy
	stop, err := decodeStop(in.Stop)
	if err != nil {
		return nil, err
	}
	out.Stop = stop
	out.Extra = extraKeys(body)
	if err := checkNestedKeys(body); err != nil {
		return nil, err
	}
	return out, nil
}

func decodeStop(raw json.RawMessage) ([]string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil, nil
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, jsonError(err)
		}
		return []string{s}, nil
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, apierr.Validationf("Invalid type for 'stop': expected a string or an array of strings.")
	}
	return list, nil
}

// checkNestedKeys refuses keys inside messages, content parts, tool calls
// and tools that the conversion would otherwise drop without a word. It
// reads the keys off body (which json.Unmarshal has accepted) and decodes
// only an object holding a key it does not know, to judge it exactly as
// checkNestedKeysDecoded does; a body where that function could see
// something else is left to it: one with a key encoding/json would also
// take for messages or tools (it matches without regard to case), or with
// either twice (it merges the second list into the first).
func checkNestedKeys(body []byte) error {
	var msgs, tools []byte
	top, _ := jsonbytes.Object(body)
	for {
		k, v, ok := top.Next()
		if !ok {
			break
		}
		key, plain := jsonbytes.Plain(k)
		switch {
		case plain && string(key) == "messages" && msgs == nil:
			msgs = v
		case plain && string(key) == "tools" && tools == nil:
			tools = v
		case !plain || bytes.EqualFold(key, []byte("messages")) || bytes.EqualFold(key, []byte("tools")):
			// A second list, a case variant or a key spelt with escapes.
			return checkNestedKeysDecoded(body)
		}
	}
	list, ok := listOrNull(msgs)
	if !ok {
		return checkNestedKeysDecoded(body)
	}
	for i := 0; ; i++ {
		m, more := list.Next()
		if !more {
			break
		}
		ok, err := checkMessageKeys(m, i)
		if !ok {
			return checkNestedKeysDecoded(body)
		}
		if err != nil {
			return err
		}
	}
	if list, ok = listOrNull(tools); !ok {
		return checkNestedKeysDecoded(body)
	}
	for i := 0; ; i++ {
		t, more := list.Next()
		if !more {
			break
		}
		if err := checkObjectKeys(t, toolKeys, keyPath{"tools", "", i, 0}); err != nil {
			return err
		}
	}
	return nil
}

// listOrNull iterates an array value; an absent or null one is empty. ok
// is false for any other value.
func listOrNull(v []byte) (jsonbytes.Elements, bool) {
	if len(v) == 0 || jsonbytes.IsNull(v) {
		return jsonbytes.Elements{}, true
	}
	return jsonbytes.Array(v)
}

// checkMessageKeys checks one element of messages, its content parts and
// its tool calls. ok is false if the element is neither an object nor
// null (which the typed decode has already refused).
func checkMessageKeys(msg []byte, i int) (ok bool, err error) {
	if jsonbytes.IsNull(msg) {
		return true, nil
	}
	m, ok := jsonbytes.Object(msg)
	if !ok {
		return false, nil
	}
	var content, calls []byte
	for {
		k, v, more := m.Next()
		if !more {
			break
		}
		key, plain := jsonbytes.Plain(k)
		if !plain || !messageKeys[string(key)] {
			var mm map[string]json.RawMessage
			if err := json.Unmarshal(msg, &mm); err != nil {
				return true, jsonError(err)
			}
			if err := unknownKeys(mm, messageKeys, keyPath{"messages", "", i, 0}); err != nil {
				return true, err
			}
			content, calls = mm["content"], mm["tool_calls"]
			break
		}
		// The last of duplicate keys counts, as in a decoded map.
		switch string(key) {
		case "content":
			content = v
		case "tool_calls":
			calls = v
		}
	}
	if err := checkListKeys(content, partKeys, keyPath{"messages", "content", i, 0}); err != nil {
		return true, err
	}
	return true, checkListKeys(calls, toolCallKeys, keyPath{"messages", "tool_calls", i, 0})
}

// checkListKeys checks the keys of each object in list, an array of
// objects or nulls; any other value is not checked (content that is a
// string, an array holding a string), as checkNestedKeysDecoded does.
func checkListKeys(list []byte, allowed map[string]bool, where keyPath) error {
	elems, ok := jsonbytes.Array(list)
	if !ok {
		return nil
	}
	for probe := elems; ; {
		e, more := probe.Next()
		if !more {
			break
		}
		if e[0] != '{' && !jsonbytes.IsNull(e) {
			return nil
		}
	}
	for j := 0; ; j++ {
		e, more := elems.Next()
		if !more {
			return nil
		}
		where.j = j
		if err := checkObjectKeys(e, allowed, where); err != nil {
			return err
		}
	}
}

// checkObjectKeys refuses the unknown keys of obj, an object or null. Only
// an object with a key outside allowed (or spelt with escapes) is decoded,
// so that duplicate keys and null values count as unknownKeys counts them.
func checkObjectKeys(obj []byte, allowed map[string]bool, where keyPath) error {
	m, ok := jsonbytes.Object(obj)
	if !ok {
		return nil
	}
	for {
		k, _, more := m.Next()
		if !more {
			return nil
		}
		if key, plain := jsonbytes.Plain(k); plain && allowed[string(key)] {
			continue
		}
		var mm map[string]json.RawMessage
		if err := json.Unmarshal(obj, &mm); err != nil {
			return jsonError(err)
		}
		return unknownKeys(mm, allowed, where)
	}
}

// checkNestedKeysDecoded is checkNestedKeys by decoding the lists into
// maps, for the bodies the scan leaves to it.
func checkNestedKeysDecoded(body []byte) error {
	var raw struct {
		Messages []map[string]json.RawMessage `json:"messages"`
		Tools    []map[string]json.RawMessage `json:"tools"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		return jsonError(err)
	}
	for i, m := range raw.Messages {
		if err := unknownKeys(m, messageKeys, keyPath{"messages", "", i, 0}); err != nil {
			return err
		}
		var parts []map[string]json.RawMessage
		if c := bytes.TrimSpace(m["content"]); len(c) > 0 && c[0] == '[' && json.Unmarshal(c, &parts) == nil {
			for j, p := range parts {
				if err := unknownKeys(p, partKeys, keyPath{"messages", "content", i, j}); err != nil {
					return err
				}
			}
		}
		var calls []map[string]json.RawMessage
		if c := bytes.TrimSpace(m["tool_calls"]); len(c) > 0 && c[0] == '[' && json.Unmarshal(c, &calls) == nil {
			for j, tc := range calls {
				if err := unknownKeys(tc, toolCallKeys, keyPath{"messages", "tool_calls", i, j}); err != nil {
					return err
				}
			}
		}
	}
	for i, t := range raw.Tools {
		if err := unknownKeys(t, toolKeys, keyPath{"tools", "", i, 0}); err != nil {
			return err
		}
	}
	return nil
}

// keyPath names an element for an error message, e.g. messages[2] or
// messages[2].content[0]; it is only rendered when there is an error, so
// that checking every message of every request formats nothing.
type keyPath struct {
	list, sub string
	i, j      int
}

func (p keyPath) String() string {
	if p.sub == "" {
		return fmt.Sprintf("%s[%d]", p.list, p.i)
	}
	return fmt.Sprintf("%s[%d].%s[%d]", p.list, p.i, p.sub, p.j)
}

func unknownKeys(m map[string]json.RawMessage, allowed map[string]bool, where keyPath) error {
	var bad []string
	for k, v := range m {
		if !allowed[k] && !isNull(v) {
			bad = append(bad, k)
		}
	}
	if len(bad) == 0 {
		return nil
	}
	sort.Strings(bad)
	return apierr.Validationf("Unrecognized argument(s) in %s: %s. This gateway does not support them.", where.String(), strings.Join(bad, ", "))
}

func isNull(v json.RawMessage) bool {
	v = bytes.TrimSpace(v)
	return len(v) == 0 || bytes.Equal(v, []byte("null"))
}

// jsonError turns an encoding/json error into a client-safe message.
func jsonError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := strings.TrimPrefix(te.Field, "chatRequestNoMethods.")
		want := jsonTypeName(te.Type.Kind().String())
		if field == "messages.content" || strings.HasSuffix(field, ".content") {
			want = "a string or an array of content parts"
		}
		if field == "" {
			field = "the request body"
		} else {
			field = "'" + field + "'"
		}
		return apierr.Wrap(apierr.Validation, err, "Invalid type for %s: expected %s, but got %s.", field, want, te.Value)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return apierr.Wrap(apierr.Validation, err, "We could not parse the JSON body of your request: %v at offset %d.", se, se.Offset)
	}
	return apierr.Wrap(apierr.Validation, err, "The request body is not valid: %v", safeJSONMessage(err))
}

func jsonTypeName(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "slice", "array":
		return "an array"
	case "struct", "map":
		return "an object"
	case "ptr", "interface":
		return "a value"
	}
	return "a number"
}

// safeJSONMessage keeps errors from our own UnmarshalJSON methods, which
// only ever describe the client's input.
func safeJSONMessage(err error) string {
	s := err.Error()
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// ignoredKeys are top-level keys accepted and deliberately not used.
var ignoredKeys = map[string]string{
	"store":            "stored completions are not kept",
	"prompt_cache_key": "a routing hint for OpenAI's cache",
}

// unsupportedKeys are keys refused with a reason when set (null, false,
// empty and default values pass).
var unsupportedKeys = map[string]string{
	"functions":          "the legacy functions parameter is not supported; use tools",
	"function_call":      "the legacy function_call parameter is not supported; use tool_choice",
	"audio":              "audio output is not supported",
	"prediction":         "predicted outputs are not supported",
	"web_search_options": "web search is not supported",
	"verbosity":          "verbosity is not supported",
	"top_logprobs":       "top_logprobs is not supported: this gateway cannot return log probabilities",
}

// RequestToCanon converts a client's Chat Completions request. Anything
// the canonical request cannot carry is an *apierr.Error of kind
// Validation that says so; https image URLs come back in Media.URL for the
// caller to fetch (this package does no I/O).
func RequestToCanon(r *ChatRequest) (*canon.Request, error) {
	if r == nil {
		return nil, apierr.Validationf("the request body is empty")
	}
	if strings.TrimSpace(r.Model) == "" {
		return nil, apierr.Validationf("you must provide a model parameter")
	}
	out := &canon.Request{Model: r.Model, Stream: r.Stream, User: r.User}
	if err := extraToCanon(r, out); err != nil {
		return nil, err
	}
	if r.N != nil && *r.N != 1 {
		return nil, apierr.Validationf("n = %d is not supported: this gateway returns exactly one choice; send n = 1 or leave it out", *r.N)
	}
	for name, v := range map[string]*float64{"frequency_penalty": r.FrequencyPenalty, "presence_penalty": r.PresencePenalty} {
		if v != nil && *v != 0 {
			return nil, apierr.Validationf("%s is not supported by this gateway; leave it out or send 0", name)
		}
	}
	if err := inferenceToCanon(r, &out.Inference); err != nil {
		return nil, err
	}
	switch r.ServiceTier {
	case "", "auto":
	case "default", "flex", "priority":
		out.ServiceTier = r.ServiceTier
	default:
		return nil, apierr.Validationf("Invalid value for 'service_tier': %q is not one of auto, default, flex or priority.", r.ServiceTier)
	}
	reasoning, err := reasoningToCanon(r.ReasoningEffort)
	if err != nil {
		return nil, err
	}
	out.Reasoning = reasoning
	if out.OutputFormat, err = responseFormatToCanon(r.ResponseFormat); err != nil {
		return nil, err
	}
	if out.Tools, err = toolsToCanon(r.Tools, r.ToolChoice); err != nil {
		return nil, err
	}
	b := &msgBuilder{docNames: map[string]int{}}
	if err := b.messages(r.Messages); err != nil {
		return nil, err
	}
	out.System = b.system
	out.Messages = b.turns
	if len(out.Messages) == 0 {
		return nil, apierr.Validationf("messages must contain at least one user or assistant message with content")
	}
	return out, nil
}

// extraToCanon judges every top-level key the wire struct has no field for.
func extraToCanon(r *ChatRequest, out *canon.Request) error {
	var unknown []string
	keys := make([]string, 0, len(r.Extra))
	for k := range r.Extra {
		keys = append(keys, k)
	}
	sort.Strings(keys) // one message for the same request, whatever the map order
	for _, k := range keys {
		v := r.Extra[k]
		if isNull(v) {
			continue
		}
		if _, ok := ignoredKeys[k]; ok {
			continue
		}
		if why, ok := unsupportedKeys[k]; ok {
			return apierr.Validationf("%s", why)
		}
		switch k {
		case "logprobs":
			var b bool
			if json.Unmarshal(v, &b) != nil {
				return apierr.Validationf("Invalid type for 'logprobs': expected a boolean.")
			}
			if b {
				return apierr.Validationf("logprobs is not supported: this gateway cannot return log probabilities; leave it out or send false")
			}
		case "logit_bias":
			var m map[string]json.RawMessage
			if json.Unmarshal(v, &m) != nil {
				return apierr.Validationf("Invalid type for 'logit_bias': expected an object.")
			}
			if len(m) > 0 {
				return apierr.Validationf("logit_bias is not supported by this gateway")
			}
		case "modalities":
			var m []string
			if json.Unmarshal(v, &m) != nil {
				return apierr.Validationf("Invalid type for 'modalities': expected an array of strings.")
			}
			for _, x := range m {
				if x != "text" {
					return apierr.Validationf("modality %q is not supported: this gateway answers with text only", x)
				}
			}
		case "metadata":
			var m map[string]string
			if json.Unmarshal(v, &m) != nil {
				return apierr.Validationf("Invalid type for 'metadata': expected an object of string values.")
			}
			if len(m) > 0 {
				out.RequestMetadata = m
			}
		case "safety_identifier":
			var s string
			if json.Unmarshal(v, &s) != nil {
				return apierr.Validationf("Invalid type for 'safety_identifier': expected a string.")
			}
			if out.User == "" {
				out.User = s
			}
		default:
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return apierr.Validationf("Unrecognized request argument(s) supplied: %s. This gateway does not support them.", strings.Join(unknown, ", "))
	}
	return nil
}

func inferenceToCanon(r *ChatRequest, ic *canon.InferenceConfig) error {
	limit := r.MaxCompletionTokens
	if limit == nil {
		limit = r.MaxTokens
	}
	if limit != nil {
		if *limit < 1 {
			return apierr.Validationf("Invalid 'max_completion_tokens': %d is less than the minimum of 1.", *limit)
		}
		ic.MaxTokens = limit
	}
	if t := r.Temperature; t != nil && (*t < 0 || *t > 2) {
		return apierr.Validationf("Invalid 'temperature': %g is not between 0 and 2.", *t)
	}
	if p := r.TopP; p != nil && (*p < 0 || *p > 1) {
		return apierr.Validationf("Invalid 'top_p': %g is not between 0 and 1.", *p)
	}
	if k := r.TopK; k != nil && *k < 1 {
		return apierr.Validationf("Invalid 'top_k': %d is less than the minimum of 1.", *k)
	}
	ic.Temperature, ic.TopP, ic.TopK, ic.Seed = r.Temperature, r.TopP, r.TopK, r.Seed
	for _, s := range r.Stop {
		if s != "" {
			ic.StopSequences = append(ic.StopSequences, s)
		}
	}
	return nil
}

// reasoningToCanon maps reasoning_effort onto the canonical low, medium
// and high that every provider understands; "none" asks for no reasoning.
func reasoningToCanon(effort string) (*canon.ReasoningConfig, error) {
	switch effort {
	case "", "none":
		return nil, nil
	case "minimal", "low":
		return &canon.ReasoningConfig{Effort: "low"}, nil
	case "medium":
		return &canon.ReasoningConfig{Effort: "medium"}, nil
	case "high", "xhigh", "max":
		return &canon.ReasoningConfig{Effort: "high"}, nil
	}
	return nil, apierr.Validationf("Invalid value for 'reasoning_effort': %q is not one of none, minimal, low, medium, high, xhigh or max.", effort)
}

func responseFormatToCanon(f *ResponseFormat) (*canon.OutputFormat, error) {
	if f == nil {
		return nil, nil
	}
	switch f.Type {
	case "text":
		return nil, nil
	case "json_object":
		return &canon.OutputFormat{Type: "json_object"}, nil
	case "json_schema":
		js := f.JSONSchema
		if js == nil {
			return nil, apierr.Validationf("Missing required parameter: 'response_format.json_schema'.")
		}
		if !ValidToolName(js.Name) {
			return nil, apierr.Validationf("Invalid 'response_format.json_schema.name': %q must match ^[a-zA-Z0-9_-]{1,64}$.", js.Name)
		}
		s := bytes.TrimSpace(js.Schema)
		if len(s) == 0 || s[0] != '{' || !json.Valid(s) {
			return nil, apierr.Validationf("Invalid 'response_format.json_schema.schema': expected a JSON Schema object.")
		}
		return &canon.OutputFormat{Type: "json_schema", Name: js.Name, Description: js.Description, Schema: json.RawMessage(s),
			Strict: js.Strict != nil && *js.Strict}, nil
	}
	return nil, apierr.Validationf("Invalid value for 'response_format.type': %q is not one of text, json_object or json_schema.", f.Type)
}

// ValidToolName reports whether name is what Bedrock accepts as a tool
// name: [a-zA-Z0-9_-]{1,64}.
func ValidToolName(name string) bool {
	if len(name) == 0 || len(name) > 64 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c == '_' || c == '-' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
			return false
		}
	}
	return true
}

var emptySchema = json.RawMessage(`{"type":"object","properties":{}}`)

func toolsToCanon(tools []Tool, choice *ToolChoice) (*canon.ToolConfig, error) {
	if len(tools) == 0 {
		if choice != nil && (choice.Mode == ToolChoiceRequired || choice.Function != "") {
			return nil, apierr.Validationf("Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.")
		}
		if choice != nil && choice.Mode != ToolChoiceNone && choice.Mode != ToolChoiceAuto {
			return nil, apierr.Validationf("Invalid value for 'tool_choice': %q is not one of none, auto or required.", choice.Mode)
		}
		return nil, nil
	}
	tc := &canon.ToolConfig{}
	seen := map[string]bool{}
	for i, t := range tools {
		if t.Type != "function" {
			return nil, apierr.Validationf("tools[%d].type %q is not supported: this gateway takes function tools only", i, t.Type)
		}
		fn := t.Function
		if !ValidToolName(fn.Name) {
			return nil, apierr.Validationf("Invalid 'tools[%d].function.name': %q must match ^[a-zA-Z0-9_-]{1,64}$ (letters, digits, underscores and hyphens, at most 64).", i, fn.Name)
		}
		if seen[fn.Name] {
			return nil, apierr.Validationf("tools[%d]: the tool name %q is used twice", i, fn.Name)
		}
		seen[fn.Name] = true
		schema := bytes.TrimSpace(fn.Parameters)
		switch {
		case isNull(schema):
			schema = emptySchema
		case schema[0] != '{' || !json.Valid(schema):
			return nil, apierr.Validationf("Invalid 'tools[%d].function.parameters': expected a JSON Schema object.", i)
		}
		tc.Tools = append(tc.Tools, canon.Tool{Name: fn.Name, Description: fn.Description, InputSchema: json.RawMessage(schema),
			Strict: fn.Strict != nil && *fn.Strict})
	}
	if choice == nil {
		return tc, nil
	}
	switch {
	case choice.Function != "":
		if !seen[choice.Function] {
			return nil, apierr.Validationf("Invalid value for 'tool_choice': the function %q is not one of the request's tools.", choice.Function)
		}
		tc.Choice = canon.ToolChoice{Mode: canon.ToolChoiceTool, Name: choice.Function}
	case choice.Mode == ToolChoiceAuto:
		tc.Choice = canon.ToolChoice{Mode: canon.ToolChoiceAuto}
	case choice.Mode == ToolChoiceRequired:
		tc.Choice = canon.ToolChoice{Mode: canon.ToolChoiceAny}
	case choice.Mode == ToolChoiceNone:
		tc.Choice = canon.ToolChoice{Mode: canon.ToolChoiceNone}
	default:
		return nil, apierr.Validationf("Invalid value for 'tool_choice': %q is not none, auto, required or {\"type\":\"function\",\"function\":{\"name\":…}}.", choice.Mode)
	}
	return tc, nil
}
