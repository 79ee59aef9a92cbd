package bedrock_test

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
	"github.com/google/go-cmp/cmp"

	fu "github.com/basalt-gateway/basalt/internal/testutil/fakeupstream"
)

// These tests read the fake's bytes without the SDK, so a fake that only
// the SDK's lenient decoder accepts cannot hide a wire mistake.

func post(t *testing.T, url string) *http.Response {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(`{"messages":[]}`))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		resp.Body.Close()
		http.DefaultClient.CloseIdleConnections()
	})
	return resp
}

// frames splits an event-stream body into its raw messages.
func frames(t *testing.T, body []byte) [][]byte {
	t.Helper()
	var out [][]byte
	for len(body) > 0 {
		if len(body) < 16 {
			t.Fatalf("trailing %d bytes", len(body))
		}
		n := binary.BigEndian.Uint32(body)
		out = append(out, body[:n])
		body = body[n:]
	}
	return out
}

func headerNames(hs eventstream.Headers) []string {
	var names []string
	for _, h := range hs {
		names = append(names, h.Name)
	}
	return names
}

func TestFakeStreamWire(t *testing.T) {
	isolateAWS(t)
	fake := fu.NewBedrock(t)
	fake.Reply(fu.BedrockReply{Blocks: []fu.BedrockBlock{fu.BedrockText("hi")}})
	resp := post(t, fake.URL+"/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile%2Fus.amazon.nova-lite-v1%3A0/converse-stream")
	if ct := resp.Header.Get("Content-Type"); ct != "application/vnd.amazon.eventstream" {
		t.Errorf("Content-Type = %q", ct)
	}
	if resp.Header.Get("X-Amzn-Requestid") == "" {
		t.Error("no x-amzn-RequestId")
	}
	if got := fake.ModelIDs(); len(got) != 1 || got[0] != "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.amazon.nova-lite-v1:0" {
		t.Errorf("model id = %q", got)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	dec := eventstream.NewDecoder()
	for _, raw := range frames(t, body) {
		msg, err := dec.Decode(bytes.NewReader(raw), nil) // checks both CRCs
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff([]string{":event-type", ":content-type", ":message-type"}, headerNames(msg.Headers)); d != "" {
			t.Errorf("headers (-want +got):\n%s", d)
		}
		et := msg.Headers.Get(":event-type").String()
		types = append(types, et)
		if et == "messageStop" {
			checkSpecVector(t, raw)
		}
	}
	want := []string{"messageStart", "contentBlockDelta", "contentBlockStop", "messageStop", "metadata"}
	if d := cmp.Diff(want, types); d != "" {
		t.Errorf("event order (-want +got):\n%s", d)
	}
}

func checkSpecVector(t *testing.T, got []byte) {
	t.Helper()
	text, err := os.ReadFile("testdata/wire/messagestop.hex")
	if err != nil {
		t.Fatal(err)
	}
	var hexDigits strings.Builder
	for _, line := range strings.Split(string(text), "\n") {
		if !strings.HasPrefix(line, "#") {
			hexDigits.WriteString(strings.ReplaceAll(line, " ", ""))
		}
	}
	want, err := hex.DecodeString(hexDigits.String())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(want, got) {
		t.Errorf("messageStop frame differs from the spec vector:\nwant % x\ngot  % x", want, got)
	}
}

func TestFakeExceptionFrame(t *testing.T) {
	isolateAWS(t)
	fake := fu.NewBedrock(t)
	fake.Reply(fu.BedrockReply{Blocks: []fu.BedrockBlock{fu.BedrockText("hi")},
		Fault: &fu.BedrockFault{After: 1, Exception: "throttlingException", Message: "slow down"}})
	body, err := io.ReadAll(post(t, fake.URL+"/model/m/converse-stream").Body)
	if err != nil {
		t.Fatal(err)
	}
	fs := frames(t, body)
	if len(fs) != 2 {
		t.Fatalf("%d frames, want messageStart and the exception", len(fs))
	}
	msg, err := eventstream.NewDecoder().Decode(bytes.NewReader(fs[1]), nil)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{":exception-type", ":content-type", ":message-type"}, headerNames(msg.Headers)); d != "" {
		t.Errorf("headers (-want +got):\n%s", d)
	}
	if mt, et := msg.Headers.Get(":message-type").String(), msg.Headers.Get(":exception-type").String(); mt != "exception" || et != "throttlingException" {
		t.Errorf(":message-type %q, :exception-type %q", mt, et)
	}
	if string(msg.Payload) != `{"message":"slow down"}` {
		t.Errorf("payload = %s", msg.Payload)
	}
}

func TestFakeErrorWire(t *testing.T) {
	isolateAWS(t)
	fake := fu.NewBedrock(t)
	fake.Fail(429, "ThrottlingException", "Too many requests, please wait before trying again.")
	resp := post(t, fake.URL+"/model/m/converse")
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 429 ||
		resp.Header.Get("X-Amzn-Errortype") != "ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/" ||
		resp.Header.Get("X-Amzn-Requestid") == "" ||
		string(body) != `{"message":"Too many requests, please wait before trying again."}` {
		t.Errorf("got %d %v %s", resp.StatusCode, resp.Header, body)
	}
}
