package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestExitCodes(t *testing.T) {
	t.Setenv("BASALT_CONFIG", "")
	t.Setenv("BASALT_URL", "")
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	_ = os.WriteFile(bad, []byte("providers:\n  - {name: x, type: openai, baseurl: \"http://h/v1\"}\n"), 0o600)
	good := filepath.Join(dir, "good.yaml")
	_ = os.WriteFile(good, []byte("models:\n  - {id: alias-test, provider: local, upstream: basalt-test}\n"), 0o600)

	keyed := filepath.Join(dir, "keyed.yaml")
	_ = os.WriteFile(keyed, []byte("auth:\n  api_keys: [\"sk-test\"]\n"), 0o600)

	cases := []struct {
		args     []string
		code     int
		out, err string
	}{
		{nil, ExitUsage, "", "Usage:"},
		{[]string{"bogus"}, ExitUsage, "", `unknown command "bogus"`},
		{[]string{"version"}, ExitOK, "basalt ", ""},
		{[]string{"serve", "--help"}, ExitOK, "", "--addr"},
		{[]string{"serve", "--nope"}, ExitUsage, "", "flag provided but not defined"},
		{[]string{"serve", "--config", bad}, ExitUsage, "", `bad.yaml:2:`},
		{[]string{"converse", "basalt-test"}, ExitUsage, "", "need a model and a prompt"},
		{[]string{"converse", "basalt-test", "hello", "world"}, ExitOK, "You said: hello world\n", "end_turn"},
		{[]string{"converse", "--config", good, "alias-test", "via alias"}, ExitOK, "You said: via alias\n", ""},
		{[]string{"converse", "no-such-model", "x"}, ExitFail, "", "ResourceNotFoundException"},
		{[]string{"models", "--config", good}, ExitOK, "alias-test", ""},
		{[]string{"converse", "--config", keyed, "basalt-test", "with a key"}, ExitOK, "You said: with a key\n", ""},
		{[]string{"converse", "--config", keyed, "--api-key", "wrong", "basalt-test", "x"}, ExitFail, "", "AccessDeniedException"},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			code, out, errOut := run(t, c.args...)
			if code != c.code || !strings.Contains(out, c.out) || !strings.Contains(errOut, c.err) {
				t.Fatalf("code %d (want %d)\nstdout: %s\nstderr: %s", code, c.code, out, errOut)
			}
		})
	}
}

func TestServeRefusesHalfTLS(t *testing.T) {
	t.Setenv("BASALT_CONFIG", "")
	code, _, errOut := run(t, "serve", "--tls-cert", "x.pem", "--data-dir", t.TempDir())
	if code != ExitUsage || !strings.Contains(errOut, "both a certificate and a key") {
		t.Fatalf("code %d: %s", code, errOut)
	}
}
