package auth

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"regexp"
	"strings"
	"testing"
)

var recoveryCodeForm = regexp.MustCompile(`^[0-9a-hjkmnp-tv-z]{5}-[0-9a-hjkmnp-tv-z]{5}-[0-9a-hjkmnp-tv-z]{5}$`)

func TestNewRecoveryCodes(t *testing.T) {
	codes, hashes := NewRecoveryCodes(10)
	if len(codes) != 10 || len(hashes) != 10 {
		t.Fatalf("%d codes and %d hashes, want 10 each", len(codes), len(hashes))
	}
	seen := map[string]bool{}
	for i, c := range codes {
		if !recoveryCodeForm.MatchString(c) {
			t.Fatalf("code %q is not three groups of five alphabet characters", c)
		}
		if seen[c] {
			t.Fatalf("code %q appears twice", c)
		}
		seen[c] = true
		h, ok := HashRecoveryCode(c)
		if !ok || !bytes.Equal(h, hashes[i]) || len(h) != sha256.Size {
			t.Fatalf("HashRecoveryCode(%q) = %x, %v; want the returned hash %x", c, h, ok, hashes[i])
		}
	}
	// The characters come from the whole alphabet, not a corner of it: 150
	// characters drawn uniformly from 32 show about 31.7 distinct ones, and
	// 15 or fewer with negligible probability.
	used := map[rune]bool{}
	for _, c := range codes {
		for _, r := range strings.ReplaceAll(c, "-", "") {
			used[r] = true
		}
	}
	if len(used) < 16 {
		t.Fatalf("only %d distinct characters in 150", len(used))
	}
	if RecoveryCodeGroups*RecoveryCodeGroupLen*5 < 50 {
		t.Fatal("recovery codes carry fewer than 50 bits")
	}
	for _, n := range []int{0, -1, MaxRecoveryCodes + 1} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("NewRecoveryCodes(%d) did not panic", n)
				}
			}()
			NewRecoveryCodes(n)
		}()
	}
}

func TestHashRecoveryCode(t *testing.T) {
	const code = "7k3qd-x0m9a-4vtrb"
	want, ok := HashRecoveryCode(code)
	if !ok {
		t.Fatalf("HashRecoveryCode(%q) refused", code)
	}
	if sum := sha256.Sum256([]byte("7k3qdx0m9a4vtrb")); !bytes.Equal(want, sum[:]) {
		t.Fatalf("HashRecoveryCode(%q) is not SHA-256 of the normalized code", code)
	}
	same := []string{
		"7K3QD-X0M9A-4VTRB",
		"7k3qdx0m9a4vtrb",
		" 7k3qd x0m9a 4vtrb ",
		"7k3qd--x0m9a--4vtrb",
		"7k3-qdx-0m9-a4v-trb",
		"7k3qd-xom9a-4vtrb", // o read as 0
		"7k3qd-xOm9a-4vtrb",
	}
	for _, in := range same {
		got, ok := HashRecoveryCode(in)
		if !ok || !bytes.Equal(got, want) {
			t.Errorf("HashRecoveryCode(%q) = %x, %v; want the hash of %q", in, got, ok, code)
		}
	}
	// i and l read as 1.
	one, _ := HashRecoveryCode("1k3qd-x0m9a-4vtrb")
	for _, in := range []string{"ik3qd-x0m9a-4vtrb", "Lk3qd-x0m9a-4vtrb", "Ik3qd-x0m9a-4vtrb"} {
		if got, ok := HashRecoveryCode(in); !ok || !bytes.Equal(got, one) {
			t.Errorf("HashRecoveryCode(%q) does not read its first letter as 1", in)
		}
	}
	refused := []string{
		"",
		"7k3qd-x0m9a-4vtr",   // 14 characters
		"7k3qd-x0m9a-4vtrbb", // 16 characters
		"7k3qd-x0m9a-4vtru",  // u is not in the alphabet
		"7k3qd_x0m9a_4vtrb",  // other separators
		"7k3qd.x0m9a.4vtrb",
		"7k3qd-x0m9a-4vtr\u0431", // Cyrillic
		"7k3qd-x0m9a-4vtrb\n",
		"7k3qd\tx0m9a\t4vtrb",
		"７k3qd-x0m9a-4vtrb", // full-width digit
		strings.Repeat(" ", maxRecoveryCodeInput) + "7k3qdx0m9a4vtrb",
	}
	for _, in := range refused {
		if h, ok := HashRecoveryCode(in); ok || h != nil {
			t.Errorf("HashRecoveryCode(%q) = %x, %v; want refused", in, h, ok)
		}
	}
}

