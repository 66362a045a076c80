package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"testing"
	"time"
)

func TestRevocationsRoundTripAndVersion(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "c.db")
	s := openTest(t, path)
	now := time.Unix(1_700_000_000, 0).UTC()
	v0, err := s.RevocationVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}

	if err := s.RevokeToken(ctx, TokenRevocation{Issuer: "K1", JTI: "j1", Room: "r1", RevokedAt: now, ExpiresAt: now.Add(time.Hour), RevokedBy: "admin"}); err != nil {
		t.Fatal(err)
	}
	// The same jti revoked in every room, and in another room, are
	// records of their own; the same three again keep the later expiry.
	if err := s.RevokeToken(ctx, TokenRevocation{Issuer: "K1", JTI: "j1", RevokedAt: now, ExpiresAt: now.Add(2 * time.Hour), RevokedBy: "admin"}); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeToken(ctx, TokenRevocation{Issuer: "K1", JTI: "j1", Room: "r2", RevokedAt: now, ExpiresAt: now.Add(time.Hour), RevokedBy: "admin"}); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeToken(ctx, TokenRevocation{Issuer: "K1", JTI: "j1", Room: "r2", RevokedAt: now, ExpiresAt: now.Add(3 * time.Hour), RevokedBy: "other"}); err != nil {
		t.Fatal(err)
	}
	nb := now.Add(time.Minute)
	if err := s.RevokeIdentity(ctx, IdentityRevocation{Issuer: "K1", Room: "r1", Identity: "bob", NotBefore: nb, ExpiresAt: nb.Add(time.Hour), RevokedBy: "host"}); err != nil {
		t.Fatal(err)
	}
	// An earlier not-before never narrows a later one.
	if err := s.RevokeIdentity(ctx, IdentityRevocation{Issuer: "K1", Room: "r1", Identity: "bob", NotBefore: now, ExpiresAt: now.Add(time.Hour), RevokedBy: "x"}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutBan(ctx, Ban{Issuer: "K1", Room: "r1", Identity: "eve", CreatedAt: now, Until: now.Add(time.Hour), RoomCreated: now, BannedBy: "host", Reason: "spam"}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutBan(ctx, Ban{Issuer: "K1", Room: "r1", Identity: "mal", CreatedAt: now, RoomCreated: now, BannedBy: "host"}); err != nil {
		t.Fatal(err)
	}

	// A second handle, as the CLI opens, sees everything at once.
	other := openTest(t, path)
	set, err := other.LoadRevocations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if set.Version != v0+8 {
		t.Errorf("version = %d, want %d (one per write)", set.Version, v0+8)
	}
	byRoom := map[string]TokenRevocation{}
	for _, r := range set.Tokens {
		byRoom[r.Room] = r
	}
	if len(set.Tokens) != 3 || !byRoom[""].ExpiresAt.Equal(now.Add(2*time.Hour)) || !byRoom["r1"].ExpiresAt.Equal(now.Add(time.Hour)) ||
		!byRoom["r2"].ExpiresAt.Equal(now.Add(3*time.Hour)) || byRoom["r2"].RevokedBy != "admin" {
		t.Errorf("tokens = %+v", set.Tokens)
	}
	if len(set.Identities) != 1 || !set.Identities[0].NotBefore.Equal(nb) || set.Identities[0].RevokedBy != "host" {
		t.Errorf("identities = %+v", set.Identities)
	}
	if len(set.Bans) != 2 {
		t.Fatalf("bans = %+v", set.Bans)
	}
	for _, b := range set.Bans {
		if b.Identity == "mal" && !b.Until.IsZero() || b.Identity == "eve" && (!b.Until.Equal(now.Add(time.Hour)) || b.Reason != "spam") {
			t.Errorf("ban = %+v", b)
		}
	}

	if err := s.DeleteBan(ctx, "K1", "r1", "eve"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteBan(ctx, "K1", "r1", "eve"); !errors.Is(err, ErrNotFound) {
		t.Errorf("second unban: %v, want ErrNotFound", err)
	}
	if v, _ := other.RevocationVersion(ctx); v != v0+9 {
		t.Errorf("version after unban = %d, want %d", v, v0+9)
	}
}

func TestPurgeRevocations(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, filepath.Join(t.TempDir(), "c.db"))
	now := time.Unix(1_700_000_000, 0).UTC()
	if err := s.CreateAPIKey(ctx, testAPIKey("K1", now)); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateRoom(ctx, Room{Name: "live", Owner: "K1", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.RevokeToken(ctx, TokenRevocation{Issuer: "K1", JTI: "old", RevokedAt: now.Add(-2 * time.Hour), ExpiresAt: now.Add(-time.Hour)}))
	must(s.RevokeToken(ctx, TokenRevocation{Issuer: "K1", JTI: "new", RevokedAt: now, ExpiresAt: now.Add(time.Hour)}))
	must(s.RevokeIdentity(ctx, IdentityRevocation{Issuer: "K1", Identity: "a", NotBefore: now.Add(-2 * time.Hour), ExpiresAt: now.Add(-time.Hour)}))
	must(s.RevokeIdentity(ctx, IdentityRevocation{Issuer: "K1", Identity: "b", NotBefore: now, ExpiresAt: now.Add(time.Hour)}))
	must(s.PutBan(ctx, Ban{Issuer: "K1", Room: "live", Identity: "ended", CreatedAt: now.Add(-2 * time.Hour), Until: now.Add(-time.Hour), RoomCreated: now}))
	must(s.PutBan(ctx, Ban{Issuer: "K1", Room: "live", Identity: "timed", CreatedAt: now, Until: now.Add(time.Hour), RoomCreated: now}))
	must(s.PutBan(ctx, Ban{Issuer: "K1", Room: "live", Identity: "roomlife", CreatedAt: now, RoomCreated: now}))
	must(s.PutBan(ctx, Ban{Issuer: "K1", Room: "gone", Identity: "roomlife", CreatedAt: now, RoomCreated: now}))
	must(s.PutBan(ctx, Ban{Issuer: "K1", Room: "live", Identity: "earlier", CreatedAt: now, RoomCreated: now.Add(-time.Minute)}))

	v, _ := s.RevocationVersion(ctx)
	n, err := s.PurgeRevocations(ctx, now)
	if err != nil || n != 5 {
		t.Fatalf("purge = %d, %v; want 5 (old jti, identity a, ended ban, the gone room's and the earlier room's)", n, err)
	}
	set, err := s.LoadRevocations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Tokens) != 1 || set.Tokens[0].JTI != "new" || len(set.Identities) != 1 || set.Identities[0].Identity != "b" || len(set.Bans) != 2 {
		t.Errorf("left %+v", set)
	}
	if set.Version != v+1 {
		t.Errorf("version %d, want %d: a purge that deleted rows is a change", set.Version, v+1)
	}
	if n, err := s.PurgeRevocations(ctx, now); n != 0 || err != nil {
		t.Errorf("second purge = %d, %v", n, err)
	}
	if v2, _ := s.RevocationVersion(ctx); v2 != v+1 {
		t.Errorf("an idle purge raised the version")
	}
}

// TestRecordRemovalIsOneWrite: a removal's revocation and ban are stored
// together, raising the version once; a ban that does not match the
// revocation is refused and stores nothing.
func TestRecordRemovalIsOneWrite(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, filepath.Join(t.TempDir(), "c.db"))
	now := time.Unix(1_700_000_000, 0).UTC()
	v0, _ := s.RevocationVersion(ctx)
	rev := IdentityRevocation{Issuer: "K1", Room: "r1", Identity: "mal", NotBefore: now, ExpiresAt: now.Add(time.Hour), RevokedBy: "host"}
	other := Ban{Issuer: "K1", Room: "r1", Identity: "eve", CreatedAt: now, RoomCreated: now, BannedBy: "host"}
	if err := s.RecordRemoval(ctx, Removal{Revocation: rev, Ban: &other}); err == nil {
		t.Fatal("a removal whose ban names another identity was stored")
	}
	ban := other
	ban.Identity = "mal"
	if err := s.RecordRemoval(ctx, Removal{Revocation: rev, Ban: &ban}); err != nil {
		t.Fatal(err)
	}
	set, err := s.LoadRevocations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if set.Version != v0+1 || len(set.Identities) != 1 || len(set.Bans) != 1 || set.Bans[0].Identity != "mal" {
		t.Fatalf("after one removal: version %d (from %d), %+v, %+v", set.Version, v0, set.Identities, set.Bans)
	}
}

