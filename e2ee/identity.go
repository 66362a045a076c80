package e2ee

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Sizes of an identity key.
const (
	IdentityKeyLen  = ed25519.PublicKeySize // 32
	IdentitySeedLen = ed25519.SeedSize      // 32
	SignatureLen    = ed25519.SignatureSize // 64
)

// ErrIdentityFile is returned (wrapped) by LoadOrCreateIdentity for an
// identity file that exists but does not hold an Ed25519 key in PKCS #8
// PEM. The file is left as it is.
var ErrIdentityFile = errors.New("e2ee: identity file is not an Ed25519 PKCS #8 PEM key")

// ErrIdentityFileMode: the identity file may be read or written by group
// or others.
var ErrIdentityFileMode = errors.New("e2ee: identity file is open to group or others")

// maxIdentityFile bounds what is read of an identity file: a PEM
// Ed25519 key is about 120 bytes.
const maxIdentityFile = 64 << 10

// Identity is a participant's long-term Ed25519 identity key. It signs the
// participant's announcements, key packages and data messages. It cannot be
// compared with == and prints without its secret.
type Identity struct {
	_    [0]func()
	priv ed25519.PrivateKey
}

// NewIdentity returns a fresh random identity.
func NewIdentity() (*Identity, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	return &Identity{priv: priv}, nil
}

// IdentityFromSeed returns the identity whose RFC 8032 private key is seed
// (32 bytes). It is meant for tests and test vectors.
func IdentityFromSeed(seed []byte) (*Identity, error) {
	if len(seed) != IdentitySeedLen {
		return nil, fmt.Errorf("e2ee: identity seed is %d bytes, want %d", len(seed), IdentitySeedLen)
	}
	return &Identity{priv: ed25519.NewKeyFromSeed(seed)}, nil
}

// LoadOrCreateIdentity reads the identity in the PKCS #8 PEM file at path,
// or, if there is no such file, creates one with a fresh identity and mode
// 0600. It never overwrites a file: a file it cannot parse is an error
// (ErrIdentityFile), and so is one group or others may read or write
// (ErrIdentityFileMode); neither is replaced or changed. The new file is written in full to a
// temporary file beside it and then linked into place, so a crash leaves
// either no identity file or a complete one; two processes racing to create
// it end with the same identity.
func LoadOrCreateIdentity(path string) (*Identity, error) {
	id, err := loadIdentity(path)
	if !errors.Is(err, os.ErrNotExist) {
		return id, err
	}
	id, err = NewIdentity()
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(id.priv)
	if err != nil {
		return nil, err
	}
	data := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	if err := createExclusive(path, data); err != nil {
		if errors.Is(err, os.ErrExist) {
			// Another process created it first: use its identity.
			return loadIdentity(path)
		}
		return nil, err
	}
	return id, nil
}

func loadIdentity(path string) (*Identity, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		// The private key is the identity: one others could read is
		// no longer the participant's alone. Refused, never changed.
		return nil, fmt.Errorf("%w: %s may be read or changed by others (mode %04o): chmod 600 it, or make a new identity if others may have read it",
			ErrIdentityFileMode, path, perm)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxIdentityFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxIdentityFile {
		return nil, fmt.Errorf("%w: %s is larger than %d bytes", ErrIdentityFile, path, maxIdentityFile)
	}
	block, rest := pem.Decode(data)
	if block == nil || block.Type != "PRIVATE KEY" || len(bytes.TrimSpace(rest)) != 0 {
		return nil, fmt.Errorf("%w: %s", ErrIdentityFile, path)
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%w: %s", ErrIdentityFile, path)
	}
	priv, ok := key.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%w: %s holds a %T", ErrIdentityFile, path, key)
	}
	return &Identity{priv: priv}, nil
}

// createExclusive writes data to a new file at path, mode 0600, and fails
// with an error wrapping os.ErrExist if path exists. The data is synced in
// a temporary file before the file appears at path, by a hard link, which
// never replaces an existing file.
func createExclusive(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer func() {
		tmp.Close()
		os.Remove(tmp.Name())
	}()
	if err := tmp.Chmod(0o600); err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		return err
	}
	// Make the new directory entry durable; not every system can sync a
	// directory, and the file is complete either way.
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// Public is the identity's public key, the one announced in join and shown
// in the safety code.
func (id *Identity) Public() ed25519.PublicKey {
	return id.priv.Public().(ed25519.PublicKey)
}

// String names the identity by its public key, never its secret.
func (id *Identity) String() string {
	return fmt.Sprintf("e2ee.Identity{public: %x}", []byte(id.Public()))
}

func (id *Identity) sign(msg []byte) []byte { return ed25519.Sign(id.priv, msg) }

// verifySignature is ed25519.Verify without its panic on a public key of
// the wrong size.
func verifySignature(pub, msg, sig []byte) bool {
	return len(pub) == IdentityKeyLen && len(sig) == SignatureLen && ed25519.Verify(pub, msg, sig)
}
