package server

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/conclave-video/conclave/internal/auth"
	"github.com/conclave-video/conclave/internal/config"
	"github.com/conclave-video/conclave/internal/store"
	"github.com/conclave-video/conclave/token"
)

func openKeyStore(t *testing.T, dir string) *store.SQLite {
	t.Helper()
	st, err := store.OpenSQLite(context.Background(), filepath.Join(dir, "conclave.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// TestServerKeyMadeOnceAndReused: the first start makes the file (0600) and
// registers its public half; later starts, and a start on a reset
// database, use the same key and never rewrite the file.
func TestServerKeyMadeOnceAndReused(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, ServerKeyFile)
	st := openKeyStore(t, dir)

	key, err := LoadServerKey(ctx, st, dir)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Fatalf("%s mode %04o, want 0600", path, fi.Mode().Perm())
	}
	first, _ := os.ReadFile(path)
	if _, fileKey, err := token.LoadCredentials(path); err != nil || fileKey.ID != key.ID || !fileKey.Private.Equal(key.Private) {
		t.Fatalf("the file holds %v, %v; want the returned key", fileKey.ID, err)
	}
	rec, err := st.APIKey(ctx, key.ID)
	pub := key.Private.Public().(ed25519.PublicKey)
	if err != nil || rec.Name != ServerKeyName || !bytes.Equal(rec.PublicKey, pub) || rec.Revoked() {
		t.Fatalf("stored key %+v, %v", rec, err)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(dir, ".server-key-*")); len(leftovers) != 0 {
		t.Fatalf("temporary files left: %v", leftovers)
	}

	// A token it signs verifies like any API key's.
	jwt, err := key.Mint(token.Options{Identity: "host", Room: "r", TTL: time.Minute, Grants: token.Grants{RoomAdmin: true, Publish: true, Subscribe: true}})
	if err != nil {
		t.Fatal(err)
	}
	if c, err := (&auth.Verifier{Keys: st}).Verify(ctx, jwt); err != nil || c.Issuer != key.ID {
		t.Fatalf("Verify = %v, %v", c, err)
	}

	// Restart: same key, same file.
	again, err := LoadServerKey(ctx, st, dir)
	if err != nil || again.ID != key.ID || !again.Private.Equal(key.Private) {
		t.Fatalf("second start: %v, %v", again.ID, err)
	}
	if now, _ := os.ReadFile(path); !bytes.Equal(now, first) {
		t.Fatal("the file was rewritten")
	}
	if keys, _ := st.ListAPIKeys(ctx); len(keys) != 1 {
		t.Fatalf("%d keys stored, want 1", len(keys))
	}

	// The database is reset: the key is registered again.
	st.Close()
	if err := os.Remove(filepath.Join(dir, "conclave.db")); err != nil {
		t.Fatal(err)
	}
	fresh := openKeyStore(t, dir)
	again, err = LoadServerKey(ctx, fresh, dir)
	if err != nil || again.ID != key.ID {
		t.Fatalf("after a reset: %v, %v", again.ID, err)
	}
	if rec, err := fresh.APIKey(ctx, key.ID); err != nil || !bytes.Equal(rec.PublicKey, pub) || rec.Name != ServerKeyName {
		t.Fatalf("not registered again: %+v, %v", rec, err)
	}
	if now, _ := os.ReadFile(path); !bytes.Equal(now, first) {
		t.Fatal("the file was rewritten")
	}
}

// TestServerKeyUnusableFileKept: a file that cannot be used stops the
// start with a message, and is left byte for byte as it was.
func TestServerKeyUnusableFileKept(t *testing.T) {
	ctx := context.Background()
	other := func(t *testing.T) (token.Credentials, ed25519.PublicKey) {
		rec, priv, err := auth.NewAPIKey("x", nil)
		if err != nil {
			t.Fatal(err)
		}
		return token.Credentials{KeyID: rec.ID, PrivateKey: token.FormatPrivateKey(priv)}, rec.PublicKey
	}
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, st *store.SQLite, path string)
		want  string
	}{
		{"damaged", func(t *testing.T, st *store.SQLite, path string) {
			os.WriteFile(path, []byte(`{"key_id": "CK`), 0o600)
		}, "not valid JSON"},
		{"empty", func(t *testing.T, st *store.SQLite, path string) {
			os.WriteFile(path, nil, 0o600)
		}, "not valid JSON"},
		{"open to others", func(t *testing.T, st *store.SQLite, path string) {
			c, _ := other(t)
			if err := token.WriteCredentials(path, c); err != nil {
				t.Fatal(err)
			}
			os.Chmod(path, 0o644)
		}, "chmod 600"},
		{"revoked", func(t *testing.T, st *store.SQLite, path string) {
			c, pub := other(t)
			if err := token.WriteCredentials(path, c); err != nil {
				t.Fatal(err)
			}
			st.CreateAPIKey(ctx, store.APIKey{ID: c.KeyID, Name: ServerKeyName, PublicKey: pub})
			st.RevokeAPIKey(ctx, c.KeyID, time.Now())
		}, "was revoked"},
		{"another public key under its id", func(t *testing.T, st *store.SQLite, path string) {
			c, _ := other(t)
			if err := token.WriteCredentials(path, c); err != nil {
				t.Fatal(err)
			}
			_, pub := other(t)
			st.CreateAPIKey(ctx, store.APIKey{ID: c.KeyID, Name: "someone else", PublicKey: pub})
		}, "another public key"},
	} {
		if tc.want == "chmod 600" && runtime.GOOS == "windows" {
			continue // file modes are Unix only
		}
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, ServerKeyFile)
			st := openKeyStore(t, dir)
			tc.setup(t, st, path)
			before, _ := os.ReadFile(path)
			fiBefore, _ := os.Stat(path)
			_, err := LoadServerKey(ctx, st, dir)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			after, _ := os.ReadFile(path)
			fiAfter, _ := os.Stat(path)
			if !bytes.Equal(before, after) || fiBefore.Mode() != fiAfter.Mode() || !fiBefore.ModTime().Equal(fiAfter.ModTime()) {
				t.Fatal("the file was changed")
			}
			if strings.Contains(err.Error(), "ck_sk_") {
				t.Fatal("the error shows a private key")
			}
		})
	}
}

// TestServerKeyRevokedStopsServer: the server does not start on a revoked
// server key, and says why.
func TestServerKeyRevokedStopsServer(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st := openKeyStore(t, dir)
	key, err := LoadServerKey(ctx, st, dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.RevokeAPIKey(ctx, key.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	cfg := config.DefaultDev()
	cfg.Addr, cfg.RTCPort, cfg.AdminAddr, cfg.DataDir = "127.0.0.1:0", 0, "", dir
	s, err := New(ctx, cfg, slog.New(slog.DiscardHandler))
	if err == nil {
		s.Shutdown(ctx)
		t.Fatal("the server started with a revoked server key")
	}
	if !strings.Contains(err.Error(), "server key "+key.ID) || !strings.Contains(err.Error(), "revoked") {
		t.Fatalf("err = %v", err)
	}
}
