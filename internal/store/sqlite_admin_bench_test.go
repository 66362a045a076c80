package store

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// The admins' list: a full page of MaxListLimit users, each with its
// passkeys counted and its last sign-in.
func BenchmarkListUserListings(b *testing.B) {
	ctx := context.Background()
	s := openBench(b)
	for i := range MaxListLimit {
		u := testUser(i, t0.Add(time.Duration(i)*time.Second))
		if err := s.CreateUser(ctx, u); err != nil {
			b.Fatal(err)
		}
		if err := s.CreatePasskey(ctx, Passkey{ID: fmt.Sprintf("PK_%d", i), UserID: u.ID, CredentialID: []byte(u.ID),
			Credential: []byte{1}, Name: "k", CreatedAt: t0}); err != nil {
			b.Fatal(err)
		}
		if err := s.CreateSession(ctx, Session{ID: fmt.Sprintf("SE_%d", i), IDHash: sum(u.ID), UserID: u.ID,
			CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		if l, err := s.ListUserListings(ctx, "", MaxListLimit); err != nil || len(l) != MaxListLimit {
			b.Fatal(len(l), err)
		}
	}
}

// One purge round over 10,000 sessions, none of them due: the cost the
// server pays every 10 minutes when there is nothing to do.
func BenchmarkPurgeNothingDue(b *testing.B) {
	ctx := context.Background()
	s := openBench(b)
	u := testUser(1, t0)
	if err := s.CreateUser(ctx, u); err != nil {
		b.Fatal(err)
	}
	const sessions = 10_000
	for i := range sessions {
		if err := s.CreateSession(ctx, Session{ID: fmt.Sprintf("SE_%d", i), IDHash: sum(fmt.Sprint(i)), UserID: u.ID,
			CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}); err != nil {
			b.Fatal(err)
		}
	}
	c := PurgeCutoffs{Now: t0, IdleBefore: t0.Add(-12 * time.Hour), KeepBefore: t0.Add(-30 * 24 * time.Hour)}
	for b.Loop() {
		if p, err := s.Purge(ctx, c); err != nil || p != (Purged{}) {
			b.Fatal(p, err)
		}
	}
}
