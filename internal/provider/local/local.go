// Package local is the built-in provider that needs no credentials and no
// network. It serves basalt-test, a deterministic test double — not a
// language model — that answers from the conversation by fixed rules, so a
// fresh gateway answers something and programs can be tested offline.
//
// The rules, in order, applied to the last user message:
//
//  1. Text "basalt-test:error:<ExceptionName>" fails the call with that
//     Bedrock exception (for example ThrottlingException), and
//     "basalt-test:error-after-start:<ExceptionName>" fails it after the
//     first text delta, so clients can exercise their error handling.
//  2. If it carries toolResult blocks, the answer is "Tool <name> returned:
//     <result>" for each result.
//  3. If tools are offered and the tool choice is any or a named tool, or
//     the text names one or more of the tools, the answer calls them: each
//     named tool (or the chosen one, or the first) once, with the first JSON
//     object found in the text as input ({} if none). Under tool choice auto
//     a short text ("Calling <names>.") comes first.
//  4. Otherwise the answer is "You said: <text>", followed by a note of any
//     images, documents, video or audio received with their sizes.
//
// If the request asks for reasoning, a reasoning block ("Thinking about:
// <text>", signed "basalt-test-signature") comes first. Tokens are
// whitespace-separated words: maxTokens truncates the answer (stop reason
// max_tokens) and stop sequences cut it (stop_sequence). Usage counts words
// of every text in the request and of the answer. Streaming sends one word
// per text delta and tool input in two fragments.
package local

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strings"
	"time"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
)

// TestModel is the id of the deterministic test double.
const TestModel = "basalt-test"

// Provider is the local provider.
type Provider struct {
	name string
	// Delay is slept between streamed deltas (tests of slow streams).
	Delay time.Duration
}

// New returns a local provider called name.
func New(name string) *Provider { return &Provider{name: name} }

// Name is the configured provider name.
func (p *Provider) Name() string { return p.name }

// Models lists what the provider serves.
func (p *Provider) Models() []string { return []string{TestModel, EmbedModel, RerankModel} }

// Converse answers req by the package's fixed rules.
func (p *Provider) Converse(ctx context.Context, req *canon.Request, w canon.EventWriter) error {
	if req.Model == EmbedModel {
		return apierr.Validationf("%q is an embedding model: use the embeddings APIs, not a conversation", EmbedModel)
	}
	if req.Model == RerankModel {
		return apierr.Validationf("%q is a rerank model: use InvokeModel with a Cohere Rerank body or the agent runtime's Rerank API, not a conversation", RerankModel)
	}
	if req.Model != TestModel {
		return apierr.New(apierr.NotFound, "the local provider serves only %q, not %q", TestModel, req.Model)
	}
	a, err := answer(req)
	if err != nil {
		return err
	}
	s := &streamer{ctx: ctx, w: w, delay: p.Delay}
	return s.run(a)
}

type plan struct {
	reasoning string
	text      string
	tools     []canon.ToolUse
	failAfter *apierr.Error
	stop      canon.StopReason
	usage     canon.Usage
}

func answer(req *canon.Request) (*plan, error) {
	last := lastUser(req.Messages)
	text := strings.TrimSpace(textOf(last))
	pl := &plan{stop: canon.StopEndTurn}
	pl.usage.InputTokens = inputWords(req)

	if kindName, ok := strings.CutPrefix(text, "basalt-test:error:"); ok {
		return nil, scriptedError(kindName)
	}
	if kindName, ok := strings.CutPrefix(text, "basalt-test:error-after-start:"); ok {
		pl.failAfter = scriptedError(kindName)
		pl.text = "Starting, then failing."
		return pl, nil
	}
	if req.Reasoning != nil {
		pl.reasoning = "Thinking about: " + text
	}
	if results := toolResults(last); len(results) > 0 {
		names := toolNames(req.Messages)
		var parts []string
		for _, r := range results {
			parts = append(parts, fmt.Sprintf("Tool %s returned: %s", names[r.ToolUseID], resultText(r)))
		}
		pl.text = strings.Join(parts, "\n")
	} else if calls := toolCalls(req, text); len(calls) > 0 {
		pl.tools = calls
		pl.stop = canon.StopToolUse
		if req.Tools.Choice.Mode == canon.ToolChoiceAuto {
			names := make([]string, len(calls))
			for i, c := range calls {
				names[i] = c.Name
			}
			pl.text = "Calling " + strings.Join(names, ", ") + "."
		}
	} else {
		pl.text = "You said: " + text + attachments(last)
	}
	pl.applyLimits(req.Inference)
	return pl, nil
}

func scriptedError(name string) *apierr.Error {
	for k := apierr.Internal; k <= apierr.Conflict; k++ {
		if k.String() == name {
			return &apierr.Error{Kind: k, Message: "basalt-test scripted " + name, UpstreamStatus: 500}
		}
	}
	return apierr.Validationf("basalt-test: unknown exception name %q in a scripted error", name)
}

// applyLimits cuts the text at the first stop sequence, then at maxTokens.
func (pl *plan) applyLimits(ic canon.InferenceConfig) {
	for _, s := range ic.StopSequences {
		if i := strings.Index(pl.text, s); i >= 0 {
			pl.text = pl.text[:i]
			pl.tools = nil
			pl.stop = canon.StopSequence
		}
	}
	if ic.MaxTokens != nil {
		words := strings.Fields(pl.reasoning + " " + pl.text)
		if len(words) > *ic.MaxTokens {
			rw := len(strings.Fields(pl.reasoning))
			if rw >= *ic.MaxTokens {
				pl.reasoning = strings.Join(strings.Fields(pl.reasoning)[:*ic.MaxTokens], " ")
				pl.text = ""
			} else {
				pl.text = strings.Join(strings.Fields(pl.text)[:*ic.MaxTokens-rw], " ")
			}
			pl.tools = nil
			pl.stop = canon.StopMaxTokens
		}
	}
	pl.usage.OutputTokens = len(strings.Fields(pl.reasoning)) + len(strings.Fields(pl.text))
	for _, t := range pl.tools {
		pl.usage.OutputTokens += 1 + len(strings.Fields(string(t.Input)))
	}
}

