package server_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/conclave-video/conclave/internal/auth"
	"github.com/conclave-video/conclave/internal/config"
	"github.com/conclave-video/conclave/internal/store"
	"github.com/conclave-video/conclave/internal/testkit"
)

// The server purges expired sessions when it starts (and every 10
// minutes), and a live session stays.
func TestServerPurgesAtStart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.OpenSQLite(ctx, filepath.Join(dir, "conclave.db"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	h, err := auth.NewHasher(auth.Argon2Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, 1)
	if err != nil {
		t.Fatal(err)
	}
	hash, err := h.Hash(ctx, "a long enough passphrase")
	if err != nil {
		t.Fatal(err)
	}
	u := store.User{ID: auth.NewUserID(), Email: "ada@example.org", Role: store.RoleAdmin, Status: store.StatusActive,
		PasswordHash: hash, CreatedAt: now, UpdatedAt: now}
	if err := st.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	_, dead := auth.NewSessionID()
	_, live := auth.NewSessionID()
	for _, s := range []store.Session{
		{ID: "SE_dead", IDHash: dead, UserID: u.ID, CreatedAt: now.Add(-8 * 24 * time.Hour), ExpiresAt: now.Add(-time.Hour)},
		{ID: "SE_live", IDHash: live, UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)},
	} {
		if err := st.CreateSession(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	e := newEnv(t, func(c *config.Config) { c.DataDir = dir })
	srvStore := e.Srv.Store()
	testkit.Eventually(t, "the expired session to be purged", func() bool {
		_, err := srvStore.SessionByHash(ctx, dead)
		return errors.Is(err, store.ErrNotFound)
	})
	if _, err := srvStore.SessionByHash(ctx, live); err != nil {
		t.Fatalf("the live session was purged: %v", err)
	}
}
