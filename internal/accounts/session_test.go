package accounts

import (
	"context"
	"encoding/base32"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/conclave-video/conclave/internal/auth"
	"github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/internal/store"
)

// enrolTOTP enrols and confirms TOTP for the signed-in browser and
// returns the secret.
func enrolTOTP(t *testing.T, b *browser) []byte {
	t.Helper()
	r := b.do(http.MethodPost, "/v1/auth/totp/enroll", PasswordConfirm{Password: pw})
	if r.status != http.StatusOK {
		t.Fatalf("enroll: %d %s", r.status, r.body)
	}
	var er TOTPEnrollResponse
	r.decode(t, &er)
	secret, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(er.Secret)
	if err != nil || len(secret) != auth.TOTPSecretSize {
		t.Fatalf("secret %q: %v", er.Secret, err)
	}
	if !strings.HasPrefix(er.URI, "otpauth://totp/Conclave:") || !strings.HasPrefix(er.QRSVG, "<svg ") || !strings.Contains(er.QRSVG, "M4 4h1v1h-1z") {
		t.Fatalf("enroll answer %+v", er)
	}
	before := b.sessionCookie()
	r = b.do(http.MethodPost, "/v1/auth/totp/confirm", CodeRequest{Code: auth.TOTPCode(secret, b.e.clock.Now())})
	if r.status != http.StatusOK {
		t.Fatalf("confirm: %d %s", r.status, r.body)
	}
	var rc RecoveryCodesResponse
	r.decode(t, &rc)
	if len(rc.RecoveryCodes) != RecoveryCodeCount {
		t.Fatalf("recovery codes %v", rc.RecoveryCodes)
	}
	if after := b.sessionCookie(); after == before || after == "" {
		t.Fatal("confirming TOTP did not rotate the session")
	}
	// The next code (a later step) is what the next use needs.
	b.e.clock.Add(30 * time.Second)
	return secret
}

func TestTOTPSignin(t *testing.T) {
	e := newEnv(t, nil)
	u := e.addUser("helen@example.org", pw, store.RoleMember)
	b := e.browser("")
	b.mustSignin("helen@example.org", pw)
	secret := enrolTOTP(t, b)
	if ev, _ := e.events.last(room.SecuritySecondFactorEnabled); ev.Subject != u.ID || ev.Reason != "totp" {
		t.Fatalf("event %+v", ev)
	}

	b2 := e.browser("")
	sr := b2.mustSignin("helen@example.org", pw)
	if sr.Status != "second_factor" || sr.Ticket == "" || sr.User != nil || !strings.Contains(strings.Join(sr.Methods, ","), "totp") {
		t.Fatalf("answer %+v", sr)
	}
	if b2.sessionCookie() != "" {
		t.Fatal("a cookie before the second factor")
	}
	code := auth.TOTPCode(secret, e.clock.Now())
	wantStatus(t, b2.do(http.MethodPost, "/v1/auth/signin/totp", SecondStepRequest{Ticket: sr.Ticket, Code: "000000"}), http.StatusUnauthorized, CodeInvalidCredentials)
	r := b2.do(http.MethodPost, "/v1/auth/signin/totp", SecondStepRequest{Ticket: sr.Ticket, Code: code})
	if r.status != http.StatusOK || b2.sessionCookie() == "" {
		t.Fatalf("totp: %d %s", r.status, r.body)
	}
	if ev, _ := e.events.last(room.SecuritySigninSucceeded); ev.Reason != "totp" {
		t.Fatalf("event %+v", ev)
	}
	// The ticket is spent.
	wantStatus(t, b2.do(http.MethodPost, "/v1/auth/signin/totp", SecondStepRequest{Ticket: sr.Ticket, Code: code}), http.StatusUnauthorized, CodeTicketInvalid)
	// The same code again, with a new ticket: refused (replay).
	sr = e.browser("").mustSignin("helen@example.org", pw)
	wantStatus(t, b.do(http.MethodPost, "/v1/auth/signin/totp", SecondStepRequest{Ticket: sr.Ticket, Code: code}), http.StatusUnauthorized, CodeInvalidCredentials)
	if ev, _ := e.events.last(room.SecuritySigninFailed); ev.Reason != "totp" {
		t.Fatalf("event %+v", ev)
	}
	// The failure counts on the account (the success before reset it).
	if got := e.user(u.ID).FailedSignins; got != 1 {
		t.Fatalf("failures %d, want 1", got)
	}
}

