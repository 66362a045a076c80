package auth

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"golang.org/x/crypto/argon2"
)

// testParams are small argon2id parameters so that tests run fast.
var testParams = Argon2Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func newTestHasher(t testing.TB, p Argon2Params, maxConcurrent int) *Hasher {
	t.Helper()
	h, err := NewHasher(p, maxConcurrent)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// Hashes made by the reference implementation of argon2 (the argon2 command
// of Debian's package argon2, 0~20171227), e.g.
//
//	printf 'password' | argon2 saltsaltsaltsalt -id -t 3 -m 16 -p 4 -l 32 -e
var referenceHashes = []struct {
	password, encoded string
}{
	{"password", "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHRzYWx0c2FsdA$rBWULD5jOGpQy32rLvGcmvQMVqIVNAmrCtekWvUA8bw"},
	{"correct horse battery staple", "$argon2id$v=19$m=64,t=2,p=1$Y29uY2xhdmUtc2FsdC0xNg$ialXXjMl7PU4ZJUEv2c03cdVR2N2IWDWusQ6IPaGsUE"},
	{"pässwörd 🔑 with spaces", "$argon2id$v=19$m=256,t=3,p=4$MDEyMzQ1Njc4OWFiY2RlZg$kMZkI0LzA7XiQZG8w7ovF6YGCDWSuiA8zabbC1645mo"},
}

// TestDefaultArgon2ParamsAreRFC9106 checks the defaults against RFC 9106 §4's
// second recommended option and that a default hash says so in its stored
// form and verifies against the reference implementation's.
func TestDefaultArgon2ParamsAreRFC9106(t *testing.T) {
	if argon2.Version != 19 {
		t.Fatalf("argon2.Version = %d; the stored form says v=19", argon2.Version)
	}
	want := Argon2Params{Memory: 65536, Time: 3, Threads: 4, SaltLen: 16, KeyLen: 32}
	if got := DefaultArgon2Params(); got != want {
		t.Fatalf("DefaultArgon2Params() = %+v, want %+v", got, want)
	}
	h := newTestHasher(t, DefaultArgon2Params(), 1)
	ctx := context.Background()
	encoded, err := h.Hash(ctx, "a default-cost password")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(encoded, "$argon2id$v=19$m=65536,t=3,p=4$") {
		t.Fatalf("Hash = %q, want the default parameters in the stored form", encoded)
	}
	// The reference hash with the default parameters: a default Hasher
	// accepts it and sees no reason to rehash.
	ok, rehash, err := h.Verify(ctx, referenceHashes[0].password, referenceHashes[0].encoded)
	if err != nil || !ok || rehash {
		t.Fatalf("Verify(reference default hash) = %v, %v, %v; want true, false, nil", ok, rehash, err)
	}
}

func TestHashVerifyReference(t *testing.T) {
	h := newTestHasher(t, testParams, 2)
	ctx := context.Background()
	for _, r := range referenceHashes[1:] {
		ok, _, err := h.Verify(ctx, r.password, r.encoded)
		if err != nil || !ok {
			t.Errorf("Verify(%q, reference) = %v, %v; want true", r.password, ok, err)
		}
		ok, _, err = h.Verify(ctx, r.password+" ", r.encoded)
		if err != nil || ok {
			t.Errorf("Verify(%q+space, reference) = %v, %v; want false", r.password, ok, err)
		}
	}
}

func TestHashRoundTrip(t *testing.T) {
	h := newTestHasher(t, testParams, 2)
	ctx := context.Background()
	for _, pw := range []string{"correct horse battery staple", "x", "  spaces  around  ", "пароль с пробелами 🙂", strings.Repeat("é", MaxPasswordBytes/2)} {
		encoded, err := h.Hash(ctx, pw)
		if err != nil {
			t.Fatalf("Hash(%q): %v", pw, err)
		}
		if !strings.HasPrefix(encoded, "$argon2id$v=19$m=64,t=1,p=1$") {
			t.Fatalf("Hash(%q) = %q: want the hasher's parameters in the stored form", pw, encoded)
		}
		if len(pw) >= 4 && strings.Contains(encoded, pw) {
			t.Fatalf("Hash(%q) contains the password", pw)
		}
		ok, rehash, err := h.Verify(ctx, pw, encoded)
		if err != nil || !ok || rehash {
			t.Fatalf("Verify(%q) = %v, %v, %v; want true, false, nil", pw, ok, rehash, err)
		}
		for _, wrong := range []string{pw + "!", strings.ToUpper(pw) + "A", pw[:len(pw)-1], ""} {
			ok, rehash, err := h.Verify(ctx, wrong, encoded)
			if err != nil || ok || rehash {
				t.Fatalf("Verify(wrong %q) = %v, %v, %v; want false, false, nil", wrong, ok, rehash, err)
			}
		}
		again, err := h.Hash(ctx, pw)
		if err != nil {
			t.Fatal(err)
		}
		if again == encoded {
			t.Fatalf("two hashes of %q are equal: the salt is not random", pw)
		}
	}
}

func TestHashRefusesEmptyAndOverlong(t *testing.T) {
	h := newTestHasher(t, testParams, 1)
	ctx := context.Background()
	for pw, code := range map[string]string{
		"":                                      CodePasswordTooShort,
		strings.Repeat("a", MaxPasswordBytes+1): CodePasswordTooLong,
		strings.Repeat("🔑", MaxPasswordBytes/4+1): CodePasswordTooLong,
	} {
		_, err := h.Hash(ctx, pw)
		if !errors.Is(err, &PasswordError{Code: code}) {
			t.Errorf("Hash(%d bytes) = %v, want %s", len(pw), err, code)
		}
	}
	if _, err := h.Hash(ctx, strings.Repeat("a", MaxPasswordBytes)); err != nil {
		t.Errorf("Hash(MaxPasswordBytes bytes) = %v", err)
	}
	// An overlong password matches nothing and is not hashed.
	encoded, err := h.Hash(ctx, strings.Repeat("a", MaxPasswordBytes))
	if err != nil {
		t.Fatal(err)
	}
	var derived atomic.Int32
	h.derive = func(password, salt []byte, p Argon2Params) []byte {
		derived.Add(1)
		return argon2.IDKey(password, salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	}
	ok, _, err := h.Verify(ctx, strings.Repeat("a", MaxPasswordBytes+1), encoded)
	if ok || err != nil || derived.Load() != 0 {
		t.Fatalf("Verify(overlong) = %v, %v after %d hashes; want false, nil after none", ok, err, derived.Load())
	}
}

func TestVerifyNeedsRehash(t *testing.T) {
	ctx := context.Background()
	old := newTestHasher(t, testParams, 1)
	newer := Argon2Params{Memory: 128, Time: 2, Threads: 2, SaltLen: 16, KeyLen: 32}
	current := newTestHasher(t, newer, 1)

	encoded, err := old.Hash(ctx, "a password from long ago")
	if err != nil {
		t.Fatal(err)
	}
	ok, rehash, err := current.Verify(ctx, "a password from long ago", encoded)
	if err != nil || !ok || !rehash {
		t.Fatalf("Verify(old hash) = %v, %v, %v; want true, true, nil", ok, rehash, err)
	}
	ok, rehash, err = current.Verify(ctx, "not the password", encoded)
	if err != nil || ok || rehash {
		t.Fatalf("Verify(old hash, wrong password) = %v, %v, %v; want false, false, nil", ok, rehash, err)
	}
	upgraded, err := current.Hash(ctx, "a password from long ago")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(upgraded, "$argon2id$v=19$m=128,t=2,p=2$") {
		t.Fatalf("upgraded hash %q does not carry the new parameters", upgraded)
	}
	ok, rehash, err = current.Verify(ctx, "a password from long ago", upgraded)
	if err != nil || !ok || rehash {
		t.Fatalf("Verify(upgraded) = %v, %v, %v; want true, false, nil", ok, rehash, err)
	}

	// Any difference counts, each parameter on its own, lowering included.
	for _, p := range []Argon2Params{
		{Memory: 128, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32},
		{Memory: 64, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32},
		{Memory: 64, Time: 1, Threads: 2, SaltLen: 16, KeyLen: 32},
		{Memory: 64, Time: 1, Threads: 1, SaltLen: 32, KeyLen: 32},
		{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 64},
	} {
		other := newTestHasher(t, p, 1)
		ok, rehash, err := other.Verify(ctx, "a password from long ago", encoded)
		if err != nil || !ok || !rehash {
			t.Errorf("hasher %+v: Verify(hash with %+v) = %v, %v, %v; want true, true, nil", p, testParams, ok, rehash, err)
		}
		ok, rehash, err = old.Verify(ctx, "x", mustHash(t, other, "x"))
		if err != nil || !ok || !rehash {
			t.Errorf("hasher %+v: Verify(hash with %+v) = %v, %v, %v; want true, true, nil", testParams, p, ok, rehash, err)
		}
	}
}

func mustHash(t *testing.T, h *Hasher, pw string) string {
	t.Helper()
	s, err := h.Hash(context.Background(), pw)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// A valid stored hash with small parameters, and its parts, for the parser
// table.
const (
	goodSalt = "c2FsdHNhbHRzYWx0c2FsdA"                      // 16 bytes
	goodTag  = "rBWULD5jOGpQy32rLvGcmvQMVqIVNAmrCtekWvUA8bw" // 32 bytes
)

func TestParsePHC(t *testing.T) {
	salt64 := strings.Repeat("A", 86) // 64 bytes
	salt65 := strings.Repeat("A", 87) // 65 bytes (with 2 zero bits)
	salt15 := strings.Repeat("A", 20) // 15 bytes
	good := []struct {
		s    string
		want Argon2Params
	}{
		{"$argon2id$v=19$m=65536,t=3,p=4$" + goodSalt + "$" + goodTag, Argon2Params{65536, 3, 4, 16, 32}},
		{"$argon2id$v=19$m=8,t=1,p=1$" + goodSalt + "$" + goodTag, Argon2Params{8, 1, 1, 16, 32}},
		{"$argon2id$v=19$m=128,t=1,p=16$" + goodSalt + "$" + goodTag, Argon2Params{128, 1, 16, 16, 32}},
		{"$argon2id$v=19$m=262144,t=16,p=16$" + salt64 + "$" + salt64, Argon2Params{262144, 16, 16, 64, 64}},
		{"$argon2id$v=19$m=64,t=1,p=1$" + goodSalt + "$" + goodSalt, Argon2Params{64, 1, 1, 16, 16}},
	}
	for _, tc := range good {
		p, salt, tag, err := parsePHC(tc.s)
		if err != nil {
			t.Errorf("parsePHC(%q): %v", tc.s, err)
			continue
		}
		if p != tc.want || uint32(len(salt)) != p.SaltLen || uint32(len(tag)) != p.KeyLen {
			t.Errorf("parsePHC(%q) = %+v, %d-byte salt, %d-byte tag; want %+v", tc.s, p, len(salt), len(tag), tc.want)
		}
		if got := encodePHC(p, salt, tag); got != tc.s {
			t.Errorf("encodePHC(parsePHC(%q)) = %q", tc.s, got)
		}
	}

	st := "$" + goodSalt + "$" + goodTag
	bad := map[string]string{
		"empty":                "",
		"argon2i":              "$argon2i$v=19$m=64,t=1,p=1" + st,
		"argon2d":              "$argon2d$v=19$m=64,t=1,p=1" + st,
		"upper case algorithm": "$ARGON2ID$v=19$m=64,t=1,p=1" + st,
		"bcrypt":               "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",
		"no version":           "$argon2id$m=64,t=1,p=1" + st,
		"version 16":           "$argon2id$v=16$m=64,t=1,p=1" + st,
		"version 019":          "$argon2id$v=019$m=64,t=1,p=1" + st,
		"no leading dollar":    "argon2id$v=19$m=64,t=1,p=1" + st,
		"memory zero":          "$argon2id$v=19$m=0,t=1,p=1" + st,
		"memory below 8p":      "$argon2id$v=19$m=31,t=1,p=4" + st,
		"memory above bound":   "$argon2id$v=19$m=262145,t=1,p=1" + st,
		"memory 4 GiB":         "$argon2id$v=19$m=4294967295,t=1,p=1" + st,
		"memory overflows":     "$argon2id$v=19$m=4294967296,t=1,p=1" + st,
		"memory 11 digits":     "$argon2id$v=19$m=00000000064,t=1,p=1" + st,
		"time zero":            "$argon2id$v=19$m=64,t=0,p=1" + st,
		"time above bound":     "$argon2id$v=19$m=64,t=17,p=1" + st,
		"threads zero":         "$argon2id$v=19$m=64,t=1,p=0" + st,
		"threads above bound":  "$argon2id$v=19$m=512,t=1,p=17" + st,
		"threads wrap to 1":    "$argon2id$v=19$m=64,t=1,p=257" + st,
		"leading zero":         "$argon2id$v=19$m=064,t=1,p=1" + st,
		"plus sign":            "$argon2id$v=19$m=+64,t=1,p=1" + st,
		"minus sign":           "$argon2id$v=19$m=-64,t=1,p=1" + st,
		"space in number":      "$argon2id$v=19$m= 64,t=1,p=1" + st,
		"hex number":           "$argon2id$v=19$m=0x40,t=1,p=1" + st,
		"underscore in number": "$argon2id$v=19$m=6_4,t=1,p=1" + st,
		"arabic digits":        "$argon2id$v=19$m=٦٤,t=1,p=1" + st,
		"empty number":         "$argon2id$v=19$m=,t=1,p=1" + st,
		"order t,m,p":          "$argon2id$v=19$t=1,m=64,p=1" + st,
		"missing p":            "$argon2id$v=19$m=64,t=1" + st,
		"extra keyid":          "$argon2id$v=19$m=64,t=1,p=1,keyid=AAAA" + st,
		"extra data":           "$argon2id$v=19$m=64,t=1,p=1,data=AAAA" + st,
		"upper case names":     "$argon2id$v=19$M=64,T=1,P=1" + st,
		"no salt":              "$argon2id$v=19$m=64,t=1,p=1$" + goodTag,
		"empty salt":           "$argon2id$v=19$m=64,t=1,p=1$$" + goodTag,
		"empty hash":           "$argon2id$v=19$m=64,t=1,p=1$" + goodSalt + "$",
		"trailing dollar":      "$argon2id$v=19$m=64,t=1,p=1" + st + "$",
		"extra field":          "$argon2id$v=19$m=64,t=1,p=1" + st + "$" + goodTag,
		"padded salt":          "$argon2id$v=19$m=64,t=1,p=1$" + goodSalt + "==$" + goodTag,
		"padded hash":          "$argon2id$v=19$m=64,t=1,p=1$" + goodSalt + "$" + goodTag + "=",
		"non-canonical hash":   "$argon2id$v=19$m=64,t=1,p=1$" + goodSalt + "$" + goodTag[:len(goodTag)-1] + "x",
		"url-safe base64 -":    "$argon2id$v=19$m=64,t=1,p=1$" + goodSalt[:5] + "-" + goodSalt[6:] + "$" + goodTag,
		"url-safe base64 _":    "$argon2id$v=19$m=64,t=1,p=1$" + goodSalt + "$" + goodTag[:5] + "_" + goodTag[6:],
		"carriage return":      "$argon2id$v=19$m=64,t=1,p=1$" + goodSalt[:4] + "\r" + goodSalt[4:] + "$" + goodTag,
		"newline in hash":      "$argon2id$v=19$m=64,t=1,p=1$" + goodSalt + "$" + goodTag[:20] + "\n" + goodTag[20:],
		"trailing newline":     "$argon2id$v=19$m=64,t=1,p=1" + st + "\n",
		"salt 15 bytes":        "$argon2id$v=19$m=64,t=1,p=1$" + salt15 + "$" + goodTag,
		"salt 65 bytes":        "$argon2id$v=19$m=64,t=1,p=1$" + salt65 + "$" + goodTag,
		"hash 15 bytes":        "$argon2id$v=19$m=64,t=1,p=1$" + goodSalt + "$" + salt15,
		"hash 65 bytes":        "$argon2id$v=19$m=64,t=1,p=1$" + goodSalt + "$" + salt65,
		"huge salt":            "$argon2id$v=19$m=64,t=1,p=1$" + strings.Repeat("A", 1<<16) + "$" + goodTag,
		"space before":         " $argon2id$v=19$m=64,t=1,p=1" + st,
		"nul inside":           "$argon2id$v=19$m=64,t=1,p=1\x00" + st,
		"spaces after commas":  "$argon2id$v=19$m=64, t=1, p=1" + st,
		"semicolons":           "$argon2id$v=19$m=64;t=1;p=1" + st,
		"version as parameter": "$argon2id$m=64,t=1,p=1,v=19" + st,
	}
	for name, s := range bad {
		_, _, _, err := parsePHC(s)
		if !errors.Is(err, ErrMalformedHash) {
			t.Errorf("%s: parsePHC(%q) = %v, want ErrMalformedHash", name, s, err)
			continue
		}
		if len(s) > 12 && strings.Contains(err.Error(), s[len(s)-12:]) {
			t.Errorf("%s: the error %q quotes the stored hash", name, err)
		}
	}

	// Verify reports the malformed hash as such, not as a wrong password.
	h := newTestHasher(t, testParams, 1)
	ok, rehash, err := h.Verify(context.Background(), "password", bad["argon2i"])
	if !errors.Is(err, ErrMalformedHash) || ok || rehash {
		t.Fatalf("Verify(argon2i hash) = %v, %v, %v; want ErrMalformedHash", ok, rehash, err)
	}
}

func TestNewHasherRefusesBadParams(t *testing.T) {
	for _, tc := range []struct {
		p Argon2Params
		n int
	}{
		{Argon2Params{}, 1},
		{Argon2Params{Memory: MaxArgon2Memory + 1, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, 1},
		{Argon2Params{Memory: 64, Time: MaxArgon2Time + 1, Threads: 1, SaltLen: 16, KeyLen: 32}, 1},
		{Argon2Params{Memory: 1024, Time: 1, Threads: MaxArgon2Threads + 1, SaltLen: 16, KeyLen: 32}, 1},
		{Argon2Params{Memory: 31, Time: 1, Threads: 4, SaltLen: 16, KeyLen: 32}, 1},
		{Argon2Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 8, KeyLen: 32}, 1},
		{Argon2Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 8}, 1},
		{Argon2Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 65}, 1},
		{testParams, 0},
		{testParams, -1},
	} {
		if h, err := NewHasher(tc.p, tc.n); err == nil {
			t.Errorf("NewHasher(%+v, %d) = %v, want an error", tc.p, tc.n, h)
		}
	}
}

// TestHasherBoundsConcurrency starts many callers on a Hasher whose hashes
// block until the test lets them go. Once every caller is either hashing or
// waiting for a slot, exactly the bound must be hashing; then all are let go
// and the peak must never have passed the bound.
func TestHasherBoundsConcurrency(t *testing.T) {
	const bound, callers = 3, 12
	h := newTestHasher(t, testParams, bound)
	var inFlight, peak atomic.Int32
	entered := make(chan struct{}, callers)
	waiting := make(chan struct{}, callers)
	release := make(chan struct{})
	h.derive = func(password, salt []byte, p Argon2Params) []byte {
		n := inFlight.Add(1)
		for {
			old := peak.Load()
			if n <= old || peak.CompareAndSwap(old, n) {
				break
			}
		}
		entered <- struct{}{}
		<-release
		inFlight.Add(-1)
		return make([]byte, p.KeyLen)
	}
	h.waiting = func() { waiting <- struct{}{} }
	encoded := mustHashWith(t, testParams, "pw")

	var wg sync.WaitGroup
	errs := make(chan error, callers)
	for i := range callers {
		wg.Go(func() {
			var err error
			switch i % 3 {
			case 0:
				_, err = h.Hash(context.Background(), "pw")
			case 1:
				_, _, err = h.Verify(context.Background(), "pw", encoded)
			case 2:
				err = h.VerifyDummy(context.Background(), "pw")
			}
			errs <- err
		})
	}
	// No slot frees before release is closed, so every caller ends up
	// either hashing or waiting, and each says which exactly once.
	hashing, waited := 0, 0
	for hashing+waited < callers {
		select {
		case <-entered:
			hashing++
		case <-waiting:
			waited++
		}
	}
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if hashing != bound {
		t.Fatalf("%d callers hashing and %d waiting with every slot taken; want %d hashing", hashing, waited, bound)
	}
	if got := peak.Load(); got != bound {
		t.Fatalf("peak of %d hashes in flight, want exactly the bound %d", got, bound)
	}
}

func mustHashWith(t *testing.T, p Argon2Params, pw string) string {
	t.Helper()
	return mustHash(t, newTestHasher(t, p, 1), pw)
}

// TestHasherBusy fills the only slot and checks that callers whose context
// ends while they wait, or has ended before, get ErrBusy and never hash.
func TestHasherBusy(t *testing.T) {
	h := newTestHasher(t, testParams, 1)
	encoded := mustHashWith(t, testParams, "pw")
	var derived atomic.Int32
	entered, release := make(chan struct{}), make(chan struct{})
	h.derive = func(password, salt []byte, p Argon2Params) []byte {
		if derived.Add(1) == 1 {
			close(entered)
			<-release
		}
		return make([]byte, p.KeyLen)
	}
	holder := make(chan error)
	go func() {
		_, err := h.Hash(context.Background(), "pw")
		holder <- err
	}()
	<-entered

	waiting := make(chan struct{}, 1)
	h.waiting = func() { waiting <- struct{}{} }
	calls := map[string]func(context.Context) error{
		"Hash": func(ctx context.Context) error { _, err := h.Hash(ctx, "pw"); return err },
		"Verify": func(ctx context.Context) error {
			ok, _, err := h.Verify(ctx, "pw", encoded)
			if ok {
				t.Error("Verify matched while busy")
			}
			return err
		},
		"VerifyDummy": func(ctx context.Context) error { return h.VerifyDummy(ctx, "pw") },
	}
	for name, call := range calls {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() { done <- call(ctx) }()
		<-waiting // the caller found no slot and waits
		cancel()
		err := <-done
		if !errors.Is(err, ErrBusy) || !errors.Is(err, context.Canceled) {
			t.Errorf("%s while waiting, then cancelled: %v, want ErrBusy and context.Canceled", name, err)
		}

		// A context that has already ended gets ErrBusy without waiting.
		err = call(ctx)
		if !errors.Is(err, ErrBusy) {
			t.Errorf("%s with an ended context: %v, want ErrBusy", name, err)
		}
	}
	if n := derived.Load(); n != 1 {
		t.Fatalf("%d hashes computed; only the slot holder's should have been", n)
	}
	close(release)
	if err := <-holder; err != nil {
		t.Fatal(err)
	}
	// The slot is free again: an ended context still gets ErrBusy (it would
	// waste a hash), a live one hashes.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := h.Hash(ctx, "pw"); !errors.Is(err, ErrBusy) {
		t.Fatalf("Hash with an ended context and a free slot: %v, want ErrBusy", err)
	}
	if _, err := h.Hash(context.Background(), "pw"); err != nil {
		t.Fatalf("Hash after the slot is free: %v", err)
	}
	if n := derived.Load(); n != 2 {
		t.Fatalf("%d hashes computed, want 2", n)
	}
}

