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

// TestRestoreSkipsInvalidNames: a room stored under a name today's rules
// refuse ("." and "..", path segments in /v1/rooms/{room}) is not brought
// back at start; a valid one is.
func TestRestoreSkipsInvalidNames(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, filepath.Join(dir, "conclave.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateAPIKey(ctx, store.APIKey{ID: "CKOWNER", Name: "owner", PublicKey: make([]byte, 32)}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{".", "..", "kept"} {
		if err := st.CreateRoom(ctx, store.Room{Name: name, MaxParticipants: 5, EmptyTimeout: time.Hour, Owner: "CKOWNER", CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	cfg := config.DefaultDev()
	cfg.Addr, cfg.RTCPort, cfg.AdminAddr, cfg.DataDir = "127.0.0.1:0", 0, "", dir
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