func TestTicketLimits(t *testing.T) {
	e := newEnv(t, nil)
	e.addUser("ivan@example.org", pw, store.RoleMember)
	b := e.browser("")
	b.mustSignin("ivan@example.org", pw)
	enrolTOTP(t, b)
	sr := b.mustSignin("ivan@example.org", pw)
	for range TicketAttempts {
		wantStatus(t, b.do(http.MethodPost, "/v1/auth/signin/totp", SecondStepRequest{Ticket: sr.Ticket, Code: "000000"}), http.StatusUnauthorized, CodeInvalidCredentials)
	}
	wantStatus(t, b.do(http.MethodPost, "/v1/auth/signin/totp", SecondStepRequest{Ticket: sr.Ticket, Code: "000000"}), http.StatusUnauthorized, CodeTicketInvalid)
	// The account's delay after 5 failures, then expiry.
	wantStatus(t, b.signin("ivan@example.org", pw), http.StatusTooManyRequests, CodeTooManyAttempts)
	e.clock.Add(time.Second)
	sr = b.mustSignin("ivan@example.org", pw)
	e.clock.Add(TicketTTL)
	wantStatus(t, b.do(http.MethodPost, "/v1/auth/signin/totp", SecondStepRequest{Ticket: sr.Ticket, Code: "000000"}), http.StatusUnauthorized, CodeTicketInvalid)
	wantStatus(t, b.do(http.MethodPost, "/v1/auth/signin/totp", SecondStepRequest{Ticket: strings.Repeat("A", 43), Code: "000000"}), http.StatusUnauthorized, CodeTicketInvalid)
}

func TestRecoveryCodeOnce(t *testing.T) {
	e := newEnv(t, nil)
	u := e.addUser("judy@example.org", pw, store.RoleMember)
	b := e.browser("")
	b.mustSignin("judy@example.org", pw)
	enrolTOTP(t, b)
	r := b.do(http.MethodPost, "/v1/auth/recovery-codes", PasswordConfirm{Password: pw})
	var rc RecoveryCodesResponse
	r.decode(t, &rc)
	if r.status != http.StatusOK || len(rc.RecoveryCodes) != 10 {
		t.Fatalf("recovery codes: %d %s", r.status, r.body)
	}
	code := strings.ToUpper(rc.RecoveryCodes[3])
	sr := e.browser("").mustSignin("judy@example.org", pw)
	b2 := e.browser("")
	if r := b2.do(http.MethodPost, "/v1/auth/signin/recovery", SecondStepRequest{Ticket: sr.Ticket, Code: code}); r.status != http.StatusOK {
		t.Fatalf("recovery: %d %s", r.status, r.body)
	}
	if e.events.count(room.SecurityRecoveryCodeUsed) != 1 {
		t.Fatalf("events %v", e.events.kinds())
	}
	sr = e.browser("").mustSignin("judy@example.org", pw)
	wantStatus(t, b2.do(http.MethodPost, "/v1/auth/signin/recovery", SecondStepRequest{Ticket: sr.Ticket, Code: code}), http.StatusUnauthorized, CodeInvalidCredentials)
	if n, _ := e.st.CountRecoveryCodes(context.Background(), u.ID); n != 9 {
		t.Fatalf("%d codes left, want 9", n)
	}
	if ev, _ := e.events.last(room.SecuritySigninFailed); ev.Reason != "recovery_code" {
		t.Fatalf("event %+v", ev)
	}
}

