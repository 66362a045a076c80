package doctor

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/conclave-video/conclave/internal/config"
	"github.com/conclave-video/conclave/internal/server"
)

// CertExpiryWarning: a certificate that expires sooner than this is a
// medium finding (an expired one is high).
const CertExpiryWarning = 30 * 24 * time.Hour

// Files in the data directory (docs/operations.md, "Data directory").
const (
	databaseFile    = "conclave.db"
	credentialsFile = "credentials.json"
	tlsDir          = "tls"
)

// tls checks the certificate the server serves: the configured one, or
// the one it generates in the data directory.
func (a *auditor) tls() {
	c := a.o.Config.TLS
	certPath, keyPath := c.CertFile, c.KeyFile
	generated := certPath == ""
	if generated {
		certPath = filepath.Join(a.o.Config.DataDir, tlsDir, server.CertFileName)
		keyPath = filepath.Join(a.o.Config.DataDir, tlsDir, server.KeyFileName)
	}
	a.privateFile(keyPath, "the TLS private key")

	b, err := os.ReadFile(certPath)
	if generated && errors.Is(err, fs.ErrNotExist) {
		a.addDev(Finding{ID: "tls.self_signed", Severity: High, Subject: certPath,
			Message: "No tls.cert_file is configured: the server serves a self-signed certificate it generates, which browsers warn about and which teaches users to click through warnings.",
			Fix:     "Set tls.cert_file and tls.key_file to a certificate from a CA (e.g. ACME/Let's Encrypt) for the server's public name."})
		return
	}
	if err != nil {
		a.add(Finding{ID: "tls.unreadable", Severity: High, Subject: certPath,
			Message: fmt.Sprintf("The TLS certificate cannot be read: %v.", err),
			Fix:     "Point tls.cert_file at a readable PEM certificate chain (the server does not start without one)."})
		return
	}
	leaf, err := firstCertificate(b)
	if err != nil {
		a.add(Finding{ID: "tls.unreadable", Severity: High, Subject: certPath,
			Message: fmt.Sprintf("The TLS certificate does not parse: %v.", err),
			Fix:     "Replace it with a valid PEM certificate chain, leaf first."})
		return
	}
	now := a.o.Now
	switch {
	case now.After(leaf.NotAfter):
		a.add(Finding{ID: "tls.expired", Severity: High, Subject: certPath,
			Message: fmt.Sprintf("The TLS certificate expired on %s: clients refuse the connection.", leaf.NotAfter.UTC().Format(time.DateOnly)),
			Fix:     renewFix(generated)})
	case now.Before(leaf.NotBefore):
		a.add(Finding{ID: "tls.not_yet_valid", Severity: High, Subject: certPath,
			Message: fmt.Sprintf("The TLS certificate is not valid before %s: clients refuse the connection (or this machine's clock is wrong).", leaf.NotBefore.UTC().Format(time.RFC3339)),
			Fix:     "Check the system clock, then the certificate's dates."})
	case leaf.NotAfter.Sub(now) < CertExpiryWarning:
		a.add(Finding{ID: "tls.expiring", Severity: Medium, Subject: certPath,
			Message: fmt.Sprintf("The TLS certificate expires on %s, in less than %d days.", leaf.NotAfter.UTC().Format(time.DateOnly), int(CertExpiryWarning.Hours()/24)),
			Fix:     renewFix(generated)})
	}
	if isSelfSigned(leaf) {
		a.addDev(Finding{ID: "tls.self_signed", Severity: High, Subject: certPath,
			Message: "The TLS certificate is self-signed: browsers warn about it, which teaches users to click through warnings.",
			Fix:     "Set tls.cert_file and tls.key_file to a certificate from a CA (e.g. ACME/Let's Encrypt) for the server's public name."})
	}
}

func renewFix(generated bool) string {
	if generated {
		return "Restart the server: it makes a new self-signed certificate for an expired one (better: configure tls.cert_file from a CA)."
	}
	return "Renew the certificate (automate it, e.g. with ACME) by writing the new files over tls.cert_file and tls.key_file: the server serves them within 10 s, without a restart."
}

