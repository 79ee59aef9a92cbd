package advisor

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/basalt-gateway/basalt/internal/catalog"
)

// Workload is what the caller is building (the guide's steps 1 and 2).
type Workload string

const (
	ChatAssistant      Workload = "chat_assistant"
	TextAutomation     Workload = "text_automation"
	ReasoningCoding    Workload = "reasoning_coding"
	RAG                Workload = "rag"
	ImageUnderstanding Workload = "image_understanding"
	ImageGeneration    Workload = "image_generation"
	VideoGeneration    Workload = "video_generation"
	MediaEmbeddings    Workload = "media_embeddings"
	RealtimeVoice      Workload = "realtime_voice"
	Moderation         Workload = "moderation"
)

// Workloads lists every workload in the guide's order.
func Workloads() []Workload {
	return []Workload{ChatAssistant, TextAutomation, ReasoningCoding, RAG, ImageUnderstanding,
		ImageGeneration, VideoGeneration, MediaEmbeddings, RealtimeVoice, Moderation}
}

// Priority weighs the ranking (see the package comment).
type Priority string

const (
	Balanced Priority = "balanced"
	Cost     Priority = "cost"
	Latency  Priority = "latency"
	Quality  Priority = "quality"
)

// Client is the SDK the caller's program already uses.
type Client string

const (
	ClientAWS       Client = "aws"
	ClientOpenAI    Client = "openai"
	ClientAnthropic Client = "anthropic"
)

// API is an inference API name, exactly as the JSON answer spells it.
type API string

const (
	Converse            API = "converse"
	ConverseStream      API = "converse_stream"
	Invoke              API = "invoke"
	InvokeStream        API = "invoke_stream"
	ChatCompletions     API = "chat_completions"
	Responses           API = "responses"
	Messages            API = "messages"
	AsyncInvoke         API = "async_invoke"
	BidirectionalStream API = "bidirectional_stream"
	Guardrails          API = "guardrails"
)

// Role is a part a model plays in the answer.
type Role string

const (
	RoleGenerator  Role = "generator"
	RoleEmbedding  Role = "embedding"
	RoleReranker   Role = "reranker"
	RoleClassifier Role = "classifier"
	RoleVoice      Role = "voice"
)

// DefaultTop is how many models each role lists when Request.Top is 0.
const DefaultTop = 5

// MaxTop bounds Request.Top.
const MaxTop = 50

// Request is a workload and its constraints. Zero values mean "no
// constraint" (and for Workload, Priority, Client: the default, which
// Understood reports).
type Request struct {
	Workload Workload `json:"workload,omitempty"`
	// Require lists capabilities (vision, tools, reasoning, documents,
	// prompt_caching, streaming, citations, structured_output, guardrails,
	// system_prompt, tool_choice, computer_use, assistant_prefill,
	// adaptive_thinking) and modalities: text, image, document, video and
	// audio are input modalities, embedding and rerank output ones;
	// "input:x" and "output:x" say which explicitly.
	Require []string `json:"require,omitempty"`
	Region  string   `json:"region,omitempty"`
	// MaxInputPrice and MaxOutputPrice are USD per 1M tokens; 0 = no cap.
	MaxInputPrice  float64 `json:"max_input_price,omitempty"`
	MaxOutputPrice float64 `json:"max_output_price,omitempty"`
	MinContext     int     `json:"min_context,omitempty"`
	MinOutput      int     `json:"min_output,omitempty"`
	// MinTPM is the tokens-per-minute quota the model must offer by default.
	MinTPM              int      `json:"min_tpm,omitempty"`
	Priority            Priority `json:"priority,omitempty"`
	Client              Client   `json:"client,omitempty"`
	MonthlyInputTokens  int64    `json:"monthly_input_tokens,omitempty"`
	MonthlyOutputTokens int64    `json:"monthly_output_tokens,omitempty"`
	// Top is how many models to list per role (default DefaultTop).
	Top int `json:"top,omitempty"`
	// ServedOnly ranks only the models Served names a provider for: what
	// the running gateway can actually call.
	ServedOnly bool `json:"served_only,omitempty"`
	// Served, if set, returns the providers of the running gateway that
	// serve a catalog model id (app.App.Served), nil if none; picks it
	// names get the reason "served here by provider X". It is not part of
	// the JSON request.
	Served func(id string) []string `json:"-"`
}

