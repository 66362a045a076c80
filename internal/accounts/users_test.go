package accounts

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/conclave-video/conclave/internal/auth"
	"github.com/conclave-video/conclave/internal/config"
	"github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/internal/store"
)

// signedIn returns a browser signed in to a new account.
func (e *env) signedIn(email, role string) (*browser, store.User) {
	e.t.Helper()
	u := e.addUser(email, pw, role)
	b := e.browser("")
	b.mustSignin(email, pw)
	return b, u
}

func (e *env) listUsers(b *browser, query string) UserList {
	e.t.Helper()
	r := b.do(http.MethodGet, "/v1/users"+query, nil)
	if r.status != http.StatusOK {
		e.t.Fatalf("GET /v1/users%s: %d %s", query, r.status, r.body)
	}
	var l UserList
	r.decode(e.t, &l)
	return l
}

func TestAdminFlow(t *testing.T) {
	e := newEnv(t, nil)
	admin, a := e.signedIn("ada@example.org", store.RoleAdmin)
	member, m := e.signedIn("max@example.org", store.RoleMember)
	// The member has a personal token and TOTP.
	secret := auth.NewTOTPSecret()
	if _, err := e.st.UpdateUser(context.Background(), m.ID, func(u *store.User) error {
		u.TOTPSecret, u.TOTPEnabled = secret, true
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	_, pt, err := auth.NewPersonalToken(m.ID, "script", []string{auth.GrantRoomList}, e.clock.Now(), time.Hour, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.st.CreatePersonalToken(context.Background(), pt); err != nil {
		t.Fatal(err)
	}

	l := e.listUsers(admin, "")
	if len(l.Users) != 2 || l.Next != "" {
		t.Fatalf("list: %+v", l)
	}
	var got AdminUserView
	for _, u := range l.Users {
		if u.ID == m.ID {
			got = u
		}
	}
	if got.ID != m.ID || got.Email != m.Email || got.Role != "member" || got.Status != "active" || !got.TOTP ||
		got.Passkeys != 0 || got.LastSigninAt == nil || !got.LastSigninAt.Equal(e.clock.Now()) || !got.CreatedAt.Equal(m.CreatedAt) {
		t.Fatalf("member listed as %+v", got)
	}

	// A change of role ends the member's sessions.
	r := admin.do(http.MethodPatch, "/v1/users/"+m.ID, map[string]string{"role": "admin"})
	if r.status != http.StatusOK {
		t.Fatalf("promote: %d %s", r.status, r.body)
	}
	var ur UserResponse
	r.decode(t, &ur)
	if ur.User.Role != "admin" || ur.User.ID != m.ID {
		t.Fatalf("promoted: %+v", ur.User)
	}
	wantStatus(t, member.do(http.MethodGet, "/v1/auth/me", nil), http.StatusUnauthorized, "unauthenticated")
	if ev, ok := e.events.last(room.SecurityUserUpdated); !ok || ev.Actor != a.ID || ev.Subject != m.ID || ev.Reason != "role_admin" {
		t.Fatalf("event %+v", ev)
	}
	// The same role again changes nothing and publishes nothing.
	n := e.events.count(room.SecurityUserUpdated)
	member.mustSignin(m.Email, pw) // now asks for TOTP: no session
	member = e.browser("")
	if r := admin.do(http.MethodPatch, "/v1/users/"+m.ID, map[string]string{"role": "admin"}); r.status != http.StatusOK {
		t.Fatalf("same role: %d %s", r.status, r.body)
	}
	if e.events.count(room.SecurityUserUpdated) != n {
		t.Fatal("an unchanged role published user_updated")
	}

	// Disabling ends sessions and revokes personal tokens.
	sr := member.mustSignin(m.Email, pw)
	r = member.do(http.MethodPost, "/v1/auth/signin/totp", SecondStepRequest{Ticket: sr.Ticket, Code: auth.TOTPCode(secret, e.clock.Now())})
	if r.status != http.StatusOK {
		t.Fatalf("member sign-in: %d %s", r.status, r.body)
	}
	r = admin.do(http.MethodPatch, "/v1/users/"+m.ID, map[string]string{"status": "disabled"})
	if r.status != http.StatusOK {
		t.Fatalf("disable: %d %s", r.status, r.body)
	}
	r.decode(t, &ur)
	if ur.User.Status != "disabled" {
		t.Fatalf("disabled: %+v", ur.User)
	}
	wantStatus(t, member.do(http.MethodGet, "/v1/auth/me", nil), http.StatusUnauthorized, "unauthenticated")
	if tok, err := e.st.PersonalToken(context.Background(), pt.ID); err != nil || tok.RevokedAt.IsZero() {
		t.Fatalf("personal token not revoked: %+v %v", tok, err)
	}
	wantStatus(t, member.signin(m.Email, pw), http.StatusForbidden, "account_disabled")
	if ev, _ := e.events.last(room.SecurityUserUpdated); ev.Reason != "disabled" {
		t.Fatalf("event %+v", ev)
	}
	r = admin.do(http.MethodPatch, "/v1/users/"+m.ID, map[string]string{"status": "active", "role": "member"})
	if r.status != http.StatusOK {
		t.Fatalf("enable: %d %s", r.status, r.body)
	}

	// Second factors reset: TOTP gone, sessions ended.
	sr = member.mustSignin(m.Email, pw)
	if sr.Status != "second_factor" {
		t.Fatalf("sign-in: %+v", sr)
	}
	r = admin.do(http.MethodPost, "/v1/users/"+m.ID+"/reset-2fa", "")
	if r.status != http.StatusOK {
		t.Fatalf("reset-2fa: %d %s", r.status, r.body)
	}
	r.decode(t, &ur)
	if ur.User.TOTP || e.user(m.ID).TOTPSecret != nil {
		t.Fatalf("TOTP kept: %+v", ur.User)
	}
	if ev, ok := e.events.last(room.SecuritySecondFactorReset); !ok || ev.Actor != a.ID || ev.Subject != m.ID {
		t.Fatalf("event %+v", ev)
	}
	if sr := member.mustSignin(m.Email, pw); sr.Status != "signed_in" {
		t.Fatalf("after reset-2fa: %+v", sr)
	}

	// An admin acts on others only.
	for _, c := range []struct{ method, path, body string }{
		{http.MethodPatch, "/v1/users/" + a.ID, `{"role":"member"}`},
		{http.MethodPatch, "/v1/users/" + a.ID, `{"status":"disabled"}`},
		{http.MethodPost, "/v1/users/" + a.ID + "/reset-password", `{}`},
		{http.MethodPost, "/v1/users/" + a.ID + "/reset-2fa", `{}`},
	} {
		wantStatus(t, admin.do(c.method, c.path, c.body), http.StatusForbidden, "permission_denied")
	}
	// Unknown accounts.
	wantStatus(t, admin.do(http.MethodPatch, "/v1/users/US_NOBODY", `{"role":"member"}`), http.StatusNotFound, "not_found")
	wantStatus(t, admin.do(http.MethodPost, "/v1/users/nobody/reset-2fa", `{}`), http.StatusNotFound, "not_found")
	if e.user(a.ID).Role != store.RoleAdmin {
		t.Fatal("the admin changed")
	}
}

func TestAdminListPages(t *testing.T) {
	e := newEnv(t, nil)
	admin, _ := e.signedIn("ada@example.org", store.RoleAdmin)
	for i := range 4 {
		e.clock.Add(time.Second)
		e.addUser(fmt.Sprintf("u%d@example.org", i), pw, store.RoleMember)
	}
	var emails []string
	q := "?limit=2"
	for pages := 0; ; pages++ {
		if pages > 3 {
			t.Fatal("the pages do not end")
		}
		l := e.listUsers(admin, q)
		for _, u := range l.Users {
			emails = append(emails, u.Email)
		}
		if l.Next == "" {
			break
		}
		q = "?limit=2&after=" + l.Next
	}
	if want := "ada@example.org u0@example.org u1@example.org u2@example.org u3@example.org"; strings.Join(emails, " ") != want {
		t.Fatalf("listed %v", emails)
	}
	for _, q := range []string{"?limit=0", "?limit=1001", "?limit=x", "?after=US_NOBODY", "?after=x", "?other=1"} {
		wantStatus(t, admin.do(http.MethodGet, "/v1/users"+q, nil), http.StatusBadRequest, "invalid_argument")
	}
}

// adminRoutes are every route under /v1/users, with a valid body.
func adminRoutes(id string) []struct{ method, path, body string } {
	return []struct{ method, path, body string }{
		{http.MethodGet, "/v1/users", ""},
		{http.MethodPatch, "/v1/users/" + id, `{"role":"admin"}`},
		{http.MethodPost, "/v1/users/" + id + "/reset-password", `{}`},
		{http.MethodPost, "/v1/users/" + id + "/reset-2fa", `{}`},
		{http.MethodPost, "/v1/users/invites", `{"role":"admin"}`},
		{http.MethodGet, "/v1/users/invites", ""},
		{http.MethodDelete, "/v1/users/invites/IN_X", ""},
	}
}

func TestAdminRoutesRefuseOthers(t *testing.T) {
	e := newEnv(t, func(a *config.Accounts) { a.RequireSecondFactor = "admins" })
	member, m := e.signedIn("max@example.org", store.RoleMember)
	// An admin without the second factor the policy requires.
	enrolling, _ := e.signedIn("ada@example.org", store.RoleAdmin)
	anonymous := e.browser("")
	for _, rt := range adminRoutes(m.ID) {
		wantStatus(t, member.do(rt.method, rt.path, rt.body), http.StatusForbidden, "permission_denied")
		wantStatus(t, enrolling.do(rt.method, rt.path, rt.body), http.StatusForbidden, "second_factor_required")
		wantStatus(t, anonymous.do(rt.method, rt.path, rt.body), http.StatusUnauthorized, "unauthenticated")
		// Cross-site, even with a session.
		if rt.method != http.MethodGet {
			wantStatus(t, member.do(rt.method, rt.path, rt.body, "Sec-Fetch-Site", "cross-site"), http.StatusForbidden, "cross_origin")
		}
	}
	if got := e.events.count(room.SecurityAdminRefused); got != len(adminRoutes("")) {
		t.Fatalf("%d admin_refused events, want %d", got, len(adminRoutes("")))
	}
	if u := e.user(m.ID); u.Role != store.RoleMember {
		t.Fatalf("the member changed: %+v", u)
	}
	if ins, _ := e.st.ListSignupInvites(context.Background()); len(ins) != 0 {
		t.Fatalf("invites made: %+v", ins)
	}
}

// Two admins demoting each other at once: one wins; an active admin
// always remains.
func TestLastAdmin(t *testing.T) {
	e := newEnv(t, nil)
	for round := range 3 {
		pa, a := e.signedIn(fmt.Sprintf("a%d@example.org", round), store.RoleAdmin)
		pb, b := e.signedIn(fmt.Sprintf("b%d@example.org", round), store.RoleAdmin)
		// Only these two are active admins (earlier rounds' are disabled).
		var wg sync.WaitGroup
		var ra, rb resp
		wg.Go(func() { ra = pa.do(http.MethodPatch, "/v1/users/"+b.ID, `{"role":"member"}`) })
		wg.Go(func() { rb = pb.do(http.MethodPatch, "/v1/users/"+a.ID, `{"role":"member"}`) })
		wg.Wait()
		ok := 0
		for _, r := range []resp{ra, rb} {
			switch {
			case r.status == http.StatusOK:
				ok++
			case r.status == http.StatusConflict && r.code() == "last_admin":
			case r.status == http.StatusUnauthorized: // its session ended first
			case r.status == http.StatusForbidden && r.code() == "permission_denied": // demoted first
			default:
				t.Fatalf("round %d: %d %s", round, r.status, r.body)
			}
		}
		if ok != 1 {
			t.Fatalf("round %d: %d demotions succeeded (%d %s / %d %s)", round, ok, ra.status, ra.body, rb.status, rb.body)
		}
		ua, ub := e.user(a.ID), e.user(b.ID)
		if (ua.Role == store.RoleAdmin) == (ub.Role == store.RoleAdmin) {
			t.Fatalf("round %d: roles %s and %s", round, ua.Role, ub.Role)
		}
		// Out of the next round's way: disable both.
		for _, id := range []string{a.ID, b.ID} {
			if _, err := e.st.UpdateUser(context.Background(), id, func(u *store.User) error { u.Status = store.StatusDisabled; return nil }); err != nil {
				t.Fatal(err)
			}
		}
	}
	if ev, ok := e.events.last(room.SecurityUserUpdated); !ok {
		t.Fatalf("no user_updated event: %+v", ev)
	}
}

// The rule holds for a lone admin through the shared function, whoever
// calls it.
func TestChangeUserLastAdmin(t *testing.T) {
	e := newEnv(t, nil)
	a := e.addUser("ada@example.org", pw, store.RoleAdmin)
	member, disabled := store.RoleMember, store.StatusDisabled
	ctx := context.Background()
	if _, err := auth.ChangeUser(ctx, e.st, a.ID, &member, nil, e.clock.Now()); err == nil || !strings.Contains(err.Error(), "last active admin") {
		t.Fatalf("demoting the last admin: %v", err)
	}
	if _, err := auth.ChangeUser(ctx, e.st, a.ID, nil, &disabled, e.clock.Now()); err == nil {
		t.Fatal("disabled the last admin")
	}
	if u := e.user(a.ID); u.Role != store.RoleAdmin || u.Status != store.StatusActive {
		t.Fatalf("changed: %+v", u)
	}
}
