package sse

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

func TestHeartbeatBeatsUntilStopped(t *testing.T) {
	var beats atomic.Int32
	h := StartHeartbeat(context.Background(), time.Millisecond, func() time.Duration {
		beats.Add(1)
		return time.Millisecond
	})
	deadline := time.Now().Add(5 * time.Second)
	for beats.Load() < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("%d beats in 5s", beats.Load())
		}
		time.Sleep(time.Millisecond)
	}
	h.Stop()
	n := beats.Load()
	time.Sleep(20 * time.Millisecond)
	if got := beats.Load(); got != n {
		t.Fatalf("beat after Stop: %d then %d", n, got)
	}
	h.Stop() // idempotent
}

func TestHeartbeatStopWaitsForARunningBeat(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	var finished atomic.Bool
	h := StartHeartbeat(context.Background(), time.Millisecond, func() time.Duration {
		close(started)
		<-release
		finished.Store(true)
		return time.Hour
	})
	<-started
	stopped := make(chan struct{})
	go func() { h.Stop(); close(stopped) }()
	select {
	case <-stopped:
		t.Fatal("Stop returned while a beat was running")
	case <-time.After(20 * time.Millisecond):
	}
	close(release)
	<-stopped
	if !finished.Load() {
		t.Fatal("Stop returned before the beat finished")
	}
}

func TestHeartbeatEndsWithContextAndBeat(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var beats atomic.Int32
	h := StartHeartbeat(ctx, 10*time.Millisecond, func() time.Duration { beats.Add(1); return time.Millisecond })
	cancel()
	time.Sleep(40 * time.Millisecond)
	if beats.Load() != 0 {
		t.Fatalf("%d beats after the context ended", beats.Load())
	}
	h.Stop()

	// A beat returning 0 ends the heartbeat.
	beats.Store(0)
	StartHeartbeat(context.Background(), time.Millisecond, func() time.Duration { beats.Add(1); return 0 })
	time.Sleep(30 * time.Millisecond)
	if beats.Load() != 1 {
		t.Fatalf("%d beats, want 1", beats.Load())
	}
	var nilBeat *Heartbeat
	nilBeat.Stop()
}