func TestCrossOriginRefused(t *testing.T) {
	e := newEnv(t, nil)
	e.addUser("kate@example.org", pw, store.RoleMember)
	b := e.browser("")
	b.mustSignin("kate@example.org", pw)
	for name, hdr := range map[string][]string{
		"cross-site":        {"Sec-Fetch-Site", "cross-site"},
		"same-site":         {"Sec-Fetch-Site", "same-site"},
		"other origin":      {"Sec-Fetch-Site", "", "Origin", "https://evil.example"},
		"form content type": {"Content-Type", "application/x-www-form-urlencoded"},
		"text/plain":        {"Content-Type", "text/plain"},
		"no content type":   {"Content-Type", ""},
	} {
		t.Run(name, func(t *testing.T) {
			n := e.events.count(room.SecurityCrossOriginRefused)
			wantStatus(t, b.do(http.MethodPost, "/v1/auth/signout", "{}", hdr...), http.StatusForbidden, CodeCrossOrigin)
			wantStatus(t, b.do(http.MethodDelete, "/v1/auth/sessions", nil, hdr...), http.StatusForbidden, CodeCrossOrigin)
			wantStatus(t, b.signinWith("kate@example.org", pw, hdr...), http.StatusForbidden, CodeCrossOrigin)
			if e.events.count(room.SecurityCrossOriginRefused) != n+3 {
				t.Fatalf("events %v", e.events.kinds())
			}
		})
	}
	// The session still works: nothing was done.
	if r := b.do(http.MethodGet, "/v1/auth/me", nil); r.status != http.StatusOK {
		t.Fatalf("me: %d", r.status)
	}
	// JSON with a charset parameter is JSON.
	if r := b.do(http.MethodPatch, "/v1/auth/me", PatchMeRequest{Name: ptr("Kate")}, "Content-Type", "application/json; charset=utf-8"); r.status != http.StatusOK {
		t.Fatalf("patch me: %d %s", r.status, r.body)
	}
}

func ptr[T any](v T) *T { return &v }

func (b *browser) signinWith(email, password string, hdr ...string) resp {
	return b.do(http.MethodPost, "/v1/auth/signin", map[string]string{"email": email, "password": password}, hdr...)
}

// A stolen session id stops working after sign-out and after a password
// change.
func TestStolenSessionEnds(t *testing.T) {
	e := newEnv(t, nil)
	u := e.addUser("liam@example.org", pw, store.RoleMember)

	owner := e.browser("")
	owner.mustSignin("liam@example.org", pw)
	thief := e.browser("203.0.113.66:1")
	thief.setSessionCookie(owner.sessionCookie())
	if r := thief.do(http.MethodGet, "/v1/auth/me", nil); r.status != http.StatusOK {
		t.Fatalf("the copied id does not work to begin with: %d", r.status)
	}
	if r := owner.do(http.MethodPost, "/v1/auth/signout", nil); r.status != http.StatusNoContent {
		t.Fatalf("signout: %d %s", r.status, r.body)
	}
	wantStatus(t, thief.do(http.MethodGet, "/v1/auth/me", nil), http.StatusUnauthorized, "unauthenticated")
	if _, ok := e.events.last(room.SecuritySignedOut); !ok {
		t.Fatal("no signed_out event")
	}

	owner.mustSignin("liam@example.org", pw)
	thief.setSessionCookie(owner.sessionCookie())
	other := e.browser("")
	other.mustSignin("liam@example.org", pw)
	before := owner.sessionCookie()
	newPW := "a brand new long password"
	if r := owner.do(http.MethodPost, "/v1/auth/password", PasswordRequest{Current: pw, New: newPW}); r.status != http.StatusNoContent {
		t.Fatalf("password: %d %s", r.status, r.body)
	}
	if owner.sessionCookie() == before {
		t.Fatal("the session was not rotated")
	}
	wantStatus(t, thief.do(http.MethodGet, "/v1/auth/me", nil), http.StatusUnauthorized, "unauthenticated")
	wantStatus(t, other.do(http.MethodGet, "/v1/auth/me", nil), http.StatusUnauthorized, "unauthenticated")
	if r := owner.do(http.MethodGet, "/v1/auth/me", nil); r.status != http.StatusOK {
		t.Fatalf("the changing browser lost its session: %d", r.status)
	}
	wantStatus(t, e.browser("").signin("liam@example.org", pw), http.StatusUnauthorized, CodeInvalidCredentials)
	e.browser("").mustSignin("liam@example.org", newPW)
	if ev, _ := e.events.last(room.SecurityPasswordChanged); ev.Subject != u.ID {
		t.Fatalf("event %+v", ev)
	}
	// Wrong current password; the new one breaking the policy.
	wantStatus(t, owner.do(http.MethodPost, "/v1/auth/password", PasswordRequest{Current: "wrong wrong wrong", New: "yet another long password"}), http.StatusUnauthorized, CodeInvalidCredentials)
	wantStatus(t, owner.do(http.MethodPost, "/v1/auth/password", PasswordRequest{Current: newPW, New: "short"}), http.StatusBadRequest, auth.CodePasswordTooShort)
	wantStatus(t, owner.do(http.MethodPost, "/v1/auth/password", PasswordRequest{Current: newPW, New: "liam is my long password"}), http.StatusBadRequest, auth.CodePasswordContainsEmail)
}

