package audit

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/conclave-video/conclave/internal/store"
)

// Checkpoint spacing and retention: the defaults and the limits the
// configuration (audit.*) is held to.
const (
	DefaultCheckpointRecords  = 100
	MaxCheckpointRecords      = 10000
	DefaultCheckpointInterval = time.Minute
	MinCheckpointInterval     = time.Second
	MaxCheckpointInterval     = time.Hour
	// MinRetention is the shortest retention period; 0 keeps every
	// record.
	MinRetention = 24 * time.Hour
	// PruneBatch bounds the records one Prune removes.
	PruneBatch = 10000
)

// ErrTruncated means the log ends before its newest signed checkpoint:
// records were removed, and appending would reuse sequence numbers a
// checkpoint has signed. Append refuses until an operator looks
// (`conclave audit verify`).
var ErrTruncated = errors.New("audit: the log ends before its newest signed checkpoint")

// Config configures a Log.
type Config struct {
	Store store.AuditLog
	// KeyID and Key are the server's key, which signs checkpoints.
	KeyID string
	Key   ed25519.PrivateKey
	// CheckpointRecords: a checkpoint is signed in the transaction that
	// brings this many records past the newest one (0: the default).
	CheckpointRecords int
	// Now is the clock (nil: time.Now).
	Now func() time.Time
}

// Log appends records and signs checkpoints. It is safe for concurrent
// use; appends are serialized, here by a mutex and across processes by
// the store's write transaction, so sequence numbers have no gaps and the
// chain no forks.
type Log struct {
	cfg Config
	pub ed25519.PublicKey
	mu  sync.Mutex
}

