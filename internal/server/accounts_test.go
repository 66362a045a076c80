package server_test

import (
	"net/http"
	"testing"
)

// The server serves /v1/auth: the account service is wired, behind the
// security headers.
func TestAccountsWiring(t *testing.T) {
	e := newEnv(t)
	r := e.do("GET", "/v1/auth/me", "")
	if r.status != http.StatusUnauthorized || errorCode(r.body) != "unauthenticated" {
		t.Fatalf("GET /v1/auth/me: %d %s", r.status, r.body)
	}
	if r.header.Get("Content-Security-Policy") == "" {
		t.Errorf("no security headers: %v", r.header)
	}
	r = e.do("POST", "/v1/auth/signin", `{"email":"a@example.org","password":"x"}`,
		"Content-Type", "application/json", "Sec-Fetch-Site", "cross-site")
	if r.status != http.StatusForbidden || errorCode(r.body) != "cross_origin" {
		t.Fatalf("cross-site sign-in: %d %s", r.status, r.body)
	}
	r = e.do("POST", "/v1/auth/signin", `{"email":"a@example.org","password":"not the password"}`,
		"Content-Type", "application/json")
	if r.status != http.StatusUnauthorized || errorCode(r.body) != "invalid_credentials" {
		t.Fatalf("sign-in of an unknown email: %d %s", r.status, r.body)
	}
}
