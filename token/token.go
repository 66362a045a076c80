// Package token mints Conclave join and server-API tokens.
//
// App servers hold an API key (an Ed25519 private key and its key id) and use
// this package to sign short-lived JWTs (alg EdDSA, header kid = key id) that
// browsers and bots present to a Conclave server. The server verifies them
// with the public key only; see internal/auth and docs/tokens.md.
//
// The package also reads and writes the CLI credentials file
// (credentials.json) that holds a key id and its private key.
package token

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/golang-jwt/jwt/v5"
)

// Audience is the only accepted "aud" claim value.
const Audience = "conclave"

// Algorithm is the only accepted JWS algorithm.
const Algorithm = "EdDSA"

// Length limits, in bytes, for the string claims.
const (
	MaxIdentityLen = 128
	MaxNameLen     = 128
	MaxRoomLen     = 128
	MaxKeyIDLen    = 64
)

// privateKeyPrefix marks a serialised private key so that it is recognisable
// in a secret scanner and cannot be mistaken for another kind of string.
const privateKeyPrefix = "ck_sk_"

// Claims are the JWT claims of a Conclave token.
//
// RegisteredClaims carries iss (the key id), sub (the identity), aud
// ("conclave"), exp, nbf, iat and jti.
type Claims struct {
	jwt.RegisteredClaims
	Room   string `json:"room,omitempty"`
	Name   string `json:"name,omitempty"`
	Grants Grants `json:"grants"`
	// Owner is the account a server-issued token acts for (a user id,
	// "US_…"): the Conclave server sets it on the host join tokens it
	// signs with its own key. A server accepts it only in tokens signed by
	// that key, and then treats the token as the account's; a token of
	// any other key that carries it is refused (token_owner).
	Owner string `json:"owner,omitempty"`
	// Invite is the id of the meeting invite a guest token was issued
	// for: the server sets it, with Owner, on the guest join tokens it
	// signs when an invite link is redeemed, so that a host sees who came
	// by invite. Like Owner, a server accepts it only in tokens signed by
	// its own key.
	Invite string `json:"invite,omitempty"`
	// Member is the user id of the organisation's signed-in member an
	// invite's guest token was issued to (with Invite and Owner): the
	// server sets it when a member redeems an invite with its session,
	// and accepts it only in tokens signed by its own key. The policy's
	// members_skip_lobby lets such a join skip the lobby.
	Member string `json:"member,omitempty"`
}

// Key is an API key able to sign tokens. It prints redacted in every fmt verb
// and in slog, so logging it never leaks the private key.
type Key struct {
	ID      string
	Private ed25519.PrivateKey
}

const redacted = "[redacted]"

// String returns a redacted description of the key.
func (k Key) String() string { return "token.Key{ID:" + k.ID + " Private:" + redacted + "}" }

// GoString returns the same redacted description as String, for %#v.
func (k Key) GoString() string { return k.String() }

// Format prints the redacted description for every verb.
func (k Key) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(k.String())) }

// LogValue keeps the private key out of structured logs.
func (k Key) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", k.ID), slog.String("private", redacted))
}

// ParsePrivateKey parses a private key in the "ck_sk_" + base64url(seed) form
// printed by `conclave apikey create`. Errors never contain the input.
func ParsePrivateKey(s string) (ed25519.PrivateKey, error) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(s), privateKeyPrefix)
	if !ok {
		return nil, errors.New("token: private key does not start with " + privateKeyPrefix)
	}
	seed, err := base64.RawURLEncoding.Strict().DecodeString(rest)
	if err != nil {
		return nil, errors.New("token: private key is not valid unpadded base64url")
	}
	if len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("token: private key seed is %d bytes, want %d", len(seed), ed25519.SeedSize)
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// FormatPrivateKey returns the "ck_sk_" + base64url(seed) form of k, the
// inverse of ParsePrivateKey. It panics if k is not an Ed25519 private key
// (a programming error, like ed25519.PrivateKey.Seed).
func FormatPrivateKey(k ed25519.PrivateKey) string {
	return privateKeyPrefix + base64.RawURLEncoding.EncodeToString(k.Seed())
}

// Options describe a token to mint.
type Options struct {
	// Identity becomes "sub". Required for join tokens (any of publish,
	// subscribe, publishData).
	Identity string
	// Name is the display name shown to other participants.
	Name string
	// Room restricts the token to one room. Empty means the token names no
	// room.
	Room string
	// TTL is the token lifetime; required and > 0. The server refuses tokens
	// that live longer than its configured maximum.
	TTL    time.Duration
	Grants Grants
	// Owner sets the owner claim. Only the Conclave server's own key may
	// sign a token with one (Claims.Owner); leave it empty.
	Owner string
	// Invite sets the invite claim (Claims.Invite), with Owner: the
	// server's alone.
	Invite string
	// Member sets the member claim (Claims.Member), with Invite: the
	// server's alone.
	Member string
}

// Mint signs a token with k. It sets iss = k.ID, kid = k.ID, sub =
// o.Identity, aud = "conclave", iat = nbf = now, exp = now + o.TTL and a
// random 128-bit jti.
func (k Key) Mint(o Options) (string, error) {
	return k.mint(o, time.Now())
}

