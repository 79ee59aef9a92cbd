package invoke

// The Chat Completions families: OpenAI gpt-oss, Qwen3 and DeepSeek's chat
// body take an OpenAI Chat Completions request as their InvokeModel body
// and answer with a chat.completion object, or chat.completion.chunk
// objects in the stream chunks. The body is decoded by
// internal/format/openai's inbound decoder (the one /v1/chat/completions
// uses) and answered by its encoders. Decisions and their sources:
//
//   - gpt-oss: the Bedrock user guide ("OpenAI models",
//     model-parameters-openai) gives the Chat Completions body for
//     InvokeModel; "model" may be left out and must otherwise name the
//     model of the path; "stream" may be left out and must otherwise match
//     the operation; input is text only (images and files are refused).
//     Bedrock's InvokeModel writes the model's reasoning into the answer's
//     content between <reasoning> and </reasoning> ahead of the answer
//     (promptfoo and the Vercel AI SDK strip it there), streamed as one
//     tagged fragment per chunk, so canonical reasoning is rendered that way
//     rather than as reasoning_content.
//   - Qwen3 (qwen.qwen3-*): langchain-aws serves Bedrock's serverless Qwen3
//     models on InvokeModel with the same body and stream as gpt-oss
//     (langchain-aws PR 679); reasoning goes in reasoning_content, as Qwen's
//     own OpenAI-compatible API returns it. LiteLLM's qwen3 prompt/
//     "generation" body is for imported models, not these.
//   - DeepSeek: R1 (deepseek.r1-v1:0) takes the prompt body of
//     internal/format/deepseek; a DeepSeek body with "messages" (V3.1 and
//     later, whose exact InvokeModel body the user guide does not spell out)
//     is taken as the Chat Completions body, reasoning in
//     reasoning_content as DeepSeek's own API returns it.
//   - The last chunk carries "amazon-bedrock-invocationMetrics" like every
//     family: the chunk with finish_reason, or the usage chunk when
//     stream_options.include_usage asked for one.

import (
	"bytes"
	"encoding/json"
	"time"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/catalog"
	"github.com/basalt-gateway/basalt/internal/format/nativejson"
	"github.com/basalt-gateway/basalt/internal/format/openai"
	"github.com/basalt-gateway/basalt/internal/inbound/openaichat"
)

// chatOptions are what distinguishes the Chat Completions families.
type chatOptions struct {
	// textOnly refuses image, audio and file input.
	textOnly bool
	// tagReasoning writes reasoning into content between <reasoning> tags
	// instead of reasoning_content.
	tagReasoning bool
}

// chatStyle is what the encoders and the stream check need of the body.
type chatStyle struct {
	chatOptions
	// stream is the body's "stream", nil when left out.
	stream       *bool
	includeUsage bool
}

func chatCodec(title string, o chatOptions) codec {
	return codec{
		title: title,
		decode: func(modelID string, body []byte) (*canon.Request, any, error) {
			return decodeChat(modelID, body, o)
		},
		response: func(resp *canon.Response, model string, style any) any {
			cs, _ := style.(*chatStyle)
			return chatResponse(resp, model, cs)
		},
		stream: func(sink func([]byte) error, model string, style any, last LastChunkExtra) chunkEncoder {
			cs, _ := style.(*chatStyle)
			return newChatChunks(sink, model, cs, last)
		},
		check: checkChatStream,
	}
}

// decodeChat decodes a Chat Completions body for modelID.
func decodeChat(modelID string, body []byte, o chatOptions) (*canon.Request, any, error) {
	wire, err := openai.DecodeRequest(body)
	if err != nil {
		return nil, nil, err
	}
	if wire.Model != "" && !sameModel(wire.Model, modelID) {
		return nil, nil, apierr.Validationf("model %q in the body does not match the model %q of the request: leave model out or send the same id", wire.Model, modelID)
	}
	wire.Model = modelID
	req, err := openai.RequestToCanon(wire)
	if err != nil {
		return nil, nil, err
	}
	req.Model = modelID
	if o.textOnly {
		for _, m := range req.Messages {
			for _, b := range m.Content {
				switch b.Type {
				case canon.BlockImage, canon.BlockDocument, canon.BlockVideo, canon.BlockAudio:
					return nil, nil, apierr.Validationf("model %q takes text input only, and the request has %s content", modelID, b.Type)
				}
			}
		}
	}
	var s struct {
		Stream *bool `json:"stream"`
	}
	_ = json.Unmarshal(body, &s) // DecodeRequest parsed the same body
	return req, &chatStyle{chatOptions: o, stream: s.Stream,
		includeUsage: wire.StreamOptions != nil && wire.StreamOptions.IncludeUsage}, nil
}

