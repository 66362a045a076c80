package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Argon2Params are the argon2id cost parameters (RFC 9106 §3.1). Every stored
// hash carries its own, so they can be raised later: Verify reports
// needsRehash for a hash made with other parameters, and the caller stores a
// fresh Hash of the password it has just verified.
type Argon2Params struct {
	Memory  uint32 // m, in KiB
	Time    uint32 // t, the number of passes
	Threads uint8  // p, the degree of parallelism (lanes)
	SaltLen uint32 // in bytes
	KeyLen  uint32 // tag length, in bytes
}

// DefaultArgon2Params returns the second recommended option of RFC 9106 §4
// (t=3, p=4, m=64 MiB), with a 128-bit salt and a 256-bit tag. The first
// option (m=2 GiB) is not an option for a server that hashes for many users
// at once.
func DefaultArgon2Params() Argon2Params {
	return Argon2Params{Memory: 64 * 1024, Time: 3, Threads: 4, SaltLen: 16, KeyLen: 32}
}

// Bounds on argon2id parameters, enforced both on a Hasher's own parameters
// and on every stored hash Verify parses: a tampered or corrupted database row
// cannot make the server allocate more than MaxArgon2Memory per hash or spin
// for long. They leave room to raise the defaults fourfold.
const (
	MaxArgon2Memory  = 256 * 1024 // KiB (256 MiB); RFC 9106's minimum is 8*p
	MaxArgon2Time    = 16
	MaxArgon2Threads = 16
	MinArgon2SaltLen = 16 // RFC 9106 §3.1 recommends 128 bits
	MaxArgon2SaltLen = 64
	MinArgon2KeyLen  = 16
	MaxArgon2KeyLen  = 64
)

// MaxPasswordBytes is the longest password, in bytes, that Hash accepts and
// that Verify will compare: MaxPasswordLen code points of at most 4 UTF-8
// bytes each.
const MaxPasswordBytes = 4 * MaxPasswordLen

// phcPrefix starts every stored hash: the PHC string format's algorithm and
// the only version Verify accepts (0x13, RFC 9106).
const phcPrefix = "$argon2id$v=19$"

// maxEncodedHashLen bounds the stored form before it is parsed: the prefix,
// the three largest parameters, and the largest salt and tag in unpadded
// base64.
const maxEncodedHashLen = len(phcPrefix) + len("m=4294967295,t=4294967295,p=255$$") +
	(MaxArgon2SaltLen*8+5)/6 + (MaxArgon2KeyLen*8+5)/6

// base64Std is the alphabet of standard base64 (RFC 4648 §4).
const base64Std = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

// ErrBusy is returned by Hash, Verify and VerifyDummy when no hashing slot
// became free before the caller's context ended: the server is computing as
// many hashes as it allows. The error also matches the context's own error.
// Callers answer "try again later", never "wrong password".
var ErrBusy = errors.New("auth: password hashing is busy")

// ErrMalformedHash is returned by Verify when the stored hash is not an
// argon2id PHC string within the bounds above. It means corrupted or tampered
// data, not a wrong password. The error never contains the stored hash.
var ErrMalformedHash = errors.New("auth: malformed password hash")

// A Hasher hashes and verifies passwords with argon2id, computing at most
// maxConcurrent hashes at once so that a flood of sign-ins cannot exhaust
// memory: the peak is about maxConcurrent × Params().Memory KiB, and never
// more than maxConcurrent × MaxArgon2Memory KiB whatever the stored hashes
// say. It is safe for concurrent use.
type Hasher struct {
	params Argon2Params
	slots  chan struct{}
	// dummy is a well-formed hash with h's parameters that no password
	// matches in practice (its tag is random), for VerifyDummy.
	dummy string

	// Test hooks; nil outside tests.
	derive  func(password, salt []byte, p Argon2Params) []byte // replaces argon2.IDKey
	waiting func()                                             // called when a caller starts to wait for a slot
}

