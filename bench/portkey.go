package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// portkeyVersion is the Portkey AI Gateway release scenario (g) runs, pinned
// so that runs compare.
const portkeyVersion = "1.15.2"

// startPortkey installs Portkey's open-source gateway from the npm registry
// (once, into the user's cache directory) and runs it with Node.js on a
// free port. It fails, and scenario (g) is skipped with the reason, where
// node or npm is missing or the install fails.
func startPortkey(ctx context.Context) (*proc, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, errors.New("node is not installed")
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "basalt-bench", "portkey-"+portkeyVersion)
	entry := filepath.Join(dir, "node_modules", "@portkey-ai", "gateway", "build", "start-server.js")
	if _, err := os.Stat(entry); err != nil {
		npm, err := exec.LookPath("npm")
		if err != nil {
			return nil, errors.New("npm is not installed")
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		ictx, cancel := context.WithTimeout(ctx, 5*time.Minute)
		defer cancel()
		install := exec.CommandContext(ictx, npm, "install", "--no-audit", "--no-fund", "--prefix", dir, "@portkey-ai/gateway@"+portkeyVersion)
		if out, err := install.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("npm install @portkey-ai/gateway@%s: %w: %.300s", portkeyVersion, err, out)
		}
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, node, entry, "--port="+strconv.Itoa(port), "--headless")
	cmd.Env = append(os.Environ(), "NODE_ENV=production")
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &proc{name: "portkey", cmd: cmd, URL: "http://127.0.0.1:" + strconv.Itoa(port)}
	for i := 0; i < 200; i++ {
		if c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), 100*time.Millisecond); err == nil {
			c.Close()
			return p, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	p.stop()
	return nil, errors.New("portkey did not start listening")
}

// portkeyTarget is a Chat Completions request Portkey forwards to the fake
// upstream as provider (openai, or anthropic to translate).
func portkeyTarget(e endpoints, provider string) vegeta.Target {
	t := jsonTarget(e.portkey+"/v1/chat/completions", fmt.Sprintf(chatBody, "bench"))
	t.Header.Set("x-portkey-provider", provider)
	t.Header.Set("x-portkey-custom-host", e.direct+"/v1")
	if provider == "anthropic" {
		t.Header.Set("x-api-key", "bench")
	} else {
		t.Header.Set("Authorization", "Bearer bench")
	}
	return t
}
