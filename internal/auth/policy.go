package auth

import (
	_ "embed"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/conclave-video/conclave/protocol"
)

// Password length bounds, in characters. A character is a Unicode code point
// of the password exactly as received: the password is not normalized (Go's
// standard library has no Unicode normalization and Conclave takes no
// dependency for it), so "é" typed as one precomposed code point counts 1 and
// as "e" plus a combining accent counts 2, and the two spellings hash
// differently. Browsers and operating systems send the precomposed form.
const (
	MinPasswordLen = 12
	MaxPasswordLen = 256
)

// minEmailLocalLen is the shortest local part of an email address that a
// password may not contain: shorter ones ("jo") would refuse too many
// passwords by chance.
const minEmailLocalLen = 3

// Stable password policy codes. They appear on the wire; never change one.
const (
	CodePasswordTooShort      = protocol.CodePasswordTooShort      // fewer than MinPasswordLen characters
	CodePasswordTooLong       = protocol.CodePasswordTooLong       // more than MaxPasswordLen characters
	CodePasswordInvalidUTF8   = protocol.CodePasswordInvalidUTF8   // not valid UTF-8, so not characters at all
	CodePasswordCommon        = protocol.CodePasswordCommon        // in the list of common passwords, ignoring case
	CodePasswordContainsEmail = protocol.CodePasswordContainsEmail // contains the local part of the account's email
)

// PasswordError is why a password was refused. Its message never contains
// the password.
type PasswordError struct {
	Code string
}

func (e *PasswordError) Error() string {
	switch e.Code {
	case CodePasswordTooShort:
		return e.Code + ": the password is shorter than 12 characters"
	case CodePasswordTooLong:
		return e.Code + ": the password is longer than 256 characters"
	case CodePasswordInvalidUTF8:
		return e.Code + ": the password is not valid UTF-8"
	case CodePasswordCommon:
		return e.Code + ": the password is one of the most common passwords"
	case CodePasswordContainsEmail:
		return e.Code + ": the password contains the email address's name"
	}
	return e.Code
}

// Is makes errors.Is(err, &PasswordError{Code: c}) match any PasswordError
// with code c.
func (e *PasswordError) Is(target error) bool {
	t, ok := target.(*PasswordError)
	return ok && t.Code == e.Code
}

// CheckPassword applies the password policy to a new password for the
// account with the given email, and returns nil or a *PasswordError. Any
// characters are allowed, spaces and emoji included; the password must be
// valid UTF-8, MinPasswordLen to MaxPasswordLen characters long, not one of
// the common passwords (ignoring case), and must not contain the local part
// of email (ignoring case) when that is at least 3 characters long. For a
// sub-addressed email (alice+conf@example.org) the part before '+' counts
// too.
func CheckPassword(password, email string) error {
	if !utf8.ValidString(password) {
		return &PasswordError{Code: CodePasswordInvalidUTF8}
	}
	// Bound the work before counting: more bytes than this cannot be few
	// enough characters.
	if len(password) > MaxPasswordBytes {
		return &PasswordError{Code: CodePasswordTooLong}
	}
	switch n := utf8.RuneCountInString(password); {
	case n < MinPasswordLen:
		return &PasswordError{Code: CodePasswordTooShort}
	case n > MaxPasswordLen:
		return &PasswordError{Code: CodePasswordTooLong}
	}
	lower := strings.ToLower(password)
	if _, common := commonPasswords()[lower]; common {
		return &PasswordError{Code: CodePasswordCommon}
	}
	for _, name := range emailNames(email) {
		if strings.Contains(lower, name) {
			return &PasswordError{Code: CodePasswordContainsEmail}
		}
	}
	return nil
}

// emailNames returns the lower-cased local part of email and, when it is
// sub-addressed, the part before '+': each only if at least
// minEmailLocalLen characters long. An email without '@' counts as all
// local part.
func emailNames(email string) []string {
	local := email
	if i := strings.LastIndexByte(email, '@'); i >= 0 {
		local = email[:i]
	}
	local = strings.ToLower(strings.TrimSpace(local))
	var names []string
	if utf8.RuneCountInString(local) >= minEmailLocalLen {
		names = append(names, local)
	}
	if base, _, tagged := strings.Cut(local, "+"); tagged && utf8.RuneCountInString(base) >= minEmailLocalLen {
		names = append(names, base)
	}
	return names
}

// commonPasswordsText is zxcvbn's list of the 30,000 most common passwords,
// lower-cased, one a line after a header comment; scripts/gen-common-passwords
// makes it.
//
//go:embed common-passwords.txt
var commonPasswordsText string

// commonPasswords parses commonPasswordsText once, on first use.
var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	set := make(map[string]struct{}, 32*1024)
	for line := range strings.Lines(commonPasswordsText) {
		line = strings.TrimRight(line, "\r\n")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		set[strings.ToLower(line)] = struct{}{}
	}
	return set
})
