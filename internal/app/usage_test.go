package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/gateway"
	"github.com/basalt-gateway/basalt/internal/store"
)

// TestUsageStatus: each attempt's outcome is recorded under its error kind,
// and a client hang-up as "canceled", not as a gateway failure.
func TestUsageStatus(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	w := store.NewUsageWriter(db, slog.New(slog.DiscardHandler))
	rec := usageRecorder{w}
	gone, cancel := context.WithCancel(ctx)
	cancel()
	rec.Record(ctx, gateway.Call{Model: "m", Usage: canon.Usage{InputTokens: 1}})
	rec.Record(ctx, gateway.Call{Model: "m", Err: apierr.New(apierr.Throttling, "slow down")})
	rec.Record(gone, gateway.Call{Model: "m", Err: apierr.Wrap(apierr.Internal, fmt.Errorf("reading: %w", context.Canceled), "x")})
	rec.Record(ctx, gateway.Call{Model: "m", Err: errors.New("bug")})
	w.Close()
	rows, err := db.UsageSince(ctx, time.Now().Add(-time.Hour))
	if err != nil || len(rows) != 4 {
		t.Fatalf("rows %d, %v", len(rows), err)
	}
	want := []string{"ok", "ThrottlingException", "canceled", "InternalServerException"}
	for i, r := range rows {
		if r.Status != want[i] {
			t.Errorf("row %d status %q, want %q", i, r.Status, want[i])
		}
	}
}
