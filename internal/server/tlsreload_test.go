package server

import (
	"crypto/tls"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// TestCertReloader: a renewed certificate written over tls.cert_file and
// tls.key_file is served by the next handshakes (real TLS) once
// certCheckEvery has passed, with no restart; files that do not load
// leave the certificate in use serving.
func TestCertReloader(t *testing.T) {
	gen := func(name string) (certPEM, keyPEM []byte, serial string) {
		dir := filepath.Join(t.TempDir(), name)
		c, err := LoadOrCreateCertificate(dir, nil, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		certPEM, err = os.ReadFile(filepath.Join(dir, CertFileName))
		if err != nil {
			t.Fatal(err)
		}
		keyPEM, err = os.ReadFile(filepath.Join(dir, KeyFileName))
		if err != nil {
			t.Fatal(err)
		}
		return certPEM, keyPEM, c.Leaf.SerialNumber.String()
	}
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	stamp := time.Now().Add(-time.Hour)
	write := func(certPEM, keyPEM []byte) {
		t.Helper()
		stamp = stamp.Add(time.Minute) // a renewal's files are newer
		for p, b := range map[string][]byte{certFile: certPEM, keyFile: keyPEM} {
			if err := os.WriteFile(p, b, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chtimes(p, stamp, stamp); err != nil {
				t.Fatal(err)
			}
		}
	}
	certA, keyA, serialA := gen("a")
	certB, keyB, serialB := gen("b")
	write(certA, keyA)

	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	r, err := newCertReloader(certFile, keyFile, slog.New(slog.DiscardHandler), clock)
	if err != nil {
		t.Fatal(err)
	}

	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: r.GetCertificate})
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
			go func() { _ = c.(*tls.Conn).Handshake(); c.Close() }()
		}
	}()
	served := func() string {
		t.Helper()
		c, err := tls.DialWithDialer(&net.Dialer{Timeout: 10 * time.Second}, "tcp", ln.Addr().String(),
			&tls.Config{InsecureSkipVerify: true}) // the test checks which certificate, not its chain
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		return c.ConnectionState().PeerCertificates[0].SerialNumber.String()
	}

	if got := served(); got != serialA {
		t.Fatalf("served %s, want the first certificate %s", got, serialA)
	}
	write(certB, keyB)
	if got := served(); got != serialA {
		t.Fatalf("served %s within certCheckEvery of the last look, want still %s", got, serialA)
	}
	advance(certCheckEvery)
	if got := served(); got != serialB {
		t.Fatalf("after the renewal: served %s, want the new certificate %s", got, serialB)
	}

	// Half a renewal (a new certificate, the old key), then a damaged
	// file: the certificate in use stays.
	write(certA, keyB)
	advance(certCheckEvery)
	if got := served(); got != serialB {
		t.Fatalf("with a mismatched pair: served %s, want still %s", got, serialB)
	}
	write([]byte("not a certificate"), keyB)
	advance(certCheckEvery)
	if got := served(); got != serialB {
		t.Fatalf("with a damaged file: served %s, want still %s", got, serialB)
	}
	// The renewal completed: served at the next look.
	write(certA, keyA)
	advance(certCheckEvery)
	if got := served(); got != serialA {
		t.Fatalf("after the completed renewal: served %s, want %s", got, serialA)
	}
}
