package counttokens

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/catalog"
	"github.com/basalt-gateway/basalt/internal/testutil/golden"
)

const claude = "anthropic.claude-sonnet-4-20250514-v1:0"

// models names the model each testdata/requests body is counted for.
var models = map[string]string{
	"converse":            claude,
	"invoke_claude":       claude,
	"invoke_nova":         "amazon.nova-lite-v1:0",
	"invoke_llama":        "meta.llama3-8b-instruct-v1:0",
	"invoke_titan_embed":  "amazon.titan-embed-text-v2:0",
	"invoke_cohere_embed": "cohere.embed-english-v3",
}

// TestDecodeGolden decodes each request body and records the canonical
// input and the count internal/tokenize gives it (these models' counts are
// estimates).
func TestDecodeGolden(t *testing.T) {
	for _, file := range golden.Glob(t, "testdata/requests/*.json") {
		name := strings.TrimSuffix(filepath.Base(file), ".json")
		t.Run(name, func(t *testing.T) {
			model, ok := models[name]
			if !ok {
				t.Fatalf("no model for %s", name)
			}
			body, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			in, err := Decode(model, catalog.FamilyFromID(model), body)
			if err != nil {
				t.Fatal(err)
			}
			if (in.Request == nil) == (in.Embed == nil) {
				t.Fatalf("input %+v: want exactly one of Request and Embed", in)
			}
			if embed := strings.Contains(name, "embed"); embed != (in.Embed != nil) {
				t.Errorf("embed input = %v", in.Embed != nil)
			}
			n, err := Count(context.Background(), nil, in)
			if err != nil {
				t.Fatal(err)
			}
			golden.Assert(t, filepath.Join("testdata", "golden", name+".json"), golden.JSON(t, map[string]any{"input": in, "inputTokens": n}))
		})
	}
}

func TestDecodeInvalid(t *testing.T) {
	for _, c := range []struct {
		name, model, body, want string
	}{
		{"empty", claude, ``, "Malformed input request: the request body must be a JSON object"},
		{"array", claude, `[]`, "Malformed input request"},
		{"no input", claude, `{}`, "Value null at 'input' failed to satisfy constraint: Member must not be null"},
		{"null input", claude, `{"input":null}`, "Value null at 'input'"},
		{"input not object", claude, `{"input":"x"}`, "input must be an object"},
		{"no member", claude, `{"input":{}}`, "exactly one member (converse or invokeModel), and none is set"},
		{"null member", claude, `{"input":{"converse":null}}`, "none is set"},
		{"two members", claude, `{"input":{"converse":{"messages":[]},"invokeModel":{"body":""}}}`, "but 2 are set"},
		{"unknown member", claude, `{"input":{"prompt":{"text":"x"}}}`, "unknown member prompt"},
		{"no messages", claude, `{"input":{"converse":{}}}`, "Value null at 'input.converse.messages'"},
		{"converse not object", claude, `{"input":{"converse":[1]}}`, "input.converse must be an object"},
		{"empty messages", claude, `{"input":{"converse":{"messages":[]}}}`, "A conversation must start with a user message"},
		{"bad role", claude, `{"input":{"converse":{"messages":[{"role":"robot","content":[{"text":"x"}]}]}}}`, "messages.0.role"},
		{"unknown converse member", claude, `{"input":{"converse":{"messages":[{"role":"user","content":[{"text":"x"}]}],"foo":1}}}`, "unknown member"},
		{"no body", claude, `{"input":{"invokeModel":{}}}`, "Value null at 'input.invokeModel.body'"},
		{"body not string", claude, `{"input":{"invokeModel":{"body":5}}}`, "input.invokeModel must be an object with a body string"},
		{"bad base64", claude, `{"input":{"invokeModel":{"body":"!!!"}}}`, "input.invokeModel.body is not valid base64"},
		// {} for Claude: InvokeModel's own message.
		{"claude body missing keys", claude, `{"input":{"invokeModel":{"body":"e30="}}}`, "required key [messages] not found"},
		{"empty body", claude, `{"input":{"invokeModel":{"body":""}}}`, "Malformed input request"},
		{"unsupported family", "stability.sd3-5-large-v1:0", `{"input":{"invokeModel":{"body":"e30="}}}`, "InvokeModel on this gateway supports"},
	} {
		_, err := Decode(c.model, catalog.FamilyFromID(c.model), []byte(c.body))
		if apierr.KindOf(err) != apierr.Validation || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want a Validation error containing %q", c.name, err, c.want)
		}
	}
}

func TestDecodeBodyTooLong(t *testing.T) {
	long := strings.Repeat("A", (MaxInvokeBody+3)/3*4+4)
	_, err := Decode(claude, "claude", []byte(`{"input":{"invokeModel":{"body":"`+long+`"}}}`))
	if apierr.KindOf(err) != apierr.Validation || !strings.Contains(err.Error(), "length less than or equal to 25000000") {
		t.Errorf("%v", err)
	}
}

