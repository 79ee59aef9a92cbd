package invoke

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"time"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/format/bedrock"
	"github.com/basalt-gateway/basalt/internal/inbound/converse"
	"github.com/basalt-gateway/basalt/internal/wire/eventstream"
)

// InvocationMetrics is the object Bedrock adds to a stream's last chunk
// under "amazon-bedrock-invocationMetrics".
type InvocationMetrics struct {
	InputTokenCount           int   `json:"inputTokenCount"`
	OutputTokenCount          int   `json:"outputTokenCount"`
	InvocationLatency         int64 `json:"invocationLatency"`
	FirstByteLatency          int64 `json:"firstByteLatency"`
	CacheReadInputTokenCount  int   `json:"cacheReadInputTokenCount"`
	CacheWriteInputTokenCount int   `json:"cacheWriteInputTokenCount"`
}

// stream writes each native stream object of the model's family (for
// Claude the Anthropic stream events, ping excepted) as an event-stream
// `chunk` whose payload is {"bytes": "<base64 of the object's JSON>"}, as
// Bedrock does, with "amazon-bedrock-invocationMetrics" in the last one.
type stream struct {
	w         http.ResponseWriter
	enc       chunkEncoder
	ew        *eventstream.Writer
	start     time.Time
	firstByte int64
	buf       []byte
	failed    bool
}

func newStream(w http.ResponseWriter, c codec, model string, style any) *stream {
	s := &stream{w: w, start: time.Now()}
	s.enc = c.stream(s.sink, model, style, s.metrics)
	return s
}

func (s *stream) metrics(u canon.Usage, latencyMs int64) (string, any) {
	if latencyMs <= 0 {
		latencyMs = time.Since(s.start).Milliseconds()
	}
	return "amazon-bedrock-invocationMetrics", InvocationMetrics{InputTokenCount: u.InputTokens, OutputTokenCount: u.OutputTokens,
		InvocationLatency: latencyMs, FirstByteLatency: s.firstByte,
		CacheReadInputTokenCount: u.CacheReadTokens, CacheWriteInputTokenCount: u.CacheWriteTokens}
}

func (s *stream) sink(data []byte) error {
	if s.ew == nil {
		h := s.w.Header()
		h.Set("Content-Type", eventstream.ContentType)
		h.Set("X-Amzn-Bedrock-Content-Type", "application/json")
		s.w.WriteHeader(http.StatusOK)
		s.ew = eventstream.NewWriter(s.w)
		s.firstByte = time.Since(s.start).Milliseconds()
	}
	n := base64.StdEncoding.EncodedLen(len(data))
	b := append(s.buf[:0], `{"bytes":"`...)
	b = append(b, make([]byte, n)...)
	base64.StdEncoding.Encode(b[len(b)-n:], data)
	b = append(b, `"}`...)
	s.buf = b
	return s.ew.WriteEvent("chunk", b)
}

func (s *stream) WriteEvent(ev canon.Event) error { return s.enc.WriteEvent(ev) }

func (s *stream) Finish() error { return s.enc.Finish() }

// Fail answers with a Bedrock HTTP error before the first byte, else with
// an exception frame the SDK raises as its typed error.
func (s *stream) Fail(err error) {
	if s.failed {
		return
	}
	s.failed = true
	if s.ew == nil {
		converse.WriteError(s.w, err)
		return
	}
	if s.enc.Done() {
		return
	}
	e := apierr.As(err)
	typ := bedrock.StreamExceptionType(e.Kind)
	if e.Kind == apierr.ModelTimeout {
		typ = "modelTimeoutException" // a member of InvokeModel's stream union, not Converse's
	}
	payload := struct {
		Message            string `json:"message"`
		OriginalStatusCode int    `json:"originalStatusCode,omitempty"`
		OriginalMessage    string `json:"originalMessage,omitempty"`
	}{Message: e.Message}
	if typ == "modelStreamErrorException" && e.UpstreamStatus != 0 {
		payload.OriginalStatusCode, payload.OriginalMessage = e.UpstreamStatus, e.Message
	}
	b, _ := json.Marshal(payload)
	_ = s.ew.WriteException(typ, b)
}
