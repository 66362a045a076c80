package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/conclave-video/conclave/internal/auth"
	"github.com/conclave-video/conclave/internal/store"
	"github.com/conclave-video/conclave/token"
)

func apikeyRun(t *testing.T, f func(context.Context, []string, *bytes.Buffer, *bytes.Buffer) error, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := f(context.Background(), args, &out, &errOut)
	return out.String(), err
}

func apikeyCmd(ctx context.Context, args []string, out, errOut *bytes.Buffer) error {
	return runAPIKey(ctx, args, out, errOut)
}

func tokencmdCmd(ctx context.Context, args []string, out, errOut *bytes.Buffer) error {
	return runToken(ctx, args, out, errOut)
}

// TestAPIKeyTokenLifecycle walks create → list → mint → verify → revoke →
// verify refused, as an operator would.
func TestAPIKeyTokenLifecycle(t *testing.T) {
	ctx := context.Background()
	data := filepath.Join(t.TempDir(), "conclave-data")

	out, err := apikeyRun(t, apikeyCmd, "create", "--name", "billing app", "--data", data, "--url", "https://meet.example:8443")
	if err != nil {
		t.Fatal(err)
	}
	id := regexp.MustCompile(`key id:\s+(CK[A-Z2-7]{12})`).FindStringSubmatch(out)
	sk := regexp.MustCompile(`private key:\s+(ck_sk_\S+)`).FindStringSubmatch(out)
	if id == nil || sk == nil {
		t.Fatalf("create output:\n%s", out)
	}
	keyID := id[1]

	// The data directory and credentials file are private.
	credsPath := filepath.Join(data, "credentials.json")
	if runtime.GOOS != "windows" {
		for path, want := range map[string]os.FileMode{data: 0o700, credsPath: 0o600} {
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != want {
				t.Errorf("%s mode = %04o, want %04o", path, fi.Mode().Perm(), want)
			}
		}
	}
	creds, _, err := token.LoadCredentials(credsPath)
	if err != nil {
		t.Fatal(err)
	}
	if creds.KeyID != keyID || creds.PrivateKey != sk[1] || creds.URL != "https://meet.example:8443" {
		t.Fatalf("credentials = %v", creds)
	}

	// A second create refuses to overwrite the credentials file.
	if _, err := apikeyRun(t, apikeyCmd, "create", "--name", "again", "--data", data); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("second create: %v", err)
	}

	// The database holds only the public key.
	dbBytes, err := os.ReadFile(filepath.Join(data, "conclave.db"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(dbBytes, []byte(sk[1])) {
		t.Fatal("database contains the private key")
	}

	out, err = apikeyRun(t, apikeyCmd, "list", "--data", data)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, keyID) || !strings.Contains(out, "billing app") || strings.Contains(out, "ck_sk_") {
		t.Fatalf("list output:\n%s", out)
	}

	out, err = apikeyRun(t, tokencmdCmd, "create", "--room", "standup", "--identity", "alice", "--name", "Alice", "--data", data)
	if err != nil {
		t.Fatal(err)
	}
	raw := strings.TrimSpace(out)

	// The "server": another handle on the same database.
	st, err := store.OpenSQLite(ctx, filepath.Join(data, "conclave.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	v := &auth.Verifier{Keys: st, MaxLifetime: time.Hour}
	claims, err := v.Verify(ctx, raw)
	if err != nil {
		t.Fatal(err)
	}
	want := token.Grants{Publish: true, Subscribe: true, PublishData: true}
	if claims.Issuer != keyID || claims.Subject != "alice" || claims.Room != "standup" || claims.Grants != want {
		t.Fatalf("claims = %+v", claims)
	}
	if exp := claims.ExpiresAt.Sub(claims.IssuedAt.Time); exp != 10*time.Minute {
		t.Fatalf("lifetime = %v, want 10m", exp)
	}

	// Revoke with flags after the positional argument.
	if _, err := apikeyRun(t, apikeyCmd, "revoke", keyID, "--data", data); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(ctx, raw); auth.Code(err) != auth.CodeRevokedKey {
		t.Fatalf("after revoke: %v, want %s", err, auth.CodeRevokedKey)
	}
	out, _ = apikeyRun(t, apikeyCmd, "list", "--data", data)
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, keyID) && strings.HasSuffix(strings.TrimSpace(line), " -") {
			t.Fatalf("list still shows the key active:\n%s", out)
		}
	}
	if _, err := apikeyRun(t, apikeyCmd, "revoke", "CKNOSUCHKEY000", "--data", data); err == nil {
		t.Fatal("revoking an unknown key succeeded")
	}
}

