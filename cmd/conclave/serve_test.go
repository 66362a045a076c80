package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/conclave-video/conclave/internal/testkit"
	"github.com/conclave-video/conclave/token"
)

// syncBuffer is a bytes.Buffer safe for a server goroutine writing while
// the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// serving is `conclave serve` running in the test.
type serving struct {
	stdout, stderr *syncBuffer
	stop           context.CancelFunc
	done           chan error
}

// startServe runs serve with args (plus free ports and a private data
// directory unless args set them) and waits until it prints that it runs,
// or fails. It returns the error serve ended with, if it did.
func startServe(t *testing.T, args ...string) (*serving, error) {
	t.Helper()
	has := func(flag string) bool {
		for _, a := range args {
			if a == flag || strings.HasPrefix(a, flag+"=") {
				return true
			}
		}
		return false
	}
	if !has("--data") {
		args = append(args, "--data", t.TempDir())
	}
	if !has("--addr") {
		args = append(args, "--addr", "127.0.0.1:0")
	}
	if !has("--rtc-port") {
		args = append(args, "--rtc-port", "0")
	}
	if !has("--admin-addr") {
		args = append(args, "--admin-addr", "127.0.0.1:0")
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &serving{stdout: new(syncBuffer), stderr: new(syncBuffer), stop: cancel, done: make(chan error, 1)}
	go func() { s.done <- runServe(ctx, args, s.stdout, s.stderr) }()
	deadline := time.After(testkit.DefaultWait())
	for !strings.Contains(s.stdout.String(), "Conclave is running at") {
		select {
		case err := <-s.done:
			cancel()
			return nil, err
		case <-deadline:
			cancel()
			t.Fatalf("serve %v did not start\nstdout:\n%s\nstderr:\n%s", args, s.stdout, s.stderr)
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-s.done:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(testkit.DefaultWait()):
			t.Error("serve did not stop")
		}
	})
	return s, nil
}

// TestServeDevRefusesNonLoopback: the dev server mints join tokens for
// anyone who asks, so --dev listens on loopback only unless told
// otherwise, and the refusal names the flag that overrides it.
func TestServeDevRefusesNonLoopback(t *testing.T) {
	for _, addr := range []string{"192.0.2.2:0", "0.0.0.0:0", ":0", "[::]:0", "example.com:0", "[2001:db8::1]:0"} {
		s, err := startServe(t, "--dev", "--addr", addr)
		if err == nil {
			t.Errorf("--dev --addr %s: started; stderr:\n%s", addr, s.stderr)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, "addr") || !strings.Contains(msg, "--dev-listen-any") || !strings.Contains(msg, "loopback") {
			t.Errorf("--dev --addr %s: %q; want an addr error naming --dev-listen-any", addr, msg)
		}
	}
	// The environment cannot sneak past it either.
	t.Setenv("CONCLAVE_ADDR", "0.0.0.0:0")
	if _, err := startServe(t, "--dev"); err == nil || !strings.Contains(err.Error(), "--dev-listen-any") {
		t.Errorf("--dev with CONCLAVE_ADDR=0.0.0.0:0: %v", err)
	}
}

// TestServeDevLoopback: every loopback form is accepted without a warning.
func TestServeDevLoopback(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:0", "localhost:0", "[::1]:0"} {
		s, err := startServe(t, "--dev", "--addr", addr)
		if err != nil {
			if addr == "[::1]:0" && strings.Contains(err.Error(), "assign requested address") {
				continue // no IPv6 loopback on this machine: nothing to listen on
			}
			t.Errorf("--dev --addr %s: %v", addr, err)
			continue
		}
		if strings.Contains(s.stderr.String(), "dev-listen-any") {
			t.Errorf("--dev --addr %s warned:\n%s", addr, s.stderr)
		}
		s.stop()
		<-s.done
		s.done <- nil
	}
}

// TestServeDevListenAny: the override works and says so on every start.
func TestServeDevListenAny(t *testing.T) {
	data := t.TempDir()
	for range 2 {
		s, err := startServe(t, "--dev", "--dev-listen-any", "--addr", "0.0.0.0:0", "--data", data)
		if err != nil {
			t.Fatal(err)
		}
		if e := s.stderr.String(); !strings.Contains(e, "WARN") || !strings.Contains(e, "dev-listen-any") || !strings.Contains(e, "0.0.0.0") {
			t.Errorf("no warning on start:\n%s", e)
		}
		s.stop()
		if err := <-s.done; err != nil {
			t.Fatal(err)
		}
		s.done <- nil
	}
}

