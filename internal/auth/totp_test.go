package auth

import (
	"bytes"
	"encoding/base32"
	"encoding/json"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"
)

// The TOTP vectors of RFC 6238 Appendix B, kept beside the repository.
const totpVectorsPath = "../../../shared/vectors/totp/rfc6238.json"

type totpVectors struct {
	Secrets map[string]string `json:"secrets"`
	Vectors []struct {
		Time int64  `json:"time"`
		SHA1 string `json:"SHA1"`
	} `json:"vectors"`
}

func loadTOTPVectors(t *testing.T) totpVectors {
	t.Helper()
	b, err := os.ReadFile(totpVectorsPath)
	if err != nil {
		t.Fatalf("read vectors: %v", err)
	}
	var v totpVectors
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decode vectors: %v", err)
	}
	if len(v.Vectors) != 6 || v.Secrets["SHA1"] == "" {
		t.Fatalf("vectors: %d vectors, SHA1 secret %q; want 6 and the RFC's secret", len(v.Vectors), v.Secrets["SHA1"])
	}
	return v
}

func TestTOTPRFC6238Vectors(t *testing.T) {
	v := loadTOTPVectors(t)
	secret := []byte(v.Secrets["SHA1"])
	for _, vec := range v.Vectors {
		if len(vec.SHA1) != 8 {
			t.Fatalf("vector at %d: %q is not 8 digits", vec.Time, vec.SHA1)
		}
		step := vec.Time / TOTPPeriod
		// The vectors have 8 digits: check the HOTP core with 8 digits.
		if got := hotp(secret, uint64(step), 8); got != vec.SHA1 {
			t.Errorf("hotp(step %d, 8 digits) = %s, want %s", step, got, vec.SHA1)
		}
		// A 6-digit code is the same number modulo 10^6: the last 6 digits.
		want := vec.SHA1[2:]
		at := time.Unix(vec.Time, 0)
		if got := TOTPCode(secret, at); got != want {
			t.Errorf("TOTPCode(%d) = %s, want %s", vec.Time, got, want)
		}
		got, ok := VerifyTOTP(secret, want, at, 0)
		if !ok || got != step {
			t.Errorf("VerifyTOTP(%s at %d) = %d, %v; want %d, true", want, vec.Time, got, ok, step)
		}
	}
}

// TestHOTPRFC4226Vectors checks the HOTP core with 6 digits against RFC 4226
// Appendix D.
func TestHOTPRFC4226Vectors(t *testing.T) {
	secret := []byte("12345678901234567890")
	want := []string{"755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"}
	for counter, w := range want {
		if got := hotp(secret, uint64(counter), 6); got != w {
			t.Errorf("hotp(counter %d) = %s, want %s", counter, got, w)
		}
	}
}

// testTOTPSecret is a fixed secret whose codes for the steps around
// testTOTPNow are all different (checked in the test that uses them).
var testTOTPSecret = []byte("conclave-totp-secret")

var testTOTPNow = time.Unix(1_750_000_000, 0)

func TestVerifyTOTPSkewWindow(t *testing.T) {
	current := testTOTPNow.Unix() / TOTPPeriod
	codes := map[int64]string{}
	seen := map[string]bool{}
	for d := int64(-3); d <= 3; d++ {
		c := hotp(testTOTPSecret, uint64(current+d), TOTPDigits)
		if seen[c] {
			t.Fatalf("two steps around now share code %s; pick another secret", c)
		}
		seen[c] = true
		codes[d] = c
	}
	// Each second of the step behaves the same: the first and the last.
	stepStart := time.Unix(current*TOTPPeriod, 0)
	for _, now := range []time.Time{stepStart, stepStart.Add(TOTPPeriod*time.Second - time.Nanosecond), testTOTPNow} {
		for d, code := range codes {
			step, ok := VerifyTOTP(testTOTPSecret, code, now, 0)
			wantOK := d >= -TOTPSkew && d <= TOTPSkew
			if ok != wantOK || (ok && step != current+d) {
				t.Errorf("at %v: code of step %+d gives %d, %v; want ok=%v step %d", now, d, step, ok, wantOK, current+d)
			}
		}
	}
	// The boundary: a second after the step ends, the code of step-1 is
	// two steps old.
	if _, ok := VerifyTOTP(testTOTPSecret, codes[-1], stepStart.Add(TOTPPeriod*time.Second), 0); ok {
		t.Error("the code of two steps ago was accepted at the start of a step")
	}
	if _, ok := VerifyTOTP(testTOTPSecret, codes[1], stepStart.Add(-time.Nanosecond), 0); ok {
		t.Error("the code of two steps ahead was accepted at the end of a step")
	}
}