// Understood is the request as the advisor read it, with defaults filled
// in, plus for free text the rules that fired.
type Understood struct {
	Text                string   `json:"text,omitempty"`
	Workload            Workload `json:"workload"`
	Require             []string `json:"require"`
	Region              string   `json:"region,omitempty"`
	MaxInputPrice       float64  `json:"max_input_price,omitempty"`
	MaxOutputPrice      float64  `json:"max_output_price,omitempty"`
	MinContext          int      `json:"min_context,omitempty"`
	MinOutput           int      `json:"min_output,omitempty"`
	MinTPM              int      `json:"min_tpm,omitempty"`
	Priority            Priority `json:"priority"`
	Client              Client   `json:"client"`
	MonthlyInputTokens  int64    `json:"monthly_input_tokens,omitempty"`
	MonthlyOutputTokens int64    `json:"monthly_output_tokens,omitempty"`
	Top                 int      `json:"top"`
	ServedOnly          bool     `json:"served_only,omitempty"`
	// Rules are the free-text rules that fired, in text order.
	Rules []Rule `json:"rules,omitempty"`
	// Notes say which defaults were taken and which constraints did not apply.
	Notes []string `json:"notes,omitempty"`
}

// Rule is one free-text match: the words matched and what they set.
type Rule struct {
	Matched string `json:"matched"`
	Sets    string `json:"sets"`
}

// capability names → accessor. Order is the documented order.
var capNames = [...]string{"vision", "tools", "reasoning", "documents", "prompt_caching", "streaming",
	"citations", "structured_output", "guardrails", "system_prompt",
	"tool_choice", "computer_use", "assistant_prefill", "adaptive_thinking"}

func capValue(c *catalog.Capabilities, name string) *bool {
	switch name {
	case "vision":
		return c.Vision
	case "tools":
		return c.ToolUse
	case "reasoning":
		return c.Reasoning
	case "documents":
		return c.Documents
	case "prompt_caching":
		return c.PromptCaching
	case "streaming":
		return c.Streaming
	case "citations":
		return c.Citations
	case "structured_output":
		return c.StructuredOutput
	case "guardrails":
		return c.Guardrails
	case "system_prompt":
		return c.SystemPrompt
	case "tool_choice":
		return c.ToolChoice
	case "computer_use":
		return c.ComputerUse
	case "assistant_prefill":
		return c.AssistantPrefill
	case "adaptive_thinking":
		return c.AdaptiveThinking
	}
	return nil
}

var requireAliases = map[string]string{
	"tool_use": "tools", "tool": "tools", "function_calling": "tools", "functions": "tools",
	"pdf": "documents", "document_input": "documents", "docs": "documents",
	"json": "structured_output", "json_mode": "structured_output", "thinking": "reasoning",
	"caching": "prompt_caching", "cache": "prompt_caching", "stream": "streaming", "system": "system_prompt",
	"speech": "input:audio", "images": "input:image", "videos": "input:video",
}

var inputModalities = []catalog.Modality{catalog.ModalityText, catalog.ModalityImage, catalog.ModalityDocument,
	catalog.ModalityVideo, catalog.ModalityAudio}
var allModalities = append(slices.Clone(inputModalities), catalog.ModalityEmbedding, catalog.ModalityRerank)

// normRequire canonicalises one --require value: lower case, "-" and " "
// as "_", aliases resolved, and bare modalities given their direction
// ("video" → "input:video", "embedding" → "output:embedding"). ok is false
// for names the advisor does not know.
func normRequire(s string) (string, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.NewReplacer("-", "_", " ", "_").Replace(s)
	if a, ok := requireAliases[s]; ok {
		s = a
	}
	if slices.Contains(capNames[:], s) {
		return s, true
	}
	dir, mod, explicit := strings.Cut(s, ":")
	if !explicit {
		mod = dir
		dir = "input"
		if mod == string(catalog.ModalityEmbedding) || mod == string(catalog.ModalityRerank) {
			dir = "output"
		}
	}
	if (dir != "input" && dir != "output") || !slices.Contains(allModalities, catalog.Modality(mod)) {
		return s, false
	}
	return dir + ":" + mod, true
}

// RequireNames lists the accepted --require values (capabilities, then
// modalities), for help texts.
func RequireNames() []string {
	out := slices.Clone(capNames[:])
	for _, m := range allModalities {
		out = append(out, string(m))
	}
	return out
}

