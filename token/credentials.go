package token

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
)

// maxCredentialsSize bounds how much of a credentials file is read.
const maxCredentialsSize = 64 << 10

// Credentials is the content of a credentials file (credentials.json). It
// prints redacted; only its JSON encoding carries the private key.
type Credentials struct {
	URL        string `json:"url"`
	KeyID      string `json:"key_id"`
	PrivateKey string `json:"private_key"`
}

// String returns a description with the private key redacted.
func (c Credentials) String() string {
	return "token.Credentials{URL:" + c.URL + " KeyID:" + c.KeyID + " PrivateKey:" + redacted + "}"
}

// GoString returns the same redacted description as String, for %#v.
func (c Credentials) GoString() string { return c.String() }

// Format prints the redacted description for every verb.
func (c Credentials) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(c.String())) }

// Key parses the private key and returns the signing key the credentials
// describe.
func (c Credentials) Key() (Key, error) {
	if err := ValidateKeyID(c.KeyID); err != nil {
		return Key{}, err
	}
	priv, err := ParsePrivateKey(c.PrivateKey)
	if err != nil {
		return Key{}, err
	}
	return Key{ID: c.KeyID, Private: priv}, nil
}

// LoadCredentials reads a credentials file and parses its key. On Unix it
// refuses a file that group or others may read or write: a private key in
// such a file must be considered leaked. A missing file gives an error that
// matches fs.ErrNotExist.
func LoadCredentials(path string) (Credentials, Key, error) {
	f, err := os.Open(path)
	if err != nil {
		return Credentials{}, Key{}, fmt.Errorf("token: open credentials: %w", err)
	}
	defer f.Close()
	// Stat the opened file, not the path, so the checked file is the read one.
	fi, err := f.Stat()
	if err != nil {
		return Credentials{}, Key{}, fmt.Errorf("token: stat credentials: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return Credentials{}, Key{}, fmt.Errorf("token: credentials %s is not a regular file", path)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		return Credentials{}, Key{}, fmt.Errorf("token: credentials file %s has mode %04o and is accessible by group or others; run: chmod 600 %s",
			path, fi.Mode().Perm(), path)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxCredentialsSize+1))
	if err != nil {
		return Credentials{}, Key{}, fmt.Errorf("token: read credentials: %w", err)
	}
	if len(data) > maxCredentialsSize {
		return Credentials{}, Key{}, fmt.Errorf("token: credentials file %s is larger than %d bytes", path, maxCredentialsSize)
	}
	var c Credentials
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		// json errors can quote input; they never quote string values, but
		// keep the message generic anyway since this file holds a secret.
		return Credentials{}, Key{}, fmt.Errorf("token: credentials file %s is not valid JSON with fields url, key_id, private_key", path)
	}
	if dec.More() {
		return Credentials{}, Key{}, fmt.Errorf("token: credentials file %s has trailing data", path)
	}
	k, err := c.Key()
	if err != nil {
		return Credentials{}, Key{}, fmt.Errorf("token: credentials file %s: %w", path, err)
	}
	return c, k, nil
}

// WriteCredentials writes c to path with mode 0600, atomically: it writes a
// temporary file in the same directory, syncs it and renames it over path,
// so a reader never sees a partial file. The key in c is validated first.
func WriteCredentials(path string, c Credentials) error {
	if _, err := c.Key(); err != nil {
		return err
	}
	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return fmt.Errorf("token: encode credentials: %w", err)
	}
	data = append(data, '\n')

	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".credentials-*.tmp") // created with mode 0600
	if err != nil {
		return fmt.Errorf("token: write credentials: %w", err)
	}
	tmpName := tmp.Name()
	ok := false
	defer func() {
		if !ok {
			_ = tmp.Close()
			_ = os.Remove(tmpName)
		}
	}()
	if err := tmp.Chmod(0o600); err != nil {
		return fmt.Errorf("token: write credentials: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("token: write credentials: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("token: write credentials: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("token: write credentials: %w", err)
	}
	if err := os.Rename(tmpName, path); err != nil {
		return fmt.Errorf("token: write credentials: %w", err)
	}
	ok = true
	// Make the rename durable; failure here does not undo the write.
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}
