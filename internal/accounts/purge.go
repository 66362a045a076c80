package accounts

import (
	"context"
	"time"

	"github.com/conclave-video/conclave/internal/store"
)

// The purge (docs/accounts.md, "Purge"): what can no longer be used is
// deleted by a loop the server runs, so that the database does not keep
// expired credentials, even hashed, longer than it must.

const (
	// PurgeInterval is how often the purge runs (and once at start).
	PurgeInterval = 10 * time.Minute
	// PurgeTimeout bounds one round.
	PurgeTimeout = time.Minute
	// InviteRetention is how long a used or expired invite stays listed
	// for admins before it is deleted.
	InviteRetention = 30 * 24 * time.Hour
)

// Purge deletes, once: sessions past their absolute or idle timeout,
// invites used or expired more than InviteRetention ago, and expired
// password resets.
func (s *Service) Purge(ctx context.Context) (store.Purged, error) {
	now := s.now()
	return s.cfg.Store.Purge(ctx, store.PurgeCutoffs{
		Now:        now,
		IdleBefore: now.Add(-s.cfg.Accounts.SessionIdle),
		KeepBefore: now.Add(-InviteRetention),
	})
}

// RunPurge runs Purge at once and then every interval (PurgeInterval in
// the server), until ctx is done. A failed round is logged and the next
// round tries again: the purge never stops the server.
func (s *Service) RunPurge(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if ctx.Err() != nil {
			return
		}
		rctx, cancel := context.WithTimeout(ctx, PurgeTimeout)
		p, err := s.Purge(rctx)
		cancel()
		switch {
		case err != nil && ctx.Err() == nil:
			s.log.Error("accounts: purge failed; retrying next round", "err", err, "next_in", interval)
		case err == nil && p != (store.Purged{}):
			s.log.Info("accounts: purged", "sessions", p.Sessions, "invites", p.Invites, "resets", p.Resets, "personal_tokens", p.Tokens, "meeting_invites", p.MeetingInvites)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
