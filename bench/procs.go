package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
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
	return startSelfEnv(ctx, name, nil, args...)
}

// startSelfEnv is startSelf with extra environment variables.
func startSelfEnv(ctx context.Context, name string, env []string, args ...string) (*proc, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, exe, args...)
	if len(env) > 0 {
		cmd.Env = append(os.Environ(), env...)
	}
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
	tags := ""
	if cpuprofile != "" {
		tags = "benchprofile"
	}
	return startBasaltWith(ctx, dir, config, tags, cpuprofile, nil)
}

// startBasaltWith builds basalt with the given build tags (once per tag set
// and directory) and runs it in dir with config and extra environment.
func startBasaltWith(ctx context.Context, dir, config, tags, cpuprofile string, env []string) (*proc, error) {
	bin := filepath.Join(dir, "basalt")
	if tags != "" {
		bin += "-" + strings.ReplaceAll(tags, ",", "-")
	}
	if _, err := os.Stat(bin); err != nil {
		args := []string{"build", "-o", bin}
		if tags != "" {
			args = append(args, "-tags", tags)
		}
		build := exec.CommandContext(ctx, "go", append(args, "./cmd/basalt")...)
		build.Stderr = os.Stderr
		if err := build.Run(); err != nil {
			return nil, fmt.Errorf("building basalt (run from the repository root): %w", err)
		}
	}
	f, err := os.CreateTemp(dir, "basalt-*.yaml")
	if err != nil {
		return nil, err
	}
	cfgFile := f.Name()
	if _, err := f.WriteString(config); err != nil {
		_ = f.Close()
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	cmd := exec.CommandContext(ctx, bin, "serve", "--config", cfgFile, "--addr", addr)
	cmd.Stderr = os.Stderr
	if len(env) > 0 {
		cmd.Env = append(os.Environ(), env...)
	}
	if cpuprofile != "" {
		abs, err := filepath.Abs(cpuprofile)
		if err != nil {
			return nil, err
		}
		_ = os.Remove(abs)
		if cmd.Env == nil {
			cmd.Env = os.Environ()
		}
		cmd.Env = append(cmd.Env, "BASALT_CPUPROFILE="+abs)
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

// memstatsEnv names the file a process writes its Go memory figures to on
// SIGUSR2: basalt built with -tags benchmem, and this binary in proxy mode.
const memstatsEnv = "BASALT_MEMSTATS"

// handleMemstats is the proxy's side of memstatsEnv, the same as
// cmd/basalt/memstats_bench.go: on SIGUSR2, GC, return freed memory to the
// OS and write "HeapInuse StackInuse".
func handleMemstats() {
	path := os.Getenv(memstatsEnv)
	if path == "" {
		return
	}
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGUSR2)
	go func() {
		for range ch {
			runtime.GC()
			debug.FreeOSMemory()
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			if os.WriteFile(path+".tmp", fmt.Appendf(nil, "%d %d\n", m.HeapInuse, m.StackInuse), 0o600) == nil {
				_ = os.Rename(path+".tmp", path)
			}
		}
	}()
}

// memSnapshot is a process's memory after a forced GC.
type memSnapshot struct {
	RSSKB       int
	HeapStackKB int
	HeapKB      int // HeapStackKB's heap part, for the log
	StackKB     int
}

// snapshot asks the process (started with memstatsEnv=path) to collect
// garbage, waits for its figures, then reads its RSS.
func (p *proc) snapshot(path string) (memSnapshot, error) {
	_ = os.Remove(path)
	if err := p.cmd.Process.Signal(syscall.SIGUSR2); err != nil {
		return memSnapshot{}, err
	}
	for i := 0; i < 200; i++ {
		if b, err := os.ReadFile(path); err == nil {
			var heap, stack int
			if _, err := fmt.Sscan(string(b), &heap, &stack); err != nil {
				return memSnapshot{}, err
			}
			return memSnapshot{RSSKB: p.rssKB(), HeapStackKB: (heap + stack) / 1024, HeapKB: heap / 1024, StackKB: stack / 1024}, nil
		}
		time.Sleep(25 * time.Millisecond)
	}
	return memSnapshot{}, fmt.Errorf("%s wrote no memory figures", p.name)
}
