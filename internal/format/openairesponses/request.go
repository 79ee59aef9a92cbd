package openairesponses

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/basalt-gateway/basalt/internal/apierr"
)

// toolNameRE is what OpenAI, Bedrock and Anthropic all accept as a function name.
var toolNameRE = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)

// known lists every create-request member: accepted ones map to true,
// members openai-go knows but Basalt cannot honour map to false (a 400 that
// says so rather than a silently different answer).
var known = map[string]bool{
	"model": true, "input": true, "instructions": true, "tools": true, "tool_choice": true,
	"max_output_tokens": true, "max_tool_calls": true, "temperature": true, "top_p": true,
	"text": true, "reasoning": true, "metadata": true, "store": true, "background": true,
	"stream": true, "stream_options": true, "previous_response_id": true,
	"parallel_tool_calls": true, "user": true, "safety_identifier": true,
	"prompt_cache_key": true, "prompt_cache_retention": true, "prompt_cache_options": true,
	"service_tier": true, "truncation": true, "include": true, "top_logprobs": true,
	"conversation": false, "prompt": false, "context_management": false,
	"moderation": false, "image": false, "access_programs": true,
}

// wireRequest is the create body; members are decoded one by one.
type wireRequest struct {
	Model              *string           `json:"model"`
	Input              json.RawMessage   `json:"input"`
	Instructions       *string           `json:"instructions"`
	Tools              []json.RawMessage `json:"tools"`
	ToolChoice         json.RawMessage   `json:"tool_choice"`
	MaxOutputTokens    *float64          `json:"max_output_tokens"`
	MaxToolCalls       *float64          `json:"max_tool_calls"`
	Temperature        *float64          `json:"temperature"`
	TopP               *float64          `json:"top_p"`
	Text               *wireText         `json:"text"`
	Reasoning          *wireReasoning    `json:"reasoning"`
	Metadata           map[string]string `json:"metadata"`
	Store              *bool             `json:"store"`
	Background         *bool             `json:"background"`
	Stream             *bool             `json:"stream"`
	PreviousResponseID *string           `json:"previous_response_id"`
	ParallelToolCalls  *bool             `json:"parallel_tool_calls"`
	User               *string           `json:"user"`
	SafetyIdentifier   *string           `json:"safety_identifier"`
	PromptCacheKey     *string           `json:"prompt_cache_key"`
	ServiceTier        *string           `json:"service_tier"`
	Truncation         *string           `json:"truncation"`
	TopLogprobs        *float64          `json:"top_logprobs"`
}

type wireText struct {
	Format    *wireFormat `json:"format"`
	Verbosity string      `json:"verbosity"`
}

type wireFormat struct {
	Type        string          `json:"type"`
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Schema      json.RawMessage `json:"schema"`
	Strict      *bool           `json:"strict"`
}

type wireReasoning struct {
	Effort          *string `json:"effort"`
	Summary         *string `json:"summary"`
	GenerateSummary *string `json:"generate_summary"`
}

type wireTool struct {
	Type        string          `json:"type"`
	Name        string          `json:"name"`
	Description *string         `json:"description"`
	Parameters  json.RawMessage `json:"parameters"`
	Strict      *bool           `json:"strict"`
}

// ParamError is the Cause of a validation error about one request member;
// the error body reports it as "param" and "code".
type ParamError struct {
	Param string
	Code  string
}

func (p *ParamError) Error() string { return p.Param + ": " + p.Code }

func paramErr(param, code, format string, args ...any) *apierr.Error {
	return &apierr.Error{Kind: apierr.Validation, Message: fmt.Sprintf(format, args...), Cause: &ParamError{Param: param, Code: code}}
}

// IDFunc returns a fresh id with the given prefix (resp, msg, fc, rs, fco).
type IDFunc func(prefix string) string

