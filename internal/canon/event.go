package canon

import "encoding/json"

// EventKind says which member of the event stream an Event is.
type EventKind uint8

const (
	EventMessageStart EventKind = iota + 1
	EventBlockStart
	EventBlockDelta
	EventBlockStop
	EventMessageStop
	EventMetadata
)

var eventKindNames = [...]string{
	EventMessageStart: "messageStart", EventBlockStart: "contentBlockStart",
	EventBlockDelta: "contentBlockDelta", EventBlockStop: "contentBlockStop",
	EventMessageStop: "messageStop", EventMetadata: "metadata",
}

func (k EventKind) String() string {
	if int(k) < len(eventKindNames) && eventKindNames[k] != "" {
		return eventKindNames[k]
	}
	return "unknown"
}

// DeltaType says what a content-block delta carries.
type DeltaType uint8

const (
	DeltaText               DeltaType = iota + 1 // Event.Text is a text fragment
	DeltaToolInput                               // Event.Text is a fragment of the tool input JSON
	DeltaReasoningText                           // Event.Text is a fragment of reasoning text
	DeltaReasoningSignature                      // Event.Text is the reasoning signature
	DeltaReasoningRedacted                       // Event.Redacted is redacted reasoning
)

// StopReason is why the model stopped, in Converse's vocabulary.
type StopReason string

const (
	StopEndTurn               StopReason = "end_turn"
	StopToolUse               StopReason = "tool_use"
	StopMaxTokens             StopReason = "max_tokens"
	StopSequence              StopReason = "stop_sequence"
	StopGuardrailIntervened   StopReason = "guardrail_intervened"
	StopContentFiltered       StopReason = "content_filtered"
	StopContextWindowExceeded StopReason = "model_context_window_exceeded"
	StopMalformedToolUse      StopReason = "malformed_tool_use"
	StopMalformedModelOutput  StopReason = "malformed_model_output"
)

// Usage counts tokens with Bedrock's semantics: InputTokens excludes cache
// reads and writes, so the total is Input + CacheRead + CacheWrite + Output.
type Usage struct {
	InputTokens      int
	OutputTokens     int
	CacheReadTokens  int
	CacheWriteTokens int
}

// Total is every token the call consumed.
func (u Usage) Total() int {
	return u.InputTokens + u.OutputTokens + u.CacheReadTokens + u.CacheWriteTokens
}

// Event is one element of the canonical answer stream. It is a plain value
// (no interface boxing) so the streaming hot path allocates nothing per event.
//
// Order: MessageStart; then per content block BlockStart, BlockDelta…,
// BlockStop with a fresh Index (0, 1, 2, … in the final message's order;
// blocks do not interleave); then MessageStop; then Metadata last.
type Event struct {
	Kind  EventKind
	Index int // content block index for Block* events

	// BlockStart: which block begins, and for tool use its id and name.
	BlockType BlockType // BlockText, BlockToolUse or BlockReasoning
	ToolUseID string
	ToolName  string

	// BlockDelta.
	Delta    DeltaType
	Text     string
	Redacted []byte

	// MessageStop.
	StopReason       StopReason
	AdditionalFields json.RawMessage // values picked by AdditionalResponseFieldPaths

	// Metadata.
	Usage     Usage
	LatencyMs int64
}

// EventWriter receives an answer as canonical events. Calls are sequential;
// a non-nil error means the receiver cannot take more (the client went away,
// a guardrail stopped the answer) and the producer must stop reading upstream.
type EventWriter interface {
	WriteEvent(ev Event) error
}

// EventWriterFunc adapts a function to EventWriter.
type EventWriterFunc func(Event) error

// WriteEvent calls f(ev).
func (f EventWriterFunc) WriteEvent(ev Event) error { return f(ev) }
