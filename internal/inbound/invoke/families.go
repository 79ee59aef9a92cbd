package invoke

import (
	"encoding/json"
	"sort"
	"strings"

	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/format/anthropic"
	"github.com/basalt-gateway/basalt/internal/format/cohere"
	"github.com/basalt-gateway/basalt/internal/format/deepseek"
	"github.com/basalt-gateway/basalt/internal/format/llama"
	"github.com/basalt-gateway/basalt/internal/format/mistral"
	"github.com/basalt-gateway/basalt/internal/format/nova"
	"github.com/basalt-gateway/basalt/internal/format/titan"
)

// Catalog family names with a native body format on this surface (the
// strings of internal/catalog/family.go).
const (
	FamilyNova    = "nova"
	FamilyTitan   = "titan-text"
	FamilyLlama   = "llama"
	FamilyMistral = "mistral"
	FamilyCohere  = "cohere-command"
	// The Chat Completions families and DeepSeek-R1 (chat.go).
	FamilyGPTOSS   = "gpt-oss"
	FamilyQwen     = "qwen"
	FamilyDeepSeek = "deepseek"
)

// LastChunkExtra builds the member Bedrock adds to a stream's last chunk.
type LastChunkExtra = func(u canon.Usage, latencyMs int64) (key string, value any)

// chunkEncoder turns canonical events into a family's native stream chunks,
// each one JSON object handed to the sink.
type chunkEncoder interface {
	WriteEvent(ev canon.Event) error
	Finish() error
	Done() bool
}

// codec is one family's native InvokeModel body format.
type codec struct {
	// title names the family in errors ("Amazon Nova (amazon.nova-*)").
	title string
	// decode validates a request body for modelID. style is what the
	// encoders must know of the request beyond the canonical form (Mistral's
	// prompt or chat body style); nil for most families.
	decode func(modelID string, body []byte) (req *canon.Request, style any, err error)
	// response is the unary answer body.
	response func(resp *canon.Response, model string, style any) any
	// stream returns the chunk encoder writing to sink.
	stream func(sink func(chunk []byte) error, model string, style any, last LastChunkExtra) chunkEncoder
	// check, if set, refuses a decoded body for the operation it came on
	// (a Chat Completions body whose "stream" says the other one).
	check func(style any, stream bool) error
}

// plain adapts a family decoder without styles.
func plain(decode func(modelID string, body []byte) (*canon.Request, error)) func(string, []byte) (*canon.Request, any, error) {
	return func(modelID string, body []byte) (*canon.Request, any, error) {
		req, err := decode(modelID, body)
		return req, nil, err
	}
}

