package accounts

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/conclave-video/conclave/internal/auth"
	"github.com/conclave-video/conclave/internal/store"
	"github.com/conclave-video/conclave/internal/testkit"
)

// failingPurge is the store, whose Purge fails its first rounds.
type failingPurge struct {
	*store.SQLite
	fail  int32
	calls atomic.Int32
}

func (f *failingPurge) Purge(ctx context.Context, c store.PurgeCutoffs) (store.Purged, error) {
	if f.calls.Add(1) <= f.fail {
		return store.Purged{}, errors.New("disk on fire")
	}
	return f.SQLite.Purge(ctx, c)
}

// syncBuffer is a log sink safe for the purge goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// The loop purges at once, goes on after a failed round, and stops with
// its context; what it removes is exactly what can no longer be used.
func TestRunPurge(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	admin := e.addUser("ada@example.org", pw, store.RoleAdmin)
	now := e.clock.Now()
	idle := e.svc.cfg.Accounts.SessionIdle

	sessions := map[string]bool{} // id hash -> survives
	addSession := func(seen, expires time.Time, survives bool) {
		_, hash := auth.NewSessionID()
		if err := e.st.CreateSession(ctx, store.Session{ID: newPublicID("SE_"), IDHash: hash, UserID: admin.ID,
			CreatedAt: seen, LastSeenAt: seen, ExpiresAt: expires}); err != nil {
			t.Fatal(err)
		}
		sessions[string(hash)] = survives
	}
	addSession(now, now.Add(time.Hour), true)
	addSession(now.Add(-time.Hour), now, false)                      // past its absolute end
	addSession(now.Add(-idle), now.Add(time.Hour), false)            // idle
	addSession(now.Add(-idle+time.Second), now.Add(time.Hour), true) // nearly idle

	invites := map[string]bool{}
	addInvite := func(expires time.Time, used time.Time, survives bool) {
		_, id, hash := auth.NewOpaqueToken(auth.InviteTokenPrefix)
		in := store.SignupInvite{ID: "IN_" + id, TokenHash: hash, Role: store.RoleMember, CreatedBy: admin.ID,
			CreatedAt: now.Add(-60 * 24 * time.Hour), ExpiresAt: expires}
		if !used.IsZero() {
			in.UsedAt, in.UsedBy = used, admin.ID
		}
		if err := e.st.CreateSignupInvite(ctx, in); err != nil {
			t.Fatal(err)
		}
		invites[string(hash)] = survives
	}
	addInvite(now.Add(time.Hour), time.Time{}, true)
	addInvite(now.Add(-time.Hour), time.Time{}, true) // expired lately: still listed
	addInvite(now.Add(-InviteRetention), time.Time{}, false)
	addInvite(now.Add(time.Hour), now.Add(-InviteRetention+time.Second), true)
	addInvite(now.Add(time.Hour), now.Add(-InviteRetention), false)

	resets := map[string]bool{}
	for i, survives := range []bool{true, false} {
		u := e.addUser("r"+string(rune('a'+i))+"@example.org", pw, store.RoleMember)
		_, id, hash := auth.NewOpaqueToken(auth.ResetTokenPrefix)
		expires := now.Add(time.Second)
		if !survives {
			expires = now
		}
		if err := e.st.CreatePasswordReset(ctx, store.PasswordReset{ID: "RS_" + id, TokenHash: hash, UserID: u.ID,
			CreatedBy: admin.ID, CreatedAt: now.Add(-24 * time.Hour), ExpiresAt: expires}); err != nil {
			t.Fatal(err)
		}
		resets[string(hash)] = survives
	}

	fs := &failingPurge{SQLite: e.st, fail: 2}
	logs := &syncBuffer{}
	svc, err := New(Config{Store: fs, Hasher: e.hasher, Tracker: e.svc.cfg.Tracker, Accounts: e.svc.cfg.Accounts,
		Events: e.events, Now: e.clock.Now, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	pctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); svc.RunPurge(pctx, time.Millisecond) }()
	gone := func(err error) bool { return errors.Is(err, store.ErrNotFound) }
	// A round deletes one kind after another: wait for all of them, so
	// that stopping the loop cannot cut a round short.
	testkit.Eventually(t, "the purge to remove what expired", func() bool {
		for h := range sessions {
			if _, err := e.st.SessionByHash(ctx, []byte(h)); gone(err) == sessions[h] {
				return false
			}
		}
		for h := range invites {
			if _, err := e.st.SignupInviteByHash(ctx, []byte(h)); gone(err) == invites[h] {
				return false
			}
		}
		for h := range resets {
			if _, err := e.st.PasswordResetByHash(ctx, []byte(h)); gone(err) == resets[h] {
				return false
			}
		}
		return true
	})
	stop()
	testkit.Receive(t, done, "the purge loop to stop")
	if fs.calls.Load() < 3 {
		t.Fatalf("%d rounds", fs.calls.Load())
	}
	if !strings.Contains(logs.String(), "purge failed") || strings.Count(logs.String(), "disk on fire") != 2 {
		t.Fatalf("log: %s", logs.String())
	}
	for h, survives := range sessions {
		if _, err := e.st.SessionByHash(ctx, []byte(h)); gone(err) == survives {
			t.Errorf("session: survives %v, want %v", !gone(err), survives)
		}
	}
	for h, survives := range invites {
		if _, err := e.st.SignupInviteByHash(ctx, []byte(h)); gone(err) == survives {
			t.Errorf("invite: survives %v, want %v", !gone(err), survives)
		}
	}
	for h, survives := range resets {
		if _, err := e.st.PasswordResetByHash(ctx, []byte(h)); gone(err) == survives {
			t.Errorf("reset: survives %v, want %v", !gone(err), survives)
		}
	}

	// A loop whose context is already done purges nothing and returns.
	calls := fs.calls.Load()
	svc.RunPurge(pctx, time.Millisecond)
	if fs.calls.Load() != calls {
		t.Fatal("a stopped loop purged")
	}
}
