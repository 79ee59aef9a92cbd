package tokenize

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"hash/crc32"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/format/openai"
)

func TestEncodingFor(t *testing.T) {
	for _, c := range []struct{ model, want string }{
		{"gpt-4o", O200kBase},
		{"gpt-4o-mini-2024-07-18", O200kBase},
		{"chatgpt-4o-latest", O200kBase},
		{"gpt-4.1-nano", O200kBase},
		{"gpt-4.5-preview", O200kBase},
		{"gpt-5", O200kBase},
		{"gpt-5.4", O200kBase},
		{"o1", O200kBase},
		{"o3-mini", O200kBase},
		{"o4-mini-2025-04-16", O200kBase},
		{"ft:gpt-4o-mini:acme::abc123", O200kBase},
		{"openai.gpt-oss-120b-1:0", O200kBase},
		{"us.openai.gpt-oss-20b-1:0", O200kBase},
		{"arn:aws:bedrock:us-west-2::foundation-model/openai.gpt-oss-120b-1:0", O200kBase},
		{"openai.gpt-5.4", O200kBase},
		{"openai/gpt-oss-20b", O200kBase},
		{"gpt-oss:20b", O200kBase},
		{"GPT-4o", O200kBase},
		{"gpt-4", Cl100kBase},
		{"gpt-4-turbo-2024-04-09", Cl100kBase},
		{"gpt-3.5-turbo", Cl100kBase},
		{"gpt-35-turbo", Cl100kBase},
		{"text-embedding-3-small", Cl100kBase},
		{"text-embedding-ada-002", Cl100kBase},
		{"anthropic.claude-sonnet-4-20250514-v1:0", ""},
		{"amazon.nova-lite-v1:0", ""},
		{"meta.llama3-8b-instruct-v1:0", ""},
		{"basalt-test", ""},
		{"o10-model", ""},
		{"ollama/orca-mini", ""},
		{"", ""},
	} {
		if got := EncodingFor(c.model); got != c.want {
			t.Errorf("EncodingFor(%q) = %q, want %q", c.model, got, c.want)
		}
	}
}

// Known counts of plain strings (the tokenizer itself).
func TestBPE(t *testing.T) {
	for _, c := range []struct {
		enc, text string
		want      int
	}{
		{O200kBase, "hello world", 2},
		{Cl100kBase, "hello world", 2},
		// The cookbook's comparison of encodings.
		{Cl100kBase, "お誕生日おめでとう", 9},
		{O200kBase, "お誕生日おめでとう", 8},
		{Cl100kBase, "tiktoken is great!", 6},
		{O200kBase, "", 0},
	} {
		if got := (&bpe{c: codecFor(c.enc)}).count(c.text); got != c.want {
			t.Errorf("%s %q = %d, want %d", c.enc, c.text, got, c.want)
		}
	}
}

// cookbookMessages is the example of OpenAI's cookbook "How to count tokens
// with tiktoken"; the API counted 129 prompt tokens on gpt-3.5-turbo and
// gpt-4, 124 on gpt-4o and gpt-4o-mini.
func cookbookMessages() []openai.Message {
	msg := func(role, name, content string) openai.Message {
		return openai.Message{Role: role, Name: name, Content: openai.TextContent(content)}
	}
	return []openai.Message{
		msg("system", "", "You are a helpful, pattern-following assistant that translates corporate jargon into plain English."),
		msg("system", "example_user", "New synergies will help drive top-line growth."),
		msg("system", "example_assistant", "Things working well together will increase revenue."),
		msg("system", "example_user", "Let's circle back when we have more bandwidth to touch base on opportunities for increased leverage."),
		msg("system", "example_assistant", "Let's talk later when we're less busy about how to do better."),
		msg("user", "", "This late pivot means we don't have time to boil the ocean for the client deliverable."),
	}
}

func TestCookbookMessages(t *testing.T) {
	for enc, want := range map[string]int{Cl100kBase: 129, O200kBase: 124} {
		got := countChat(codecFor(enc), enc, &openai.ChatRequest{Messages: cookbookMessages()})
		if got.Tokens != want || !got.Exact || got.Estimated != 0 || got.Encoding != enc {
			t.Errorf("%s: %+v, want %d exact", enc, got, want)
		}
	}
}

