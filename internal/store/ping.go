package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Ping checks that the database answers reads.
func (s *SQLite) Ping(ctx context.Context) error { return classify(s.db.PingContext(ctx)) }

// probeHeadroom is how much the database must still be able to grow for
// CheckWrite to pass: room for a few writes of any kind.
const probeHeadroom = 64 << 10

// CheckWrite proves that the database can take a write now, for readiness
// probes. In one write transaction it makes sure the database could grow
// by 64 KiB (a blob inserted inside a savepoint that is rolled back, so
// nothing of it is written), then updates a one-row heartbeat table and
// commits, which writes to the WAL on disk. A full disk or database, a
// read-only or failing file, or the write lock held by another process
// past ctx's deadline or the busy timeout, makes it fail with
// ErrUnavailable. Bound ctx: the call waits as long as ctx allows.
func (s *SQLite) CheckWrite(ctx context.Context) (err error) {
	defer func() {
		if err != nil {
			err = classify(fmt.Errorf("store: write probe: %w", err))
			if !errors.Is(err, ErrUnavailable) {
				// A deadline or any other failure of the probe is the
				// storage's too: it did not take a write in time.
				err = &unavailableError{err}
			}
		}
	}()
	unlock, err := s.lockWrite(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	tx, err := s.db.BeginTx(ctx, nil) // BEGIN IMMEDIATE: takes the write lock
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`SAVEPOINT headroom`, nil},
		{`INSERT INTO headroom (pad) VALUES (zeroblob(?))`, []any{probeHeadroom}},
		{`ROLLBACK TO headroom`, nil},
		{`RELEASE headroom`, nil},
		{`UPDATE heartbeat SET beat_at = ? WHERE id = 1`, []any{time.Now().UnixNano()}},
	} {
		if _, err := tx.ExecContext(ctx, q.sql, q.args...); err != nil {
			return err
		}
	}
	return tx.Commit()
}
