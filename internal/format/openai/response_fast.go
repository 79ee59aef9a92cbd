package openai

import (
	"encoding/json"

	"github.com/basalt-gateway/basalt/internal/format/jsonbytes"
)

// parseResponseFast decodes a chat completion without reflection, which
// took most of the time the provider spent on an answer: it returns what
// json.Unmarshal into a ChatResponse returns, or false where that takes
// more than a read of the text (see jsonbytes.Fields), and ParseResponse
// then decodes the ordinary way.
func parseResponseFast(body []byte) (*ChatResponse, bool) {
	if !json.Valid(body) {
		return nil, false
	}
	if _, ok := jsonbytes.Object(body); !ok {
		return nil, false
	}
	r := new(ChatResponse)
	ok := jsonbytes.Fields(body, responseKeys, func(i int, v []byte) bool {
		switch i {
		case 0:
			return jsonbytes.DecodeString(v, &r.ID)
		case 1:
			return jsonbytes.DecodeString(v, &r.Object)
		case 2:
			return jsonbytes.DecodeInt64(v, &r.Created)
		case 3:
			return jsonbytes.DecodeString(v, &r.Model)
		case 4:
			return fastChoices(v, &r.Choices)
		case 5:
			return fastUsage(v, &r.Usage)
		case 6:
			return jsonbytes.DecodeString(v, &r.ServiceTier)
		}
		return jsonbytes.DecodeString(v, &r.SystemFingerprint)
	})
	return r, ok
}

// The JSON names of the fields of ChatResponse and the types in it, in
// the order the decoders below number them.
var (
	responseKeys         = []string{"id", "object", "created", "model", "choices", "usage", "service_tier", "system_fingerprint"}
	choiceKeys           = []string{"index", "message", "finish_reason", "logprobs"}
	responseMessageKeys  = []string{"role", "content", "name", "refusal", "tool_calls", "tool_call_id", "reasoning_content", "reasoning"}
	toolCallFieldKeys    = []string{"id", "type", "function"}
	functionKeys         = []string{"name", "arguments"}
	usageKeys            = []string{"prompt_tokens", "completion_tokens", "total_tokens", "prompt_tokens_details", "completion_tokens_details", "prompt_cache_hit_tokens"}
	promptDetailKeys     = []string{"cached_tokens", "cache_write_tokens", "audio_tokens"}
	completionDetailKeys = []string{"reasoning_tokens", "audio_tokens"}
)

func fastChoices(v []byte, dst *[]Choice) bool {
	n, isNull, ok := jsonbytes.Count(v)
	if !ok || isNull {
		*dst = nil
		return ok
	}
	list := make([]Choice, 0, n)
	_, _, ok = jsonbytes.List(v, func(ev []byte) bool {
		list = append(list, Choice{})
		c := &list[len(list)-1]
		return jsonbytes.Fields(ev, choiceKeys, func(i int, v []byte) bool {
			switch i {
			case 0:
				return jsonbytes.DecodeInt(v, &c.Index)
			case 1:
				return fastMessage(v, &c.Message)
			case 2:
				return jsonbytes.DecodeString(v, &c.FinishReason)
			}
			return jsonbytes.DecodeRaw(v, &c.Logprobs)
		})
	})
	*dst = list
	return ok
}

func fastMessage(v []byte, m *Message) bool {
	return jsonbytes.Fields(v, responseMessageKeys, func(i int, v []byte) bool {
		switch i {
		case 0:
			return jsonbytes.DecodeString(v, &m.Role)
		case 1:
			return m.Content.UnmarshalJSON(v) == nil
		case 2:
			return jsonbytes.DecodeString(v, &m.Name)
		case 3:
			return jsonbytes.DecodeStringPtr(v, &m.Refusal)
		case 4:
			return fastToolCalls(v, &m.ToolCalls)
		case 5:
			return jsonbytes.DecodeString(v, &m.ToolCallID)
		case 6:
			return jsonbytes.DecodeString(v, &m.ReasoningContent)
		}
		return jsonbytes.DecodeString(v, &m.Reasoning)
	})
}

func fastToolCalls(v []byte, dst *[]ToolCall) bool {
	n, isNull, ok := jsonbytes.Count(v)
	if !ok || isNull {
		*dst = nil
		return ok
	}
	list := make([]ToolCall, 0, n)
	_, _, ok = jsonbytes.List(v, func(ev []byte) bool {
		list = append(list, ToolCall{})
		tc := &list[len(list)-1]
		return jsonbytes.Fields(ev, toolCallFieldKeys, func(i int, v []byte) bool {
			switch i {
			case 0:
				return jsonbytes.DecodeString(v, &tc.ID)
			case 1:
				return jsonbytes.DecodeString(v, &tc.Type)
			}
			return jsonbytes.Fields(v, functionKeys, func(i int, v []byte) bool {
				if i == 0 {
					return jsonbytes.DecodeString(v, &tc.Function.Name)
				}
				return jsonbytes.DecodeString(v, &tc.Function.Arguments)
			})
		})
	})
	*dst = list
	return ok
}

func fastUsage(v []byte, dst **Usage) bool {
	if jsonbytes.IsNull(v) {
		*dst = nil
		return true
	}
	u := new(Usage)
	*dst = u
	return jsonbytes.Fields(v, usageKeys, func(i int, v []byte) bool {
		switch i {
		case 0:
			return jsonbytes.DecodeInt(v, &u.PromptTokens)
		case 1:
			return jsonbytes.DecodeInt(v, &u.CompletionTokens)
		case 2:
			return jsonbytes.DecodeInt(v, &u.TotalTokens)
		case 3:
			if jsonbytes.IsNull(v) {
				u.PromptTokensDetails = nil
				return true
			}
			d := new(PromptTokensDetails)
			u.PromptTokensDetails = d
			return jsonbytes.Fields(v, promptDetailKeys, func(i int, v []byte) bool {
				switch i {
				case 0:
					return jsonbytes.DecodeInt(v, &d.CachedTokens)
				case 1:
					return jsonbytes.DecodeInt(v, &d.CacheWriteTokens)
				}
				return jsonbytes.DecodeInt(v, &d.AudioTokens)
			})
		case 4:
			if jsonbytes.IsNull(v) {
				u.CompletionTokensDetails = nil
				return true
			}
			d := new(CompletionTokensDetails)
			u.CompletionTokensDetails = d
			return jsonbytes.Fields(v, completionDetailKeys, func(i int, v []byte) bool {
				if i == 0 {
					return jsonbytes.DecodeInt(v, &d.ReasoningTokens)
				}
				return jsonbytes.DecodeInt(v, &d.AudioTokens)
			})
		}
		return jsonbytes.DecodeInt(v, &u.PromptCacheHitTokens)
	})
}
