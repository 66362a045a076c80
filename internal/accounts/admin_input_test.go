package accounts

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/conclave-video/conclave/internal/auth"
	"github.com/conclave-video/conclave/internal/config"
	"github.com/conclave-video/conclave/internal/store"
)

// Bad input on every route of administration, signup and resets: 400 (or
// 413) with a code, never a server error; nothing changes.
func TestAdminBadInput(t *testing.T) {
	e := newEnv(t, func(a *config.Accounts) { a.Signup = "open" })
	admin, _ := e.signedIn("ada@example.org", store.RoleAdmin)
	m := e.addUser("max@example.org", pw, store.RoleMember)
	huge := `{"email":"` + strings.Repeat("a", MaxBodyBytes) + `"}`
	bodies := map[string]string{
		"oversize":     huge,
		"not json":     "role=admin",
		"array":        "[]",
		"null":         "null",
		"two values":   "{} {}",
		"unknown":      `{"role":"admin","extra":1}`,
		"wrong type":   `{"role":1,"status":true,"email":[],"expires_in":{},"invite":5,"name":5,"password":false,"token":1,"new":2}`,
		"repeated":     `{"role":"admin","role":"member"}`,
		"wrong case":   `{"Role":"admin"}`,
		"truncated":    `{"role":"adm`,
		"invalid utf8": "{\"role\":\"\xff\",\"email\":\"\xfe@x\"}",
	}
	routes := []struct{ method, path string }{
		{http.MethodPatch, "/v1/users/" + m.ID},
		{http.MethodPost, "/v1/users/" + m.ID + "/reset-password"},
		{http.MethodPost, "/v1/users/" + m.ID + "/reset-2fa"},
		{http.MethodPost, "/v1/users/invites"},
		{http.MethodDelete, "/v1/users/invites/IN_X"},
		{http.MethodPost, "/v1/auth/signup/check"},
		{http.MethodPost, "/v1/auth/signup"},
		{http.MethodPost, "/v1/auth/password/reset/check"},
		{http.MethodPost, "/v1/auth/password/reset"},
	}
	for _, rt := range routes {
		for name, body := range bodies {
			r := admin.do(rt.method, rt.path, body)
			if (r.status != http.StatusBadRequest && r.status != http.StatusRequestEntityTooLarge) || r.code() == "" {
				t.Errorf("%s %s %s: %d %s", rt.method, rt.path, name, r.status, r.body)
			}
		}
	}
	// Missing and out-of-range fields.
	long := strings.Repeat("x", 300)
	for _, c := range []struct{ method, path, body string }{
		{http.MethodPatch, "/v1/users/" + m.ID, `{}`},
		{http.MethodPatch, "/v1/users/" + m.ID, `{"role":"root"}`},
		{http.MethodPatch, "/v1/users/" + m.ID, `{"role":"Admin"}`},
		{http.MethodPatch, "/v1/users/" + m.ID, `{"status":"deleted"}`},
		{http.MethodPatch, "/v1/users/" + m.ID, `{"role":null,"status":null}`},
		{http.MethodPost, "/v1/users/invites", `{}`},
		{http.MethodPost, "/v1/users/invites", `{"role":""}`},
		{http.MethodPost, "/v1/users/invites", `{"role":"owner"}`},
		{http.MethodPost, "/v1/users/invites", `{"role":"member","email":"not an email"}`},
		{http.MethodPost, "/v1/users/invites", `{"role":"member","email":"` + long + `@x"}`},
		{http.MethodPost, "/v1/users/invites", `{"role":"member","expires_in":"` + long + `"}`},
		{http.MethodPost, "/v1/users/invites", `{"role":"member","expires_in":"9223372036854775807h"}`},
		{http.MethodPost, "/v1/auth/signup/check", `{}`},
		{http.MethodPost, "/v1/auth/signup/check", `{"invite":"` + long + `"}`},
		{http.MethodPost, "/v1/auth/signup", `{}`},
		{http.MethodPost, "/v1/auth/signup", `{"email":"new@example.org","name":"N"}`},
		{http.MethodPost, "/v1/auth/signup", `{"email":"new@example.org","password":"` + newPW + `"}`},
		{http.MethodPost, "/v1/auth/signup", `{"name":"N","password":"` + newPW + `"}`},
		{http.MethodPost, "/v1/auth/signup", `{"email":"new","name":"N","password":"` + newPW + `"}`},
		{http.MethodPost, "/v1/auth/signup", `{"email":"new@example.org","name":"   ","password":"` + newPW + `"}`},
		{http.MethodPost, "/v1/auth/signup", `{"email":"new@example.org","name":"` + long + `","password":"` + newPW + `"}`},
		{http.MethodPost, "/v1/auth/signup", `{"email":"new@example.org","name":"a\u0000b","password":"` + newPW + `"}`},
		{http.MethodPost, "/v1/auth/signup", `{"email":"new@example.org","name":"N","password":"` + strings.Repeat("p", 1025) + `"}`},
		{http.MethodPost, "/v1/auth/signup", `{"invite":"` + long + `","email":"new@example.org","name":"N","password":"` + newPW + `"}`},
		{http.MethodPost, "/v1/auth/password/reset/check", `{}`},
		{http.MethodPost, "/v1/auth/password/reset/check", `{"token":"` + long + `"}`},
		{http.MethodPost, "/v1/auth/password/reset", `{"token":"cvr_x"}`},
		{http.MethodPost, "/v1/auth/password/reset", `{"new":"` + newPW + `"}`},
		{http.MethodPost, "/v1/auth/password/reset", `{"token":"cvr_x","new":"` + strings.Repeat("p", 1025) + `"}`},
	} {
		r := admin.do(c.method, c.path, c.body)
		if r.status != http.StatusBadRequest || r.code() == "" {
			t.Errorf("%s %s %.80s: %d %s", c.method, c.path, c.body, r.status, r.body)
		}
	}
	// Nothing was made or changed, and the session survived.
	if u := e.user(m.ID); u.Role != store.RoleMember || u.Status != store.StatusActive || u.PasswordHash != m.PasswordHash {
		t.Fatalf("the member changed: %+v", u)
	}
	if ins, _ := e.st.ListSignupInvites(context.Background()); len(ins) != 0 {
		t.Fatalf("invites: %+v", ins)
	}
	if us, _ := e.st.ListUsers(context.Background()); len(us) != 2 {
		t.Fatalf("%d accounts", len(us))
	}
	if r := admin.do(http.MethodGet, "/v1/users", nil); r.status != http.StatusOK {
		t.Fatalf("list: %d", r.status)
	}
}