// DecodeRequest parses and validates a create body. Input items without an
// id get one from newID. Errors are *apierr.Error of kind Validation.
func DecodeRequest(body []byte, newID IDFunc) (*Request, error) {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(body, &members); err != nil || members == nil {
		return nil, apierr.Validationf("The request body is not a valid JSON object: %s", jsonErr(err))
	}
	var unknown, unsupported []string
	for k := range members {
		ok, isKnown := known[k]
		switch {
		case !isKnown:
			unknown = append(unknown, k)
		case !ok && !isNull(members[k]):
			unsupported = append(unsupported, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, paramErr(unknown[0], "unknown_parameter", "Unknown parameter%s: %s.", plural(len(unknown)), quoteAll(unknown))
	}
	if len(unsupported) > 0 {
		sort.Strings(unsupported)
		return nil, paramErr(unsupported[0], "unsupported_parameter", "Unsupported parameter%s: %s is not supported by this gateway.", plural(len(unsupported)), quoteAll(unsupported))
	}
	var w wireRequest
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, apierr.Validationf("Invalid request body: %s", jsonErr(err))
	}
	r := &Request{Instructions: w.Instructions, Metadata: w.Metadata, Store: w.Store,
		Temperature: w.Temperature, TopP: w.TopP, ParallelToolCalls: w.ParallelToolCalls}
	if w.Model == nil || strings.TrimSpace(*w.Model) == "" {
		return nil, paramErr("model", "missing_required_parameter", "Missing required parameter: 'model'.")
	}
	r.Model = *w.Model
	r.Background = w.Background != nil && *w.Background
	r.Stream = w.Stream != nil && *w.Stream
	r.PreviousResponseID = deref(w.PreviousResponseID)
	r.User, r.SafetyIdentifier, r.PromptCacheKey = deref(w.User), deref(w.SafetyIdentifier), deref(w.PromptCacheKey)
	if r.Background && !r.Stored() {
		return nil, paramErr("background", "invalid_value", "Background mode requires store=true.")
	}
	if err := decodeNumbers(r, &w); err != nil {
		return nil, err
	}
	if err := decodeMetadata(w.Metadata); err != nil {
		return nil, err
	}
	var err error
	if r.Input, err = decodeInput(w.Input, newID); err != nil {
		return nil, err
	}
	if len(r.Input) == 0 && r.PreviousResponseID == "" {
		return nil, paramErr("input", "missing_required_parameter", "Missing required parameter: 'input'.")
	}
	if r.Tools, err = decodeTools(w.Tools); err != nil {
		return nil, err
	}
	if r.ToolChoice, err = decodeToolChoice(w.ToolChoice, r.Tools); err != nil {
		return nil, err
	}
	if r.Text, err = decodeText(w.Text); err != nil {
		return nil, err
	}
	if r.Reasoning, err = decodeReasoning(w.Reasoning); err != nil {
		return nil, err
	}
	if w.ServiceTier != nil {
		switch *w.ServiceTier {
		case "auto", "default", "flex", "priority":
			r.ServiceTier = *w.ServiceTier
		default:
			return nil, paramErr("service_tier", "invalid_value", "Invalid value for 'service_tier': %q; supported values are 'auto', 'default', 'flex' and 'priority'.", *w.ServiceTier)
		}
	}
	if w.Truncation != nil {
		switch *w.Truncation {
		case "auto", "disabled":
			r.Truncation = *w.Truncation
		default:
			return nil, paramErr("truncation", "invalid_value", "Invalid value for 'truncation': %q; supported values are 'auto' and 'disabled'.", *w.Truncation)
		}
	}
	return r, nil
}

func decodeNumbers(r *Request, w *wireRequest) error {
	if w.MaxOutputTokens != nil {
		n := *w.MaxOutputTokens
		if n != math.Trunc(n) || n < 1 || n > math.MaxInt32 {
			return paramErr("max_output_tokens", "invalid_value", "Invalid 'max_output_tokens': expected a positive integer, got %v.", n)
		}
		v := int(n)
		r.MaxOutputTokens = &v
	}
	if w.MaxToolCalls != nil {
		n := *w.MaxToolCalls
		if n != math.Trunc(n) || n < 1 || n > math.MaxInt32 {
			return paramErr("max_tool_calls", "invalid_value", "Invalid 'max_tool_calls': expected a positive integer, got %v.", n)
		}
		v := int(n)
		r.MaxToolCalls = &v
	}
	if t := w.Temperature; t != nil && (*t < 0 || *t > 2) {
		return paramErr("temperature", "decimal_above_max_value", "Invalid 'temperature': expected a value between 0 and 2, got %v.", *t)
	}
	if p := w.TopP; p != nil && (*p < 0 || *p > 1) {
		return paramErr("top_p", "decimal_above_max_value", "Invalid 'top_p': expected a value between 0 and 1, got %v.", *p)
	}
	if n := w.TopLogprobs; n != nil && *n != 0 {
		return paramErr("top_logprobs", "unsupported_parameter", "Unsupported parameter: 'top_logprobs' is not supported by this gateway.")
	}
	return nil
}

func decodeMetadata(m map[string]string) error {
	if len(m) > 16 {
		return paramErr("metadata", "object_above_max_properties", "Invalid 'metadata': too many properties (%d); at most 16 are allowed.", len(m))
	}
	for k, v := range m {
		if len(k) > 64 {
			return paramErr("metadata", "invalid_value", "Invalid 'metadata': key %q is longer than 64 characters.", k[:64]+"…")
		}
		if len(v) > 512 {
			return paramErr("metadata", "invalid_value", "Invalid 'metadata': the value of %q is longer than 512 characters.", k)
		}
	}
	return nil
}

func decodeTools(raw []json.RawMessage) ([]FunctionTool, error) {
	var out []FunctionTool
	seen := map[string]bool{}
	for i, t := range raw {
		var w wireTool
		if err := json.Unmarshal(t, &w); err != nil {
			return nil, paramErr(fmt.Sprintf("tools[%d]", i), "invalid_type", "Invalid 'tools[%d]': %s", i, jsonErr(err))
		}
		if w.Type != "function" {
			return nil, paramErr(fmt.Sprintf("tools[%d].type", i), "unsupported_value",
				"Tool type %q (tools[%d]) is not supported by this gateway: only function tools are; built-in tools such as web_search, file_search, code_interpreter and mcp are not.", w.Type, i)
		}
		if !toolNameRE.MatchString(w.Name) {
			return nil, paramErr(fmt.Sprintf("tools[%d].name", i), "invalid_value",
				"Invalid 'tools[%d].name': %q must be 1-64 letters, digits, underscores or hyphens.", i, w.Name)
		}
		if seen[w.Name] {
			return nil, paramErr(fmt.Sprintf("tools[%d].name", i), "invalid_value", "Invalid 'tools[%d].name': the tool name %q is used twice.", i, w.Name)
		}
		seen[w.Name] = true
		params := bytes.TrimSpace(w.Parameters)
		if len(params) == 0 || isNull(params) {
			params = []byte(`{"type":"object","properties":{}}`)
		} else if params[0] != '{' {
			return nil, paramErr(fmt.Sprintf("tools[%d].parameters", i), "invalid_type", "Invalid 'tools[%d].parameters': expected a JSON Schema object.", i)
		}
		out = append(out, FunctionTool{Type: "function", Name: w.Name, Description: w.Description,
			Parameters: json.RawMessage(params), Strict: w.Strict != nil && *w.Strict})
	}
	return out, nil
}

func decodeToolChoice(raw json.RawMessage, tools []FunctionTool) (json.RawMessage, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || isNull(raw) {
		return nil, nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		switch s {
		case "none", "auto", "required":
			if s == "required" && len(tools) == 0 {
				return nil, paramErr("tool_choice", "invalid_value", "Invalid value for 'tool_choice': 'required' needs at least one tool in 'tools'.")
			}
			return raw, nil
		}
		return nil, paramErr("tool_choice", "invalid_value", "Invalid value for 'tool_choice': %q; supported values are 'none', 'auto', 'required' or {\"type\": \"function\", \"name\": …}.", s)
	}
	var o struct {
		Type string `json:"type"`
		Name string `json:"name"`
	}
	if err := json.Unmarshal(raw, &o); err != nil {
		return nil, paramErr("tool_choice", "invalid_type", "Invalid 'tool_choice': %s", jsonErr(err))
	}
	if o.Type != "function" {
		return nil, paramErr("tool_choice", "unsupported_value", "tool_choice of type %q is not supported by this gateway; use 'none', 'auto', 'required' or {\"type\": \"function\", \"name\": …}.", o.Type)
	}
	if !slices.ContainsFunc(tools, func(t FunctionTool) bool { return t.Name == o.Name }) {
		return nil, paramErr("tool_choice", "invalid_value", "Invalid 'tool_choice': the function %q is not among the request's tools.", o.Name)
	}
	return json.Marshal(o)
}

func decodeText(w *wireText) (*TextConfig, error) {
	if w == nil {
		return nil, nil
	}
	tc := &TextConfig{Format: TextFormat{Type: "text"}, Verbosity: w.Verbosity}
	switch w.Verbosity {
	case "", "low", "medium", "high":
	default:
		return nil, paramErr("text.verbosity", "invalid_value", "Invalid value for 'text.verbosity': %q.", w.Verbosity)
	}
	if w.Format == nil {
		return tc, nil
	}
	f := *w.Format
	switch f.Type {
	case "text", "json_object":
		tc.Format = TextFormat{Type: f.Type}
	case "json_schema":
		if !toolNameRE.MatchString(f.Name) {
			return nil, paramErr("text.format.name", "invalid_value", "Invalid 'text.format.name': %q must be 1-64 letters, digits, underscores or hyphens.", f.Name)
		}
		schema := bytes.TrimSpace(f.Schema)
		if len(schema) == 0 || schema[0] != '{' {
			return nil, paramErr("text.format.schema", "missing_required_parameter", "Missing required parameter: 'text.format.schema' (a JSON Schema object).")
		}
		tc.Format = TextFormat{Type: f.Type, Name: f.Name, Description: f.Description, Schema: json.RawMessage(schema), Strict: f.Strict}
	default:
		return nil, paramErr("text.format.type", "invalid_value", "Invalid value for 'text.format.type': %q; supported values are 'text', 'json_object' and 'json_schema'.", f.Type)
	}
	return tc, nil
}

func decodeReasoning(w *wireReasoning) (*ReasoningParam, error) {
	if w == nil {
		return nil, nil
	}
	if w.Effort != nil {
		switch *w.Effort {
		case "none", "minimal", "low", "medium", "high", "xhigh":
		default:
			return nil, paramErr("reasoning.effort", "invalid_value", "Invalid value for 'reasoning.effort': %q; supported values are 'none', 'minimal', 'low', 'medium', 'high' and 'xhigh'.", *w.Effort)
		}
	}
	summary := w.Summary
	if summary == nil {
		summary = w.GenerateSummary
	}
	if summary != nil {
		switch *summary {
		case "auto", "concise", "detailed":
		default:
			return nil, paramErr("reasoning.summary", "invalid_value", "Invalid value for 'reasoning.summary': %q.", *summary)
		}
	}
	return &ReasoningParam{Effort: w.Effort, Summary: summary}, nil
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		if len(n) > 64 {
			n = n[:64] + "…"
		}
		q[i] = "'" + n + "'"
	}
	return strings.Join(q, ", ")
}

// jsonErr turns an encoding/json error into a message without Go type names.
func jsonErr(err error) string {
	if err == nil {
		return "expected an object"
	}
	var te *json.UnmarshalTypeError
	if e, ok := err.(*json.UnmarshalTypeError); ok {
		te = e
	}
	if te != nil {
		field := te.Field
		if field == "" {
			field = "the value"
		}
		return fmt.Sprintf("'%s' has the wrong type (got a JSON %s).", field, te.Value)
	}
	if e, ok := err.(*json.SyntaxError); ok {
		return fmt.Sprintf("invalid JSON at byte %d.", e.Offset)
	}
	return "invalid JSON."
}
