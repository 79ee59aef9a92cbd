package gateway

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
)

// fake is a scripted provider.
type fake struct {
	name  string
	calls int
	got   string // upstream model of the last call
	run   func(w canon.EventWriter) error
}

func (f *fake) Name() string { return f.name }
func (f *fake) Converse(_ context.Context, req *canon.Request, w canon.EventWriter) error {
	f.calls++
	f.got = req.Model
	return f.run(w)
}

func answer(text string) func(canon.EventWriter) error {
	return func(w canon.EventWriter) error {
		return canon.Emit(w, &canon.Response{Message: canon.Message{Role: canon.RoleAssistant, Content: []canon.Block{canon.TextBlock(text)}}, StopReason: canon.StopEndTurn})
	}
}

func failWith(k apierr.Kind) func(canon.EventWriter) error {
	return func(canon.EventWriter) error { return apierr.New(k, "boom") }
}

func converse(t *testing.T, g *Gateway, model string) (*canon.Response, error) {
	t.Helper()
	acc := canon.NewAccumulator()
	if err := g.Converse(context.Background(), &canon.Request{Model: model}, acc); err != nil {
		return nil, err
	}
	return acc.Response()
}

func TestFallbackBeforeFirstEvent(t *testing.T) {
	a := &fake{name: "a", run: failWith(apierr.Throttling)}
	b := &fake{name: "b", run: answer("from b")}
	g := New(NewTable([]Route{{ID: "m", Provider: a, Upstream: "ma"}, {ID: "m", Provider: b, Upstream: "mb"}}, nil, nil, nil), nil)
	resp, err := converse(t, g, "m")
	if err != nil {
		t.Fatal(err)
	}
	if resp.Message.Content[0].Text != "from b" || a.got != "ma" || b.got != "mb" {
		t.Fatalf("resp %+v, a got %q, b got %q", resp, a.got, b.got)
	}
	// a is now cooling down: b is tried first.
	if _, err := converse(t, g, "m"); err != nil || a.calls != 1 || b.calls != 2 {
		t.Fatalf("second call: err %v, a.calls %d, b.calls %d", err, a.calls, b.calls)
	}
	// After the cooldown a is first again.
	g.now = func() time.Time { return time.Now().Add(time.Minute) }
	_, _ = converse(t, g, "m")
	if a.calls != 2 {
		t.Fatalf("a not retried after cooldown: %d calls", a.calls)
	}
}

func TestNoFallbackForClientErrors(t *testing.T) {
	a := &fake{name: "a", run: failWith(apierr.Validation)}
	b := &fake{name: "b", run: answer("b")}
	g := New(NewTable([]Route{{ID: "m", Provider: a}, {ID: "m", Provider: b}}, nil, nil, nil), nil)
	if _, err := converse(t, g, "m"); apierr.KindOf(err) != apierr.Validation || b.calls != 0 {
		t.Fatalf("err %v, b.calls %d", err, b.calls)
	}
}

func TestNoFallbackAfterFirstEvent(t *testing.T) {
	a := &fake{name: "a", run: func(w canon.EventWriter) error {
		_ = w.WriteEvent(canon.Event{Kind: canon.EventMessageStart})
		return apierr.New(apierr.Unavailable, "mid-stream")
	}}
	b := &fake{name: "b", run: answer("b")}
	g := New(NewTable([]Route{{ID: "m", Provider: a}, {ID: "m", Provider: b}}, nil, nil, nil), nil)
	if _, err := converse(t, g, "m"); apierr.KindOf(err) != apierr.Unavailable || b.calls != 0 {
		t.Fatalf("err %v, b.calls %d", err, b.calls)
	}
}

func TestTruncatedStreamIsAnError(t *testing.T) {
	a := &fake{name: "a", run: func(w canon.EventWriter) error {
		_ = w.WriteEvent(canon.Event{Kind: canon.EventMessageStart})
		return w.WriteEvent(canon.Event{Kind: canon.EventBlockDelta, Delta: canon.DeltaText, Text: "half"})
	}}
	g := New(NewTable([]Route{{ID: "m", Provider: a}}, nil, nil, nil), nil)
	if _, err := converse(t, g, "m"); apierr.KindOf(err) != apierr.ModelStreamError {
		t.Fatalf("err = %v, want ModelStreamError", err)
	}
}

