package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
)

// Recovery codes, session ids and opaque tokens are random secrets of at
// least 75 bits, so they are stored as a plain SHA-256 hash: a slow,
// salted hash protects what people choose, and nobody chooses these. A
// stolen database then holds nothing that signs in.
//
// The store finds a session or a token by its hash. Looking up a hash
// reveals, through timing, nothing about the secret (finding a secret whose
// hash starts with given bytes is as hard as inverting SHA-256), so that
// lookup needs no constant-time comparison; comparisons of secrets or hashes
// in memory use crypto/subtle, as MatchRecoveryCode does.

// Recovery codes are RecoveryCodeGroups groups of RecoveryCodeGroupLen
// characters from Crockford's base32 alphabet in lower case, joined by '-',
// like "7k3qd-x0m9a-4vtrb": 5 random bits a character, 75 bits a code.
// 75 rather than 50 bits because the hashes are unsalted: an attacker with a
// copy of the database attacks every code of every account at once.
const (
	RecoveryCodeGroups   = 3
	RecoveryCodeGroupLen = 5
	// MaxRecoveryCodes bounds the n of NewRecoveryCodes.
	MaxRecoveryCodes = 32

	recoveryCodeChars = RecoveryCodeGroups * RecoveryCodeGroupLen
	// maxRecoveryCodeInput bounds a typed code, separators included.
	maxRecoveryCodeInput = 64
)

// recoveryAlphabet is Crockford's base32: no i, l, o (taken for 1, 1, 0
// when typed) and no u, so no two characters look alike.
const recoveryAlphabet = "0123456789abcdefghjkmnpqrstvwxyz"

// NewRecoveryCodes returns n new distinct recovery codes to show the user
// once, and their hashes (as HashRecoveryCode computes them) to store. n must
// be 1 to MaxRecoveryCodes: it is a constant of the caller, and any other
// value panics.
func NewRecoveryCodes(n int) (codes []string, hashes [][]byte) {
	if n < 1 || n > MaxRecoveryCodes {
		panic(fmt.Sprintf("auth: NewRecoveryCodes(%d): n must be 1 to %d", n, MaxRecoveryCodes))
	}
	seen := make(map[string]bool, n)
	for len(codes) < n {
		raw := randomChars(recoveryAlphabet, recoveryCodeChars)
		if seen[raw] {
			continue
		}
		seen[raw] = true
		groups := make([]string, RecoveryCodeGroups)
		for i := range groups {
			groups[i] = raw[i*RecoveryCodeGroupLen : (i+1)*RecoveryCodeGroupLen]
		}
		codes = append(codes, strings.Join(groups, "-"))
		hashes = append(hashes, hashSecret(raw))
	}
	return codes, hashes
}

