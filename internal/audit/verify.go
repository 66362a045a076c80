package audit

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"math"

	"github.com/conclave-video/conclave/internal/store"
)

// ErrTampered is what every Problem is: the log is not as it was written.
var ErrTampered = errors.New("audit: the log does not verify")

// Problem is the first place verification found the log not as it was
// written.
type Problem struct {
	// Seq is the first bad sequence number: the first record that is
	// not as written (changed, inserted, moved) or is missing.
	Seq int64
	// Through is set when verification can only narrow the problem down
	// to a range: a record from Seq to Through is bad. A checkpoint that
	// no longer matches gives the records since the last one that does;
	// a record that does not follow the one before (both hash to their
	// contents) gives the two.
	Through int64
	Reason  string
}

func (p *Problem) Error() string {
	if p.Through > p.Seq {
		return fmt.Sprintf("audit: records %d to %d: %s", p.Seq, p.Through, p.Reason)
	}
	return fmt.Sprintf("audit: record %d: %s", p.Seq, p.Reason)
}

// Unwrap makes every Problem ErrTampered.
func (p *Problem) Unwrap() error { return ErrTampered }

// Report is what verification checked.
type Report struct {
	// First and Last are the sequence numbers of the first and last
	// record checked (0 when there is none), Records how many.
	First, Last int64
	Records     int64
	// Checkpoints is how many signed checkpoints were checked.
	Checkpoints int
	// PrunedThrough: records up to it were pruned behind a signed
	// checkpoint (0: none).
	PrunedThrough int64
	// SignedThrough is the last record a signed checkpoint vouches for
	// (with the chain, every record before it). Records after it are
	// only chained: anyone who can write the database could rewrite
	// them until the next checkpoint.
	SignedThrough int64
	// Head is the hash of the last record.
	Head Hash
}

// chain checks records and checkpoints fed in order: a checkpoint of Seq
// K after record K and before record K+1.
type chain struct {
	keys []ed25519.PublicKey
	// onlyKeyID: checkpoints of other key ids are passed over, neither
	// trusted nor refused (Prune, after the server key was replaced).
	onlyKeyID string
	// loose: an export, whose first record may have any Seq; its Prev is
	// taken as given, and vouched for only by a checkpoint after it.
	loose bool

	started    bool
	next       int64 // the Seq the next record must have
	prev       Hash  // the hash it must follow
	hasLast    bool
	lastPrev   Hash // the Prev of the last record
	prunedHead Hash
	// pending is the highest Seq a head checkpoint signed beyond the
	// last record so far.
	pending int64
	rep     Report
}

// begin starts the chain: after the pruned checkpoint pruned, or (nil) at
// record 1, unless the chain is loose.
func (c *chain) begin(pruned *Checkpoint) error {
	if pruned == nil {
		if !c.loose {
			c.started, c.next = true, 1
		}
		return nil
	}
	c.rep.Checkpoints++
	if (c.onlyKeyID == "" || pruned.KeyID == c.onlyKeyID) && !pruned.VerifiedBy(c.keys) {
		return &Problem{Seq: 1, Through: pruned.Seq, Reason: fmt.Sprintf(
			"missing: the checkpoint that says they were pruned (seq %d, key %s) is not signed by the server key", pruned.Seq, pruned.KeyID)}
	}
	c.started, c.next, c.prev = true, pruned.Seq+1, pruned.Head
	c.prunedHead, c.rep.PrunedThrough, c.rep.SignedThrough = pruned.Head, pruned.Seq, pruned.Seq
	return nil
}