// TestVerifyDummyDoesARealVerify checks that VerifyDummy hashes once, with
// the hasher's own parameters, like a Verify of an up-to-date hash.
func TestVerifyDummyDoesARealVerify(t *testing.T) {
	p := Argon2Params{Memory: 96, Time: 2, Threads: 3, SaltLen: 24, KeyLen: 40}
	h := newTestHasher(t, p, 1)
	var got []Argon2Params
	var mu sync.Mutex
	h.derive = func(password, salt []byte, q Argon2Params) []byte {
		mu.Lock()
		defer mu.Unlock()
		if uint32(len(salt)) != q.SaltLen {
			t.Errorf("derive got a %d-byte salt with SaltLen %d", len(salt), q.SaltLen)
		}
		got = append(got, q)
		return argon2.IDKey(password, salt, q.Time, q.Memory, q.Threads, q.KeyLen)
	}
	if err := h.VerifyDummy(context.Background(), "any password at all"); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != p {
		t.Fatalf("VerifyDummy hashed with %+v, want once with %+v", got, p)
	}
}

// FuzzParsePHC checks that the stored-hash parser never panics, that what it
// accepts is within the bounds, and that it accepts only the one canonical
// spelling (encoding what it parsed gives back the input).
func FuzzParsePHC(f *testing.F) {
	f.Add("$argon2id$v=19$m=65536,t=3,p=4$" + goodSalt + "$" + goodTag)
	f.Add("$argon2id$v=19$m=64,t=1,p=1$" + goodSalt + "$" + goodSalt)
	f.Add("$argon2i$v=19$m=65536,t=2,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG")
	f.Add("$argon2id$v=19$m=4294967295,t=4294967295,p=255$$")
	f.Add("$argon2id$v=19$m=64,t=1,p=1,keyid=AA$" + goodSalt + "$" + goodTag)
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		p, salt, tag, err := parsePHC(s)
		if err != nil {
			if !errors.Is(err, ErrMalformedHash) {
				t.Fatalf("parsePHC(%q) = %v, not ErrMalformedHash", s, err)
			}
			return
		}
		if err := checkArgon2Params(p); err != nil {
			t.Fatalf("parsePHC(%q) accepted %+v: %v", s, p, err)
		}
		if got := encodePHC(p, salt, tag); got != s {
			t.Fatalf("parsePHC(%q) accepted a non-canonical form of %q", s, got)
		}
	})
}

// BenchmarkHash measures one Hash with the default parameters (RFC 9106's
// second recommended option, 64 MiB).
func BenchmarkHash(b *testing.B) {
	h := newTestHasher(b, DefaultArgon2Params(), 1)
	ctx := context.Background()
	for b.Loop() {
		if _, err := h.Hash(ctx, "correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}
