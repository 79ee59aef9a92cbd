package nativejson

import (
	"strings"

	"github.com/basalt-gateway/basalt/internal/canon"
)

// PromptError is a problem found in a prompt written in a model's chat
// template (Llama, Mistral, DeepSeek-R1), worded for the client.
type PromptError string

func (e PromptError) Error() string { return string(e) }

// AppendTurn adds a turn parsed from a prompt template to msgs, joining it
// to the last message when that has the same role: templates may repeat a
// role, and a canonical conversation alternates.
func AppendTurn(msgs []canon.Message, role canon.Role, text string) []canon.Message {
	if n := len(msgs); n > 0 && msgs[n-1].Role == role {
		msgs[n-1].Content = append(msgs[n-1].Content, canon.TextBlock(text))
		return msgs
	}
	return append(msgs, canon.Message{Role: role, Content: []canon.Block{canon.TextBlock(text)}})
}

// TurnEnd is where the turn text at the start of s ends: the index of the
// first of markers in s, or len(s) if there is none.
func TurnEnd(s string, markers ...string) int {
	end := len(s)
	for _, m := range markers {
		if i := strings.Index(s, m); i >= 0 && i < end {
			end = i
		}
	}
	return end
}
