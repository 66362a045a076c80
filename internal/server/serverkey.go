package server

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/conclave-video/conclave/internal/auth"
	"github.com/conclave-video/conclave/internal/store"
	"github.com/conclave-video/conclave/token"
)

// The server's own key signs the tokens the server issues itself: a
// signed-in host's join token (POST /v1/meetings). It is an API key like any
// other: its public half is in the database, named ServerKeyName, and
// revoking it there refuses every token it signed. Its private half is in
// ServerKeyFile in the data directory, in the credentials format
// (token.Credentials, mode 0600), made once at the first start and never
// overwritten.
const (
	ServerKeyFile = "server-key.json"
	ServerKeyName = "conclave server"
)

// LoadServerKey returns the server key from DATA/server-key.json, making
// the file if there is none, and makes sure the store knows its public half
// (registering it again if the database was reset). A file that cannot be
// used (open to others, damaged, a key the store knows with another public
// key, a revoked key) is an error and is left as it is: it may be the only
// copy of a private key that tokens in use were signed with. The server
// calls it at its start, and the command line before it records a change
// in the audit log, so that the first account, made before the server's
// first start, is on record too, signed with the key the server then uses.
func LoadServerKey(ctx context.Context, st store.Store, dataDir string) (token.Key, error) {
	path := filepath.Join(dataDir, ServerKeyFile)
	_, key, err := token.LoadCredentials(path)
	if errors.Is(err, fs.ErrNotExist) {
		key, err = makeServerKey(path)
		if errors.Is(err, fs.ErrExist) {
			// Another process made it between the two steps: use its key.
			_, key, err = token.LoadCredentials(path)
		}
	}
	if err != nil {
		return token.Key{}, fmt.Errorf("server key: %w (the file was left as it is)", err)
	}
	if err := registerServerKey(ctx, st, key, path); err != nil {
		return token.Key{}, err
	}
	return key, nil
}

// makeServerKey writes a new key to path, which must not exist: the file
// is written and synced under a temporary name, then linked to path, which
// fails with fs.ErrExist rather than replace a file made meanwhile.
func makeServerKey(path string) (token.Key, error) {
	rec, priv, err := auth.NewAPIKey(ServerKeyName, rand.Reader)
	if err != nil {
		return token.Key{}, err
	}
	data, err := json.MarshalIndent(token.Credentials{KeyID: rec.ID, PrivateKey: token.FormatPrivateKey(priv)}, "", "  ")
	if err != nil {
		return token.Key{}, err
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".server-key-*.tmp") // mode 0600
	if err != nil {
		return token.Key{}, err
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(append(data, '\n'))
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return token.Key{}, err
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		return token.Key{}, err
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // make the new name durable
		_ = d.Close()
	}
	return token.Key{ID: rec.ID, Private: priv}, nil
}

// registerServerKey makes sure the store holds key's public half, and
// refuses a key that is revoked or that the store knows with another
// public key.
func registerServerKey(ctx context.Context, st store.Store, key token.Key, path string) error {
	pub, _ := key.Private.Public().(ed25519.PublicKey)
	k, err := st.APIKey(ctx, key.ID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		err := st.CreateAPIKey(ctx, store.APIKey{ID: key.ID, Name: ServerKeyName, PublicKey: pub, CreatedAt: time.Now()})
		if err != nil {
			return fmt.Errorf("server key %s: register: %w", key.ID, err)
		}
		return nil
	case err != nil:
		return fmt.Errorf("server key %s: %w", key.ID, err)
	case !bytes.Equal(k.PublicKey, pub):
		return fmt.Errorf("server key %s in %s: the database holds another public key under that id; "+
			"the file or the database is not this server's (both were left as they are)", key.ID, path)
	case k.Revoked():
		return fmt.Errorf("server key %s in %s was revoked (conclave apikey revoke), so the server cannot sign "+
			"the join tokens it issues; move the file away and start again to make a new server key", key.ID, path)
	}
	return nil
}

// ServerKey returns the key the server signs its own tokens with.
func (s *Server) ServerKey() token.Key { return s.serverKey }
