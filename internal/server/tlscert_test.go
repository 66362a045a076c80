package server

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func TestLoadOrCreateCertificate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tls")
	first, err := LoadOrCreateCertificate(dir, []string{"meet.example.com", "192.0.2.10"}, t0)
	if err != nil {
		t.Fatal(err)
	}
	leaf := first.Leaf
	for _, h := range []string{"meet.example.com", "192.0.2.10", "localhost", "127.0.0.1", "::1"} {
		if err := leaf.VerifyHostname(h); err != nil {
			t.Errorf("certificate does not cover %s: %v", h, err)
		}
	}
	if leaf.PublicKeyAlgorithm != x509.ECDSA {
		t.Errorf("key algorithm %v, want ECDSA", leaf.PublicKeyAlgorithm)
	}
	if got := leaf.NotAfter.Sub(t0); got < 364*24*time.Hour || got > 366*24*time.Hour {
		t.Errorf("valid for %v, want a year", got)
	}

	t.Run("permissions", func(t *testing.T) {
		for path, want := range map[string]os.FileMode{
			dir: 0o700, filepath.Join(dir, KeyFileName): 0o600, filepath.Join(dir, CertFileName): 0o644,
		} {
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if got := fi.Mode().Perm(); got != want {
				t.Errorf("%s mode %o, want %o", path, got, want)
			}
		}
		entries, _ := os.ReadDir(dir)
		if len(entries) != 2 {
			t.Errorf("dir holds %d entries, want only the two files", len(entries))
		}
	})

	t.Run("reused", func(t *testing.T) {
		again, err := LoadOrCreateCertificate(dir, []string{"meet.example.com"}, t0.Add(100*24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if again.Leaf.SerialNumber.Cmp(leaf.SerialNumber) != 0 {
			t.Error("certificate regenerated, want it reused")
		}
	})

	t.Run("new host regenerates", func(t *testing.T) {
		other, err := LoadOrCreateCertificate(dir, []string{"meet.example.com", "192.0.2.10", "other.example.com"}, t0)
		if err != nil {
			t.Fatal(err)
		}
		if other.Leaf.SerialNumber.Cmp(leaf.SerialNumber) == 0 || other.Leaf.VerifyHostname("other.example.com") != nil {
			t.Error("certificate not regenerated for a new host")
		}
		leaf = other.Leaf
	})

	t.Run("expired regenerated", func(t *testing.T) {
		later := t0.Add(400 * 24 * time.Hour)
		fresh, err := LoadOrCreateCertificate(dir, nil, later)
		if err != nil {
			t.Fatal(err)
		}
		if fresh.Leaf.SerialNumber.Cmp(leaf.SerialNumber) == 0 {
			t.Fatal("expired certificate reused")
		}
		if !fresh.Leaf.NotAfter.After(later) {
			t.Errorf("new certificate expires %v", fresh.Leaf.NotAfter)
		}
		reloaded, err := LoadOrCreateCertificate(dir, nil, later)
		if err != nil || reloaded.Leaf.SerialNumber.Cmp(fresh.Leaf.SerialNumber) != 0 {
			t.Errorf("regenerated certificate not persisted: %v", err)
		}
	})
}

func TestLoadOrCreateCertificateMismatchedKey(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	if _, err := LoadOrCreateCertificate(a, nil, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateCertificate(b, nil, t0); err != nil {
		t.Fatal(err)
	}
	key, _ := os.ReadFile(filepath.Join(b, KeyFileName))
	if err := os.WriteFile(filepath.Join(a, KeyFileName), key, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateCertificate(a, nil, t0); err == nil || !strings.Contains(err.Error(), "does not match") {
		t.Errorf("mismatched key: err = %v", err)
	}
	if err := os.WriteFile(filepath.Join(a, CertFileName), []byte("garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateCertificate(a, nil, t0); err == nil {
		t.Error("garbage certificate accepted")
	}
}

func TestTLSConfigHandshake(t *testing.T) {
	cert, err := LoadOrCreateCertificate(t.TempDir(), nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	cfg := TLSConfig(cert)
	if cfg.MinVersion != tls.VersionTLS12 {
		t.Errorf("MinVersion %x", cfg.MinVersion)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_ = c.(*tls.Conn).Handshake()
			c.Close()
		}
	}()
	pool := x509.NewCertPool()
	pool.AddCert(cert.Leaf)
	if c, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{RootCAs: pool, MaxVersion: tls.VersionTLS11, ServerName: "localhost"}); err == nil {
		c.Close()
		t.Error("TLS 1.1 accepted")
	}
	conn, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{RootCAs: pool, ServerName: "localhost"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if v := conn.ConnectionState().Version; v != tls.VersionTLS13 {
		t.Errorf("negotiated %x, want TLS 1.3", v)
	}
}

// TestLoadOrCreateCertificateKeepsKey: a private key file is never
// replaced. A certificate made again (expired, new host, or missing) is
// made for the key already there, and a key file that cannot be used is
// an error, left untouched.
func TestLoadOrCreateCertificateKeepsKey(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tls")
	first, err := LoadOrCreateCertificate(dir, nil, t0)
	if err != nil {
		t.Fatal(err)
	}
	keyPath, certPath := filepath.Join(dir, KeyFileName), filepath.Join(dir, CertFileName)
	key, err := os.ReadFile(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	samePublicKey := func(c tls.Certificate) bool {
		return c.Leaf != nil && bytes.Equal(c.Leaf.RawSubjectPublicKeyInfo, first.Leaf.RawSubjectPublicKeyInfo)
	}
	check := func(what string, c tls.Certificate, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if now, _ := os.ReadFile(keyPath); !bytes.Equal(now, key) {
			t.Errorf("%s: key file replaced", what)
		}
		if !samePublicKey(c) {
			t.Errorf("%s: certificate is not for the key in the key file", what)
		}
	}

	c, err := LoadOrCreateCertificate(dir, []string{"new.example.com"}, t0)
	check("new host", c, err)
	if c.Leaf.VerifyHostname("new.example.com") != nil {
		t.Error("new host: not covered")
	}
	c, err = LoadOrCreateCertificate(dir, nil, t0.Add(400*24*time.Hour))
	check("expired", c, err)
	if err := os.Remove(certPath); err != nil {
		t.Fatal(err)
	}
	c, err = LoadOrCreateCertificate(dir, nil, t0)
	check("certificate missing", c, err)

	// A key file that cannot be used stops the server and stays as it is.
	if err := os.Remove(certPath); err != nil {
		t.Fatal(err)
	}
	bad := []byte("-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n")
	if err := os.WriteFile(keyPath, bad, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateCertificate(dir, nil, t0); err == nil || !strings.Contains(err.Error(), keyPath) {
		t.Errorf("unusable key file: %v, want an error naming %s", err, keyPath)
	}
	if now, _ := os.ReadFile(keyPath); !bytes.Equal(now, bad) {
		t.Error("unusable key file replaced")
	}
}
