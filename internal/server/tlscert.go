package server

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Self-signed certificate files inside the directory given to
// LoadOrCreateCertificate (the data directory's tls/).
const (
	CertFileName = "cert.pem"
	KeyFileName  = "key.pem"
)

// selfSignedLifetime is how long a generated certificate is valid.
const selfSignedLifetime = 365 * 24 * time.Hour

// defaultCertHosts are always in a generated certificate, so the dev server
// works on the machine it runs on.
var defaultCertHosts = [...]string{"localhost", "127.0.0.1", "::1"}

// LoadOrCreateCertificate returns the certificate kept in dir. If dir holds
// cert.pem and key.pem they are loaded, and an error is returned if they do
// not parse or the key does not match. A new self-signed certificate, valid
// for one year for hosts plus localhost, 127.0.0.1 and ::1, is made when
// cert.pem is missing, when the certificate has expired at now, or when a
// self-signed certificate does not cover every requested host. It is made
// for the key already in key.pem: a key file is never replaced (an
// unusable one is an error). Only when there is no key file is a new ECDSA
// P-256 key made and written. Files are written dir 0700, key 0600, each
// replaced atomically.
func LoadOrCreateCertificate(dir string, hosts []string, now time.Time) (tls.Certificate, error) {
	certPath, keyPath := filepath.Join(dir, CertFileName), filepath.Join(dir, KeyFileName)
	hosts = certHosts(hosts)

	var key crypto.Signer
	cert, err := tls.LoadX509KeyPair(certPath, keyPath)
	switch {
	case err == nil:
		if !now.After(cert.Leaf.NotAfter) && (!isSelfSigned(cert.Leaf) || covers(cert.Leaf, hosts)) {
			return cert, nil
		}
		signer, ok := cert.PrivateKey.(crypto.Signer)
		if !ok {
			return tls.Certificate{}, fmt.Errorf("tls key %s: unsupported key type %T", keyPath, cert.PrivateKey)
		}
		key = signer
	case errors.Is(err, fs.ErrNotExist):
		// A key without its certificate is kept; none at all is made below.
		if key, err = loadKey(keyPath); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return tls.Certificate{}, err
		}
	default:
		return tls.Certificate{}, fmt.Errorf("tls certificate in %s: %w", dir, err)
	}

	var keyPEM []byte // set only for a new key
	if key == nil {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return tls.Certificate{}, fmt.Errorf("tls certificate: %w", err)
		}
		keyDER, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			return tls.Certificate{}, fmt.Errorf("tls certificate: %w", err)
		}
		key, keyPEM = k, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
	}
	certPEM, err := generateSelfSigned(key, hosts, now)
	if err != nil {
		return tls.Certificate{}, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return tls.Certificate{}, fmt.Errorf("tls certificate: %w", err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return tls.Certificate{}, fmt.Errorf("tls certificate: %w", err)
	}
	// Both files are fully written before either is renamed into place, so
	// only a crash between the two renames can leave a mismatched pair, and
	// loading then fails loudly instead of serving it.
	var keyTmp string
	if keyPEM != nil {
		if keyTmp, err = writeTemp(keyPath, keyPEM, 0o600); err != nil {
			return tls.Certificate{}, err
		}
		defer os.Remove(keyTmp) // no-op after the rename
	}
	certTmp, err := writeTemp(certPath, certPEM, 0o644)
	if err != nil {
		return tls.Certificate{}, err
	}
	defer os.Remove(certTmp)
	if keyTmp != "" {
		// Never over an existing key file: link fails if one appeared.
		if err := os.Link(keyTmp, keyPath); err != nil {
			return tls.Certificate{}, fmt.Errorf("tls key: %w", err)
		}
	}
	if err := os.Rename(certTmp, certPath); err != nil {
		return tls.Certificate{}, fmt.Errorf("tls certificate: %w", err)
	}
	syncDir(dir)
	return tls.LoadX509KeyPair(certPath, keyPath)
}

// loadKey reads a PEM private key (PKCS #8, SEC 1 or PKCS #1). An error
// other than fs.ErrNotExist names the file: it exists and cannot be used.
func loadKey(path string) (crypto.Signer, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("tls key %s: %w", path, err)
	}
	for rest := b; ; {
		var block *pem.Block
		if block, rest = pem.Decode(rest); block == nil {
			return nil, fmt.Errorf("tls key %s: no private key found; it is left as it is: fix or remove it", path)
		}
		if !strings.HasSuffix(block.Type, "PRIVATE KEY") {
			continue
		}
		if k, err := x509.ParsePKCS8PrivateKey(block.Bytes); err == nil {
			if s, ok := k.(crypto.Signer); ok {
				return s, nil
			}
		}
		if k, err := x509.ParseECPrivateKey(block.Bytes); err == nil {
			return k, nil
		}
		if k, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
			return k, nil
		}
		return nil, fmt.Errorf("tls key %s: cannot parse the private key; it is left as it is: fix or remove it", path)
	}
}

// TLSConfig returns the server TLS configuration: TLS 1.2 or later and the
// Go defaults for everything else (cipher suites, curves, TLS 1.3 preferred).
func TLSConfig(cert tls.Certificate) *tls.Config {
	return &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{cert},
	}
}

func certHosts(hosts []string) []string {
	out := make([]string, 0, len(hosts)+len(defaultCertHosts))
	for _, h := range append(slices.Clone(hosts), defaultCertHosts[:]...) {
		if h != "" && !slices.Contains(out, h) {
			out = append(out, h)
		}
	}
	return out
}

// isSelfSigned reports whether c signed itself. CheckSignatureFrom would
// insist on CA constraints that a self-signed leaf does not have.
func isSelfSigned(c *x509.Certificate) bool {
	return bytes.Equal(c.RawIssuer, c.RawSubject) &&
		c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature) == nil
}

func covers(c *x509.Certificate, hosts []string) bool {
	for _, h := range hosts {
		if c.VerifyHostname(h) != nil {
			return false
		}
	}
	return true
}

func generateSelfSigned(key crypto.Signer, hosts []string, now time.Time) (certPEM []byte, err error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("tls certificate: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{Organization: []string{"Conclave self-signed"}, CommonName: hosts[0]},
		// An hour of slack for clients whose clock is a little behind.
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(selfSignedLifetime),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
	}
	if _, isRSA := key.Public().(*rsa.PublicKey); isRSA {
		tmpl.KeyUsage |= x509.KeyUsageKeyEncipherment
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("tls certificate: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), nil
}

// writeTemp writes data with perm to a new temporary file next to path and
// returns its name; the caller renames it over path.
func writeTemp(path string, data []byte, perm os.FileMode) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	err = f.Chmod(perm)
	if err == nil {
		_, err = f.Write(data)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	return f.Name(), nil
}

// syncDir makes the renames durable where the platform allows it; failure
// only weakens durability, so it is ignored.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}
