package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// TOTP as RFC 6238 with the parameters every authenticator app supports:
// HMAC-SHA-1, 6 digits, a 30-second step counted from the Unix epoch, and
// one step of clock skew either way.
const (
	TOTPDigits     = 6
	TOTPPeriod     = 30 // seconds
	TOTPSkew       = 1  // steps accepted before and after the current one
	TOTPSecretSize = 20 // bytes: 160 bits, RFC 4226's recommended length

	// VerifyTOTP refuses shared secrets outside these bounds (RFC 4226
	// requires at least 128 bits).
	minTOTPSecretSize = 16
	maxTOTPSecretSize = 64

	// maxTOTPInput bounds the code as typed, spaces included.
	maxTOTPInput = 32
)

// NewTOTPSecret returns a new random TOTP shared secret of TOTPSecretSize
// bytes. It is a secret like a password: store it protected, never log it.
func NewTOTPSecret() []byte {
	secret := make([]byte, TOTPSecretSize)
	rand.Read(secret)
	return secret
}

// TOTPKeyURI returns the otpauth:// URI that authenticator apps read from a
// QR code ("Key Uri Format" of Google Authenticator):
//
//	otpauth://totp/Issuer:account?secret=BASE32&issuer=Issuer&algorithm=SHA1&digits=6&period=30
//
// issuer and account are percent-encoded, ':' included, so neither can
// forge the label's separator. The URI contains the secret: it goes into the
// QR code and nowhere else (not into logs, not into a URL Conclave serves).
func TOTPKeyURI(issuer, account string, secret []byte) string {
	var b strings.Builder
	b.WriteString("otpauth://totp/")
	b.WriteString(uriEscape(issuer))
	b.WriteString(":")
	b.WriteString(uriEscape(account))
	b.WriteString("?secret=")
	b.WriteString(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(secret))
	b.WriteString("&issuer=")
	b.WriteString(uriEscape(issuer))
	b.WriteString("&algorithm=SHA1&digits=")
	b.WriteString(strconv.Itoa(TOTPDigits))
	b.WriteString("&period=")
	b.WriteString(strconv.Itoa(TOTPPeriod))
	return b.String()
}

// uriEscape percent-encodes everything but RFC 3986's unreserved
// characters, with %20 for space (apps differ on '+').
func uriEscape(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

// TOTPCode returns the TOTPDigits-digit code of secret for the step that
// contains t. Times before the Unix epoch count as step 0.
func TOTPCode(secret []byte, t time.Time) string {
	return hotp(secret, uint64(totpStep(t)), TOTPDigits)
}

// VerifyTOTP checks a code typed by the user against secret at time now.
// The code must be exactly TOTPDigits ASCII digits; spaces around and
// between them are ignored and anything else is refused. It is accepted if
// it is the code of the current step or of the step before or after
// (TOTPSkew), and only if that step is after lastStep: the caller stores the
// returned step as the account's new lastStep, so that each code is accepted
// once, and an older code cannot be used after a newer one. Start with
// lastStep 0. Codes are compared in constant time; a secret shorter than 128
// or longer than 512 bits matches nothing.
func VerifyTOTP(secret []byte, code string, now time.Time, lastStep int64) (step int64, ok bool) {
	digits, wellFormed := parseTOTPCode(code)
	if !wellFormed || len(secret) < minTOTPSecretSize || len(secret) > maxTOTPSecretSize {
		return 0, false
	}
	current := totpStep(now)
	matched := int64(-1)
	// Every candidate is computed and compared, whatever matched before,
	// so the time taken does not depend on which step matched. The earliest
	// match after lastStep wins, which leaves the later steps usable.
	for s := current + TOTPSkew; s >= current-TOTPSkew; s-- {
		if s < 0 {
			continue
		}
		want := hotp(secret, uint64(s), TOTPDigits)
		eq := subtle.ConstantTimeCompare([]byte(want), []byte(digits)) == 1
		if eq && s > lastStep {
			matched = s
		}
	}
	if matched < 0 {
		return 0, false
	}
	return matched, true
}

// parseTOTPCode returns the digits of a typed code: exactly TOTPDigits
// ASCII digits once ASCII spaces are removed, from at most maxTOTPInput
// bytes.
func parseTOTPCode(code string) (string, bool) {
	if len(code) > maxTOTPInput {
		return "", false
	}
	var digits [TOTPDigits]byte
	n := 0
	for i := 0; i < len(code); i++ {
		c := code[i]
		switch {
		case c == ' ':
		case c >= '0' && c <= '9' && n < TOTPDigits:
			digits[n] = c
			n++
		default:
			return "", false
		}
	}
	if n != TOTPDigits {
		return "", false
	}
	return string(digits[:]), true
}

// totpStep is RFC 6238's T with T0 = 0 and X = TOTPPeriod, and 0 before the
// epoch.
func totpStep(t time.Time) int64 {
	return max(t.Unix(), 0) / TOTPPeriod
}

// hotp is RFC 4226's HOTP with HMAC-SHA-1: the counter as 8 big-endian
// bytes, dynamic truncation, and the last digits of the result, zero-padded.
// digits is 6 to 8 (RFC 4226 §5.3).
func hotp(secret []byte, counter uint64, digits int) string {
	mac := hmac.New(sha1.New, secret)
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], counter)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	offset := sum[len(sum)-1] & 0x0f
	bin := binary.BigEndian.Uint32(sum[offset:offset+4]) & 0x7fffffff
	mod := uint32(1)
	for range digits {
		mod *= 10
	}
	s := strconv.FormatUint(uint64(bin%mod), 10)
	return strings.Repeat("0", digits-len(s)) + s
}