// An id set in the browser before sign-in is never accepted after it.
func TestSessionFixation(t *testing.T) {
	e := newEnv(t, nil)
	e.addUser("mia@example.org", pw, store.RoleMember)
	e.addUser("attacker@example.org", pw, store.RoleMember)
	attacker := e.browser("")
	attacker.mustSignin("attacker@example.org", pw)
	planted := attacker.sessionCookie()

	victim := e.browser("")
	victim.setSessionCookie(planted)
	victim.mustSignin("mia@example.org", pw)
	if got := victim.sessionCookie(); got == planted || got == "" {
		t.Fatal("the sign-in kept the planted id")
	}
	// The planted id is dead: it names no session, least of all Mia's.
	wantStatus(t, attacker.do(http.MethodGet, "/v1/auth/me", nil), http.StatusUnauthorized, "unauthenticated")
	// A made-up id is never a session either.
	fresh, _ := auth.NewSessionID()
	victim2 := e.browser("")
	victim2.setSessionCookie(fresh)
	victim2.mustSignin("mia@example.org", pw)
	if victim2.sessionCookie() == fresh {
		t.Fatal("the sign-in kept the planted id")
	}
	victim2.setSessionCookie(fresh)
	wantStatus(t, victim2.do(http.MethodGet, "/v1/auth/me", nil), http.StatusUnauthorized, "unauthenticated")
}

func TestSessionTimeouts(t *testing.T) {
	e := newEnv(t, nil)
	u := e.addUser("noah@example.org", pw, store.RoleMember)
	b := e.browser("")
	b.mustSignin("noah@example.org", pw)
	// Used every 11 hours: the idle timeout (12 h) never strikes, the
	// absolute one (7 days) does.
	for range 15 {
		e.clock.Add(11 * time.Hour)
		if r := b.do(http.MethodGet, "/v1/auth/me", nil); r.status != http.StatusOK {
			t.Fatalf("me: %d %s", r.status, r.body)
		}
	}
	e.clock.Add(3 * time.Hour) // 168 h
	wantStatus(t, b.do(http.MethodGet, "/v1/auth/me", nil), http.StatusUnauthorized, "unauthenticated")
	if ss, _ := e.st.ListSessions(context.Background(), u.ID); len(ss) != 0 {
		t.Fatalf("the expired session was not deleted: %+v", ss)
	}
	b.mustSignin("noah@example.org", pw)
	e.clock.Add(12 * time.Hour)
	wantStatus(t, b.do(http.MethodGet, "/v1/auth/me", nil), http.StatusUnauthorized, "unauthenticated")
}

func TestSessionTouchedAtMostOnceAMinute(t *testing.T) {
	e := newEnv(t, nil)
	u := e.addUser("olga@example.org", pw, store.RoleMember)
	b := e.browser("")
	b.mustSignin("olga@example.org", pw)
	start := e.clock.Now()
	e.clock.Add(30 * time.Second)
	b.do(http.MethodGet, "/v1/auth/me", nil)
	ss, _ := e.st.ListSessions(context.Background(), u.ID)
	if !ss[0].LastSeenAt.Equal(start) {
		t.Fatalf("touched after 30 s: %v", ss[0].LastSeenAt)
	}
	e.clock.Add(31 * time.Second)
	b.do(http.MethodGet, "/v1/auth/me", nil)
	ss, _ = e.st.ListSessions(context.Background(), u.ID)
	if !ss[0].LastSeenAt.Equal(e.clock.Now()) {
		t.Fatalf("not touched after 61 s: %v", ss[0].LastSeenAt)
	}
}

