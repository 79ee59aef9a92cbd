package store

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"
)

func TestOpenMigratesAndReopens(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "nested", "data")
	db, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	u := Usage{RequestID: "r1", At: time.Now(), API: "converse", Model: "basalt-test", Provider: "local", Upstream: "basalt-test",
		InputTokens: 3, OutputTokens: 4, CacheReadTokens: 1, LatencyMs: 7, Status: "ok"}
	if err := db.RecordUsage(ctx, u); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	// A second start must not re-run migrations and must keep the data.
	db, err = Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got, err := db.UsageSince(ctx, time.Now().Add(-time.Hour))
	if err != nil || len(got) != 1 || got[0].RequestID != "r1" || got[0].OutputTokens != 4 || got[0].CacheReadTokens != 1 {
		t.Fatalf("got %+v, %v", got, err)
	}
}

func TestUsageWriterDrainsOnClose(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	w := NewUsageWriter(db, slog.New(slog.DiscardHandler))
	for i := 0; i < 300; i++ {
		w.Add(Usage{RequestID: "r", At: time.Now(), Status: "ok"})
	}
	w.Close()
	w.Add(Usage{RequestID: "late"}) // after Close: ignored, no panic
	got, err := db.UsageSince(ctx, time.Now().Add(-time.Hour))
	if err != nil || len(got) != 300 {
		t.Fatalf("rows = %d, %v", len(got), err)
	}
}
