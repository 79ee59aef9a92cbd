package advisor

import (
	"strings"

	"github.com/basalt-gateway/basalt/internal/catalog"
)

// seedList is a list of models the selection guide names, as base-id
// prefixes, with the fit it confers.
type seedList struct {
	fit      float64
	why      string
	prefixes []string
}

// The guide's lists. Indexes are bit positions in entry.lists.
const (
	listChat = iota
	listChatStep1
	listTextAutomation
	listReasoningCoding
	listImageUnderstanding
	listImageGeneration
	listVideoGeneration
	listMediaEmbeddings
	listRealtimeVoice
	listModeration
	listOpenAI
	listAnthropic
	numLists
)

var seedLists = [numLists]seedList{
	listChat: {1.0, "named by the selection guide for a general enterprise assistant (Nova Pro / Nova Lite / Nova 2 Lite, Claude, Llama, Mistral)",
		[]string{"amazon.nova-pro", "amazon.nova-lite", "amazon.nova-2-lite", "anthropic.claude", "meta.llama", "mistral."}},
	listChatStep1: {0.8, "in the selection guide's list of Converse chat candidates (gpt-oss, Qwen, DeepSeek, Cohere Command)",
		[]string{"openai.gpt-oss", "qwen.", "deepseek.", "cohere.command"}},
	listTextAutomation: {1.0, "named by the selection guide for low-cost, fast text automation (Nova Micro / Nova Lite / Nova 2 Lite)",
		[]string{"amazon.nova-micro", "amazon.nova-lite", "amazon.nova-2-lite"}},
	listReasoningCoding: {1.0, "named by the selection guide for complex reasoning and coding (Claude, OpenAI GPT / gpt-oss, Devstral, Qwen Coder, DeepSeek, Kimi Thinking)",
		[]string{"anthropic.claude", "openai.gpt", "mistral.devstral", "qwen.qwen3-coder", "deepseek.", "moonshot.kimi-k2-thinking", "moonshotai.kimi-k2-thinking"}},
	listImageUnderstanding: {1.0, "named by the selection guide for image understanding (Nova Lite / Pro / 2 Lite, Claude, Llama vision, Qwen VL, Pixtral, Palmyra Vision)",
		[]string{"amazon.nova-lite", "amazon.nova-pro", "amazon.nova-2-lite", "anthropic.claude", "meta.llama", "qwen.qwen3-vl", "mistral.pixtral", "writer.palmyra-vision"}},
	listImageGeneration: {1.0, "named by the selection guide for image generation and editing (Nova Canvas, Titan Image Generator, Stability AI)",
		[]string{"amazon.nova-canvas", "amazon.titan-image", "stability."}},
	listVideoGeneration: {1.0, "named by the selection guide for video generation (Nova Reel)",
		[]string{"amazon.nova-reel"}},
	listMediaEmbeddings: {1.0, "named by the selection guide for video and audio embeddings (TwelveLabs Marengo, Nova Multimodal Embeddings)",
		[]string{"twelvelabs.marengo", "amazon.nova-2-multimodal-embeddings", "amazon.nova-multimodal-embeddings"}},
	listRealtimeVoice: {1.0, "named by the selection guide for real-time voice (Nova Sonic, Nova 2 Sonic)",
		[]string{"amazon.nova-sonic", "amazon.nova-2-sonic"}},
	listModeration: {1.0, "named by the selection guide for moderation-style classification (gpt-oss-safeguard)",
		[]string{"openai.gpt-oss-safeguard"}},
	listOpenAI: {0.9, "in the selection guide's list for OpenAI-style apps on bedrock-mantle (GPT / gpt-oss, Qwen, Mistral, MiniMax, DeepSeek, Nemotron, GLM, Grok, Gemma)",
		[]string{"openai.gpt", "qwen.", "mistral.", "minimax.", "deepseek.", "nvidia.nemotron", "zai.glm", "xai.grok", "google.gemma"}},
	listAnthropic: {0.9, "in the selection guide's list for the Anthropic Messages API (Claude)",
		[]string{"anthropic.claude"}},
}

func listsOf(id string) uint32 {
	var bits uint32
	for i, l := range seedLists {
		for _, p := range l.prefixes {
			if strings.HasPrefix(id, p) {
				bits |= 1 << i
				break
			}
		}
	}
	return bits
}

// costUnit is what a role's models are billed by.
type costUnit uint8

const (
	unitTokens      costUnit = iota // blended USD per 1M input/output tokens
	unitEmbedTokens                 // USD per 1M input tokens
	unitImage                       // USD per output image
	unitVideoSecond                 // USD per input video second
	unitQuery                       // USD per 1000 rerank queries
	unitNone                        // no price field covers it
)