func TestDisabledUserSessionRefused(t *testing.T) {
	e := newEnv(t, nil)
	u := e.addUser("pia@example.org", pw, store.RoleMember)
	b := e.browser("")
	b.mustSignin("pia@example.org", pw)
	e.st.UpdateUser(context.Background(), u.ID, func(x *store.User) error { x.Status = store.StatusDisabled; return nil })
	wantStatus(t, b.do(http.MethodGet, "/v1/auth/me", nil), http.StatusForbidden, CodeAccountDisabled)
}

func TestSessionsListAndDelete(t *testing.T) {
	e := newEnv(t, nil)
	e.addUser("quinn@example.org", pw, store.RoleMember)
	a := e.browser("192.0.2.1:1")
	a.mustSignin("quinn@example.org", pw)
	b := e.browser("192.0.2.2:1")
	b.mustSignin("quinn@example.org", pw)
	c := e.browser("192.0.2.3:1")
	c.mustSignin("quinn@example.org", pw)

	r := a.do(http.MethodGet, "/v1/auth/sessions", nil, "User-Agent", "x")
	var list SessionList
	r.decode(t, &list)
	if r.status != http.StatusOK || len(list.Sessions) != 3 {
		t.Fatalf("list: %d %s", r.status, r.body)
	}
	var mine, bs string
	for _, s := range list.Sessions {
		if s.Current {
			mine = s.ID
		}
		if s.IP == "192.0.2.2" {
			bs = s.ID
		}
	}
	if mine == "" || bs == "" || mine == bs {
		t.Fatalf("list %+v", list)
	}
	if r := a.do(http.MethodDelete, "/v1/auth/sessions/"+bs, nil); r.status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	wantStatus(t, b.do(http.MethodGet, "/v1/auth/me", nil), http.StatusUnauthorized, "unauthenticated")
	wantStatus(t, a.do(http.MethodDelete, "/v1/auth/sessions/"+bs, nil), http.StatusNotFound, "not_found")
	wantStatus(t, a.do(http.MethodDelete, "/v1/auth/sessions/SE_NOPE", nil), http.StatusNotFound, "not_found")
	// Another account's session is not found either.
	e.addUser("rita@example.org", pw, store.RoleMember)
	other := e.browser("")
	other.mustSignin("rita@example.org", pw)
	wantStatus(t, other.do(http.MethodDelete, "/v1/auth/sessions/"+mine, nil), http.StatusNotFound, "not_found")

	if r := a.do(http.MethodDelete, "/v1/auth/sessions", nil); r.status != http.StatusNoContent {
		t.Fatalf("delete all: %d %s", r.status, r.body)
	}
	wantStatus(t, a.do(http.MethodGet, "/v1/auth/me", nil), http.StatusUnauthorized, "unauthenticated")
	wantStatus(t, c.do(http.MethodGet, "/v1/auth/me", nil), http.StatusUnauthorized, "unauthenticated")
	if e.events.count(room.SecuritySessionRevoked) != 2 {
		t.Fatalf("events %v", e.events.kinds())
	}
}

func TestTOTPDelete(t *testing.T) {
	e := newEnv(t, nil)
	u := e.addUser("sam@example.org", pw, store.RoleMember)
	b := e.browser("")
	b.mustSignin("sam@example.org", pw)
	wantStatus(t, b.do(http.MethodDelete, "/v1/auth/totp", PasswordConfirm{Password: pw}), http.StatusNotFound, "not_found")
	enrolTOTP(t, b)
	wantStatus(t, b.do(http.MethodPost, "/v1/auth/totp/enroll", PasswordConfirm{Password: pw}), http.StatusBadRequest, "invalid_argument")
	wantStatus(t, b.do(http.MethodDelete, "/v1/auth/totp", PasswordConfirm{Password: "wrong wrong wrong"}), http.StatusUnauthorized, CodeInvalidCredentials)
	before := b.sessionCookie()
	if r := b.do(http.MethodDelete, "/v1/auth/totp", PasswordConfirm{Password: pw}); r.status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	if b.sessionCookie() == before {
		t.Fatal("not rotated")
	}
	got := e.user(u.ID)
	n, _ := e.st.CountRecoveryCodes(context.Background(), u.ID)
	if got.TOTPEnabled || got.TOTPSecret != nil || n != 0 {
		t.Fatalf("TOTP left: %+v, %d codes", got, n)
	}
	if e.events.count(room.SecuritySecondFactorDisabled) != 1 {
		t.Fatalf("events %v", e.events.kinds())
	}
	// Password-only sign-in again.
	if sr := e.browser("").mustSignin("sam@example.org", pw); sr.Status != "signed_in" {
		t.Fatalf("%+v", sr)
	}
}

