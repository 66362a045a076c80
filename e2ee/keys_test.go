package e2ee

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
)

func TestLoadOrCreateIdentity(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "identity.pem")
	id := must(LoadOrCreateIdentity(path))
	fi := must(os.Stat(path))
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("identity file mode %v, want 0600", fi.Mode().Perm())
	}
	data := must(os.ReadFile(path))
	if block, _ := pem.Decode(data); block == nil || block.Type != "PRIVATE KEY" {
		t.Fatalf("not a PKCS #8 PEM file:\n%s", data)
	}
	again := must(LoadOrCreateIdentity(path))
	if !bytes.Equal(id.Public(), again.Public()) {
		t.Fatal("loading the file gives another identity")
	}
	if names := must(os.ReadDir(dir)); len(names) != 1 {
		t.Fatalf("files left beside the identity: %v", names)
	}
}

func TestLoadOrCreateIdentityNeverOverwrites(t *testing.T) {
	ecKey := must(ecdsa.GenerateKey(elliptic.P256(), rand.Reader))
	ecPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: must(x509.MarshalPKCS8PrivateKey(ecKey))})
	for name, content := range map[string][]byte{
		"empty":           nil,
		"garbage":         []byte("not a key\n"),
		"half a PEM file": []byte("-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2Vw"),
		"an ECDSA key":    ecPEM,
		"a certificate":   []byte("-----BEGIN CERTIFICATE-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END CERTIFICATE-----\n"),
		"trailing bytes":  append(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: must(x509.MarshalPKCS8PrivateKey(must(NewIdentity()).priv))}), "more"...),
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "identity.pem")
			if err := os.WriteFile(path, content, 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := LoadOrCreateIdentity(path); !errors.Is(err, ErrIdentityFile) {
				t.Fatalf("LoadOrCreateIdentity: %v, want ErrIdentityFile", err)
			}
			if got := must(os.ReadFile(path)); !bytes.Equal(got, content) {
				t.Fatal("the file was changed")
			}
		})
	}
	if _, err := LoadOrCreateIdentity(filepath.Join(t.TempDir(), "no", "such", "dir", "id.pem")); err == nil {
		t.Fatal("created an identity in a directory that does not exist")
	}
	// A good key others may read is refused as it is, its mode unchanged.
	path := filepath.Join(t.TempDir(), "identity.pem")
	if _, err := LoadOrCreateIdentity(path); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []os.FileMode{0o640, 0o604, 0o620} {
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadOrCreateIdentity(path); !errors.Is(err, ErrIdentityFileMode) || !strings.Contains(err.Error(), "chmod 600") {
			t.Fatalf("mode %04o: %v, want ErrIdentityFileMode", mode, err)
		}
		if fi := must(os.Stat(path)); fi.Mode().Perm() != mode {
			t.Fatalf("the mode was changed to %04o", fi.Mode().Perm())
		}
	}
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateIdentity(path); err != nil {
		t.Fatalf("mode 0600 again: %v", err)
	}
}

// Processes racing to create the file all end with the one identity that
// won.
func TestLoadOrCreateIdentityRace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "identity.pem")
	ids := make([]*Identity, 8)
	var wg sync.WaitGroup
	for i := range ids {
		wg.Go(func() { ids[i] = must(LoadOrCreateIdentity(path)) })
	}
	wg.Wait()
	for _, id := range ids[1:] {
		if !bytes.Equal(id.Public(), ids[0].Public()) {
			t.Fatal("racing creators ended with different identities")
		}
	}
	if !bytes.Equal(must(LoadOrCreateIdentity(path)).Public(), ids[0].Public()) {
		t.Fatal("the file holds another identity")
	}
}

func TestIdentityFromSeed(t *testing.T) {
	if _, err := IdentityFromSeed(make([]byte, 31)); err == nil {
		t.Fatal("a 31-byte seed")
	}
	a, b := must(IdentityFromSeed(fixed("x"))), must(IdentityFromSeed(fixed("x")))
	if !bytes.Equal(a.Public(), b.Public()) || len(a.Public()) != IdentityKeyLen {
		t.Fatal("a seed does not name one identity")
	}
	if _, err := KEMKeyFromSeed(make([]byte, 33)); err == nil {
		t.Fatal("a 33-byte KEM seed")
	}
	k := must(KEMKeyFromSeed(fixed("x")))
	if pub := k.PublicBytes(); len(pub) != KEMPublicKeyLen || !bytes.Equal(pub, must(KEMKeyFromSeed(fixed("x"))).PublicBytes()) {
		t.Fatal("a KEM seed does not name one key")
	}
	k.PublicBytes()[0] ^= 1
	if !bytes.Equal(k.PublicBytes(), must(KEMKeyFromSeed(fixed("x"))).PublicBytes()) {
		t.Fatal("PublicBytes shares its bytes")
	}
}

