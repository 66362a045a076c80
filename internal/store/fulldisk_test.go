package store_test

import (
	"context"
	"crypto/ed25519"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/conclave-video/conclave/internal/store"
	"github.com/conclave-video/conclave/internal/store/storetest"
)

func key(id string) store.APIKey {
	pub := make(ed25519.PublicKey, ed25519.PublicKeySize)
	copy(pub, id)
	return store.APIKey{ID: id, Name: id, PublicKey: pub, CreatedAt: time.Now()}
}

// sqliteCode is the primary SQLite result code err carries, or -1.
func sqliteCode(err error) int {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return -1
	}
	return se.Code() & 0xFF
}

// TestFullDisk: with the database on storage that is full, every write is
// an error — ErrUnavailable, wrapping SQLite's SQLITE_FULL — and nothing of
// it is applied; the write probe fails too. Once there is room again the
// probe passes, writes succeed, and after a restart the database holds
// exactly what was acknowledged.
func TestFullDisk(t *testing.T) {
	ctx := context.Background()
	disk := storetest.NewFullDisk(t)
	path := filepath.Join(disk.Dir, "conclave.db")
	st, err := store.OpenSQLite(ctx, path, disk.Options...)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = st.Close() }()
	if err := st.CreateAPIKey(ctx, key("CKKEPT00000000")); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateRoom(ctx, store.Room{Name: "kept-room-000000"}); err != nil {
		t.Fatal(err)
	}
	if err := st.CheckWrite(ctx); err != nil {
		t.Fatalf("probe before the disk fills: %v", err)
	}

	disk.Fill(st)

	unavailable := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, store.ErrUnavailable) || sqliteCode(err) != sqlite3.SQLITE_FULL {
			t.Errorf("%s on a full disk: %v (SQLite code %d), want ErrUnavailable wrapping SQLITE_FULL", what, err, sqliteCode(err))
		}
		if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrExists) {
			t.Errorf("%s: %v also reads as another sentinel", what, err)
		}
	}
	unavailable("CreateRoom", st.CreateRoom(ctx, store.Room{Name: "lost-room-0000000"}))
	unavailable("CreateAPIKey", st.CreateAPIKey(ctx, key("CKLOST00000000")))
	if err := st.CheckWrite(ctx); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("probe on a full disk: %v, want ErrUnavailable", err)
	}
	if disk.Mounted {
		// On a full file system even a write that frees space needs room
		// in the WAL first.
		unavailable("DeleteRoom", st.DeleteRoom(ctx, "kept-room-000000"))
		unavailable("RevokeAPIKey", st.RevokeAPIKey(ctx, "CKKEPT00000000", time.Now()))
	}
	// Reads still work.
	if _, err := st.Room(ctx, "kept-room-000000"); err != nil {
		t.Errorf("read on a full disk: %v", err)
	}

	disk.Free(st)
	if err := st.CheckWrite(ctx); err != nil {
		t.Fatalf("probe once there is room: %v", err)
	}
	if err := st.CreateRoom(ctx, store.Room{Name: "after-room-0000000"}); err != nil {
		t.Fatalf("CreateRoom once there is room: %v", err)
	}

	// A restart finds what was acknowledged, and only that.
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	st, err = store.OpenSQLite(ctx, path, disk.Options...)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]bool{"kept-room-000000": true, "after-room-0000000": true, "lost-room-0000000": false} {
		_, err := st.Room(ctx, name)
		if got := err == nil; got != want || (err != nil && !errors.Is(err, store.ErrNotFound)) {
			t.Errorf("after restart, room %s: %v, want present=%v", name, err, want)
		}
	}
	if _, err := st.APIKey(ctx, "CKLOST00000000"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("after restart, the refused key: %v, want ErrNotFound", err)
	}
	if k, err := st.APIKey(ctx, "CKKEPT00000000"); err != nil || k.Revoked() {
		t.Errorf("after restart, the kept key: %+v, %v", k, err)
	}
}

// TestWriteLockHeldTooLong: a writer kept out by another process's write
// lock past the busy timeout gets ErrUnavailable (SQLITE_BUSY), and the
// probe, bounded by its context, reports the store unavailable sooner.
func TestWriteLockHeldTooLong(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "conclave.db")
	st, err := store.OpenSQLite(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	holder, err := store.OpenSQLite(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	release := store.HoldWriteLock(t, holder)

	pctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	start := time.Now()
	err = st.CheckWrite(pctx)
	cancel()
	if !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("probe while another handle holds the write lock: %v, want ErrUnavailable", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("probe took %s despite a 200 ms context", d)
	}
	err = st.CreateRoom(ctx, store.Room{Name: "blocked"})
	if !errors.Is(err, store.ErrUnavailable) || sqliteCode(err) != sqlite3.SQLITE_BUSY {
		t.Errorf("CreateRoom while the lock is held: %v (code %d), want ErrUnavailable wrapping SQLITE_BUSY", err, sqliteCode(err))
	}
	release()
	if err := st.CreateRoom(ctx, store.Room{Name: "blocked"}); err != nil {
		t.Errorf("CreateRoom once the lock is released: %v", err)
	}
	if err := st.CheckWrite(ctx); err != nil {
		t.Errorf("probe once the lock is released: %v", err)
	}
}

// TestOpenOnAFullDiskSaysWhy: a database that cannot be made for want of
// space is ErrUnavailable, and the error says what to look at.
func TestOpenOnAFullDiskSaysWhy(t *testing.T) {
	_, err := store.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "c.db"), store.MaxPages(1))
	if !errors.Is(err, store.ErrUnavailable) || !strings.Contains(err.Error(), "is the file system full") {
		t.Fatalf("open with no room: %v", err)
	}
}