func TestTOTPConfirmErrors(t *testing.T) {
	e := newEnv(t, nil)
	e.addUser("tess@example.org", pw, store.RoleMember)
	b := e.browser("")
	b.mustSignin("tess@example.org", pw)
	wantStatus(t, b.do(http.MethodPost, "/v1/auth/totp/confirm", CodeRequest{Code: "123456"}), http.StatusBadRequest, "invalid_argument")
	wantStatus(t, b.do(http.MethodPost, "/v1/auth/totp/enroll", PasswordConfirm{Password: "wrong wrong wrong"}), http.StatusUnauthorized, CodeInvalidCredentials)
	r := b.do(http.MethodPost, "/v1/auth/totp/enroll", PasswordConfirm{Password: pw})
	var er TOTPEnrollResponse
	r.decode(t, &er)
	secret, _ := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(er.Secret)
	wrong := fmt.Sprintf("%06d", (mustAtoi(auth.TOTPCode(secret, e.clock.Now()))+1)%1000000)
	wantStatus(t, b.do(http.MethodPost, "/v1/auth/totp/confirm", CodeRequest{Code: wrong}), http.StatusBadRequest, "invalid_argument")
	// Pending, not enabled: sign-in needs no second factor yet.
	if sr := e.browser("").mustSignin("tess@example.org", pw); sr.Status != "signed_in" || !sr.User.TOTPPending {
		t.Fatalf("%+v", sr)
	}
	wantStatus(t, b.do(http.MethodPost, "/v1/auth/recovery-codes", PasswordConfirm{Password: pw}), http.StatusBadRequest, "invalid_argument")
}

func mustAtoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

func TestPatchMe(t *testing.T) {
	e := newEnv(t, nil)
	e.addUser("uma@example.org", pw, store.RoleMember)
	b := e.browser("")
	b.mustSignin("uma@example.org", pw)
	r := b.do(http.MethodPatch, "/v1/auth/me", PatchMeRequest{Name: ptr("  Uma Thurman ")})
	var mr MeResponse
	r.decode(t, &mr)
	if r.status != http.StatusOK || mr.User.Name != "Uma Thurman" {
		t.Fatalf("patch: %d %s", r.status, r.body)
	}
	for _, bad := range []string{"", "   ", strings.Repeat("x", MaxDisplayNameLen+1), "a\x00b", "line\nbreak"} {
		wantStatus(t, b.do(http.MethodPatch, "/v1/auth/me", PatchMeRequest{Name: ptr(bad)}), http.StatusBadRequest, "invalid_argument")
	}
}

func TestUnauthenticated(t *testing.T) {
	e := newEnv(t, nil)
	b := e.browser("")
	for _, rt := range [][2]string{
		{"POST", "/v1/auth/signout"}, {"GET", "/v1/auth/me"}, {"PATCH", "/v1/auth/me"},
		{"POST", "/v1/auth/password"}, {"POST", "/v1/auth/totp/enroll"}, {"POST", "/v1/auth/totp/confirm"},
		{"DELETE", "/v1/auth/totp"}, {"POST", "/v1/auth/recovery-codes"}, {"GET", "/v1/auth/sessions"},
		{"DELETE", "/v1/auth/sessions"}, {"DELETE", "/v1/auth/sessions/SE_X"},
	} {
		wantStatus(t, b.do(rt[0], rt[1], "{}"), http.StatusUnauthorized, "unauthenticated")
	}
	b.setSessionCookie("not-a-session-id")
	wantStatus(t, b.do(http.MethodGet, "/v1/auth/me", nil), http.StatusUnauthorized, "unauthenticated")
}
