package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/conclave-video/conclave/internal/store"
	"github.com/conclave-video/conclave/internal/testkit/testserver"
)

// TestAPIKeyAudited: `apikey create` and `apikey revoke` against a
// running server's data directory are in its audit log (actor operator,
// the key's id, never its private half), and the log still verifies.
func TestAPIKeyAudited(t *testing.T) {
	s := testserver.Start(t)
	data := s.Config.DataDir
	out, err := apikeyRun(t, apikeyCmd, "create", "--name", "audited app", "--data", data, "--credentials", t.TempDir()+"/c.json")
	if err != nil {
		t.Fatal(err)
	}
	id := regexp.MustCompile(`key id:\s+(CK[A-Z2-7]{12})`).FindStringSubmatch(out)
	sk := regexp.MustCompile(`private key:\s+(ck_sk_\S+)`).FindStringSubmatch(out)
	if id == nil || sk == nil {
		t.Fatalf("create output:\n%s", out)
	}
	if _, err := apikeyRun(t, apikeyCmd, "revoke", id[1], "--data", data); err != nil {
		t.Fatal(err)
	}
	var recs []store.AuditRecord
	err = s.Srv.Store().ReadAudit(context.Background(), func(r store.AuditReader) error {
		recs, err = r.AuditRecords(context.Background(), 0, 10000)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, r := range recs {
		if strings.Contains(r.Details, sk[1]) {
			t.Fatalf("the private key in the audit log: %+v", r)
		}
		if r.Target == id[1] && r.Actor == "operator" {
			seen[r.Action] = true
		}
	}
	if !seen["api_key_created"] || !seen["api_key_revoked"] {
		t.Fatalf("audit records for %s: %v", id[1], seen)
	}
	if _, _, err := auditRun("verify", "--data", data); err != nil {
		t.Fatalf("audit verify after the command line's records: %v", err)
	}
}

// TestAPIKeyWithoutServerKey: before the server's first start there is
// no key to sign the log with: the key is made, and a warning says it is
// not in the audit log.
func TestAPIKeyWithoutServerKey(t *testing.T) {
	data := t.TempDir()
	var out, errOut bytes.Buffer
	err := runAPIKey(context.Background(), []string{"create", "--name", "early", "--data", data}, &out, &errOut)
	o := out.String()
	if err != nil || !strings.Contains(o, "API key created") || !strings.Contains(errOut.String(), "not recorded in the audit log") {
		t.Fatalf("create: %v\n%s\n%s", err, o, errOut.String())
	}
}
