package anthropic

import (
	"encoding/json"

	"github.com/basalt-gateway/basalt/internal/format/jsonbytes"
)

// decodeResponseFast decodes a Messages answer without reflection, which
// took most of the time the provider spent on one: it returns what
// json.Unmarshal into a MessagesResponse returns, or false where that takes
// more than a read of the text (see jsonbytes.Fields), and DecodeResponse
// then decodes the ordinary way.
func decodeResponseFast(body []byte) (*MessagesResponse, bool) {
	if !json.Valid(body) {
		return nil, false
	}
	if _, ok := jsonbytes.Object(body); !ok {
		return nil, false
	}
	r := new(MessagesResponse)
	ok := jsonbytes.Fields(body, responseKeys, func(i int, v []byte) bool {
		switch i {
		case 0:
			return jsonbytes.DecodeString(v, &r.ID)
		case 1:
			return jsonbytes.DecodeString(v, &r.Type)
		case 2:
			return jsonbytes.DecodeString(v, &r.Role)
		case 3:
			return jsonbytes.DecodeString(v, &r.Model)
		case 4:
			return fastBlocks(v, &r.Content)
		case 5:
			return jsonbytes.DecodeStringPtr(v, &r.StopReason)
		case 6:
			return jsonbytes.DecodeStringPtr(v, &r.StopSequence)
		}
		u := &r.Usage
		return jsonbytes.Fields(v, usageKeys, func(i int, v []byte) bool {
			switch i {
			case 0:
				return jsonbytes.DecodeInt(v, &u.InputTokens)
			case 1:
				return jsonbytes.DecodeInt(v, &u.CacheCreationInputTokens)
			case 2:
				return jsonbytes.DecodeInt(v, &u.CacheReadInputTokens)
			case 3:
				return jsonbytes.DecodeInt(v, &u.OutputTokens)
			}
			return jsonbytes.DecodeString(v, &u.ServiceTier)
		})
	})
	return r, ok
}

// The JSON names of the fields of MessagesResponse and the types in it,
// in the order the decoders here number them.
var (
	responseKeys = []string{"id", "type", "role", "model", "content", "stop_reason", "stop_sequence", "usage"}
	usageKeys    = []string{"input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens", "output_tokens", "service_tier"}
	blockKeys    = []string{"type", "text", "citations", "source", "title", "context", "id", "name", "input",
		"tool_use_id", "content", "is_error", "thinking", "signature", "data", "cache_control"}
	sourceKeys       = []string{"type", "media_type", "data", "url", "file_id", "content"}
	cacheControlKeys = []string{"type", "ttl"}
)

// fastBlocks decodes v as Blocks.UnmarshalJSON does.
func fastBlocks(v []byte, dst *Blocks) bool {
	if len(v) > 0 && v[0] == '"' {
		return dst.UnmarshalJSON(v) == nil
	}
	n, isNull, ok := jsonbytes.Count(v)
	if !ok || isNull {
		*dst = nil
		return ok
	}
	list := make(Blocks, 0, n)
	_, _, ok = jsonbytes.List(v, func(ev []byte) bool {
		list = append(list, ContentBlock{})
		c := &list[len(list)-1]
		if !jsonbytes.Fields(ev, blockKeys, func(i int, v []byte) bool { return fastBlockField(c, i, v) }) {
			return false
		}
		if !modelledBlock(c.Type) {
			c.Raw = append(json.RawMessage(nil), ev...)
		}
		return true
	})
	*dst = list
	return ok
}

func fastBlockField(c *ContentBlock, i int, v []byte) bool {
	switch blockKeys[i] {
	case "type":
		return jsonbytes.DecodeString(v, &c.Type)
	case "text":
		return jsonbytes.DecodeString(v, &c.Text)
	case "citations":
		return jsonbytes.DecodeRaw(v, &c.Citations)
	case "source":
		if jsonbytes.IsNull(v) {
			c.Source = nil
			return true
		}
		s := new(Source)
		c.Source = s
		return jsonbytes.Fields(v, sourceKeys, func(i int, v []byte) bool {
			switch i {
			case 0:
				return jsonbytes.DecodeString(v, &s.Type)
			case 1:
				return jsonbytes.DecodeString(v, &s.MediaType)
			case 2:
				return jsonbytes.DecodeString(v, &s.Data)
			case 3:
				return jsonbytes.DecodeString(v, &s.URL)
			case 4:
				return jsonbytes.DecodeString(v, &s.FileID)
			}
			return s.Content.UnmarshalJSON(v) == nil
		})
	case "title":
		return jsonbytes.DecodeString(v, &c.Title)
	case "context":
		return jsonbytes.DecodeString(v, &c.Context)
	case "id":
		return jsonbytes.DecodeString(v, &c.ID)
	case "name":
		return jsonbytes.DecodeString(v, &c.Name)
	case "input":
		return jsonbytes.DecodeRaw(v, &c.Input)
	case "tool_use_id":
		return jsonbytes.DecodeString(v, &c.ToolUseID)
	case "content":
		return c.Content.UnmarshalJSON(v) == nil
	case "is_error":
		return jsonbytes.DecodeBool(v, &c.IsError)
	case "thinking":
		return jsonbytes.DecodeString(v, &c.Thinking)
	case "signature":
		return jsonbytes.DecodeString(v, &c.Signature)
	case "data":
		return jsonbytes.DecodeString(v, &c.Data)
	}
	if jsonbytes.IsNull(v) {
		c.CacheControl = nil
		return true
	}
	cc := new(CacheControl)
	c.CacheControl = cc
	return jsonbytes.Fields(v, cacheControlKeys, func(i int, v []byte) bool {
		if i == 0 {
			return jsonbytes.DecodeString(v, &cc.Type)
		}
		return jsonbytes.DecodeString(v, &cc.TTL)
	})
}