// New returns a log over cfg.Store.
func New(cfg Config) (*Log, error) {
	if cfg.Store == nil {
		return nil, errors.New("audit: no store")
	}
	if len(cfg.Key) != ed25519.PrivateKeySize || cfg.KeyID == "" {
		return nil, errors.New("audit: no signing key")
	}
	if cfg.CheckpointRecords == 0 {
		cfg.CheckpointRecords = DefaultCheckpointRecords
	}
	if cfg.CheckpointRecords < 1 || cfg.CheckpointRecords > MaxCheckpointRecords {
		return nil, fmt.Errorf("audit: checkpoint every %d records: must be 1 to %d", cfg.CheckpointRecords, MaxCheckpointRecords)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	pub, _ := cfg.Key.Public().(ed25519.PublicKey)
	return &Log{cfg: cfg, pub: pub}, nil
}

// PublicKey is the key that verifies the log's checkpoints.
func (l *Log) PublicKey() ed25519.PublicKey { return l.pub }

// head is where the next record goes.
type head struct {
	seq  int64
	hash Hash
	// checkpointed is the Seq of the newest checkpoint of any kind.
	checkpointed int64
}

// readHead finds the head in tx: the last record, or the newest pruned
// checkpoint when every record was pruned, or the start.
func readHead(ctx context.Context, tx store.AuditReader) (head, error) {
	var h head
	cp, err := tx.LastAuditCheckpoint(ctx, "", math.MaxInt64)
	switch {
	case err == nil:
		h.checkpointed = cp.Seq
	case !errors.Is(err, store.ErrNotFound):
		return h, err
	}
	last, err := tx.LastAuditRecord(ctx)
	switch {
	case err == nil:
		h.seq = last.Seq
		var ok bool
		if h.hash, ok = hashFrom(last.Hash); !ok {
			return h, fmt.Errorf("audit: record %d: its hash is not %d bytes", last.Seq, len(Hash{}))
		}
	case errors.Is(err, store.ErrNotFound):
		pruned, err := tx.LastAuditCheckpoint(ctx, string(KindPruned), math.MaxInt64)
		switch {
		case err == nil:
			h.seq = pruned.Seq
			h.hash, _ = hashFrom(pruned.Head)
		case !errors.Is(err, store.ErrNotFound):
			return h, err
		}
	default:
		return h, err
	}
	if h.seq < h.checkpointed {
		return h, fmt.Errorf("%w: the last record is %d, a checkpoint covers %d", ErrTruncated, h.seq, h.checkpointed)
	}
	return h, nil
}

// Append writes entries as the next records, in one transaction, and
// signs a checkpoint in it when CheckpointRecords records follow the
// newest one. The records are on stable storage when it returns them;
// on an error none was written.
func (l *Log) Append(ctx context.Context, entries ...Entry) ([]Record, error) {
	for i := range entries {
		if err := entries[i].Validate(); err != nil {
			return nil, err
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []Record
	err := l.cfg.Store.WriteAudit(ctx, func(tx store.AuditTx) error {
		out = out[:0]
		h, err := readHead(ctx, tx)
		if err != nil {
			return err
		}
		now := l.cfg.Now()
		for _, e := range entries {
			t := e.Time
			if t.IsZero() {
				t = now
			}
			r := Record{
				Seq: h.seq + 1, Time: t.UTC(), Actor: e.Actor, Action: e.Action, Target: e.Target, IP: e.IP, Room: e.Room,
				Details: e.Details, Prev: h.hash,
			}
			r.Hash = r.ComputeHash()
			if err := tx.InsertAuditRecord(ctx, toStoreRecord(&r)); err != nil {
				return err
			}
			out = append(out, r)
			h.seq, h.hash = r.Seq, r.Hash
		}
		if h.seq-h.checkpointed >= int64(l.cfg.CheckpointRecords) {
			return l.insertCheckpoint(ctx, tx, KindHead, h.seq, h.hash, now)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("audit: append: %w", err)
	}
	return out, nil
}

func (l *Log) insertCheckpoint(ctx context.Context, tx store.AuditTx, kind CheckpointKind, seq int64, h Hash, now time.Time) error {
	cp := Checkpoint{Kind: kind, Seq: seq, Head: h, Time: now.UTC()}
	cp.sign(l.cfg.KeyID, l.cfg.Key)
	return tx.InsertAuditCheckpoint(ctx, toStoreCheckpoint(&cp))
}

// Checkpoint signs the head, unless no record follows the newest
// checkpoint; signed reports whether it did.
func (l *Log) Checkpoint(ctx context.Context) (signed bool, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	err = l.cfg.Store.WriteAudit(ctx, func(tx store.AuditTx) error {
		h, err := readHead(ctx, tx)
		if err != nil || h.seq == h.checkpointed {
			return err
		}
		signed = true
		return l.insertCheckpoint(ctx, tx, KindHead, h.seq, h.hash, l.cfg.Now())
	})
	if err != nil {
		return false, fmt.Errorf("audit: checkpoint: %w", err)
	}
	return signed, nil
}

// Prune deletes the records older than before (at most PruneBatch of
// them), up to the newest head checkpoint among them that this server's
// key signed, behind a signed
// "pruned" checkpoint that names the last record pruned and its hash. It
// first verifies the records it removes: a log that does not verify up
// to there is left as it is, and the Problem returned. It returns how
// many records went (0 when none is both old enough and signed).
func (l *Log) Prune(ctx context.Context, before time.Time) (int64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var n int64
	err := l.cfg.Store.WriteAudit(ctx, func(tx store.AuditTx) error {
		n = 0
		cut, err := tx.LastAuditSeqBefore(ctx, before)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		// A round holds the write lock while it verifies what it removes:
		// it removes at most PruneBatch records, and the next round the
		// rest.
		first, err := tx.AuditRecords(ctx, 0, 1)
		if err != nil {
			return err
		}
		if len(first) == 1 {
			cut = min(cut, first[0].Seq+PruneBatch-1)
		}
		// The newest head checkpoint of this key at or before cut: a key
		// replaced since signed older ones, and pruning waits for one of
		// the new key's.
		var at Checkpoint
		for seq := cut; ; {
			sc, err := tx.LastAuditCheckpoint(ctx, string(KindHead), seq)
			if errors.Is(err, store.ErrNotFound) {
				return nil
			} else if err != nil {
				return err
			}
			if sc.KeyID == l.cfg.KeyID {
				at = fromStoreCheckpoint(sc)
				break
			}
			seq = sc.Seq - 1
		}
		rep, err := verifyReader(ctx, tx, []ed25519.PublicKey{l.pub}, verifyOptions{through: at.Seq, onlyKeyID: l.cfg.KeyID})
		if err != nil {
			return err
		}
		if rep.SignedThrough < at.Seq {
			return fmt.Errorf("audit: prune: checkpoint at %d not verified", at.Seq)
		}
		if n, err = tx.DeleteAuditThrough(ctx, at.Seq); err != nil {
			return err
		}
		return l.insertCheckpoint(ctx, tx, KindPruned, at.Seq, at.Head, l.cfg.Now())
	})
	if err != nil {
		return 0, fmt.Errorf("audit: prune: %w", err)
	}
	return n, nil
}
