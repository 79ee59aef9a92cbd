package catalog

import (
	"maps"
	"slices"
)

// Status is a model's lifecycle stage.
type Status string

const (
	StatusActive    Status = "active"
	StatusPreview   Status = "preview"
	StatusLegacy    Status = "legacy" // scheduled for retirement or old; check before offering
	StatusEndOfLife Status = "end_of_life"
)

func (s Status) valid() bool {
	switch s {
	case StatusActive, StatusPreview, StatusLegacy, StatusEndOfLife:
		return true
	}
	return false
}

// API names an inference API that can serve a model. The streaming variants
// (ConverseStream, InvokeModelWithResponseStream) are implied by Converse and
// Invoke together with Capabilities.Streaming.
type API string

const (
	APIConverse            API = "converse"
	APIInvoke              API = "invoke"
	APIChatCompletions     API = "chat_completions"
	APIResponses           API = "responses"
	APIMessages            API = "messages"
	APIAsyncInvoke         API = "async_invoke"
	APIBidirectionalStream API = "bidirectional_stream"
)

func (a API) valid() bool {
	switch a {
	case APIConverse, APIInvoke, APIChatCompletions, APIResponses, APIMessages, APIAsyncInvoke, APIBidirectionalStream:
		return true
	}
	return false
}

// Modality is a kind of input or output. Document means PDF and office
// documents as Converse document blocks, not images of pages.
type Modality string

const (
	ModalityText      Modality = "text"
	ModalityImage     Modality = "image"
	ModalityDocument  Modality = "document"
	ModalityVideo     Modality = "video"
	ModalityAudio     Modality = "audio"
	ModalityEmbedding Modality = "embedding"
	ModalityRerank    Modality = "rerank"
)

func (m Modality) valid() bool {
	switch m {
	case ModalityText, ModalityImage, ModalityDocument, ModalityVideo, ModalityAudio, ModalityEmbedding, ModalityRerank:
		return true
	}
	return false
}

// Workload is a use the model selection guide recommends a model for; the
// advisor starts from these. RAG is split by role.
type Workload string

const (
	WorkloadChatAssistant       Workload = "chat_assistant"
	WorkloadTextAutomation      Workload = "text_automation"
	WorkloadReasoningCoding     Workload = "reasoning_coding"
	WorkloadRAGEmbedding        Workload = "rag_embedding"
	WorkloadRAGRerank           Workload = "rag_rerank"
	WorkloadRAGGeneration       Workload = "rag_generation"
	WorkloadImageUnderstanding  Workload = "image_understanding"
	WorkloadVideoUnderstanding  Workload = "video_understanding"
	WorkloadImageGeneration     Workload = "image_generation"
	WorkloadVideoGeneration     Workload = "video_generation"
	WorkloadMediaEmbeddings     Workload = "media_embeddings"
	WorkloadRealtimeVoice       Workload = "realtime_voice"
	WorkloadModeration          Workload = "moderation"
	WorkloadOpenAICompatible    Workload = "openai_compatible"
	WorkloadAnthropicCompatible Workload = "anthropic_compatible"
)

func (w Workload) valid() bool {
	switch w {
	case WorkloadChatAssistant, WorkloadTextAutomation, WorkloadReasoningCoding, WorkloadRAGEmbedding,
		WorkloadRAGRerank, WorkloadRAGGeneration, WorkloadImageUnderstanding, WorkloadVideoUnderstanding,
		WorkloadImageGeneration, WorkloadVideoGeneration, WorkloadMediaEmbeddings, WorkloadRealtimeVoice,
		WorkloadModeration, WorkloadOpenAICompatible, WorkloadAnthropicCompatible:
		return true
	}
	return false
}

// Model is one catalog entry. Every pointer, and every slice documented as
// nullable, is nil when no source gave the value: callers must treat nil as
// unknown, never as zero, false or "matches".
type Model struct {
	ID           string   `yaml:"id"`
	Aliases      []string `yaml:"aliases,omitempty"`
	Name         string   `yaml:"name"`
	Provider     string   `yaml:"provider"`      // lower-case slug, e.g. "anthropic"
	ProviderName string   `yaml:"provider_name"` // display name, e.g. "Mistral AI"
	Family       string   `yaml:"family"`
	Status       Status   `yaml:"status"`
	EndOfLife    string   `yaml:"end_of_life,omitempty"` // YYYY-MM-DD, "" if unknown

	InputModalities  []Modality `yaml:"input_modalities"`
	OutputModalities []Modality `yaml:"output_modalities"`

	ContextTokens       *int `yaml:"context_tokens"`
	MaxOutputTokens     *int `yaml:"max_output_tokens"`
	EmbeddingDimensions *int `yaml:"embedding_dimensions,omitempty"`

	Price        Price        `yaml:"price"`
	Capabilities Capabilities `yaml:"capabilities"`

	APIs []API `yaml:"apis"`
	// APIsUnverified are attributed to the model's family by a seed or third
	// party, with no per-model source; never route on them without a check.
	APIsUnverified []API `yaml:"apis_unverified,omitempty"`

	// Regions is nil when unknown; a list is evidence of availability, not
	// a complete list (RegionsBasis says what the evidence is).
	Regions      []string `yaml:"regions"`
	RegionsBasis string   `yaml:"regions_basis,omitempty"`
	// InferenceProfiles are system-defined cross-Region profile ids
	// ("us.anthropic.…"). The sources list only some, so Lookup does not
	// require a profile id to appear here.
	InferenceProfiles []string `yaml:"inference_profiles,omitempty"`

	Quotas    Quotas     `yaml:"quotas,omitempty"`
	Workloads []Workload `yaml:"workloads"`

	// Conflicts records values other sources gave: field -> source -> value.
	Conflicts map[string]map[string]float64 `yaml:"conflicts,omitempty"`
	Notes     []string                      `yaml:"notes,omitempty"`
	Sources   []string                      `yaml:"sources"`
}

