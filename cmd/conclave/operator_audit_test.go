package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/conclave-video/conclave/internal/config"
	"github.com/conclave-video/conclave/internal/server"
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
	recs := auditRecords(t, s)
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

// TestUserCommandsAudited: every `conclave user` command that changes an
// account, run against a running server's data directory, is in its
// audit log as the security event the admin API records for the same
// change, by "operator" via the command line; the log still verifies.
func TestUserCommandsAudited(t *testing.T) {
	s := testserver.Start(t)
	data := s.Config.DataDir
	const email = "audited@example.org"
	h := cheapHasher(t)
	for _, args := range [][]string{
		{"create", "--email", email, "--password-stdin"},
		{"disable", "--email", email},
		{"enable", "--email", email},
		{"reset-password", "--email", email, "--password-stdin"},
		{"reset-2fa", "--email", email},
	} {
		if _, errOut, err := userRun(t, h, userTestPassword+"\n", append(args, "--data", data)...); err != nil || strings.Contains(errOut, "audit") {
			t.Fatalf("user %s: %v\n%s", args[0], err, errOut)
		}
	}
	u, err := s.Srv.Store().UserByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	recs := auditRecords(t, s)
	var got []string
	for _, r := range recs {
		if r.Target != u.ID {
			continue
		}
		if r.Actor != "operator" || !strings.Contains(r.Details, `"via":"command line"`) || !strings.Contains(r.Details, email) {
			t.Errorf("record %+v: want actor operator, via the command line, the account's email", r)
		}
		if strings.Contains(r.Details, userTestPassword) {
			t.Fatalf("a password in the audit log: %+v", r)
		}
		got = append(got, r.Action+" "+reasonOf(r.Details))
	}
	want := []string{"user_created role_member", "user_updated disabled", "user_updated active", "password_reset operator_set", "second_factor_reset "}
	if strings.Join(got, ", ") != strings.Join(want, ", ") {
		t.Fatalf("records of %s:\n got %q\nwant %q", u.ID, got, want)
	}
	if _, _, err := auditRun("verify", "--data", data); err != nil {
		t.Fatalf("audit verify after the command line's records: %v", err)
	}
}

// auditRecords reads every record of the running server's audit log.
func auditRecords(t *testing.T, s *testserver.Server) []store.AuditRecord {
	t.Helper()
	var recs []store.AuditRecord
	err := s.Srv.Store().ReadAudit(context.Background(), func(r store.AuditReader) error {
		var err error
		recs, err = r.AuditRecords(context.Background(), 0, 10000)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// reasonOf is the reason in a record's details ("" for none).
func reasonOf(details string) string {
	var d map[string]string
	if err := json.Unmarshal([]byte(details), &d); err != nil {
		return "!" + err.Error()
	}
	return d["reason"]
}

// TestOperatorRefusedWithUnusableServerKey: a server key file the
// command line cannot use (open to others) would leave a change out of the
// audit log, so the change is refused and nothing is changed.
func TestOperatorRefusedWithUnusableServerKey(t *testing.T) {
	s := testserver.Start(t)
	data := s.Config.DataDir
	keyFile := filepath.Join(data, server.ServerKeyFile)
	if err := os.Chmod(keyFile, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Chmod(keyFile, 0o600) })
	_, _, err := userRun(t, cheapHasher(t), userTestPassword+"\n", "create", "--email", "unrecorded@example.org", "--password-stdin", "--data", data)
	if err == nil || !strings.Contains(err.Error(), "nothing was changed") {
		t.Fatalf("user create with an unusable server key: %v", err)
	}
	if _, err := s.Srv.Store().UserByEmail(context.Background(), "unrecorded@example.org"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the account was made anyway: %v", err)
	}
	if _, err := apikeyRun(t, apikeyCmd, "create", "--name", "unrecorded", "--data", data, "--credentials", t.TempDir()+"/c.json"); err == nil ||
		!strings.Contains(err.Error(), "nothing was changed") {
		t.Fatalf("apikey create with an unusable server key: %v", err)
	}
}

// TestFirstChangesBeforeTheServerStarts: before the server's first
// start there is no server key; `user create` (how the first admin is
// made) and `apikey create` make it as the server would (mode 0600), and
// record their changes with it; `audit verify` verifies them, and a
// server started on the directory then uses that key.
func TestFirstChangesBeforeTheServerStarts(t *testing.T) {
	data := t.TempDir()
	if err := os.Chmod(data, 0o700); err != nil {
		t.Fatal(err)
	}
	if _, stderr, err := userRun(t, cheapHasher(t), userTestPassword+"\n", "create", "--admin", "--email", "first@example.org", "--password-stdin", "--data", data); err != nil || stderr != "" {
		t.Fatalf("user create: %v\n%s", err, stderr)
	}
	var out, errOut bytes.Buffer
	if err := runAPIKey(context.Background(), []string{"create", "--name", "early", "--data", data, "--credentials", t.TempDir() + "/c.json"}, &out, &errOut); err != nil ||
		!strings.Contains(out.String(), "API key created") || errOut.String() != "" {
		t.Fatalf("apikey create: %v\n%s\n%s", err, out.String(), errOut.String())
	}
	fi, err := os.Stat(filepath.Join(data, server.ServerKeyFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("the server key file: %v %v", fi, err)
	}
	if o, stderr, err := auditRun("verify", "--data", data); err != nil {
		t.Fatalf("audit verify: %v\n%s\n%s", err, o, stderr)
	}
	st := userStore(t, data)
	var actions []string
	err = st.ReadAudit(context.Background(), func(r store.AuditReader) error {
		recs, err := r.AuditRecords(context.Background(), 0, 100)
		for _, rec := range recs {
			actions = append(actions, rec.Actor+" "+rec.Action)
		}
		return err
	})
	if err != nil || strings.Join(actions, ", ") != "operator user_created, operator api_key_created" {
		t.Fatalf("the audit log: %q, %v", actions, err)
	}
	key, err := serverKey(data)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	s := testserver.Start(t, func(c *config.Config) { c.DataDir = data })
	if got := s.Srv.ServerKey().ID; got != key.ID {
		t.Fatalf("the server uses key %s, not the one the command line made, %s", got, key.ID)
	}
}
