package auth

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/conclave-video/conclave/internal/store"
	"github.com/conclave-video/conclave/token"
)

// fakeClock is a clock a test moves.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func newRevocations(t *testing.T, st *store.SQLite, clock *fakeClock) *Revocations {
	t.Helper()
	r, err := NewRevocations(context.Background(), RevocationsConfig{Store: st, Now: clock.Now, MaxLifetime: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// mintAt mints a join token of f's key for room and identity, issued at.
func (f *fixture) mintAt(t *testing.T, room, identity string, at time.Time) string {
	t.Helper()
	raw, err := f.key.MintAt(token.Options{Identity: identity, Room: room, TTL: 10 * time.Minute, Grants: token.Grants{Publish: true}}, at)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestRevocationsRefuseTokens(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	clock := &fakeClock{t: f.now.Truncate(time.Second)}
	revs := newRevocations(t, f.store, clock)
	v := &Verifier{Keys: f.store, Now: clock.Now, Revocations: revs}

	before := f.mintAt(t, "r1", "bob", clock.Now())
	otherRoom := f.mintAt(t, "r2", "bob", clock.Now())
	sameSecond := f.mintAt(t, "r1", "bob", clock.Now())
	if _, err := revs.RevokeIdentity(ctx, f.key.ID, "r1", "bob", "host"); err != nil {
		t.Fatal(err)
	}
	clock.Add(time.Second)
	after := f.mintAt(t, "r1", "bob", clock.Now())

	for _, tc := range []struct {
		name, raw, want string
	}{
		{"issued before the removal", before, CodeTokenRevoked},
		{"issued in the removal's second", sameSecond, CodeTokenRevoked},
		{"another room", otherRoom, ""},
		{"issued after", after, ""},
	} {
		if _, err := v.Verify(ctx, tc.raw); Code(err) != tc.want {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}

	// Every room: a REST token with no room is refused too.
	rest, err := f.key.MintAt(token.Options{Identity: "bob", TTL: time.Minute, Grants: token.Grants{RoomAdmin: true}}, clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := revs.RevokeIdentity(ctx, f.key.ID, "", "bob", "admin"); err != nil {
		t.Fatal(err)
	}
	for _, raw := range []string{rest, otherRoom} {
		if _, err := v.Verify(ctx, raw); Code(err) != CodeTokenRevoked {
			t.Errorf("after revoking bob everywhere: %v", err)
		}
	}
}

func TestRevocationsByJTI(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	clock := &fakeClock{t: f.now}
	revs := newRevocations(t, f.store, clock)
	v := &Verifier{Keys: f.store, Now: clock.Now, Revocations: revs}
	a, b := f.mintAt(t, "r1", "ann", clock.Now()), f.mintAt(t, "r1", "ann", clock.Now())
	ca, err := v.Verify(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	// A room-bound admin of another room revokes nothing in r1.
	if _, err := revs.RevokeToken(ctx, f.key.ID, "r2", ca.ID, "r2-admin"); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(ctx, a); err != nil {
		t.Errorf("revoked for r2 only, refused in r1: %v", err)
	}
	// Another key's admin revokes nothing of this key's.
	if _, err := revs.RevokeToken(ctx, "OtherKey", "", ca.ID, "x"); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(ctx, a); err != nil {
		t.Errorf("revoked under another issuer, refused: %v", err)
	}
	if _, err := revs.RevokeToken(ctx, f.key.ID, "r1", ca.ID, "r1-admin"); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(ctx, a); Code(err) != CodeTokenRevoked {
		t.Errorf("revoked token: %v", err)
	}
	if _, err := v.Verify(ctx, b); err != nil {
		t.Errorf("another token of the same identity: %v", err)
	}
	// The copy holds what the store holds: the jti in r1 and in r2, as a
	// restarted server reads them.
	if err := newRevocations(t, f.store, clock).Check(ca); Code(err) != CodeTokenRevoked {
		t.Errorf("after a reload, the token revoked in r1: %v", err)
	}
	if got := len(revs.idx.Load().tokens); got != 3 {
		t.Errorf("%d token records in the copy, want 3 (r2, OtherKey, r1)", got)
	}
	for _, bad := range []string{"", "a b", string(make([]byte, MaxJTILen+1))} {
		if _, err := revs.RevokeToken(ctx, f.key.ID, "", bad, "x"); err == nil {
			t.Errorf("jti %q accepted", bad)
		}
	}
}

func TestBansEndOnTime(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	clock := &fakeClock{t: f.now}
	revs := newRevocations(t, f.store, clock)
	created := clock.Now().Add(-time.Hour)
	if _, err := revs.Ban(ctx, store.Ban{Issuer: f.key.ID, Room: "r1", Identity: "eve", Until: clock.Now().Add(time.Minute), RoomCreated: created, BannedBy: "host"}); err != nil {
		t.Fatal(err)
	}
	if _, err := revs.Ban(ctx, store.Ban{Issuer: f.key.ID, Room: "r1", Identity: "mal", RoomCreated: created, BannedBy: "host"}); err != nil {
		t.Fatal(err)
	}
	if _, ok := revs.Banned(f.key.ID, "r1", "eve", created); !ok {
		t.Error("eve not banned")
	}
	if _, ok := revs.Banned(f.key.ID, "r1", "mal", created); !ok {
		t.Error("mal not banned for the room's life")
	}
	if _, ok := revs.Banned(f.key.ID, "r1", "mal", created.Add(time.Second)); ok {
		t.Error("a room-life ban reaches a later room of the same name")
	}
	if _, ok := revs.Banned("OtherKey", "r1", "eve", created); ok {
		t.Error("a ban reaches another key's room")
	}
	if got := revs.Bans(f.key.ID, "r1", created); len(got) != 2 {
		t.Errorf("bans = %+v", got)
	}
	clock.Add(time.Minute)
	if _, ok := revs.Banned(f.key.ID, "r1", "eve", created); ok {
		t.Error("eve still banned after the ban's end")
	}
	if err := revs.Unban(ctx, f.key.ID, "r1", "mal"); err != nil {
		t.Fatal(err)
	}
	if _, ok := revs.Banned(f.key.ID, "r1", "mal", created); ok {
		t.Error("mal still banned after unban")
	}
	if err := revs.Unban(ctx, f.key.ID, "r1", "mal"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unban twice: %v", err)
	}
	if _, err := revs.Ban(ctx, store.Ban{Issuer: f.key.ID, Room: "r1", Identity: "x", RoomCreated: created, Reason: "bad\nreason"}); err == nil {
		t.Error("a reason with a newline was accepted")
	}
}

// Another process (the CLI) writes through the store: a running copy
// learns of it on Refresh, and a restarted one at load.
func TestRevocationsAcrossProcessesAndRestarts(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	clock := &fakeClock{t: f.now.Truncate(time.Second)}
	server := newRevocations(t, f.store, clock)
	v := &Verifier{Keys: f.store, Now: clock.Now, Revocations: server}
	raw := f.mintAt(t, "r1", "bob", clock.Now())

	cliStore, err := store.OpenSQLite(ctx, f.path)
	if err != nil {
		t.Fatal(err)
	}
	defer cliStore.Close()
	cli := newRevocations(t, cliStore, clock)
	if _, err := cli.RevokeIdentity(ctx, f.key.ID, "r1", "bob", "operator"); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(ctx, raw); err != nil {
		t.Fatalf("refused before the server refreshed: %v (the test expects the poll to be the only path)", err)
	}
	if changed, err := server.Refresh(ctx); !changed || err != nil {
		t.Fatalf("refresh = %v, %v", changed, err)
	}
	if _, err := v.Verify(ctx, raw); Code(err) != CodeTokenRevoked {
		t.Errorf("after refresh: %v", err)
	}
	if changed, _ := server.Refresh(ctx); changed {
		t.Error("a refresh without a change reloaded")
	}

	restarted := newRevocations(t, f.store, clock)
	v2 := &Verifier{Keys: f.store, Now: clock.Now, Revocations: restarted}
	if _, err := v2.Verify(ctx, raw); Code(err) != CodeTokenRevoked {
		t.Errorf("after restart: %v", err)
	}

	// The purge forgets what can no longer refuse anything, everywhere.
	clock.Add(2 * time.Hour)
	if n, err := cli.Purge(ctx); n != 1 || err != nil {
		t.Fatalf("purge = %d, %v", n, err)
	}
	if changed, _ := server.Refresh(ctx); !changed || len(server.idx.Load().identities) != 0 {
		t.Error("the purged revocation stayed in the server's copy")
	}
}

// BenchmarkRevocationsCheck: the check every join, resume and REST call
// makes, against 10,000 identity revocations and 10,000 revoked jtis.
func BenchmarkRevocationsCheck(b *testing.B) {
	set := store.RevocationSet{}
	now := time.Now()
	for i := range 10_000 {
		id := "user" + strconv.Itoa(i)
		set.Identities = append(set.Identities, store.IdentityRevocation{Issuer: "K", Room: "r", Identity: id, NotBefore: now, ExpiresAt: now.Add(time.Hour)})
		set.Tokens = append(set.Tokens, store.TokenRevocation{Issuer: "K", JTI: id, ExpiresAt: now.Add(time.Hour)})
	}
	r := &Revocations{cfg: RevocationsConfig{Now: time.Now}}
	r.idx.Store(newIndex(set))
	c := &token.Claims{Room: "r"}
	c.Issuer, c.Subject, c.ID, c.IssuedAt = "K", "someone", "fresh-jti", jwt.NewNumericDate(now)
	b.ReportAllocs()
	for b.Loop() {
		if err := r.Check(c); err != nil {
			b.Fatal(err)
		}
	}
}

// TestRevokedInviteRefusesItsTokens: a revoked meeting invite refuses the
// guest tokens that carry its id, on this copy at once, on another after
// a refresh and after a restart; a removal may revoke one in its write.
func TestRevokedInviteRefusesItsTokens(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	clock := &fakeClock{t: f.now.Truncate(time.Second)}
	now := clock.Now()
	for _, id := range []string{"MI_A", "MI_B"} {
		if err := f.store.CreateMeetingInvite(ctx, store.MeetingInvite{ID: id, Room: "r1", Owner: f.key.ID, CreatedBy: "host",
			Role: "participant", MaxUses: 5, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}, 100); err != nil {
			t.Fatal(err)
		}
	}
	revs, other := newRevocations(t, f.store, clock), newRevocations(t, f.store, clock)
	guest := func(invite string) *token.Claims {
		return &token.Claims{RegisteredClaims: jwt.RegisteredClaims{Issuer: f.key.ID, Subject: "guest_x", ID: "j-" + invite,
			IssuedAt: jwt.NewNumericDate(now)}, Room: "r1", Invite: invite}
	}
	if err := revs.RevokeInvite(ctx, f.key.ID, "MI_A", now); err != nil {
		t.Fatal(err)
	}
	if err := revs.Check(guest("MI_A")); Code(err) != CodeTokenRevoked {
		t.Errorf("a guest token of the revoked invite: %v", err)
	}
	if err := revs.Check(guest("MI_B")); err != nil {
		t.Errorf("a guest token of another invite: %v", err)
	}
	if err := revs.RevokeInvite(ctx, f.key.ID, "MI_NONE", now); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("revoking an unknown invite: %v", err)
	}
	if err := revs.Remove(ctx, f.key.ID, "r1", "guest_y", "host", &store.Ban{RoomCreated: now}, "MI_B"); err != nil {
		t.Fatal(err)
	}
	if changed, err := other.Refresh(ctx); !changed || err != nil {
		t.Fatalf("refresh: %v %v", changed, err)
	}
	for _, x := range []*Revocations{revs, other, newRevocations(t, f.store, clock)} {
		for _, id := range []string{"MI_A", "MI_B"} {
			if err := x.Check(guest(id)); Code(err) != CodeTokenRevoked {
				t.Errorf("a guest token of revoked %s: %v", id, err)
			}
		}
	}
}