func (c *chain) checkpoint(cp Checkpoint) error {
	if c.onlyKeyID != "" && cp.KeyID != c.onlyKeyID {
		return nil
	}
	if cp.Kind == KindPruned && !c.started && c.loose {
		return c.begin(&cp)
	}
	c.rep.Checkpoints++
	if !cp.VerifiedBy(c.keys) {
		return &Problem{Seq: cp.Seq, Reason: fmt.Sprintf("the %s checkpoint at this seq (key %s) is not signed by the server key", cp.Kind, cp.KeyID)}
	}
	k := cp.Seq
	switch {
	case cp.Kind == KindPruned:
		if k > c.rep.PrunedThrough {
			return &Problem{Seq: k, Reason: "a pruned checkpoint follows records that are still here"}
		}
	case cp.Kind != KindHead:
		return &Problem{Seq: k, Reason: fmt.Sprintf("a checkpoint of unknown kind %q", cp.Kind)}
	case !c.started:
		// An export's head checkpoint before its first record vouches for
		// nothing in it.
	case k < c.rep.PrunedThrough:
	case k == c.rep.PrunedThrough:
		if cp.Head != c.prunedHead {
			return &Problem{Seq: k + 1, Reason: fmt.Sprintf("checkpoints disagree on the hash of record %d, the last pruned", k)}
		}
	case k == c.next-1:
		if cp.Head != c.prev {
			return &Problem{Seq: c.rep.SignedThrough + 1, Through: k, Reason: fmt.Sprintf(
				"rewritten: they no longer lead to the hash the checkpoint at %d signed", k)}
		}
		c.rep.SignedThrough = k
	case k >= c.next:
		c.pending = max(c.pending, k)
	default:
		return &Problem{Seq: k, Reason: "a checkpoint out of order"}
	}
	return nil
}

// record checks r; bad is why the stored row is no record (nil if it is
// one).
func (c *chain) record(r Record, bad error) error {
	if !c.started {
		c.started, c.next, c.prev = true, r.Seq, r.Prev
	}
	switch {
	case r.Seq < c.next && r.Seq <= c.rep.PrunedThrough:
		return &Problem{Seq: r.Seq, Reason: fmt.Sprintf("inserted: records up to %d were pruned", c.rep.PrunedThrough)}
	case r.Seq < c.next:
		return &Problem{Seq: r.Seq, Reason: "repeated, or out of order"}
	case r.Seq > c.next:
		return &Problem{Seq: c.next, Reason: "missing: deleted"}
	}
	inserted := func() error {
		if c.hasLast && r.Prev == c.lastPrev {
			return &Problem{Seq: r.Seq - 1, Reason: fmt.Sprintf("inserted: it and record %d both follow record %d", r.Seq, r.Seq-2)}
		}
		return nil
	}
	if bad != nil {
		return &Problem{Seq: r.Seq, Reason: fmt.Sprintf("modified: %v", bad)}
	}
	if r.ComputeHash() != r.Hash {
		if p := inserted(); p != nil {
			return p
		}
		return &Problem{Seq: r.Seq, Reason: "modified: its contents do not match its hash (changed, or moved from another seq)"}
	}
	if r.Prev != c.prev {
		if p := inserted(); p != nil {
			return p
		}
		switch {
		case r.Seq == 1:
			return &Problem{Seq: 1, Reason: "does not follow the start of the log"}
		case !c.hasLast:
			return &Problem{Seq: r.Seq, Reason: "does not follow the last pruned record"}
		case r.Seq-1 <= c.rep.SignedThrough:
			// The record before is vouched for by a checkpoint.
			return &Problem{Seq: r.Seq, Reason: fmt.Sprintf("changed: it does not follow record %d, which a checkpoint vouches for", r.Seq-1)}
		}
		return &Problem{Seq: r.Seq - 1, Through: r.Seq, Reason: fmt.Sprintf(
			"record %d does not follow record %d: one of them was changed and its hash computed again, or a record between them deleted", r.Seq, r.Seq-1)}
	}
	if c.rep.Records == 0 {
		c.rep.First = r.Seq
	}
	c.rep.Records++
	c.rep.Last = r.Seq
	c.next++
	c.prev, c.lastPrev, c.hasLast = r.Hash, r.Prev, true
	return nil
}

