package token

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func testKey(t testing.TB) Key {
	t.Helper()
	seed := bytes.Repeat([]byte{7}, ed25519.SeedSize)
	return Key{ID: "CKTESTKEY2345", Private: ed25519.NewKeyFromSeed(seed)}
}

func TestParseGrants(t *testing.T) {
	tests := []struct {
		in      string
		want    Grants
		wantErr bool
	}{
		{in: "", want: Grants{}},
		{in: "publish", want: Grants{Publish: true}},
		{in: "publish,subscribe,publishData", want: Grants{Publish: true, Subscribe: true, PublishData: true}},
		{in: " roomAdmin , roomcreate,ROOMLIST,, ", want: Grants{RoomAdmin: true, RoomCreate: true, RoomList: true}},
		{in: "publish,admin", wantErr: true},
		{in: "publish;subscribe", wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParseGrants(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseGrants(%q) err = %v, wantErr %v", tt.in, err, tt.wantErr)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseGrants(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestGrantsStringRoundTrip(t *testing.T) {
	all := Grants{true, true, true, true, true, true}
	if got, want := all.String(), "publish,subscribe,publishData,roomAdmin,roomCreate,roomList"; got != want {
		t.Fatalf("String() = %q, want %q", got, want)
	}
	back, err := ParseGrants(all.String())
	if err != nil || back != all {
		t.Fatalf("round trip = %+v, %v", back, err)
	}
	b, _ := json.Marshal(Grants{PublishData: true})
	if string(b) != `{"publishData":true}` {
		t.Fatalf("json = %s", b)
	}
	if (Grants{RoomList: true}).Join() || !(Grants{PublishData: true}).Join() {
		t.Fatal("Join() wrong")
	}
}

func TestPrivateKeyRoundTrip(t *testing.T) {
	k := testKey(t)
	s := FormatPrivateKey(k.Private)
	if !strings.HasPrefix(s, "ck_sk_") || strings.Contains(s, "=") {
		t.Fatalf("FormatPrivateKey = %q", s)
	}
	got, err := ParsePrivateKey(s)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Equal(k.Private) {
		t.Fatal("round trip changed the key")
	}
}

func TestParsePrivateKeyErrors(t *testing.T) {
	secret := base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{9}, 32))
	for _, in := range []string{
		"",
		secret,                     // no prefix
		"ck_sk_" + secret + "==",   // padding
		"ck_sk_" + secret[:20],     // short seed
		"ck_sk_" + secret + "AAAA", // long seed
		"ck_sk_" + strings.Repeat("!", 43),
	} {
		_, err := ParsePrivateKey(in)
		if err == nil {
			t.Errorf("ParsePrivateKey(%q) succeeded", in)
			continue
		}
		if strings.Contains(err.Error(), secret[:10]) {
			t.Errorf("error %q leaks the input", err)
		}
	}
}

func TestKeyPrintsRedacted(t *testing.T) {
	k := testKey(t)
	secret := FormatPrivateKey(k.Private)
	raw := string(k.Private)
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("key", "k", k)
	c := Credentials{URL: "https://x", KeyID: k.ID, PrivateKey: secret}
	for _, out := range []string{
		fmt.Sprint(k), fmt.Sprintf("%v %+v %#v %s %q %x %X %d", k, k, k, k, k, k, k, k),
		fmt.Sprintf("%v", &k), k.String(), k.GoString(), logs.String(),
		fmt.Sprintf("%v %+v %#v %s %x", c, c, c, c, c), fmt.Sprint(&c),
	} {
		if !strings.Contains(out, "redacted") {
			t.Errorf("output %q does not say redacted", out)
		}
		for _, leak := range []string{secret, secret[6:20], raw, fmt.Sprintf("%x", []byte(k.Private))[:16]} {
			if strings.Contains(out, leak) {
				t.Errorf("output %q leaks the private key", out)
			}
		}
	}
}

func TestMintClaims(t *testing.T) {
	k := testKey(t)
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	raw, err := k.mint(Options{Identity: "alice", Name: "Alice", Room: "daily-standup", TTL: 10 * time.Minute,
		Grants: Grants{Publish: true, Subscribe: true}}, now)
	if err != nil {
		t.Fatal(err)
	}
	p := jwt.NewParser(jwt.WithValidMethods([]string{"EdDSA"}), jwt.WithTimeFunc(func() time.Time { return now }))
	var c Claims
	tok, err := p.ParseWithClaims(raw, &c, func(*jwt.Token) (any, error) { return k.Private.Public(), nil })
	if err != nil {
		t.Fatal(err)
	}
	if tok.Header["kid"] != k.ID || tok.Header["alg"] != "EdDSA" {
		t.Errorf("header = %v", tok.Header)
	}
	if c.Issuer != k.ID || c.Subject != "alice" || c.Name != "Alice" || c.Room != "daily-standup" {
		t.Errorf("claims = %+v", c)
	}
	if len(c.Audience) != 1 || c.Audience[0] != "conclave" {
		t.Errorf("aud = %v", c.Audience)
	}
	if !c.IssuedAt.Equal(now) || !c.NotBefore.Equal(now) || !c.ExpiresAt.Equal(now.Add(10*time.Minute)) {
		t.Errorf("times iat=%v nbf=%v exp=%v", c.IssuedAt, c.NotBefore, c.ExpiresAt)
	}
	if id, err := base64.RawURLEncoding.DecodeString(c.ID); err != nil || len(id) != 16 {
		t.Errorf("jti = %q", c.ID)
	}
	if c.Grants != (Grants{Publish: true, Subscribe: true}) {
		t.Errorf("grants = %+v", c.Grants)
	}
	raw2, _ := k.Mint(Options{Identity: "alice", TTL: time.Minute})
	var c2 Claims
	if _, err := p.ParseWithClaims(raw2, &c2, func(*jwt.Token) (any, error) { return k.Private.Public(), nil }); err == nil && c2.ID == c.ID {
		t.Error("two tokens share a jti")
	}
}

func TestMintRejects(t *testing.T) {
	k := testKey(t)
	ok := Options{Identity: "bob", TTL: time.Minute, Grants: Grants{Subscribe: true}}
	tests := []struct {
		name string
		key  Key
		mod  func(*Options)
	}{
		{"no ttl", k, func(o *Options) { o.TTL = 0 }},
		{"negative ttl", k, func(o *Options) { o.TTL = -time.Second }},
		{"join without identity", k, func(o *Options) { o.Identity = "" }},
		{"identity too long", k, func(o *Options) { o.Identity = strings.Repeat("a", 129) }},
		{"identity control char", k, func(o *Options) { o.Identity = "a\nb" }},
		{"name too long", k, func(o *Options) { o.Name = strings.Repeat("n", 129) }},
		{"room too long", k, func(o *Options) { o.Room = strings.Repeat("r", 129) }},
		{"room bad char", k, func(o *Options) { o.Room = "a/b" }},
		{"room space", k, func(o *Options) { o.Room = "a b" }},
		{"room dot", k, func(o *Options) { o.Room = "." }},
		{"room dot dot", k, func(o *Options) { o.Room = ".." }},
		{"no key id", Key{Private: k.Private}, func(*Options) {}},
		{"no private key", Key{ID: k.ID}, func(*Options) {}},
	}
	for _, tt := range tests {
		o := ok
		tt.mod(&o)
		if _, err := tt.key.Mint(o); err == nil {
			t.Errorf("%s: Mint succeeded", tt.name)
		}
	}
	// Limits are inclusive and a server-API token needs no identity.
	o := ok
	o.Identity, o.Name, o.Room = strings.Repeat("i", 128), strings.Repeat("n", 128), strings.Repeat("R", 128)
	if _, err := k.Mint(o); err != nil {
		t.Errorf("max lengths: %v", err)
	}
	if _, err := k.Mint(Options{TTL: time.Minute, Grants: Grants{RoomList: true}}); err != nil {
		t.Errorf("server-API token: %v", err)
	}
}

// TestValidateRoom: room names are path segments of /v1/rooms/{room} and
// of the meeting app's URLs, so the dot segments "." and ".." (RFC 3986
// section 3.3), which a client or proxy resolves away, are refused.
func TestValidateRoom(t *testing.T) {
	for _, tt := range []struct {
		room string
		ok   bool
	}{
		{"standup", true},
		{"a", true},
		{"...", true},
		{".a", true},
		{"a..b", true},
		{"_-.", true},
		{strings.Repeat("R", MaxRoomLen), true},
		{"", false},
		{".", false},
		{"..", false},
		{"a/b", false},
		{"%2e", false},
		{"a b", false},
		{"é", false},
		{strings.Repeat("R", MaxRoomLen+1), false},
	} {
		if err := ValidateRoom(tt.room); (err == nil) != tt.ok {
			t.Errorf("ValidateRoom(%q) = %v, want ok=%v", tt.room, err, tt.ok)
		}
	}
}

func TestCredentialsRoundTrip(t *testing.T) {
	k := testKey(t)
	path := filepath.Join(t.TempDir(), "credentials.json")
	c := Credentials{URL: "https://localhost:8443", KeyID: k.ID, PrivateKey: FormatPrivateKey(k.Private)}
	if err := WriteCredentials(path, c); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode = %v, want 0600", fi.Mode().Perm())
	}
	got, gk, err := LoadCredentials(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != c || gk.ID != k.ID || !gk.Private.Equal(k.Private) {
		t.Fatalf("loaded %v %v", got, gk)
	}
	// Overwrite atomically, leaving no temporary files behind.
	c.URL = "https://example.test"
	if err := WriteCredentials(path, c); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Fatalf("directory has %d entries, want 1", len(entries))
	}
	if got, _, _ := LoadCredentials(path); got.URL != c.URL {
		t.Fatalf("URL = %q", got.URL)
	}
}