func TestAnnouncement(t *testing.T) {
	id, kem := must(NewIdentity()), must(NewKEMKey())
	a := must(id.Announce("room", "alice", kem))
	if err := a.Verify("room", "alice"); err != nil {
		t.Fatal(err)
	}
	if err := a.CheckSizes(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ room, identity string }{{"room2", "alice"}, {"room", "bob"}, {"roo", "malice"}, {"", "alice"}} {
		if err := a.Verify(c.room, c.identity); !errors.Is(err, ErrAnnouncementSignature) {
			t.Errorf("Verify(%q, %q): %v", c.room, c.identity, err)
		}
	}
	// lp() keeps field boundaries: "ab"+"c" signs differently from "a"+"bc".
	b := must(id.Announce("ab", "c", kem))
	if err := b.Verify("a", "bc"); !errors.Is(err, ErrAnnouncementSignature) {
		t.Errorf("fields moved across a boundary: %v", err)
	}
	for _, c := range []struct {
		name string
		f    func(*Announcement)
	}{
		{"short identity key", func(a *Announcement) { a.IdentityKey = a.IdentityKey[:31] }},
		{"long KEM key", func(a *Announcement) { a.KEMKey = append(slices.Clone(a.KEMKey), 0) }},
		{"no signature", func(a *Announcement) { a.Signature = nil }},
	} {
		bad := a
		c.f(&bad)
		if err := bad.CheckSizes(); !errors.Is(err, ErrAnnouncement) {
			t.Errorf("%s: CheckSizes %v", c.name, err)
		}
		if err := bad.Verify("room", "alice"); !errors.Is(err, ErrAnnouncement) {
			t.Errorf("%s: Verify %v", c.name, err)
		}
	}
	if _, err := id.Announce(strings.Repeat("r", 65536), "alice", kem); !errors.Is(err, ErrTooLong) {
		t.Errorf("a 65,536-byte room: %v", err)
	}
	if _, err := id.Announce(strings.Repeat("r", 65535), "alice", kem); err != nil {
		t.Errorf("a 65,535-byte room: %v", err)
	}
}

