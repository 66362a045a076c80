package store

import (
	"context"
	"testing"
)

// HoldWriteLock takes the database's write lock through s, as another
// process writing would, until the returned function is called.
func HoldWriteLock(t *testing.T, s *SQLite) (release func()) {
	t.Helper()
	tx, err := s.db.BeginTx(context.Background(), nil) // BEGIN IMMEDIATE
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(`UPDATE heartbeat SET beat_at = beat_at`); err != nil {
		t.Fatal(err)
	}
	return func() { _ = tx.Rollback() }
}
