package bedrock

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/testutil/golden"
)

func TestDecodeRequestGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/request/*.wire.json")
	if len(files) == 0 {
		t.Fatal("no cases")
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".wire.json")
		t.Run(name, func(t *testing.T) {
			body, _ := os.ReadFile(f)
			req, err := DecodeRequest("us.amazon.nova-lite-v1:0", body)
			if err != nil {
				t.Fatal(err)
			}
			got := golden.JSON(t, req)
			golden.Assert(t, strings.TrimSuffix(f, ".wire.json")+".canon.json", got)
		})
	}
}

func TestDecodeRequestInvalid(t *testing.T) {
	files, _ := filepath.Glob("testdata/request/invalid/*.wire.json")
	if len(files) == 0 {
		t.Fatal("no cases")
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".wire.json")
		t.Run(name, func(t *testing.T) {
			body, _ := os.ReadFile(f)
			_, err := DecodeRequest("m", body)
			var ae *apierr.Error
			if !errors.As(err, &ae) || ae.Kind != apierr.Validation {
				t.Fatalf("err = %v, want a Validation *apierr.Error", err)
			}
			golden.Assert(t, strings.TrimSuffix(f, ".wire.json")+".err", []byte(ae.Message+"\n"))
		})
	}
}

func FuzzDecodeRequest(f *testing.F) {
	for _, pat := range []string{"testdata/request/*.wire.json", "testdata/request/invalid/*.wire.json"} {
		files, _ := filepath.Glob(pat)
		for _, file := range files {
			b, _ := os.ReadFile(file)
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := DecodeRequest("m", body)
		if err != nil {
			var ae *apierr.Error
			if !errors.As(err, &ae) || ae.Kind != apierr.Validation {
				t.Fatalf("err = %v, want Validation", err)
			}
			return
		}
		if len(req.Messages) == 0 || req.Messages[0].Role != "user" {
			t.Fatalf("accepted a request without a leading user message")
		}
		for _, m := range req.Messages {
			if len(m.Content) == 0 {
				t.Fatal("accepted an empty message")
			}
		}
	})
}
