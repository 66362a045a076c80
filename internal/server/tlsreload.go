package server

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"
)

// certCheckEvery is how often, at most, a TLS handshake looks at the
// configured certificate files for a renewal (docs/operations.md,
// "Rotating keys and certificates").
const certCheckEvery = 10 * time.Second

// certReloader serves the certificate of tls.cert_file and tls.key_file
// and picks up a renewed one without a restart: at most every
// certCheckEvery, a handshake looks at both files' size and modification
// time; when either changed, the pair is loaded again. A pair that does
// not load (a renewal half written, a key that does not match) leaves the
// certificate in use serving, is logged, and is tried again at the files'
// next change. No handshake waits on more than two stat calls and, once
// per change, one load.
type certReloader struct {
	certFile, keyFile string
	log               *slog.Logger
	now               func() time.Time

	mu      sync.Mutex
	cert    *tls.Certificate
	stamp   string // the files' size and time at the last load attempt
	checked time.Time
}

// newCertReloader loads the pair once; an error stops the start.
func newCertReloader(certFile, keyFile string, log *slog.Logger, now func() time.Time) (*certReloader, error) {
	if now == nil {
		now = time.Now
	}
	r := &certReloader{certFile: certFile, keyFile: keyFile, log: log, now: now}
	stamp, err := r.filesStamp()
	if err != nil {
		return nil, err
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("tls.cert_file: %w", err)
	}
	r.cert, r.stamp, r.checked = &cert, stamp, now()
	return r, nil
}

// filesStamp is the size and modification time of both files.
func (r *certReloader) filesStamp() (string, error) {
	var out string
	for _, p := range []string{r.certFile, r.keyFile} {
		fi, err := os.Stat(p)
		if err != nil {
			return "", fmt.Errorf("tls: %w", err)
		}
		out += fmt.Sprintf("%d@%d;", fi.Size(), fi.ModTime().UnixNano())
	}
	return out, nil
}

// Certificate is the certificate to serve now.
func (r *certReloader) Certificate() *tls.Certificate {
	now := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	if now.Sub(r.checked) < certCheckEvery {
		return r.cert
	}
	r.checked = now
	stamp, err := r.filesStamp()
	if err != nil || stamp == r.stamp {
		if err != nil && r.stamp != "" {
			r.log.Error("tls: the certificate files cannot be read; the loaded certificate stays in use", "err", err)
			r.stamp = ""
		}
		return r.cert
	}
	r.stamp = stamp
	cert, err := tls.LoadX509KeyPair(r.certFile, r.keyFile)
	if err != nil {
		r.log.Error("tls: the changed certificate files do not load; the loaded certificate stays in use", "err", err)
		return r.cert
	}
	r.cert = &cert
	r.log.Info("tls: certificate reloaded", "subject", cert.Leaf.Subject.String(), "not_after", cert.Leaf.NotAfter)
	return r.cert
}

// GetCertificate is tls.Config.GetCertificate.
func (r *certReloader) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	return r.Certificate(), nil
}
