package gateway

import (
	"context"
	"testing"
	"time"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
)

// slow answers only when its context ends, with the context's error.
type slow struct{ name string }

func (s slow) Name() string { return s.name }
func (s slow) Converse(ctx context.Context, _ *canon.Request, _ canon.EventWriter) error {
	<-ctx.Done()
	return ctx.Err()
}

// embedder is a provider that also embeds, answering with its name's length.
type embedder struct {
	fake
	err error
}

func (e *embedder) Embed(ctx context.Context, req *canon.EmbedRequest) (*canon.EmbedResponse, error) {
	e.calls++
	e.got = req.Model
	if e.err != nil {
		return nil, e.err
	}
	return &canon.EmbedResponse{Embeddings: [][]float32{{float32(len(e.name))}}, InputTokens: 3}, nil
}

type callLog []Call

func (r *callLog) Record(_ context.Context, c Call) { *r = append(*r, c) }

func TestProviderTimeoutFallsBack(t *testing.T) {
	b := &fake{name: "b", run: answer("from b")}
	g := New(NewTable([]Route{{ID: "m", Provider: slow{"a"}, Upstream: "ma"}, {ID: "m", Provider: b, Upstream: "mb"}}, nil, nil, nil), nil)
	g.Timeouts = map[string]time.Duration{"a": 20 * time.Millisecond}
	var rec callLog
	g.Recorder = &rec
	resp, err := converse(t, g, "m")
	if err != nil {
		t.Fatal(err)
	}
	if resp.Message.Content[0].Text != "from b" {
		t.Fatalf("answer %+v", resp)
	}
	if len(rec) != 2 || apierr.KindOf(rec[0].Err) != apierr.ModelTimeout {
		t.Fatalf("callLog %+v, want a ModelTimeout then a success", rec)
	}

	// Alone, the timed-out deployment's error reaches the caller as ModelTimeout.
	g = New(NewTable([]Route{{ID: "m", Provider: slow{"a"}, Upstream: "ma"}}, nil, nil, nil), nil)
	g.Timeouts = map[string]time.Duration{"a": 20 * time.Millisecond}
	if _, err := converse(t, g, "m"); apierr.KindOf(err) != apierr.ModelTimeout {
		t.Fatalf("err %v, want ModelTimeout", err)
	}
}

func TestUnarySkipsProvidersWithoutTheCapability(t *testing.T) {
	plain := &fake{name: "plain", run: answer("x")}
	failing := &embedder{fake: fake{name: "failing"}, err: apierr.New(apierr.Unavailable, "down")}
	good := &embedder{fake: fake{name: "good"}}
	var rec callLog
	g := New(NewTable([]Route{
		{ID: "e", Provider: plain, Upstream: "p"},
		{ID: "e", Provider: failing, Upstream: "f"},
		{ID: "e", Provider: good, Upstream: "g"},
	}, nil, nil, nil), nil)
	g.Recorder = &rec
	resp, err := g.Embed(context.Background(), &canon.EmbedRequest{Model: "e", Inputs: []string{"hi"}})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Embeddings[0][0] != 4 || good.got != "g" || failing.calls != 1 {
		t.Fatalf("resp %+v, good got %q, failing calls %d", resp, good.got, failing.calls)
	}
	// The provider without the capability is neither called nor callLog.
	if len(rec) != 2 || rec[0].Provider != "failing" || rec[1].Provider != "good" || rec[1].Usage.InputTokens != 3 {
		t.Fatalf("callLog %+v", rec)
	}

	// Only providers without the capability: the capability error, as a ValidationException.
	g = New(NewTable([]Route{{ID: "e", Provider: plain, Upstream: "p"}}, nil, nil, nil), nil)
	_, err = g.Embed(context.Background(), &canon.EmbedRequest{Model: "e"})
	if apierr.KindOf(err) != apierr.Validation {
		t.Fatalf("err %v, want Validation", err)
	}
}
