package audit

import (
	"context"
	"errors"
	"time"

	"github.com/conclave-video/conclave/internal/store"
)

// Limits of Recent: a page holds at most MaxRecentLimit records, and one
// call reads at most MaxRecentScan, so that a filter matching little
// cannot make a request walk the whole log.
const (
	MaxRecentLimit = 500
	MaxRecentScan  = 5000
	recentChunk    = 500
)

// RecentQuery asks for the newest records at or after Since, before the
// record Before (0: from the newest), that Keep accepts (nil: all).
type RecentQuery struct {
	Since  time.Time
	Before int64
	Limit  int
	Keep   func(Record) bool
}

// Recent reads records newest first. next is the Before of the page
// after this one (0: no older record to read). A record that does not
// parse (a damaged row: `conclave audit verify` names it) is skipped.
func Recent(ctx context.Context, st store.AuditLog, q RecentQuery) (out []Record, next int64, err error) {
	if q.Limit <= 0 || q.Limit > MaxRecentLimit {
		q.Limit = MaxRecentLimit
	}
	err = st.ReadAudit(ctx, func(tx store.AuditReader) error {
		hi := q.Before - 1
		if q.Before <= 0 {
			last, err := tx.LastAuditRecord(ctx)
			if errors.Is(err, store.ErrNotFound) {
				return nil
			}
			if err != nil {
				return err
			}
			hi = last.Seq
		}
		scanned := 0
		for hi >= 1 && scanned < MaxRecentScan {
			lo := max(hi-recentChunk, 0)
			rows, err := tx.AuditRecords(ctx, lo, int(hi-lo))
			if err != nil {
				return err
			}
			for i := len(rows) - 1; i >= 0; i-- {
				s := rows[i]
				scanned++
				if s.Time.Before(q.Since) {
					next = 0
					return nil
				}
				next = s.Seq
				r, err := fromStoreRecord(s)
				if err != nil || q.Keep != nil && !q.Keep(r) {
					continue
				}
				out = append(out, r)
				if len(out) == q.Limit {
					if s.Seq <= 1 {
						next = 0
					}
					return nil
				}
			}
			if len(rows) == 0 {
				break // pruned below
			}
			hi = lo
		}
		if hi < 1 {
			next = 0
		}
		return nil
	})
	return out, next, err
}
