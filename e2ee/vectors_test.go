package e2ee

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"os"
	"testing"
)

// The vectors both implementations check: go test ./e2ee -run
// TestE2EEVectors -update rewrites them from the fixed inputs below.
const e2eeVectorsPath = "testdata/vectors.json"

var update = flag.Bool("update", false, "rewrite testdata/vectors.json")

func (h hexBytes) MarshalJSON() ([]byte, error) { return json.Marshal(hex.EncodeToString(h)) }

// fixed is 32 bytes named by name: the vectors' secret inputs.
func fixed(name string) []byte {
	s := sha256.Sum256([]byte("conclave e2ee test vector " + name))
	return s[:]
}

type e2eeVectors struct {
	Announce struct {
		Room           string   `json:"room"`
		Identity       string   `json:"identity"`
		IdentitySeed   hexBytes `json:"identity_seed"`
		IdentityPublic hexBytes `json:"identity_public"`
		KEMSeed        hexBytes `json:"kem_seed"`
		KEMPublic      hexBytes `json:"kem_public"`
		Signature      hexBytes `json:"signature"`
	} `json:"announce"`
	Ratchet struct {
		Key0  hexBytes   `json:"key0"`
		Keys  []hexBytes `json:"keys"`
		Media []hexBytes `json:"media"`
		Data  []hexBytes `json:"data"`
	} `json:"ratchet"`
	Media      []mediaVector `json:"media"`
	KeyPackage struct {
		Room                 string   `json:"room"`
		Sender               string   `json:"sender"`
		Recipient            string   `json:"recipient"`
		KID                  uint64   `json:"kid"`
		SenderIdentitySeed   hexBytes `json:"sender_identity_seed"`
		SenderIdentityPublic hexBytes `json:"sender_identity_public"`
		RecipientKEMSeed     hexBytes `json:"recipient_kem_seed"`
		RecipientKEMPublic   hexBytes `json:"recipient_kem_public"`
		Key                  hexBytes `json:"key"`
		Package              hexBytes `json:"package"`
		Ack                  hexBytes `json:"ack"`
	} `json:"key_package"`
	Data struct {
		Room         string   `json:"room"`
		Sender       string   `json:"sender"`
		Topic        string   `json:"topic"`
		KID          uint64   `json:"kid"`
		CTR          uint64   `json:"ctr"`
		Key          hexBytes `json:"key"`
		IdentitySeed hexBytes `json:"identity_seed"`
		Plaintext    hexBytes `json:"plaintext"`
		Sealed       hexBytes `json:"sealed"`
	} `json:"data"`
	SafetyCode struct {
		Room         string `json:"room"`
		Participants []struct {
			Identity    string   `json:"identity"`
			IdentityKey hexBytes `json:"identity_key"`
		} `json:"participants"`
		Code string `json:"code"`
	} `json:"safety_code"`
}

type mediaVector struct {
	Name      string   `json:"name"`
	Codec     string   `json:"codec"`
	KID       uint64   `json:"kid"`
	CTR       uint64   `json:"ctr"`
	Key       hexBytes `json:"key"`
	Plaintext hexBytes `json:"plaintext"`
	Encrypted hexBytes `json:"encrypted"`
}

// must is v, or a panic (which fails the test) on an error that fixed
// inputs never give.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func codecNamed(t *testing.T, name string) Codec {
	for _, c := range []Codec{Opus, VP8} {
		if c.String() == name {
			return c
		}
	}
	t.Fatalf("codec %q", name)
	return 0
}

