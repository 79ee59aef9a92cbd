package catalog

import "strings"

// familyRules map base-id prefixes to families, first match wins, so longer
// prefixes come before the vendor-wide ones. The embedded catalog's family
// field is generated from the same rules and a test keeps the two in step, so
// an id Basalt has never seen gets the family its siblings have.
//
// Families are fine enough to pick an InvokeModel body format: nova-canvas,
// nova-reel, nova-sonic and nova-embed each speak a different body from nova
// chat models, as do titan-text, titan-embed and titan-image.
var familyRules = [...]struct{ prefix, family string }{
	{"anthropic.claude", "claude"},
	{"amazon.nova-canvas", "nova-canvas"},
	{"amazon.nova-reel", "nova-reel"},
	{"amazon.nova-sonic", "nova-sonic"},
	{"amazon.nova-2-sonic", "nova-sonic"},
	{"amazon.nova-2-multimodal-embeddings", "nova-embed"},
	{"amazon.nova-multimodal-embeddings", "nova-embed"},
	{"amazon.nova", "nova"},
	{"amazon.titan-embed", "titan-embed"},
	{"amazon.titan-image", "titan-image"},
	{"amazon.titan-text", "titan-text"},
	{"amazon.titan-tg1", "titan-text"},
	{"amazon.rerank", "amazon-rerank"},
	{"ai21.j2", "jurassic"},
	{"ai21.jamba", "jamba"},
	{"cohere.command", "cohere-command"},
	{"cohere.embed", "cohere-embed"},
	{"cohere.rerank", "cohere-rerank"},
	{"meta.llama", "llama"},
	{"mistral.", "mistral"},
	{"deepseek.", "deepseek"},
	{"openai.gpt-oss", "gpt-oss"},
	{"openai.gpt", "gpt"},
	{"qwen.", "qwen"},
	{"google.gemma", "gemma"},
	{"moonshot.kimi", "kimi"},
	{"moonshotai.kimi", "kimi"},
	{"minimax.", "minimax"},
	{"nvidia.nemotron", "nemotron"},
	{"zai.glm", "glm"},
	{"xai.grok", "grok"},
	{"writer.palmyra", "palmyra"},
	{"stability.", "stability"},
	{"twelvelabs.marengo", "marengo"},
	{"twelvelabs.pegasus", "pegasus"},
}

// FamilyBasalt is the family of Basalt's built-in models.
const FamilyBasalt = "basalt"

// FamilyFromID derives a model family from the id alone: by the rules above,
// else the vendor prefix ("luma.ray-v2:0" → "luma"). It returns "" when the
// id names no foundation model (aliases other than Basalt's own, ARNs of
// user resources) or does not parse. Prefer (*Catalog).Family, which answers
// from the catalog entry when there is one.
func FamilyFromID(id string) string {
	p, err := ParseID(id)
	if err != nil {
		return ""
	}
	if p.Kind == KindAlias && strings.HasPrefix(id, "basalt-") {
		return FamilyBasalt
	}
	if p.BaseID == "" {
		return ""
	}
	for _, r := range familyRules {
		if strings.HasPrefix(p.BaseID, r.prefix) {
			return r.family
		}
	}
	vendor, _, _ := strings.Cut(p.BaseID, ".")
	return vendor
}
