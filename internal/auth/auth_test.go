package auth

import (
	"net/http/httptest"
	"testing"
)

func TestCheck(t *testing.T) {
	k := New([]string{"k1", "", "k2"})
	cases := []struct {
		name   string
		header map[string]string
		xapi   bool
		want   error
	}{
		{"bearer", map[string]string{"Authorization": "Bearer k1"}, false, nil},
		{"bearer lower-case scheme", map[string]string{"Authorization": "bearer k2"}, false, nil},
		{"wrong bearer", map[string]string{"Authorization": "Bearer nope"}, false, ErrInvalid},
		{"missing", nil, false, ErrMissing},
		{"x-api-key where allowed", map[string]string{"x-api-key": "k2"}, true, nil},
		{"x-api-key where not allowed", map[string]string{"x-api-key": "k2"}, false, ErrMissing},
		{"sigv4 on bedrock", map[string]string{"Authorization": "AWS4-HMAC-SHA256 Credential=x"}, false, ErrSigV4},
		{"empty key configured is not a key", map[string]string{"Authorization": "Bearer "}, false, ErrMissing},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/", nil)
			for h, v := range c.header {
				r.Header.Set(h, v)
			}
			if got := k.Check(r, c.xapi); got != c.want {
				t.Fatalf("Check = %v, want %v", got, c.want)
			}
		})
	}
	if New(nil).Enabled() || New([]string{""}).Enabled() {
		t.Fatal("no keys must mean disabled")
	}
	if err := New(nil).Check(httptest.NewRequest("GET", "/", nil), false); err != nil {
		t.Fatal("disabled must accept everything")
	}
}
