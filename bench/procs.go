package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// proc is a server process the harness started.
type proc struct {
	name string
	cmd  *exec.Cmd
	URL  string
}

// startSelf re-runs this binary in another mode and reads the address it
// prints.
func startSelf(ctx context.Context, name string, args ...string) (*proc, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, exe, args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		_ = cmd.Process.Kill()
		return nil, fmt.Errorf("%s did not start: %w", name, err)
	}
	return &proc{name: name, cmd: cmd, URL: "http://" + strings.TrimSpace(line)}, nil
}

// startBasalt builds the gateway and runs it on a free port with cfg.
// With a cpuprofile path, basalt is built with -tags benchprofile and
// profiles itself until stopProfile.
func startBasalt(ctx context.Context, dir, config, cpuprofile string) (*proc, error) {
	bin := filepath.Join(dir, "basalt")
	args := []string{"build", "-o", bin}
	if cpuprofile != "" {
		args = append(args, "-tags", "benchprofile")
	}
	build := exec.CommandContext(ctx, "go", append(args, "./cmd/basalt")...)
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		return nil, fmt.Errorf("building basalt (run from the repository root): %w", err)
	}
	cfgFile := filepath.Join(dir, "basalt.yaml")
	if err := os.WriteFile(cfgFile, []byte(config), 0o600); err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	cmd := exec.CommandContext(ctx, bin, "serve", "--config", cfgFile, "--addr", addr)
	cmd.Stderr = os.Stderr
	if cpuprofile != "" {
		abs, err := filepath.Abs(cpuprofile)
		if err != nil {
			return nil, err
		}
		_ = os.Remove(abs)
		cmd.Env = append(os.Environ(), "BASALT_CPUPROFILE="+abs)
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &proc{name: "basalt", cmd: cmd, URL: "http://" + addr}
	for i := 0; i < 100; i++ {
		if resp, err := http.Get(p.URL + "/healthz"); err == nil {
			resp.Body.Close()
			return p, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	p.stop()
	return nil, fmt.Errorf("basalt did not become healthy")
}

// stopProfile asks a benchprofile build to write its CPU profile and waits
// for the file.
func (p *proc) stopProfile(path string) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	if err := p.cmd.Process.Signal(syscall.SIGUSR1); err != nil {
		return err
	}
	for i := 0; i < 100; i++ {
		if _, err := os.Stat(abs); err == nil {
			fmt.Fprintln(os.Stderr, "basalt CPU profile written to", abs)
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("basalt did not write %s", abs)
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func (p *proc) stop() {
	if p == nil || p.cmd.Process == nil {
		return
	}
	_ = p.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
		<-done
	}
}

// rssKB is the process's resident set size from /proc (0 where unavailable).
func (p *proc) rssKB() int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return n
		}
	}
	return 0
}
