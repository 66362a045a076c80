package accounts

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/conclave-video/conclave/internal/auth"
	"github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/internal/store"
)

// resetLink has the admin browser make a reset link for id.
func (e *env) resetLink(admin *browser, id string) ResetLinkResponse {
	e.t.Helper()
	r := admin.do(http.MethodPost, "/v1/users/"+id+"/reset-password", "{}")
	if r.status != http.StatusOK {
		e.t.Fatalf("reset-password: %d %s", r.status, r.body)
	}
	var rl ResetLinkResponse
	r.decode(e.t, &rl)
	return rl
}

func TestPasswordReset(t *testing.T) {
	e := newEnv(t, nil)
	admin, a := e.signedIn("ada@example.org", store.RoleAdmin)
	member, m := e.signedIn("max@example.org", store.RoleMember)
	// The member is locked out by a guesser.
	for range 10 {
		e.browser("203.0.113.1:1").signin(m.Email, "wrong wrong wrong")
		e.clock.Add(5 * time.Minute)
	}
	if !e.clock.Now().Before(e.user(m.ID).LockedUntil) {
		t.Fatal("not locked")
	}

	rl := e.resetLink(admin, m.ID)
	if !strings.HasPrefix(rl.Token, "cvr_") || !rl.ExpiresAt.Equal(e.clock.Now().Add(24*time.Hour)) {
		t.Fatalf("link: %+v", rl)
	}
	if ev, ok := e.events.last(room.SecurityPasswordReset); !ok || ev.Actor != a.ID || ev.Subject != m.ID || ev.Reason != "link_issued" {
		t.Fatalf("event %+v", ev)
	}
	// Sessions ended; the old password no longer opens the account.
	wantStatus(t, member.do(http.MethodGet, "/v1/auth/me", nil), http.StatusUnauthorized, "unauthenticated")
	if ok, _, _ := e.hasher.Verify(context.Background(), pw, e.user(m.ID).PasswordHash); ok {
		t.Fatal("the old password still verifies")
	}

	holder := e.browser("198.51.100.20:1")
	r := holder.do(http.MethodPost, "/v1/auth/password/reset/check", ResetCheckRequest{Token: rl.Token})
	var cr ResetCheckResponse
	r.decode(t, &cr)
	if r.status != http.StatusOK || cr.Email != m.Email || !cr.ExpiresAt.Equal(rl.ExpiresAt) {
		t.Fatalf("check: %d %s", r.status, r.body)
	}
	// The policy applies, and a refused password does not spend the link.
	wantStatus(t, holder.do(http.MethodPost, "/v1/auth/password/reset", ResetRequest{Token: rl.Token, New: "short"}), http.StatusBadRequest, "password_too_short")
	wantStatus(t, holder.do(http.MethodPost, "/v1/auth/password/reset", ResetRequest{Token: rl.Token, New: "1qaz2wsx3edc"}), http.StatusBadRequest, "password_common")
	if r := holder.do(http.MethodPost, "/v1/auth/password/reset", ResetRequest{Token: rl.Token, New: newPW}); r.status != http.StatusNoContent {
		t.Fatalf("reset: %d %s", r.status, r.body)
	}
	if ev, ok := e.events.last(room.SecurityPasswordReset); !ok || ev.Subject != m.ID || ev.Reason != "link_used" {
		t.Fatalf("event %+v", ev)
	}
	// Single use.
	wantStatus(t, holder.do(http.MethodPost, "/v1/auth/password/reset", ResetRequest{Token: rl.Token, New: "another long passphrase"}), http.StatusBadRequest, "reset_invalid")
	wantStatus(t, holder.do(http.MethodPost, "/v1/auth/password/reset/check", ResetCheckRequest{Token: rl.Token}), http.StatusBadRequest, "reset_invalid")
	// The new password signs in at once: the lock went with the old one.
	if sr := e.browser("").mustSignin(m.Email, newPW); sr.Status != "signed_in" {
		t.Fatalf("sign-in: %+v", sr)
	}
	wantStatus(t, e.browser("").signin(m.Email, pw), http.StatusUnauthorized, "invalid_credentials")
	// Another link: sessions end and the password stops working again.
	s2 := e.browser("")
	s2.mustSignin(m.Email, newPW)
	rl2 := e.resetLink(admin, m.ID)
	wantStatus(t, s2.do(http.MethodGet, "/v1/auth/me", nil), http.StatusUnauthorized, "unauthenticated")
	wantStatus(t, e.browser("").signin(m.Email, newPW), http.StatusUnauthorized, "invalid_credentials")

	// A newer link replaces an older one.
	rl3 := e.resetLink(admin, m.ID)
	wantStatus(t, holder.do(http.MethodPost, "/v1/auth/password/reset/check", ResetCheckRequest{Token: rl2.Token}), http.StatusBadRequest, "reset_invalid")
	// Expired at its expiry.
	e.clock.Add(24*time.Hour - time.Nanosecond)
	if r := holder.do(http.MethodPost, "/v1/auth/password/reset/check", ResetCheckRequest{Token: rl3.Token}); r.status != http.StatusOK {
		t.Fatalf("before expiry: %d %s", r.status, r.body)
	}
	e.clock.Add(time.Nanosecond)
	wantStatus(t, holder.do(http.MethodPost, "/v1/auth/password/reset", ResetRequest{Token: rl3.Token, New: newPW + "!"}), http.StatusBadRequest, "reset_invalid")

	// A disabled account's link does not work.
	admin = e.browser("")
	admin.mustSignin(a.Email, pw) // the last session went idle meanwhile
	rl4 := e.resetLink(admin, m.ID)
	if r := admin.do(http.MethodPatch, "/v1/users/"+m.ID, `{"status":"disabled"}`); r.status != http.StatusOK {
		t.Fatalf("disable: %d", r.status)
	}
	wantStatus(t, holder.do(http.MethodPost, "/v1/auth/password/reset", ResetRequest{Token: rl4.Token, New: "yet another passphrase"}), http.StatusForbidden, "account_disabled")
	if ok, _, _ := e.hasher.Verify(context.Background(), "yet another passphrase", e.user(m.ID).PasswordHash); ok {
		t.Fatal("a disabled account's password was reset")
	}
	wantStatus(t, admin.do(http.MethodPost, "/v1/users/US_NOBODY/reset-password", "{}"), http.StatusNotFound, "not_found")
}