// devKeyID is the key id serve --dev printed.
func devKeyID(t *testing.T, stdout string) string {
	t.Helper()
	m := regexp.MustCompile(`key id:\s+(CK[A-Z2-7]{12})`).FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("no key id in:\n%s", stdout)
	}
	return m[1]
}

// TestServeDevNeverReplacesCredentials: serve --dev reuses its key, and a
// credentials file it cannot use is left exactly as it is — it may hold
// the only copy of a private key — with an error that says how to fix it.
func TestServeDevNeverReplacesCredentials(t *testing.T) {
	data := t.TempDir()
	path := filepath.Join(data, "credentials.json")
	first, err := startServe(t, "--dev", "--data", data)
	if err != nil {
		t.Fatal(err)
	}
	id := devKeyID(t, first.stdout.String())
	first.stop()
	if err := <-first.done; err != nil {
		t.Fatal(err)
	}
	first.done <- nil
	orig, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	origCreds, _, err := token.LoadCredentials(path)
	if err != nil {
		t.Fatal(err)
	}

	// A restart reuses the key.
	again, err := startServe(t, "--dev", "--data", data)
	if err != nil {
		t.Fatal(err)
	}
	if got := devKeyID(t, again.stdout.String()); got != id {
		t.Errorf("restart: key %s, want %s reused", got, id)
	}
	again.stop()
	<-again.done
	again.done <- nil

	refused := func(what string, mode os.FileMode, wantMsg ...string) {
		t.Helper()
		before, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		s, err := startServe(t, "--dev", "--data", data)
		if err == nil {
			t.Errorf("%s: serve --dev started:\n%s", what, s.stdout)
			s.stop()
			<-s.done
			s.done <- nil
			return
		}
		t.Logf("%s: %v", what, err)
		for _, m := range wantMsg {
			if !strings.Contains(err.Error(), m) {
				t.Errorf("%s: error %q does not say %q", what, err, m)
			}
		}
		after, rerr := os.ReadFile(path)
		if rerr != nil || !bytes.Equal(after, before) {
			t.Errorf("%s: credentials file changed (%v)", what, rerr)
		}
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != mode {
			t.Errorf("%s: credentials file mode now %v (%v), want %04o", what, fi.Mode().Perm(), err, mode)
		}
	}

	// Readable by others: refused, with the command that fixes it.
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	refused("mode 0644", 0o644, "chmod 600 "+path)
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}

	// Damaged: refused, untouched.
	if err := os.WriteFile(path, append(append([]byte{}, orig...), "garbage"...), 0o600); err != nil {
		t.Fatal(err)
	}
	refused("damaged file", 0o600, path)
	if err := os.WriteFile(path, orig, 0o600); err != nil {
		t.Fatal(err)
	}

	// The database was reset but the key file kept: the key is registered
	// again, not replaced.
	for _, f := range []string{"conclave.db", "conclave.db-wal", "conclave.db-shm"} {
		_ = os.Remove(filepath.Join(data, f))
	}
	reset, err := startServe(t, "--dev", "--data", data)
	if err != nil {
		t.Fatal(err)
	}
	if got := devKeyID(t, reset.stdout.String()); got != id {
		t.Errorf("after a database reset: key %s, want %s registered again", got, id)
	}
	reset.stop()
	<-reset.done
	reset.done <- nil
	// Only the URL (a new port) may have changed.
	if c, k, err := token.LoadCredentials(path); err != nil || c.KeyID != id || k.ID != id || c.PrivateKey != origCreds.PrivateKey {
		t.Errorf("credentials after a database reset: %+v, %v; want key %s kept", c.KeyID, err, id)
	}

	// Revoked: refused, untouched, and told what to do.
	if _, err := apikeyRun(t, apikeyCmd, "revoke", id, "--data", data); err != nil {
		t.Fatal(err)
	}
	refused("revoked key", 0o600, id, "revoked", path)
}
