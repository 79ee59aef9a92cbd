package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// PutResponse inserts or replaces response id with its input items (each
// one JSON object, in request order).
func (s *DB) PutResponse(ctx context.Context, id, status string, response, conversation []byte, items [][]byte) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("storing response %s: %w", id, err)
	}
	defer func() { _ = tx.Rollback() }()
	now := time.Now().UTC().Format(time.RFC3339Nano)
	if _, err := tx.ExecContext(ctx, `DELETE FROM responses WHERE id = ?`, id); err != nil {
		return fmt.Errorf("storing response %s: %w", id, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO responses (id, status, created_at, updated_at, response, conversation)
		VALUES (?, ?, ?, ?, ?, ?)`, id, status, now, now, string(response), string(conversation)); err != nil {
		return fmt.Errorf("storing response %s: %w", id, err)
	}
	for i, it := range items {
		if _, err := tx.ExecContext(ctx, `INSERT INTO response_input_items (response_id, position, item) VALUES (?, ?, ?)`,
			id, i, string(it)); err != nil {
			return fmt.Errorf("storing response %s: %w", id, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("storing response %s: %w", id, err)
	}
	return nil
}

// UpdateResponse replaces a stored response's status, object and
// conversation; found is false if there is no such response (it was
// deleted meanwhile).
func (s *DB) UpdateResponse(ctx context.Context, id, status string, response, conversation []byte) (bool, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE responses SET status = ?, updated_at = ?, response = ?, conversation = ? WHERE id = ?`,
		status, time.Now().UTC().Format(time.RFC3339Nano), string(response), string(conversation), id)
	if err != nil {
		return false, fmt.Errorf("updating response %s: %w", id, err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// GetResponse returns a stored response; found is false if there is none.
func (s *DB) GetResponse(ctx context.Context, id string) (status string, response, conversation []byte, found bool, err error) {
	var r, c string
	err = s.db.QueryRowContext(ctx, `SELECT status, response, conversation FROM responses WHERE id = ?`, id).Scan(&status, &r, &c)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil, nil, false, nil
	}
	if err != nil {
		return "", nil, nil, false, fmt.Errorf("reading response %s: %w", id, err)
	}
	return status, []byte(r), []byte(c), true, nil
}

// DeleteResponse deletes a response and its input items; found is false if
// there was none.
func (s *DB) DeleteResponse(ctx context.Context, id string) (bool, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM responses WHERE id = ?`, id)
	if err != nil {
		return false, fmt.Errorf("deleting response %s: %w", id, err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// ResponseInputItems returns a response's input items in request order;
// found is false if there is no such response.
func (s *DB) ResponseInputItems(ctx context.Context, id string) (items [][]byte, found bool, err error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM responses WHERE id = ?`, id).Scan(&n); err != nil {
		return nil, false, fmt.Errorf("reading input items of %s: %w", id, err)
	}
	if n == 0 {
		return nil, false, nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT item FROM response_input_items WHERE response_id = ? ORDER BY position`, id)
	if err != nil {
		return nil, false, fmt.Errorf("reading input items of %s: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var it string
		if err := rows.Scan(&it); err != nil {
			return nil, false, err
		}
		items = append(items, []byte(it))
	}
	return items, true, rows.Err()
}

// UnfinishedResponses lists the responses still queued or in progress
// (after a restart, runs nobody is executing any more).
func (s *DB) UnfinishedResponses(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM responses WHERE status IN ('queued', 'in_progress') ORDER BY created_at`)
	if err != nil {
		return nil, fmt.Errorf("listing unfinished responses: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