func TestMatchRecoveryCode(t *testing.T) {
	codes, hashes := NewRecoveryCodes(10)
	for i, c := range codes {
		got, ok := MatchRecoveryCode(strings.ToUpper(c), hashes)
		if !ok || got != i {
			t.Fatalf("MatchRecoveryCode(code %d) = %d, %v", i, got, ok)
		}
	}
	other, _ := NewRecoveryCodes(1)
	for _, in := range []string{other[0], "", "not a code"} {
		if got, ok := MatchRecoveryCode(in, hashes); ok || got != -1 {
			t.Fatalf("MatchRecoveryCode(%q) = %d, %v; want -1, false", in, got, ok)
		}
	}
	// A used code is removed by the caller; it then matches nothing.
	if _, ok := MatchRecoveryCode(codes[3], append(hashes[:3:3], hashes[4:]...)); ok {
		t.Fatal("a removed code still matches")
	}
}

func TestSessionID(t *testing.T) {
	id, hash := NewSessionID()
	if len(id) != 43 {
		t.Fatalf("session id %q has %d characters, want 43", id, len(id))
	}
	raw, err := base64.RawURLEncoding.DecodeString(id)
	if err != nil || len(raw) != 32 {
		t.Fatalf("session id %q is not 256 bits of base64url: %d bytes, %v", id, len(raw), err)
	}
	if sum := sha256.Sum256([]byte(id)); !bytes.Equal(hash, sum[:]) {
		t.Fatal("the session hash is not SHA-256 of the id")
	}
	got, ok := ParseSessionID(id)
	if !ok || !bytes.Equal(got, hash) {
		t.Fatalf("ParseSessionID(new id) = %x, %v; want %x", got, ok, hash)
	}
	if id2, _ := NewSessionID(); id2 == id {
		t.Fatal("two session ids are equal")
	}

	last := id[len(id)-1]
	nonCanonical := id[:len(id)-1] + string(base64URLNeighbour(last))
	refused := []string{
		"",
		id[:42],
		id + "A",
		id + "=",
		id[:42] + "=",
		id[:10] + "+" + id[11:], // standard, not URL-safe, base64
		id[:10] + "/" + id[11:],
		id[:10] + "\n" + id[11:],
		id[:10] + "\r\r\r\r" + id[14:], // the decoder skips CR and LF
		id[:10] + "\n\n\n\n" + id[14:],
		id[:10] + " " + id[11:],
		nonCanonical,
		strings.Repeat("A", 1000),
	}
	for _, in := range refused {
		if h, ok := ParseSessionID(in); ok || h != nil {
			t.Errorf("ParseSessionID(%q) = %x, %v; want refused", in, h, ok)
		}
	}
}

// base64URLNeighbour returns a base64url character that encodes the same
// top 2 bits as c with different low bits, making the last character of a
// 32-byte encoding non-canonical.
func base64URLNeighbour(c byte) byte {
	return base64URL[strings.IndexByte(base64URL, c)|1]
}

func TestOpaqueToken(t *testing.T) {
	tokenForm := regexp.MustCompile(`^inv_[a-z2-7]{16}_[a-z2-7]{52}$`)
	token, id, hash := NewOpaqueToken("inv")
	if !tokenForm.MatchString(token) {
		t.Fatalf("token %q is not inv_ + 16 + _ + 52 base32 characters", token)
	}
	if !strings.HasPrefix(token, "inv_"+id+"_") {
		t.Fatalf("token %q does not carry its id %q", token, id)
	}
	if sum := sha256.Sum256([]byte(token)); !bytes.Equal(hash, sum[:]) {
		t.Fatal("the token hash is not SHA-256 of the whole token")
	}
	gotID, gotHash, ok := ParseOpaqueToken("inv", token)
	if !ok || gotID != id || !bytes.Equal(gotHash, hash) {
		t.Fatalf("ParseOpaqueToken(new token) = %q, %x, %v", gotID, gotHash, ok)
	}
	token2, id2, _ := NewOpaqueToken("inv")
	if token2 == token || id2 == id {
		t.Fatal("two tokens or ids are equal")
	}

	secret := token[len("inv_")+17:]
	refused := []struct{ prefix, token string }{
		{"cpt", token}, // another kind
		{"in", token},  // a prefix of the prefix
		{"", token},    // no prefix
		{"INV", strings.Replace(token, "inv", "INV", 1)}, // upper case prefix is not valid
		{"inv", strings.ToUpper(token)},
		{"inv", ""},
		{"inv", token[:len(token)-1]},
		{"inv", token + "a"},
		{"inv", "inv_" + id + "-" + secret},
		{"inv", "inv-" + id + "_" + secret},
		{"inv", "inv__" + id + secret},
		{"inv", "inv_" + id[:15] + "_a" + secret},
		{"inv", "inv_" + id[:15] + "1_" + secret}, // 1 is not base32
		{"inv", "inv_" + id + "_" + secret[:51] + "8"},
		{"inv", "inv_" + id + "_" + secret[:51] + "="},
		{"inv", "inv_" + id + "_" + secret[:51] + "\n"},
		{"inv", strings.Repeat("a", 1<<16)},
	}
	for _, tc := range refused {
		if id, h, ok := ParseOpaqueToken(tc.prefix, tc.token); ok || id != "" || h != nil {
			t.Errorf("ParseOpaqueToken(%q, %q) = %q, %x, %v; want refused", tc.prefix, tc.token, id, h, ok)
		}
	}

	for _, prefix := range []string{"", "Inv", "in_v", "in-v", "ünv", strings.Repeat("a", 17)} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("NewOpaqueToken(%q) did not panic", prefix)
				}
			}()
			NewOpaqueToken(prefix)
		}()
	}
	for _, prefix := range []string{"a", "cpt", "inv2", strings.Repeat("z", 16)} {
		tok, id, h := NewOpaqueToken(prefix)
		if gotID, gotHash, ok := ParseOpaqueToken(prefix, tok); !ok || gotID != id || !bytes.Equal(gotHash, h) {
			t.Errorf("prefix %q: ParseOpaqueToken(%q) = %q, %v", prefix, tok, gotID, ok)
		}
	}
}

