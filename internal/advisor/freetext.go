package advisor

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// The free-text rules, applied to the lower-cased text with punctuation
// turned into spaces. Every phrase matches on word boundaries. They are
// plain data so that a reader can see exactly why a sentence was read the
// way it was; Understood.Rules lists the ones that fired.

// workloadRules: the workload with the most matching phrases wins; ties go
// to the earlier row. No match: chat_assistant.
var workloadRules = []struct {
	w       Workload
	phrases []string
}{
	{RealtimeVoice, []string{"voice", "speech to speech", "phone call", "phone calls", "call center", "voice agent", "live conversation", "talk to"}},
	{VideoGeneration, []string{"generate video", "generate videos", "video generation", "text to video", "make a video", "create videos", "create a video", "video clips"}},
	{ImageGeneration, []string{"generate images", "generate an image", "generate image", "image generation", "text to image", "create images", "inpaint", "inpainting", "outpaint", "upscale", "remove background", "style transfer", "illustrations", "product photos"}},
	{MediaEmbeddings, []string{"video search", "audio search", "video embeddings", "audio embeddings", "media embeddings", "multimodal embeddings", "search our videos", "embed videos", "search videos"}},
	{Moderation, []string{"moderation", "moderate", "toxic", "toxicity", "content filter", "harmful", "guardrail", "guardrails", "safety"}},
	{RAG, []string{"rag", "retrieval", "knowledge base", "questions over", "over our", "our docs", "our documents", "our pdfs", "enterprise documents", "company documents", "internal documents", "semantic search", "grounded"}},
	{ImageUnderstanding, []string{"image understanding", "describe images", "understand images", "screenshots", "photos", "ocr", "charts", "diagrams", "scanned", "receipts"}},
	{ReasoningCoding, []string{"code", "coding", "codebase", "software", "programming", "debug", "refactor", "reasoning", "math", "agentic", "complex"}},
	{TextAutomation, []string{"summarize", "summarise", "summarization", "summaries", "classify", "classification", "extract", "extraction", "tagging", "sentiment", "translate", "translation", "simple q a"}},
	{ChatAssistant, []string{"chatbot", "chat bot", "assistant", "chat", "customer support", "helpdesk", "conversational"}},
}

// requireRules: each matching row adds its requirement, unless the workload
// already implies the modality (skip).
var requireRules = []struct {
	req     string
	skip    []Workload
	phrases []string
}{
	{"documents", nil, []string{"pdf", "pdfs", "document", "documents", "docx", "word files"}},
	{"vision", []Workload{ImageGeneration, VideoGeneration, MediaEmbeddings}, []string{"image", "images", "screenshot", "screenshots", "photo", "photos", "picture", "pictures", "scanned", "charts", "diagrams", "vision"}},
	{"tools", nil, []string{"tools", "tool use", "function calling", "function calls", "call apis", "agentic"}},
	{"reasoning", nil, []string{"reasoning", "step by step", "thinking", "chain of thought"}},
	{"prompt_caching", nil, []string{"prompt caching", "cache prompts", "cached prompts"}},
	{"streaming", nil, []string{"stream", "streams", "streamed", "streaming", "token by token"}},
	{"citations", nil, []string{"citations", "cite", "cite sources"}},
	{"structured_output", nil, []string{"json", "structured output", "json schema"}},
	{"input:audio", []Workload{RealtimeVoice, MediaEmbeddings}, []string{"audio", "transcribe", "transcription", "transcripts"}},
	{"input:video", []Workload{VideoGeneration, MediaEmbeddings}, []string{"video", "videos"}},
}

var priorityRules = []struct {
	p       Priority
	phrases []string
}{
	{Cost, []string{"cheap", "cheaper", "cheapest", "low cost", "budget", "inexpensive", "affordable", "cost effective", "save money"}},
	{Latency, []string{"fast", "faster", "fastest", "low latency", "quick", "quickly", "snappy", "responsive", "instant"}},
	{Quality, []string{"best", "highest quality", "high quality", "accurate", "most capable", "smartest", "state of the art"}},
}

var clientRules = []struct {
	c       Client
	phrases []string
}{
	{ClientOpenAI, []string{"openai", "chat completions", "responses api", "gpt"}},
	{ClientAnthropic, []string{"anthropic", "claude sdk", "messages api"}},
	{ClientAWS, []string{"boto3", "aws sdk", "converse api"}},
}

