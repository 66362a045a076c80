package store

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"
)

// TestRoomOwnedByAccount: a room is owned by an API key or by an account,
// each checked against its table; listing by owner finds only its own.
func TestRoomOwnedByAccount(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, filepath.Join(t.TempDir(), "conclave.db"))
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	key := testAPIKey("CKAAAAAAAAAAAA", t0)
	if err := s.CreateAPIKey(ctx, key); err != nil {
		t.Fatal(err)
	}
	alice, bob := mustUser(t, s, 1, t0), mustUser(t, s, 2, t0)

	for _, r := range []Room{
		{Name: "by-key", Owner: key.ID, CreatedAt: t0},
		{Name: "by-alice", Owner: alice.ID, CreatedAt: t0},
		{Name: "by-bob", Owner: bob.ID, CreatedAt: t0},
		{Name: "nobody's", CreatedAt: t0},
	} {
		if err := s.CreateRoom(ctx, r); err != nil {
			t.Fatalf("%s: %v", r.Name, err)
		}
	}
	if r, err := s.Room(ctx, "by-alice"); err != nil || r.Owner != alice.ID {
		t.Fatalf("Room = %+v, %v", r, err)
	}
	names := func(owner string) []string {
		rs, err := s.ListRooms(ctx, owner)
		if err != nil {
			t.Fatal(err)
		}
		var ns []string
		for _, r := range rs {
			ns = append(ns, r.Name+"/"+r.Owner)
		}
		return ns
	}
	for owner, want := range map[string]string{
		alice.ID: "[by-alice/" + alice.ID + "]",
		key.ID:   "[by-key/" + key.ID + "]",
		"":       "[by-alice/" + alice.ID + " by-bob/" + bob.ID + " by-key/" + key.ID + " nobody's/]",
	} {
		if got := fmtList(names(owner)); got != want {
			t.Errorf("ListRooms(%q) = %s, want %s", owner, got, want)
		}
	}

	// An owner that does not exist, of either kind, is refused.
	for _, owner := range []string{"US_NOBODY", "CKNOBODY"} {
		if err := s.CreateRoom(ctx, Room{Name: "x", Owner: owner}); !errors.Is(err, ErrNotFound) {
			t.Errorf("CreateRoom owned by %s = %v, want ErrNotFound", owner, err)
		}
		if err := s.PutRoom(ctx, Room{Name: "by-key", Owner: owner}); !errors.Is(err, ErrNotFound) {
			t.Errorf("PutRoom owned by %s = %v, want ErrNotFound", owner, err)
		}
	}

	// PutRoom moves a room from a key to an account and back.
	if err := s.PutRoom(ctx, Room{Name: "by-key", Owner: bob.ID, CreatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	if r, _ := s.Room(ctx, "by-key"); r.Owner != bob.ID {
		t.Fatalf("owner %q, want %s", r.Owner, bob.ID)
	}
	if err := s.PutRoom(ctx, Room{Name: "by-key", Owner: key.ID, CreatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	if r, _ := s.Room(ctx, "by-key"); r.Owner != key.ID {
		t.Fatalf("owner %q, want %s", r.Owner, key.ID)
	}

	// The database refuses a row with both owners.
	if _, err := s.db.ExecContext(ctx, `UPDATE rooms SET owner = ?, owner_user = ? WHERE name = 'by-key'`, key.ID, alice.ID); err == nil {
		t.Fatal("a room with two owners was stored")
	}
}

func fmtList(ns []string) string {
	out := "["
	for i, n := range ns {
		if i > 0 {
			out += " "
		}
		out += n
	}
	return out + "]"
}
