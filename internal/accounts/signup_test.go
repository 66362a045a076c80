package accounts

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/conclave-video/conclave/internal/auth"
	"github.com/conclave-video/conclave/internal/config"
	"github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/internal/store"
)

const newPW = "a fresh and long passphrase"

// invite makes an invite as the admin browser b and returns its answer.
func (e *env) invite(b *browser, body string) CreateInviteResponse {
	e.t.Helper()
	r := b.do(http.MethodPost, "/v1/users/invites", body)
	if r.status != http.StatusCreated {
		e.t.Fatalf("invite %s: %d %s", body, r.status, r.body)
	}
	var ir CreateInviteResponse
	r.decode(e.t, &ir)
	return ir
}

func signupBody(invite, email string) SignupRequest {
	return SignupRequest{Invite: invite, Email: email, Name: "New Person", Password: newPW}
}

func TestInviteSignup(t *testing.T) {
	e := newEnv(t, nil)
	admin, a := e.signedIn("ada@example.org", store.RoleAdmin)
	ir := e.invite(admin, `{"email":"  Bob@Example.ORG ","role":"member"}`)
	if !strings.HasPrefix(ir.Token, "cvi_") || ir.Invite.Email != "bob@example.org" || ir.Invite.Role != "member" ||
		ir.Invite.CreatedBy != a.ID || !ir.Invite.ExpiresAt.Equal(e.clock.Now().Add(72*time.Hour)) || ir.Invite.UsedAt != nil {
		t.Fatalf("invite: %+v", ir)
	}
	if ev, ok := e.events.last(room.SecurityUserInvited); !ok || ev.Actor != a.ID || ev.Email != "bob@example.org" {
		t.Fatalf("event %+v", ev)
	}
	// The secret is stored only hashed.
	if in, err := e.st.SignupInviteByHash(context.Background(), mustInviteHash(t, ir.Token)); err != nil || in.ID != ir.Invite.ID {
		t.Fatalf("stored: %+v %v", in, err)
	}

	guest := e.browser("198.51.100.7:1")
	r := guest.do(http.MethodPost, "/v1/auth/signup/check", SignupCheckRequest{Invite: ir.Token})
	var cr SignupCheckResponse
	r.decode(t, &cr)
	if r.status != http.StatusOK || cr.Email != "bob@example.org" || cr.Role != "member" || !cr.ExpiresAt.Equal(ir.Invite.ExpiresAt) {
		t.Fatalf("check: %d %s", r.status, r.body)
	}
	// Bound to its email.
	wantStatus(t, guest.do(http.MethodPost, "/v1/auth/signup", signupBody(ir.Token, "eve@example.org")), http.StatusBadRequest, "invite_invalid")
	// The policy applies (and does not spend the invite).
	body := signupBody(ir.Token, "BOB@example.org")
	body.Password = "short"
	wantStatus(t, guest.do(http.MethodPost, "/v1/auth/signup", body), http.StatusBadRequest, "password_too_short")
	body.Password = "bob-is-my-password-here"
	wantStatus(t, guest.do(http.MethodPost, "/v1/auth/signup", body), http.StatusBadRequest, "password_contains_email")

	// A session the browser had before is ended: a fresh one is made.
	old, oldHash := auth.NewSessionID()
	if err := e.st.CreateSession(context.Background(), store.Session{ID: newPublicID("SE_"), IDHash: oldHash, UserID: a.ID,
		CreatedAt: e.clock.Now(), ExpiresAt: e.clock.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	guest.setSessionCookie(old)
	r = guest.do(http.MethodPost, "/v1/auth/signup", signupBody(ir.Token, "Bob@example.org"))
	if r.status != http.StatusCreated {
		t.Fatalf("signup: %d %s", r.status, r.body)
	}
	var sr SigninResponse
	r.decode(t, &sr)
	if sr.Status != "signed_in" || sr.User == nil || sr.User.Email != "bob@example.org" || sr.User.Role != "member" || sr.User.Name != "New Person" {
		t.Fatalf("signup answer: %s", r.body)
	}
	if c := guest.sessionCookie(); c == "" || c == old {
		t.Fatal("no fresh session")
	}
	if _, err := e.st.SessionByHash(context.Background(), oldHash); err == nil {
		t.Fatal("the session the browser had survived signup")
	}
	var me MeResponse
	r = guest.do(http.MethodGet, "/v1/auth/me", nil)
	r.decode(t, &me)
	if r.status != http.StatusOK || me.User.ID != sr.User.ID {
		t.Fatalf("me: %d %s", r.status, r.body)
	}
	for _, k := range []room.SecurityKind{room.SecurityInviteRedeemed, room.SecurityUserCreated, room.SecuritySigninSucceeded} {
		if ev, ok := e.events.last(k); !ok || ev.Subject != sr.User.ID || ev.Outcome != room.OutcomeSucceeded {
			t.Fatalf("%s: %+v", k, ev)
		}
	}
	// Single use.
	wantStatus(t, e.browser("").do(http.MethodPost, "/v1/auth/signup", signupBody(ir.Token, "bob@example.org")), http.StatusBadRequest, "invite_invalid")
	wantStatus(t, e.browser("").do(http.MethodPost, "/v1/auth/signup/check", SignupCheckRequest{Invite: ir.Token}), http.StatusBadRequest, "invite_invalid")
	// The admins' list shows it used.
	r = admin.do(http.MethodGet, "/v1/users/invites", nil)
	var il InviteList
	r.decode(t, &il)
	if len(il.Invites) != 1 || il.Invites[0].UsedAt == nil || !il.Invites[0].UsedAt.Equal(e.clock.Now()) {
		t.Fatalf("invites: %s", r.body)
	}
	// An invite for an email with an account cannot be made.
	wantStatus(t, admin.do(http.MethodPost, "/v1/users/invites", `{"email":"bob@example.org","role":"member"}`), http.StatusConflict, "email_taken")
}

func mustInviteHash(t *testing.T, tok string) []byte {
	t.Helper()
	h, ok := auth.ParseInviteToken(tok)
	if !ok {
		t.Fatalf("malformed invite token %q", tok)
	}
	return h
}

func TestInviteExpiryAndDelete(t *testing.T) {
	e := newEnv(t, func(a *config.Accounts) { a.RequireSecondFactor = "admins" })
	admin, _ := e.signedIn("ada@example.org", store.RoleMember)
	if _, err := e.st.UpdateUser(context.Background(), e.user(mustUserID(e, "ada@example.org")).ID, func(u *store.User) error {
		u.Role, u.TOTPSecret, u.TOTPEnabled = store.RoleAdmin, auth.NewTOTPSecret(), true
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	short := e.invite(admin, `{"role":"member","expires_in":"1h"}`)
	if !short.Invite.ExpiresAt.Equal(e.clock.Now().Add(time.Hour)) || short.Invite.Email != "" {
		t.Fatalf("%+v", short.Invite)
	}
	adm := e.invite(admin, `{"role":"admin","expires_in":"720h"}`)
	gone := e.invite(admin, `{"role":"member"}`)
	for _, x := range []string{"0s", "59s", "721h", "-1h", "abc", "1h1h1h1h1h1h1h1h1h1h1h1h1h1h1h1h1h"} {
		wantStatus(t, admin.do(http.MethodPost, "/v1/users/invites", `{"role":"member","expires_in":"`+x+`"}`), http.StatusBadRequest, "invalid_argument")
	}

	// Deleted: refused, and gone from the list.
	if r := admin.do(http.MethodDelete, "/v1/users/invites/"+gone.Invite.ID, ""); r.status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	wantStatus(t, admin.do(http.MethodDelete, "/v1/users/invites/"+gone.Invite.ID, ""), http.StatusNotFound, "not_found")
	wantStatus(t, e.browser("").do(http.MethodPost, "/v1/auth/signup/check", SignupCheckRequest{Invite: gone.Token}), http.StatusBadRequest, "invite_invalid")
	if _, ok := e.events.last(room.SecurityInviteDeleted); !ok {
		t.Fatal("no invite_deleted event")
	}

	// Expired at its expiry, to the nanosecond.
	e.clock.Add(time.Hour - time.Nanosecond)
	if r := e.browser("").do(http.MethodPost, "/v1/auth/signup/check", SignupCheckRequest{Invite: short.Token}); r.status != http.StatusOK {
		t.Fatalf("before expiry: %d %s", r.status, r.body)
	}
	e.clock.Add(time.Nanosecond)
	wantStatus(t, e.browser("").do(http.MethodPost, "/v1/auth/signup/check", SignupCheckRequest{Invite: short.Token}), http.StatusBadRequest, "invite_invalid")
	wantStatus(t, e.browser("").do(http.MethodPost, "/v1/auth/signup", signupBody(short.Token, "late@example.org")), http.StatusBadRequest, "invite_invalid")

	// An admin's invite makes an admin, who must then enrol a second factor.
	nb := e.browser("")
	r := nb.do(http.MethodPost, "/v1/auth/signup", signupBody(adm.Token, "root@example.org"))
	var sr SigninResponse
	r.decode(t, &sr)
	if r.status != http.StatusCreated || sr.User.Role != "admin" || !sr.User.SecondFactorRequired {
		t.Fatalf("admin signup: %d %s", r.status, r.body)
	}
	wantStatus(t, nb.do(http.MethodGet, "/v1/users", nil), http.StatusForbidden, "second_factor_required")
	if r := nb.do(http.MethodGet, "/v1/auth/me", nil); r.status != http.StatusOK {
		t.Fatalf("enrolling me: %d", r.status)
	}
}

func mustUserID(e *env, email string) string {
	e.t.Helper()
	u, err := e.st.UserByEmail(context.Background(), email)
	if err != nil {
		e.t.Fatal(err)
	}
	return u.ID
}

func TestOutstandingInvitesCapped(t *testing.T) {
	e := newEnv(t, nil)
	admin, a := e.signedIn("ada@example.org", store.RoleAdmin)
	for i := range MaxOutstandingInvites {
		tok, id, hash := auth.NewOpaqueToken(auth.InviteTokenPrefix)
		_ = tok
		if err := e.st.CreateSignupInvite(context.Background(), store.SignupInvite{ID: "IN_" + id, TokenHash: hash, Role: store.RoleMember,
			CreatedBy: a.ID, CreatedAt: e.clock.Now(), ExpiresAt: e.clock.Now().Add(time.Duration(i+1) * time.Minute)}); err != nil {
			t.Fatal(err)
		}
	}
	wantStatus(t, admin.do(http.MethodPost, "/v1/users/invites", `{"role":"member"}`), http.StatusConflict, "too_many_invites")
	// The list is bounded too.
	var il InviteList
	admin.do(http.MethodGet, "/v1/users/invites", nil).decode(t, &il)
	if len(il.Invites) != MaxListInvites {
		t.Fatalf("listed %d", len(il.Invites))
	}
	// One expires: room for one.
	e.clock.Add(time.Minute)
	e.invite(admin, `{"role":"member"}`)
	wantStatus(t, admin.do(http.MethodPost, "/v1/users/invites", `{"role":"member"}`), http.StatusConflict, "too_many_invites")
}

func TestSignupClosedAndOpen(t *testing.T) {
	closed := newEnv(t, nil)
	wantStatus(t, closed.browser("").do(http.MethodPost, "/v1/auth/signup", signupBody("", "eve@example.org")), http.StatusForbidden, "signup_closed")
	if _, err := closed.st.UserByEmail(context.Background(), "eve@example.org"); err == nil {
		t.Fatal("an account was made with signup closed")
	}
	if ev, ok := closed.events.last(room.SecurityUserCreated); !ok || ev.Outcome != room.OutcomeRefused || ev.Reason != "signup_closed" {
		t.Fatalf("event %+v", ev)
	}

	e := newEnv(t, func(a *config.Accounts) { a.Signup = "open"; a.RequireSecondFactor = "everyone" })
	b := e.browser("")
	r := b.do(http.MethodPost, "/v1/auth/signup", signupBody("", " Eve@Example.org"))
	var sr SigninResponse
	r.decode(t, &sr)
	if r.status != http.StatusCreated || sr.User.Role != "member" || sr.User.Email != "eve@example.org" || !sr.User.SecondFactorRequired {
		t.Fatalf("open signup: %d %s", r.status, r.body)
	}
	// Signed in, enrolling: only enrolment and its own settings.
	if r := b.do(http.MethodGet, "/v1/auth/me", nil); r.status != http.StatusOK {
		t.Fatalf("me: %d", r.status)
	}
	wantStatus(t, b.do(http.MethodPost, "/v1/auth/recovery-codes", `{"password":"`+newPW+`"}`), http.StatusForbidden, "second_factor_required")
	// A taken email: 409, counted against the address.
	other := e.browser("203.0.113.9:1")
	wantStatus(t, other.do(http.MethodPost, "/v1/auth/signup", signupBody("", "eve@example.org")), http.StatusConflict, "email_taken")
	// A wrong invite is not a way around: never falls back to open signup.
	wantStatus(t, other.do(http.MethodPost, "/v1/auth/signup", signupBody("cvi_nope", "zed@example.org")), http.StatusBadRequest, "invite_invalid")
	if _, err := e.st.UserByEmail(context.Background(), "zed@example.org"); err == nil {
		t.Fatal("a wrong invite made an account")
	}
}

// Guessing invites from one address is held like guessing passwords;
// other addresses are not.
func TestInviteGuessingThrottled(t *testing.T) {
	e := newEnv(t, nil)
	admin, _ := e.signedIn("ada@example.org", store.RoleAdmin)
	real := e.invite(admin, `{"role":"member"}`)
	guesser := e.browser("192.0.2.66:1")
	held := 0
	for i := range 30 {
		tok, _, _ := auth.NewOpaqueToken(auth.InviteTokenPrefix)
		path := "/v1/auth/signup/check"
		body := any(SignupCheckRequest{Invite: tok})
		if i%2 == 1 {
			path, body = "/v1/auth/signup", signupBody(tok, fmt.Sprintf("g%d@example.org", i))
		}
		r := guesser.do(http.MethodPost, path, body)
		if r.status == http.StatusTooManyRequests {
			held = i
			if r.code() != "too_many_attempts" || r.header.Get("Retry-After") == "" {
				t.Fatalf("held: %d %s %v", r.status, r.body, r.header)
			}
			break
		}
		wantStatus(t, r, http.StatusBadRequest, "invite_invalid")
	}
	if held == 0 || held > e.svc.policy.AddrFreeFailures+1 {
		t.Fatalf("held after %d guesses, want at most %d", held, e.svc.policy.AddrFreeFailures+1)
	}
	// Held: even the right invite is not looked at.
	wantStatus(t, guesser.do(http.MethodPost, "/v1/auth/signup/check", SignupCheckRequest{Invite: real.Token}), http.StatusTooManyRequests, "too_many_attempts")
	// Another address is not held.
	if r := e.browser("192.0.2.67:1").do(http.MethodPost, "/v1/auth/signup/check", SignupCheckRequest{Invite: real.Token}); r.status != http.StatusOK {
		t.Fatalf("other address: %d %s", r.status, r.body)
	}
	// The hold ends with its delay.
	e.clock.Add(time.Second)
	if r := guesser.do(http.MethodPost, "/v1/auth/signup/check", SignupCheckRequest{Invite: real.Token}); r.status != http.StatusOK {
		t.Fatalf("after the delay: %d %s", r.status, r.body)
	}
	if ev, ok := e.events.last(room.SecuritySigninThrottled); !ok || ev.Reason != "address" {
		t.Fatalf("event %+v", ev)
	}
}