// FuzzHashRecoveryCode checks that the recovery code parser never panics
// and accepts only what normalizes to 15 alphabet characters.
func FuzzHashRecoveryCode(f *testing.F) {
	f.Add("7k3qd-x0m9a-4vtrb")
	f.Add(" 7K3QD x0m9a 4vtrb ")
	f.Add("ilo--ILO--ilo--ILO--ilo")
	f.Add("")
	f.Fuzz(func(t *testing.T, in string) {
		h, ok := HashRecoveryCode(in)
		if !ok {
			if h != nil {
				t.Fatalf("HashRecoveryCode(%q) refused with a hash", in)
			}
			return
		}
		norm := strings.NewReplacer("-", "", " ", "", "i", "1", "l", "1", "o", "0").Replace(strings.ToLower(in))
		if len(norm) != 15 || strings.Trim(norm, recoveryAlphabet) != "" {
			t.Fatalf("HashRecoveryCode(%q) accepted %q", in, norm)
		}
		if sum := sha256.Sum256([]byte(norm)); !bytes.Equal(h, sum[:]) {
			t.Fatalf("HashRecoveryCode(%q) is not the hash of %q", in, norm)
		}
	})
}

// FuzzParseSessionID checks that the session id parser never panics and
// accepts only canonical 43-character base64url.
func FuzzParseSessionID(f *testing.F) {
	id, _ := NewSessionID()
	f.Add(id)
	f.Add(strings.Repeat("A", 43))
	f.Add(strings.Repeat("_", 43))
	f.Add("")
	f.Fuzz(func(t *testing.T, in string) {
		h, ok := ParseSessionID(in)
		if !ok {
			return
		}
		raw, err := base64.RawURLEncoding.DecodeString(in)
		if len(in) != 43 || err != nil || len(raw) != 32 || base64.RawURLEncoding.EncodeToString(raw) != in {
			t.Fatalf("ParseSessionID(%q) accepted a non-canonical id", in)
		}
		if sum := sha256.Sum256([]byte(in)); !bytes.Equal(h, sum[:]) {
			t.Fatalf("ParseSessionID(%q) returned another hash", in)
		}
	})
}

// FuzzParseOpaqueToken checks that the token parser never panics and accepts
// only prefix_id_secret of the exact lengths and alphabet.
func FuzzParseOpaqueToken(f *testing.F) {
	token, _, _ := NewOpaqueToken("cpt")
	f.Add("cpt", token)
	f.Add("inv", token)
	f.Add("cpt", "cpt_aaaaaaaaaaaaaaaa_"+strings.Repeat("7", 52))
	f.Add("", "")
	f.Add("c_p", "c_p_aaaaaaaaaaaaaaa__"+strings.Repeat("a", 52))
	tokenForm := regexp.MustCompile(`^([a-z0-9]{1,16})_([a-z2-7]{16})_[a-z2-7]{52}$`)
	f.Fuzz(func(t *testing.T, prefix, in string) {
		id, h, ok := ParseOpaqueToken(prefix, in)
		if !ok {
			if id != "" || h != nil {
				t.Fatalf("ParseOpaqueToken(%q, %q) refused with values", prefix, in)
			}
			return
		}
		m := tokenForm.FindStringSubmatch(in)
		if m == nil || m[1] != prefix || m[2] != id {
			t.Fatalf("ParseOpaqueToken(%q, %q) accepted id %q", prefix, in, id)
		}
		if sum := sha256.Sum256([]byte(in)); !bytes.Equal(h, sum[:]) {
			t.Fatalf("ParseOpaqueToken(%q, %q) returned another hash", prefix, in)
		}
	})
}
