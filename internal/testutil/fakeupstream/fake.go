// Package fakeupstream holds one wire-exact fake server per upstream API
// (OpenAI Chat Completions, Anthropic Messages, Bedrock runtime), shared by
// provider unit tests and the SDK conformance tests. Each fake records what
// it received, answers from scripted replies in the provider's exact wire
// format, and can inject the provider's real error bodies, mid-stream
// failures and stalls.
package fakeupstream

import (
	"bytes"
	"io"
	"net/http"
	"sync"
)

// Recorded is one request a fake received.
type Recorded struct {
	Method string
	Path   string
	Header http.Header
	Body   []byte
}

// Recorder keeps the requests a fake received; fakes embed it.
type Recorder struct {
	mu   sync.Mutex
	reqs []Recorded
}

// Record reads r's body and stores the request; it returns the body.
func (rc *Recorder) Record(r *http.Request) []byte {
	body, _ := io.ReadAll(r.Body)
	_ = r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(body))
	rc.mu.Lock()
	rc.reqs = append(rc.reqs, Recorded{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: body})
	rc.mu.Unlock()
	return body
}

// Requests returns every request received so far.
func (rc *Recorder) Requests() []Recorded {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]Recorded(nil), rc.reqs...)
}

// Last returns the most recent request (the zero value if none).
func (rc *Recorder) Last() Recorded {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.reqs) == 0 {
		return Recorded{}
	}
	return rc.reqs[len(rc.reqs)-1]
}
