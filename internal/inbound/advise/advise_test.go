package advise

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/basalt-gateway/basalt/internal/advisor"
	"github.com/basalt-gateway/basalt/internal/catalog"
)

func serve(t *testing.T, body string) *httptest.ResponseRecorder {
	t.Helper()
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	Handler{Catalog: cat}.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/advise", strings.NewReader(body)))
	return w
}

func TestAdvise(t *testing.T) {
	w := serve(t, `{"workload":"rag","require":["documents"],"region":"eu-central-1","priority":"cost","monthly_input_tokens":1000000,"top":2}`)
	if w.Code != 200 || w.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	var a map[string]json.RawMessage
	if err := json.Unmarshal(w.Body.Bytes(), &a); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"workload", "apis", "recommendations", "rejected", "understood"} {
		if _, ok := a[k]; !ok {
			t.Errorf("answer lacks %q", k)
		}
	}
	if len(a) != 5 {
		t.Errorf("answer has %d keys", len(a))
	}
	var ans advisor.Answer
	_ = json.Unmarshal(w.Body.Bytes(), &ans)
	if ans.Workload != advisor.RAG || len(ans.Recommendations) != 3 || ans.Understood.Region != "eu-central-1" {
		t.Fatalf("%+v", ans)
	}
	for _, rec := range ans.Recommendations {
		if len(rec.Models) > 2 {
			t.Errorf("top 2 ignored: %d", len(rec.Models))
		}
	}
}

func TestAdviseFreeText(t *testing.T) {
	w := serve(t, `{"text":"answer questions over our PDFs in eu-central-1, cheap","priority":"quality"}`)
	var ans advisor.Answer
	if err := json.Unmarshal(w.Body.Bytes(), &ans); err != nil || w.Code != 200 {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	u := ans.Understood
	if u.Workload != advisor.RAG || u.Region != "eu-central-1" || u.Priority != advisor.Quality || len(u.Rules) == 0 || u.Text == "" {
		t.Fatalf("understood %+v", u)
	}
}

func TestAdviseErrors(t *testing.T) {
	for _, c := range []struct{ body, want string }{
		{`{"workload":"poetry"}`, `unknown workload \"poetry\"`},
		{`{"worklaod":"rag"}`, `unknown field \"worklaod\"`},
		{`{"top":"five"}`, `field \"top\" must be int`},
		{`{`, "unexpected end of JSON"},
		{`{"require":["telepathy"],"max_input_price":-1}`, "telepathy"},
		{`{} {}`, "more than one JSON value"},
	} {
		w := serve(t, c.body)
		if w.Code != 400 || !strings.HasPrefix(w.Header().Get("x-amzn-ErrorType"), "ValidationException") || !strings.Contains(w.Body.String(), c.want) {
			t.Errorf("%s: %d %s %s", c.body, w.Code, w.Header().Get("x-amzn-ErrorType"), w.Body)
		}
	}
	if w := serve(t, ""); w.Code != 200 {
		t.Errorf("empty body: %d %s", w.Code, w.Body)
	}
}
