//go:build benchmem

package main

// Only in builds with -tags benchmem (the bench harness's idle-stream
// memory scenario): when the process receives SIGUSR2 it collects garbage,
// returns freed memory to the OS and writes "HeapInuse StackInuse" (bytes)
// to $BASALT_MEMSTATS, with heap and goroutine profiles beside it
// ($BASALT_MEMSTATS.heap, .goroutine). Never part of a production build.

import (
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"syscall"
)

func init() {
	path := os.Getenv("BASALT_MEMSTATS")
	if path == "" {
		return
	}
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGUSR2)
	go func() {
		for range ch {
			runtime.GC()
			debug.FreeOSMemory()
			if f, err := os.Create(path + ".heap"); err == nil {
				_ = pprof.Lookup("heap").WriteTo(f, 0)
				_ = f.Close()
			}
			if f, err := os.Create(path + ".goroutine"); err == nil {
				_ = pprof.Lookup("goroutine").WriteTo(f, 1)
				_ = f.Close()
			}
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			if os.WriteFile(path+".tmp", fmt.Appendf(nil, "%d %d\n", m.HeapInuse, m.StackInuse), 0o600) == nil {
				_ = os.Rename(path+".tmp", path)
			}
		}
	}()
}