func TestResetGuessingThrottled(t *testing.T) {
	e := newEnv(t, nil)
	admin, _ := e.signedIn("ada@example.org", store.RoleAdmin)
	_, m := e.signedIn("max@example.org", store.RoleMember)
	rl := e.resetLink(admin, m.ID)
	guesser := e.browser("192.0.2.99:1")
	held := 0
	for i := range 30 {
		tok, _, _ := auth.NewOpaqueToken(auth.ResetTokenPrefix)
		var r resp
		if i%2 == 0 {
			r = guesser.do(http.MethodPost, "/v1/auth/password/reset/check", ResetCheckRequest{Token: tok})
		} else {
			r = guesser.do(http.MethodPost, "/v1/auth/password/reset", ResetRequest{Token: tok, New: newPW})
		}
		if r.status == http.StatusTooManyRequests {
			held = i
			break
		}
		wantStatus(t, r, http.StatusBadRequest, "reset_invalid")
	}
	if held == 0 || held > e.svc.policy.AddrFreeFailures+1 {
		t.Fatalf("held after %d guesses", held)
	}
	wantStatus(t, guesser.do(http.MethodPost, "/v1/auth/password/reset", ResetRequest{Token: rl.Token, New: newPW}), http.StatusTooManyRequests, "too_many_attempts")
	if r := e.browser("192.0.2.100:1").do(http.MethodPost, "/v1/auth/password/reset", ResetRequest{Token: rl.Token, New: newPW}); r.status != http.StatusNoContent {
		t.Fatalf("other address: %d %s", r.status, r.body)
	}
}
