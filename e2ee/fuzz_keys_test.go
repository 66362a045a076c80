package e2ee

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"slices"
	"testing"
)

// fuzzParties is a sender A and a recipient B for the fuzz targets, with
// the key package of testdata/vectors.json: sealing one here would give
// each fuzz worker process another.
type fuzzParties struct {
	alice    *Identity
	aliceKEM *KEMKey
	bobKEM   *KEMKey
	room     string
	pkg      []byte // key from A to B
	kid      uint64
	key      []byte
}

func newFuzzParties(f *testing.F) fuzzParties {
	var v e2eeVectors
	if err := json.Unmarshal(must(os.ReadFile(e2eeVectorsPath)), &v); err != nil {
		f.Fatal(err)
	}
	kp := v.KeyPackage
	if kp.Sender != aID || kp.Recipient != bID {
		f.Fatal("the vector's participants changed: change aID and bID")
	}
	return fuzzParties{
		alice:    must(IdentityFromSeed(kp.SenderIdentitySeed)),
		aliceKEM: must(KEMKeyFromSeed(fixed("fuzz alice kem"))),
		bobKEM:   must(KEMKeyFromSeed(kp.RecipientKEMSeed)),
		room:     kp.Room,
		pkg:      kp.Package,
		kid:      kp.KID,
		key:      kp.Key,
	}
}

const aID, bID = "PA_Z3kF9q2LmX7c", "PA_bN4tR8wY1hQe"

// FuzzKeyPackage feeds arbitrary bytes to ParseKeyPackage and
// OpenKeyPackage: nothing panics, errors are the documented ones, and the
// only package that opens is the genuine one.
func FuzzKeyPackage(f *testing.F) {
	p := newFuzzParties(f)
	f.Add(p.pkg)
	f.Add(p.pkg[:100])
	f.Add(withKID(p.pkg, 0))
	f.Add(append(slices.Clone(p.pkg), 1))
	f.Add([]byte{1, 1})
	f.Fuzz(func(t *testing.T, pkg []byte) {
		kid, perr := ParseKeyPackage(pkg)
		if perr != nil && !errors.Is(perr, ErrKeyPackage) {
			t.Fatalf("ParseKeyPackage: %v", perr)
		}
		okid, key, err := OpenKeyPackage(p.bobKEM, p.alice.Public(), p.room, aID, bID, pkg)
		if err != nil {
			if !errors.Is(err, ErrKeyPackage) && !errors.Is(err, ErrKeyPackageSignature) && !errors.Is(err, ErrKeyPackageOpen) {
				t.Fatalf("OpenKeyPackage: %v", err)
			}
			return
		}
		if perr != nil || okid != kid || !bytes.Equal(pkg, p.pkg) || !bytes.Equal(key, p.key) {
			t.Fatalf("%x opened to KID %d key %x", pkg, okid, key)
		}
	})
}

// FuzzAck: an acknowledgement parses only in its one encoding.
func FuzzAck(f *testing.F) {
	f.Add(AppendAck(nil, KeyID(1, 0)))
	f.Add(AppendAck(nil, 0))
	f.Add([]byte{1, 2, 0})
	f.Fuzz(func(t *testing.T, ack []byte) {
		kid, err := ParseAck(ack)
		if err != nil {
			if !errors.Is(err, ErrKeyPackage) {
				t.Fatalf("ParseAck: %v", err)
			}
			return
		}
		if _, _, ok := SplitKeyID(kid); !ok || !bytes.Equal(AppendAck(nil, kid), ack) {
			t.Fatalf("%x parsed to KID %d", ack, kid)
		}
	})
}

// FuzzDataMessage feeds arbitrary sealed messages and topics to
// ParseDataMessage and OpenDataMessage: nothing panics, errors are the
// documented ones, and only the genuine message opens, on its topic.
func FuzzDataMessage(f *testing.F) {
	p := newFuzzParties(f)
	k := must(NewKey(AES_128_GCM_SHA256_128, p.kid, DataBaseKey(p.key)))
	genuine := must(SealDataMessage(p.alice, k, 3, p.room, aID, "chat", []byte("hello")))
	f.Add(genuine, "chat")
	f.Add(genuine[:minSealedLen], "chat")
	f.Add(must(SealDataMessage(p.alice, k, 1<<40, p.room, aID, "", nil)), "")
	f.Add([]byte{1, 3, 0xff}, "x")
	f.Fuzz(func(t *testing.T, sealed []byte, topic string) {
		h, perr := ParseDataMessage(sealed)
		if perr != nil && !errors.Is(perr, ErrDataMessage) {
			t.Fatalf("ParseDataMessage: %v", perr)
		}
		pt, err := OpenDataMessage(p.alice.Public(), k, p.room, aID, topic, sealed)
		if err != nil {
			for _, want := range []error{ErrDataMessage, ErrDataSignature, ErrUnknownKID, ErrAuth, ErrTooLong} {
				if errors.Is(err, want) {
					return
				}
			}
			t.Fatalf("OpenDataMessage: %v", err)
		}
		if perr != nil || h.KID != k.KID() {
			t.Fatalf("opened with header %+v, %v", h, perr)
		}
		again := must(SealDataMessage(p.alice, k, h.CTR, p.room, aID, topic, pt))
		if !bytes.Equal(again, sealed) {
			t.Fatalf("opened %x, re-sealed %x", sealed, again)
		}
	})
}

