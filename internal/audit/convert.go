package audit

import (
	"fmt"

	"github.com/conclave-video/conclave/internal/store"
)

// Conversions between the store's rows and the log's types.

func toStoreRecord(r *Record) store.AuditRecord {
	return store.AuditRecord{
		Seq: r.Seq, Time: r.Time, Actor: r.Actor, Action: r.Action, Target: r.Target, IP: r.IP, Room: r.Room,
		Details: formatDetails(r.Details), Prev: r.Prev[:], Hash: r.Hash[:],
	}
}

// fromStoreRecord reads a stored record; an error means the row cannot
// be a record the log wrote (a digest of the wrong size, details that do
// not parse), which verification reports as a modified record.
func fromStoreRecord(s store.AuditRecord) (Record, error) {
	r := Record{Seq: s.Seq, Time: s.Time.UTC(), Actor: s.Actor, Action: s.Action, Target: s.Target, IP: s.IP, Room: s.Room}
	var ok1, ok2 bool
	r.Prev, ok1 = hashFrom(s.Prev)
	r.Hash, ok2 = hashFrom(s.Hash)
	if !ok1 || !ok2 {
		return r, fmt.Errorf("a hash is not %d bytes", len(Hash{}))
	}
	d, err := parseDetails([]byte(s.Details))
	if err != nil {
		return r, err
	}
	r.Details = d
	return r, nil
}

func toStoreCheckpoint(c *Checkpoint) store.AuditCheckpoint {
	return store.AuditCheckpoint{Kind: string(c.Kind), Seq: c.Seq, Head: c.Head[:], Time: c.Time, KeyID: c.KeyID, Signature: c.Signature}
}

func fromStoreCheckpoint(s store.AuditCheckpoint) Checkpoint {
	// A head of the wrong size stays zero and fails its signature.
	h, _ := hashFrom(s.Head)
	return Checkpoint{Kind: CheckpointKind(s.Kind), Seq: s.Seq, Head: h, Time: s.Time.UTC(), KeyID: s.KeyID, Signature: s.Signature}
}
