package apierr

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestAsHidesForeignErrors(t *testing.T) {
	secret := errors.New("dial tcp 10.0.0.1:443: key sk-12345")
	e := As(fmt.Errorf("calling upstream: %w", secret))
	if e.Kind != Internal {
		t.Fatalf("kind = %v, want Internal", e.Kind)
	}
	if strings.Contains(e.Message, "sk-12345") || strings.Contains(e.Message, "10.0.0.1") {
		t.Fatalf("client message leaks the cause: %q", e.Message)
	}
	if !errors.Is(e, secret) {
		t.Fatal("cause not kept for logs")
	}
}

func TestAsKeepsTypedErrors(t *testing.T) {
	orig := Wrap(Throttling, context.DeadlineExceeded, "slow down")
	e := As(fmt.Errorf("layer: %w", orig))
	if e != orig {
		t.Fatalf("As returned %v, want the wrapped *Error", e)
	}
	if !errors.Is(e, context.DeadlineExceeded) {
		t.Fatal("Unwrap lost the cause")
	}
	if KindOf(nil) != Internal || As(nil) != nil {
		t.Fatal("nil handling")
	}
}

func TestKindNames(t *testing.T) {
	for k := Internal; k <= Unauthenticated; k++ {
		if !strings.HasSuffix(k.String(), "Exception") {
			t.Errorf("kind %d has name %q", k, k.String())
		}
	}
	if Kind(200).String() != "InternalServerException" {
		t.Error("out-of-range kind")
	}
}

func TestFromStatus(t *testing.T) {
	cases := []struct {
		status int
		want   Kind
	}{
		{400, Validation}, {401, AccessDenied}, {403, AccessDenied}, {404, NotFound},
		{408, ModelTimeout}, {413, Validation}, {422, Validation}, {429, Throttling},
		{500, Internal}, {502, Unavailable}, {503, Unavailable}, {504, ModelTimeout},
		{529, Unavailable}, {418, Validation},
	}
	for _, c := range cases {
		e := FromStatus(c.status, "upstream says no")
		if e.Kind != c.want || e.UpstreamStatus != c.status || e.Message != "upstream says no" {
			t.Errorf("FromStatus(%d) = %+v, want kind %v", c.status, e, c.want)
		}
	}
	if FromStatus(500, "").Message == "" {
		t.Error("empty message not replaced")
	}
}
