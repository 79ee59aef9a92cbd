package advisor

import (
	"slices"
	"testing"
)

func TestParseFreeText(t *testing.T) {
	cases := []struct {
		text string
		want Request
	}{
		{"answer questions over our PDFs in eu-central-1, cheap",
			Request{Workload: RAG, Require: []string{"documents"}, Region: "eu-central-1", Priority: Cost}},
		{"a customer support chatbot that streams, fast", Request{Workload: ChatAssistant, Require: []string{"streaming"}, Priority: Latency}},
		{"summarize and classify support tickets as JSON", Request{Workload: TextAutomation, Require: []string{"structured_output"}}},
		{"coding agent with function calling, best quality, we use the OpenAI SDK",
			Request{Workload: ReasoningCoding, Require: []string{"tools"}, Priority: Quality, Client: ClientOpenAI}},
		{"generate product photos for our shop in Frankfurt", Request{Workload: ImageGeneration, Region: "eu-central-1"}},
		{"make a video from a text prompt", Request{Workload: VideoGeneration}},
		{"voice agent for phone calls in Tokyo", Request{Workload: RealtimeVoice, Region: "ap-northeast-1"}},
		{"search our videos by what is said in the audio", Request{Workload: MediaEmbeddings}},
		{"content moderation of user comments", Request{Workload: Moderation}},
		{"read receipts and screenshots", Request{Workload: ImageUnderstanding, Require: []string{"vision"}}},
		{"claude-style assistant via the anthropic messages api", Request{Workload: ChatAssistant, Client: ClientAnthropic}},
		{"chatbot with 200k context and 8k output, 50M tokens per month, under $1 per million input",
			Request{Workload: ChatAssistant, MinContext: 200000, MinOutput: 8000, MonthlyInputTokens: 50_000_000, MaxInputPrice: 1}},
		{"chat, context window of 1m, 10m output tokens a month, 100k tpm in us-west-2",
			Request{Workload: ChatAssistant, MinContext: 1_000_000, MonthlyOutputTokens: 10_000_000, MinTPM: 100_000, Region: "us-west-2"}},
		{"cheap but the best", Request{Priority: Balanced}},
		{"", Request{}},
	}
	for _, c := range cases {
		t.Run(c.text, func(t *testing.T) {
			got, u := ParseFreeText(c.text)
			if got.Workload != c.want.Workload || !slices.Equal(got.Require, c.want.Require) || got.Region != c.want.Region ||
				got.Priority != c.want.Priority || got.Client != c.want.Client || got.MinContext != c.want.MinContext ||
				got.MinOutput != c.want.MinOutput || got.MinTPM != c.want.MinTPM || got.MaxInputPrice != c.want.MaxInputPrice ||
				got.MaxOutputPrice != c.want.MaxOutputPrice || got.MonthlyInputTokens != c.want.MonthlyInputTokens ||
				got.MonthlyOutputTokens != c.want.MonthlyOutputTokens {
				t.Errorf("got  %+v\nwant %+v\nrules %+v", got, c.want, u.Rules)
			}
			if err := got.Validate(); err != nil {
				t.Error(err)
			}
			if u.Text != c.text {
				t.Errorf("understood text %q", u.Text)
			}
			if c.text != "" && len(u.Rules) == 0 {
				t.Error("no rule reported")
			}
		})
	}
}

func FuzzParseFreeText(f *testing.F) {
	for _, s := range []string{"answer questions over our PDFs in eu-central-1, cheap", "under $ 1e400 per million output",
		"9999999999999999999999k tokens of context", "über ✓ chat \x00 us-gov-west-1", "1.5m tpm", "context of 0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, u := ParseFreeText(s)
		if err := r.Validate(); err != nil {
			t.Fatalf("ParseFreeText(%q) gave an invalid request: %v", s, err)
		}
		r2, _ := ParseFreeText(s)
		if r2.Workload != r.Workload || !slices.Equal(r2.Require, r.Require) || r2.Region != r.Region {
			t.Fatal("not deterministic")
		}
		if u.Workload == "" || u.Priority == "" || u.Client == "" {
			t.Fatalf("understood lacks defaults: %+v", u)
		}
	})
}