// bounds of the log-scaled cost score per unit: lo scores 1, hi scores 0.
var unitBounds = [...]struct{ lo, hi float64 }{
	unitTokens:      {0.05, 50},
	unitEmbedTokens: {0.01, 1},
	unitImage:       {0.005, 0.5},
	unitVideoSecond: {0.0001, 0.01},
	unitQuery:       {0.5, 5},
	unitNone:        {1, 10},
}

// roleSpec is one role of a workload.
type roleSpec struct {
	role     Role
	tag      catalog.Workload // the catalog workload tag of candidates
	list     int              // the guide's list for this role, -1 if none
	primary  bool             // gets --require, --min-context, --min-output
	text     bool             // text generation: the client's APIs apply
	inPrice  bool             // billed per input token: --max-input-price applies
	outPrice bool             // billed per output token: --max-output-price applies
	unit     costUnit
	optional bool
	aws      []API // APIs that serve the role for client aws
	bonus    func(m *catalog.Model) (int, string)
}

func isTrue(b *bool) bool { return b != nil && *b }

func workloadRoles(w Workload) []roleSpec {
	gen := func(tag catalog.Workload, list int, aws ...API) roleSpec {
		return roleSpec{role: RoleGenerator, tag: tag, list: list, primary: true, text: true, inPrice: true, outPrice: true,
			unit: unitTokens, aws: aws}
	}
	switch w {
	case ChatAssistant:
		return []roleSpec{gen(catalog.WorkloadChatAssistant, listChat, Converse)}
	case TextAutomation:
		return []roleSpec{gen(catalog.WorkloadTextAutomation, listTextAutomation, Converse, Invoke)}
	case ReasoningCoding:
		r := gen(catalog.WorkloadReasoningCoding, listReasoningCoding, Converse)
		r.bonus = func(m *catalog.Model) (int, string) {
			if isTrue(m.Capabilities.Reasoning) {
				return 5, "reasons before answering: +5"
			}
			return 0, ""
		}
		return []roleSpec{r}
	case RAG:
		g := gen(catalog.WorkloadRAGGeneration, -1, Converse)
		g.bonus = func(m *catalog.Model) (int, string) {
			n, why := 0, ""
			if isTrue(m.Capabilities.Documents) {
				n, why = 3, "reads documents: +3"
			}
			if isTrue(m.Capabilities.Citations) {
				n += 2
				why = strings.TrimPrefix(why+"; cites sources: +2", "; ")
			}
			return n, why
		}
		return []roleSpec{
			{role: RoleEmbedding, tag: catalog.WorkloadRAGEmbedding, list: -1, inPrice: true, unit: unitEmbedTokens, aws: []API{Invoke}},
			{role: RoleReranker, tag: catalog.WorkloadRAGRerank, list: -1, unit: unitQuery, optional: true, aws: []API{Invoke}},
			g,
		}
	case ImageUnderstanding:
		r := gen(catalog.WorkloadImageUnderstanding, listImageUnderstanding, Converse, Invoke)
		r.bonus = func(m *catalog.Model) (int, string) {
			if isTrue(m.Capabilities.Vision) {
				return 5, "vision known: +5"
			}
			return 0, ""
		}
		return []roleSpec{r}
	case ImageGeneration:
		return []roleSpec{{role: RoleGenerator, tag: catalog.WorkloadImageGeneration, list: listImageGeneration, primary: true,
			unit: unitImage, aws: []API{Invoke}}}
	case VideoGeneration:
		return []roleSpec{{role: RoleGenerator, tag: catalog.WorkloadVideoGeneration, list: listVideoGeneration, primary: true,
			unit: unitNone, aws: []API{AsyncInvoke}}}
	case MediaEmbeddings:
		return []roleSpec{{role: RoleEmbedding, tag: catalog.WorkloadMediaEmbeddings, list: listMediaEmbeddings, primary: true,
			unit: unitVideoSecond, aws: []API{AsyncInvoke, Invoke}}}
	case RealtimeVoice:
		return []roleSpec{{role: RoleVoice, tag: catalog.WorkloadRealtimeVoice, list: listRealtimeVoice, primary: true,
			inPrice: true, outPrice: true, unit: unitTokens, aws: []API{BidirectionalStream}}}
	case Moderation:
		r := gen(catalog.WorkloadModeration, listModeration, Converse)
		r.role = RoleClassifier
		return []roleSpec{r}
	}
	return nil
}

