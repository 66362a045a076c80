package store

import (
	"context"
	"crypto/ed25519"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"
)

func openTest(t testing.TB, path string) *SQLite {
	t.Helper()
	s, err := OpenSQLite(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func testAPIKey(id string, created time.Time) APIKey {
	pub := make(ed25519.PublicKey, ed25519.PublicKeySize)
	copy(pub, id)
	return APIKey{ID: id, Name: "key " + id, PublicKey: pub, CreatedAt: created}
}

func TestAPIKeys(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, filepath.Join(t.TempDir(), "conclave.db"))
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.UTC)

	a, b := testAPIKey("CKAAAAAAAAAAAA", t0), testAPIKey("CKBBBBBBBBBBBB", t0.Add(time.Second))
	for _, k := range []APIKey{b, a} {
		if err := s.CreateAPIKey(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CreateAPIKey(ctx, a); !errors.Is(err, ErrExists) {
		t.Fatalf("duplicate key: %v, want ErrExists", err)
	}
	got, err := s.APIKey(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != a.ID || got.Name != a.Name || !got.PublicKey.Equal(a.PublicKey) || !got.CreatedAt.Equal(t0) || got.Revoked() {
		t.Fatalf("APIKey = %+v, want %+v", got, a)
	}
	if _, err := s.APIKey(ctx, "CKMISSING"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing key: %v", err)
	}

	list, err := s.ListAPIKeys(ctx)
	if err != nil || len(list) != 2 || list[0].ID != a.ID || list[1].ID != b.ID {
		t.Fatalf("ListAPIKeys = %+v, %v", list, err)
	}

	rev := t0.Add(time.Hour)
	if err := s.RevokeAPIKey(ctx, a.ID, rev); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeAPIKey(ctx, a.ID, rev.Add(time.Hour)); err != nil {
		t.Fatalf("second revoke: %v", err)
	}
	got, _ = s.APIKey(ctx, a.ID)
	if !got.Revoked() || !got.RevokedAt.Equal(rev) {
		t.Fatalf("RevokedAt = %v, want %v (first revocation kept)", got.RevokedAt, rev)
	}
	if err := s.RevokeAPIKey(ctx, "CKMISSING", rev); !errors.Is(err, ErrNotFound) {
		t.Fatalf("revoke missing: %v", err)
	}
}

func TestAPIKeyValidation(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, filepath.Join(t.TempDir(), "conclave.db"))
	now := time.Now()
	for name, k := range map[string]APIKey{
		"no id":       {Name: "x", PublicKey: make([]byte, 32), CreatedAt: now},
		"short key":   {ID: "CK1", PublicKey: make([]byte, 31), CreatedAt: now},
		"private key": {ID: "CK1", PublicKey: make([]byte, 64), CreatedAt: now},
	} {
		if err := s.CreateAPIKey(ctx, k); err == nil {
			t.Errorf("%s: created", name)
		}
	}
}

func TestRooms(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, filepath.Join(t.TempDir(), "conclave.db"))
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	k1, k2 := testAPIKey("CK111111111111", t0), testAPIKey("CK222222222222", t0)
	for _, k := range []APIKey{k1, k2} {
		if err := s.CreateAPIKey(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	rooms := []Room{
		{Name: "b-room", MaxParticipants: 10, EmptyTimeout: 5 * time.Minute, Owner: k1.ID, CreatedAt: t0, E2EE: "required"},
		{Name: "a-room", MaxParticipants: 0, EmptyTimeout: 0, Owner: k2.ID, CreatedAt: t0, E2EE: "off"},
		{Name: "c-room", MaxParticipants: 3, EmptyTimeout: time.Second, Owner: k1.ID, CreatedAt: t0, E2EE: "off"},
		{Name: "unowned", CreatedAt: t0, E2EE: "off"},
	}
	for _, r := range rooms {
		if err := s.CreateRoom(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CreateRoom(ctx, rooms[0]); !errors.Is(err, ErrExists) {
		t.Fatalf("duplicate room: %v", err)
	}
	if err := s.CreateRoom(ctx, Room{Name: "no-time"}); err != nil {
		t.Fatal(err)
	} else if r, _ := s.Room(ctx, "no-time"); r.CreatedAt.IsZero() {
		t.Fatal("zero CreatedAt stored")
	} else if err := s.DeleteRoom(ctx, "no-time"); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateRoom(ctx, Room{Name: "x", Owner: "CKNOBODY", CreatedAt: t0}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown owner: %v, want ErrNotFound", err)
	}
	for name, r := range map[string]Room{
		"no name":          {CreatedAt: t0},
		"negative max":     {Name: "x", MaxParticipants: -1, CreatedAt: t0},
		"negative timeout": {Name: "x", EmptyTimeout: -1, CreatedAt: t0},
	} {
		if err := s.CreateRoom(ctx, r); err == nil {
			t.Errorf("%s: created", name)
		}
	}

	got, err := s.Room(ctx, "b-room")
	if err != nil {
		t.Fatal(err)
	}
	if got != rooms[0] {
		t.Fatalf("Room = %+v, want %+v", got, rooms[0])
	}
	if _, err := s.Room(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing room: %v", err)
	}

	names := func(rs []Room) (out []string) {
		for _, r := range rs {
			out = append(out, r.Name)
		}
		return out
	}
	all, err := s.ListRooms(ctx, "")
	if err != nil || len(all) != 4 || all[0].Name != "a-room" || all[3].Name != "unowned" {
		t.Fatalf("ListRooms(all) = %v, %v", names(all), err)
	}
	mine, err := s.ListRooms(ctx, k1.ID)
	if err != nil || len(mine) != 2 || mine[0].Name != "b-room" || mine[1].Name != "c-room" {
		t.Fatalf("ListRooms(k1) = %v, %v", names(mine), err)
	}
	if none, err := s.ListRooms(ctx, "CKNOBODY"); err != nil || len(none) != 0 {
		t.Fatalf("ListRooms(nobody) = %v, %v", names(none), err)
	}

	if err := s.DeleteRoom(ctx, "b-room"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteRoom(ctx, "b-room"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	if _, err := s.Room(ctx, "b-room"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted room: %v", err)
	}
}

// TestTwoHandles stands in for the server and a CLI command: both open the
// same file, and a revocation through one is seen at once through the other.
func TestTwoHandles(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "conclave.db")
	server := openTest(t, path)
	cli := openTest(t, path)

	k := testAPIKey("CKSHARED000000", time.Now())
	if err := cli.CreateAPIKey(ctx, k); err != nil {
		t.Fatal(err)
	}
	got, err := server.APIKey(ctx, k.ID)
	if err != nil || got.Revoked() {
		t.Fatalf("server sees %+v, %v", got, err)
	}
	if err := cli.RevokeAPIKey(ctx, k.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	if got, err := server.APIKey(ctx, k.ID); err != nil || !got.Revoked() {
		t.Fatalf("server does not see revocation: %+v, %v", got, err)
	}

	// Concurrent writers on both handles serialise instead of failing busy.
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 40 {
		h := server
		if i%2 == 1 {
			h = cli
		}
		wg.Go(func() {
			errs <- h.CreateRoom(ctx, Room{Name: "room-" + string(rune('A'+i)), CreatedAt: time.Now()})
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if rs, err := server.ListRooms(ctx, ""); err != nil || len(rs) != 40 {
		t.Fatalf("rooms = %d, %v", len(rs), err)
	}
}

func TestOpenConcurrentFresh(t *testing.T) {
	path := filepath.Join(t.TempDir(), "conclave.db")
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Go(func() {
			s, err := OpenSQLite(context.Background(), path)
			if err == nil {
				err = s.Close()
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestMigrationsRecordedAndIdempotent(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "conclave.db")
	s := openTest(t, path)
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	var n, max int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*), max(version) FROM schema_migrations`).Scan(&n, &max); err != nil {
		t.Fatal(err)
	}
	if n != len(ms) || max != ms[len(ms)-1].version {
		t.Fatalf("schema_migrations has %d rows, max %d; want %d", n, max, len(ms))
	}
	var mode string
	if err := s.db.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode = %q, %v", mode, err)
	}
	var fk int
	if err := s.db.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&fk); err != nil || fk != 1 {
		t.Fatalf("foreign_keys = %d, %v", fk, err)
	}
	_ = s.Close()

	// Reopening applies nothing new.
	s2 := openTest(t, path)
	if err := s2.db.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil || n != len(ms) {
		t.Fatalf("after reopen: %d rows, %v", n, err)
	}
	// A database from a newer binary is refused.
	if _, err := s2.db.ExecContext(ctx, `INSERT INTO schema_migrations VALUES (9999, 'future', 0)`); err != nil {
		t.Fatal(err)
	}
	_ = s2.Close()
	if s3, err := OpenSQLite(ctx, path); err == nil {
		_ = s3.Close()
		t.Fatal("opened a database with a newer schema")
	}
}

func TestDatabaseFileIsPrivate(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("permission bits are not meaningful on Windows")
	}
	path := filepath.Join(t.TempDir(), "conclave.db")
	openTest(t, path)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		t.Fatalf("database mode %v is accessible by group or others", fi.Mode().Perm())
	}
}

func TestPathWithSpecialCharacters(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a b%20c?d#e")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "conclave.db")
	openTest(t, path)
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database not at %s: %v", path, err)
	}
}

// TestPutRoom: PutRoom replaces a stored room of the same name, owner and
// settings included, so that a room created over a stale row is what a
// restart finds; a missing owner is ErrNotFound and changes nothing.
func TestPutRoom(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, filepath.Join(t.TempDir(), "conclave.db"))
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	k1, k2 := testAPIKey("CK111111111111", t0), testAPIKey("CK222222222222", t0)
	for _, k := range []APIKey{k1, k2} {
		if err := s.CreateAPIKey(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	stale := Room{Name: "r", MaxParticipants: 5, EmptyTimeout: time.Minute, Owner: k1.ID, CreatedAt: t0}
	if err := s.CreateRoom(ctx, stale); err != nil {
		t.Fatal(err)
	}
	fresh := Room{Name: "r", MaxParticipants: 42, EmptyTimeout: time.Hour, Owner: k2.ID, CreatedAt: t0.Add(time.Hour)}
	if err := s.PutRoom(ctx, fresh); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Room(ctx, "r"); err != nil || !got.CreatedAt.Equal(fresh.CreatedAt) || got.Owner != k2.ID ||
		got.MaxParticipants != 42 || got.EmptyTimeout != time.Hour {
		t.Fatalf("after PutRoom: %+v, %v; want %+v", got, err, fresh)
	}
	if err := s.PutRoom(ctx, Room{Name: "r", Owner: "CKNOSUCHKEY000"}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("PutRoom with an unknown owner = %v, want ErrNotFound", err)
	}
	if got, _ := s.Room(ctx, "r"); got.Owner != k2.ID {
		t.Fatalf("a refused PutRoom changed the room: %+v", got)
	}
}

// TestRoomState: a room's lock, maximum duration and bitrate cap are
// stored with it, and SetRoomState changes the lock and duration for the
// room created at that time only: never a later room of the same name,
// never a row that is gone.
func TestRoomState(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, filepath.Join(t.TempDir(), "conclave.db"))
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.UTC)
	k := testAPIKey("CK111111111111", t0)
	if err := s.CreateAPIKey(ctx, k); err != nil {
		t.Fatal(err)
	}
	if err := s.PutRoom(ctx, Room{Name: "r", Owner: k.ID, CreatedAt: t0, MaxDuration: 90 * time.Minute, MaxPublishBitrate: 300_000}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Room(ctx, "r"); err != nil || got.Locked || got.MaxDuration != 90*time.Minute || got.MaxPublishBitrate != 300_000 {
		t.Fatalf("stored: %+v, %v", got, err)
	}
	if err := s.PutRoom(ctx, Room{Name: "r", Owner: k.ID, CreatedAt: t0, MaxPublishBitrate: -1}); err == nil {
		t.Fatal("PutRoom took a negative max publish bitrate")
	}
	if err := s.SetRoomState(ctx, "r", t0, true, 30*time.Minute); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Room(ctx, "r"); err != nil || !got.Locked || got.MaxDuration != 30*time.Minute || got.MaxPublishBitrate != 300_000 {
		t.Fatalf("after SetRoomState: %+v, %v", got, err)
	}
	for _, tc := range []struct {
		name    string
		created time.Time
	}{{"r", t0.Add(time.Nanosecond)}, {"gone", t0}} {
		if err := s.SetRoomState(ctx, tc.name, tc.created, false, 0); !errors.Is(err, ErrNotFound) {
			t.Errorf("SetRoomState(%s, %v) = %v, want ErrNotFound", tc.name, tc.created, err)
		}
	}
	if got, _ := s.Room(ctx, "r"); !got.Locked {
		t.Error("a refused SetRoomState unlocked the room")
	}
}
