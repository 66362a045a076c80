package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func policyRun(t *testing.T, env []string, args ...string) (stdout string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = policyCmd{stdout: &out, stderr: &errOut, env: env, author: func() string { return "operator:test" }}.run(context.Background(), args)
	return out.String(), err
}

func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPolicyCommand(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")

	// Without a stored version, show prints the defaults seeded from the
	// configuration (here its environment).
	out, err := policyRun(t, []string{"CONCLAVE_ACCOUNTS_SIGNUP=open"}, "show", "--data", data)
	if err != nil || !strings.Contains(out, "No version is stored") || !strings.Contains(out, "signup: open\n") {
		t.Fatalf("show with nothing stored: %v\n%s", err, out)
	}

	bad := writeFile(t, dir, "bad.yaml", "chat: false\nscreen_sharing: false\n")
	_, err = policyRun(t, nil, "validate", bad)
	if err == nil || !strings.Contains(err.Error(), bad+":2: screen_sharing: unknown key") || exitCode(err) != 1 {
		t.Fatalf("validate of an unknown key = %v (exit %d)", err, exitCode(err))
	}
	_, err = policyRun(t, nil, "apply", bad, "--data", data)
	if err == nil || !strings.Contains(err.Error(), ":2:") || !strings.Contains(err.Error(), "not applied") || exitCode(err) != 1 {
		t.Fatalf("apply of an invalid file = %v", err)
	}
	out, _ = policyRun(t, nil, "show", "--data", data)
	if !strings.Contains(out, "No version is stored") {
		t.Fatalf("an invalid file was stored:\n%s", out)
	}

	good := writeFile(t, dir, "good.yaml", "chat: false\nallowed_email_domains: [example.org]\n")
	if out, err := policyRun(t, nil, "validate", good); err != nil || !strings.Contains(out, "chat: false") {
		t.Fatalf("validate of a good file: %v\n%s", err, out)
	}
	if out, err := policyRun(t, nil, "apply", good, "--data", data); err != nil || !strings.Contains(out, "version 1") {
		t.Fatalf("apply: %v\n%s", err, out)
	}
	out, err = policyRun(t, []string{"CONCLAVE_ACCOUNTS_SIGNUP=open"}, "show", "--data", data, "--versions", "5")
	if err != nil || !strings.Contains(out, "Version 1") || !strings.Contains(out, "operator:test") ||
		!strings.Contains(out, "chat: false\n") || !strings.Contains(out, "signup: invite\n") || !strings.Contains(out, "allowed_email_domains: [example.org]") {
		t.Fatalf("show after apply (a stored version ignores the configuration): %v\n%s", err, out)
	}

	// A lost update: apply based on version 0 when 1 is the newest.
	_, err = policyRun(t, nil, "apply", good, "--data", data, "--if-version", "0")
	if err == nil || exitCode(err) != 3 {
		t.Fatalf("apply on a stale version = %v (exit %d), want exit 3", err, exitCode(err))
	}
	if out, err := policyRun(t, nil, "apply", good, "--data", data, "--if-version", "1"); err != nil || !strings.Contains(out, "version 2") {
		t.Fatalf("apply on the newest version: %v\n%s", err, out)
	}

	for _, args := range [][]string{{}, {"frobnicate"}, {"validate"}, {"apply"}, {"show", "extra"}} {
		if _, err := policyRun(t, nil, args...); exitCode(err) != 2 {
			t.Errorf("policy %v = %v, want a usage error", args, err)
		}
	}
}