// finish ends the chain. With requireSigned, records after the last
// signed checkpoint are a problem (an export), not only a note.
func (c *chain) finish(requireSigned bool) (Report, error) {
	c.rep.Head = c.prev
	last := c.next - 1
	if c.started && c.pending > last {
		return c.rep, &Problem{Seq: last + 1, Through: c.pending, Reason: fmt.Sprintf(
			"missing: the log ends at %d, but a signed checkpoint covers record %d (truncated)", last, c.pending)}
	}
	if requireSigned && c.rep.Records > 0 && c.rep.Last > c.rep.SignedThrough {
		return c.rep, &Problem{Seq: max(c.rep.SignedThrough+1, c.rep.First), Through: c.rep.Last, Reason: "not covered by a signed checkpoint"}
	}
	return c.rep, nil
}

// verifyOptions narrow verifyReader.
type verifyOptions struct {
	// through: check records and checkpoints up to this Seq only (0: all).
	through   int64
	onlyKeyID string
}

// pageSize is how many rows verification reads at a time.
const pageSize = 1000

// Verify checks the whole log in st against keys (the server's public
// key, and any it had before): the chain from the first record (or from
// the newest pruned checkpoint) to the last, every checkpoint's
// signature, and that each head checkpoint signed the hash the record of
// its Seq has now. A log that is not as written gives a *Problem
// (ErrTampered) naming the first bad sequence number; other errors are
// the store's.
func Verify(ctx context.Context, st store.AuditLog, keys []ed25519.PublicKey) (Report, error) {
	var rep Report
	err := st.ReadAudit(ctx, func(r store.AuditReader) error {
		var err error
		rep, err = verifyReader(ctx, r, keys, verifyOptions{})
		return err
	})
	return rep, err
}

func verifyReader(ctx context.Context, r store.AuditReader, keys []ed25519.PublicKey, o verifyOptions) (Report, error) {
	through := o.through
	if through == 0 {
		through = math.MaxInt64
	}
	c := &chain{keys: keys, onlyKeyID: o.onlyKeyID}
	var start *Checkpoint
	startID := int64(-1)
	switch sc, err := r.LastAuditCheckpoint(ctx, string(KindPruned), through); {
	case err == nil:
		cp := fromStoreCheckpoint(sc)
		start, startID = &cp, sc.ID
	case !errors.Is(err, store.ErrNotFound):
		return Report{}, err
	}
	if err := c.begin(start); err != nil {
		return c.rep, err
	}
	var (
		recs    []store.AuditRecord
		cps     []store.AuditCheckpoint
		recsEnd bool
		cpsEnd  bool
		recAt   int64
		cpSeq   int64
		cpID    int64
	)
	for {
		if len(recs) == 0 && !recsEnd {
			page, err := r.AuditRecords(ctx, recAt, pageSize)
			if err != nil {
				return c.rep, err
			}
			recs, recsEnd = page, len(page) < pageSize
		}
		if len(cps) == 0 && !cpsEnd {
			page, err := r.AuditCheckpoints(ctx, cpSeq, cpID, pageSize)
			if err != nil {
				return c.rep, err
			}
			cps, cpsEnd = page, len(page) < pageSize
		}
		haveRec := len(recs) > 0 && recs[0].Seq <= through
		haveCP := len(cps) > 0 && cps[0].Seq <= through
		if !haveRec && !haveCP {
			break
		}
		if haveCP && (!haveRec || cps[0].Seq < recs[0].Seq) {
			sc := cps[0]
			cps, cpSeq, cpID = cps[1:], sc.Seq, sc.ID
			if sc.ID == startID {
				continue // checked by begin
			}
			if err := c.checkpoint(fromStoreCheckpoint(sc)); err != nil {
				return c.rep, err
			}
			continue
		}
		sr := recs[0]
		recs, recAt = recs[1:], sr.Seq
		rec, bad := fromStoreRecord(sr)
		if err := c.record(rec, bad); err != nil {
			return c.rep, err
		}
	}
	return c.finish(false)
}
