package store

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// The accounts' hot paths: every request a cookie authenticates looks its
// session up and touches it; every sign-in attempt updates its user.

func BenchmarkSessionByHash(b *testing.B) {
	ctx := context.Background()
	s := openBench(b)
	u := testUser(1, t0)
	if err := s.CreateUser(ctx, u); err != nil {
		b.Fatal(err)
	}
	const sessions = 1000
	for i := range sessions {
		if err := s.CreateSession(ctx, Session{ID: fmt.Sprintf("SE_%d", i), IDHash: sum(fmt.Sprint(i)), UserID: u.ID, ExpiresAt: t0.Add(time.Hour)}); err != nil {
			b.Fatal(err)
		}
	}
	for i := 0; b.Loop(); i++ {
		if _, err := s.SessionByHash(ctx, sum(fmt.Sprint(i%sessions))); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTouchSession(b *testing.B) {
	ctx := context.Background()
	s := openBench(b)
	u := testUser(1, t0)
	if err := s.CreateUser(ctx, u); err != nil {
		b.Fatal(err)
	}
	h := sum("s")
	if err := s.CreateSession(ctx, Session{ID: "SE_1", IDHash: h, UserID: u.ID, ExpiresAt: t0.Add(time.Hour)}); err != nil {
		b.Fatal(err)
	}
	at := t0
	for b.Loop() {
		at = at.Add(time.Second)
		if err := s.TouchSession(ctx, h, at, "192.0.2.1"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUpdateUser(b *testing.B) {
	ctx := context.Background()
	s := openBench(b)
	u := testUser(1, t0)
	if err := s.CreateUser(ctx, u); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := s.UpdateUser(ctx, u.ID, func(u *User) error { u.FailedSignins++; return nil }); err != nil {
			b.Fatal(err)
		}
	}
}

func openBench(b *testing.B) *SQLite {
	b.Helper()
	s, err := OpenSQLite(context.Background(), filepath.Join(b.TempDir(), "conclave.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	return s
}
