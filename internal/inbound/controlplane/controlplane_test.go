package controlplane

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/basalt-gateway/basalt/internal/catalog"
)

func handler(t *testing.T) http.Handler {
	t.Helper()
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	New(cat, Options{}).Register(mux)
	return mux
}

func get(t *testing.T, h http.Handler, path string, hdr ...string) (int, map[string]any, http.Header) {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	var body map[string]any
	_ = json.Unmarshal(w.Body.Bytes(), &body)
	return w.Code, body, w.Header()
}

func TestFoundationModels(t *testing.T) {
	h := handler(t)
	code, body, _ := get(t, h, "/foundation-models")
	list := body["modelSummaries"].([]any)
	if code != 200 || len(list) < 100 {
		t.Fatalf("%d, %d models", code, len(list))
	}
	for _, x := range list {
		m := x.(map[string]any)
		id := m["modelId"].(string)
		if id == "basalt-test" || id == "openai.gpt-5.4" {
			t.Errorf("%s is not a bedrock-runtime foundation model", id)
		}
		if m["modelArn"] != "arn:aws:bedrock:us-east-1::foundation-model/"+id {
			t.Errorf("arn %v", m["modelArn"])
		}
	}
	cases := map[string]func(m map[string]any) bool{
		"byProvider=anthropic":   func(m map[string]any) bool { return m["providerName"] == "Anthropic" },
		"byProvider=Amazon":      func(m map[string]any) bool { return m["providerName"] == "Amazon" },
		"byOutputModality=IMAGE": func(m map[string]any) bool { return strings.Contains(toS(m["outputModalities"]), "IMAGE") },
		"byOutputModality=EMBEDDING": func(m map[string]any) bool {
			return strings.Contains(toS(m["outputModalities"]), "EMBEDDING")
		},
		"byInputModality=SPEECH": func(m map[string]any) bool { return strings.Contains(toS(m["inputModalities"]), "SPEECH") },
		"byInferenceType=INFERENCE_PROFILE": func(m map[string]any) bool {
			return strings.Contains(toS(m["inferenceTypesSupported"]), "INFERENCE_PROFILE")
		},
	}
	for q, ok := range cases {
		_, body, _ := get(t, h, "/foundation-models?"+q)
		list := body["modelSummaries"].([]any)
		if len(list) == 0 {
			t.Errorf("%s: nothing", q)
		}
		for _, x := range list {
			if !ok(x.(map[string]any)) {
				t.Errorf("%s: %v", q, x)
			}
		}
	}
	for _, q := range []string{"byInferenceType=PROVISIONED", "byCustomizationType=FINE_TUNING"} {
		if _, body, _ := get(t, h, "/foundation-models?"+q); len(body["modelSummaries"].([]any)) != 0 {
			t.Errorf("%s: unknown facts matched", q)
		}
	}
	code, body, hdr := get(t, h, "/foundation-models?byOutputModality=SMELL")
	if code != 400 || !strings.HasPrefix(hdr.Get("x-amzn-ErrorType"), "ValidationException") {
		t.Errorf("bad enum: %d %v", code, body)
	}
}

func toS(v any) string { b, _ := json.Marshal(v); return string(b) }

func TestGetFoundationModel(t *testing.T) {
	h := handler(t)
	for _, id := range []string{"amazon.nova-reel-v1:0", "arn%3Aaws%3Abedrock%3Aus-east-1%3A%3Afoundation-model%2Famazon.nova-reel-v1%3A0"} {
		code, body, _ := get(t, h, "/foundation-models/"+id, "Authorization",
			"AWS4-HMAC-SHA256 Credential=AKID/20260101/eu-west-1/bedrock/aws4_request, SignedHeaders=host, Signature=x")
		d, _ := body["modelDetails"].(map[string]any)
		if code != 200 || d["modelId"] != "amazon.nova-reel-v1:0" || d["modelArn"] != "arn:aws:bedrock:eu-west-1::foundation-model/amazon.nova-reel-v1:0" {
			t.Fatalf("%s: %d %v", id, code, body)
		}
		lc := d["modelLifecycle"].(map[string]any)
		if lc["status"] != "LEGACY" || lc["endOfLifeTime"] != "2026-09-30T00:00:00Z" || toS(d["outputModalities"]) != `["VIDEO"]` {
			t.Errorf("%v", d)
		}
	}
	code, body, hdr := get(t, h, "/foundation-models/acme.nothing-v1:0")
	if code != 404 || !strings.HasPrefix(hdr.Get("x-amzn-ErrorType"), "ResourceNotFoundException") || body["message"] == nil {
		t.Fatalf("%d %v", code, body)
	}
}

func TestInferenceProfiles(t *testing.T) {
	h := handler(t)
	var ids []string
	next := ""
	for pages := 0; ; pages++ {
		path := "/inference-profiles?maxResults=10"
		if next != "" {
			path += "&nextToken=" + next
		}
		code, body, _ := get(t, h, path)
		if code != 200 {
			t.Fatalf("%d %v", code, body)
		}
		for _, x := range body["inferenceProfileSummaries"].([]any) {
			p := x.(map[string]any)
			ids = append(ids, p["inferenceProfileId"].(string))
			if p["status"] != "ACTIVE" || p["type"] != "SYSTEM_DEFINED" || len(p["models"].([]any)) == 0 || p["createdAt"] != "2026-11-25T00:00:00Z" {
				t.Fatalf("%v", p)
			}
		}
		n, _ := body["nextToken"].(string)
		if n == "" {
			break
		}
		next = n
		if pages > 100 {
			t.Fatal("no end")
		}
	}
	if len(ids) < 40 || ids[0] > ids[1] {
		t.Fatalf("%d profiles: %v", len(ids), ids[:3])
	}
	if _, body, _ := get(t, h, "/inference-profiles?type=APPLICATION"); len(body["inferenceProfileSummaries"].([]any)) != 0 {
		t.Error("application profiles listed")
	}
	code, body, _ := get(t, h, "/inference-profiles/eu.amazon.nova-lite-v1:0")
	if code != 200 || body["inferenceProfileArn"] != "arn:aws:bedrock:us-east-1:000000000000:inference-profile/eu.amazon.nova-lite-v1:0" ||
		!strings.Contains(toS(body["models"]), "arn:aws:bedrock:eu-central-1::foundation-model/amazon.nova-lite-v1:0") {
		t.Fatalf("%d %v", code, body)
	}
	for _, bad := range []string{"maxResults=0", "maxResults=1001", "nextToken=garbage", "type=OTHER"} {
		if code, _, hdr := get(t, h, "/inference-profiles?"+bad); code != 400 || !strings.HasPrefix(hdr.Get("x-amzn-ErrorType"), "ValidationException") {
			t.Errorf("%s: %d", bad, code)
		}
	}
	if code, _, hdr := get(t, h, "/inference-profiles/us.acme.nothing-v1:0"); code != 404 || !strings.HasPrefix(hdr.Get("x-amzn-ErrorType"), "ResourceNotFoundException") {
		t.Errorf("unknown profile: %d", code)
	}
}
