package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/conclave-video/conclave/internal/auth"
	"github.com/conclave-video/conclave/internal/store"
)

const fakeHash = "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG"

func (e *env) user(t *testing.T, email string) store.User {
	t.Helper()
	now := time.Now()
	u := store.User{ID: auth.NewUserID(), Email: email, Role: store.RoleMember, Status: store.StatusActive,
		PasswordHash: fakeHash, CreatedAt: now, UpdatedAt: now}
	if err := e.store.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return u
}

// personalToken stores a personal token for u and returns it.
func (e *env) personalToken(t *testing.T, u store.User, lifetime time.Duration, grants ...string) (string, store.PersonalToken) {
	t.Helper()
	raw, rec, err := auth.NewPersonalToken(u.ID, "script", grants, time.Now(), lifetime, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.store.CreatePersonalToken(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	return raw, rec
}

func roomNames(t *testing.T, r response) string {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("list: %d %s", r.status, r.body)
	}
	var l struct{ Rooms []struct{ Name string } }
	if err := json.Unmarshal(r.body, &l); err != nil {
		t.Fatal(err)
	}
	var ns []string
	for _, x := range l.Rooms {
		ns = append(ns, x.Name)
	}
	return strings.Join(ns, ",")
}

// TestPersonalTokenRooms: a personal token acts for its account on the
// rooms API, on the account's rooms only, beside JWTs that still work.
func TestPersonalTokenRooms(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, envConfig{})
	alice, bob := e.user(t, "alice@example.org"), e.user(t, "bob@example.org")
	all := []string{auth.GrantRoomCreate, auth.GrantRoomList, auth.GrantRoomAdmin}
	aliceTok, aliceRec := e.personalToken(t, alice, time.Hour, all...)
	aliceTok2, _ := e.personalToken(t, alice, time.Hour, all...)
	bobTok, _ := e.personalToken(t, bob, time.Hour, all...)
	jwtA := mint(t, e.keyA, allGrants, "")

	if r := e.do(t, "POST", "/v1/rooms", aliceTok, `{"name":"alice-room"}`); r.status != http.StatusCreated {
		t.Fatalf("create with a personal token: %d %s", r.status, r.body)
	}
	if r := e.do(t, "POST", "/v1/rooms", jwtA, `{"name":"key-room"}`); r.status != http.StatusCreated {
		t.Fatalf("create with a JWT: %d %s", r.status, r.body)
	}
	if r := e.do(t, "POST", "/v1/rooms", bobTok, `{"name":"bob-room"}`); r.status != http.StatusCreated {
		t.Fatalf("create with bob's token: %d %s", r.status, r.body)
	}

	// Each lists its own; a second token of the account acts for it too.
	for tok, want := range map[string]string{aliceTok: "alice-room", aliceTok2: "alice-room", bobTok: "bob-room", jwtA: "key-room"} {
		if got := roomNames(t, e.do(t, "GET", "/v1/rooms", tok, "")); got != want {
			t.Errorf("list = %q, want %q", got, want)
		}
	}
	if r := e.do(t, "GET", "/v1/rooms/alice-room", aliceTok2, ""); r.status != http.StatusOK {
		t.Fatalf("another token of the account: %d %s", r.status, r.body)
	}

	// Nobody reaches another's room, in either direction.
	for _, c := range []struct{ tok, room string }{
		{aliceTok, "key-room"}, {aliceTok, "bob-room"}, {bobTok, "alice-room"}, {jwtA, "alice-room"},
	} {
		wantError(t, e.do(t, "GET", "/v1/rooms/"+c.room, c.tok, ""), http.StatusForbidden, "permission_denied")
		wantError(t, e.do(t, "DELETE", "/v1/rooms/"+c.room, c.tok, ""), http.StatusForbidden, "permission_denied")
		wantError(t, e.do(t, "POST", "/v1/rooms", c.tok, `{"name":"`+c.room+`"}`), http.StatusForbidden, "permission_denied")
	}

	// Grants limit a personal token as they limit a JWT.
	listOnly, _ := e.personalToken(t, alice, time.Hour, auth.GrantRoomList)
	wantError(t, e.do(t, "POST", "/v1/rooms", listOnly, `{"name":"more"}`), http.StatusForbidden, "permission_denied")
	wantError(t, e.do(t, "DELETE", "/v1/rooms/alice-room", listOnly, ""), http.StatusForbidden, "permission_denied")
	if got := roomNames(t, e.do(t, "GET", "/v1/rooms", listOnly, "")); got != "alice-room" {
		t.Fatalf("list-only token lists %q", got)
	}

	// Its use is recorded.
	if rec, err := e.store.PersonalToken(ctx, aliceRec.ID); err != nil || rec.LastUsedAt.IsZero() {
		t.Fatalf("last use not recorded: %+v, %v", rec, err)
	}

	if r := e.do(t, "DELETE", "/v1/rooms/alice-room", aliceTok, ""); r.status != http.StatusNoContent {
		t.Fatalf("delete own room: %d %s", r.status, r.body)
	}
}