// The cookbook's tool example: 105 prompt tokens on gpt-4, 101 on gpt-4o.
func TestCookbookTools(t *testing.T) {
	params := json.RawMessage(`{"type":"object","properties":{
		"location":{"type":"string","description":"The city and state, e.g. San Francisco, CA"},
		"unit":{"type":"string","description":"The unit of temperature to return","enum":["celsius","fahrenheit"]}},
		"required":["location"]}`)
	body := &openai.ChatRequest{
		Messages: []openai.Message{
			{Role: "system", Content: openai.TextContent("You are a helpful assistant that can answer to questions about the weather.")},
			{Role: "user", Content: openai.TextContent("What's the weather like in San Francisco?")},
		},
		Tools: []openai.Tool{{Type: "function", Function: openai.FunctionDef{Name: "get_current_weather",
			Description: "Get the current weather in a given location", Parameters: params}}},
	}
	for enc, want := range map[string]int{Cl100kBase: 105, O200kBase: 101} {
		got := countChat(codecFor(enc), enc, body)
		if got.Tokens != want || got.Exact || got.Estimated == 0 || got.Estimated >= got.Tokens {
			t.Errorf("%s: %+v, want %d with the tools estimated", enc, got, want)
		}
	}
}

func user(blocks ...canon.Block) canon.Message {
	return canon.Message{Role: canon.RoleUser, Content: blocks}
}

// pngOf is a PNG signature and header chunk claiming w×h pixels: all
// DecodeConfig reads.
func pngOf(w, h uint32) []byte {
	chunk := binary.BigEndian.AppendUint32([]byte("IHDR"), w)
	chunk = binary.BigEndian.AppendUint32(chunk, h)
	chunk = append(chunk, 8, 6, 0, 0, 0)
	b := binary.BigEndian.AppendUint32([]byte("\x89PNG\r\n\x1a\n"), 13)
	b = append(b, chunk...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(chunk))
}

