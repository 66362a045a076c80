package server_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/conclave-video/conclave/internal/config"
)

// The relying party: in dev mode without public_url it is localhost;
// with public_url its host; outside dev mode without one, passkeys are
// unavailable and /v1/auth/me would say so.
func TestPasskeysRelyingParty(t *testing.T) {
	for _, c := range []struct {
		name     string
		mutate   func(*config.Config)
		status   int
		rpID     string
		wantCode string
	}{
		{"dev", func(*config.Config) {}, http.StatusOK, "localhost", ""},
		{"public_url", func(c *config.Config) { c.Dev, c.PublicURL = false, "https://meet.example.org:8443" }, http.StatusOK, "meet.example.org", ""},
		{"neither", func(c *config.Config) { c.Dev = false }, http.StatusNotImplemented, "", "passkeys_unavailable"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, c.mutate)
			r := e.do("POST", "/v1/auth/passkey/options", `{}`, "Content-Type", "application/json")
			if r.status != c.status || errorCode(r.body) != c.wantCode {
				t.Fatalf("passkey options: %d %s", r.status, r.body)
			}
			if c.rpID == "" {
				return
			}
			var o struct {
				Ceremony string `json:"ceremony"`
				Options  struct {
					RPID string `json:"rpId"`
				} `json:"options"`
			}
			if err := json.Unmarshal([]byte(r.body), &o); err != nil || o.Options.RPID != c.rpID || o.Ceremony == "" {
				t.Fatalf("options %s (%v), want rpId %s", r.body, err, c.rpID)
			}
		})
	}
}
