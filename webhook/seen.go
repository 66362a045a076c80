package webhook

import (
	"errors"
	"sync"
	"time"
)

// DefaultSeenCapacity is NewMemorySeen's capacity when given 0.
const DefaultSeenCapacity = 100_000

// ErrSeenFull refuses a delivery when the memory store holds its
// capacity of ids none of which has expired: refusing (the sender
// retries later) is safer than forgetting an id that could be replayed.
var ErrSeenFull = errors.New("webhook: the replay store is full")

// MemorySeen is a SeenStore in memory, bounded: it holds at most its
// capacity of ids, forgetting each once its time is past.
type MemorySeen struct {
	mu    sync.Mutex
	max   int
	until map[string]time.Time
	order []string // ids in the order remembered, to expire the oldest first
	now   func() time.Time
}

// NewMemorySeen returns a store holding at most capacity ids (0:
// DefaultSeenCapacity). A receiver running several instances shares ids
// through a store of its own instead (a database's unique key).
func NewMemorySeen(capacity int) *MemorySeen {
	if capacity <= 0 {
		capacity = DefaultSeenCapacity
	}
	return &MemorySeen{max: capacity, until: make(map[string]time.Time), now: time.Now}
}

// Remember implements SeenStore.
func (m *MemorySeen) Remember(id string, until time.Time) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if t, ok := m.until[id]; ok && now.Before(t) {
		return false, nil
	}
	m.expire(now)
	if len(m.until) >= m.max {
		return false, ErrSeenFull
	}
	m.until[id] = until
	m.order = append(m.order, id)
	return true, nil
}

// expire forgets the expired ids from the oldest remembered on; an id
// remembered with a later time than one after it waits for it (the
// tolerance is the same for all, so this is rare and bounded).
func (m *MemorySeen) expire(now time.Time) {
	n := 0
	for n < len(m.order) {
		t, ok := m.until[m.order[n]]
		if ok && now.Before(t) {
			break
		}
		delete(m.until, m.order[n])
		n++
	}
	if n > 0 {
		m.order = append(m.order[:0], m.order[n:]...)
	}
}
