package httpapi_test

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/conclave-video/conclave/token"
)

// parseCSP splits a Content-Security-Policy into directive -> sources.
func parseCSP(t *testing.T, csp string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for d := range strings.SplitSeq(csp, ";") {
		fields := strings.Fields(d)
		if len(fields) == 0 {
			continue
		}
		name := strings.ToLower(fields[0])
		if _, dup := out[name]; dup {
			t.Errorf("CSP directive %s appears twice (browsers ignore the second)", name)
		}
		out[name] = fields[1:]
	}
	return out
}

// checkSecurityHeaders asserts the headers docs and SecurityHeaders promise
// on one response; frameAncestors is the expected frame-ancestors list.
func checkSecurityHeaders(t *testing.T, what string, h http.Header, frameAncestors []string) {
	t.Helper()
	csp := h.Get("Content-Security-Policy")
	if csp == "" {
		t.Errorf("%s: no Content-Security-Policy", what)
		return
	}
	for _, unsafe := range []string{"'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'"} {
		if strings.Contains(csp, unsafe) {
			t.Errorf("%s: CSP allows %s: %s", what, unsafe, csp)
		}
	}
	d := parseCSP(t, csp)
	for name, want := range map[string][]string{
		"connect-src":     {"'self'"},
		"frame-ancestors": frameAncestors,
		"object-src":      {"'none'"},
		"default-src":     {"'self'"},
		"script-src":      {"'self'"},
	} {
		if !slices.Equal(d[name], want) {
			t.Errorf("%s: CSP %s = %v, want %v", what, name, d[name], want)
		}
	}

	hsts := h.Get("Strict-Transport-Security")
	maxAge := -1
	for part := range strings.SplitSeq(hsts, ";") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(part), "max-age="); ok {
			maxAge, _ = strconv.Atoi(v)
		}
	}
	if maxAge < 365*24*3600 {
		t.Errorf("%s: Strict-Transport-Security %q: max-age below a year", what, hsts)
	}
	if got := h.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("%s: X-Content-Type-Options = %q", what, got)
	}
	if got := h.Get("Referrer-Policy"); got != "no-referrer" {
		t.Errorf("%s: Referrer-Policy = %q", what, got)
	}

	features := map[string]string{}
	for item := range strings.SplitSeq(h.Get("Permissions-Policy"), ",") {
		name, allow, _ := strings.Cut(strings.TrimSpace(item), "=")
		features[name] = allow
	}
	for _, f := range []string{"camera", "microphone", "display-capture"} {
		if features[f] != "(self)" {
			t.Errorf("%s: Permissions-Policy %s=%q, want (self); header %q", what, f, features[f], h.Get("Permissions-Policy"))
		}
	}
}

// TestSecurityHeadersOnEveryResponse covers success, no content, API
// errors and the mux's own 404 and 405, which never reach an API handler.
func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	for _, tt := range []struct {
		name           string
		frameAncestors []string
		want           []string
	}{
		{"default", nil, []string{"'none'"}},
		{"configured", []string{"https://app.example.com", "https://intranet.example.org"},
			[]string{"https://app.example.com", "https://intranet.example.org"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, envConfig{frameAncestors: tt.frameAncestors})
			e.fixture(t)
			tok := mint(t, e.keyA, allGrants, "")
			for _, rq := range []struct {
				method, path, tok, body string
				status                  int
			}{
				{"POST", "/v1/rooms", tok, `{"name":"hdr"}`, http.StatusCreated},
				{"GET", "/v1/rooms", tok, "", http.StatusOK},
				{"DELETE", "/v1/rooms/hdr", tok, "", http.StatusNoContent},
				{"GET", "/v1/rooms", "", "", http.StatusUnauthorized},
				{"GET", "/v1/rooms", "garbage", "", http.StatusUnauthorized},
				{"GET", "/v1/rooms/alpha", mint(t, e.keyA, token.Grants{RoomCreate: true}, ""), "", http.StatusForbidden},
				{"GET", "/v1/rooms/nope", tok, "", http.StatusNotFound},
				{"POST", "/v1/rooms", tok, `{"name":`, http.StatusBadRequest},
				{"GET", "/no/such/path", "", "", http.StatusNotFound},
				{"PUT", "/v1/rooms", tok, "", http.StatusMethodNotAllowed},
			} {
				r := e.do(t, rq.method, rq.path, rq.tok, rq.body)
				what := rq.method + " " + rq.path
				if r.status != rq.status {
					t.Fatalf("%s: status %d, want %d; %s", what, r.status, rq.status, r.body)
				}
				checkSecurityHeaders(t, what, r.header, tt.want)
			}
		})
	}
}
