package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	sqlite3 "modernc.org/sqlite/lib"
)

// WriteAudit implements AuditLog. The transaction takes the write lock at
// BEGIN and commits with synchronous=FULL, so that the commit is on disk
// (not only in the WAL's page cache) when it returns.
func (s *SQLite) WriteAudit(ctx context.Context, f func(AuditTx) error) (err error) {
	defer func() {
		if err != nil && !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrExists) {
			err = classify(err)
		}
	}()
	unlock, err := s.lockWrite(ctx)
	if err != nil {
		return fmt.Errorf("store: audit: %w", err)
	}
	defer unlock()
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: audit: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PRAGMA synchronous = FULL`); err != nil {
		return fmt.Errorf("store: audit: %w", err)
	}
	// The connection goes back to the pool with the setting every other
	// connection has.
	defer func() { _, _ = conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA synchronous = NORMAL`) }()
	tx, err := conn.BeginTx(ctx, nil) // BEGIN IMMEDIATE
	if err != nil {
		return fmt.Errorf("store: audit: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if err := f(auditTx{tx}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: audit: commit: %w", err)
	}
	return nil
}

// ReadAudit implements AuditLog: a read transaction, one snapshot in WAL
// mode, that never blocks writers.
func (s *SQLite) ReadAudit(ctx context.Context, f func(AuditReader) error) error {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return classify(fmt.Errorf("store: audit: %w", err))
	}
	defer func() { _ = tx.Rollback() }()
	return f(auditTx{tx})
}

// auditTx implements AuditTx (and so AuditReader) on one transaction.
type auditTx struct{ tx *sql.Tx }

const auditRecordColumns = `seq, time, actor, action, target, ip, room, details, prev, hash`

func scanAuditRecord(row interface{ Scan(...any) error }) (AuditRecord, error) {
	var r AuditRecord
	var t int64
	err := row.Scan(&r.Seq, &t, &r.Actor, &r.Action, &r.Target, &r.IP, &r.Room, &r.Details, &r.Prev, &r.Hash)
	r.Time = fromNanos(t)
	return r, err
}

const auditCheckpointColumns = `id, kind, seq, head, time, key_id, signature`

func scanAuditCheckpoint(row interface{ Scan(...any) error }) (AuditCheckpoint, error) {
	var c AuditCheckpoint
	var t int64
	err := row.Scan(&c.ID, &c.Kind, &c.Seq, &c.Head, &t, &c.KeyID, &c.Signature)
	c.Time = fromNanos(t)
	return c, err
}

// auditOne maps sql.ErrNoRows to ErrNotFound.
func auditOne[T any](v T, err error, what string) (T, error) {
	if errors.Is(err, sql.ErrNoRows) {
		return v, fmt.Errorf("store: audit: %s: %w", what, ErrNotFound)
	}
	if err != nil {
		return v, classify(fmt.Errorf("store: audit: %s: %w", what, err))
	}
	return v, nil
}

