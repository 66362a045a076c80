package accounts

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/conclave-video/conclave/internal/store"
)

// Bad input on every endpoint that reads a body: 400 (or 413) with a
// code, never a server error.
func TestBadInput(t *testing.T) {
	e := newEnv(t, nil)
	e.addUser("vera@example.org", pw, store.RoleMember)
	b := e.browser("")
	b.mustSignin("vera@example.org", pw)
	huge := `{"email":"` + strings.Repeat("a", MaxBodyBytes) + `"}`
	bodies := map[string]string{
		"oversize":     huge,
		"not json":     "email=a&password=b",
		"array":        "[]",
		"two values":   "{} {}",
		"unknown":      `{"email":"vera@example.org","password":"x","extra":1}`,
		"wrong type":   `{"email":1,"password":true,"ticket":[],"code":{},"name":5,"current":null,"new":2}`,
		"repeated":     `{"email":"a@b","email":"c@d","password":"p"}`,
		"wrong case":   `{"Email":"vera@example.org","Password":"x"}`,
		"truncated":    `{"email":"vera@exa`,
		"invalid utf8": "{\"email\":\"\xff\xfe\",\"password\":\"\xff\"}",
	}
	routes := []struct{ method, path string }{
		{"POST", "/v1/auth/signin"}, {"POST", "/v1/auth/signin/totp"}, {"POST", "/v1/auth/signin/recovery"},
		{"PATCH", "/v1/auth/me"}, {"POST", "/v1/auth/password"}, {"POST", "/v1/auth/totp/enroll"},
		{"POST", "/v1/auth/totp/confirm"}, {"POST", "/v1/auth/recovery-codes"},
		{"POST", "/v1/auth/signout"}, {"DELETE", "/v1/auth/sessions"},
	}
	for _, rt := range routes {
		for name, body := range bodies {
			r := b.do(rt.method, rt.path, body)
			if name == "invalid utf8" && r.status == http.StatusUnauthorized {
				continue // replaced by U+FFFD on decoding: a well-formed, wrong try
			}
			if (r.status != http.StatusBadRequest && r.status != http.StatusRequestEntityTooLarge) || r.code() == "" {
				t.Errorf("%s %s %s: %d %s", rt.method, rt.path, name, r.status, r.body)
			}
		}
	}
	// Missing and out-of-range fields.
	for _, c := range []struct{ path, body string }{
		{"/v1/auth/signin", `{}`},
		{"/v1/auth/signin", `{"email":"vera@example.org"}`},
		{"/v1/auth/signin", `{"password":"x"}`},
		{"/v1/auth/signin", `{"email":"   ","password":"x"}`},
		{"/v1/auth/signin", `{"email":"` + strings.Repeat("a", 300) + `","password":"x"}`},
		{"/v1/auth/signin", `{"email":"a@b","password":"` + strings.Repeat("p", 1025) + `"}`},
		{"/v1/auth/signin/totp", `{"ticket":"x"}`},
		{"/v1/auth/signin/totp", `{"code":"123456"}`},
		{"/v1/auth/signin/totp", `{"ticket":"x","code":"` + strings.Repeat("1", 65) + `"}`},
		{"/v1/auth/signin/recovery", `{}`},
		{"/v1/auth/password", `{"current":"` + pw + `"}`},
		{"/v1/auth/password", `{"new":"a long new password"}`},
		{"/v1/auth/totp/enroll", `{}`},
		{"/v1/auth/totp/confirm", `{}`},
		{"/v1/auth/recovery-codes", `{}`},
	} {
		r := b.do(http.MethodPost, c.path, c.body)
		if r.status != http.StatusBadRequest || r.code() == "" {
			t.Errorf("POST %s %.60s: %d %s", c.path, c.body, r.status, r.body)
		}
	}
	wantStatus(t, b.do(http.MethodPatch, "/v1/auth/me", `{}`), http.StatusBadRequest, "invalid_argument")
	wantStatus(t, b.do(http.MethodDelete, "/v1/auth/sessions/SE_x", `{"a":1}`), http.StatusBadRequest, "invalid_argument")
	// The session survived all of it.
	if r := b.do(http.MethodGet, "/v1/auth/me", nil); r.status != http.StatusOK {
		t.Fatalf("me: %d", r.status)
	}
}

// FuzzSigninBody: whatever the body of a sign-in step, the answer is a
// client error or a refusal, never a server error or a panic.
func FuzzSigninBody(f *testing.F) {
	for _, s := range []string{
		`{"email":"a@example.org","password":"correct horse battery staple"}`,
		`{"email":"","password":""}`, `{"ticket":"` + strings.Repeat("A", 43) + `","code":"123 456"}`,
		`{"email":1}`, `[]`, `null`, `{"email":"\u0000"}`, "{\"email\":\"\xff\"}", `{"password":"` + strings.Repeat("é", 600) + `"}`,
	} {
		f.Add(s)
	}
	e := newEnv(f, nil)
	e.addUser("a@example.org", pw, store.RoleMember)
	mux := http.NewServeMux()
	e.svc.Register(mux)
	f.Fuzz(func(t *testing.T, body string) {
		for _, path := range []string{"/v1/auth/signin", "/v1/auth/signin/totp", "/v1/auth/signin/recovery"} {
			req := httptest.NewRequest(http.MethodPost, path, bytes.NewBufferString(body))
			req.Header.Set("Content-Type", "application/json")
			req.RemoteAddr = "192.0.2.1:1"
			w := httptest.NewRecorder()
			mux.ServeHTTP(w, req)
			switch w.Code {
			case http.StatusOK, http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnauthorized,
				http.StatusTooManyRequests, http.StatusForbidden:
			default:
				t.Fatalf("%s %q: %d %s", path, body, w.Code, w.Body)
			}
			if w.Code != http.StatusOK && !strings.Contains(w.Body.String(), `"code":"`) {
				t.Fatalf("%s %q: %d without a code: %s", path, body, w.Code, w.Body)
			}
		}
	})
}