func TestVerifyTOTPReplay(t *testing.T) {
	current := testTOTPNow.Unix() / TOTPPeriod
	code := func(d int64) string { return hotp(testTOTPSecret, uint64(current+d), TOTPDigits) }

	last, ok := VerifyTOTP(testTOTPSecret, code(0), testTOTPNow, 0)
	if !ok || last != current {
		t.Fatalf("first use: %d, %v; want %d, true", last, ok, current)
	}
	if _, ok := VerifyTOTP(testTOTPSecret, code(0), testTOTPNow, last); ok {
		t.Fatal("the same code was accepted twice")
	}
	if _, ok := VerifyTOTP(testTOTPSecret, code(0), testTOTPNow.Add(TOTPPeriod*time.Second), last); ok {
		t.Fatal("the same code was accepted twice, a step later")
	}
	if _, ok := VerifyTOTP(testTOTPSecret, code(-1), testTOTPNow, last); ok {
		t.Fatal("an older code was accepted after a newer one")
	}
	next, ok := VerifyTOTP(testTOTPSecret, code(1), testTOTPNow, last)
	if !ok || next != current+1 {
		t.Fatalf("the next step's code: %d, %v; want %d, true", next, ok, current+1)
	}
	if _, ok := VerifyTOTP(testTOTPSecret, code(1), testTOTPNow.Add(TOTPPeriod*time.Second), next); ok {
		t.Fatal("the next step's code was accepted again when its step came")
	}
}

func TestVerifyTOTPInput(t *testing.T) {
	code := TOTPCode(testTOTPSecret, testTOTPNow)
	accepted := []string{
		code,
		code[:3] + " " + code[3:],
		" " + code + " ",
		"  " + code[:2] + " " + code[2:4] + " " + code[4:] + "  ",
	}
	for _, in := range accepted {
		if _, ok := VerifyTOTP(testTOTPSecret, in, testTOTPNow, 0); !ok {
			t.Errorf("VerifyTOTP(%q) refused", in)
		}
	}
	fullwidth := strings.Map(func(r rune) rune { return r - '0' + '０' }, code)
	arabic := strings.Map(func(r rune) rune { return r - '0' + '٠' }, code)
	refused := []string{
		"",
		"      ",
		code[:5],
		code + "0",
		"0" + code,
		code[:5] + "a",
		code[:3] + "-" + code[3:],
		code[:3] + "\t" + code[3:],
		code + "\n",
		"\u00a0" + code, // no-break space
		"+" + code[1:],
		"-" + code[1:],
		fullwidth,
		arabic,
		code + "\x00",
		strings.Repeat(" ", maxTOTPInput) + code,
	}
	for _, in := range refused {
		if _, ok := VerifyTOTP(testTOTPSecret, in, testTOTPNow, 0); ok {
			t.Errorf("VerifyTOTP(%q) accepted", in)
		}
	}
	// Secrets outside the bounds match nothing, even with their own code.
	for _, secret := range [][]byte{nil, {}, make([]byte, minTOTPSecretSize-1), make([]byte, maxTOTPSecretSize+1)} {
		if _, ok := VerifyTOTP(secret, TOTPCode(secret, testTOTPNow), testTOTPNow, 0); ok {
			t.Errorf("VerifyTOTP with a %d-byte secret accepted its code", len(secret))
		}
	}
	for _, secret := range [][]byte{make([]byte, minTOTPSecretSize), make([]byte, maxTOTPSecretSize)} {
		if _, ok := VerifyTOTP(secret, TOTPCode(secret, testTOTPNow), testTOTPNow, 0); !ok {
			t.Errorf("VerifyTOTP with a %d-byte secret refused its code", len(secret))
		}
	}
	// A wrong secret does not verify.
	if _, ok := VerifyTOTP([]byte("another-totp-secret!"), code, testTOTPNow, 0); ok {
		t.Error("a code verified with another secret")
	}
}