func (a auditTx) AuditRecords(ctx context.Context, after int64, limit int) ([]AuditRecord, error) {
	rows, err := a.tx.QueryContext(ctx, `SELECT `+auditRecordColumns+` FROM audit_records WHERE seq > ? ORDER BY seq LIMIT ?`, after, limit)
	if err != nil {
		return nil, classify(fmt.Errorf("store: audit: records: %w", err))
	}
	defer rows.Close()
	var out []AuditRecord
	for rows.Next() {
		r, err := scanAuditRecord(rows)
		if err != nil {
			return nil, classify(fmt.Errorf("store: audit: records: %w", err))
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, classify(fmt.Errorf("store: audit: records: %w", err))
	}
	return out, nil
}

func (a auditTx) AuditCheckpoints(ctx context.Context, seq, id int64, limit int) ([]AuditCheckpoint, error) {
	rows, err := a.tx.QueryContext(ctx, `SELECT `+auditCheckpointColumns+` FROM audit_checkpoints
		WHERE (seq, id) > (?, ?) ORDER BY seq, id LIMIT ?`, seq, id, limit)
	if err != nil {
		return nil, classify(fmt.Errorf("store: audit: checkpoints: %w", err))
	}
	defer rows.Close()
	var out []AuditCheckpoint
	for rows.Next() {
		c, err := scanAuditCheckpoint(rows)
		if err != nil {
			return nil, classify(fmt.Errorf("store: audit: checkpoints: %w", err))
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, classify(fmt.Errorf("store: audit: checkpoints: %w", err))
	}
	return out, nil
}

func (a auditTx) LastAuditRecord(ctx context.Context) (AuditRecord, error) {
	r, err := scanAuditRecord(a.tx.QueryRowContext(ctx, `SELECT `+auditRecordColumns+` FROM audit_records ORDER BY seq DESC LIMIT 1`))
	return auditOne(r, err, "last record")
}

func (a auditTx) AuditRecordAt(ctx context.Context, seq int64) (AuditRecord, error) {
	r, err := scanAuditRecord(a.tx.QueryRowContext(ctx, `SELECT `+auditRecordColumns+` FROM audit_records WHERE seq = ?`, seq))
	return auditOne(r, err, fmt.Sprintf("record %d", seq))
}

func (a auditTx) LastAuditCheckpoint(ctx context.Context, kind string, maxSeq int64) (AuditCheckpoint, error) {
	c, err := scanAuditCheckpoint(a.tx.QueryRowContext(ctx, `SELECT `+auditCheckpointColumns+` FROM audit_checkpoints
		WHERE (? = '' OR kind = ?) AND seq <= ? ORDER BY seq DESC, id DESC LIMIT 1`, kind, kind, maxSeq))
	return auditOne(c, err, "last checkpoint")
}

func (a auditTx) FirstAuditSeqSince(ctx context.Context, t time.Time) (int64, error) {
	var seq sql.NullInt64
	err := a.tx.QueryRowContext(ctx, `SELECT min(seq) FROM audit_records WHERE time >= ?`, toNanos(t)).Scan(&seq)
	if err == nil && !seq.Valid {
		err = sql.ErrNoRows
	}
	return auditOne(seq.Int64, err, "first record since")
}

func (a auditTx) LastAuditSeqBefore(ctx context.Context, t time.Time) (int64, error) {
	var seq sql.NullInt64
	err := a.tx.QueryRowContext(ctx, `SELECT max(seq) FROM audit_records WHERE time < ?`, toNanos(t)).Scan(&seq)
	if err == nil && !seq.Valid {
		err = sql.ErrNoRows
	}
	return auditOne(seq.Int64, err, "last record before")
}

func (a auditTx) InsertAuditRecord(ctx context.Context, r AuditRecord) error {
	if r.Seq <= 0 {
		return fmt.Errorf("store: audit: record seq %d", r.Seq)
	}
	_, err := a.tx.ExecContext(ctx, `INSERT INTO audit_records (`+auditRecordColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.Seq, toNanos(r.Time), r.Actor, r.Action, r.Target, r.IP, r.Room, r.Details, nonNil(r.Prev), nonNil(r.Hash))
	if isConstraint(err, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY) || isConstraint(err, sqlite3.SQLITE_CONSTRAINT_UNIQUE) {
		return fmt.Errorf("store: audit: record %d: %w", r.Seq, ErrExists)
	}
	if err != nil {
		return classify(fmt.Errorf("store: audit: record %d: %w", r.Seq, err))
	}
	return nil
}

func (a auditTx) InsertAuditCheckpoint(ctx context.Context, c AuditCheckpoint) error {
	_, err := a.tx.ExecContext(ctx, `INSERT INTO audit_checkpoints (kind, seq, head, time, key_id, signature) VALUES (?, ?, ?, ?, ?, ?)`,
		c.Kind, c.Seq, nonNil(c.Head), toNanos(c.Time), c.KeyID, nonNil(c.Signature))
	if err != nil {
		return classify(fmt.Errorf("store: audit: checkpoint at %d: %w", c.Seq, err))
	}
	return nil
}

func (a auditTx) DeleteAuditThrough(ctx context.Context, seq int64) (int64, error) {
	res, err := a.tx.ExecContext(ctx, `DELETE FROM audit_records WHERE seq <= ?`, seq)
	if err != nil {
		return 0, classify(fmt.Errorf("store: audit: prune: %w", err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, classify(fmt.Errorf("store: audit: prune: %w", err))
	}
	if _, err := a.tx.ExecContext(ctx, `DELETE FROM audit_checkpoints WHERE seq <= ?`, seq); err != nil {
		return 0, classify(fmt.Errorf("store: audit: prune: %w", err))
	}
	return n, nil
}

// nonNil stores an absent digest as an empty blob, since the columns are
// NOT NULL.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
