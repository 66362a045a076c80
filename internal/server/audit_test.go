package server_test

import (
	"context"
	"crypto/ed25519"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/conclave-video/conclave/internal/audit"
	"github.com/conclave-video/conclave/internal/config"
	"github.com/conclave-video/conclave/internal/store"
	"github.com/conclave-video/conclave/internal/testkit"
)

// auditRecords reads every record of the server's audit log.
func auditRecords(t *testing.T, st store.AuditLog) []store.AuditRecord {
	t.Helper()
	var out []store.AuditRecord
	err := st.ReadAudit(context.Background(), func(r store.AuditReader) error {
		var err error
		out, err = r.AuditRecords(context.Background(), 0, 10000)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// A failed sign-in and a join, through the real HTTP and WebSocket paths,
// land in the audit log, without the password; the log verifies with the
// server's public key, and its checkpoint interval signs them.
func TestAuditLogRecordsSecurityEvents(t *testing.T) {
	e := newEnv(t, func(c *config.Config) { c.Audit.CheckpointInterval = time.Second })
	const password = "correct horse battery staple, wrong"
	r := e.do("POST", "/v1/auth/signin", `{"email":"Mallory@Example.org","password":"`+password+`"}`, "Content-Type", "application/json")
	if r.status != http.StatusUnauthorized {
		t.Fatalf("sign-in: %d %s", r.status, r.body)
	}
	e.Connect(context.Background(), t, "audited-room", "alice")

	st := e.Srv.Store()
	var failed, joined store.AuditRecord
	testkit.Eventually(t, "the failed sign-in and the join in the audit log", func() bool {
		failed, joined = store.AuditRecord{}, store.AuditRecord{}
		for _, rec := range auditRecords(t, st) {
			switch {
			case rec.Action == "signin_failed":
				failed = rec
			case rec.Action == audit.ActionDecision && rec.Actor == "alice" && rec.Room == "audited-room":
				joined = rec
			}
		}
		return failed.Seq != 0 && joined.Seq != 0
	})
	if failed.IP != "127.0.0.1" || !strings.Contains(failed.Details, `"email":"mallory@example.org"`) ||
		!strings.Contains(failed.Details, `"outcome":"refused"`) {
		t.Errorf("the failed sign-in's record: %+v", failed)
	}
	if !strings.Contains(joined.Details, `"action":"join"`) || !strings.Contains(joined.Details, `"outcome":"admitted"`) {
		t.Errorf("the join's record: %+v", joined)
	}
	for _, rec := range auditRecords(t, st) {
		if strings.Contains(rec.Details+rec.Actor+rec.Target, password) {
			t.Fatalf("a password in the audit log: %+v", rec)
		}
	}

	pub := e.Srv.ServerKey().Private.Public().(ed25519.PublicKey)
	last := max(failed.Seq, joined.Seq)
	testkit.Eventually(t, "a checkpoint that signs both", func() bool {
		rep, err := audit.Verify(context.Background(), st, []ed25519.PublicKey{pub})
		if err != nil {
			t.Fatalf("the server's audit log does not verify: %v", err)
		}
		return rep.SignedThrough >= last
	})
}
