package store

import (
	"context"
	"time"
)

// AuditRecord is one record of the audit log as stored. The audit package
// gives the fields their meaning (docs/audit.md); the store keeps them as
// they are.
type AuditRecord struct {
	Seq                             int64
	Time                            time.Time
	Actor, Action, Target, IP, Room string
	// Details is a JSON object, as written.
	Details string
	// Prev and Hash are 32-byte digests.
	Prev, Hash []byte
}

// AuditCheckpoint is one signed checkpoint of the audit log.
type AuditCheckpoint struct {
	// ID orders checkpoints of the same Seq; the store assigns it.
	ID        int64
	Kind      string // "head" or "pruned"
	Seq       int64
	Head      []byte
	Time      time.Time
	KeyID     string
	Signature []byte
}

// AuditReader reads the audit log within one snapshot.
type AuditReader interface {
	// AuditRecords returns up to limit records with Seq greater than
	// after, in Seq order.
	AuditRecords(ctx context.Context, after int64, limit int) ([]AuditRecord, error)
	// AuditCheckpoints returns up to limit checkpoints that come after
	// (seq, id) in (Seq, ID) order.
	AuditCheckpoints(ctx context.Context, seq, id int64, limit int) ([]AuditCheckpoint, error)
	// LastAuditRecord returns the record with the highest Seq;
	// ErrNotFound if there is none.
	LastAuditRecord(ctx context.Context) (AuditRecord, error)
	// LastAuditCheckpoint returns the last checkpoint in (Seq, ID)
	// order of kind ("" for any kind) with Seq at most maxSeq;
	// ErrNotFound if there is none.
	LastAuditCheckpoint(ctx context.Context, kind string, maxSeq int64) (AuditCheckpoint, error)
	// AuditRecordAt returns the record seq; ErrNotFound if there is none.
	AuditRecordAt(ctx context.Context, seq int64) (AuditRecord, error)
	// FirstAuditSeqSince returns the lowest Seq of a record with Time at
	// or after t; ErrNotFound if there is none.
	FirstAuditSeqSince(ctx context.Context, t time.Time) (int64, error)
	// LastAuditSeqBefore returns the highest Seq of a record with Time
	// before t; ErrNotFound if there is none.
	LastAuditSeqBefore(ctx context.Context, t time.Time) (int64, error)
}

// AuditTx is one write transaction on the audit log. Its reads see its
// own writes.
type AuditTx interface {
	AuditReader
	// InsertAuditRecord stores r; ErrExists if its Seq is taken.
	InsertAuditRecord(ctx context.Context, r AuditRecord) error
	// InsertAuditCheckpoint stores c (its ID is assigned).
	InsertAuditCheckpoint(ctx context.Context, c AuditCheckpoint) error
	// DeleteAuditThrough deletes the records and the checkpoints with
	// Seq at most seq, and returns how many records went.
	DeleteAuditThrough(ctx context.Context, seq int64) (int64, error)
}

// AuditLog keeps the audit log. Appends are serialized by WriteAudit:
// no other write transaction on the log runs between its reads and its
// commit, in this process or another (SQLite: BEGIN IMMEDIATE; a
// PostgreSQL store takes a lock on the log first). A transaction that
// WriteAudit commits is on stable storage when WriteAudit returns.
type AuditLog interface {
	// WriteAudit runs f in one write transaction and commits it if f
	// returns nil; otherwise nothing f wrote is kept.
	WriteAudit(ctx context.Context, f func(AuditTx) error) error
	// ReadAudit runs f with a reader of one snapshot of the log.
	ReadAudit(ctx context.Context, f func(AuditReader) error) error
}

var _ AuditLog = (*SQLite)(nil)