func firstCertificate(pemBytes []byte) (*x509.Certificate, error) {
	for rest := pemBytes; ; {
		var block *pem.Block
		if block, rest = pem.Decode(rest); block == nil {
			return nil, errors.New("no CERTIFICATE block")
		}
		if block.Type == "CERTIFICATE" {
			return x509.ParseCertificate(block.Bytes)
		}
	}
}

// isSelfSigned: issued by itself and signed by its own key.
func isSelfSigned(c *x509.Certificate) bool {
	return bytes.Equal(c.RawIssuer, c.RawSubject) &&
		c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature) == nil
}

// adminListener: metrics and pprof belong on loopback. pprof's heap
// profiles can hold secrets, and metrics tell an attacker what the server
// does.
func (a *auditor) adminListener() {
	addr := a.o.Config.AdminAddr
	if addr == "" || config.IsLoopbackAddr(addr) {
		return
	}
	a.add(Finding{ID: "admin.exposed", Severity: High, Subject: addr,
		Message: fmt.Sprintf("The admin listener (metrics, pprof) binds %s, beyond loopback: pprof can leak memory contents and metrics what the server does.", addr),
		Fix:     "Set admin_addr to 127.0.0.1:9090 and let Prometheus scrape through a tunnel or a local agent (a host name other than localhost counts as beyond loopback)."})
}

// dataDir checks the permissions of the data directory and the private
// files in it.
func (a *auditor) dataDir() {
	dir := a.o.Config.DataDir
	fi, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		a.add(Finding{ID: "data.missing", Severity: Info, Subject: dir,
			Message: "The data directory does not exist yet: the checks of files, accounts, keys and the audit log had nothing to look at.",
			Fix:     "Point --data (data_dir) at the server's data directory, or start the server once."})
		return
	}
	if err != nil {
		a.add(Finding{ID: "data.unreadable", Severity: High, Subject: dir,
			Message: fmt.Sprintf("The data directory cannot be examined: %v.", err),
			Fix:     "Run conclave doctor as the user the server runs as."})
		return
	}
	if runtime.GOOS == "windows" {
		return // modes there do not say who can read
	}
	perm := fi.Mode().Perm()
	switch {
	case perm&0o022 != 0:
		a.add(Finding{ID: "data.dir_writable", Severity: High, Subject: dir,
			Message: fmt.Sprintf("The data directory has mode %04o: group or others can replace the database and keys in it.", perm),
			Fix:     "chmod 700 " + dir})
	case perm&0o055 != 0:
		a.add(Finding{ID: "data.dir_open", Severity: Medium, Subject: dir,
			Message: fmt.Sprintf("The data directory has mode %04o: group or others can list it and reach any file in it left readable.", perm),
			Fix:     "chmod 700 " + dir})
	}
	// The database holds password hashes and TOTP secrets: as private
	// as a key. SQLite gives its -wal and -shm files the same mode.
	for _, name := range []string{databaseFile, databaseFile + "-wal", databaseFile + "-shm"} {
		a.privateFileAs(filepath.Join(dir, name), "data.database_readable", "the database (password hashes, TOTP secrets)")
	}
	a.privateFile(filepath.Join(dir, server.ServerKeyFile), "the server key")
	a.privateFile(filepath.Join(dir, credentialsFile), "an API key's private half")
}

// privateFile reports path when group or others may read or write it;
// a missing file is not a finding.
func (a *auditor) privateFile(path, what string) {
	a.privateFileAs(path, "keys.readable", what)
}

func (a *auditor) privateFileAs(path, id, what string) {
	if runtime.GOOS == "windows" {
		return
	}
	fi, err := os.Stat(path)
	if err != nil {
		return // absent; an unreadable one is reported by the check that needs it
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		a.add(Finding{ID: id, Severity: High, Subject: path,
			Message: fmt.Sprintf("%s holds %s and has mode %04o: group or others can read or change it.", path, what, perm),
			Fix:     "chmod 600 " + path + " (and consider the secret in it disclosed: rotate it)"})
	}
}