// NewHasher returns a Hasher that makes new hashes with params and computes
// at most maxConcurrent hashes at once. params must lie within the bounds
// above and maxConcurrent must be at least 1.
func NewHasher(params Argon2Params, maxConcurrent int) (*Hasher, error) {
	if err := checkArgon2Params(params); err != nil {
		return nil, fmt.Errorf("auth: argon2 parameters: %w", err)
	}
	if maxConcurrent < 1 {
		return nil, fmt.Errorf("auth: at most %d concurrent password hashes: need at least 1", maxConcurrent)
	}
	salt := make([]byte, params.SaltLen)
	tag := make([]byte, params.KeyLen)
	rand.Read(salt)
	rand.Read(tag)
	return &Hasher{
		params: params,
		slots:  make(chan struct{}, maxConcurrent),
		dummy:  encodePHC(params, salt, tag),
	}, nil
}

// Params returns the parameters h makes new hashes with.
func (h *Hasher) Params() Argon2Params { return h.params }

// Hash returns the PHC string of password hashed with a fresh random salt:
// $argon2id$v=19$m=65536,t=3,p=4$<salt>$<tag>, salt and tag in unpadded
// standard base64. A password that is empty or longer than MaxPasswordBytes
// gives a *PasswordError; a context that ends before a slot is free gives
// ErrBusy. Hash does not apply the password policy: see CheckPassword.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	switch {
	case password == "":
		return "", &PasswordError{Code: CodePasswordTooShort}
	case len(password) > MaxPasswordBytes:
		return "", &PasswordError{Code: CodePasswordTooLong}
	}
	salt := make([]byte, h.params.SaltLen)
	rand.Read(salt)
	tag, err := h.compute(ctx, []byte(password), salt, h.params)
	if err != nil {
		return "", err
	}
	return encodePHC(h.params, salt, tag), nil
}

// Verify reports whether password matches encoded, a string made by Hash,
// comparing in constant time. needsRehash is true when the password matches
// but encoded was made with parameters other than h's: the caller should
// then store Hash(password). A password longer than MaxPasswordBytes matches
// nothing (Hash never made one) and is refused without hashing. A malformed
// encoded gives ErrMalformedHash; a busy Hasher gives ErrBusy.
func (h *Hasher) Verify(ctx context.Context, password, encoded string) (ok, needsRehash bool, err error) {
	params, salt, want, err := parsePHC(encoded)
	if err != nil {
		return false, false, err
	}
	if len(password) > MaxPasswordBytes {
		return false, false, nil
	}
	got, err := h.compute(ctx, []byte(password), salt, params)
	if err != nil {
		return false, false, err
	}
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return false, false, nil
	}
	return true, params != h.params, nil
}

// VerifyDummy does the work of a Verify against a hash with h's parameters
// and discards the answer. Sign-in calls it when the email names no account,
// so that the answer takes as long as for a real account with a wrong
// password. Its only error is ErrBusy, which the caller reports exactly as it
// would for a real account.
func (h *Hasher) VerifyDummy(ctx context.Context, password string) error {
	_, _, err := h.Verify(ctx, password, h.dummy)
	return err
}

// compute runs argon2id once a slot is free.
func (h *Hasher) compute(ctx context.Context, password, salt []byte, p Argon2Params) ([]byte, error) {
	if err := h.acquire(ctx); err != nil {
		return nil, err
	}
	defer func() { <-h.slots }()
	if h.derive != nil {
		return h.derive(password, salt, p), nil
	}
	return argon2.IDKey(password, salt, p.Time, p.Memory, p.Threads, p.KeyLen), nil
}

// acquire takes a hashing slot, or gives ErrBusy once ctx ends. A context
// that has already ended never takes a slot, so an abandoned request costs
// no hash.
func (h *Hasher) acquire(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%w: %w", ErrBusy, err)
	}
	select {
	case h.slots <- struct{}{}:
		return nil
	default:
	}
	if h.waiting != nil {
		h.waiting()
	}
	select {
	case h.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("%w: %w", ErrBusy, ctx.Err())
	}
}