// TestRevocationCaps: past the caps, a new revocation or ban of an
// issuer, or of one room of it, is refused and stores nothing (a removal
// neither its revocation nor its ban); replacing a record is not refused,
// and expired records do not count.
func TestRevocationCaps(t *testing.T) {
	ctx := context.Background()
	s, err := OpenSQLite(ctx, filepath.Join(t.TempDir(), "c.db"),
		WithAccessLimits(AccessLimits{RevocationsPerIssuer: 3, RevocationsPerRoom: 2, BansPerIssuer: 2, BansPerRoom: 1}))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Unix(1_700_000_000, 0).UTC()
	tok := func(room, jti string) TokenRevocation {
		return TokenRevocation{Issuer: "K1", JTI: jti, Room: room, RevokedAt: now, ExpiresAt: now.Add(time.Hour)}
	}
	id := func(room, identity string) IdentityRevocation {
		return IdentityRevocation{Issuer: "K1", Room: room, Identity: identity, NotBefore: now, ExpiresAt: now.Add(time.Hour)}
	}
	if err := s.RevokeToken(ctx, tok("r1", "j1")); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeIdentity(ctx, id("r1", "bob")); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeToken(ctx, tok("r1", "j2")); !errors.Is(err, ErrTooManyRevocations) {
		t.Fatalf("a third revocation in r1 (cap 2): %v", err)
	}
	if err := s.RevokeIdentity(ctx, id("r1", "bob")); err != nil {
		t.Fatalf("replacing a revocation at the cap: %v", err)
	}
	if err := s.RevokeToken(ctx, tok("r2", "j3")); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeToken(ctx, tok("r3", "j4")); !errors.Is(err, ErrTooManyRevocations) {
		t.Fatalf("a fourth revocation of K1 (cap 3): %v", err)
	}
	if err := s.RevokeToken(ctx, TokenRevocation{Issuer: "K2", JTI: "j", RevokedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatalf("another issuer: %v", err)
	}
	// Expired records do not count.
	later := now.Add(2 * time.Hour)
	if err := s.RevokeToken(ctx, TokenRevocation{Issuer: "K1", JTI: "j5", Room: "r1", RevokedAt: later, ExpiresAt: later.Add(time.Hour)}); err != nil {
		t.Fatalf("after the others expired: %v", err)
	}

	ban := func(room, identity string) *Ban {
		return &Ban{Issuer: "K3", Room: room, Identity: identity, CreatedAt: now, RoomCreated: now}
	}
	rm := func(room, identity string) Removal {
		return Removal{Revocation: IdentityRevocation{Issuer: "K3", Room: room, Identity: identity, NotBefore: now, ExpiresAt: now.Add(time.Hour)},
			Ban: ban(room, identity)}
	}
	if err := s.RecordRemoval(ctx, rm("r1", "mal")); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordRemoval(ctx, rm("r1", "eve")); !errors.Is(err, ErrTooManyBans) {
		t.Fatalf("a second ban in r1 (cap 1): %v", err)
	}
	set, err := s.LoadRevocations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range set.Identities {
		if r.Identity == "eve" {
			t.Error("the refused removal stored its revocation")
		}
	}
	if err := s.PutBan(ctx, *ban("r1", "mal")); err != nil {
		t.Fatalf("replacing a ban at the cap: %v", err)
	}
}

// TestMigrateAccessRecords: a database from before migration 0011 keeps
// its token revocations, now one record per (issuer, jti, room), and its
// rooms, unlocked and with no duration of their own.
func TestMigrateAccessRecords(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "conclave.db")
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	stmts := []string{`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY NOT NULL, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT`}
	for _, m := range ms {
		if m.version < 11 {
			stmts = append(stmts, m.sql, fmt.Sprintf(`INSERT INTO schema_migrations VALUES (%d, '%s', 0)`, m.version, m.name))
		}
	}
	now := time.Unix(1_700_000_000, 0).UTC()
	stmts = append(stmts,
		fmt.Sprintf(`INSERT INTO token_revocations VALUES ('K1', 'j1', 'r1', %d, %d, 'admin'), ('K1', 'j2', '', %d, %d, 'admin')`,
			toNanos(now), toNanos(now.Add(time.Hour)), toNanos(now), toNanos(now.Add(time.Hour))),
		fmt.Sprintf(`INSERT INTO rooms (name, max_participants, empty_timeout_ns, created_at) VALUES ('old', 5, 60000000000, %d)`, toNanos(now)))
	for _, q := range stmts {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%.60s: %v", q, err)
		}
	}
	_ = db.Close()

	s := openTest(t, path)
	set, err := s.LoadRevocations(ctx)
	if err != nil || len(set.Tokens) != 2 {
		t.Fatalf("token revocations after the migration: %+v, %v", set.Tokens, err)
	}
	if err := s.RevokeToken(ctx, TokenRevocation{Issuer: "K1", JTI: "j1", Room: "r2", RevokedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if set, _ := s.LoadRevocations(ctx); len(set.Tokens) != 3 {
		t.Errorf("j1 revoked in a second room: %+v, want a record of its own", set.Tokens)
	}
	if r, err := s.Room(ctx, "old"); err != nil || r.Locked || r.MaxDuration != 0 || r.MaxPublishBitrate != 0 {
		t.Errorf("a room from before: %+v, %v", r, err)
	}
}