var codecs = map[string]codec{
	FamilyClaude: {
		title:  "Anthropic Claude (anthropic.claude-*, the Messages body with anthropic_version \"" + BedrockAnthropicVersion + "\")",
		decode: plain(DecodeClaude),
		response: func(resp *canon.Response, model string, _ any) any {
			return anthropic.ResponseFromCanon(resp, model)
		},
		stream: func(sink func([]byte) error, model string, _ any, last LastChunkExtra) chunkEncoder {
			// Bedrock does not forward Anthropic's ping events.
			s := func(name string, data []byte) error {
				if name == anthropic.EventPing {
					return nil
				}
				return sink(data)
			}
			return anthropic.NewStreamEncoder(s, anthropic.StreamEncoderOptions{Model: model, MessageStopExtra: last})
		},
	},
	FamilyNova: {
		title:    "Amazon Nova (amazon.nova-micro|lite|pro|premier-*, amazon.nova-2-lite-*: schemaVersion \"messages-v1\")",
		decode:   plain(nova.DecodeRequest),
		response: func(resp *canon.Response, _ string, _ any) any { return nova.ResponseFromCanon(resp) },
		stream: func(sink func([]byte) error, _ string, _ any, last LastChunkExtra) chunkEncoder {
			return nova.NewStreamEncoder(sink, last)
		},
	},
	FamilyTitan: {
		title:    "Amazon Titan Text (amazon.titan-text-*: inputText, textGenerationConfig)",
		decode:   plain(titan.DecodeRequest),
		response: func(resp *canon.Response, _ string, _ any) any { return titan.ResponseFromCanon(resp) },
		stream: func(sink func([]byte) error, _ string, _ any, last LastChunkExtra) chunkEncoder {
			return titan.NewStreamEncoder(sink, last)
		},
	},
	FamilyLlama: {
		title:    "Meta Llama (meta.llama*: prompt, max_gen_len)",
		decode:   plain(llama.DecodeRequest),
		response: func(resp *canon.Response, _ string, _ any) any { return llama.ResponseFromCanon(resp) },
		stream: func(sink func([]byte) error, _ string, _ any, last LastChunkExtra) chunkEncoder {
			return llama.NewStreamEncoder(sink, last)
		},
	},
	FamilyMistral: {
		title: "Mistral (mistral.*: the prompt body with [INST] or the chat body with messages)",
		decode: func(modelID string, body []byte) (*canon.Request, any, error) {
			return mistral.DecodeRequest(modelID, body)
		},
		response: func(resp *canon.Response, _ string, style any) any {
			st, _ := style.(mistral.Style)
			return mistral.ResponseFromCanon(resp, st)
		},
		stream: func(sink func([]byte) error, _ string, style any, last LastChunkExtra) chunkEncoder {
			st, _ := style.(mistral.Style)
			return mistral.NewStreamEncoder(sink, st, last)
		},
	},
	FamilyCohere: {
		title: "Cohere Command R (cohere.command-r-*: message, chat_history, documents)",
		decode: func(modelID string, body []byte) (*canon.Request, any, error) {
			return cohere.DecodeRequest(modelID, body)
		},
		response: func(resp *canon.Response, _ string, style any) any {
			call, _ := style.(*cohere.Call)
			return cohere.ResponseFromCanon(resp, call)
		},
		stream: func(sink func([]byte) error, _ string, style any, last LastChunkExtra) chunkEncoder {
			call, _ := style.(*cohere.Call)
			return cohere.NewStreamEncoder(sink, call, last)
		},
	},
	FamilyGPTOSS: chatCodec("OpenAI gpt-oss (openai.gpt-oss-*: the Chat Completions body with messages, max_completion_tokens, reasoning_effort)",
		chatOptions{textOnly: true, tagReasoning: true}),
	FamilyQwen: chatCodec("Qwen3 (qwen.qwen3-*: the Chat Completions body with messages)", chatOptions{}),
	FamilyDeepSeek: {
		title: "DeepSeek (deepseek.*: the R1 body with prompt, or the Chat Completions body with messages)",
		decode: func(modelID string, body []byte) (*canon.Request, any, error) {
			if hasKey(body, "messages") {
				return decodeChat(modelID, body, chatOptions{})
			}
			return deepseek.DecodeRequest(modelID, body)
		},
		response: func(resp *canon.Response, model string, style any) any {
			if cs, ok := style.(*chatStyle); ok {
				return chatResponse(resp, model, cs)
			}
			st, _ := style.(deepseek.Style)
			return deepseek.ResponseFromCanon(resp, st)
		},
		stream: func(sink func([]byte) error, model string, style any, last LastChunkExtra) chunkEncoder {
			if cs, ok := style.(*chatStyle); ok {
				return newChatChunks(sink, model, cs, last)
			}
			st, _ := style.(deepseek.Style)
			return deepseek.NewStreamEncoder(sink, st, last)
		},
		check: checkChatStream,
	},
}

// Families lists the catalog families whose native bodies InvokeModel
// speaks, sorted.
func Families() []string {
	out := make([]string, 0, len(codecs))
	for f := range codecs {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

// supported describes the families that work, for the error answering
// every other family.
func supported() string {
	var titles []string
	for _, f := range Families() {
		titles = append(titles, codecs[f].title)
	}
	for _, o := range operations {
		titles = append(titles, o.titles...)
	}
	return strings.Join(titles, "; ")
}

// marshalBody encodes a unary answer.
func marshalBody(v any) ([]byte, error) { return json.Marshal(v) }