// Price holds on-demand list prices in USD for the base model id (in
// practice us-east-1). Per-token prices are per 1M tokens.
type Price struct {
	Basis string `yaml:"basis,omitempty"` // where the numbers came from
	AsOf  string `yaml:"as_of,omitempty"` // YYYY-MM-DD of the source copy

	InputPerMTok      *float64 `yaml:"input_per_mtok"`
	OutputPerMTok     *float64 `yaml:"output_per_mtok"`
	CacheReadPerMTok  *float64 `yaml:"cache_read_per_mtok"`
	CacheWritePerMTok *float64 `yaml:"cache_write_per_mtok"`

	PerOutputImage      *float64 `yaml:"per_output_image,omitempty"`
	PerInputImage       *float64 `yaml:"per_input_image,omitempty"`
	PerInputVideoSecond *float64 `yaml:"per_input_video_second,omitempty"`
	PerInputAudioMinute *float64 `yaml:"per_input_audio_minute,omitempty"`
	Per1KQueries        *float64 `yaml:"per_1k_queries,omitempty"`
	// PerOutputImageBySizeSteps keys are "<width>-x-<height>/<steps>-steps".
	PerOutputImageBySizeSteps map[string]float64 `yaml:"per_output_image_by_size_steps,omitempty"`

	LongContext *LongContextPrice `yaml:"long_context,omitempty"`
	Batch       *TokenPrice       `yaml:"batch,omitempty"`
	// Profiles is keyed by geo prefix without the dot ("us", "global"). A
	// missing key does not mean "same as base": no source had a row.
	Profiles map[string]TokenPrice `yaml:"profiles,omitempty"`
	// Regions is keyed by Region for in-Region calls with the base id.
	Regions map[string]TokenPrice `yaml:"regions,omitempty"`
}

// TokenPrice is a pair of per-1M-token prices.
type TokenPrice struct {
	InputPerMTok  *float64 `yaml:"input_per_mtok"`
	OutputPerMTok *float64 `yaml:"output_per_mtok"`
}

// LongContextPrice applies to the whole request once the prompt exceeds
// AboveTokens.
type LongContextPrice struct {
	AboveTokens   int      `yaml:"above_tokens"`
	InputPerMTok  *float64 `yaml:"input_per_mtok"`
	OutputPerMTok *float64 `yaml:"output_per_mtok"`
}

// Tokens returns the per-token prices that apply to a call made through the
// given geo prefix ("" for a base id) in the given Region ("" if unknown).
// exact is false when no source had a row for that route and the base price
// was returned instead, so a quote should say "may differ".
func (p *Price) Tokens(geoPrefix, region string) (tp TokenPrice, exact bool) {
	base := TokenPrice{InputPerMTok: p.InputPerMTok, OutputPerMTok: p.OutputPerMTok}
	if geoPrefix != "" {
		if v, ok := p.Profiles[geoPrefix]; ok {
			return v, true
		}
		return base, false
	}
	if region != "" {
		if v, ok := p.Regions[region]; ok {
			return v, true
		}
		return base, false
	}
	return base, true
}

// known reports whether any on-demand price is known.
func (p *Price) known() bool {
	for _, f := range p.scalarFields() {
		if *f != nil {
			return true
		}
	}
	return len(p.PerOutputImageBySizeSteps) > 0
}

func (p *Price) scalarFields() []**float64 {
	return []**float64{&p.InputPerMTok, &p.OutputPerMTok, &p.CacheReadPerMTok, &p.CacheWritePerMTok,
		&p.PerOutputImage, &p.PerInputImage, &p.PerInputVideoSecond, &p.PerInputAudioMinute, &p.Per1KQueries}
}