// makeVectors computes every vector from the fixed inputs; the key
// package, sealed with fresh HPKE randomness, is pkg.
func makeVectors(t *testing.T, pkg []byte) e2eeVectors {
	var v e2eeVectors
	const room = "standup-42"

	a := &v.Announce
	a.Room, a.Identity = room, "alice@example.com"
	a.IdentitySeed, a.KEMSeed = fixed("alice identity"), fixed("alice kem")
	alice := must(IdentityFromSeed(a.IdentitySeed))
	aliceKEM := must(KEMKeyFromSeed(a.KEMSeed))
	ann := must(alice.Announce(a.Room, a.Identity, aliceKEM))
	a.IdentityPublic, a.KEMPublic, a.Signature = ann.IdentityKey, ann.KEMKey, ann.Signature

	r := &v.Ratchet
	r.Key0 = fixed("key0")
	for k, i := []byte(r.Key0), 0; i < 4; k, i = Ratchet(k), i+1 {
		r.Keys = append(r.Keys, k)
		r.Media = append(r.Media, MediaBaseKey(k))
		r.Data = append(r.Data, DataBaseKey(k))
	}

	// Epoch 3, step 2: key(3, 2) is keys[2] when key0 is key(3, 0).
	kid := KeyID(3, 2)
	senderKey := r.Keys[2]
	mediaKey := must(NewKey(AES_128_GCM_SHA256_128, kid, MediaBaseKey(senderKey)))
	vp8Key := append([]byte{0x50, 0x42, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01}, bytes.Repeat([]byte{0xa5, 0x5a, 0x3c}, 20)...)
	vp8Delta := append([]byte{0x31, 0x05, 0x00}, bytes.Repeat([]byte{0x42, 0x17}, 16)...)
	opus := append([]byte{0xfc}, bytes.Repeat([]byte{0xe1, 0x0d}, 30)...)
	for _, m := range []struct {
		name  string
		codec Codec
		ctr   uint64
		pt    []byte
	}{
		{"vp8 key frame", VP8, 0, vp8Key},
		{"vp8 delta frame", VP8, 1, vp8Delta},
		{"opus frame", Opus, 300, opus},
		{"vp8 key frame shorter than its prefix", VP8, 2, []byte{0x10, 0x02, 0x00, 0x9d, 0x01}},
		{"vp8 delta frame shorter than its prefix", VP8, 3, []byte{0x31, 0x05}},
	} {
		enc := must(SealFrame(nil, mediaKey, m.ctr, m.codec, m.pt))
		v.Media = append(v.Media, mediaVector{m.name, m.codec.String(), kid, m.ctr, senderKey, m.pt, enc})
	}

	p := &v.KeyPackage
	p.Room, p.Sender, p.Recipient = room, "PA_Z3kF9q2LmX7c", "PA_bN4tR8wY1hQe"
	p.KID = KeyID(1, 0)
	p.SenderIdentitySeed, p.RecipientKEMSeed = fixed("alice identity"), fixed("bob kem")
	p.SenderIdentityPublic = hexBytes(alice.Public())
	bobKEM := must(KEMKeyFromSeed(p.RecipientKEMSeed))
	p.RecipientKEMPublic = bobKEM.PublicBytes()
	p.Key = fixed("alice key(1, 0)")
	if pkg == nil {
		pkg = must(SealKeyPackage(alice, room, p.Sender, p.Recipient, p.RecipientKEMPublic, p.KID, p.Key))
	}
	p.Package = pkg
	p.Ack = AppendAck(nil, p.KID)

	d := &v.Data
	d.Room, d.Sender, d.Topic = room, p.Sender, "chat"
	d.KID, d.CTR = KeyID(1, 1), 5
	d.Key = Ratchet(p.Key)
	d.IdentitySeed = fixed("alice identity")
	d.Plaintext = []byte(`{"text":"hello, room"}`)
	dataKey := must(NewKey(AES_128_GCM_SHA256_128, d.KID, DataBaseKey(d.Key)))
	d.Sealed = must(SealDataMessage(alice, dataKey, d.CTR, d.Room, d.Sender, d.Topic, d.Plaintext))

	s := &v.SafetyCode
	s.Room = room
	var entries []SafetyEntry
	for _, name := range []string{"alice@example.com", "bob@example.com", "carol"} {
		id := must(IdentityFromSeed(fixed(name + " identity")))
		s.Participants = append(s.Participants, struct {
			Identity    string   `json:"identity"`
			IdentityKey hexBytes `json:"identity_key"`
		}{name, hexBytes(id.Public())})
		entries = append(entries, SafetyEntry{name, id.Public()})
	}
	s.Code = must(SafetyCode(room, entries))
	return v
}

