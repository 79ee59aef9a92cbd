// Package nova is the InvokeModel body dialect of the Amazon Nova
// understanding models (amazon.nova-micro|lite|pro|premier-*,
// amazon.nova-2-lite-*), schemaVersion "messages-v1": the request body
// into the canonical request, and canonical answers into Nova's response
// body and stream chunks. It is pure: no I/O.
//
// The body uses Converse's vocabulary (system, messages and their content
// blocks, toolConfig), so blocks are validated and converted by the Converse
// dialect (internal/format/bedrock) after this package has checked the keys
// Nova allows. Decisions where Bedrock's documentation is thin (the spec's
// open question 5):
//
//   - inferenceConfig accepts maxTokens, topP and topK as the current Nova
//     docs spell them, and max_new_tokens, top_p and top_k as older AWS
//     samples do; when both spellings are sent the camel-case one wins.
//   - Document, guardContent, citationsContent and searchResult blocks are
//     refused: the Nova guide calls document understanding Converse-only.
//   - Nova 2's top-level reasoningConfig {type: enabled|disabled,
//     maxReasoningEffort: low|medium|high} maps to canonical reasoning.
//   - Usage in answers spells cache counters cacheReadInputTokenCount and
//     cacheWriteInputTokenCount, always present.
package nova

import (
	"bytes"
	"encoding/json"
	"errors"
	"github.com/basalt-gateway/basalt/internal/format/nativejson"
	"strconv"
	"strings"

	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/format/bedrock"
)

// SchemaVersion is the only schemaVersion a body may name.
const SchemaVersion = "messages-v1"

var (
	topKeys       = []string{"schemaVersion", "system", "messages", "inferenceConfig", "toolConfig", "reasoningConfig"}
	inferenceKeys = []string{"maxTokens", "max_new_tokens", "temperature", "topP", "top_p", "topK", "top_k", "stopSequences"}
	reasoningKeys = []string{"type", "maxReasoningEffort"}
)

// DecodeRequest validates a Nova InvokeModel body for modelID and converts
// it. Every problem is a Validation error starting "Malformed input
// request:" that names the bad keys; problems in the conversation itself
// (roles, tool results) read as Converse's do.
func DecodeRequest(modelID string, body []byte) (*canon.Request, error) {
	var problems []string
	top, ok := nativejson.ParseObject("#", body, &problems, topKeys...)
	if !ok {
		return nil, nativejson.Malformed(problems)
	}
	top.Require("messages")
	if v, ok := top.Str("schemaVersion"); ok && v != SchemaVersion {
		top.Fail("schemaVersion", `"`+v+`" is not a valid enum value (use "`+SchemaVersion+`")`)
	}
	var w bedrock.ConverseRequest
	if raw := top.Get("messages"); raw != nil {
		strict(top, "messages", raw, &w.Messages)
	}
	if raw := top.Get("system"); raw != nil {
		strict(top, "system", raw, &w.System)
	}
	if raw := top.Get("toolConfig"); raw != nil {
		var tc bedrock.ToolConfig
		if strict(top, "toolConfig", raw, &tc) {
			w.ToolConfig = &tc
		}
	}
	var inf canon.InferenceConfig
	if raw := top.Get("inferenceConfig"); raw != nil {
		if ic, ok := nativejson.ParseObject("#/inferenceConfig", raw, &problems, inferenceKeys...); ok {
			inf = inference(ic)
		}
	}
	var reasoning *canon.ReasoningConfig
	if raw := top.Get("reasoningConfig"); raw != nil {
		if rc, ok := nativejson.ParseObject("#/reasoningConfig", raw, &problems, reasoningKeys...); ok {
			reasoning = reasoningConfig(rc)
		}
	}
	for i, m := range w.Messages {
		for j, cb := range m.Content {
			for _, k := range refused(cb) {
				problems = append(problems, "#/messages/"+itoa(i)+"/content/"+itoa(j)+": extraneous key ["+k+"] is not permitted")
			}
		}
	}
	for i, sb := range w.System {
		if sb.GuardContent != nil {
			problems = append(problems, "#/system/"+itoa(i)+": extraneous key [guardContent] is not permitted")
		}
	}
	if len(problems) > 0 {
		return nil, nativejson.Malformed(problems)
	}
	req, err := bedrock.ToCanon(modelID, &w)
	if err != nil {
		return nil, err
	}
	req.Inference = inf
	req.Reasoning = reasoning
	return req, nil
}

