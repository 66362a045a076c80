package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/conclave-video/conclave/internal/config"
)

// TestCORSWiring: http.allowed_origins reaches the server's handler chain.
// A preflight from a listed origin is answered by CORS with the security
// headers still on; one from any other origin gets the mux's JSON 405 for
// OPTIONS, with no CORS header, as docs/configuration.md says.
func TestCORSWiring(t *testing.T) {
	const app = "https://app.example.com"
	e := newEnv(t, func(c *config.Config) { c.HTTP.AllowedOrigins = []string{app} })
	pre := func(origin string) httpResult {
		return e.do("OPTIONS", "/v1/rooms", "", "Origin", origin,
			"Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "authorization, content-type")
	}
	r := pre(app)
	if r.status != http.StatusNoContent || r.header.Get("Access-Control-Allow-Origin") != app ||
		!strings.Contains(r.header.Get("Access-Control-Allow-Headers"), "Authorization") {
		t.Fatalf("preflight from %s: %d %v", app, r.status, r.header)
	}
	if r.header.Get("Content-Security-Policy") == "" || r.header.Get("Strict-Transport-Security") == "" {
		t.Errorf("preflight answer lacks the security headers: %v", r.header)
	}
	r = pre("https://evil.example")
	if r.status != http.StatusMethodNotAllowed || errorCode(r.body) != "method_not_allowed" {
		t.Errorf("preflight from another origin: %d %s", r.status, r.body)
	}
	for name := range r.header {
		if strings.HasPrefix(name, "Access-Control-") {
			t.Errorf("preflight from another origin has %s", name)
		}
	}
	// An actual request's answer, an error here, is readable by the app.
	r = e.do("GET", "/v1/rooms", "", "Origin", app)
	if r.status != http.StatusUnauthorized || r.header.Get("Access-Control-Allow-Origin") != app {
		t.Errorf("GET from %s: %d, Access-Control-Allow-Origin %q", app, r.status, r.header.Get("Access-Control-Allow-Origin"))
	}
}