// fakeCounter answers for a fixed model, like the app's counter.
type fakeCounter struct {
	n, embedN int
	ok        bool
	err       error
	got       []string
}

func (f *fakeCounter) CountTokens(_ context.Context, req *canon.Request) (int, bool, error) {
	f.got = append(f.got, req.Model)
	return f.n, f.ok, f.err
}

func (f *fakeCounter) CountEmbedTokens(_ context.Context, req *canon.EmbedRequest) (int, bool, error) {
	f.got = append(f.got, "embed:"+req.Model)
	return f.embedN, f.ok, f.err
}

func serveCount(t *testing.T, counter Counter, model, body string) *httptest.ResponseRecorder {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("POST /model/{modelId}/count-tokens", Handler(counter, catalog.FamilyFromID, 0, nil))
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("POST", "/model/"+model+"/count-tokens", strings.NewReader(body)))
	return rec
}

func TestHandler(t *testing.T) {
	converseBody := `{"input":{"converse":{"messages":[{"role":"user","content":[{"text":"hello world"}]}]}}}`
	embedBody, _ := os.ReadFile("testdata/requests/invoke_titan_embed.json")
	for _, c := range []struct {
		name, model, body string
		counter           *fakeCounter
		status            int
		want, errType     string
	}{
		{"provider counts", claude, converseBody, &fakeCounter{n: 42, ok: true}, 200, `{"inputTokens":42}`, ""},
		// Nobody counts: internal/tokenize (the estimate: 11 chars → 3, +3 per message).
		{"estimate", claude, converseBody, &fakeCounter{}, 200, `{"inputTokens":6}`, ""},
		{"no counter", claude, converseBody, nil, 200, `{"inputTokens":6}`, ""},
		// An OpenAI model, exact: 3 + "user" 1 + "hello world" 2 + 3.
		{"bpe", "gpt-4o", converseBody, nil, 200, `{"inputTokens":9}`, ""},
		{"embed counted", "amazon.titan-embed-text-v2:0", string(embedBody), &fakeCounter{embedN: 7, ok: true}, 200, `{"inputTokens":7}`, ""},
		// "How do I reset my password?": 27 chars → 7.
		{"embed estimate", "amazon.titan-embed-text-v2:0", string(embedBody), &fakeCounter{}, 200, `{"inputTokens":7}`, ""},
		{"huge count", claude, converseBody, &fakeCounter{n: 1 << 40, ok: true}, 200, `{"inputTokens":2147483647}`, ""},
		{"unknown model", "no-such-model", converseBody, &fakeCounter{err: apierr.New(apierr.NotFound, "model %q is not served", "no-such-model")}, 404, "", "ResourceNotFoundException"},
		{"throttled", claude, converseBody, &fakeCounter{err: apierr.New(apierr.Throttling, "slow down")}, 429, "", "ThrottlingException"},
		{"malformed", claude, `{"input":{}}`, &fakeCounter{}, 400, "", "ValidationException"},
	} {
		var counter Counter
		if c.counter != nil {
			counter = c.counter
		}
		rec := serveCount(t, counter, c.model, c.body)
		if rec.Code != c.status {
			t.Errorf("%s: status %d %s", c.name, rec.Code, rec.Body)
			continue
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s: content type %q", c.name, ct)
		}
		if c.want != "" && rec.Body.String() != c.want {
			t.Errorf("%s: body %s, want %s", c.name, rec.Body, c.want)
		}
		if et := rec.Header().Get("x-amzn-ErrorType"); !strings.HasPrefix(et, c.errType) || (c.errType == "") != (et == "") {
			t.Errorf("%s: error type %q, want %q", c.name, et, c.errType)
		}
	}
}

// The counter is asked under the model id the client sent.
func TestHandlerAsksCounter(t *testing.T) {
	fc := &fakeCounter{n: 1, ok: true}
	serveCount(t, fc, "us.anthropic.claude-sonnet-4-20250514-v1:0", `{"input":{"converse":{"messages":[{"role":"user","content":[{"text":"x"}]}]}}}`)
	body, _ := os.ReadFile("testdata/requests/invoke_cohere_embed.json")
	serveCount(t, fc, "cohere.embed-english-v3", string(body))
	if len(fc.got) != 2 || fc.got[0] != "us.anthropic.claude-sonnet-4-20250514-v1:0" || fc.got[1] != "embed:cohere.embed-english-v3" {
		t.Errorf("counter asked for %v", fc.got)
	}
}

func TestHandlerBadModelID(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("POST /model/{modelId}/count-tokens", Handler(nil, nil, 0, nil))
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("POST", "/model/a%20b/count-tokens", strings.NewReader(`{}`)))
	if rec.Code != 400 || !strings.Contains(rec.Body.String(), "modelId") {
		t.Errorf("%d %s", rec.Code, rec.Body)
	}
}
