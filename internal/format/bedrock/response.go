package bedrock

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"reflect"
	"strconv"

	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/format/jsonbytes"
)

// FromCanonResponse converts a canonical answer to the Converse response.
func FromCanonResponse(r *canon.Response) *ConverseResponse {
	out := &ConverseResponse{StopReason: string(r.StopReason)}
	if out.StopReason == "" {
		out.StopReason = string(canon.StopEndTurn)
	}
	out.Output.Message.Role = "assistant"
	out.Output.Message.Content = make([]ResponseBlock, 0, len(r.Message.Content))
	for _, b := range r.Message.Content {
		switch b.Type {
		case canon.BlockText:
			t := b.Text
			out.Output.Message.Content = append(out.Output.Message.Content, ResponseBlock{Text: &t})
		case canon.BlockToolUse:
			in := b.ToolUse.Input
			if len(in) == 0 {
				in = json.RawMessage("{}")
			}
			out.Output.Message.Content = append(out.Output.Message.Content, ResponseBlock{ToolUse: &ToolUse{
				ToolUseID: b.ToolUse.ID, Name: b.ToolUse.Name, Input: in, Type: b.ToolUse.Type}})
		case canon.BlockReasoning:
			out.Output.Message.Content = append(out.Output.Message.Content, ResponseBlock{ReasoningContent: reasoningContent(b.Reasoning)})
		}
	}
	out.Usage = usage(r.Usage)
	out.Metrics.LatencyMs = r.LatencyMs
	out.AdditionalModelResponseFields = r.AdditionalFields
	return out
}

func reasoningContent(r *canon.Reasoning) *ReasoningContent {
	if len(r.Redacted) > 0 && r.Text == "" {
		return &ReasoningContent{RedactedContent: r.Redacted}
	}
	rc := &ReasoningContent{}
	rc.ReasoningText = &struct {
		Text      string `json:"text"`
		Signature string `json:"signature,omitempty"`
	}{Text: r.Text, Signature: r.Signature}
	return rc
}

func usage(u canon.Usage) Usage {
	return Usage{InputTokens: u.InputTokens, OutputTokens: u.OutputTokens, TotalTokens: u.Total(),
		CacheReadInputTokens: u.CacheReadTokens, CacheWriteInputTokens: u.CacheWriteTokens}
}

// EncodeResponse returns the Converse response body for r: the bytes
// json.Marshal(FromCanonResponse(r)) returns (and its error, for raw JSON
// that is not valid), written directly rather than built as a struct and
// encoded by reflection, which took most of the encoder's time and
// allocations.
func EncodeResponse(r *canon.Response) ([]byte, error) {
	n := 256 + len(r.AdditionalFields)
	for _, b := range r.Message.Content {
		n += len(b.Text) + 16
		if b.ToolUse != nil {
			n += len(b.ToolUse.ID) + len(b.ToolUse.Name) + len(b.ToolUse.Input) + 64
		}
	}
	out := append(make([]byte, 0, n), `{"output":{"message":{"role":"assistant","content":[`...)
	first := true
	var err error
	for _, b := range r.Message.Content {
		switch b.Type {
		case canon.BlockText, canon.BlockToolUse, canon.BlockReasoning:
		default:
			continue
		}
		if !first {
			out = append(out, ',')
		}
		first = false
		switch b.Type {
		case canon.BlockText:
			out = append(out, `{"text":`...)
			out = jsonbytes.AppendString(out, b.Text)
			out = append(out, '}')
		case canon.BlockToolUse:
			tu := b.ToolUse
			in := tu.Input
			if len(in) == 0 {
				in = json.RawMessage("{}")
			}
			out = append(out, `{"toolUse":{"toolUseId":`...)
			out = jsonbytes.AppendString(out, tu.ID)
			out = append(out, `,"name":`...)
			out = jsonbytes.AppendString(out, tu.Name)
			out = append(out, `,"input":`...)
			if out, err = appendRaw(out, in); err != nil {
				return nil, err
			}
			if tu.Type != "" {
				out = append(out, `,"type":`...)
				out = jsonbytes.AppendString(out, tu.Type)
			}
			out = append(out, `}}`...)
		case canon.BlockReasoning:
			rc := reasoningContent(b.Reasoning)
			out = append(out, `{"reasoningContent":{`...)
			if rt := rc.ReasoningText; rt != nil {
				out = append(out, `"reasoningText":{"text":`...)
				out = jsonbytes.AppendString(out, rt.Text)
				if rt.Signature != "" {
					out = append(out, `,"signature":`...)
					out = jsonbytes.AppendString(out, rt.Signature)
				}
				out = append(out, '}')
				if len(rc.RedactedContent) > 0 {
					out = append(out, ',')
				}
			}
			if len(rc.RedactedContent) > 0 {
				out = append(out, `"redactedContent":"`...)
				out = base64.StdEncoding.AppendEncode(out, rc.RedactedContent)
				out = append(out, '"')
			}
			out = append(out, `}}`...)
		}
	}
	stop := string(r.StopReason)
	if stop == "" {
		stop = string(canon.StopEndTurn)
	}
	out = append(out, `]}},"stopReason":`...)
	out = jsonbytes.AppendString(out, stop)
	u := usage(r.Usage)
	out = append(out, `,"usage":{"inputTokens":`...)
	out = strconv.AppendInt(out, int64(u.InputTokens), 10)
	out = append(out, `,"outputTokens":`...)
	out = strconv.AppendInt(out, int64(u.OutputTokens), 10)
	out = append(out, `,"totalTokens":`...)
	out = strconv.AppendInt(out, int64(u.TotalTokens), 10)
	if u.CacheReadInputTokens != 0 {
		out = append(out, `,"cacheReadInputTokens":`...)
		out = strconv.AppendInt(out, int64(u.CacheReadInputTokens), 10)
	}
	if u.CacheWriteInputTokens != 0 {
		out = append(out, `,"cacheWriteInputTokens":`...)
		out = strconv.AppendInt(out, int64(u.CacheWriteInputTokens), 10)
	}
	out = append(out, `},"metrics":{"latencyMs":`...)
	out = strconv.AppendInt(out, r.LatencyMs, 10)
	out = append(out, '}')
	if len(r.AdditionalFields) > 0 {
		out = append(out, `,"additionalModelResponseFields":`...)
		if out, err = appendRaw(out, r.AdditionalFields); err != nil {
			return nil, err
		}
	}
	return append(out, '}'), nil
}

// appendRaw appends raw JSON as json.Marshal writes a json.RawMessage:
// compacted, with <, >, &, U+2028 and U+2029 escaped. Text that is not
// valid JSON is an error.
func appendRaw(dst []byte, raw json.RawMessage) ([]byte, error) {
	buf := bytes.NewBuffer(dst)
	if err := json.Compact(buf, raw); err != nil {
		return nil, &json.MarshalerError{Type: reflect.TypeFor[json.RawMessage](), Err: err}
	}
	out := buf.Bytes()
	for _, c := range out[len(dst):] {
		if c == '<' || c == '>' || c == '&' || c == 0xE2 { // 0xE2 leads U+2028 and U+2029
			var esc bytes.Buffer
			json.HTMLEscape(&esc, out[len(dst):])
			return append(out[:len(dst)], esc.Bytes()...), nil
		}
	}
	return out, nil
}
