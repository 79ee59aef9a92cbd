package local

import (
	"context"
	"strings"
	"time"

	"github.com/basalt-gateway/basalt/internal/canon"
)

type streamer struct {
	ctx   context.Context
	w     canon.EventWriter
	delay time.Duration
	idx   int
}

func (s *streamer) emit(ev canon.Event) error {
	if err := s.ctx.Err(); err != nil {
		return err
	}
	return s.w.WriteEvent(ev)
}

func (s *streamer) pause() error {
	if s.delay <= 0 {
		return nil
	}
	t := time.NewTimer(s.delay)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-s.ctx.Done():
		return s.ctx.Err()
	}
}

// words splits text into deltas that concatenate back to it exactly.
func words(text string) []string {
	var out []string
	for len(text) > 0 {
		i := strings.IndexByte(text, ' ')
		if i < 0 {
			out = append(out, text)
			break
		}
		out = append(out, text[:i+1])
		text = text[i+1:]
	}
	return out
}

func (s *streamer) run(pl *plan) error {
	if err := s.emit(canon.Event{Kind: canon.EventMessageStart}); err != nil {
		return err
	}
	if pl.reasoning != "" {
		if err := s.block(canon.BlockReasoning, canon.DeltaReasoningText, pl.reasoning, "basalt-test-signature"); err != nil {
			return err
		}
	}
	if pl.text != "" {
		if pl.failAfter != nil {
			if err := s.emit(canon.Event{Kind: canon.EventBlockStart, Index: s.idx, BlockType: canon.BlockText}); err != nil {
				return err
			}
			if err := s.emit(canon.Event{Kind: canon.EventBlockDelta, Index: s.idx, Delta: canon.DeltaText, Text: pl.text}); err != nil {
				return err
			}
			return pl.failAfter
		}
		if err := s.block(canon.BlockText, canon.DeltaText, pl.text, ""); err != nil {
			return err
		}
	}
	for _, t := range pl.tools {
		if err := s.emit(canon.Event{Kind: canon.EventBlockStart, Index: s.idx, BlockType: canon.BlockToolUse, ToolUseID: t.ID, ToolName: t.Name}); err != nil {
			return err
		}
		in := string(t.Input)
		half := len(in) / 2
		for _, frag := range []string{in[:half], in[half:]} {
			if err := s.pause(); err != nil {
				return err
			}
			if err := s.emit(canon.Event{Kind: canon.EventBlockDelta, Index: s.idx, Delta: canon.DeltaToolInput, Text: frag}); err != nil {
				return err
			}
		}
		if err := s.emit(canon.Event{Kind: canon.EventBlockStop, Index: s.idx}); err != nil {
			return err
		}
		s.idx++
	}
	if err := s.emit(canon.Event{Kind: canon.EventMessageStop, StopReason: pl.stop}); err != nil {
		return err
	}
	return s.emit(canon.Event{Kind: canon.EventMetadata, Usage: pl.usage})
}

func (s *streamer) block(bt canon.BlockType, dt canon.DeltaType, text, signature string) error {
	if err := s.emit(canon.Event{Kind: canon.EventBlockStart, Index: s.idx, BlockType: bt}); err != nil {
		return err
	}
	for _, w := range words(text) {
		if err := s.pause(); err != nil {
			return err
		}
		if err := s.emit(canon.Event{Kind: canon.EventBlockDelta, Index: s.idx, Delta: dt, Text: w}); err != nil {
			return err
		}
	}
	if signature != "" {
		if err := s.emit(canon.Event{Kind: canon.EventBlockDelta, Index: s.idx, Delta: canon.DeltaReasoningSignature, Text: signature}); err != nil {
			return err
		}
	}
	if err := s.emit(canon.Event{Kind: canon.EventBlockStop, Index: s.idx}); err != nil {
		return err
	}
	s.idx++
	return nil
}
