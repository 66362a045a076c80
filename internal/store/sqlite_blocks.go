package store

import (
	"context"
	"fmt"
	"time"
)

// GuardBlock is a stored block of the traffic defence (internal/guard).
type GuardBlock struct {
	ID     string
	Kind   string // "address" or "account"
	Key    string
	Level  int
	Since  time.Time
	Until  time.Time
	Reason string
	Addrs  int
}

// MaxGuardBlocks bounds the rows GuardBlocks reads back, as the guard
// bounds what it keeps in memory.
const MaxGuardBlocks = 100_000

// PutGuardBlock stores b, replacing the row of the same id.
func (s *SQLite) PutGuardBlock(ctx context.Context, b GuardBlock) error {
	_, err := s.exec(ctx, `INSERT INTO guard_blocks (id, kind, key, level, since, until, reason, addrs)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, key = excluded.key, level = excluded.level,
			since = excluded.since, until = excluded.until, reason = excluded.reason, addrs = excluded.addrs`,
		b.ID, b.Kind, b.Key, b.Level, toNanos(b.Since), toNanos(b.Until), b.Reason, b.Addrs)
	if err != nil {
		return classify(fmt.Errorf("store: put guard block: %w", err))
	}
	return nil
}

// GuardBlocks returns the rows whose block ended after since (or has not
// ended), the latest ending first.
func (s *SQLite) GuardBlocks(ctx context.Context, since time.Time) ([]GuardBlock, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, kind, key, level, since, until, reason, addrs FROM guard_blocks
		WHERE until > ? ORDER BY until DESC LIMIT ?`, toNanos(since), MaxGuardBlocks)
	if err != nil {
		return nil, classify(fmt.Errorf("store: guard blocks: %w", err))
	}
	defer rows.Close()
	var out []GuardBlock
	for rows.Next() {
		var b GuardBlock
		var from, until int64
		if err := rows.Scan(&b.ID, &b.Kind, &b.Key, &b.Level, &from, &until, &b.Reason, &b.Addrs); err != nil {
			return nil, classify(fmt.Errorf("store: guard blocks: %w", err))
		}
		b.Since, b.Until = fromNanos(from), fromNanos(until)
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, classify(fmt.Errorf("store: guard blocks: %w", err))
	}
	return out, nil
}

// PurgeGuardBlocks deletes the rows whose block ended at or before
// before, and reports how many.
func (s *SQLite) PurgeGuardBlocks(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.exec(ctx, `DELETE FROM guard_blocks WHERE until <= ?`, toNanos(before))
	if err != nil {
		return 0, classify(fmt.Errorf("store: purge guard blocks: %w", err))
	}
	return res.RowsAffected()
}