// checkArgon2Params checks p against the bounds above and RFC 9106's
// minimum memory of 8 KiB per lane.
func checkArgon2Params(p Argon2Params) error {
	switch {
	case p.Threads < 1 || p.Threads > MaxArgon2Threads:
		return fmt.Errorf("parallelism %d outside 1..%d", p.Threads, MaxArgon2Threads)
	case p.Time < 1 || p.Time > MaxArgon2Time:
		return fmt.Errorf("time %d outside 1..%d", p.Time, MaxArgon2Time)
	case p.Memory < 8*uint32(p.Threads) || p.Memory > MaxArgon2Memory:
		return fmt.Errorf("memory %d KiB outside %d..%d", p.Memory, 8*uint32(p.Threads), MaxArgon2Memory)
	case p.SaltLen < MinArgon2SaltLen || p.SaltLen > MaxArgon2SaltLen:
		return fmt.Errorf("salt length %d outside %d..%d", p.SaltLen, MinArgon2SaltLen, MaxArgon2SaltLen)
	case p.KeyLen < MinArgon2KeyLen || p.KeyLen > MaxArgon2KeyLen:
		return fmt.Errorf("key length %d outside %d..%d", p.KeyLen, MinArgon2KeyLen, MaxArgon2KeyLen)
	}
	return nil
}

func encodePHC(p Argon2Params, salt, tag []byte) string {
	return fmt.Sprintf("%sm=%d,t=%d,p=%d$%s$%s", phcPrefix, p.Memory, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(tag))
}

// parsePHC parses exactly the form encodePHC writes: the argon2id
// algorithm, version 19, the parameters m, t, p in that order as decimal
// numbers without leading zeros, and canonical unpadded standard base64 for
// salt and tag. Anything else, or anything outside the bounds, is
// ErrMalformedHash.
func parsePHC(s string) (p Argon2Params, salt, tag []byte, err error) {
	malformed := func(why string) (Argon2Params, []byte, []byte, error) {
		return Argon2Params{}, nil, nil, fmt.Errorf("%w: %s", ErrMalformedHash, why)
	}
	if len(s) > maxEncodedHashLen {
		return malformed("too long")
	}
	rest, found := strings.CutPrefix(s, phcPrefix)
	if !found {
		return malformed("not an argon2id version 19 PHC string")
	}
	fields := strings.Split(rest, "$")
	if len(fields) != 3 {
		return malformed("want parameters, salt and hash")
	}
	params := strings.Split(fields[0], ",")
	if len(params) != 3 {
		return malformed("want parameters m, t, p")
	}
	var values [3]uint32
	for i, name := range [3]string{"m=", "t=", "p="} {
		digits, ok := strings.CutPrefix(params[i], name)
		if !ok {
			return malformed("want parameters m, t, p in that order")
		}
		v, ok := parseDecimal(digits)
		if !ok {
			return malformed("parameter " + name[:1] + " is not a decimal number")
		}
		values[i] = v
	}
	if values[2] > MaxArgon2Threads {
		return malformed(fmt.Sprintf("parallelism above %d", MaxArgon2Threads))
	}
	p = Argon2Params{Memory: values[0], Time: values[1], Threads: uint8(values[2])}
	// The encoded lengths are checked before decoding so that no bound is
	// crossed even transiently.
	if len(fields[1]) > (MaxArgon2SaltLen*8+5)/6 || len(fields[2]) > (MaxArgon2KeyLen*8+5)/6 {
		return malformed("salt or hash too long")
	}
	// The decoder skips '\r' and '\n' even when strict, so the alphabet is
	// checked first.
	if !onlyChars(fields[1], base64Std) || !onlyChars(fields[2], base64Std) {
		return malformed("salt or hash is not unpadded standard base64")
	}
	enc := base64.RawStdEncoding.Strict()
	if salt, err = enc.DecodeString(fields[1]); err != nil {
		return malformed("salt is not canonical unpadded base64")
	}
	if tag, err = enc.DecodeString(fields[2]); err != nil {
		return malformed("hash is not canonical unpadded base64")
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(tag))
	if err := checkArgon2Params(p); err != nil {
		return malformed(err.Error())
	}
	return p, salt, tag, nil
}

// parseDecimal parses 1 to 10 ASCII digits without a leading zero (except
// "0" itself) into a uint32.
func parseDecimal(s string) (uint32, bool) {
	if s == "" || len(s) > 10 || (len(s) > 1 && s[0] == '0') {
		return 0, false
	}
	var v uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
	}
	if v > 1<<32-1 {
		return 0, false
	}
	return uint32(v), true
}

// onlyChars reports whether every byte of s is one of chars.
func onlyChars(s, chars string) bool {
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(chars, s[i]) < 0 {
			return false
		}
	}
	return true
}
