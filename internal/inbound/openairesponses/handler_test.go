package openairesponses

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/basalt-gateway/basalt/internal/canon"
)

// blocking answers only when its context ends.
type blocking struct{ started chan struct{} }

func (b blocking) Converse(ctx context.Context, _ *canon.Request, _ canon.EventWriter) error {
	close(b.started)
	<-ctx.Done()
	return ctx.Err()
}

func TestCloseEndsBackgroundRuns(t *testing.T) {
	conv := blocking{started: make(chan struct{})}
	st := NewMemoryStore()
	h := New(conv, st, nil)
	mux := http.NewServeMux()
	h.Register(mux)
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("POST", "/v1/responses", strings.NewReader(`{"model":"m","input":"x","background":true}`)))
	var created struct{ ID, Status string }
	if err := json.Unmarshal(rec.Body.Bytes(), &created); err != nil || rec.Code != 200 || created.Status != "queued" {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	<-conv.started
	h.Close() // must not hang, and must record the outcome
	status, resp, _, _, _ := st.GetResponse(context.Background(), created.ID)
	if status != "failed" || !strings.Contains(string(resp), "shut down") {
		t.Fatalf("after Close: %s %s", status, resp)
	}
	// After Close, background requests are refused rather than leaked.
	rec = httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("POST", "/v1/responses", strings.NewReader(`{"model":"m","input":"x","background":true}`)))
	if rec.Code != 503 {
		t.Fatalf("background after Close: %d %s", rec.Code, rec.Body)
	}
}

func TestPaginate(t *testing.T) {
	var items [][]byte
	for i := 1; i <= 5; i++ {
		items = append(items, []byte(fmt.Sprintf(`{"id":"i%d"}`, i)))
	}
	ids := func(after string, limit int, desc bool) string {
		p, err := paginate(items, after, limit, desc)
		if err != nil {
			return err.Error()
		}
		var out []string
		for _, d := range p.Data {
			var v struct{ ID string }
			_ = json.Unmarshal(d, &v)
			out = append(out, v.ID)
		}
		return fmt.Sprintf("%v more=%v", out, p.HasMore)
	}
	for _, c := range []struct {
		after string
		limit int
		desc  bool
		want  string
	}{
		{"", 2, false, "[i1 i2] more=true"},
		{"i2", 2, false, "[i3 i4] more=true"},
		{"i4", 2, false, "[i5] more=false"},
		{"", 20, true, "[i5 i4 i3 i2 i1] more=false"},
		{"i4", 1, true, "[i3] more=true"},
	} {
		if got := ids(c.after, c.limit, c.desc); got != c.want {
			t.Errorf("after %q limit %d desc %v: %s, want %s", c.after, c.limit, c.desc, got, c.want)
		}
	}
	if _, err := paginate(items, "nope", 2, false); err == nil {
		t.Error("unknown cursor accepted")
	}
}
