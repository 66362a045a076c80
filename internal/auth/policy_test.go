package auth

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCheckPassword(t *testing.T) {
	const email = "alice.smith@example.org"
	accepted := []string{
		"correct horse battery staple",
		"twelve chars", // exactly 12, with a space
		"            ", // 12 spaces: any characters are allowed
		"🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑",               // 12 code points, 48 bytes
		"pässwörd mit ümläuten",      // non-ASCII letters
		"пароль из кириллицы",        // Cyrillic
		"密码密码密码密码密码密码",               // 12 CJK characters
		"tab\tand\nnewline inside",   // control characters are characters too
		"password1234 but longer",    // contains a common password, is not one
		"alice.smitx is not my name", // close to, but not, the local part
		"Alic3 Sm1th's passphrase",   // the name, but not as the email spells it
		strings.Repeat("a", MaxPasswordLen),
		strings.Repeat("é", MaxPasswordLen), // 256 code points, 512 bytes
		strings.Repeat("🙂", MaxPasswordLen), // 256 code points, 1024 bytes
	}
	for _, pw := range accepted {
		if err := CheckPassword(pw, email); err != nil {
			t.Errorf("CheckPassword(%q) = %v, want nil", pw, err)
		}
	}

	refused := []struct {
		password, email, code string
	}{
		{"", email, CodePasswordTooShort},
		{"elevenchars", email, CodePasswordTooShort},
		{"🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑", email, CodePasswordTooShort},                         // 11 code points, 44 bytes
		{"e\u0301e\u0301e\u0301e\u0301e\u0301", email, CodePasswordTooShort}, // 10 code points, 15 bytes
		{strings.Repeat("a", MaxPasswordLen+1), email, CodePasswordTooLong},
		{strings.Repeat("é", MaxPasswordLen+1), email, CodePasswordTooLong},
		{strings.Repeat("🙂", MaxPasswordLen+1), email, CodePasswordTooLong},
		{strings.Repeat("a", 1<<20), email, CodePasswordTooLong},
		{"valid\xffbut not UTF-8", email, CodePasswordInvalidUTF8},
		{"password1234", email, CodePasswordCommon},
		{"PassWord1234", email, CodePasswordCommon},
		{"QWERTYUIOP123", email, CodePasswordCommon},
		{"qwerty123456", email, CodePasswordCommon},
		{"1q2w3e4r5t6y", email, CodePasswordCommon},
		{"iseedeadpeople", email, CodePasswordCommon},
		{"alice.smith2024!", email, CodePasswordContainsEmail},
		{"my name is ALICE.SMITH ok", email, CodePasswordContainsEmail},
		{"my name is ALICE.SMITH ok", "Alice.Smith@Example.org", CodePasswordContainsEmail},
		{"bob-is-my-password", "bob@example.org", CodePasswordContainsEmail},
		{"bob-is-my-password", "bob+conclave@example.org", CodePasswordContainsEmail},
		{"quoted@local is my password", "quoted@local@example.org", CodePasswordContainsEmail},
		{"żółćżółć is mine", "żółć@example.pl", CodePasswordContainsEmail},
	}
	for _, tc := range refused {
		err := CheckPassword(tc.password, tc.email)
		if !errors.Is(err, &PasswordError{Code: tc.code}) {
			t.Errorf("CheckPassword(%.40q, %q) = %v, want %s", tc.password, tc.email, err, tc.code)
			continue
		}
		if pe, ok := errors.AsType[*PasswordError](err); !ok || pe.Code != tc.code {
			t.Errorf("CheckPassword(%.40q): %v is not a *PasswordError with code %s", tc.password, err, tc.code)
		}
		if len(tc.password) >= 4 && strings.Contains(err.Error(), tc.password) {
			t.Errorf("the error %q contains the password", err)
		}
	}

	// A local part shorter than 3 characters is not looked for.
	for _, e := range []string{"jo@example.org", "j@example.org", "@example.org", "", "jo+x@example.org"} {
		if err := CheckPassword("jo is a fine name to have", e); err != nil {
			t.Errorf("CheckPassword(_, %q) = %v, want nil", e, err)
		}
	}
}

