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

// TestCreateOverAStaleRow: a stored room that was not restored (here
// because rooms.max_rooms was lowered) does not survive a new room of the
// same name: key B's acknowledged room "b" is what a restart finds, with
// B as owner and B's settings (before, the stale row of key A won).
func TestCreateOverAStaleRow(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, filepath.Join(dir, "conclave.db"))
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"CKA", "CKB"} {
		if err := st.CreateAPIKey(ctx, store.APIKey{ID: k, Name: k, PublicKey: make([]byte, 32)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range []string{"a", "b"} {
		if err := st.CreateRoom(ctx, store.Room{Name: n, MaxParticipants: 5, EmptyTimeout: time.Hour, Owner: "CKA", CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	cfg := config.DefaultDev()
	cfg.Addr, cfg.RTCPort, cfg.AdminAddr, cfg.DataDir = "127.0.0.1:0", 0, "", dir
	cfg.Rooms.MaxRooms = 1
	s, err := New(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Rooms().Delete("a", "CKA", room.ReasonRoomDeleted); err != nil {
		t.Fatal(err)
	}
	info, err := s.Rooms().Create(room.Spec{Name: "b", Owner: "CKB", MaxParticipants: 42, EmptyTimeout: time.Hour})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	t.Logf("acknowledged: %+v", info)
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