// MintAt is Mint with now given instead of read from the system clock:
// for a server that keeps its own clock. The token's iat and nbf are now
// truncated to the second, and its exp that plus o.TTL.
func (k Key) MintAt(o Options, now time.Time) (string, error) {
	return k.mint(o, now)
}

func (k Key) mint(o Options, now time.Time) (string, error) {
	if err := ValidateKeyID(k.ID); err != nil {
		return "", err
	}
	if len(k.Private) != ed25519.PrivateKeySize {
		return "", errors.New("token: key has no valid Ed25519 private key")
	}
	if o.TTL <= 0 {
		return "", errors.New("token: TTL is required and must be positive")
	}
	if o.Identity == "" && o.Grants.Join() {
		return "", errors.New("token: identity is required for a token with publish, subscribe or publishData")
	}
	if o.Identity != "" {
		if err := ValidateIdentity(o.Identity); err != nil {
			return "", err
		}
	}
	if err := ValidateName(o.Name); err != nil {
		return "", err
	}
	if o.Room != "" {
		if err := ValidateRoom(o.Room); err != nil {
			return "", err
		}
	}
	if o.Owner != "" {
		if err := ValidateIdentity(o.Owner); err != nil {
			return "", fmt.Errorf("token: owner: %w", err)
		}
	}
	if o.Invite != "" {
		if o.Owner == "" {
			return "", errors.New("token: invite: only with an owner")
		}
		if err := ValidateIdentity(o.Invite); err != nil {
			return "", fmt.Errorf("token: invite: %w", err)
		}
	}
	if o.Member != "" {
		if o.Invite == "" {
			return "", errors.New("token: member: only with an invite")
		}
		if err := ValidateIdentity(o.Member); err != nil {
			return "", fmt.Errorf("token: member: %w", err)
		}
	}
	var jti [16]byte
	_, _ = rand.Read(jti[:]) // crypto/rand.Read never fails

	now = now.Truncate(time.Second)
	claims := Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    k.ID,
			Subject:   o.Identity,
			Audience:  jwt.ClaimStrings{Audience},
			ExpiresAt: jwt.NewNumericDate(now.Add(o.TTL)),
			NotBefore: jwt.NewNumericDate(now),
			IssuedAt:  jwt.NewNumericDate(now),
			ID:        base64.RawURLEncoding.EncodeToString(jti[:]),
		},
		Room:   o.Room,
		Name:   o.Name,
		Grants: o.Grants,
		Owner:  o.Owner,
		Invite: o.Invite,
		Member: o.Member,
	}
	t := jwt.NewWithClaims(jwt.SigningMethodEdDSA, claims)
	t.Header["kid"] = k.ID
	s, err := t.SignedString(k.Private)
	if err != nil {
		return "", fmt.Errorf("token: sign: %w", err)
	}
	return s, nil
}

// ValidateKeyID checks the syntax of an API key id: 1 to 64 bytes of ASCII
// letters and digits.
func ValidateKeyID(id string) error {
	if id == "" {
		return errors.New("token: key id is empty")
	}
	if len(id) > MaxKeyIDLen {
		return fmt.Errorf("token: key id is longer than %d bytes", MaxKeyIDLen)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9') {
			return errors.New("token: key id may contain only letters and digits")
		}
	}
	return nil
}

// ValidateIdentity checks an identity ("sub"): 1 to 128 bytes of valid UTF-8
// without control characters.
func ValidateIdentity(id string) error {
	if id == "" {
		return errors.New("token: identity is empty")
	}
	if len(id) > MaxIdentityLen {
		return fmt.Errorf("token: identity is longer than %d bytes", MaxIdentityLen)
	}
	if !printable(id) {
		return errors.New("token: identity must be valid UTF-8 without control characters")
	}
	return nil
}

// ValidateName checks a display name: at most 128 bytes of valid UTF-8
// without control characters. The empty name is valid.
func ValidateName(name string) error {
	if len(name) > MaxNameLen {
		return fmt.Errorf("token: name is longer than %d bytes", MaxNameLen)
	}
	if !printable(name) {
		return errors.New("token: name must be valid UTF-8 without control characters")
	}
	return nil
}

// ValidateRoom checks a room name: 1 to 128 characters from [A-Za-z0-9_.-],
// other than "." and "..". A room name is a path segment (/v1/rooms/{room})
// and those two are dot segments that clients and proxies resolve away
// (RFC 3986 section 5.2.4).
func ValidateRoom(room string) error {
	if room == "" {
		return errors.New("token: room name is empty")
	}
	if room == "." || room == ".." {
		return errors.New(`token: room name may not be "." or ".."`)
	}
	if len(room) > MaxRoomLen {
		return fmt.Errorf("token: room name is longer than %d bytes", MaxRoomLen)
	}
	for i := 0; i < len(room); i++ {
		c := room[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_' || c == '.' || c == '-') {
			return errors.New("token: room name may contain only A-Z, a-z, 0-9, '_', '.' and '-'")
		}
	}
	return nil
}

func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u2028' || r == '\u2029' {
			return false
		}
	}
	return true
}
