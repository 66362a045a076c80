package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/conclave-video/conclave/internal/audit"
	"github.com/conclave-video/conclave/internal/auth"
	"github.com/conclave-video/conclave/internal/doctor"
	"github.com/conclave-video/conclave/internal/server"
	"github.com/conclave-video/conclave/internal/store"
	"github.com/conclave-video/conclave/token"
)

// doctorInstall is a production installation done right, made of the real
// parts: a data directory with mode 0700, a SQLite database, the server
// key (file and API key), a signed audit log, an admin with a second
// factor, and a certificate from a CA configured in a YAML file. Each test
// makes one thing about it weak.
type doctorInstall struct {
	root, data, cfgFile string
	certFile, keyFile   string
	st                  *store.SQLite
	now                 time.Time
	config              map[string]string // top-level YAML lines, key → value
	build               doctor.Build
	env                 []string
}

func newDoctorInstall(t *testing.T) *doctorInstall {
	t.Helper()
	ctx := context.Background()
	root := t.TempDir()
	in := &doctorInstall{
		root: root, data: filepath.Join(root, "data"),
		certFile: filepath.Join(root, "cert.pem"), keyFile: filepath.Join(root, "key.pem"),
		now:   time.Now(),
		build: doctor.Build{Date: time.Now().Add(-10 * 24 * time.Hour), GoVersion: "go1.26.8"},
	}
	in.config = map[string]string{"data_dir": in.data}
	if err := os.Mkdir(in.data, 0o700); err != nil {
		t.Fatal(err)
	}
	in.st = userStore(t, in.data)

	rec, priv, err := auth.NewAPIKey(server.ServerKeyName, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rec.CreatedAt = in.now.Add(-24 * time.Hour)
	if err := in.st.CreateAPIKey(ctx, rec); err != nil {
		t.Fatal(err)
	}
	if err := token.WriteCredentials(filepath.Join(in.data, server.ServerKeyFile), token.Credentials{KeyID: rec.ID, PrivateKey: token.FormatPrivateKey(priv)}); err != nil {
		t.Fatal(err)
	}
	admin := userCreate(t, in.data, "admin@example.org", "--admin")
	if _, err := in.st.UpdateUser(ctx, admin.ID, func(u *store.User) error {
		u.TOTPSecret, u.TOTPEnabled = bytes.Repeat([]byte{7}, 20), true
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	lg, err := audit.New(audit.Config{Store: in.st, KeyID: rec.ID, Key: priv, CheckpointRecords: 5})
	if err != nil {
		t.Fatal(err)
	}
	// Last, so that a checkpoint covers every record.
	for i := range 12 {
		if _, err := lg.Append(ctx, audit.Entry{Action: "signin_failed", Actor: fmt.Sprint("user-", i+1), IP: "192.0.2.1"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := lg.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}

	in.writeCert(t, in.now.Add(-time.Hour), in.now.Add(90*24*time.Hour), false)
	in.config["tls"] = fmt.Sprintf("{cert_file: %q, key_file: %q}", in.certFile, in.keyFile)
	return in
}

// writeCert writes a certificate for localhost valid from notBefore to
// notAfter: signed by a throwaway CA, or by itself.
func (in *doctorInstall) writeCert(t *testing.T, notBefore, notAfter time.Time, selfSigned bool) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	leaf := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "localhost"}, DNSNames: []string{"localhost"},
		NotBefore: notBefore, NotAfter: notAfter,
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	parent, parentKey := leaf, key
	if !selfSigned {
		caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		parent = &x509.Certificate{
			SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Test CA"},
			NotBefore: notBefore.Add(-time.Hour), NotAfter: notAfter.Add(time.Hour),
			IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
		}
		parentKey = caKey
	}
	der, err := x509.CreateCertificate(rand.Reader, leaf, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalPKCS8PrivateKey(key)
	if err := os.WriteFile(in.certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(in.keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// doctorResult is one run of `conclave doctor --json`.
type doctorResult struct {
	out    doctorJSON
	stdout string
	err    error
}

func (r doctorResult) find(id string) []doctor.Finding {
	var fs []doctor.Finding
	for _, f := range r.out.Findings {
		if f.ID == id {
			fs = append(fs, f)
		}
	}
	return fs
}

func (in *doctorInstall) run(t *testing.T, args ...string) doctorResult {
	t.Helper()
	var yaml strings.Builder
	for k, v := range in.config {
		fmt.Fprintf(&yaml, "%s: %s\n", k, v)
	}
	in.cfgFile = filepath.Join(in.root, "conclave.yaml")
	if err := os.WriteFile(in.cfgFile, []byte(yaml.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	cmd := doctorCmd{stdout: &stdout, stderr: &stderr, env: in.env,
		now: func() time.Time { return in.now }, build: func() doctor.Build { return in.build }}
	err := cmd.run(context.Background(), append([]string{"--config", in.cfgFile, "--json"}, args...))
	r := doctorResult{stdout: stdout.String(), err: err}
	if err := json.Unmarshal(stdout.Bytes(), &r.out); err != nil {
		t.Fatalf("doctor --json: %v (err %v)\n%s\nstderr: %s", err, r.err, stdout.String(), stderr.String())
	}
	return r
}

// checkExit: exit 1 exactly when there is a high finding, 0 otherwise.
func (r doctorResult) checkExit(t *testing.T) {
	t.Helper()
	high := r.out.Count(doctor.High)
	switch {
	case high > 0 && exitCode(r.err) != 1:
		t.Errorf("%d high findings, exit %d (err %v), want 1", high, exitCode(r.err), r.err)
	case high > 0 && !errors.As(r.err, new(highFindings)):
		t.Errorf("%d high findings, err %v, want highFindings", high, r.err)
	case high == 0 && r.err != nil:
		t.Errorf("no high finding, err %v (exit %d), want exit 0", r.err, exitCode(r.err))
	}
	if r.out.Summary[doctor.High] != high || r.out.Schema != doctorSchema {
		t.Errorf("summary %v, schema %d; want %d high, schema %d", r.out.Summary, r.out.Schema, high, doctorSchema)
	}
}

// The installation done right has no finding at all: each finding below
// comes from the one weakness its test makes.
func TestDoctorSoundInstallation(t *testing.T) {
	r := newDoctorInstall(t).run(t)
	if len(r.out.Findings) != 0 || r.err != nil {
		t.Fatalf("findings on a sound installation (err %v):\n%s", r.err, r.stdout)
	}
	if r.out.Dev || r.out.Checked.IsZero() || r.out.DataDir == "" {
		t.Errorf("report header: %+v", r.out.Report)
	}
}

func TestDoctorFindsEachWeakness(t *testing.T) {
	ctx := context.Background()
	day := 24 * time.Hour
	chmod := func(t *testing.T, path string, mode os.FileMode) {
		t.Helper()
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
	}
	addKey := func(t *testing.T, in *doctorInstall, name string, created time.Time) string {
		t.Helper()
		rec, _, err := auth.NewAPIKey(name, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		rec.CreatedAt = created
		if err := in.st.CreateAPIKey(ctx, rec); err != nil {
			t.Fatal(err)
		}
		return rec.ID
	}
	applyPolicy := func(t *testing.T, in *doctorInstall, text string) {
		t.Helper()
		if _, err := in.st.AddPolicyVersion(ctx, 0, store.PolicyVersion{YAML: text, Author: "operator:test", CreatedAt: in.now}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tt := range []struct {
		name     string
		weaken   func(t *testing.T, in *doctorInstall) (subject string)
		id       string
		severity doctor.Severity
	}{
		{"expired certificate", func(t *testing.T, in *doctorInstall) string {
			in.writeCert(t, in.now.Add(-400*day), in.now.Add(-day), false)
			return in.certFile
		}, "tls.expired", doctor.High},
		{"certificate expiring within 30 days", func(t *testing.T, in *doctorInstall) string {
			in.writeCert(t, in.now.Add(-60*day), in.now.Add(29*day), false)
			return in.certFile
		}, "tls.expiring", doctor.Medium},
		{"certificate not yet valid", func(t *testing.T, in *doctorInstall) string {
			in.writeCert(t, in.now.Add(day), in.now.Add(90*day), false)
			return in.certFile
		}, "tls.not_yet_valid", doctor.High},
		{"self-signed certificate configured", func(t *testing.T, in *doctorInstall) string {
			in.writeCert(t, in.now.Add(-time.Hour), in.now.Add(90*day), true)
			return in.certFile
		}, "tls.self_signed", doctor.High},
		{"self-signed certificate generated", func(t *testing.T, in *doctorInstall) string {
			delete(in.config, "tls")
			return filepath.Join(in.data, "tls", server.CertFileName)
		}, "tls.self_signed", doctor.High},
		{"certificate that does not parse", func(t *testing.T, in *doctorInstall) string {
			if err := os.WriteFile(in.certFile, []byte("-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			return in.certFile
		}, "tls.unreadable", doctor.High},
		{"TLS key readable by others", func(t *testing.T, in *doctorInstall) string {
			chmod(t, in.keyFile, 0o644)
			return in.keyFile
		}, "keys.readable", doctor.High},
		{"server key readable by the group", func(t *testing.T, in *doctorInstall) string {
			p := filepath.Join(in.data, server.ServerKeyFile)
			chmod(t, p, 0o640)
			return p
		}, "keys.readable", doctor.High},
		{"admin listener on every address", func(t *testing.T, in *doctorInstall) string {
			in.config["admin_addr"] = `"0.0.0.0:9090"`
			return "0.0.0.0:9090"
		}, "admin.exposed", doctor.High},
		{"admin listener on a public name", func(t *testing.T, in *doctorInstall) string {
			in.env = []string{"CONCLAVE_ADMIN_ADDR=meet.example.org:9090"}
			return "meet.example.org:9090"
		}, "admin.exposed", doctor.High},
		{"data directory listable", func(t *testing.T, in *doctorInstall) string {
			chmod(t, in.data, 0o755)
			return in.data
		}, "data.dir_open", doctor.Medium},
		{"data directory writable by the group", func(t *testing.T, in *doctorInstall) string {
			chmod(t, in.data, 0o770)
			return in.data
		}, "data.dir_writable", doctor.High},
		{"database readable by others", func(t *testing.T, in *doctorInstall) string {
			p := filepath.Join(in.data, "conclave.db")
			chmod(t, p, 0o644)
			return p
		}, "data.database_readable", doctor.High},
		{"open signup in the stored policy", func(t *testing.T, in *doctorInstall) string {
			applyPolicy(t, in, "signup: open\n")
			return ""
		}, "policy.open_signup", doctor.Medium},
		{"open signup seeded from the configuration", func(t *testing.T, in *doctorInstall) string {
			in.config["accounts"] = "{signup: open}"
			return ""
		}, "policy.open_signup", doctor.Medium},
		{"second factor not required for admins", func(t *testing.T, in *doctorInstall) string {
			applyPolicy(t, in, "require_second_factor: none\n")
			return ""
		}, "policy.admin_second_factor", doctor.Medium},
		{"a stored policy the server would refuse", func(t *testing.T, in *doctorInstall) string {
			applyPolicy(t, in, "no_such_rule: true\n")
			return "version 1"
		}, "policy.invalid", doctor.High},
		{"E2EE not required", func(t *testing.T, in *doctorInstall) string {
			applyPolicy(t, in, "require_e2ee: false\n")
			return ""
		}, "policy.e2ee_not_required", doctor.Medium},
		{"admin without a second factor, not required", func(t *testing.T, in *doctorInstall) string {
			applyPolicy(t, in, "require_second_factor: none\n")
			return userCreate(t, in.data, "second-admin@example.org", "--admin").ID
		}, "accounts.admin_without_second_factor", doctor.High},
		{"admin without a second factor, required at sign-in", func(t *testing.T, in *doctorInstall) string {
			return userCreate(t, in.data, "second-admin@example.org", "--admin").ID
		}, "accounts.admin_without_second_factor", doctor.Medium},
		{"API key older than the rotation period", func(t *testing.T, in *doctorInstall) string {
			in.config["doctor"] = "{api_key_rotation: 720h}"
			return addKey(t, in, "backend", in.now.Add(-31*day))
		}, "apikeys.rotation_due", doctor.Medium},
		{"dev API key outside dev mode", func(t *testing.T, in *doctorInstall) string {
			return addKey(t, in, doctor.DevKeyName, in.now.Add(-day))
		}, "apikeys.dev_key", doctor.High},
		{"audit record edited", func(t *testing.T, in *doctorInstall) string {
			tamper(t, in.data, `UPDATE audit_records SET ip = '203.0.113.1' WHERE seq = 7`)
			return "record 7"
		}, "audit.broken", doctor.High},
		{"audit log without the server key", func(t *testing.T, in *doctorInstall) string {
			p := filepath.Join(in.data, server.ServerKeyFile)
			if err := os.Remove(p); err != nil {
				t.Fatal(err)
			}
			return p
		}, "audit.unverifiable", doctor.Medium},
		{"binary older than max_binary_age", func(t *testing.T, in *doctorInstall) string {
			in.build.Date = in.now.Add(-100 * day)
			return ""
		}, "build.old", doctor.Low},
		{"binary older than twice max_binary_age", func(t *testing.T, in *doctorInstall) string {
			in.build.Date = in.now.Add(-200 * day)
			return ""
		}, "build.old", doctor.Medium},
		{"binary of unknown age", func(t *testing.T, in *doctorInstall) string {
			in.build.Date = time.Time{}
			return ""
		}, "build.date_unknown", doctor.Info},
		{"Go below the latest known patch", func(t *testing.T, in *doctorInstall) string {
			in.build.GoVersion = "go1.26.2"
			return "go1.26.2"
		}, "build.go_outdated", doctor.Medium},
		{"Go release out of support", func(t *testing.T, in *doctorInstall) string {
			in.build.GoVersion = "go1.24.13"
			return "go1.24.13"
		}, "build.go_outdated", doctor.Medium},
		{"dev mode listening beyond loopback", func(t *testing.T, in *doctorInstall) string {
			in.config["dev"], in.config["dev_listen_any"], in.config["addr"] = "true", "true", `"0.0.0.0:8443"`
			return ""
		}, "dev.listen_any", doctor.High},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in := newDoctorInstall(t)
			subject := tt.weaken(t, in)
			r := in.run(t)
			fs := r.find(tt.id)
			if len(fs) != 1 {
				t.Fatalf("want one %s finding, got %d:\n%s", tt.id, len(fs), r.stdout)
			}
			f := fs[0]
			if f.Severity != tt.severity || f.Subject != subject || f.Message == "" || f.Fix == "" || f.ImpliedByDev {
				t.Errorf("finding %+v; want severity %s, subject %q, a message and a fix", f, tt.severity, subject)
			}
			r.checkExit(t)
		})
	}
}

// The data directory `serve --dev` leaves, audited with --dev: what dev
// mode does on purpose is labelled so and is info, there is no high
// finding, the text says so; without --dev the same findings are high.
func TestDoctorDevDefault(t *testing.T) {
	data := t.TempDir()
	if _, err := startServe(t, "--dev", "--data", data); err != nil {
		t.Fatal(err)
	}
	build := func() doctor.Build { return doctor.Build{Date: time.Now().Add(-24 * time.Hour), GoVersion: "go1.26.8"} }
	run := func(args ...string) (string, error) {
		var stdout, stderr bytes.Buffer
		err := doctorCmd{stdout: &stdout, stderr: &stderr, now: time.Now, build: build}.run(context.Background(), append(args, "--data", data))
		return stdout.String(), err
	}

	out, err := run("--dev", "--json")
	if err != nil {
		t.Fatalf("doctor --dev: %v (exit %d)\n%s", err, exitCode(err), out)
	}
	// The documented schema, read without the command's own types.
	var doc struct {
		Schema   *int           `json:"schema"`
		Dev      *bool          `json:"dev"`
		DataDir  *string        `json:"data_dir"`
		Checked  *time.Time     `json:"checked_at"`
		Summary  map[string]int `json:"summary"`
		Findings []map[string]any
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("--json: %v\n%s", err, out)
	}
	if doc.Schema == nil || *doc.Schema != 1 || doc.Dev == nil || !*doc.Dev || doc.DataDir == nil || doc.Checked == nil || doc.Summary["high"] != 0 || len(doc.Summary) != 4 {
		t.Errorf("--json header: %s", out)
	}
	implied := map[string]bool{}
	for _, f := range doc.Findings {
		for _, k := range []string{"id", "severity", "message", "fix", "implied_by_dev"} {
			if _, ok := f[k]; !ok {
				t.Errorf("finding %v has no %q", f, k)
			}
		}
		if f["severity"] == "high" {
			t.Errorf("high finding in dev mode: %v", f)
		}
		if f["implied_by_dev"] == true {
			implied[f["id"].(string)] = true
		}
	}
	for _, id := range []string{"dev.mode", "tls.self_signed", "apikeys.dev_key"} {
		if !implied[id] {
			t.Errorf("%s is not reported as implied by dev mode:\n%s", id, out)
		}
	}

	text, err := run("--dev")
	if err != nil || !strings.Contains(text, "Implied by dev mode and reported as info: 3; there is no high finding besides them.") ||
		!strings.Contains(text, "(implied by dev mode)") {
		t.Errorf("doctor --dev (err %v):\n%s", err, text)
	}

	// Without --dev the same installation is not fit for production.
	out, err = run("--json")
	var prod doctorJSON
	if jerr := json.Unmarshal([]byte(out), &prod); jerr != nil {
		t.Fatal(jerr)
	}
	for _, id := range []string{"tls.self_signed", "apikeys.dev_key"} {
		if fs := (doctorResult{out: prod}).find(id); len(fs) != 1 || fs[0].Severity != doctor.High || fs[0].ImpliedByDev {
			t.Errorf("without --dev, %s: %+v", id, fs)
		}
	}
	if exitCode(err) != 1 {
		t.Errorf("without --dev: exit %d (%v), want 1", exitCode(err), err)
	}
}

func TestDoctorUsageErrors(t *testing.T) {
	for _, args := range [][]string{{"extra"}, {"--bogus"}, {"--json=maybe"}} {
		var stdout, stderr bytes.Buffer
		err := doctorCmd{stdout: &stdout, stderr: &stderr, now: time.Now, build: binaryBuild}.run(context.Background(), args)
		if exitCode(err) != 2 {
			t.Errorf("doctor %v: exit %d (%v), want 2", args, exitCode(err), err)
		}
	}
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"doctor", "--config", filepath.Join(t.TempDir(), "missing.yaml")}, &stdout, &stderr); exitCode(err) != 1 {
		t.Errorf("doctor with a missing config file: exit %d (%v), want 1", exitCode(err), err)
	}
}