func TestLoadCredentialsRefuses(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("permission bits are not meaningful on Windows")
	}
	k := testKey(t)
	dir := t.TempDir()
	good := fmt.Sprintf(`{"url":"u","key_id":%q,"private_key":%q}`, k.ID, FormatPrivateKey(k.Private))
	write := func(name, content string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name, path, wantMsg string
	}{
		{"world readable", write("a.json", good, 0o644), "chmod 600"},
		{"group readable", write("b.json", good, 0o640), "group or others"},
		{"unknown field", write("c.json", `{"url":"u","key_id":"CK1","private_key":"x","extra":1}`, 0o600), "not valid JSON"},
		{"bad key", write("d.json", `{"url":"u","key_id":"CK1","private_key":"ck_sk_AAAA"}`, 0o600), "seed"},
		{"no key id", write("e.json", fmt.Sprintf(`{"url":"u","key_id":"","private_key":%q}`, FormatPrivateKey(k.Private)), 0o600), "key id"},
		{"trailing", write("f.json", good+"{}", 0o600), "trailing"},
	}
	for _, tt := range tests {
		_, _, err := LoadCredentials(tt.path)
		if err == nil {
			t.Errorf("%s: loaded", tt.name)
			continue
		}
		if !strings.Contains(err.Error(), tt.wantMsg) {
			t.Errorf("%s: error %q does not contain %q", tt.name, err, tt.wantMsg)
		}
		if strings.Contains(err.Error(), FormatPrivateKey(k.Private)[6:]) {
			t.Errorf("%s: error leaks the key", tt.name)
		}
	}
	if _, _, err := LoadCredentials(filepath.Join(dir, "missing.json")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

// The owner claim travels only when set, and MintAt takes its clock.
func TestMintOwnerAndMintAt(t *testing.T) {
	k := testKey(t)
	now := time.Date(2031, 5, 6, 7, 8, 9, 500, time.UTC)
	raw, err := k.MintAt(Options{Identity: "US_A", Room: "r", TTL: time.Hour, Owner: "US_A", Grants: Grants{RoomAdmin: true}}, now)
	if err != nil {
		t.Fatal(err)
	}
	p := jwt.NewParser(jwt.WithValidMethods([]string{"EdDSA"}), jwt.WithTimeFunc(func() time.Time { return now }))
	var c Claims
	if _, err := p.ParseWithClaims(raw, &c, func(*jwt.Token) (any, error) { return k.Private.Public(), nil }); err != nil {
		t.Fatal(err)
	}
	if c.Owner != "US_A" || !c.IssuedAt.Equal(now.Truncate(time.Second)) || !c.ExpiresAt.Equal(now.Truncate(time.Second).Add(time.Hour)) {
		t.Errorf("claims = %+v", c)
	}
	plain, err := k.MintAt(Options{Identity: "alice", Room: "r", TTL: time.Hour}, now)
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := base64.RawURLEncoding.DecodeString(strings.Split(plain, ".")[1])
	if strings.Contains(string(payload), `"owner"`) {
		t.Errorf("a token without an owner carries the claim: %s", payload)
	}
	if _, err := k.MintAt(Options{Identity: "alice", Room: "r", TTL: time.Hour, Owner: "bad\x00owner"}, now); err == nil {
		t.Error("an owner with a control character was minted")
	}
}
