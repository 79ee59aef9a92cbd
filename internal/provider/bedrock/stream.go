package bedrock

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
)

// converseStream calls ConverseStream and forwards each event as it arrives.
// Closing the SDK stream closes the response body, which makes the transport
// drop the connection: that is how Bedrock learns the client went away.
func (p *Provider) converseStream(ctx context.Context, in *bedrockruntime.ConverseStreamInput, w canon.EventWriter) error {
	out, err := p.client.ConverseStream(ctx, in)
	if err != nil {
		return p.classify(ctx, err, false)
	}
	stream := out.GetStream()
	defer stream.Close()
	t := streamTranslator{w: w, index: map[int32]int{}, open: -1}
	events := stream.Events()
	for {
		select {
		case <-ctx.Done():
			stream.Close()
			return p.classify(ctx, ctx.Err(), true)
		case ev, ok := <-events:
			if !ok {
				if err := stream.Err(); err != nil {
					return p.classify(ctx, err, true)
				}
				if !t.stopped {
					// The SDK treats a body that ends between (or inside) frames
					// as a normal end of stream, so a cut connection looks like
					// success unless the stop event is checked for.
					return apierr.New(apierr.ModelStreamError,
						"bedrock provider %q: the answer stream ended before messageStop", p.name)
				}
				return nil
			}
			if err := t.translate(ev); err != nil {
				if t.werr != nil {
					return err // the receiver failed; its error says why
				}
				return apierr.Wrap(apierr.ModelStreamError, err,
					"bedrock provider %q: the answer stream was malformed", p.name)
			}
		}
	}
}

// streamTranslator turns ConverseStream events into canonical ones. Converse
// announces only tool-use blocks with a start event, and may stream blocks
// canon does not carry (images, server tool results); the translator
// announces text and reasoning blocks itself, skips foreign blocks, and
// renumbers the rest densely so indexes match the final message.
type streamTranslator struct {
	w       canon.EventWriter
	werr    error
	index   map[int32]int // upstream block index → canonical index; -1 = skipped
	next    int
	open    int // canonical index of the open block, -1 if none
	stopped bool
}

type protocolError string

func (e protocolError) Error() string { return string(e) }

func (t *streamTranslator) write(ev canon.Event) error {
	if err := t.w.WriteEvent(ev); err != nil {
		t.werr = err
		return err
	}
	return nil
}

// begin opens the canonical block for upstream index i, closing any block
// Bedrock left open so blocks never interleave.
func (t *streamTranslator) begin(i int32, ev canon.Event) (int, error) {
	if idx, ok := t.index[i]; ok {
		return idx, nil
	}
	if err := t.closeOpen(); err != nil {
		return 0, err
	}
	idx := t.next
	t.next++
	t.index[i] = idx
	t.open = idx
	ev.Kind, ev.Index = canon.EventBlockStart, idx
	return idx, t.write(ev)
}

func (t *streamTranslator) closeOpen() error {
	if t.open < 0 {
		return nil
	}
	idx := t.open
	t.open = -1
	return t.write(canon.Event{Kind: canon.EventBlockStop, Index: idx})
}

func (t *streamTranslator) translate(ev types.ConverseStreamOutput) error {
	switch e := ev.(type) {
	case *types.ConverseStreamOutputMemberMessageStart:
		return t.write(canon.Event{Kind: canon.EventMessageStart})
	case *types.ConverseStreamOutputMemberContentBlockStart:
		i := aws.ToInt32(e.Value.ContentBlockIndex)
		tu, ok := e.Value.Start.(*types.ContentBlockStartMemberToolUse)
		if !ok {
			t.index[i] = -1
			return nil
		}
		_, err := t.begin(i, canon.Event{BlockType: canon.BlockToolUse,
			ToolUseID: aws.ToString(tu.Value.ToolUseId), ToolName: aws.ToString(tu.Value.Name)})
		return err
	case *types.ConverseStreamOutputMemberContentBlockDelta:
		return t.delta(aws.ToInt32(e.Value.ContentBlockIndex), e.Value.Delta)
	case *types.ConverseStreamOutputMemberContentBlockStop:
		i := aws.ToInt32(e.Value.ContentBlockIndex)
		if idx, ok := t.index[i]; ok && idx >= 0 && idx == t.open {
			return t.closeOpen()
		}
		return nil
	case *types.ConverseStreamOutputMemberMessageStop:
		if err := t.closeOpen(); err != nil {
			return err
		}
		extra, err := fromDocument(e.Value.AdditionalModelResponseFields)
		if err != nil {
			return protocolError("messageStop additionalModelResponseFields: " + err.Error())
		}
		t.stopped = true
		return t.write(canon.Event{Kind: canon.EventMessageStop, StopReason: canon.StopReason(e.Value.StopReason),
			AdditionalFields: extra})
	case *types.ConverseStreamOutputMemberMetadata:
		ev := canon.Event{Kind: canon.EventMetadata, Usage: usageFrom(e.Value.Usage)}
		if e.Value.Metrics != nil {
			ev.LatencyMs = aws.ToInt64(e.Value.Metrics.LatencyMs)
		}
		return t.write(ev)
	}
	return nil // unknown events are tolerated, as every Bedrock SDK does
}

func (t *streamTranslator) delta(i int32, d types.ContentBlockDelta) error {
	if idx, ok := t.index[i]; ok && idx < 0 {
		return nil
	}
	var ev canon.Event
	var start canon.BlockType
	switch v := d.(type) {
	case *types.ContentBlockDeltaMemberText:
		ev, start = canon.Event{Delta: canon.DeltaText, Text: v.Value}, canon.BlockText
	case *types.ContentBlockDeltaMemberToolUse:
		if _, ok := t.index[i]; !ok {
			return protocolError("tool input delta without a tool-use start")
		}
		ev = canon.Event{Delta: canon.DeltaToolInput, Text: aws.ToString(v.Value.Input)}
	case *types.ContentBlockDeltaMemberReasoningContent:
		start = canon.BlockReasoning
		switch r := v.Value.(type) {
		case *types.ReasoningContentBlockDeltaMemberText:
			ev = canon.Event{Delta: canon.DeltaReasoningText, Text: r.Value}
		case *types.ReasoningContentBlockDeltaMemberSignature:
			ev = canon.Event{Delta: canon.DeltaReasoningSignature, Text: r.Value}
		case *types.ReasoningContentBlockDeltaMemberRedactedContent:
			ev = canon.Event{Delta: canon.DeltaReasoningRedacted, Redacted: r.Value}
		default:
			return nil
		}
	default:
		// Citations, image and server tool-result deltas have no canonical form.
		return nil
	}
	idx, err := t.begin(i, canon.Event{BlockType: start})
	if err != nil {
		return err
	}
	ev.Kind, ev.Index = canon.EventBlockDelta, idx
	return t.write(ev)
}
