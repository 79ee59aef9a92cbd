// Package auth checks the API keys clients present. Keys are kept only as
// SHA-256 digests and compared in constant time, so neither the keys nor
// their timing reach anyone.
package auth

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"
)

// Errors Check returns; their text is safe to show a client.
var (
	ErrMissing = errors.New("no API key was sent; send it as \"Authorization: Bearer <key>\"")
	ErrInvalid = errors.New("the API key is not valid for this gateway")
	ErrSigV4   = errors.New("this gateway requires an API key (\"Authorization: Bearer <key>\", e.g. AWS_BEARER_TOKEN_BEDROCK with the AWS SDKs); it does not verify AWS SigV4 signatures yet")
)

// Keys is the set of accepted keys.
type Keys struct {
	digests [][sha256.Size]byte
}

// New returns the set of keys; empty keys are ignored.
func New(keys []string) *Keys {
	k := &Keys{}
	for _, key := range keys {
		if key != "" {
			k.digests = append(k.digests, sha256.Sum256([]byte(key)))
		}
	}
	return k
}

// Enabled reports whether any key is configured; without keys every
// request is accepted.
func (k *Keys) Enabled() bool { return k != nil && len(k.digests) > 0 }

// Check accepts r if it carries a configured key as a Bearer token, or, when
// allowXAPIKey (the Anthropic and OpenAI surfaces), in x-api-key.
func (k *Keys) Check(r *http.Request, allowXAPIKey bool) error {
	if !k.Enabled() {
		return nil
	}
	key := ""
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, rest, _ := strings.Cut(h, " ")
		switch {
		case strings.EqualFold(scheme, "Bearer"):
			key = strings.TrimSpace(rest)
		case strings.HasPrefix(scheme, "AWS4-"):
			if !allowXAPIKey {
				return ErrSigV4
			}
		}
	}
	if key == "" && allowXAPIKey {
		key = strings.TrimSpace(r.Header.Get("x-api-key"))
	}
	if key == "" {
		return ErrMissing
	}
	d := sha256.Sum256([]byte(key))
	ok := 0
	for _, want := range k.digests {
		ok |= subtle.ConstantTimeCompare(d[:], want[:])
	}
	if ok != 1 {
		return ErrInvalid
	}
	return nil
}