// regionNames maps places to the Region there.
var regionNames = []struct{ place, region string }{
	{"n virginia", "us-east-1"}, {"virginia", "us-east-1"}, {"ohio", "us-east-2"}, {"oregon", "us-west-2"},
	{"california", "us-west-1"}, {"frankfurt", "eu-central-1"}, {"ireland", "eu-west-1"}, {"dublin", "eu-west-1"},
	{"london", "eu-west-2"}, {"paris", "eu-west-3"}, {"stockholm", "eu-north-1"}, {"milan", "eu-south-1"},
	{"spain", "eu-south-2"}, {"zurich", "eu-central-2"}, {"tokyo", "ap-northeast-1"}, {"osaka", "ap-northeast-3"},
	{"seoul", "ap-northeast-2"}, {"singapore", "ap-southeast-1"}, {"sydney", "ap-southeast-2"},
	{"melbourne", "ap-southeast-4"}, {"jakarta", "ap-southeast-3"}, {"mumbai", "ap-south-1"},
	{"hyderabad", "ap-south-2"}, {"canada", "ca-central-1"}, {"montreal", "ca-central-1"},
	{"sao paulo", "sa-east-1"}, {"são paulo", "sa-east-1"}, {"govcloud", "us-gov-west-1"},
}

var (
	reRegion  = regexp.MustCompile(`\b((?:us|eu|ap|ca|sa|me|af|il|mx)(?:-gov)?-[a-z]+-\d{1,2})\b`)
	reNumber  = `(\d+(?:\.\d+)?)\s*(k|m|b|thousand|million|billion)?`
	reContext = regexp.MustCompile(reNumber + `\s*(?:tokens?\s+)?(?:of\s+)?context`)
	reCtxOf   = regexp.MustCompile(`context(?:\s+window)?\s+(?:of\s+)?(?:at\s+least\s+)?` + reNumber + `\b`)
	reOutput  = regexp.MustCompile(reNumber + `\s*(?:tokens?\s+)?(?:of\s+)?output`)
	reTPM     = regexp.MustCompile(reNumber + `\s*(?:tpm|tokens?\s+(?:per|a|/)\s*min(?:ute)?)\b`)
	reMonthly = regexp.MustCompile(reNumber + `\s*(input\s+|output\s+)?tokens?\s+(?:per|a|each|/)\s*month`)
	rePrice   = regexp.MustCompile(`(?:under|below|less than|at most|max(?:imum)?|<=?)\s*\$\s*(\d+(?:\.\d+)?)(?:\s*(?:per|/)\s*(?:1m|m|million)\b)?(?:\s*(input|output))?`)
)

func scale(num, unit string) (float64, bool) {
	v, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, false
	}
	switch unit {
	case "k", "thousand":
		v *= 1e3
	case "m", "million":
		v *= 1e6
	case "b", "billion":
		v *= 1e9
	}
	if v > 1e15 {
		return 0, false
	}
	return v, true
}

// normText lower-cases s and turns everything but letters, digits, '$',
// '.', '-' and '<' into single spaces, padding with a space on each side.
func normText(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte(' ')
	space := true
	for _, r := range strings.ToLower(s) {
		ok := r == '$' || r == '.' || r == '-' || r == '<' || r == '=' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == 'ã'
		if !ok {
			if !space {
				b.WriteByte(' ')
				space = true
			}
			continue
		}
		b.WriteRune(r)
		space = false
	}
	if !space {
		b.WriteByte(' ')
	}
	return b.String()
}

// has reports whether phrase occurs in t on word boundaries (t is normText
// output, so words are separated by single spaces; a trailing '.' or '-'
// in the text does not hide a word).
func has(t, phrase string) bool {
	for i := 0; ; {
		j := strings.Index(t[i:], phrase)
		if j < 0 {
			return false
		}
		j += i
		end := j + len(phrase)
		before := j == 0 || t[j-1] == ' ' || t[j-1] == '-'
		after := end >= len(t) || t[end] == ' ' || t[end] == '.' || t[end] == '-' || t[end] == ','
		if before && after {
			return true
		}
		i = j + 1
	}
}

