//go:build benchprofile

package main

// Only in builds with -tags benchprofile (the bench harness's -cpuprofile):
// a CPU profile of the whole process, written to $BASALT_CPUPROFILE when
// the process receives SIGUSR1. Never part of a production build.

import (
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
)

func init() {
	path := os.Getenv("BASALT_CPUPROFILE")
	if path == "" {
		return
	}
	f, err := os.Create(path + ".tmp")
	if err != nil {
		return
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return
	}
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGUSR1)
	go func() {
		<-ch
		pprof.StopCPUProfile()
		if f.Close() == nil {
			_ = os.Rename(path+".tmp", path)
		}
	}()
}
