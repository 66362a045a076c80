package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/conclave-video/conclave/internal/audit"
	"github.com/conclave-video/conclave/internal/server"
	"github.com/conclave-video/conclave/internal/store"
	"github.com/conclave-video/conclave/internal/testkit"
	"github.com/conclave-video/conclave/internal/testkit/testserver"
	"github.com/conclave-video/conclave/token"
)

func auditRun(args ...string) (stdout, stderr string, err error) {
	var out, errOut bytes.Buffer
	err = auditCmd{stdout: &out, stderr: &errOut, now: time.Now}.run(context.Background(), args)
	return out.String(), errOut.String(), err
}

// A real server: a failed sign-in over HTTPS lands in its audit log;
// `audit verify` verifies it while the server runs; `audit export` signs
// the newest records and writes them; `audit verify-export` checks the
// export with the public key `audit pubkey` printed, and nothing else.
func TestAuditCommandsOnARunningServer(t *testing.T) {
	s := testserver.Start(t)
	data := s.Config.DataDir
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: s.TLS}}
	resp, err := hc.Post(s.Srv.URL()+"/v1/auth/signin", "application/json",
		strings.NewReader(`{"email":"mallory@example.org","password":"not the password at all"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("sign-in: %d", resp.StatusCode)
	}
	testkit.Eventually(t, "the failed sign-in in the audit log", func() bool {
		found := false
		_ = s.Srv.Store().ReadAudit(context.Background(), func(r store.AuditReader) error {
			recs, err := r.AuditRecords(context.Background(), 0, 1000)
			for _, rec := range recs {
				found = found || rec.Action == "signin_failed" && strings.Contains(rec.Details, "mallory@example.org")
			}
			return err
		})
		return found
	})

	out, _, err := auditRun("verify", "--data", data)
	if err != nil || !strings.Contains(out, "the audit log verifies: records 1 to ") {
		t.Fatalf("verify: %v\n%s", err, out)
	}
	pub, _, err := auditRun("pubkey", "--data", data)
	pub = strings.TrimSpace(pub)
	if err != nil || !strings.HasPrefix(pub, "ck_pk_") {
		t.Fatalf("pubkey: %v %q", err, pub)
	}
	if k, err := audit.ParsePublicKey(pub); err != nil || !k.Equal(s.Srv.ServerKey().Private.Public()) {
		t.Fatalf("pubkey is not the server key's: %v", err)
	}

	file := filepath.Join(t.TempDir(), "audit.jsonl")
	if _, errOut, err := auditRun("export", "--since", "1h", "--data", data, "--out", file); err != nil || !strings.Contains(errOut, "exported ") {
		t.Fatalf("export: %v\n%s", err, errOut)
	}
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("export file: %v %v", fi, err)
	}
	out, _, err = auditRun("verify-export", file, "--pubkey", pub)
	if err != nil || !strings.Contains(out, "the export verifies: records 1 to ") {
		t.Fatalf("verify-export: %v\n%s", err, out)
	}
	body, _ := os.ReadFile(file)
	if !strings.Contains(string(body), `"action":"signin_failed"`) || strings.Contains(string(body), "not the password at all") {
		t.Fatalf("export:\n%s", body)
	}

	// Another key: refused, exit 1.
	other, _, _ := ed25519.GenerateKey(rand.Reader)
	_, _, err = auditRun("verify-export", file, "--pubkey", audit.FormatPublicKey(other))
	if !errors.Is(err, audit.ErrTampered) || exitCode(err) != 1 {
		t.Fatalf("verify-export with another key: %v (exit %d)", err, exitCode(err))
	}
}

// auditDataDir makes a data directory as the server leaves it (a server
// key, a database) with n records and a checkpoint every 10.
func auditDataDir(t *testing.T, n int) (dir string, lg *audit.Log, st *store.SQLite) {
	t.Helper()
	dir = t.TempDir()
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	key := token.Key{ID: "CKAUDITTEST234", Private: priv}
	if err := token.WriteCredentials(filepath.Join(dir, server.ServerKeyFile), token.Credentials{KeyID: key.ID, PrivateKey: token.FormatPrivateKey(priv)}); err != nil {
		t.Fatal(err)
	}
	st, err := store.OpenSQLite(context.Background(), filepath.Join(dir, "conclave.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clock := time.Now().Add(-48 * time.Hour)
	lg, err = audit.New(audit.Config{Store: st, KeyID: key.ID, Key: priv, CheckpointRecords: 10, Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		clock = clock.Add(time.Minute)
		if _, err := lg.Append(context.Background(), audit.Entry{Action: "signin_failed", Actor: fmt.Sprint("user-", i+1), IP: "192.0.2.1"}); err != nil {
			t.Fatal(err)
		}
	}
	return dir, lg, st
}

// tamper edits the database file directly, as someone with access to it
// would.
func tamper(t *testing.T, dir string, stmts ...string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "conclave.db")+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range append([]string{`DROP TRIGGER IF EXISTS audit_records_append_only`}, stmts...) {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// `audit verify` names the first bad sequence number of each kind of
// edit to the database and exits 1.
func TestAuditVerifyCommandFindsTampering(t *testing.T) {
	const cols = `seq, time, actor, action, target, ip, room, details, prev, hash`
	for _, tc := range []struct {
		name  string
		stmts []string
		want  string
	}{
		{"untouched", nil, ""},
		{"edited", []string{`UPDATE audit_records SET ip = '203.0.113.1' WHERE seq = 7`}, "record 7: modified"},
		{"deleted", []string{`DELETE FROM audit_records WHERE seq = 7`}, "record 7: missing"},
		{"inserted", []string{
			`UPDATE audit_records SET seq = seq + 1000 WHERE seq >= 7`,
			`UPDATE audit_records SET seq = seq - 999 WHERE seq >= 1000`,
			`INSERT INTO audit_records (` + cols + `) SELECT 7, time, 'intruder', action, target, ip, room, details, hash, hash FROM audit_records WHERE seq = 6`,
		}, "record 7: "},
		{"reordered", []string{
			`UPDATE audit_records SET seq = 1000 WHERE seq = 7`,
			`UPDATE audit_records SET seq = 7 WHERE seq = 8`,
			`UPDATE audit_records SET seq = 8 WHERE seq = 1000`,
		}, "record 7: modified"},
		{"truncated", []string{`DELETE FROM audit_records WHERE seq > 25`}, "records 26 to 30: missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, _, _ := auditDataDir(t, 30)
			tamper(t, dir, tc.stmts...)
			out, _, err := auditRun("verify", "--data", dir)
			if tc.want == "" {
				if err != nil || !strings.Contains(out, "records 1 to 30 (30), 3 signed checkpoints, signed through 30") {
					t.Fatalf("verify of an untouched log: %v\n%s", err, out)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) || exitCode(err) != 1 {
				t.Fatalf("verify = %v (exit %d), want %q", err, exitCode(err), tc.want)
			}
		})
	}
}

// A pruned log still verifies, in the database and exported.
func TestAuditCommandsAfterPruning(t *testing.T) {
	dir, lg, _ := auditDataDir(t, 30)
	if n, err := lg.Prune(context.Background(), time.Now().Add(-48*time.Hour+25*time.Minute)); err != nil || n != 20 {
		t.Fatalf("Prune = %d, %v", n, err)
	}
	out, _, err := auditRun("verify", "--data", dir)
	if err != nil || !strings.Contains(out, "records 21 to 30") || !strings.Contains(out, "records up to 20 pruned") {
		t.Fatalf("verify after pruning: %v\n%s", err, out)
	}
	pub, _, _ := auditRun("pubkey", "--data", dir)
	file := filepath.Join(t.TempDir(), "export.jsonl")
	if _, _, err := auditRun("export", "--since", "2000-01-01", "--data", dir, "--out", file, "--no-checkpoint"); err != nil {
		t.Fatal(err)
	}
	out, _, err = auditRun("verify-export", file, "--pubkey", strings.TrimSpace(pub))
	if err != nil || !strings.Contains(out, "records 21 to 30") {
		t.Fatalf("verify-export after pruning: %v\n%s", err, out)
	}
}

// Records after the last checkpoint: verify says so; export signs them
// first unless told not to, and an export without that does not verify.
func TestAuditExportSignsTheNewestRecords(t *testing.T) {
	dir, _, _ := auditDataDir(t, 25)
	out, _, err := auditRun("verify", "--data", dir)
	if err != nil || !strings.Contains(out, "records 21 to 25 are chained, not yet signed") {
		t.Fatalf("verify: %v\n%s", err, out)
	}
	pub, _, _ := auditRun("pubkey", "--data", dir)
	pub = strings.TrimSpace(pub)
	unsigned, _, err := auditRun("export", "--since", "72h", "--data", dir, "--no-checkpoint")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "e.jsonl")
	if err := os.WriteFile(file, []byte(unsigned), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := auditRun("verify-export", file, "--pubkey", pub); err == nil || !strings.Contains(err.Error(), "records 21 to 25: not covered") {
		t.Fatalf("verify-export of unsigned records: %v", err)
	}
	signed, _, err := auditRun("export", "--since", "72h", "--data", dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, []byte(signed), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, _, err := auditRun("verify-export", file, "--pubkey", pub); err != nil || !strings.Contains(out, "signed through 25") {
		t.Fatalf("verify-export: %v\n%s", err, out)
	}
}

func TestAuditUsageErrors(t *testing.T) {
	dir, _, _ := auditDataDir(t, 1)
	for _, args := range [][]string{
		{}, {"frobnicate"}, {"verify", "extra", "--data", dir}, {"export", "--data", dir}, {"export", "--since", "yesterday", "--data", dir},
		{"verify-export"}, {"verify-export", "f.jsonl"}, {"verify-export", "f.jsonl", "--pubkey", "ck_pk_short"},
		{"pubkey", "x"},
	} {
		if _, _, err := auditRun(args...); exitCode(err) != 2 {
			t.Errorf("audit %v = %v, want a usage error", args, err)
		}
	}
	// No database, no server key: errors, not an empty log.
	empty := t.TempDir()
	if _, _, err := auditRun("verify", "--data", empty); err == nil || exitCode(err) != 1 {
		t.Errorf("verify of an empty directory: %v", err)
	}
	if _, _, err := auditRun("pubkey", "--data", empty); err == nil || !regexp.MustCompile(`no server key .*server-key.json`).MatchString(err.Error()) {
		t.Errorf("pubkey without a key: %v", err)
	}
}

func TestParseSince(t *testing.T) {
	now := time.Date(2026, 8, 21, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"2026-08-01":                now.AddDate(0, 0, -20).Add(-12 * time.Hour),
		"2026-08-01T10:00:00Z":      time.Date(2026, 8, 1, 10, 0, 0, 0, time.UTC),
		"2026-08-01T10:00:00+02:00": time.Date(2026, 8, 1, 8, 0, 0, 0, time.UTC),
		"720h":                      now.Add(-720 * time.Hour),
	} {
		got, err := parseSince(in, now)
		if err != nil || !got.Equal(want) {
			t.Errorf("parseSince(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-1h", "yesterday", "2026-13-01"} {
		if _, err := parseSince(in, now); err == nil {
			t.Errorf("parseSince(%q) accepted", in)
		}
	}
}
