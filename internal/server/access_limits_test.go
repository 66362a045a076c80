package server_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/conclave-video/conclave/internal/testkit"
	"github.com/conclave-video/conclave/protocol"
)

// TestAccessWritesAreRateLimited: removals, bans and revocations of one
// API key are rate limited (429 rate_limited, Retry-After) once its burst
// is spent, while another key's go on.
func TestAccessWritesAreRateLimited(t *testing.T) {
	e := newEnv(t)
	admin := e.adminToken(e.Key, "")
	limited := false
	for i := 0; i < 300 && !limited; i++ {
		r := e.do(http.MethodPost, "/v1/revocations", fmt.Sprintf(`{"identity":"user-%d","room":"flood"}`, i),
			"Authorization", "Bearer "+admin, "Content-Type", "application/json")
		switch {
		case r.status == http.StatusTooManyRequests:
			if errorCode(r.body) != protocol.CodeRateLimited || r.header.Get("Retry-After") == "" {
				t.Fatalf("refusal %d: %d %s %v", i, r.status, r.body, r.header)
			}
			if i < 30 {
				t.Fatalf("limited after %d writes, within the burst of 30", i)
			}
			limited = true
		case r.status != http.StatusNoContent:
			t.Fatalf("revocation %d: %d %s", i, r.status, r.body)
		}
	}
	if !limited {
		t.Fatal("300 revocations in a row were never rate limited")
	}
	other := e.adminToken(e.NewKey("other"), "")
	if status, body := e.api(http.MethodPost, "/v1/revocations", other, `{"identity":"x"}`); status != http.StatusNoContent {
		t.Fatalf("another key's revocation: %d %s", status, body)
	}
}

// TestRefusalEventsAreThrottled: a flood of joins refused for a revoked
// token, or for a ban, is one security event per identity and reason
// (the others are counted, for a summary at the interval's end), not one
// each. Before, every refused token was an event, and a banned join none.
func TestRefusalEventsAreThrottled(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*testkit.DefaultWait())
	defer cancel()
	admin := e.adminToken(e.Key, "")
	e.Connect(ctx, t, "throttled", "host")
	revoked := mintToken(t, e.Key, "throttled", "rex", joinAll)
	if status, body := e.api(http.MethodPost, "/v1/revocations", admin, `{"identity":"rex","room":"throttled"}`); status != http.StatusNoContent {
		t.Fatalf("revoke: %d %s", status, body)
	}
	if status, body := e.api(http.MethodPost, "/v1/rooms/throttled/bans", admin, `{"identity":"bo"}`); status != http.StatusCreated {
		t.Fatalf("ban: %d %s", status, body)
	}
	banned := mintAfter(t, e.Key, "throttled", "bo")
	for range 20 {
		if code := e.connectCode(ctx, revoked); code != protocol.CodeTokenRevoked {
			t.Fatalf("revoked token: %q", code)
		}
		if code := e.connectCode(ctx, banned); code != protocol.CodeBanned {
			t.Fatalf("banned: %q", code)
		}
	}
	m := e.Metrics()
	for _, k := range []string{"revoked_token_refused", "banned_refused"} {
		// One, and the summary of the others should the test have
		// outlasted the interval (a minute) on a slow machine.
		if got := m[`conclave_security_events_total{kind="`+k+`",outcome="refused"}`]; got < 1 || got > 2 {
			t.Errorf("%s events after 20 refused joins of one identity: %v, want 1", k, got)
		}
	}
}
