// Package store is Basalt's embedded database: SQLite (modernc.org/sqlite,
// no cgo) in the data directory, created on first start and migrated by
// the numbered SQL files embedded from migrations/.
package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is an open store.
type DB struct {
	db   *sql.DB
	path string
}

// Open creates dir if needed and opens (creating and migrating) basalt.db in it.
func Open(ctx context.Context, dir string) (*DB, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating data directory %s: %w", dir, err)
	}
	path := filepath.Join(dir, "basalt.db")
	// WAL lets readers run beside the one writer; busy_timeout makes
	// concurrent writers wait instead of failing with SQLITE_BUSY.
	dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	s := &DB{db: db, path: path}
	if err := s.migrate(ctx); err != nil {
		_ = db.Close()
		return nil, err
	}
	return s, nil
}

// Path is the database file.
func (s *DB) Path() string { return s.path }

// Close closes the database.
func (s *DB) Close() error { return s.db.Close() }

func (s *DB) migrate(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("migrating %s: %w", s.path, err)
	}
	entries, err := migrations.ReadDir("migrations")
	if err != nil {
		return err
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	for _, e := range entries {
		num, _, _ := strings.Cut(e.Name(), "_")
		version, err := strconv.Atoi(num)
		if err != nil {
			return fmt.Errorf("migration %s: name must start with its number", e.Name())
		}
		var n int
		if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, version).Scan(&n); err != nil {
			return fmt.Errorf("migrating %s: %w", s.path, err)
		}
		if n > 0 {
			continue
		}
		body, err := migrations.ReadFile("migrations/" + e.Name())
		if err != nil {
			return err
		}
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			_ = tx.Rollback()
			return fmt.Errorf("migration %s: %w", e.Name(), err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, version, time.Now().UTC().Format(time.RFC3339)); err != nil {
			_ = tx.Rollback()
			return err
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migration %s: %w", e.Name(), err)
		}
	}
	return nil
}

// Usage is one accounted model call.
type Usage struct {
	RequestID                         string
	At                                time.Time
	API                               string
	Model, Provider, Upstream         string
	InputTokens, OutputTokens         int
	CacheReadTokens, CacheWriteTokens int
	LatencyMs                         int64
	Status                            string
}

// RecordUsage stores one call.
func (s *DB) RecordUsage(ctx context.Context, u Usage) error {
	return s.recordBatch(ctx, []Usage{u})
}

func (s *DB) recordBatch(ctx context.Context, rows []Usage) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("recording usage: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO usage (request_id, at, api, model, provider, upstream_model,
		input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, latency_ms, status)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return fmt.Errorf("recording usage: %w", err)
	}
	defer stmt.Close()
	for _, u := range rows {
		if _, err := stmt.ExecContext(ctx, u.RequestID, u.At.UTC().Format(time.RFC3339Nano), u.API, u.Model, u.Provider, u.Upstream,
			u.InputTokens, u.OutputTokens, u.CacheReadTokens, u.CacheWriteTokens, u.LatencyMs, u.Status); err != nil {
			return fmt.Errorf("recording usage: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("recording usage: %w", err)
	}
	return nil
}

// UsageSince returns the calls recorded at or after t, oldest first.
func (s *DB) UsageSince(ctx context.Context, t time.Time) ([]Usage, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT request_id, at, api, model, provider, upstream_model, input_tokens,
		output_tokens, cache_read_tokens, cache_write_tokens, latency_ms, status FROM usage WHERE at >= ? ORDER BY id`,
		t.UTC().Format(time.RFC3339Nano))
	if err != nil {
		return nil, fmt.Errorf("reading usage: %w", err)
	}
	defer rows.Close()
	var out []Usage
	for rows.Next() {
		var u Usage
		var at string
		if err := rows.Scan(&u.RequestID, &at, &u.API, &u.Model, &u.Provider, &u.Upstream, &u.InputTokens,
			&u.OutputTokens, &u.CacheReadTokens, &u.CacheWriteTokens, &u.LatencyMs, &u.Status); err != nil {
			return nil, err
		}
		u.At, _ = time.Parse(time.RFC3339Nano, at)
		out = append(out, u)
	}
	return out, rows.Err()
}
