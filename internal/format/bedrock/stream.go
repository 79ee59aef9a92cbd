package bedrock

import (
	"encoding/base64"
	"strconv"

	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/format/jsonbytes"
)

// Stream event names (the ConverseStream union members).
const (
	EventMessageStart      = "messageStart"
	EventContentBlockStart = "contentBlockStart"
	EventContentBlockDelta = "contentBlockDelta"
	EventContentBlockStop  = "contentBlockStop"
	EventMessageStop       = "messageStop"
	EventMetadata          = "metadata"
)

// AppendStreamEvent appends the ConverseStream payload for ev to dst and
// returns it with the event's :event-type. ok is false for canonical events
// that ConverseStream has no frame for (the start of a text or reasoning
// block: the union has no member for them, a block begins with its first
// delta). Payloads are built by hand because this runs once per streamed
// token; each union in them has exactly one member set.
func AppendStreamEvent(dst []byte, ev canon.Event) (payload []byte, eventType string, ok bool) {
	switch ev.Kind {
	case canon.EventMessageStart:
		return append(dst, `{"role":"assistant"}`...), EventMessageStart, true
	case canon.EventBlockStart:
		if ev.BlockType != canon.BlockToolUse {
			return dst, "", false
		}
		dst = appendIndex(dst, ev.Index)
		dst = append(dst, `,"start":{"toolUse":{"toolUseId":`...)
		dst = appendString(dst, ev.ToolUseID)
		dst = append(dst, `,"name":`...)
		dst = appendString(dst, ev.ToolName)
		return append(dst, `}}}`...), EventContentBlockStart, true
	case canon.EventBlockDelta:
		dst = appendIndex(dst, ev.Index)
		switch ev.Delta {
		case canon.DeltaText:
			dst = append(dst, `,"delta":{"text":`...)
			dst = appendString(dst, ev.Text)
			dst = append(dst, `}}`...)
		case canon.DeltaToolInput:
			dst = append(dst, `,"delta":{"toolUse":{"input":`...)
			dst = appendString(dst, ev.Text)
			dst = append(dst, `}}}`...)
		case canon.DeltaReasoningText:
			dst = append(dst, `,"delta":{"reasoningContent":{"text":`...)
			dst = appendString(dst, ev.Text)
			dst = append(dst, `}}}`...)
		case canon.DeltaReasoningSignature:
			dst = append(dst, `,"delta":{"reasoningContent":{"signature":`...)
			dst = appendString(dst, ev.Text)
			dst = append(dst, `}}}`...)
		case canon.DeltaReasoningRedacted:
			dst = append(dst, `,"delta":{"reasoningContent":{"redactedContent":"`...)
			dst = base64.StdEncoding.AppendEncode(dst, ev.Redacted)
			dst = append(dst, `"}}}`...)
		default:
			return dst, "", false
		}
		return dst, EventContentBlockDelta, true
	case canon.EventBlockStop:
		dst = appendIndex(dst, ev.Index)
		return append(dst, '}'), EventContentBlockStop, true
	case canon.EventMessageStop:
		dst = append(dst, `{"stopReason":`...)
		sr := string(ev.StopReason)
		if sr == "" {
			sr = string(canon.StopEndTurn)
		}
		dst = appendString(dst, sr)
		if len(ev.AdditionalFields) > 0 {
			dst = append(dst, `,"additionalModelResponseFields":`...)
			dst = append(dst, ev.AdditionalFields...)
		}
		return append(dst, '}'), EventMessageStop, true
	case canon.EventMetadata:
		u := ev.Usage
		dst = append(dst, `{"usage":{"inputTokens":`...)
		dst = strconv.AppendInt(dst, int64(u.InputTokens), 10)
		dst = append(dst, `,"outputTokens":`...)
		dst = strconv.AppendInt(dst, int64(u.OutputTokens), 10)
		dst = append(dst, `,"totalTokens":`...)
		dst = strconv.AppendInt(dst, int64(u.Total()), 10)
		if u.CacheReadTokens > 0 {
			dst = append(dst, `,"cacheReadInputTokens":`...)
			dst = strconv.AppendInt(dst, int64(u.CacheReadTokens), 10)
		}
		if u.CacheWriteTokens > 0 {
			dst = append(dst, `,"cacheWriteInputTokens":`...)
			dst = strconv.AppendInt(dst, int64(u.CacheWriteTokens), 10)
		}
		dst = append(dst, `},"metrics":{"latencyMs":`...)
		dst = strconv.AppendInt(dst, ev.LatencyMs, 10)
		return append(dst, `}}`...), EventMetadata, true
	}
	return dst, "", false
}

func appendIndex(dst []byte, i int) []byte {
	dst = append(dst, `{"contentBlockIndex":`...)
	return strconv.AppendInt(dst, int64(i), 10)
}

// appendString appends s as a JSON string, escaping as encoding/json does
// but without HTML escaping, which JSON does not require.
func appendString(dst []byte, s string) []byte { return jsonbytes.AppendStringNoHTML(dst, s) }