func TestMetadataAndLatencyFilledIn(t *testing.T) {
	a := &fake{name: "a", run: func(w canon.EventWriter) error {
		_ = w.WriteEvent(canon.Event{Kind: canon.EventMessageStart})
		return w.WriteEvent(canon.Event{Kind: canon.EventMessageStop, StopReason: canon.StopEndTurn})
	}}
	g := New(NewTable([]Route{{ID: "m", Provider: a}}, nil, nil, nil), nil)
	start := time.Now()
	g.now = func() time.Time { start = start.Add(5 * time.Millisecond); return start }
	var last canon.Event
	err := g.Converse(context.Background(), &canon.Request{Model: "m"}, canon.EventWriterFunc(func(ev canon.Event) error { last = ev; return nil }))
	if err != nil || last.Kind != canon.EventMetadata || last.LatencyMs <= 0 {
		t.Fatalf("err %v, last event %+v", err, last)
	}
}

func TestClientWriteErrorIsNotRetried(t *testing.T) {
	a := &fake{name: "a", run: answer("a")}
	b := &fake{name: "b", run: answer("b")}
	g := New(NewTable([]Route{{ID: "m", Provider: a}, {ID: "m", Provider: b}}, nil, nil, nil), nil)
	gone := errors.New("client gone")
	err := g.Converse(context.Background(), &canon.Request{Model: "m"}, canon.EventWriterFunc(func(canon.Event) error { return gone }))
	if !errors.Is(err, gone) || b.calls != 0 {
		t.Fatalf("err %v, b.calls %d", err, b.calls)
	}
}

func TestTableResolve(t *testing.T) {
	local := &fake{name: "local"}
	oa := &fake{name: "openai"}
	br := &fake{name: "aws"}
	known := func(id string) (string, bool) {
		switch id {
		case "amazon.nova-lite-v1:0", "us.amazon.nova-lite-v1:0", "anthropic.claude-x":
			return strings.TrimPrefix(id, "us."), true
		}
		return "", false
	}
	tab := NewTable([]Route{{ID: "basalt-test", Provider: local}, {ID: "amazon.nova-lite-v1:0", Provider: oa, Upstream: "llama3.2"}},
		[]Provider{local, oa, br}, []Provider{br}, known)
	cases := []struct {
		id, provider, upstream string
	}{
		{"basalt-test", "local", "basalt-test"},
		{"amazon.nova-lite-v1:0", "openai", "llama3.2"},
		{"us.amazon.nova-lite-v1:0", "openai", "llama3.2"},
		{"openai/gpt-4o-mini", "openai", "gpt-4o-mini"},
		{"anthropic.claude-x", "aws", "anthropic.claude-x"},
	}
	for _, c := range cases {
		deps, err := tab.Resolve(context.Background(), c.id)
		if err != nil || len(deps) != 1 || deps[0].Provider.Name() != c.provider || deps[0].Upstream != c.upstream {
			t.Errorf("Resolve(%q) = %+v, %v", c.id, deps, err)
		}
	}
	_, err := tab.Resolve(context.Background(), "nope")
	var ae *apierr.Error
	if !errors.As(err, &ae) || ae.Kind != apierr.NotFound || !strings.Contains(ae.Message, `"nope"`) || !strings.Contains(ae.Message, "models entry") {
		t.Fatalf("unknown model error = %v", err)
	}
	noBedrock := NewTable(nil, nil, nil, known)
	_, err = noBedrock.Resolve(context.Background(), "anthropic.claude-x")
	if !errors.As(err, &ae) || !strings.Contains(ae.Message, "AWS credentials") {
		t.Fatalf("catalog model without bedrock: %v", err)
	}
}

type recorded struct{ calls []Call }

func (r *recorded) Record(_ context.Context, c Call) { r.calls = append(r.calls, c) }

func TestRecorderSeesEveryAttempt(t *testing.T) {
	a := &fake{name: "a", run: failWith(apierr.Unavailable)}
	b := &fake{name: "b", run: func(w canon.EventWriter) error {
		return canon.Emit(w, &canon.Response{StopReason: canon.StopEndTurn, Usage: canon.Usage{InputTokens: 2, OutputTokens: 3}})
	}}
	g := New(NewTable([]Route{{ID: "m", Provider: a, Upstream: "ua"}, {ID: "m", Provider: b, Upstream: "ub"}}, nil, nil, nil), nil)
	rec := &recorded{}
	g.Recorder = rec
	if _, err := converse(t, g, "m"); err != nil {
		t.Fatal(err)
	}
	if len(rec.calls) != 2 || rec.calls[0].Err == nil || rec.calls[0].Provider != "a" ||
		rec.calls[1].Err != nil || rec.calls[1].Usage.OutputTokens != 3 || rec.calls[1].Upstream != "ub" || rec.calls[1].Model != "m" {
		t.Fatalf("calls = %+v", rec.calls)
	}
}