func TestKeyPackage(t *testing.T) {
	alice, bobKEM, carolKEM := must(NewIdentity()), must(NewKEMKey()), must(NewKEMKey())
	key := fixed("key")
	kid := KeyID(3, 4)
	pkg := must(SealKeyPackage(alice, "r", "PA_a", "PA_b", bobKEM.PublicBytes(), kid, key))
	if len(pkg) != KeyPackageLen || KeyPackageLen != 1242 {
		t.Fatalf("package of %d bytes, want 1242", len(pkg))
	}
	gotKID, got, err := OpenKeyPackage(bobKEM, alice.Public(), "r", "PA_a", "PA_b", pkg)
	if err != nil || gotKID != kid || !bytes.Equal(got, key) {
		t.Fatalf("open: %d %x %v", gotKID, got, err)
	}
	// Every byte is covered by the signature.
	for i := range pkg {
		bad := slices.Clone(pkg)
		bad[i] ^= 0x40
		if _, _, err := OpenKeyPackage(bobKEM, alice.Public(), "r", "PA_a", "PA_b", bad); err == nil {
			t.Fatalf("byte %d flipped: opens", i)
		}
	}
	for _, c := range []struct {
		name                    string
		kem                     *KEMKey
		room, sender, recipient string
		want                    error
	}{
		{"wrong recipient", bobKEM, "r", "PA_a", "PA_c", ErrKeyPackageSignature},
		{"wrong sender", bobKEM, "r", "PA_c", "PA_b", ErrKeyPackageSignature},
		{"wrong room", bobKEM, "r2", "PA_a", "PA_b", ErrKeyPackageSignature},
		{"wrong KEM key", carolKEM, "r", "PA_a", "PA_b", ErrKeyPackageOpen},
	} {
		if _, _, err := OpenKeyPackage(c.kem, alice.Public(), c.room, c.sender, c.recipient, pkg); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	if _, _, err := OpenKeyPackage(bobKEM, must(NewIdentity()).Public(), "r", "PA_a", "PA_b", pkg); !errors.Is(err, ErrKeyPackageSignature) {
		t.Errorf("another identity key: %v", err)
	}
	if _, _, err := OpenKeyPackage(bobKEM, alice.Public()[:31], "r", "PA_a", "PA_b", pkg); !errors.Is(err, ErrKeyPackageSignature) {
		t.Errorf("a short identity key: %v", err)
	}
	if _, err := SealKeyPackage(alice, "r", "PA_a", "PA_b", bobKEM.PublicBytes(), 0xff, key); err == nil {
		t.Error("sealed a KID of epoch 0")
	}
	if _, err := SealKeyPackage(alice, "r", "PA_a", "PA_b", bobKEM.PublicBytes(), kid, key[:16]); err == nil {
		t.Error("sealed a 16-byte key")
	}
	if _, err := SealKeyPackage(alice, "r", "PA_a", "PA_b", bobKEM.PublicBytes()[1:], kid, key); err == nil {
		t.Error("sealed to a short KEM key")
	}
	ack := AppendAck(nil, kid)
	if len(ack) != AckLen || must(ParseAck(ack)) != kid {
		t.Fatalf("ack %x", ack)
	}
}

func TestKeyID(t *testing.T) {
	for _, c := range []struct {
		e  uint32
		s  uint8
		id uint64
	}{{1, 0, 0x100}, {1, 255, 0x1ff}, {0xffffffff, 7, 0xffffffff07}} {
		if KeyID(c.e, c.s) != c.id {
			t.Errorf("KeyID(%d, %d) = %#x", c.e, c.s, KeyID(c.e, c.s))
		}
		if e, s, ok := SplitKeyID(c.id); !ok || e != c.e || s != c.s {
			t.Errorf("SplitKeyID(%#x) = %d %d %v", c.id, e, s, ok)
		}
	}
	for _, bad := range []uint64{0, 0xff, 0x100000000 << 8} {
		if _, _, ok := SplitKeyID(bad); ok {
			t.Errorf("SplitKeyID(%#x) ok", bad)
		}
	}
}

func TestClearPrefix(t *testing.T) {
	k := must(NewKey(AES_128_GCM_SHA256_128, KeyID(1, 0), fixed("m")))
	for _, c := range []struct {
		name   string
		codec  Codec
		frame  []byte
		prefix int
	}{
		{"opus", Opus, opusFrame, 0},
		{"vp8 key frame", VP8, vp8KeyFrame, 10},
		{"vp8 delta frame", VP8, vp8DeltaFrame, 3},
		{"vp8 key frame of 10 bytes", VP8, vp8KeyFrame[:10], 10},
		{"vp8 key frame of 9 bytes", VP8, vp8KeyFrame[:9], 9},
		{"vp8 key frame of 1 byte", VP8, vp8KeyFrame[:1], 1},
		{"vp8 delta frame of 2 bytes", VP8, vp8DeltaFrame[:2], 2},
		{"empty vp8 frame", VP8, nil, 0},
		{"empty opus frame", Opus, nil, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			if n := must(ClearPrefixLen(c.codec, c.frame)); n != c.prefix {
				t.Fatalf("prefix %d, want %d", n, c.prefix)
			}
			for ctr := range uint64(300) { // headers of 1 to 3 bytes
				enc := must(SealFrame(nil, k, ctr, c.codec, c.frame))
				if !bytes.Equal(enc[:c.prefix], c.frame[:c.prefix]) {
					t.Fatal("the prefix is not in clear")
				}
				if bytes.Contains(enc[c.prefix:], c.frame[c.prefix:]) && len(c.frame) > c.prefix+4 {
					t.Fatal("the payload is in clear")
				}
				h, got, err := OpenFrame(nil, k, c.codec, enc)
				if err != nil || h.CTR != ctr || !bytes.Equal(got, c.frame) {
					t.Fatalf("ctr %d: opens to %x %v", ctr, got, err)
				}
				if c.prefix > 0 {
					bad := slices.Clone(enc)
					bad[c.prefix-1] ^= 0x80 // the prefix is authenticated
					if _, _, err := OpenFrame(nil, k, c.codec, bad); err == nil {
						t.Fatal("a changed prefix opens")
					}
				}
			}
		})
	}
	if _, err := SealFrame(nil, k, 0, Codec(9), opusFrame); !errors.Is(err, ErrCodec) {
		t.Fatalf("codec 9: %v", err)
	}
	// A VP8 frame opened as Opus (or the reverse) fails.
	enc := must(SealFrame(nil, k, 0, VP8, vp8KeyFrame))
	if _, _, err := OpenFrame(nil, k, Opus, enc); err == nil {
		t.Fatal("a VP8 frame opens as Opus")
	}
}

func TestSafetyCode(t *testing.T) {
	e := []SafetyEntry{{"alice", fixed("a")}, {"bob", fixed("b")}, {"carol", fixed("c")}}
	code := must(SafetyCode("r", e))
	if !regexp.MustCompile(`^\d{5} \d{5} \d{5} \d{5}$`).MatchString(code) {
		t.Fatalf("code %q", code)
	}
	if must(SafetyCode("r", []SafetyEntry{e[2], e[0], e[1]})) != code {
		t.Fatal("the code depends on the order of participants")
	}
	for name, other := range map[string][]SafetyEntry{
		"another room":         nil,
		"one fewer":            e[:2],
		"one more":             append(slices.Clone(e), SafetyEntry{"dan", fixed("d")}),
		"a key swapped":        {{"alice", fixed("b")}, {"bob", fixed("a")}, e[2]},
		"identity and key cut": {{"alic", append([]byte("e"), fixed("a")...)}, e[1], e[2]},
	} {
		room := "r"
		if other == nil {
			room, other = "r2", e
		}
		if must(SafetyCode(room, other)) == code {
			t.Errorf("%s: same code", name)
		}
	}
	if _, err := SafetyCode("r", []SafetyEntry{{strings.Repeat("x", 65536), fixed("a")}}); !errors.Is(err, ErrTooLong) {
		t.Errorf("a 65,536-byte identity: %v", err)
	}
}