// roleAPIs are the APIs a candidate must serve for the role and client.
func (r *roleSpec) apis(c Client) []API {
	if !r.text {
		return r.aws
	}
	switch {
	case c == ClientOpenAI:
		return []API{Responses, ChatCompletions}
	case c == ClientAnthropic && r.role != RoleClassifier:
		return []API{Messages}
	}
	return r.aws
}

func hasRequire(n *normalized, name string) bool {
	for _, q := range n.require {
		if q == name {
			return true
		}
	}
	return false
}

// answerAPIs applies the guide's step-3 rules.
func answerAPIs(n *normalized) []APIChoice {
	const (
		whyConverse     = "Converse: the AWS-native, model-agnostic chat API; one request shape for every model, so you can switch models"
		whyConverseStr  = "ConverseStream: the same request with the answer streamed as it is generated, for chat UIs"
		whyInvokeRaw    = "InvokeModel: raw, model-specific control (native body and parameters); the guide allows it as well as Converse here"
		whyInvokeStream = "InvokeModelWithResponseStream: InvokeModel with the answer streamed"
		whyResponses    = "Responses (bedrock-mantle, OpenAI-compatible): the newer API, recommended for stateful, agentic and tool-using apps"
		whyChat         = "Chat Completions (bedrock-mantle, OpenAI-compatible): the older, simpler chat API; your app keeps the conversation history"
		whyMessages     = "Messages (bedrock-mantle, Anthropic-compatible): the Claude-native request format; serves Claude models only"
	)
	var out []APIChoice
	add := func(a API, why string) {
		for _, c := range out {
			if c.Name == a {
				return
			}
		}
		out = append(out, APIChoice{Name: a, Why: why})
	}
	stream := hasRequire(n, "streaming")
	textAPIs := func(aws ...API) {
		switch n.Client {
		case ClientOpenAI:
			if n.Workload == ReasoningCoding || hasRequire(n, "tools") || hasRequire(n, "reasoning") {
				add(Responses, whyResponses)
				add(ChatCompletions, whyChat)
			} else {
				add(ChatCompletions, whyChat)
				add(Responses, whyResponses)
			}
			return
		case ClientAnthropic:
			add(Messages, whyMessages)
			return
		}
		for _, a := range aws {
			switch a {
			case Converse:
				add(Converse, whyConverse)
			case ConverseStream:
				add(ConverseStream, whyConverseStr)
			case Invoke:
				add(Invoke, whyInvokeRaw)
			}
		}
		if stream {
			add(ConverseStream, whyConverseStr)
			if len(aws) > 0 && aws[len(aws)-1] == Invoke {
				add(InvokeStream, whyInvokeStream)
			}
		}
	}
	sdkNote := ""
	if n.Client != ClientAWS {
		sdkNote = "; the " + string(n.Client) + "-compatible endpoints do not serve this, so call it with an AWS SDK"
	}
	switch n.Workload {
	case ChatAssistant:
		textAPIs(Converse, ConverseStream)
	case TextAutomation:
		textAPIs(Converse, Invoke)
	case ReasoningCoding:
		textAPIs(Converse, ConverseStream)
	case ImageUnderstanding:
		textAPIs(Converse, Invoke)
	case RAG:
		add(Invoke, "InvokeModel for the embedding model and the optional reranker (the guide: both InvokeModel and Converse serve RAG)"+sdkNote)
		textAPIs(Converse)
	case ImageGeneration:
		add(Invoke, "InvokeModel: image generation and editing (inpaint, outpaint, remove background, upscale, style transfer, search and replace, erase object) take the model's native body; Converse serves no image-generation model"+sdkNote)
	case VideoGeneration:
		add(AsyncInvoke, "StartAsyncInvoke: video generation is long-running; the job writes its output to S3 and you poll GetAsyncInvoke"+sdkNote)
	case MediaEmbeddings:
		add(AsyncInvoke, "StartAsyncInvoke for large video and audio workloads (output written to S3)"+sdkNote)
		add(Invoke, "InvokeModel for smaller supported inputs (text, images, short clips)"+sdkNote)
	case RealtimeVoice:
		add(BidirectionalStream, "InvokeModelWithBidirectionalStream: keeps a full-duplex channel open so audio flows both ways continuously (speech-to-speech, live conversation)"+sdkNote)
	case Moderation:
		add(Guardrails, "Bedrock Guardrails: policy enforcement around generation (ApplyGuardrail, or a guardrail on Converse)")
		if n.Client == ClientAnthropic {
			add(Converse, "Converse to call gpt-oss-safeguard for moderation-style classification (Messages serves Claude only)")
		} else {
			textAPIs(Converse)
			for i := range out {
				if out[i].Name == Converse {
					out[i].Why = "Converse to call gpt-oss-safeguard for moderation-style classification"
				}
			}
		}
	}
	return out
}