func TestCommonPasswordList(t *testing.T) {
	list := commonPasswords()
	if len(list) < 10000 {
		t.Fatalf("%d common passwords, want at least 10,000", len(list))
	}
	if !strings.HasPrefix(commonPasswordsText, "# ") || !strings.Contains(strings.SplitN(commonPasswordsText, "\n", 2)[0], "MIT") {
		t.Fatalf("common-passwords.txt does not start with a header naming its license")
	}
	lines := 0
	for line := range strings.Lines(commonPasswordsText) {
		line = strings.TrimSuffix(line, "\n")
		if strings.HasPrefix(line, "#") {
			continue
		}
		lines++
		if line == "" || line != strings.ToLower(line) || !utf8.ValidString(line) {
			t.Fatalf("line %q is not a lower-case password", line)
		}
	}
	if lines != len(list) {
		t.Fatalf("%d password lines but %d distinct passwords: the list is not deduplicated", lines, len(list))
	}
	for _, pw := range []string{"123456", "password", "qwertyuiop", "password1234", "qwertyuiop123", "qwerty123456", "1qaz2wsx3edc"} {
		if _, ok := list[pw]; !ok {
			t.Errorf("%q is not in the common password list", pw)
		}
	}
	// The header is not a password.
	if _, ok := list[strings.SplitN(commonPasswordsText, "\n", 2)[0]]; ok {
		t.Fatal("the header line was loaded as a password")
	}
	// Every common password long enough to pass the length rule is refused
	// as common, whatever its case.
	refused := 0
	for pw := range list {
		n := utf8.RuneCountInString(pw)
		if n < MinPasswordLen || n > MaxPasswordLen {
			continue
		}
		refused++
		if err := CheckPassword(strings.ToUpper(pw), "nobody@example.org"); !errors.Is(err, &PasswordError{Code: CodePasswordCommon}) {
			t.Fatalf("CheckPassword(%q) = %v, want %s", strings.ToUpper(pw), err, CodePasswordCommon)
		}
	}
	if refused < 200 {
		t.Fatalf("only %d common passwords are 12 characters or longer", refused)
	}
}

func TestPasswordErrorMessages(t *testing.T) {
	for _, code := range []string{CodePasswordTooShort, CodePasswordTooLong, CodePasswordInvalidUTF8, CodePasswordCommon, CodePasswordContainsEmail} {
		msg := (&PasswordError{Code: code}).Error()
		if !strings.HasPrefix(msg, code+": ") {
			t.Errorf("PasswordError{%s}.Error() = %q, want the code and an explanation", code, msg)
		}
	}
	if errors.Is(&PasswordError{Code: CodePasswordCommon}, &PasswordError{Code: CodePasswordTooShort}) {
		t.Fatal("PasswordErrors with different codes match")
	}
}

// FuzzCheckPassword checks that the policy never panics on any input and
// refuses only with a known code.
func FuzzCheckPassword(f *testing.F) {
	f.Add("correct horse battery staple", "alice@example.org")
	f.Add("password1234", "")
	f.Add("\xff\xfe", "@")
	f.Add(strings.Repeat("🙂", 300), "a+b+c@d@e")
	f.Fuzz(func(t *testing.T, password, email string) {
		err := CheckPassword(password, email)
		if err == nil {
			n := utf8.RuneCountInString(password)
			if !utf8.ValidString(password) || n < MinPasswordLen || n > MaxPasswordLen {
				t.Fatalf("CheckPassword(%q) accepted a password of %d characters", password, n)
			}
			return
		}
		pe, ok := errors.AsType[*PasswordError](err)
		if !ok {
			t.Fatalf("CheckPassword(%q) = %v, not a *PasswordError", password, err)
		}
		switch pe.Code {
		case CodePasswordTooShort, CodePasswordTooLong, CodePasswordInvalidUTF8, CodePasswordCommon, CodePasswordContainsEmail:
		default:
			t.Fatalf("CheckPassword(%q): unknown code %q", password, pe.Code)
		}
	})
}