// TestPersonalTokenRefused: revoked, expired, unknown, wrong secret,
// malformed, a disabled account: 401 with the code, never the token.
func TestPersonalTokenRefused(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, envConfig{})
	alice, carol := e.user(t, "alice@example.org"), e.user(t, "carol@example.org")

	good, _ := e.personalToken(t, alice, time.Hour, auth.GrantRoomList)
	if r := e.do(t, "GET", "/v1/rooms", good, ""); r.status != http.StatusOK {
		t.Fatalf("good token: %d %s", r.status, r.body)
	}

	revoked, revokedRec := e.personalToken(t, alice, time.Hour, auth.GrantRoomList)
	if err := e.store.RevokePersonalToken(ctx, alice.ID, revokedRec.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	// A token made two hours ago for one hour.
	expired2, rec2, err := auth.NewPersonalToken(alice.ID, "old", []string{auth.GrantRoomList}, time.Now().Add(-2*time.Hour), time.Hour, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.store.CreatePersonalToken(ctx, rec2); err != nil {
		t.Fatal(err)
	}

	wrongSecret := good[:len(good)-1] + map[bool]string{true: "b", false: "a"}[strings.HasSuffix(good, "a")]
	unknown, _, _ := auth.NewPersonalToken(alice.ID, "never stored", []string{auth.GrantRoomList}, time.Now(), time.Hour, 0)

	carolTok, _ := e.personalToken(t, carol, time.Hour, auth.GrantRoomList)
	if _, err := e.store.UpdateUser(ctx, carol.ID, func(u *store.User) error { u.Status = store.StatusDisabled; return nil }); err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct{ name, tok, code string }{
		{"revoked", revoked, "token_revoked"},
		{"expired", expired2, "token_expired"},
		{"wrong secret", wrongSecret, "token_unknown"},
		{"unknown", unknown, "token_unknown"},
		{"malformed", "cvt_short", "token_malformed"},
		{"disabled account", carolTok, "token_revoked"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := e.do(t, "GET", "/v1/rooms", c.tok, "")
			msg := wantError(t, r, http.StatusUnauthorized, c.code)
			if !strings.Contains(r.header.Get("WWW-Authenticate"), `error="invalid_token"`) {
				t.Errorf("WWW-Authenticate %q", r.header.Get("WWW-Authenticate"))
			}
			if msg == "" || strings.HasPrefix(msg, c.code) {
				t.Errorf("message %q: want words for people, the code is in its own field", msg)
			}
			if i := strings.LastIndexByte(c.tok, '_'); i > 0 && strings.Contains(msg, c.tok[i+1:]) {
				t.Errorf("the message shows the secret: %s", msg)
			}
		})
	}

	// Disabling the account (as the admin and the operator do) ends the
	// good token too.
	if _, _, err := auth.DisableUser(ctx, e.store, alice.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	wantError(t, e.do(t, "GET", "/v1/rooms", good, ""), http.StatusUnauthorized, "token_revoked")
}