func validRegion(r string) bool {
	// partition-ish prefix, area, number: us-east-1, us-gov-west-1, ap-southeast-4, eusc-de-east-1
	parts := strings.Split(r, "-")
	if len(parts) < 3 || len(parts) > 4 {
		return false
	}
	for i, p := range parts {
		if p == "" {
			return false
		}
		for j := 0; j < len(p); j++ {
			c := p[j]
			if i == len(parts)-1 {
				if c < '0' || c > '9' {
					return false
				}
			} else if c < 'a' || c > 'z' {
				return false
			}
		}
	}
	return len(r) <= 32
}

// Validate reports every problem with r at once, in words a CLI or API user
// can act on. Advise does not require a valid request (an unknown
// requirement simply matches no model), but callers should validate input.
func (r Request) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if r.Workload != "" && !slices.Contains(Workloads(), r.Workload) {
		bad("unknown workload %q (want one of %s)", r.Workload, joinWorkloads())
	}
	for _, q := range r.Require {
		if _, ok := normRequire(q); !ok {
			bad("unknown requirement %q (want a capability or modality: %s)", q, strings.Join(RequireNames(), ", "))
		}
	}
	if r.Region != "" && !validRegion(r.Region) {
		bad("region %q is not an AWS Region name such as us-east-1 or eu-central-1", r.Region)
	}
	for _, p := range []struct {
		name string
		v    float64
	}{{"max_input_price", r.MaxInputPrice}, {"max_output_price", r.MaxOutputPrice}} {
		if math.IsNaN(p.v) || math.IsInf(p.v, 0) || p.v < 0 {
			bad("%s must be a non-negative number of USD per 1M tokens, got %v", p.name, p.v)
		}
	}
	for _, p := range []struct {
		name string
		v    int64
	}{{"min_context", int64(r.MinContext)}, {"min_output", int64(r.MinOutput)}, {"min_tpm", int64(r.MinTPM)},
		{"monthly_input_tokens", r.MonthlyInputTokens}, {"monthly_output_tokens", r.MonthlyOutputTokens}} {
		if p.v < 0 {
			bad("%s must not be negative, got %d", p.name, p.v)
		}
	}
	switch r.Priority {
	case "", Balanced, Cost, Latency, Quality:
	default:
		bad("unknown priority %q (want cost, latency, quality or balanced)", r.Priority)
	}
	switch r.Client {
	case "", ClientAWS, ClientOpenAI, ClientAnthropic:
	default:
		bad("unknown client %q (want aws, openai or anthropic)", r.Client)
	}
	if r.Top < 0 || r.Top > MaxTop {
		bad("top must be between 1 and %d, got %d", MaxTop, r.Top)
	}
	return errors.Join(errs...)
}

func joinWorkloads() string {
	var b strings.Builder
	for i, w := range Workloads() {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(string(w))
	}
	return b.String()
}

// normalized is a Request with defaults applied and requirements parsed.
type normalized struct {
	Request
	require []string // canonical, deduplicated, in the caller's order
	unknown []string // requirement names that matched nothing
	notes   []string
}

func normalize(r Request) normalized {
	n := normalized{Request: r}
	if n.Workload == "" {
		n.Workload = ChatAssistant
		n.notes = append(n.notes, "no workload given: chat_assistant")
	}
	if n.Priority == "" {
		n.Priority = Balanced
	}
	if n.Client == "" {
		n.Client = ClientAWS
	}
	if n.Top <= 0 {
		n.Top = DefaultTop
	}
	if n.Top > MaxTop {
		n.Top = MaxTop
	}
	if n.ServedOnly && n.Served == nil {
		n.notes = append(n.notes, "served_only: no running gateway configuration was given, so no model counts as served")
	}
	for _, q := range r.Require {
		c, ok := normRequire(q)
		if !ok {
			n.unknown = append(n.unknown, q)
			continue
		}
		if !slices.Contains(n.require, c) {
			n.require = append(n.require, c)
		}
	}
	return n
}

func (n *normalized) understood() Understood {
	req := n.require
	if req == nil {
		req = []string{}
	}
	req = append(slices.Clone(req), n.unknown...)
	return Understood{
		Workload: n.Workload, Require: req, Region: n.Region,
		MaxInputPrice: n.MaxInputPrice, MaxOutputPrice: n.MaxOutputPrice,
		MinContext: n.MinContext, MinOutput: n.MinOutput, MinTPM: n.MinTPM,
		Priority: n.Priority, Client: n.Client,
		MonthlyInputTokens: n.MonthlyInputTokens, MonthlyOutputTokens: n.MonthlyOutputTokens,
		Top: n.Top, ServedOnly: n.ServedOnly, Notes: slices.Clone(n.notes),
	}
}