// Capabilities are what the model supports through Bedrock. The first ten
// are the ones the advisor filters on; the rest come from LiteLLM flags.
type Capabilities struct {
	Streaming        *bool `yaml:"streaming"`
	ToolUse          *bool `yaml:"tool_use"`
	Vision           *bool `yaml:"vision"`
	Documents        *bool `yaml:"documents"`
	SystemPrompt     *bool `yaml:"system_prompt"`
	Reasoning        *bool `yaml:"reasoning"`
	PromptCaching    *bool `yaml:"prompt_caching"`
	Citations        *bool `yaml:"citations"`
	StructuredOutput *bool `yaml:"structured_output"`
	Guardrails       *bool `yaml:"guardrails"`

	ToolChoice       *bool `yaml:"tool_choice,omitempty"`
	ComputerUse      *bool `yaml:"computer_use,omitempty"`
	AssistantPrefill *bool `yaml:"assistant_prefill,omitempty"`
	AdaptiveThinking *bool `yaml:"adaptive_thinking,omitempty"`
}

func (c *Capabilities) fields() []**bool {
	return []**bool{&c.Streaming, &c.ToolUse, &c.Vision, &c.Documents, &c.SystemPrompt, &c.Reasoning,
		&c.PromptCaching, &c.Citations, &c.StructuredOutput, &c.Guardrails,
		&c.ToolChoice, &c.ComputerUse, &c.AssistantPrefill, &c.AdaptiveThinking}
}

// Quotas are the default per-account limits AWS publishes.
type Quotas struct {
	RequestsPerMinute *int `yaml:"requests_per_minute,omitempty"`
	TokensPerMinute   *int `yaml:"tokens_per_minute,omitempty"`
}

// HasAPI reports whether a serves the model (verified APIs only).
func (m *Model) HasAPI(a API) bool { return slices.Contains(m.APIs, a) }

// HasInput reports whether the model accepts modality x.
func (m *Model) HasInput(x Modality) bool { return slices.Contains(m.InputModalities, x) }

// HasOutput reports whether the model produces modality x.
func (m *Model) HasOutput(x Modality) bool { return slices.Contains(m.OutputModalities, x) }

// Clone returns a deep copy, so a caller may change it without touching the
// catalog it came from.
func (m Model) Clone() Model {
	c := m
	c.Aliases = slices.Clone(m.Aliases)
	c.InputModalities = slices.Clone(m.InputModalities)
	c.OutputModalities = slices.Clone(m.OutputModalities)
	c.ContextTokens = clonePtr(m.ContextTokens)
	c.MaxOutputTokens = clonePtr(m.MaxOutputTokens)
	c.EmbeddingDimensions = clonePtr(m.EmbeddingDimensions)
	c.Price = m.Price.clone()
	dst, src := c.Capabilities.fields(), m.Capabilities.fields()
	for i := range dst {
		*dst[i] = clonePtr(*src[i])
	}
	c.APIs = slices.Clone(m.APIs)
	c.APIsUnverified = slices.Clone(m.APIsUnverified)
	c.Regions = slices.Clone(m.Regions)
	c.InferenceProfiles = slices.Clone(m.InferenceProfiles)
	c.Quotas = Quotas{clonePtr(m.Quotas.RequestsPerMinute), clonePtr(m.Quotas.TokensPerMinute)}
	c.Workloads = slices.Clone(m.Workloads)
	if m.Conflicts != nil {
		c.Conflicts = make(map[string]map[string]float64, len(m.Conflicts))
		for k, v := range m.Conflicts {
			c.Conflicts[k] = maps.Clone(v)
		}
	}
	c.Notes = slices.Clone(m.Notes)
	c.Sources = slices.Clone(m.Sources)
	return c
}

func (p Price) clone() Price {
	c := p
	c.InputPerMTok = clonePtr(p.InputPerMTok)
	c.OutputPerMTok = clonePtr(p.OutputPerMTok)
	c.CacheReadPerMTok = clonePtr(p.CacheReadPerMTok)
	c.CacheWritePerMTok = clonePtr(p.CacheWritePerMTok)
	c.PerOutputImage = clonePtr(p.PerOutputImage)
	c.PerInputImage = clonePtr(p.PerInputImage)
	c.PerInputVideoSecond = clonePtr(p.PerInputVideoSecond)
	c.PerInputAudioMinute = clonePtr(p.PerInputAudioMinute)
	c.Per1KQueries = clonePtr(p.Per1KQueries)
	c.PerOutputImageBySizeSteps = maps.Clone(p.PerOutputImageBySizeSteps)
	if p.LongContext != nil {
		lc := *p.LongContext
		lc.InputPerMTok, lc.OutputPerMTok = clonePtr(lc.InputPerMTok), clonePtr(lc.OutputPerMTok)
		c.LongContext = &lc
	}
	if p.Batch != nil {
		b := p.Batch.clone()
		c.Batch = &b
	}
	c.Profiles = cloneTokenPrices(p.Profiles)
	c.Regions = cloneTokenPrices(p.Regions)
	return c
}

func (t TokenPrice) clone() TokenPrice {
	return TokenPrice{clonePtr(t.InputPerMTok), clonePtr(t.OutputPerMTok)}
}

func cloneTokenPrices(m map[string]TokenPrice) map[string]TokenPrice {
	if m == nil {
		return nil
	}
	c := make(map[string]TokenPrice, len(m))
	for k, v := range m {
		c[k] = v.clone()
	}
	return c
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}
