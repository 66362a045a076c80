package server

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/conclave-video/conclave/internal/config"
	"github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/internal/store"
)

// seededDataDir is a data directory whose database already holds the API
// keys and rooms (name → owner) given, as an earlier run left it, and the
// configuration of a dev server on it.
func seededDataDir(t *testing.T, keys []string, rooms map[string]string) config.Config {
	t.Helper()
	dir := t.TempDir()
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, filepath.Join(dir, "conclave.db"))
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if err := st.CreateAPIKey(ctx, store.APIKey{ID: k, Name: k, PublicKey: make([]byte, 32)}); err != nil {
			t.Fatal(err)
		}
	}
	for name, owner := range rooms {
		if err := st.CreateRoom(ctx, store.Room{Name: name, MaxParticipants: 5, EmptyTimeout: time.Hour, Owner: owner, CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	cfg := config.DefaultDev()
	cfg.Addr, cfg.RTCPort, cfg.AdminAddr, cfg.DataDir = "127.0.0.1:0", 0, "", dir
	return cfg
}

// TestRestoreSkipsInvalidNames: a room stored under a name today's rules
// refuse ("." and "..", path segments in /v1/rooms/{room}) is not brought
// back at start; a valid one is.
func TestRestoreSkipsInvalidNames(t *testing.T) {
	cfg := seededDataDir(t, []string{"CKOWNER"}, map[string]string{".": "CKOWNER", "..": "CKOWNER", "kept": "CKOWNER"})
	ctx := context.Background()
	s, err := New(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown(ctx)
	var names []room.RoomName
	for _, r := range s.Rooms().List("") {
		names = append(names, r.Name)
	}
	if len(names) != 1 || names[0] != "kept" {
		t.Fatalf("restored rooms %v, want only kept", names)
	}
}

// TestCreateOverAStaleRow: a stored room that was not restored (here
// because rooms.max_rooms was lowered) does not survive a new room of the
// same name: key B's acknowledged room "b" is what a restart finds, with
// B as owner and B's settings (before, the stale row of key A won).
func TestCreateOverAStaleRow(t *testing.T) {
	cfg := seededDataDir(t, []string{"CKA", "CKB"}, map[string]string{"a": "CKA", "b": "CKA"})
	cfg.Rooms.MaxRooms = 1 // "a" is restored, "b" is left in the store
	ctx := context.Background()
	s, err := New(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Rooms().Delete("a", "CKA", room.ReasonRoomDeleted); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Rooms().Create(room.Spec{Name: "b", Owner: "CKB", MaxParticipants: 42, EmptyTimeout: time.Hour}); err != nil {
		t.Fatalf("create: %v", err)
	}
	s.Shutdown(ctx)

	s2, err := New(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Shutdown(ctx)
	got, err := s2.Rooms().Get("b")
	if err != nil {
		t.Fatal(err)
	}
	if got.Owner != "CKB" || got.MaxParticipants != 42 {
		t.Fatalf("after restart room b = owner %s max %d; acknowledged owner CKB max 42", got.Owner, got.MaxParticipants)
	}
}