func TestRequest(t *testing.T) {
	text := func(model string, msgs ...canon.Message) *canon.Request {
		return &canon.Request{Model: model, Messages: msgs}
	}
	img := func(w, h uint32) canon.Block {
		return canon.Block{Type: canon.BlockImage, Image: &canon.Media{Format: "png", Bytes: pngOf(w, h)}}
	}
	for _, c := range []struct {
		name string
		req  *canon.Request
		want Count
	}{
		// 3 + "user" 1 + "hello world" 2 + 3.
		{"o200k text", text("gpt-4o", user(canon.TextBlock("hello world"))), Count{Tokens: 9, Encoding: O200kBase, Exact: true}},
		{"gpt-oss on Bedrock", text("openai.gpt-oss-120b-1:0", user(canon.TextBlock("hello world"))), Count{Tokens: 9, Encoding: O200kBase, Exact: true}},
		// The system blocks become one system message, joined by "\n":
		// 3 + "system" 1 + "Be| brief|.\n|No| jokes|." 6, then 9.
		{"system", &canon.Request{Model: "gpt-4o", System: []canon.Block{canon.TextBlock("Be brief."), canon.TextBlock("No jokes.")},
			Messages: []canon.Message{user(canon.TextBlock("hello world"))}}, Count{Tokens: 4 + 6 + 9, Encoding: O200kBase, Exact: true}},
		// 1024×1024: 765; 2048×4096: 1105 (OpenAI's own examples); a
		// text block beside an image makes the content a part list.
		{"image 1024", text("gpt-4o", user(canon.TextBlock("hello world"), img(1024, 1024))), Count{Tokens: 9 + 765, Encoding: O200kBase, Estimated: 765}},
		{"image 2048x4096", text("gpt-4.1", user(canon.TextBlock("hello world"), img(2048, 4096))), Count{Tokens: 9 + 1105, Encoding: O200kBase, Estimated: 1105}},
		{"image small", text("gpt-4.1", user(canon.TextBlock("hello world"), img(100, 50))), Count{Tokens: 9 + 255, Encoding: O200kBase, Estimated: 255}},
		// Unknown families: the estimate, all of it estimated.
		{"claude", text("anthropic.claude-sonnet-4-20250514-v1:0", user(canon.TextBlock("hello world"))), Count{Tokens: 3 + 3, Estimated: 6}},
		// An S3 image cannot go to an OpenAI upstream: the estimate.
		{"s3 image", text("gpt-4o", user(canon.TextBlock("hi"), canon.Block{Type: canon.BlockImage, Image: &canon.Media{Format: "png", S3URI: "s3://b/k"}})),
			Count{Tokens: 3 + 1600 + 1, Estimated: 3 + 1600 + 1}},
	} {
		if got := Request(c.req); got != c.want {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
	}
}

func TestRequestToolTurns(t *testing.T) {
	req := &canon.Request{Model: "gpt-4o", Messages: []canon.Message{
		user(canon.TextBlock("Weather in Paris?")),
		{Role: canon.RoleAssistant, Content: []canon.Block{{Type: canon.BlockToolUse, ToolUse: &canon.ToolUse{ID: "c1", Name: "get_weather", Input: json.RawMessage(`{"city": "Paris"}`)}}}},
		user(canon.Block{Type: canon.BlockToolResult, ToolResult: &canon.ToolResult{ToolUseID: "c1", Content: []canon.Block{canon.TextBlock("sunny")}}}),
	}, Tools: &canon.ToolConfig{Tools: []canon.Tool{{Name: "get_weather", Description: "Current weather.", InputSchema: json.RawMessage(`{"type":"object","properties":{"city":{"type":"string"}}}`)}}}}
	got := Request(req)
	plain := Request(&canon.Request{Model: "gpt-4o", Messages: req.Messages[:1]})
	if got.Exact || got.Encoding != O200kBase || got.Tokens-got.Estimated != plain.Tokens {
		t.Errorf("tool turns: %+v; the plain first turn alone is %+v", got, plain)
	}
}

func TestTexts(t *testing.T) {
	if got := Texts("text-embedding-3-small", []string{"hello world", "お誕生日おめでとう"}); got != (Count{Tokens: 11, Encoding: Cl100kBase, Exact: true}) {
		t.Errorf("openai: %+v", got)
	}
	if got := Texts("amazon.titan-embed-text-v2:0", []string{"hello world", "abc"}); got != (Count{Tokens: 4, Estimated: 4}) {
		t.Errorf("titan: %+v", got)
	}
	if got := Texts("amazon.titan-embed-text-v2:0", nil); got.Tokens != 1 {
		t.Errorf("empty: %+v", got)
	}
}

func TestEstimate(t *testing.T) {
	req := &canon.Request{
		System: []canon.Block{canon.TextBlock(strings.Repeat("a", 40))},
		Messages: []canon.Message{{Role: canon.RoleUser, Content: []canon.Block{
			canon.TextBlock(strings.Repeat("b", 40)),
			{Type: canon.BlockImage, Image: &canon.Media{Format: "png", Bytes: []byte{1}}},
			{Type: canon.BlockDocument, Document: &canon.Document{Format: "pdf", Bytes: []byte("/Type /Pages /Type /Page x /Type/Page")}},
		}}},
	}
	// 80 chars → 20, one message 3, one image 1600, two PDF pages 3000.
	if got := Estimate(req); got != 20+3+1600+3000 {
		t.Errorf("Estimate = %d", got)
	}
	if got := Estimate(&canon.Request{}); got != 1 {
		t.Errorf("empty = %d", got)
	}
}

func TestPDFFilePart(t *testing.T) {
	pdf := []byte("%PDF-1.4 /Type /Pages /Type /Page /Type /Page /Type /Page")
	f := &openai.File{FileData: "data:application/pdf;base64," + base64.StdEncoding.EncodeToString(pdf)}
	if got := fileTokens(f); got != 3*tokensPerPDFPage {
		t.Errorf("3 pages = %d", got)
	}
}

// Counting from many goroutines at once, including the first load, gives
// every caller the same answer (run with -race).
func TestConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	got := make([]int, 16)
	for i := range got {
		wg.Go(func() {
			enc := []string{O200kBase, Cl100kBase}[i%2]
			got[i] = (&bpe{c: codecFor(enc)}).count("The quick brown fox jumps over the lazy dog.")
		})
	}
	wg.Wait()
	for i, n := range got {
		if n != 10 {
			t.Errorf("goroutine %d counted %d", i, n)
		}
	}
}

