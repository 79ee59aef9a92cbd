package nova

import (
	"errors"
	"github.com/basalt-gateway/basalt/internal/testutil/familytest"
	"strings"
	"testing"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
)

const testModel = "amazon.nova-lite-v1:0"

func decode(body []byte) (*canon.Request, error) { return DecodeRequest(testModel, body) }

func TestDecodeRequestGolden(t *testing.T)  { familytest.DecodeGolden(t, decode) }
func TestDecodeRequestInvalid(t *testing.T) { familytest.DecodeInvalid(t, decode) }
func FuzzDecodeRequest(f *testing.F)        { familytest.Fuzz(f, decode) }

func TestResponseGolden(t *testing.T) {
	familytest.ResponseGolden(t, func(r *canon.Response) any { return ResponseFromCanon(r) })
}

func TestStreamGolden(t *testing.T) {
	familytest.StreamGolden(t, func(sink func([]byte) error) familytest.Encoder { return NewStreamEncoder(sink, metrics) })
}

var metrics = familytest.Metrics

func TestStreamWithoutStop(t *testing.T) {
	enc := NewStreamEncoder(func([]byte) error { return nil }, nil)
	_ = enc.WriteEvent(canon.Event{Kind: canon.EventMessageStart})
	var ae *apierr.Error
	if err := enc.Finish(); !errors.As(err, &ae) || ae.Kind != apierr.ModelStreamError {
		t.Fatalf("Finish = %v", err)
	}
	// Stopped without metadata: Finish writes the metadata chunk itself.
	var last string
	enc = NewStreamEncoder(func(c []byte) error { last = string(c); return nil }, metrics)
	_ = enc.WriteEvent(canon.Event{Kind: canon.EventMessageStop, StopReason: canon.StopEndTurn})
	if err := enc.Finish(); err != nil || !strings.Contains(last, `"metadata"`) || !strings.Contains(last, "amazon-bedrock-invocationMetrics") {
		t.Fatalf("Finish = %v, last chunk %s", err, last)
	}
}