// refused lists the Converse-only members a Nova content block carries.
func refused(cb bedrock.ContentBlock) []string {
	var ks []string
	if cb.Document != nil {
		ks = append(ks, "document")
	}
	if cb.GuardContent != nil {
		ks = append(ks, "guardContent")
	}
	if len(cb.CitationsContent) > 0 {
		ks = append(ks, "citationsContent")
	}
	if len(cb.SearchResult) > 0 {
		ks = append(ks, "searchResult")
	}
	return ks
}

func inference(ic *nativejson.Object) canon.InferenceConfig {
	var out canon.InferenceConfig
	out.MaxTokens = ic.Integer("maxTokens", 1, 1_000_000)
	if alt := ic.Integer("max_new_tokens", 1, 1_000_000); out.MaxTokens == nil {
		out.MaxTokens = alt
	}
	out.Temperature = ic.Number("temperature", 0, 1)
	out.TopP = ic.Number("topP", 0, 1)
	if alt := ic.Number("top_p", 0, 1); out.TopP == nil {
		out.TopP = alt
	}
	out.TopK = ic.Integer("topK", 0, 1<<31-1)
	if alt := ic.Integer("top_k", 0, 1<<31-1); out.TopK == nil {
		out.TopK = alt
	}
	out.StopSequences = ic.Strings("stopSequences", 2500)
	return out
}

func reasoningConfig(rc *nativejson.Object) *canon.ReasoningConfig {
	rc.Require("type")
	typ, _ := rc.Str("type")
	effort, hasEffort := rc.Str("maxReasoningEffort")
	if hasEffort && effort != "low" && effort != "medium" && effort != "high" {
		rc.Fail("maxReasoningEffort", `"`+effort+`" is not a valid enum value (use "low", "medium" or "high")`)
	}
	switch typ {
	case "enabled":
		return &canon.ReasoningConfig{Effort: effort}
	case "disabled", "":
		return nil
	}
	rc.Fail("type", `"`+typ+`" is not a valid enum value (use "enabled" or "disabled")`)
	return nil
}

// strict decodes raw into v refusing unknown members, recording a problem
// under o's key k on failure.
func strict(o *nativejson.Object, k string, raw json.RawMessage, v any) bool {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		return true
	}
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &te):
		path := o.Sub(k)
		if te.Field != "" {
			// te.Field is relative to v's type: "0.content.1.text" or "tools".
			path = o.Path() + "/" + k + "/" + strings.ReplaceAll(te.Field, ".", "/")
		}
		o.Problem(path + ": expected type: " + jsonType(te.Type.Kind().String()) + ", found: " + valueType(te.Value))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		o.Fail(k, "extraneous key ["+name+"] is not permitted")
	case strings.Contains(err.Error(), "base64"):
		o.Fail(k, "a bytes member is not valid base64")
	default:
		o.Fail(k, strings.TrimPrefix(err.Error(), "json: "))
	}
	return false
}

func jsonType(goKind string) string {
	switch goKind {
	case "string":
		return "String"
	case "struct", "map", "ptr":
		return "JSONObject"
	case "slice", "array":
		return "JSONArray"
	case "bool":
		return "Boolean"
	}
	return "Number"
}

// valueType names encoding/json's description of a value as the
// validator does.
func valueType(v string) string {
	switch v {
	case "number", "string", "bool", "array", "object":
		return map[string]string{"number": "Number", "string": "String", "bool": "Boolean", "array": "JSONArray", "object": "JSONObject"}[v]
	}
	return v
}

func itoa(i int) string { return strconv.Itoa(i) }