// sameModel reports whether the body's model names the path's: the same
// id, or the same foundation model through an inference profile.
func sameModel(body, path string) bool {
	if body == path {
		return true
	}
	a, errA := catalog.ParseID(body)
	b, errB := catalog.ParseID(path)
	return errA == nil && errB == nil && a.BaseID != "" && a.BaseID == b.BaseID
}

// checkChatStream refuses a body whose "stream" names the other operation.
func checkChatStream(style any, stream bool) error {
	cs, ok := style.(*chatStyle)
	if !ok || cs.stream == nil || *cs.stream == stream {
		return nil
	}
	if stream {
		return apierr.Validationf("stream is false in the body, but this is InvokeModelWithResponseStream: leave stream out or set it to true")
	}
	return apierr.Validationf("stream is true in the body, but this is InvokeModel: use InvokeModelWithResponseStream, or leave stream out")
}

// hasKey reports whether body is an object with the top-level key k.
func hasKey(body []byte, k string) bool {
	var m map[string]json.RawMessage
	if json.Unmarshal(bytes.TrimSpace(body), &m) != nil {
		return false
	}
	_, ok := m[k]
	return ok
}

const (
	reasoningOpen  = "<reasoning>"
	reasoningClose = "</reasoning>"
)

// chatResponse is the chat.completion answer.
func chatResponse(resp *canon.Response, model string, cs *chatStyle) *openai.ChatResponse {
	out := openai.ResponseFromCanon(resp, model, openaichat.NewCompletionID(), time.Now().Unix())
	if cs != nil && cs.tagReasoning {
		msg := &out.Choices[0].Message
		if r := msg.ReasoningContent; r != "" {
			text := ""
			if msg.Content.Text != nil {
				text = *msg.Content.Text
			}
			msg.Content = openai.TextContent(reasoningOpen + r + reasoningClose + text)
			msg.ReasoningContent = ""
		}
	}
	return out
}

// chatChunks writes chat.completion.chunk objects. The chunks after the
// stop (finish_reason, then usage if asked for) are held until usage is
// known, so that the last one can carry Bedrock's invocation metrics.
type chatChunks struct {
	enc     *openai.StreamEncoder
	sink    func([]byte) error
	last    LastChunkExtra
	tag     bool
	held    [][]byte
	stopped bool
	done    bool
}

func newChatChunks(sink func([]byte) error, model string, cs *chatStyle, last LastChunkExtra) *chatChunks {
	if cs == nil {
		cs = &chatStyle{}
	}
	return &chatChunks{enc: openai.NewStreamEncoder(openaichat.NewCompletionID(), model, time.Now().Unix(), cs.includeUsage),
		sink: sink, last: last, tag: cs.tagReasoning}
}

func (c *chatChunks) hold(b []byte) error {
	c.held = append(c.held, bytes.Clone(b))
	return nil
}

// WriteEvent encodes one canonical event.
func (c *chatChunks) WriteEvent(ev canon.Event) error {
	if c.done {
		return nil
	}
	switch ev.Kind {
	case canon.EventBlockDelta:
		if c.tag && ev.Delta == canon.DeltaReasoningText && ev.Text != "" {
			ev.Delta, ev.Text = canon.DeltaText, reasoningOpen+ev.Text+reasoningClose
		}
	case canon.EventMessageStop:
		c.stopped = true
		return c.enc.Encode(ev, c.hold)
	case canon.EventMetadata:
		if !c.stopped {
			return apierr.New(apierr.ModelStreamError, "the model's answer reported usage before its stop event")
		}
		if err := c.enc.Encode(ev, c.hold); err != nil {
			return err
		}
		return c.flush(ev.Usage, ev.LatencyMs)
	}
	return c.enc.Encode(ev, c.sink)
}

// Finish writes the held chunks if the answer stopped without usage; a
// stream that never stopped is an error.
func (c *chatChunks) Finish() error {
	if c.done {
		return nil
	}
	if !c.stopped {
		return apierr.New(apierr.ModelStreamError, "the model's answer ended before its stop event")
	}
	return c.flush(canon.Usage{}, 0)
}

// Done reports whether the last chunk has been written.
func (c *chatChunks) Done() bool { return c.done }

func (c *chatChunks) flush(u canon.Usage, latencyMs int64) error {
	c.done = true
	for i, b := range c.held {
		if i == len(c.held)-1 && c.last != nil {
			key, v := c.last(u, latencyMs)
			var err error
			if b, err = nativejson.AppendMember(b, key, v); err != nil {
				return apierr.Wrap(apierr.Internal, err, "a stream chunk could not be encoded")
			}
		}
		if err := c.sink(b); err != nil {
			return err
		}
	}
	c.held = nil
	return nil
}