// ParseFreeText reads a description such as "answer questions over our
// PDFs in eu-central-1, cheap" into a Request by the rules above (no model
// involved). The Request always passes Validate. Understood echoes it with
// the text and every rule that fired.
func ParseFreeText(s string) (Request, Understood) {
	if len(s) > 4096 {
		s = s[:4096]
	}
	t := normText(s)
	var r Request
	var rules []Rule
	fire := func(matched, sets string) {
		rules = append(rules, Rule{Matched: strings.TrimSpace(matched), Sets: sets})
	}

	best, bestN, bestMatch := Workload(""), 0, ""
	for _, wr := range workloadRules {
		n, first := 0, ""
		for _, p := range wr.phrases {
			if has(t, p) {
				n++
				if first == "" {
					first = p
				}
			}
		}
		if n > bestN {
			best, bestN, bestMatch = wr.w, n, first
		}
	}
	if best != "" {
		r.Workload = best
		fire(bestMatch, "workload="+string(best))
	}
	for _, rr := range requireRules {
		if slices.Contains(rr.skip, r.Workload) {
			continue
		}
		for _, p := range rr.phrases {
			if has(t, p) {
				r.Require = append(r.Require, rr.req)
				fire(p, "require "+rr.req)
				break
			}
		}
	}
	var prios []Priority
	for _, pr := range priorityRules {
		for _, p := range pr.phrases {
			if has(t, p) {
				prios = append(prios, pr.p)
				fire(p, "priority="+string(pr.p))
				break
			}
		}
	}
	if len(prios) == 1 {
		r.Priority = prios[0]
	} else if len(prios) > 1 {
		r.Priority = Balanced
		fire("several priorities", "priority=balanced")
	}
	for _, cr := range clientRules {
		for _, p := range cr.phrases {
			if has(t, p) {
				r.Client = cr.c
				fire(p, "client="+string(cr.c))
				break
			}
		}
		if r.Client != "" {
			break
		}
	}
	if m := reRegion.FindStringSubmatch(t); m != nil && validRegion(m[1]) {
		r.Region = m[1]
		fire(m[1], "region="+m[1])
	} else {
		for _, rn := range regionNames {
			if has(t, rn.place) {
				r.Region = rn.region
				fire(rn.place, "region="+rn.region)
				break
			}
		}
	}
	intRule := func(re *regexp.Regexp, dst *int, name string) {
		if m := re.FindStringSubmatch(t); m != nil {
			if v, ok := scale(m[1], m[2]); ok && v >= 1 && v < 1e12 {
				*dst = int(v)
				fire(m[0], name+"="+strconv.Itoa(*dst))
			}
		}
	}
	// Monthly volumes first, blanked out so "10m output tokens a month" is
	// not also read as a 10M-token output minimum.
	for _, loc := range reMonthly.FindAllStringSubmatchIndex(t, 2) {
		m := make([]string, 4)
		for i := range m {
			if loc[2*i] >= 0 {
				m[i] = t[loc[2*i]:loc[2*i+1]]
			}
		}
		t = t[:loc[0]] + strings.Repeat(" ", loc[1]-loc[0]) + t[loc[1]:]
		v, ok := scale(m[1], m[2])
		if !ok || v < 1 {
			continue
		}
		if strings.HasPrefix(m[3], "output") {
			r.MonthlyOutputTokens = int64(v)
			fire(m[0], "monthly_output_tokens="+strconv.FormatInt(r.MonthlyOutputTokens, 10))
		} else {
			r.MonthlyInputTokens = int64(v)
			fire(m[0], "monthly_input_tokens="+strconv.FormatInt(r.MonthlyInputTokens, 10))
		}
	}
	if m := reCtxOf.FindStringSubmatch(t); m != nil {
		if v, ok := scale(m[1], m[2]); ok && v >= 1 && v < 1e12 {
			r.MinContext = int(v)
			fire(m[0], "min_context="+strconv.Itoa(r.MinContext))
		}
	}
	if r.MinContext == 0 {
		intRule(reContext, &r.MinContext, "min_context")
	}
	intRule(reOutput, &r.MinOutput, "min_output")
	intRule(reTPM, &r.MinTPM, "min_tpm")
	if m := rePrice.FindStringSubmatch(t); m != nil {
		if v, err := strconv.ParseFloat(m[1], 64); err == nil && v > 0 && v < 1e6 {
			switch m[2] {
			case "input":
				r.MaxInputPrice = v
				fire(m[0], "max_input_price="+money(v))
			case "output":
				r.MaxOutputPrice = v
				fire(m[0], "max_output_price="+money(v))
			default:
				r.MaxInputPrice, r.MaxOutputPrice = v, v
				fire(m[0], "max_input_price="+money(v)+", max_output_price="+money(v))
			}
		}
	}
	n := normalize(r)
	u := n.understood()
	u.Text = s
	u.Rules = rules
	return r, u
}
