package gateway

import (
	"context"
	"strings"
	"testing"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
)

// imager generates images; refuse, if set, is its CanGenerateImage
// answer and err its GenerateImage error.
type imager struct {
	fake
	refuse, err error
}

func (m *imager) GenerateImage(_ context.Context, req *canon.ImageRequest) (*canon.ImageResponse, error) {
	m.calls++
	m.got = req.Model
	if m.err != nil {
		return nil, m.err
	}
	return &canon.ImageResponse{Images: [][]byte{[]byte(m.name)}, InputTokens: 2, OutputTokens: 5}, nil
}

func (m *imager) CanGenerateImage(*canon.ImageRequest) error { return m.refuse }

func TestGenerateImage(t *testing.T) {
	plain := &fake{name: "plain", run: answer("x")}
	picky := &imager{fake: fake{name: "picky"}, refuse: apierr.Validationf("picky draws cats only")}
	good := &imager{fake: fake{name: "good"}}
	var rec callLog
	g := New(NewTable([]Route{
		{ID: "img", Provider: plain, Upstream: "p"},
		{ID: "img", Provider: picky, Upstream: "k"},
		{ID: "img", Provider: good, Upstream: "g"},
	}, nil, nil, nil), nil)
	g.Recorder = &rec
	resp, err := g.GenerateImage(context.Background(), &canon.ImageRequest{Model: "img", Task: canon.ImageInpainting})
	if err != nil {
		t.Fatal(err)
	}
	if string(resp.Images[0]) != "good" || good.got != "g" || picky.calls != 0 {
		t.Fatalf("answered by %q (upstream %q), picky called %d times", resp.Images[0], good.got, picky.calls)
	}
	if len(rec) != 1 || rec[0].Provider != "good" || rec[0].Usage.InputTokens != 2 || rec[0].Usage.OutputTokens != 5 {
		t.Errorf("recorded %+v", rec)
	}

	// Nothing can: the first refusal is the answer.
	g = New(NewTable([]Route{{ID: "img", Provider: plain, Upstream: "p"}, {ID: "img", Provider: picky, Upstream: "k"}}, nil, nil, nil), nil)
	_, err = g.GenerateImage(context.Background(), &canon.ImageRequest{Model: "img"})
	if msg := apierr.As(err).Message; apierr.KindOf(err) != apierr.Validation ||
		!strings.Contains(msg, `model "img" is served by provider "plain", which cannot generate images`) ||
		!strings.Contains(msg, "a Bedrock provider") || !strings.Contains(msg, "/images/generations") {
		t.Errorf("err = %v", err)
	}
	g = New(NewTable([]Route{{ID: "img", Provider: picky, Upstream: "k"}}, nil, nil, nil), nil)
	if _, err = g.GenerateImage(context.Background(), &canon.ImageRequest{Model: "img"}); apierr.As(err).Message != "picky draws cats only" {
		t.Errorf("err = %v", err)
	}
}

func TestGenerateImageUnknownModel(t *testing.T) {
	known := func(id string) (string, bool) { return id, id == "amazon.nova-canvas-v1:0" }
	g := New(NewTable(nil, []Provider{&fake{name: "local"}}, nil, known), nil)
	_, err := g.GenerateImage(context.Background(), &canon.ImageRequest{Model: "amazon.nova-canvas-v1:0"})
	msg := apierr.As(err).Message
	if apierr.KindOf(err) != apierr.NotFound || !strings.Contains(msg, "is a Bedrock model, but no provider serves it here") ||
		!strings.Contains(msg, "Image models need a provider that generates images") ||
		!strings.Contains(msg, `{id: "amazon.nova-canvas-v1:0", provider: <name>`) {
		t.Errorf("err = %v", err)
	}
	// An upstream's own 404 is passed on as it is.
	missing := &imager{fake: fake{name: "m"}, err: apierr.New(apierr.NotFound, "The model `x` does not exist")}
	g = New(NewTable([]Route{{ID: "img", Provider: missing, Upstream: "x"}}, nil, nil, nil), nil)
	if _, err := g.GenerateImage(context.Background(), &canon.ImageRequest{Model: "img"}); apierr.As(err).Message != "The model `x` does not exist" {
		t.Errorf("err = %v", err)
	}
}
