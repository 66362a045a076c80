package e2ee

import (
	"bytes"
	"testing"
)

// benchFrames are a 720p VP8 delta frame (about 15 KB) and a 20 ms Opus
// frame (120 B).
var benchFrames = []struct {
	name  string
	codec Codec
	frame []byte
}{
	{"vp8-delta-15KB", VP8, append([]byte{0x31, 0x05, 0x00}, bytes.Repeat([]byte{0x5a}, 15000-3)...)},
	{"opus-120B", Opus, bytes.Repeat([]byte{0xfc}, 120)},
}

// benchPair is A and B in a room, keys exchanged.
func benchPair(b *testing.B) (a, bob *party) {
	r := newTestRoom(b)
	a, bob = r.add("PA_a"), r.add("PA_b")
	r.deliverAll()
	return a, bob
}

func BenchmarkEncryptFrame(b *testing.B) {
	a, _ := benchPair(b)
	for _, f := range benchFrames {
		b.Run(f.name, func(b *testing.B) {
			b.SetBytes(int64(len(f.frame)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := a.s.EncryptFrame(f.codec, f.frame); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkDecryptFrame(b *testing.B) {
	a, bob := benchPair(b)
	for _, f := range benchFrames {
		b.Run(f.name, func(b *testing.B) {
			enc := must(a.s.EncryptFrame(f.codec, f.frame))
			b.SetBytes(int64(len(f.frame)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := bob.s.DecryptFrame("PA_a", f.codec, enc); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkSealKeyPackage(b *testing.B) {
	alice, bobKEM := must(NewIdentity()), must(NewKEMKey())
	pub := must(parseKEMPublic(bobKEM.PublicBytes()))
	key := fixed("k")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := sealKeyPackage(alice, "room", "PA_a", "PA_b", pub, KeyID(1, 0), key); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpenKeyPackage(b *testing.B) {
	alice, bobKEM := must(NewIdentity()), must(NewKEMKey())
	pkg := must(SealKeyPackage(alice, "room", "PA_a", "PA_b", bobKEM.PublicBytes(), KeyID(1, 0), fixed("k")))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := OpenKeyPackage(bobKEM, alice.Public(), "room", "PA_a", "PA_b", pkg); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSealData(b *testing.B) {
	a, _ := benchPair(b)
	payload := bytes.Repeat([]byte("x"), 200)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.s.SealData("chat", payload); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpenData(b *testing.B) {
	a, bob := benchPair(b)
	sealed := must(a.s.SealData("chat", bytes.Repeat([]byte("x"), 200)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := bob.s.OpenData("PA_a", "chat", sealed); err != nil {
			b.Fatal(err)
		}
	}
}
