package openairesponses

import (
	"context"
	"slices"
	"sync"
	"time"

	oai "github.com/basalt-gateway/basalt/internal/format/openairesponses"
)

// Store keeps responses so they can be retrieved, listed and continued with
// previous_response_id. *store.DB implements it (asserted in package app);
// MemoryStore is the fallback when Basalt runs without a data directory.
// Payloads are opaque JSON: the response object, the canonical
// conversation, and each input item.
type Store interface {
	// PutResponse inserts or replaces a response and its input items.
	PutResponse(ctx context.Context, id, status string, response, conversation []byte, items [][]byte) error
	// UpdateResponse replaces status, object and conversation; found is
	// false if the response no longer exists.
	UpdateResponse(ctx context.Context, id, status string, response, conversation []byte) (found bool, err error)
	GetResponse(ctx context.Context, id string) (status string, response, conversation []byte, found bool, err error)
	DeleteResponse(ctx context.Context, id string) (found bool, err error)
	ResponseInputItems(ctx context.Context, id string) (items [][]byte, found bool, err error)
	// UnfinishedResponses lists responses left queued or in_progress.
	UnfinishedResponses(ctx context.Context) ([]string, error)
}

// MemoryStore is a Store in memory, lost when the process exits.
type MemoryStore struct {
	mu   sync.Mutex
	recs map[string]*memRecord
}

type memRecord struct {
	status       string
	created      time.Time
	response     []byte
	conversation []byte
	items        [][]byte
}

var _ Store = (*MemoryStore)(nil)

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore { return &MemoryStore{recs: map[string]*memRecord{}} }

// PutResponse implements Store.
func (m *MemoryStore) PutResponse(_ context.Context, id, status string, response, conversation []byte, items [][]byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.recs[id] = &memRecord{status: status, created: time.Now(), response: slices.Clone(response),
		conversation: slices.Clone(conversation), items: slices.Clone(items)}
	return nil
}

// UpdateResponse implements Store.
func (m *MemoryStore) UpdateResponse(_ context.Context, id, status string, response, conversation []byte) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.recs[id]
	if !ok {
		return false, nil
	}
	r.status, r.response, r.conversation = status, slices.Clone(response), slices.Clone(conversation)
	return true, nil
}

// GetResponse implements Store.
func (m *MemoryStore) GetResponse(_ context.Context, id string) (string, []byte, []byte, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.recs[id]
	if !ok {
		return "", nil, nil, false, nil
	}
	return r.status, r.response, r.conversation, true, nil
}

// DeleteResponse implements Store.
func (m *MemoryStore) DeleteResponse(_ context.Context, id string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.recs[id]
	delete(m.recs, id)
	return ok, nil
}

// ResponseInputItems implements Store.
func (m *MemoryStore) ResponseInputItems(_ context.Context, id string) ([][]byte, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.recs[id]
	if !ok {
		return nil, false, nil
	}
	return r.items, true, nil
}

// UnfinishedResponses implements Store.
func (m *MemoryStore) UnfinishedResponses(context.Context) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var ids []string
	for id, r := range m.recs {
		if !oai.Terminal(r.status) {
			ids = append(ids, id)
		}
	}
	slices.SortFunc(ids, func(a, b string) int { return m.recs[a].created.Compare(m.recs[b].created) })
	return ids, nil
}