// HashRecoveryCode returns the hash of a recovery code as the user typed it:
// case, '-' and spaces are ignored, and i, l and o read as 1, 1 and 0. A
// code that is then not exactly the right number of alphabet characters is
// refused (ok false).
func HashRecoveryCode(code string) (hash []byte, ok bool) {
	if len(code) > maxRecoveryCodeInput {
		return nil, false
	}
	var raw [recoveryCodeChars]byte
	n := 0
	for i := 0; i < len(code); i++ {
		c := code[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		switch c {
		case '-', ' ':
			continue
		case 'i', 'l':
			c = '1'
		case 'o':
			c = '0'
		}
		if n == recoveryCodeChars || strings.IndexByte(recoveryAlphabet, c) < 0 {
			return nil, false
		}
		raw[n] = c
		n++
	}
	if n != recoveryCodeChars {
		return nil, false
	}
	return hashSecret(string(raw[:])), true
}

// MatchRecoveryCode reports which of an account's stored recovery code
// hashes the typed code matches. It compares against every hash in constant
// time, so the time taken says nothing about which matched. A malformed code
// matches none.
func MatchRecoveryCode(code string, hashes [][]byte) (index int, ok bool) {
	h, wellFormed := HashRecoveryCode(code)
	if !wellFormed {
		return -1, false
	}
	index = -1
	for i, stored := range hashes {
		if subtle.ConstantTimeCompare(h, stored) == 1 {
			index = i
		}
	}
	return index, index >= 0
}

// Session ids are 256 random bits in unpadded base64url: 43 characters that
// fit a cookie and a URL unescaped.
const (
	sessionIDBytes = 32
	sessionIDLen   = 43
)

// base64URL is the alphabet of base64url (RFC 4648 §5).
const base64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// NewSessionID returns a new session id, to set in the session cookie, and
// its hash, to store.
func NewSessionID() (id string, hash []byte) {
	b := make([]byte, sessionIDBytes)
	rand.Read(b)
	id = base64.RawURLEncoding.EncodeToString(b)
	return id, hashSecret(id)
}

// ParseSessionID checks that id has the form NewSessionID makes (length and
// canonical base64url) and returns its hash, to look up. A malformed id is
// refused before anything else is done with it.
func ParseSessionID(id string) (hash []byte, ok bool) {
	// The decoder skips '\r' and '\n' even when strict, so the alphabet is
	// checked first.
	if len(id) != sessionIDLen || !onlyChars(id, base64URL) {
		return nil, false
	}
	if _, err := base64.RawURLEncoding.Strict().DecodeString(id); err != nil {
		return nil, false
	}
	return hashSecret(id), true
}

// Opaque tokens are invite links and personal API tokens:
//
//	prefix_iiiiiiiiiiiiiiii_ssss…ssss
//
// a prefix naming the kind (lower-case letters and digits), a public id of
// 16 characters (80 random bits; stored in clear as the record's handle, so
// it can be listed and revoked) and a secret of 52 characters (260 random
// bits), both in lower-case base32 (a-z, 2-7), so a double click selects the
// whole token. The stored hash is SHA-256 of the whole token.
const (
	maxOpaquePrefixLen = 16
	opaqueIDChars      = 16
	opaqueSecretChars  = 52
)

const tokenAlphabet = "abcdefghijklmnopqrstuvwxyz234567"

// NewOpaqueToken returns a new token of the given kind to hand to the user
// once, its public id, and the hash to store. prefix is a constant of the
// caller ("inv", "cpt"): 1 to 16 lower-case ASCII letters and digits; any
// other panics.
func NewOpaqueToken(prefix string) (token, id string, hash []byte) {
	if !validOpaquePrefix(prefix) {
		panic(fmt.Sprintf("auth: NewOpaqueToken: prefix %q is not 1 to %d lower-case letters and digits", prefix, maxOpaquePrefixLen))
	}
	id = randomChars(tokenAlphabet, opaqueIDChars)
	token = prefix + "_" + id + "_" + randomChars(tokenAlphabet, opaqueSecretChars)
	return token, id, hashSecret(token)
}

// ParseOpaqueToken checks that token has exactly the form NewOpaqueToken
// makes for prefix, and returns its public id and its hash. The caller finds
// the record by id and compares the stored hash with
// subtle.ConstantTimeCompare, or finds it by hash.
func ParseOpaqueToken(prefix, token string) (id string, hash []byte, ok bool) {
	if !validOpaquePrefix(prefix) || len(token) != len(prefix)+1+opaqueIDChars+1+opaqueSecretChars {
		return "", nil, false
	}
	rest, found := strings.CutPrefix(token, prefix+"_")
	if !found || rest[opaqueIDChars] != '_' {
		return "", nil, false
	}
	id, secret := rest[:opaqueIDChars], rest[opaqueIDChars+1:]
	if !onlyChars(id, tokenAlphabet) || !onlyChars(secret, tokenAlphabet) {
		return "", nil, false
	}
	return id, hashSecret(token), true
}

func validOpaquePrefix(prefix string) bool {
	return prefix != "" && len(prefix) <= maxOpaquePrefixLen && onlyChars(prefix, "abcdefghijklmnopqrstuvwxyz0123456789")
}

// randomChars returns n characters drawn uniformly from alphabet, which has
// exactly 32.
func randomChars(alphabet string, n int) string {
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[b[i]&31]
	}
	return string(b)
}

func hashSecret(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}