// FuzzAnnouncement: Verify never panics, and only the genuine
// announcement verifies, for its room and identity.
func FuzzAnnouncement(f *testing.F) {
	p := newFuzzParties(f)
	a := must(p.alice.Announce(p.room, "alice", p.aliceKEM))
	f.Add([]byte(a.IdentityKey), a.KEMKey, a.Signature, p.room, "alice")
	f.Add([]byte(a.IdentityKey), a.KEMKey[:10], a.Signature, "r", "alice")
	f.Add([]byte(nil), []byte(nil), []byte(nil), "", "")
	f.Fuzz(func(t *testing.T, ik, kk, sig []byte, room, identity string) {
		b := Announcement{ik, kk, sig}
		serr := b.CheckSizes()
		err := b.Verify(room, identity)
		if err != nil {
			if !errors.Is(err, ErrAnnouncement) && !errors.Is(err, ErrAnnouncementSignature) && !errors.Is(err, ErrTooLong) {
				t.Fatalf("Verify: %v", err)
			}
			if serr != nil && !errors.Is(err, ErrAnnouncement) {
				t.Fatalf("CheckSizes %v but Verify %v", serr, err)
			}
			return
		}
		if serr != nil || room != p.room || identity != "alice" || !bytes.Equal(ik, a.IdentityKey) || !bytes.Equal(kk, a.KEMKey) || !bytes.Equal(sig, a.Signature) {
			t.Fatalf("verified %+v for %q %q", b, room, identity)
		}
	})
}

// FuzzDecryptFrame feeds arbitrary frames to OpenFrame and to a Session's
// DecryptFrame under both codecs: nothing panics, errors are the
// documented ones, and a frame that opens is exactly what sealing its
// plaintext again gives.
func FuzzDecryptFrame(f *testing.F) {
	p := newFuzzParties(f)
	kid := p.kid
	k := must(NewKey(AES_128_GCM_SHA256_128, kid, MediaBaseKey(p.key)))
	bob := must(NewSession(SessionConfig{Room: p.room, Identity: "bob", ID: must(IdentityFromSeed(fixed("fuzz bob"))), KEM: p.bobKEM}))
	bob.Joined(bID, []Member{{ID: aID, Identity: "alice", Announcement: must(p.alice.Announce(p.room, "alice", p.aliceKEM))}})
	if _, err := bob.Receive(aID, p.pkg); err != nil {
		f.Fatal(err)
	}
	for _, c := range []Codec{Opus, VP8} {
		for _, frame := range [][]byte{vp8KeyFrame, vp8DeltaFrame, opusFrame, vp8KeyFrame[:4], vp8DeltaFrame[:1], nil} {
			f.Add(byte(c), must(SealFrame(nil, k, 7, c, frame)))
			f.Add(byte(c), must(SealFrame(nil, k, 1<<20, c, frame)))
		}
	}
	f.Add(byte(2), []byte{0x50, 0x42})
	f.Fuzz(func(t *testing.T, codec byte, frame []byte) {
		c := Codec(codec % 3)
		documented := func(err error) bool {
			return errors.Is(err, ErrHeader) || errors.Is(err, ErrUnknownKID) || errors.Is(err, ErrAuth) || errors.Is(err, ErrCodec)
		}
		h, pt, err := OpenFrame(nil, k, c, frame)
		if err != nil {
			if !documented(err) {
				t.Fatalf("OpenFrame: %v", err)
			}
		} else if again := must(SealFrame(nil, k, h.CTR, c, pt)); !bytes.Equal(again, frame) {
			t.Fatalf("opened %x, re-sealed %x", frame, again)
		}
		spt, serr := bob.DecryptFrame(aID, c, frame)
		if serr != nil && !documented(serr) {
			t.Fatalf("DecryptFrame: %v", serr)
		}
		if (serr == nil) != (err == nil) || !bytes.Equal(spt, pt) {
			t.Fatalf("Session and OpenFrame disagree: %x %v, %x %v", spt, serr, pt, err)
		}
	})
}

// FuzzReceive feeds arbitrary e2ee messages to a Session: nothing panics,
// errors are the documented ones, and only the genuine package is
// acknowledged.
func FuzzReceive(f *testing.F) {
	p := newFuzzParties(f)
	bob := must(NewSession(SessionConfig{Room: p.room, Identity: "bob", ID: must(IdentityFromSeed(fixed("fuzz bob"))), KEM: p.bobKEM}))
	bob.Joined(bID, []Member{{ID: aID, Identity: "alice", Announcement: must(p.alice.Announce(p.room, "alice", p.aliceKEM))}})
	f.Add(p.pkg)
	f.Add(AppendAck(nil, p.kid))
	f.Add(AppendAck(nil, bob.SendingKID()))
	f.Add([]byte{1, 3})
	f.Fuzz(func(t *testing.T, msg []byte) {
		out, err := bob.Receive(aID, msg)
		if err != nil {
			if out != nil || (!errors.Is(err, ErrKeyPackage) && !errors.Is(err, ErrKeyPackageSignature) && !errors.Is(err, ErrKeyPackageOpen)) {
				t.Fatalf("Receive: %v, %d to send", err, len(out))
			}
			return
		}
		if len(out) > 0 && (len(out) != 1 || !bytes.Equal(msg, p.pkg) || !bytes.Equal(out[0].Payload, AppendAck(nil, p.kid))) {
			t.Fatalf("%x answered with %+v", msg, out)
		}
		if len(out) == 0 && (len(msg) != AckLen || msg[1] != TypeAck) {
			t.Fatalf("%x accepted silently", msg)
		}
	})
}
