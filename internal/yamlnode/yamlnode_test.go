package yamlnode

import (
	"strings"
	"testing"
)

func TestSuggest(t *testing.T) {
	keys := []string{"name", "type", "base_url", "api_key", "timeout", "headers", "region", "endpoint"}
	for in, want := range map[string]string{
		"baseurl": "base_url", "BaseURL": "base_url", "api-key": "api_key", "reigon": "region",
		"nmae": "name", "tiemout": "timeout", "header": "headers", "completely-different": "", "x": "",
	} {
		if got := suggest(in, keys); got != want {
			t.Errorf("suggest(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDidYouMeanAndQuote(t *testing.T) {
	if got := DidYouMean("reigon", []string{"region"}); got != ` (did you mean "region"?)` {
		t.Errorf("DidYouMean = %q", got)
	}
	if got := Quote(strings.Repeat("a", 100)); len(got) > 80 {
		t.Errorf("Quote did not cut a long value: %d bytes", len(got))
	}
	if Deref(nil) != nil {
		t.Error("Deref(nil)")
	}
}

func TestQuoteShort(t *testing.T) {
	long := strings.Repeat("é", 100)
	got := Quote(long)
	if len(got) > 80 || !strings.HasSuffix(got, `"...`) {
		t.Errorf("quoteShort of a long value = %s", got)
	}
}
