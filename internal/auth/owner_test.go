package auth

import (
	"context"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/conclave-video/conclave/internal/store"
	"github.com/conclave-video/conclave/token"
)

// TestOwnerClaim: a token of the server's own key with an owner claim is
// the account's (Issuer = the user id); every other combination of key
// and owner claim is refused with token_owner, and the owner's account
// must exist and be active.
func TestOwnerClaim(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	// f.key plays the server's key; other is an ordinary API key.
	rec, priv, err := NewAPIKey("app", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.store.CreateAPIKey(ctx, rec); err != nil {
		t.Fatal(err)
	}
	other := token.Key{ID: rec.ID, Private: priv}
	t0 := f.now
	newUser := func(email string) store.User {
		u := store.User{ID: NewUserID(), Email: email, Role: store.RoleMember, Status: store.StatusActive,
			PasswordHash: "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG", CreatedAt: t0, UpdatedAt: t0}
		if err := f.store.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		return u
	}
	alice, bob := newUser("alice@example.org"), newUser("bob@example.org")
	v := f.verifier()
	v.ServerKeyID, v.Users = f.key.ID, f.store

	host := func(k token.Key, owner, room string) string {
		return f.mint(t, k, token.Options{Identity: alice.ID, Room: room, TTL: 10 * time.Minute, Owner: owner,
			Grants: token.Grants{Publish: true, Subscribe: true, PublishData: true, RoomAdmin: true}})
	}
	c, err := v.Verify(ctx, host(f.key, alice.ID, "m1"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Issuer != alice.ID || c.Owner != alice.ID || c.Subject != alice.ID || c.Room != "m1" || !c.Grants.RoomAdmin {
		t.Fatalf("claims %+v", c)
	}

	for _, tc := range []struct {
		name string
		raw  string
		v    *Verifier
		code string
	}{
		{"owner claim signed by an ordinary key", host(other, alice.ID, "m1"), v, CodeOwner},
		{"server key without an owner", host(f.key, "", "m1"), v, CodeOwner},
		{"owner that is not an account id", host(f.key, "CKSOMEKEY", "m1"), v, CodeOwner},
		{"owner token without a room", f.signEd(t, func(c jwt.MapClaims) { c["owner"] = alice.ID; delete(c, "room") }), v, CodeOwner},
		{"owner with no account", host(f.key, NewUserID(), "m1"), v, CodeTokenRevoked},
		{"verifier that knows no server key", host(f.key, alice.ID, "m1"), f.verifier(), CodeOwner},
		{"owner in another case", f.signEd(t, func(c jwt.MapClaims) { c["Owner"] = alice.ID }), v, CodeMalformed},
		{"owner twice", f.signRawPayload(t, `{"iss":%q,"sub":"a","aud":"conclave","iat":%d,"nbf":%d,"exp":%d,"room":"m1","owner":"US_A","owner":"US_B"}`), v, CodeMalformed},
	} {
		if _, err := tc.v.Verify(ctx, tc.raw); Code(err) != tc.code {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.code)
		}
	}

	// An ordinary key's token without the claim is unaffected.
	if c, err := v.Verify(ctx, f.mint(t, other, joinOpts())); err != nil || c.Issuer != other.ID {
		t.Fatalf("ordinary token: %+v %v", c, err)
	}

	// Disabling the account refuses its server-issued tokens at once.
	raw := host(f.key, bob.ID, "m2")
	if _, err := v.Verify(ctx, raw); err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.UpdateUser(ctx, bob.ID, func(u *store.User) error { u.Status = store.StatusDisabled; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(ctx, raw); Code(err) != CodeTokenRevoked {
		t.Fatalf("disabled owner: %v", err)
	}

	// Without a user lookup the verifier fails closed, as a server error.
	noUsers := f.verifier()
	noUsers.ServerKeyID = f.key.ID
	if _, err := noUsers.Verify(ctx, host(f.key, alice.ID, "m1")); err == nil || Code(err) != "" {
		t.Fatalf("no user lookup: %v", err)
	}
}

// TestMemberClaim: a member's guest token (the server's key, owner,
// invite and member claims, the member's user id as its identity) is
// accepted while the member's account is active; a member claim without
// an invite, for another identity, of a non-account id, or signed by an
// ordinary key is refused token_owner, and a disabled or unknown member
// token_revoked.
func TestMemberClaim(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	rec, priv, err := NewAPIKey("app", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.store.CreateAPIKey(ctx, rec); err != nil {
		t.Fatal(err)
	}
	other := token.Key{ID: rec.ID, Private: priv}
	newUser := func(email string) store.User {
		u := store.User{ID: NewUserID(), Email: email, Role: store.RoleMember, Status: store.StatusActive,
			PasswordHash: "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG", CreatedAt: f.now, UpdatedAt: f.now}
		if err := f.store.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		return u
	}
	owner, carol := newUser("owner@example.org"), newUser("carol@example.org")
	v := f.verifier()
	v.ServerKeyID, v.Users = f.key.ID, f.store
	member := func(k token.Key, identity, member, invite string) string {
		return f.mint(t, k, token.Options{Identity: identity, Room: "m1", TTL: 10 * time.Minute, Owner: owner.ID,
			Invite: invite, Member: member, Grants: token.Grants{Publish: true, Subscribe: true, PublishData: true}})
	}
	c, err := v.Verify(ctx, member(f.key, carol.ID, carol.ID, "MI_1"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Member != carol.ID || c.Subject != carol.ID || c.Issuer != owner.ID || c.Invite != "MI_1" {
		t.Fatalf("claims %+v", c)
	}
	for _, tc := range []struct {
		name, raw, code string
	}{
		{"member without an invite", f.signEd(t, func(c jwt.MapClaims) {
			c["sub"], c["owner"], c["member"], c["room"] = carol.ID, owner.ID, carol.ID, "m1"
		}), CodeOwner},
		{"member for another identity", member(f.key, "guest_x", carol.ID, "MI_1"), CodeOwner},
		{"member that is not an account id", member(f.key, "CKKEY", "CKKEY", "MI_1"), CodeOwner},
		{"member with no account", member(f.key, "US_NOBODY", "US_NOBODY", "MI_1"), CodeTokenRevoked},
		{"member claim of an ordinary key's token", member(other, carol.ID, carol.ID, "MI_1"), CodeOwner},
	} {
		if _, err := v.Verify(ctx, tc.raw); Code(err) != tc.code {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.code)
		}
	}
	raw := member(f.key, carol.ID, carol.ID, "MI_1")
	if _, err := f.store.UpdateUser(ctx, carol.ID, func(u *store.User) error { u.Status = store.StatusDisabled; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(ctx, raw); Code(err) != CodeTokenRevoked {
		t.Fatalf("disabled member: %v", err)
	}
}