func lastUser(msgs []canon.Message) *canon.Message {
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Role == canon.RoleUser {
			return &msgs[i]
		}
	}
	return &canon.Message{}
}

func textOf(m *canon.Message) string {
	var parts []string
	for _, b := range m.Content {
		if b.Type == canon.BlockText {
			parts = append(parts, b.Text)
		}
	}
	return strings.Join(parts, " ")
}

func inputWords(req *canon.Request) int {
	n := 0
	for _, b := range req.System {
		n += len(strings.Fields(b.Text))
	}
	for _, m := range req.Messages {
		for _, b := range m.Content {
			switch b.Type {
			case canon.BlockText:
				n += len(strings.Fields(b.Text))
			case canon.BlockToolResult:
				n += len(strings.Fields(resultText(b.ToolResult)))
			case canon.BlockToolUse:
				n += 1 + len(strings.Fields(string(b.ToolUse.Input)))
			}
		}
	}
	return n
}

func toolResults(m *canon.Message) []*canon.ToolResult {
	var out []*canon.ToolResult
	for _, b := range m.Content {
		if b.Type == canon.BlockToolResult {
			out = append(out, b.ToolResult)
		}
	}
	return out
}

func toolNames(msgs []canon.Message) map[string]string {
	names := map[string]string{}
	for _, m := range msgs {
		for _, b := range m.Content {
			if b.Type == canon.BlockToolUse {
				names[b.ToolUse.ID] = b.ToolUse.Name
			}
		}
	}
	return names
}

func resultText(r *canon.ToolResult) string {
	var parts []string
	for _, b := range r.Content {
		switch b.Type {
		case canon.BlockText:
			parts = append(parts, b.Text)
		case canon.BlockJSON:
			parts = append(parts, string(b.JSON))
		default:
			parts = append(parts, "["+b.Type.String()+"]")
		}
	}
	s := strings.Join(parts, " ")
	if r.Status == "error" {
		s = "error: " + s
	}
	return s
}

func toolCalls(req *canon.Request, text string) []canon.ToolUse {
	if req.Tools == nil || len(req.Tools.Tools) == 0 || req.Tools.Choice.Mode == canon.ToolChoiceNone {
		return nil
	}
	var chosen []string
	switch req.Tools.Choice.Mode {
	case canon.ToolChoiceTool:
		chosen = []string{req.Tools.Choice.Name}
	default:
		for _, t := range req.Tools.Tools {
			if containsWord(text, t.Name) {
				chosen = append(chosen, t.Name)
			}
		}
		if len(chosen) == 0 && req.Tools.Choice.Mode == canon.ToolChoiceAny {
			chosen = []string{req.Tools.Tools[0].Name}
		}
	}
	input := firstJSONObject(text)
	out := make([]canon.ToolUse, len(chosen))
	for i, name := range chosen {
		out[i] = canon.ToolUse{ID: toolUseID(req, i), Name: name, Input: input}
	}
	return out
}

func containsWord(text, word string) bool {
	for i := 0; ; {
		j := strings.Index(text[i:], word)
		if j < 0 {
			return false
		}
		j += i
		end := j + len(word)
		if (j == 0 || !isNameByte(text[j-1])) && (end == len(text) || !isNameByte(text[end])) {
			return true
		}
		i = j + 1
	}
}

func isNameByte(c byte) bool {
	return c == '_' || c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// firstJSONObject returns the first balanced {...} in s that parses as a
// JSON object, or {}.
func firstJSONObject(s string) json.RawMessage {
	for i := strings.IndexByte(s, '{'); i >= 0; {
		dec := json.NewDecoder(strings.NewReader(s[i:]))
		var v map[string]any
		if dec.Decode(&v) == nil {
			raw, _ := json.Marshal(v)
			return raw
		}
		next := strings.IndexByte(s[i+1:], '{')
		if next < 0 {
			break
		}
		i += 1 + next
	}
	return json.RawMessage("{}")
}

// toolUseID is deterministic, so replayed tests see the same ids, yet
// differs per conversation turn and call.
func toolUseID(req *canon.Request, i int) string {
	h := fnv.New64a()
	fmt.Fprintf(h, "%d/%d/%s", len(req.Messages), i, textOf(lastUser(req.Messages)))
	return fmt.Sprintf("tooluse_%016x", h.Sum64())
}

func attachments(m *canon.Message) string {
	var parts []string
	for _, b := range m.Content {
		switch b.Type {
		case canon.BlockImage:
			parts = append(parts, fmt.Sprintf("image/%s %s", b.Image.Format, size(b.Image)))
		case canon.BlockDocument:
			d := b.Document
			n := len(d.Bytes)
			if n == 0 {
				n = len(d.Text)
			}
			parts = append(parts, fmt.Sprintf("document %q (%s) %d bytes", d.Name, d.Format, n))
		case canon.BlockVideo:
			parts = append(parts, fmt.Sprintf("video/%s %s", b.Video.Format, size(b.Video)))
		case canon.BlockAudio:
			parts = append(parts, fmt.Sprintf("audio/%s %s", b.Audio.Format, size(b.Audio)))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " [received: " + strings.Join(parts, "; ") + "]"
}

func size(m *canon.Media) string {
	if m.S3URI != "" {
		return m.S3URI
	}
	return fmt.Sprintf("%d bytes", len(m.Bytes))
}
