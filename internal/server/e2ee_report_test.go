package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/internal/testkit"
	"github.com/conclave-video/conclave/protocol"
)

// TestE2EEIdentityChangedReport: a client's report that a peer's
// identity key changed is recorded as a high-severity security event in
// the audit log (reporter, peer, the key's fingerprint, the reporter's
// address); a malformed report, one of an identity not in the room, one
// of a key the peer does not announce, one in a room without end-to-end
// encryption and one past the session's budget are refused and not
// recorded.
func TestE2EEIdentityChangedReport(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*testkit.DefaultWait())
	defer cancel()
	const name = "e2ee-report"
	e.createE2EERoom(name)
	r := e.dialRaw(ctx, t)
	r.joinE2EE(e.JoinToken(name, "alice"), name, "alice")
	bob := e.dialRaw(ctx, t)
	bobKey := bob.joinE2EE(e.JoinToken(name, "bob"), name, "bob")

	report := func(identity string, k []byte) {
		r.mustSend(fmt.Sprintf(`{"v":1,"type":"e2ee_identity_changed","data":{"identity":%q,"identity_key":%q}}`,
			identity, base64.StdEncoding.EncodeToString(k)))
	}
	report("bob", bobKey[:31])
	r.expectError(protocol.CodeBadMessage)
	report("ghost", bobKey)
	r.expectError(protocol.CodeUnknownParticipant)
	other := bytes.Repeat([]byte{9}, len(bobKey))
	report("bob", other)
	r.expectError(protocol.CodeBadMessage)
	report("bob", bobKey)
	r.expectOpen()

	want := fingerprint(bobKey)
	testkit.Eventually(t, "the report in the audit log", func() bool {
		for _, rec := range auditRecords(t, e.Srv.Store()) {
			if rec.Action == string(room.SecurityE2EEIdentityChanged) && rec.Actor == "alice" && rec.Target == "bob" &&
				rec.Room == name && rec.IP != "" && strings.Contains(rec.Details, want) {
				return true
			}
		}
		return false
	})
	if room.SecurityE2EEIdentityChanged.Severity() != room.SeverityHigh {
		t.Error("an identity key change is not high")
	}

	// The Go SDK's report goes the same way.
	c := e.connectE2EE(ctx, t, name, "erin")
	if err := c.ReportIdentityChanged(ctx, "bob", bobKey); err != nil {
		t.Fatal(err)
	}
	if err := c.ReportIdentityChanged(ctx, "bob", bobKey[:8]); err == nil {
		t.Error("the SDK sent a short key")
	}
	testkit.Eventually(t, "the SDK's report in the audit log", func() bool {
		for _, rec := range auditRecords(t, e.Srv.Store()) {
			if rec.Action == string(room.SecurityE2EEIdentityChanged) && rec.Actor == "erin" && rec.Target == "bob" {
				return true
			}
		}
		return false
	})

	// The budget: MaxIdentityReports accepted in all, then rate_limited.
	for i := 1; i < room.MaxIdentityReports; i++ {
		report("bob", bobKey)
	}
	report("bob", bobKey)
	r.expectError(protocol.CodeRateLimited)
	for _, rec := range auditRecords(t, e.Srv.Store()) {
		if rec.Action == string(room.SecurityE2EEIdentityChanged) && (rec.Target == "ghost" || strings.Contains(rec.Details, fingerprint(other))) {
			t.Fatalf("a refused report was recorded: %+v", rec)
		}
	}

	// A room without end-to-end encryption has no identity keys.
	plain := e.dialRaw(ctx, t)
	plain.join(e.JoinToken("plain-room", "carol"))
	plain.mustSend(fmt.Sprintf(`{"v":1,"type":"e2ee_identity_changed","data":{"identity":"dave","identity_key":%q}}`,
		base64.StdEncoding.EncodeToString(bobKey)))
	plain.expectError(protocol.CodeE2EEOff)
}

// fingerprint is what a report of key is recorded with.
func fingerprint(key []byte) string {
	sum := sha256.Sum256(key)
	return "sha256:" + hex.EncodeToString(sum[:16])
}

// TestTokenRefusedEvent: a REST call and a join with a token that does
// not verify are each a token_refused security event naming the surface
// and the code.
func TestTokenRefusedEvent(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*testkit.DefaultWait())
	defer cancel()
	if r := e.do("GET", "/v1/rooms", "", "Authorization", "Bearer not-a-token"); r.status != 401 {
		t.Fatalf("a bad token: %d", r.status)
	}
	r := e.dialRaw(ctx, t)
	r.mustSend(`{"v":1,"type":"join","data":{"token":"not-a-token"}}`)
	testkit.Eventually(t, "both refusals in the audit log", func() bool {
		seen := map[string]bool{}
		for _, rec := range auditRecords(t, e.Srv.Store()) {
			for _, surface := range []string{"rest", "signal"} {
				if rec.Action == string(room.SecurityTokenRefused) && strings.Contains(rec.Details, `"reason":"`+surface+`: `) {
					seen[surface] = true
				}
			}
		}
		return seen["rest"] && seen["signal"]
	})
}
