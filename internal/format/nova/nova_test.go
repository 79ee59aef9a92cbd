package nova

import (
	"testing"

	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/testutil/familytest"
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
	familytest.StreamWithoutStop(t, func(sink func([]byte) error, m func(canon.Usage, int64) (string, any)) familytest.Encoder {
		return NewStreamEncoder(sink, m)
	}, `"metadata"`)
}