// FuzzSignupBody: whatever the body of signup, its check, or the reset
// link's two steps, the answer is a client error, a refusal or a
// success, never a server error or a panic; every refusal has a code.
func FuzzSignupBody(f *testing.F) {
	inv, _, _ := auth.NewOpaqueToken(auth.InviteTokenPrefix)
	rst, _, _ := auth.NewOpaqueToken(auth.ResetTokenPrefix)
	for _, s := range []string{
		`{"invite":"` + inv + `"}`, `{"token":"` + rst + `"}`, `{"token":"` + rst + `","new":"` + newPW + `"}`,
		`{"invite":"` + inv + `","email":"a@example.org","name":"A","password":"` + newPW + `"}`,
		`{"email":"b@example.org","name":"B","password":"` + newPW + `"}`,
		`{"invite":"cvi_` + strings.Repeat("a", 16) + `_` + strings.Repeat("b", 52) + `"}`,
		`{"invite":1}`, `[]`, `null`, `{"email":"\u0000@x","name":"\u2028"}`, "{\"token\":\"\xff\"}",
	} {
		f.Add(s)
	}
	e := newEnv(f, func(a *config.Accounts) { a.Signup = "open" })
	mux := http.NewServeMux()
	e.svc.Register(mux)
	f.Fuzz(func(t *testing.T, body string) {
		for _, path := range []string{"/v1/auth/signup/check", "/v1/auth/signup", "/v1/auth/password/reset/check", "/v1/auth/password/reset"} {
			req := httptest.NewRequest(http.MethodPost, path, bytes.NewBufferString(body))
			req.Header.Set("Content-Type", "application/json")
			req.RemoteAddr = "192.0.2.1:1"
			w := httptest.NewRecorder()
			mux.ServeHTTP(w, req)
			switch w.Code {
			case http.StatusOK, http.StatusCreated, http.StatusNoContent, http.StatusBadRequest, http.StatusRequestEntityTooLarge,
				http.StatusForbidden, http.StatusConflict, http.StatusTooManyRequests:
			default:
				t.Fatalf("%s %q: %d %s", path, body, w.Code, w.Body)
			}
			if w.Code >= 400 && !strings.Contains(w.Body.String(), `"code":"`) {
				t.Fatalf("%s %q: %d without a code: %s", path, body, w.Code, w.Body)
			}
		}
	})
}

// FuzzAdminBody: the same for the bodies an admin sends: a change of
// role or status, and a new invite.
func FuzzAdminBody(f *testing.F) {
	for _, s := range []string{
		`{"role":"member"}`, `{"status":"disabled"}`, `{"role":"admin","status":"active"}`,
		`{"role":"member","email":"x@example.org","expires_in":"1h"}`, `{"role":"admin","expires_in":"-5m"}`,
		`{"expires_in":"720h0m0.000000001s","role":"member"}`, `{}`, `[]`, `{"role":null}`,
	} {
		f.Add(s)
	}
	e := newEnv(f, nil)
	a := e.addUser("ada@example.org", pw, store.RoleAdmin)
	m := e.addUser("max@example.org", pw, store.RoleMember)
	id, hash := auth.NewSessionID()
	now := e.clock.Now()
	if err := e.st.CreateSession(context.Background(), store.Session{ID: newPublicID("SE_"), IDHash: hash, UserID: a.ID,
		CreatedAt: now, ExpiresAt: now.Add(365 * 24 * time.Hour)}); err != nil {
		f.Fatal(err)
	}
	mux := http.NewServeMux()
	e.svc.Register(mux)
	f.Fuzz(func(t *testing.T, body string) {
		for _, c := range []struct{ method, path string }{
			{http.MethodPatch, "/v1/users/" + m.ID},
			{http.MethodPost, "/v1/users/invites"},
		} {
			req := httptest.NewRequest(c.method, c.path, bytes.NewBufferString(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			req.AddCookie(&http.Cookie{Name: CookieName, Value: id})
			req.RemoteAddr = "192.0.2.1:1"
			w := httptest.NewRecorder()
			mux.ServeHTTP(w, req)
			switch w.Code {
			case http.StatusOK, http.StatusCreated, http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusConflict:
			default:
				t.Fatalf("%s %s %q: %d %s", c.method, c.path, body, w.Code, w.Body)
			}
			if w.Code >= 400 && !strings.Contains(w.Body.String(), `"code":"`) {
				t.Fatalf("%s %q: %d without a code: %s", c.path, body, w.Code, w.Body)
			}
		}
	})
}