func TestTOTPBeforeEpoch(t *testing.T) {
	secret := NewTOTPSecret()
	before := time.Unix(-1, 0)
	if got, want := TOTPCode(secret, before), hotp(secret, 0, TOTPDigits); got != want {
		t.Fatalf("TOTPCode before the epoch = %s, want step 0's %s", got, want)
	}
	// Step -1 does not exist: only steps 0 and 1 are candidates.
	if step, ok := VerifyTOTP(secret, TOTPCode(secret, before), before, -5); !ok || step != 0 {
		t.Fatalf("VerifyTOTP before the epoch = %d, %v; want 0, true", step, ok)
	}
}

func TestNewTOTPSecret(t *testing.T) {
	a, b := NewTOTPSecret(), NewTOTPSecret()
	if len(a) != TOTPSecretSize || len(b) != TOTPSecretSize || TOTPSecretSize != 20 {
		t.Fatalf("secrets of %d and %d bytes, want 20", len(a), len(b))
	}
	if bytes.Equal(a, b) {
		t.Fatal("two new secrets are equal")
	}
}

func TestTOTPKeyURI(t *testing.T) {
	secret := []byte("12345678901234567890")
	got := TOTPKeyURI("Conclave", "alice@example.org", secret)
	want := "otpauth://totp/Conclave:alice%40example.org?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Conclave&algorithm=SHA1&digits=6&period=30"
	if got != want {
		t.Fatalf("TOTPKeyURI = %q\nwant          %q", got, want)
	}

	// Separators in the names are escaped, and the URI parses back to them.
	secret = NewTOTPSecret()
	issuer, account := "Acme: Legal & Co?", "bob:smith#1@example.org"
	raw := TOTPKeyURI(issuer, account, secret)
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if u.Scheme != "otpauth" || u.Host != "totp" {
		t.Fatalf("%q: scheme %q host %q", raw, u.Scheme, u.Host)
	}
	if strings.Count(u.EscapedPath(), ":") != 1 || strings.Contains(raw, " ") || strings.Contains(raw, "+") {
		t.Fatalf("%q: the label's separator or spaces are not escaped", raw)
	}
	if label := strings.TrimPrefix(u.Path, "/"); label != issuer+":"+account {
		t.Fatalf("%q: label %q, want %q", raw, label, issuer+":"+account)
	}
	q := u.Query()
	if q.Get("issuer") != issuer || q.Get("algorithm") != "SHA1" || q.Get("digits") != "6" || q.Get("period") != "30" {
		t.Fatalf("%q: query %v", raw, q)
	}
	s := q.Get("secret")
	if strings.Contains(s, "=") {
		t.Fatalf("%q: the secret is padded", raw)
	}
	decoded, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(s)
	if err != nil || !bytes.Equal(decoded, secret) {
		t.Fatalf("%q: secret decodes to %x, %v; want %x", raw, decoded, err, secret)
	}
}

// FuzzVerifyTOTP checks that VerifyTOTP never panics on any typed code and
// accepts only the right 6 digits, possibly with spaces.
func FuzzVerifyTOTP(f *testing.F) {
	code := TOTPCode(testTOTPSecret, testTOTPNow)
	f.Add(code, int64(0))
	f.Add(" "+code[:3]+" "+code[3:]+" ", int64(0))
	f.Add(code, testTOTPNow.Unix()/TOTPPeriod)
	f.Add("12345６", int64(-1))
	f.Add("", int64(1<<62))
	f.Fuzz(func(t *testing.T, in string, lastStep int64) {
		step, ok := VerifyTOTP(testTOTPSecret, in, testTOTPNow, lastStep)
		digits, wellFormed := parseTOTPCode(in)
		if wellFormed {
			if len(digits) != TOTPDigits || strings.Trim(digits, "0123456789") != "" || strings.ReplaceAll(in, " ", "") != digits {
				t.Fatalf("parseTOTPCode(%q) = %q", in, digits)
			}
		}
		if !ok {
			return
		}
		current := testTOTPNow.Unix() / TOTPPeriod
		if !wellFormed || step <= lastStep || step < current-TOTPSkew || step > current+TOTPSkew ||
			hotp(testTOTPSecret, uint64(step), TOTPDigits) != digits {
			t.Fatalf("VerifyTOTP(%q, lastStep %d) accepted step %d", in, lastStep, step)
		}
	})
}