func TestTokenCreateOptions(t *testing.T) {
	dir := t.TempDir()
	credsPath := filepath.Join(dir, "app.json")
	if _, err := apikeyRun(t, apikeyCmd, "create", "--name", "app", "--data", filepath.Join(dir, "d"), "--credentials", credsPath); err != nil {
		t.Fatal(err)
	}
	out, err := apikeyRun(t, tokencmdCmd, "create", "--identity", "ops", "--grants", "roomList,roomCreate", "--ttl", "90s", "--credentials", credsPath)
	if err != nil {
		t.Fatal(err)
	}
	_, key, _ := token.LoadCredentials(credsPath)
	st := auth.Verifier{Keys: staticKeys{key}}
	claims, err := st.Verify(context.Background(), strings.TrimSpace(out))
	if err != nil {
		t.Fatal(err)
	}
	if claims.Grants != (token.Grants{RoomList: true, RoomCreate: true}) || claims.Room != "" ||
		claims.ExpiresAt.Sub(claims.IssuedAt.Time) != 90*time.Second {
		t.Fatalf("claims = %+v", claims)
	}

	for _, args := range [][]string{
		{"create", "--identity", "a", "--credentials", credsPath}, // join token without room
		{"create", "--room", "r", "--credentials", credsPath},     // join token without identity
		{"create", "--room", "r", "--identity", "a", "--grants", "fly", "--credentials", credsPath},
		{"create", "--room", "r", "--identity", "a", "--ttl", "0s", "--credentials", credsPath},
		{"create", "--room", "a/b", "--identity", "a", "--credentials", credsPath},
		{"create", "--room", "r", "--identity", "a", "--credentials", filepath.Join(dir, "missing.json")},
		{"create", "extra", "--room", "r", "--identity", "a", "--credentials", credsPath},
		{"mint"},
		{},
	} {
		if _, err := apikeyRun(t, tokencmdCmd, args...); err == nil {
			t.Errorf("token %v succeeded", args)
		}
	}
	var u usageError
	if _, err := apikeyRun(t, tokencmdCmd, "create", "--credentials", credsPath); !errors.As(err, &u) {
		t.Errorf("missing --room is not a usage error: %v", err)
	}
}

func TestAPIKeyUsageErrors(t *testing.T) {
	data := filepath.Join(t.TempDir(), "d")
	for _, args := range [][]string{
		{},
		{"rotate"},
		{"create", "--data", data}, // no name
		{"create", "--name", "a\x01b", "--data", data}, // bad name
		{"create", "--name", "x", "stray", "--data", data},
		{"revoke", "--data", data},
		{"revoke", "A", "B", "--data", data},
		{"list", "--nope"},
	} {
		if _, err := apikeyRun(t, apikeyCmd, args...); err == nil {
			t.Errorf("apikey %q succeeded", args)
		}
	}
	// A failed create leaves no credentials file behind.
	if _, err := os.Stat(filepath.Join(data, "credentials.json")); err == nil {
		t.Error("credentials file written by a failed create")
	}
}

type staticKeys struct{ k token.Key }

func (s staticKeys) APIKey(_ context.Context, id string) (store.APIKey, error) {
	if id != s.k.ID {
		return store.APIKey{}, store.ErrNotFound
	}
	return store.APIKey{ID: id, PublicKey: s.k.Private.Public().(ed25519.PublicKey)}, nil
}

// TestAPIKeyCreateForceKeepsOldKeyWhenStoreFails: --force replaces the
// credentials file only once the new key is stored; when the database
// refuses the key (here a trigger stands in for any failure of that
// write), the old file, perhaps the only copy of its private key, is still
// there, unchanged.
func TestAPIKeyCreateForceKeepsOldKeyWhenStoreFails(t *testing.T) {
	ctx := context.Background()
	data := filepath.Join(t.TempDir(), "d")
	if _, err := apikeyRun(t, apikeyCmd, "create", "--name", "first", "--data", data); err != nil {
		t.Fatal(err)
	}
	credsPath := filepath.Join(data, "credentials.json")
	before, err := os.ReadFile(credsPath)
	if err != nil {
		t.Fatal(err)
	}

	db, err := sql.Open("sqlite", filepath.Join(data, "conclave.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `CREATE TRIGGER refuse_keys BEFORE INSERT ON api_keys
		BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`); err != nil {
		t.Fatal(err)
	}
	_, err = apikeyRun(t, apikeyCmd, "create", "--name", "second", "--force", "--data", data)
	if err == nil {
		t.Fatal("create succeeded though the database refused the key")
	}
	t.Logf("create refused by the database: %v", err)
	after, rerr := os.ReadFile(credsPath)
	if rerr != nil || !bytes.Equal(after, before) {
		t.Fatalf("the old credentials file was replaced or removed (%v)", rerr)
	}
	if _, err := db.ExecContext(ctx, `DROP TRIGGER refuse_keys`); err != nil {
		t.Fatal(err)
	}

	// Otherwise --force does replace it, with a key the server knows.
	out, err := apikeyRun(t, apikeyCmd, "create", "--name", "second", "--force", "--data", data)
	if err != nil {
		t.Fatal(err)
	}
	_, key, err := token.LoadCredentials(credsPath)
	if err != nil || !strings.Contains(out, key.ID) {
		t.Fatalf("credentials after --force: %v\n%s", err, out)
	}
	st, err := store.OpenSQLite(ctx, filepath.Join(data, "conclave.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.APIKey(ctx, key.ID); err != nil {
		t.Errorf("the new key is not stored: %v", err)
	}
}