func encodeVectors(t *testing.T, v e2eeVectors) []byte {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

// TestE2EEVectors checks testdata/vectors.json: every deterministic value
// re-derives from the fixed inputs byte for byte, every encrypted value
// opens to its plaintext, and the key package (sealed once, since HPKE is
// randomized) opens to its key with the recipient's KEM key.
func TestE2EEVectors(t *testing.T) {
	var stored e2eeVectors
	file, err := os.ReadFile(e2eeVectorsPath)
	if err == nil {
		err = json.Unmarshal(file, &stored)
	}
	if err != nil && !*update {
		t.Fatalf("%s: %v (run with -update to create it)", e2eeVectorsPath, err)
	}

	// Keep a stored package that still opens, so that -update is stable.
	var pkg []byte
	if err == nil && checkKeyPackageVector(t, stored, false) {
		pkg = stored.KeyPackage.Package
	}
	want := makeVectors(t, pkg)
	enc := encodeVectors(t, want)
	if *update {
		if err := os.WriteFile(e2eeVectorsPath, enc, 0o644); err != nil {
			t.Fatal(err)
		}
		stored = want
	} else if !bytes.Equal(enc, file) {
		t.Errorf("%s differs from what the fixed inputs give; run with -update if the change is meant", e2eeVectorsPath)
	}
	checkKeyPackageVector(t, stored, true)

	for _, m := range stored.Media {
		k := must(NewKey(AES_128_GCM_SHA256_128, m.KID, MediaBaseKey(m.Key)))
		h, pt, err := OpenFrame(nil, k, codecNamed(t, m.Codec), m.Encrypted)
		if err != nil || h.KID != m.KID || h.CTR != m.CTR || !bytes.Equal(pt, m.Plaintext) {
			t.Errorf("%s: opens to %+v %x, %v; want %x", m.Name, h, pt, err, []byte(m.Plaintext))
		}
		n := must(ClearPrefixLen(codecNamed(t, m.Codec), m.Plaintext))
		if !bytes.Equal(m.Encrypted[:n], m.Plaintext[:n]) {
			t.Errorf("%s: clear prefix %x, frame starts %x", m.Name, []byte(m.Encrypted[:n]), []byte(m.Plaintext[:n]))
		}
	}

	d := stored.Data
	alice := must(IdentityFromSeed(d.IdentitySeed))
	dataKey := must(NewKey(AES_128_GCM_SHA256_128, d.KID, DataBaseKey(d.Key)))
	if pt, err := OpenDataMessage(alice.Public(), dataKey, d.Room, d.Sender, d.Topic, d.Sealed); err != nil || !bytes.Equal(pt, d.Plaintext) {
		t.Errorf("data: opens to %q, %v", pt, err)
	}
	a := stored.Announce
	ann := Announcement{a.IdentityPublic, a.KEMPublic, a.Signature}
	if err := ann.Verify(a.Room, a.Identity); err != nil {
		t.Errorf("announcement: %v", err)
	}
}

// checkKeyPackageVector opens the stored key package and reports whether
// it carries the vector's key; with fatal, failing to is an error.
func checkKeyPackageVector(t *testing.T, v e2eeVectors, fatal bool) bool {
	p := v.KeyPackage
	kem, err := KEMKeyFromSeed(p.RecipientKEMSeed)
	if err != nil {
		if fatal {
			t.Errorf("key package: %v", err)
		}
		return false
	}
	kid, key, err := OpenKeyPackage(kem, ed25519.PublicKey(p.SenderIdentityPublic), p.Room, p.Sender, p.Recipient, p.Package)
	ok := err == nil && kid == p.KID && bytes.Equal(key, p.Key) && len(p.Package) == KeyPackageLen
	if !ok && fatal {
		t.Errorf("key package: opens to KID %d key %x, %v; want KID %d key %x", kid, key, err, p.KID, []byte(p.Key))
	}
	return ok
}