// mixedText is varied text longer than a chunk: prose, contractions,
// numbers, CJK with its punctuation, indented code, URLs, emoji.
func mixedText() string {
	var b strings.Builder
	parts := []string{
		"It's 12345.67 degrees — isn't it? ",
		"お誕生日おめでとう。今日はいい天気ですね、散歩しましょう。",
		"\n\tfunc main() {\n\t\tfmt.Println(\"hello, world\")\n\t}\n",
		"See https://example.com/a/b?c=d&e=f for details.\n\n",
		"CAPITALS and MixedCase words; semi-colons: ellipses… “quotes” ",
		"Zürich, São Paulo, Kraków – naïve façade. 🚀🚀 ",
		"x = [1, 2, 3]; y = {\"k\": 'v'}  // comment\r\n",
	}
	for i := 0; b.Len() < 40_000; i++ {
		b.WriteString(parts[i%len(parts)])
		b.WriteString(parts[(i*3+1)%len(parts)])
	}
	return b.String()
}

// Chunking cuts text only where the tokenizer splits anyway: the count is
// the codec's count of the whole text.
func TestChunkedCountIsExact(t *testing.T) {
	text := mixedText()
	for _, enc := range []string{O200kBase, Cl100kBase} {
		want, err := codecFor(enc).Count(text)
		if err != nil {
			t.Fatal(err)
		}
		k := &bpe{c: codecFor(enc)}
		if got := k.count(text); got != want || k.forced {
			t.Errorf("%s: chunked %d (forced %v), whole %d", enc, got, k.forced, want)
		}
	}
}

// nextCut bounds what the codec's regexp sees: chunks of at most maxChunk
// bytes, whitespace runs of at most maxSpaceRun.
func TestNextCutBounds(t *testing.T) {
	for _, s := range []string{
		mixedText(),
		strings.Repeat(" \n", 5000),
		strings.Repeat("\u3000", 3000),
		strings.Repeat("お", 3000),
		strings.Repeat("a", 5000),
		strings.Repeat("\xff", 5000),
	} {
		for rest := s; len(rest) > 0; {
			cut, _ := nextCut(rest)
			chunk := rest[:cut]
			if cut <= 0 || cut > maxChunk {
				t.Fatalf("cut %d of %q…", cut, rest[:min(len(rest), 20)])
			}
			run := 0
			for _, r := range chunk {
				if run = run + 1; !unicode.IsSpace(r) {
					run = 0
				}
				if run > maxSpaceRun {
					t.Fatalf("whitespace run over %d in %q…", maxSpaceRun, chunk[:20])
				}
			}
			rest = rest[cut:]
		}
	}
}

// Text that makes the codec's regexp quadratic is counted in bounded time
// (unchunked, 256 KiB of " \n" takes minutes) and said to be inexact.
func TestPathologicalWhitespace(t *testing.T) {
	start := time.Now()
	k := &bpe{c: codecFor(O200kBase)}
	if n := k.count(strings.Repeat(" \n", 128<<10)); n < 1000 || !k.forced {
		t.Errorf("%d tokens, forced %v", n, k.forced)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("took %v", d)
	}
}

// Past maxExact bytes, the rest of a request is estimated.
func TestExactBudget(t *testing.T) {
	k := &bpe{c: codecFor(O200kBase), used: maxExact - 11}
	if n := k.count("hello world" + strings.Repeat("abcd", 10)); n != 2+10 || !k.forced {
		t.Errorf("%d, forced %v", n, k.forced)
	}
}
