package auth

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/conclave-video/conclave/internal/store"
	"github.com/conclave-video/conclave/token"
)

// fixture is a real SQLite store holding one active and one revoked key.
type fixture struct {
	store   *store.SQLite
	key     token.Key // active
	revoked token.Key
	now     time.Time
	path    string // the store's file
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "conclave.db")
	s, err := store.OpenSQLite(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	f := &fixture{store: s, now: time.Now(), path: path}
	for i, k := range []*token.Key{&f.key, &f.revoked} {
		rec, priv, err := NewAPIKey("test key", nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.CreateAPIKey(ctx, rec); err != nil {
			t.Fatal(err)
		}
		*k = token.Key{ID: rec.ID, Private: priv}
		if i == 1 {
			if err := s.RevokeAPIKey(ctx, rec.ID, time.Now()); err != nil {
				t.Fatal(err)
			}
		}
	}
	return f
}

func (f *fixture) verifier() *Verifier {
	return &Verifier{Keys: f.store, MaxLifetime: time.Hour, Now: func() time.Time { return f.now }}
}

// claims returns valid claims for f.key that tests then spoil.
func (f *fixture) claims() jwt.MapClaims {
	return jwt.MapClaims{
		"iss":    f.key.ID,
		"sub":    "alice",
		"aud":    []string{"conclave"},
		"iat":    f.now.Unix(),
		"nbf":    f.now.Unix(),
		"exp":    f.now.Add(10 * time.Minute).Unix(),
		"jti":    "abc",
		"room":   "standup",
		"grants": map[string]bool{"publish": true, "subscribe": true},
	}
}

// sign signs claims with any method and key, setting kid.
func sign(t *testing.T, m jwt.SigningMethod, key any, kid string, c jwt.Claims) string {
	t.Helper()
	tok := jwt.NewWithClaims(m, c)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (f *fixture) signEd(t *testing.T, mod func(jwt.MapClaims)) string {
	c := f.claims()
	if mod != nil {
		mod(c)
	}
	return sign(t, jwt.SigningMethodEdDSA, f.key.Private, f.key.ID, c)
}

// signRawPayload signs a payload written by hand, for JSON that a map
// cannot express. format takes iss, iat, nbf and exp, in that order.
func (f *fixture) signRawPayload(t *testing.T, format string) string {
	t.Helper()
	return signPayload(f.key, fmt.Sprintf(format, f.key.ID, f.now.Unix(), f.now.Unix(), f.now.Add(10*time.Minute).Unix()))
}

func (f *fixture) mint(t *testing.T, k token.Key, o token.Options) string {
	t.Helper()
	raw, err := k.Mint(o)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func joinOpts() token.Options {
	return token.Options{Identity: "alice", Name: "Alice", Room: "standup", TTL: 10 * time.Minute,
		Grants: token.Grants{Publish: true, Subscribe: true, PublishData: true}}
}

func TestVerify(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	pub := f.key.Private.Public().(ed25519.PublicKey)
	_, otherPriv, _ := ed25519.GenerateKey(nil)
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}

	valid := f.mint(t, f.key, joinOpts())
	parts := strings.Split(valid, ".")
	tamper := func() string {
		payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
		var m map[string]any
		_ = json.Unmarshal(payload, &m)
		m["sub"] = "mallory"
		m["grants"] = map[string]bool{"roomAdmin": true}
		b, _ := json.Marshal(m)
		return parts[0] + "." + base64.RawURLEncoding.EncodeToString(b) + "." + parts[2]
	}()

	tests := []struct {
		name     string
		raw      string
		verifier func(*Verifier)
		want     string // "" = accepted
	}{
		{name: "valid join token", raw: valid},
		{name: "valid server-API token without room", raw: f.mint(t, f.key, token.Options{Identity: "app", TTL: time.Minute, Grants: token.Grants{RoomList: true}})},
		{name: "within leeway after exp", raw: valid, verifier: func(v *Verifier) { v.Now = func() time.Time { return f.now.Add(10*time.Minute + 4*time.Second) } }},

		{name: "empty", raw: "", want: CodeMalformed},
		{name: "garbage", raw: "not a token", want: CodeMalformed},
		{name: "two parts", raw: parts[0] + "." + parts[1], want: CodeMalformed},
		{name: "four parts", raw: valid + ".x", want: CodeMalformed},
		{name: "oversized", raw: parts[0] + "." + strings.Repeat("A", MaxTokenSize) + "." + parts[2], want: CodeMalformed},
		{name: "payload not JSON", raw: parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte("[1,2")) + "." + parts[2], want: CodeMalformed},
		{name: "no kid", raw: sign(t, jwt.SigningMethodEdDSA, f.key.Private, "", f.claims()), want: CodeMalformed},
		{name: "no iat", raw: f.signEd(t, func(c jwt.MapClaims) { delete(c, "iat") }), want: CodeMalformed},
		{name: "no nbf", raw: f.signEd(t, func(c jwt.MapClaims) { delete(c, "nbf") }), want: CodeMalformed},
		{name: "iss is another key", raw: f.signEd(t, func(c jwt.MapClaims) { c["iss"] = f.revoked.ID }), want: CodeMalformed},
		// RFC 7519 section 2: a NumericDate is a JSON number. The JWT
		// library would read a numeric string as one.
		{name: "exp as string", raw: f.signEd(t, func(c jwt.MapClaims) { c["exp"] = fmt.Sprint(c["exp"]) }), want: CodeMalformed},
		{name: "nbf as string", raw: f.signEd(t, func(c jwt.MapClaims) { c["nbf"] = fmt.Sprint(c["nbf"]) }), want: CodeMalformed},
		{name: "iat as string", raw: f.signEd(t, func(c jwt.MapClaims) { c["iat"] = fmt.Sprint(c["iat"]) }), want: CodeMalformed},
		{name: "exp null", raw: f.signEd(t, func(c jwt.MapClaims) { c["exp"] = nil }), want: CodeMalformed},
		{name: "exp as object", raw: f.signEd(t, func(c jwt.MapClaims) { c["exp"] = map[string]int64{"v": 1} }), want: CodeMalformed},
		// Claim names are case-sensitive (RFC 7519 section 4); the JSON
		// decoder underneath would read "Room" or "ſub" as room and sub.
		{name: "claim name in another case", raw: f.signEd(t, func(c jwt.MapClaims) { c["Room"] = "other" }), want: CodeMalformed},
		{name: "claim name with a folding rune", raw: f.signEd(t, func(c jwt.MapClaims) { delete(c, "sub"); c["\u017fub"] = "alice" }), want: CodeMalformed},
		{name: "grant name in another case", raw: f.signEd(t, func(c jwt.MapClaims) { c["grants"] = map[string]bool{"publish": true, "RoomAdmin": true} }), want: CodeMalformed},
		{name: "duplicate claim", raw: f.signRawPayload(t, `{"iss":%q,"sub":"alice","sub":"mallory","aud":"conclave","iat":%d,"nbf":%d,"exp":%d,"grants":{}}`), want: CodeMalformed},
		{name: "duplicate grant", raw: f.signRawPayload(t, `{"iss":%q,"sub":"alice","aud":"conclave","iat":%d,"nbf":%d,"exp":%d,"grants":{"publish":false,"publish":true}}`), want: CodeMalformed},
		{name: "trailing data after the claims", raw: f.signRawPayload(t, `{"iss":%q,"sub":"alice","aud":"conclave","iat":%d,"nbf":%d,"exp":%d,"grants":{}} {}`), want: CodeMalformed},
		{name: "payload not an object", raw: f.signRawPayload(t, `[%q,%d,%d,%d]`), want: CodeMalformed},
		{name: "unknown claims are ignored", raw: f.signRawPayload(t, `{"iss":%q,"sub":"alice","aud":"conclave","iat":%d,"nbf":%d,"exp":%d.5,"jti":"j1","grants":{"future":1},"x-app":{"a":[1,"b"]}}`)},
		{name: "no jti", raw: f.signRawPayload(t, `{"iss":%q,"sub":"alice","aud":"conclave","iat":%d,"nbf":%d,"exp":%d,"grants":{}}`), want: CodeMalformed},
		{name: "jti with a space", raw: f.signRawPayload(t, `{"iss":%q,"sub":"alice","aud":"conclave","iat":%d,"nbf":%d,"exp":%d,"jti":"a b","grants":{}}`), want: CodeMalformed},

		{name: "alg none", raw: sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, f.key.ID, f.claims()), want: CodeAlgorithm},
		{name: "HS256 with public key as secret", raw: sign(t, jwt.SigningMethodHS256, []byte(pub), f.key.ID, f.claims()), want: CodeAlgorithm},
		{name: "RS256", raw: sign(t, jwt.SigningMethodRS256, rsaKey, f.key.ID, f.claims()), want: CodeAlgorithm},

		{name: "tampered payload", raw: tamper, want: CodeSignature},
		{name: "signed by another key", raw: sign(t, jwt.SigningMethodEdDSA, otherPriv, f.key.ID, f.claims()), want: CodeSignature},

		{name: "expired", raw: valid, verifier: func(v *Verifier) { v.Now = func() time.Time { return f.now.Add(11 * time.Minute) } }, want: CodeExpired},
		{name: "not yet valid", raw: f.signEd(t, func(c jwt.MapClaims) {
			c["nbf"] = f.now.Add(30 * time.Minute).Unix()
			c["exp"] = f.now.Add(40 * time.Minute).Unix()
		}), want: CodeNotYetValid},
		{name: "issued in the future", raw: f.signEd(t, func(c jwt.MapClaims) {
			c["iat"] = f.now.Add(5 * time.Minute).Unix()
		}), want: CodeNotYetValid},
		{name: "wrong audience", raw: f.signEd(t, func(c jwt.MapClaims) { c["aud"] = "livekit" }), want: CodeAudience},
		{name: "no audience", raw: f.signEd(t, func(c jwt.MapClaims) { delete(c, "aud") }), want: CodeAudience},
		{name: "no exp", raw: f.signEd(t, func(c jwt.MapClaims) { delete(c, "exp") }), want: CodeNoExpiry},
		{name: "lifetime over maximum", raw: f.mint(t, f.key, func() token.Options { o := joinOpts(); o.TTL = 2 * time.Hour; return o }()), want: CodeLifetime},
		{name: "lifetime over maximum via old nbf", raw: f.signEd(t, func(c jwt.MapClaims) { c["nbf"] = f.now.Add(-2 * time.Hour).Unix() }), want: CodeLifetime},
		{name: "exp before nbf", raw: f.signEd(t, func(c jwt.MapClaims) { c["exp"] = f.now.Add(-time.Minute).Unix() }), want: CodeLifetime},
		{name: "unknown kid", raw: sign(t, jwt.SigningMethodEdDSA, otherPriv, "CKUNKNOWN00000", f.claims()), want: CodeUnknownKey},
		{name: "revoked key", raw: f.mint(t, f.revoked, joinOpts()), want: CodeRevokedKey},
		{name: "bad room syntax", raw: f.signEd(t, func(c jwt.MapClaims) { c["room"] = "../etc" }), want: CodeRoom},
		{name: "room is a dot segment", raw: f.signEd(t, func(c jwt.MapClaims) { c["room"] = "." }), want: CodeRoom},
		{name: "room is a dot-dot segment", raw: f.signEd(t, func(c jwt.MapClaims) { c["room"] = ".." }), want: CodeRoom},
		{name: "missing sub", raw: f.signEd(t, func(c jwt.MapClaims) { delete(c, "sub") }), want: CodeIdentity},
		{name: "sub too long", raw: f.signEd(t, func(c jwt.MapClaims) { c["sub"] = strings.Repeat("x", 129) }), want: CodeIdentity},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := f.verifier()
			if tt.verifier != nil {
				tt.verifier(v)
			}
			claims, err := v.Verify(ctx, tt.raw)
			if got := Code(err); got != tt.want {
				t.Fatalf("code = %q (err %v), want %q", got, err, tt.want)
			}
			seen[tt.want] = true
			if err == nil {
				if claims.Issuer == "" || claims.Subject == "" {
					t.Fatalf("claims = %+v", claims)
				}
				return
			}
			if claims != nil {
				t.Fatal("claims returned with an error")
			}
			if !errors.Is(err, &TokenError{Code: tt.want}) {
				t.Errorf("errors.Is does not match code %s", tt.want)
			}
			msg := err.Error()
			for _, p := range strings.Split(tt.raw, ".") {
				if len(p) > 8 && strings.Contains(msg, p) {
					t.Errorf("error %q contains part of the token", msg)
				}
			}
		})
	}
	for _, c := range []string{CodeMalformed, CodeAlgorithm, CodeSignature, CodeExpired, CodeNotYetValid, CodeAudience,
		CodeNoExpiry, CodeLifetime, CodeUnknownKey, CodeRevokedKey, CodeRoom, CodeIdentity} {
		if !seen[c] {
			t.Errorf("no test case for %s", c)
		}
	}
}

func TestVerifyClaimsContent(t *testing.T) {
	f := newFixture(t)
	c, err := f.verifier().Verify(context.Background(), f.mint(t, f.key, joinOpts()))
	if err != nil {
		t.Fatal(err)
	}
	want := token.Grants{Publish: true, Subscribe: true, PublishData: true}
	if c.Issuer != f.key.ID || c.Subject != "alice" || c.Name != "Alice" || c.Room != "standup" || c.Grants != want {
		t.Fatalf("claims = %+v", c)
	}
}

// TestRevocationIsImmediate uses two handles on one database, as the server
// and the CLI do: a key revoked through one is refused through the other on
// the very next verification.
func TestRevocationIsImmediate(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "shared.db")
	server, err := store.OpenSQLite(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	cli, err := store.OpenSQLite(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()

	rec, priv, err := NewAPIKey("app", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := cli.CreateAPIKey(ctx, rec); err != nil {
		t.Fatal(err)
	}
	raw := f.mint(t, token.Key{ID: rec.ID, Private: priv}, joinOpts())
	v := &Verifier{Keys: server}
	if _, err := v.Verify(ctx, raw); err != nil {
		t.Fatal(err)
	}
	if err := cli.RevokeAPIKey(ctx, rec.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(ctx, raw); Code(err) != CodeRevokedKey {
		t.Fatalf("after revocation: %v, want %s", err, CodeRevokedKey)
	}
}

type failingLookup struct{}

func (failingLookup) APIKey(context.Context, string) (store.APIKey, error) {
	return store.APIKey{}, errors.New("database is locked")
}

func TestVerifyStoreFailureIsNotATokenError(t *testing.T) {
	f := newFixture(t)
	v := &Verifier{Keys: failingLookup{}}
	_, err := v.Verify(context.Background(), f.mint(t, f.key, joinOpts()))
	if err == nil || Code(err) != "" {
		t.Fatalf("err = %v, code %q; want an internal error without a code", err, Code(err))
	}
	if _, err := (&Verifier{}).Verify(context.Background(), "x"); err == nil || Code(err) != "" {
		t.Fatalf("verifier without keys: %v", err)
	}
}

func TestNewAPIKey(t *testing.T) {
	rec, priv, err := NewAPIKey("billing app", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.ID) != 14 || !strings.HasPrefix(rec.ID, "CK") || strings.ToUpper(rec.ID) != rec.ID || token.ValidateKeyID(rec.ID) != nil {
		t.Fatalf("id = %q", rec.ID)
	}
	if !priv.Public().(ed25519.PublicKey).Equal(rec.PublicKey) || rec.Name != "billing app" || rec.CreatedAt.IsZero() {
		t.Fatalf("record = %+v", rec)
	}
	// Deterministic with a fixed reader.
	r1, p1, _ := NewAPIKey("x", bytes.NewReader(bytes.Repeat([]byte{1}, 64)))
	r2, p2, _ := NewAPIKey("x", bytes.NewReader(bytes.Repeat([]byte{1}, 64)))
	if r1.ID != r2.ID || !p1.Equal(p2) {
		t.Fatal("not deterministic for the same randomness")
	}
	if _, _, err := NewAPIKey("x", bytes.NewReader(nil)); err == nil {
		t.Fatal("empty reader accepted")
	}
	for _, bad := range []string{"", strings.Repeat("n", 129), "a\x00b", "a\nb", "\xff"} {
		if _, _, err := NewAPIKey(bad, nil); err == nil {
			t.Errorf("name %q accepted", bad)
		}
	}
}

// TestVerifyLifetimeFromPolicy: Lifetime, read at each Verify, takes
// MaxLifetime's place, so a policy change applies to the next token.
func TestVerifyLifetimeFromPolicy(t *testing.T) {
	f := newFixture(t)
	limit := time.Hour
	v := f.verifier()
	v.Lifetime = func() time.Duration { return limit }
	raw := f.signEd(t, func(c jwt.MapClaims) { c["exp"] = f.now.Add(30 * time.Minute).Unix() })
	if _, err := v.Verify(context.Background(), raw); err != nil {
		t.Fatalf("a 30-minute token under a 1-hour limit: %v", err)
	}
	limit = 10 * time.Minute
	if _, err := v.Verify(context.Background(), raw); Code(err) != CodeLifetime {
		t.Fatalf("a 30-minute token under a 10-minute limit = %v, want %s", err, CodeLifetime)
	}
}
