package rtc

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/pion/rtp"
	"github.com/pion/srtp/v3"
)

// testKeys returns a reproducible master key of keyLen bytes and a master
// salt of saltLen bytes.
func testKeys(rng *rand.Rand, keyLen, saltLen int) (key, salt []byte) {
	key = make([]byte, keyLen)
	salt = make([]byte, saltLen)
	for i := range key {
		key[i] = byte(rng.Uint32())
	}
	for i := range salt {
		salt[i] = byte(rng.Uint32())
	}
	return key, salt
}

// sealerTestPacket marshals packet i of a stream: random payload, with
// CSRCs, padding and a one-byte header extension on some packets, as the
// fan-out may hand to a sealer.
func sealerTestPacket(t *testing.T, rng *rand.Rand, i int, seq uint16) []byte {
	t.Helper()
	p := &rtp.Packet{
		Header: rtp.Header{
			Version: 2, PayloadType: 96, SequenceNumber: seq, Timestamp: uint32(i) * 3000,
			SSRC: 0x5EA1ED00, Marker: i%4 == 0,
		},
		Payload: make([]byte, 1+rng.IntN(1200)),
	}
	for j := range p.Payload {
		p.Payload[j] = byte(rng.Uint32())
	}
	if i%5 == 1 {
		p.CSRC = []uint32{rng.Uint32(), rng.Uint32()}
	}
	if i%7 == 2 {
		p.Padding = true
		p.PaddingSize = byte(1 + rng.IntN(32))
	}
	if i%3 == 0 {
		if err := p.SetExtension(1, []byte{byte(i), byte(i >> 8), 0xEE}); err != nil {
			t.Fatal(err)
		}
	}
	b, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if p.Padding && b[len(b)-1] != p.PaddingSize {
		t.Fatalf("setup: padding count byte %d, want %d", b[len(b)-1], p.PaddingSize)
	}
	return b
}

// TestGCMSealerMatchesPion: Conclave's AEAD sealer must produce exactly the
// SRTP that pion's context produces for the same packets, through the
// 16-bit sequence number wrap and with retransmissions of older packets
// (which must reuse their original rollover counter), and pion must
// decrypt it.
func TestGCMSealerMatchesPion(t *testing.T) {
	for _, tc := range []struct {
		name    string
		profile srtp.ProtectionProfile
		keyLen  int
	}{
		{"AEAD_AES_128_GCM", srtp.ProtectionProfileAeadAes128Gcm, 16},
		{"AEAD_AES_256_GCM", srtp.ProtectionProfileAeadAes256Gcm, 32},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(tc.profile), 1))
			key, salt := testKeys(rng, tc.keyLen, 12)
			ours, err := newGCMSealer(key, salt)
			if err != nil {
				t.Fatal(err)
			}
			pion, err := srtp.CreateContext(key, salt, tc.profile)
			if err != nil {
				t.Fatal(err)
			}
			recv, err := srtp.CreateContext(key, salt, tc.profile)
			if err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, 0, 1600) // reused, as the fan-out reuses batch buffers
			var sent [][]byte
			check := func(pkt []byte, what string) {
				t.Helper()
				got, err := ours.seal(buf[:0], pkt)
				if err != nil {
					t.Fatalf("%s: seal: %v", what, err)
				}
				want, err := pion.EncryptRTP(nil, pkt, nil)
				if err != nil {
					t.Fatalf("%s: pion: %v", what, err)
				}
				if !bytes.Equal(got, want) {
					t.Fatalf("%s: sealed packet differs from pion's\n got %x\nwant %x", what, got, want)
				}
				if len(got) != len(pkt)+16 {
					t.Fatalf("%s: %d bytes sealed from %d", what, len(got), len(pkt))
				}
				plain, err := recv.DecryptRTP(nil, got, nil)
				if err != nil {
					t.Fatalf("%s: pion cannot decrypt: %v", what, err)
				}
				if !bytes.Equal(plain, pkt) {
					t.Fatalf("%s: decrypted packet differs from the original", what)
				}
			}
			const first, count = 65500, 400
			wrapped := false
			for i := range count {
				seq := uint16(first + i)
				wrapped = wrapped || seq < first
				pkt := sealerTestPacket(t, rng, i, seq)
				sent = append(sent, pkt)
				check(pkt, "packet")
				// Retransmit the packet three back every fourth packet: at
				// i=37 (seq 1) that is seq 65534, from before the wrap.
				if i >= 3 && i%4 == 1 {
					old := sent[i-3]
					check(old, "retransmission")
				}
			}
			if !wrapped {
				t.Fatal("setup: the sequence numbers never wrapped")
			}
			if ours.roc != 1 {
				t.Errorf("rollover counter %d after the wrap, want 1", ours.roc)
			}
			// Long losses and retransmissions from far back: each step is
			// less than half the sequence space from the highest sent, so
			// the index stays unambiguous; a far-back retransmission must
			// not become the reference for the next jump ahead.
			seq := uint16(first)
			seq += count - 1 // the highest sent: 363, after the wrap
			for k, step := range []int{20000, -20000 + 1, 15000 - 1, 30000, 10000, -30000, 20000, -32000, 32000, 1} {
				cur := seq
				if step < 0 {
					cur -= uint16(-step)
				} else {
					cur += uint16(step)
					seq = cur
				}
				check(sealerTestPacket(t, rng, count+k, cur), fmt.Sprintf("step %d to %d", k, cur))
			}
			if ours.roc != 2 {
				t.Errorf("rollover counter %d after the second wrap, want 2", ours.roc)
			}
		})
	}
}

// TestGCMSealerRefusesPacketsBeforeTheFirst: a packet whose index would be
// negative (from "before" the first packet sent, in the previous rollover)
// cannot be sealed; it must be refused without disturbing the state.
func TestGCMSealerRefusesPacketsBeforeTheFirst(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	key, salt := testKeys(rng, 16, 12)
	s, err := newGCMSealer(key, salt)
	if err != nil {
		t.Fatal(err)
	}
	recv, err := srtp.CreateContext(key, salt, srtp.ProtectionProfileAeadAes128Gcm)
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		seq uint16
		ok  bool
	}{
		{100, true},
		{65000, false}, // ROC would be -1
		{40000, false}, // more than half the space ahead of 100: also from the previous rollover
		{99, true},     // just behind: a retransmission, same ROC
		{101, true},
	} {
		pkt := sealerTestPacket(t, rng, int(step.seq), step.seq)
		out, err := s.seal(nil, pkt)
		if !step.ok {
			if !errors.Is(err, errSRTPIndex) {
				t.Errorf("seq %d after 100: err %v, want errSRTPIndex", step.seq, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("seq %d: %v", step.seq, err)
		}
		plain, err := recv.DecryptRTP(nil, out, nil)
		if err != nil || !bytes.Equal(plain, pkt) {
			t.Fatalf("seq %d does not decrypt after a refusal (%v): the sealer's state was disturbed", step.seq, err)
		}
	}
	if s.roc != 0 || s.last != 101 {
		t.Errorf("state after refusals: roc %d last %d, want 0 and 101", s.roc, s.last)
	}
}

func TestRTPHeaderLen(t *testing.T) {
	hdr := func(b0 byte, extra ...byte) []byte {
		return append([]byte{b0, 96, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3}, extra...)
	}
	csrc := func(n int) []byte { return make([]byte, 4*n) }
	ext := func(words uint16, body int) []byte {
		b := []byte{0xBE, 0xDE, byte(words >> 8), byte(words)}
		return append(b, make([]byte, body)...)
	}
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	tests := []struct {
		name string
		pkt  []byte
		want int // 0: error
	}{
		{"nil", nil, 0},
		{"11 bytes", hdr(0x80)[:11], 0},
		{"version 0", hdr(0x00), 0},
		{"version 1", hdr(0x40), 0},
		{"version 3", hdr(0xC0), 0},
		{"fixed header only", hdr(0x80), 12},
		{"with payload", hdr(0x80, 1, 2, 3, 4, 5), 12},
		{"padding bit ignored", hdr(0xA0, 1, 2, 3), 12},
		{"two CSRCs", cat(hdr(0x82), csrc(2)), 20},
		{"two CSRCs, one short", cat(hdr(0x82), csrc(2))[:19], 0},
		{"fifteen CSRCs claimed, none present", hdr(0x8F), 0},
		{"fifteen CSRCs", cat(hdr(0x8F), csrc(15), []byte{9}), 72},
		{"extension bit, no extension header", hdr(0x90), 0},
		{"extension header cut", cat(hdr(0x90), []byte{0xBE, 0xDE, 0}), 0},
		{"empty extension", cat(hdr(0x90), ext(0, 0)), 16},
		{"one-word extension", cat(hdr(0x90), ext(1, 4), []byte{7, 7}), 20},
		{"one-word extension cut", cat(hdr(0x90), ext(1, 3)), 0},
		{"CSRC and extension", cat(hdr(0x91), csrc(1), ext(2, 8), []byte{1}), 28},
		{"extension length 0xFFFF", cat(hdr(0x90), ext(0xFFFF, 40)), 0},
		{"CSRCs past the end with extension", cat(hdr(0x9F), ext(1, 4)), 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := rtpHeaderLen(tc.pkt)
			if tc.want == 0 {
				if err == nil {
					t.Fatalf("rtpHeaderLen = %d, want an error", got)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("rtpHeaderLen = %d, %v; want %d", got, err, tc.want)
			}
			// pion's parser agrees on every well-formed header.
			var h rtp.Header
			if n, err := h.Unmarshal(tc.pkt); err != nil || n != got {
				t.Fatalf("pion parses %d, %v; rtpHeaderLen %d", n, err, got)
			}
		})
	}
}

// FuzzGCMSeal feeds arbitrary bytes to the sealer: nothing may panic, and
// whatever it seals must be what pion would have sealed and must decrypt
// with pion's context.
func FuzzGCMSeal(f *testing.F) {
	rng := rand.New(rand.NewPCG(3, 3))
	key, salt := testKeys(rng, 16, 12)
	f.Add([]byte{0x80, 96, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 'h', 'i'})
	f.Add([]byte{0x90, 96, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xBE, 0xDE, 0, 1, 0x10, 0xAA, 0, 0, 'x'})
	f.Add([]byte{0xA1, 96, 0xFF, 0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4, 0, 0, 2})
	f.Add([]byte{0x9F, 0, 0, 0})
	f.Add([]byte{0x90, 96, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xBE, 0xDE, 0xFF, 0xFF})
	f.Add([]byte("\x9000000000000\xc2\xde\x00\x010000")) // a cryptex extension profile
	f.Fuzz(func(t *testing.T, pkt []byte) {
		s, err := newGCMSealer(key, salt)
		if err != nil {
			t.Fatal(err)
		}
		in := bytes.Clone(pkt)
		out, err := s.seal(nil, pkt)
		if !bytes.Equal(in, pkt) {
			t.Fatal("seal modified its input")
		}
		if err != nil {
			return
		}
		hl, err := rtpHeaderLen(pkt)
		if err != nil {
			t.Fatalf("sealed a packet whose header rtpHeaderLen refuses: %v", err)
		}
		if len(out) != len(pkt)+16 || !bytes.Equal(out[:hl], pkt[:hl]) {
			t.Fatalf("sealed %d bytes from %d, header changed: %v", len(out), len(pkt), !bytes.Equal(out[:hl], pkt[:hl]))
		}
		var h rtp.Header
		if n, err := h.Unmarshal(pkt); err != nil || n != hl {
			// pion's receiver refuses malformed one- and two-byte header
			// extension elements, which the sealer does not look into: it
			// only ever seals packets the fan-out marshalled, which carry
			// no extension. Such a packet cannot be checked against pion.
			return
		}
		enc, err := srtp.CreateContext(key, salt, srtp.ProtectionProfileAeadAes128Gcm)
		if err != nil {
			t.Fatal(err)
		}
		want, err := enc.EncryptRTP(nil, pkt, nil)
		if err != nil {
			t.Fatalf("pion refuses what the sealer sealed: %v", err)
		}
		if !bytes.Equal(out, want) {
			t.Fatalf("sealed packet differs from pion's\n got %x\nwant %x", out, want)
		}
		if h.Extension && (h.ExtensionProfile == rtp.CryptexProfileOneByte || h.ExtensionProfile == rtp.CryptexProfileTwoByte) {
			// The profile says the header extension is encrypted (RFC 9335),
			// which pion's receiver refuses unless cryptex was negotiated;
			// pion's sender seals it just as the sealer did, checked above.
			return
		}
		dec, err := srtp.CreateContext(key, salt, srtp.ProtectionProfileAeadAes128Gcm)
		if err != nil {
			t.Fatal(err)
		}
		plain, err := dec.DecryptRTP(nil, out, nil)
		if err != nil {
			t.Fatalf("pion cannot decrypt: %v", err)
		}
		if !bytes.Equal(plain, pkt) {
			t.Fatal("decrypted packet differs from the original")
		}
	})
}

// TestNewSealerProfiles: the AEAD profiles get Conclave's sealer, the
// others pion's context, and what either seals decrypts with pion.
func TestNewSealerProfiles(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	for _, tc := range []struct {
		name    string
		profile srtp.ProtectionProfile
		keyLen  int
		saltLen int
		gcm     bool
	}{
		{"AES_CM_128_HMAC_SHA1_80", srtp.ProtectionProfileAes128CmHmacSha1_80, 16, 14, false},
		{"AES_CM_128_HMAC_SHA1_32", srtp.ProtectionProfileAes128CmHmacSha1_32, 16, 14, false},
		{"AEAD_AES_128_GCM", srtp.ProtectionProfileAeadAes128Gcm, 16, 12, true},
		{"AEAD_AES_256_GCM", srtp.ProtectionProfileAeadAes256Gcm, 32, 12, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key, salt := testKeys(rng, tc.keyLen, tc.saltLen)
			s, err := newSealer(tc.profile, key, salt)
			if err != nil {
				t.Fatal(err)
			}
			switch s.(type) {
			case *gcmSealer:
				if !tc.gcm {
					t.Fatalf("%s got Conclave's GCM sealer", tc.name)
				}
			case *contextSealer:
				if tc.gcm {
					t.Fatalf("%s got pion's context, not Conclave's GCM sealer", tc.name)
				}
			default:
				t.Fatalf("unexpected sealer %T", s)
			}
			recv, err := srtp.CreateContext(key, salt, tc.profile)
			if err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, 0, 1600)
			for i := range 40 {
				seq := uint16(65520 + i)
				pkt := sealerTestPacket(t, rng, i, seq)
				out, err := s.seal(buf[:0], pkt)
				if err != nil {
					t.Fatalf("seq %d: %v", seq, err)
				}
				if bytes.Equal(out[12:len(pkt)], pkt[12:]) {
					t.Fatalf("seq %d: payload not encrypted", seq)
				}
				plain, err := recv.DecryptRTP(nil, out, nil)
				if err != nil {
					t.Fatalf("seq %d: pion cannot decrypt: %v", seq, err)
				}
				if !bytes.Equal(plain, pkt) {
					t.Fatalf("seq %d: decrypted packet differs", seq)
				}
			}
		})
	}

	key, salt := testKeys(rng, 16, 14)
	if _, err := newSealer(srtp.ProtectionProfileAeadAes128Gcm, key, salt); err == nil {
		t.Error("AEAD sealer accepted a 14-byte salt")
	}
	if _, err := newSealer(srtp.ProtectionProfileAeadAes128Gcm, key[:15], salt[:12]); err == nil {
		t.Error("AEAD sealer accepted a 15-byte key")
	}
	if _, err := newSealer(srtp.ProtectionProfile(0x1234), key, salt); err == nil {
		t.Error("an unknown profile was accepted")
	}
}

// TestDeriveSessionKeyVector checks the key derivation against RFC 3711
// appendix B.3 (AES-CM, key derivation rate 0).
func TestDeriveSessionKeyVector(t *testing.T) {
	masterKey := []byte{
		0xE1, 0xF9, 0x7A, 0x0D, 0x3E, 0x01, 0x8B, 0xE0, 0xD6, 0x4F, 0xA3, 0x2C, 0x06, 0xDE, 0x41, 0x39,
	}
	masterSalt := []byte{0x0E, 0xC6, 0x75, 0xAD, 0x49, 0x8A, 0xFE, 0xEB, 0xB6, 0x96, 0x0B, 0x3A, 0xAB, 0xE6}
	want := map[byte][]byte{
		labelSRTPEncryption: {0xC6, 0x1E, 0x7A, 0x93, 0x74, 0x4F, 0x39, 0xEE, 0x10, 0x73, 0x4A, 0xFE, 0x3F, 0xF7, 0xA0, 0x87},
		labelSRTPSalt:       {0x30, 0xCB, 0xBC, 0x08, 0x86, 0x3D, 0x8C, 0x85, 0xD4, 0x9D, 0xB3, 0x4A, 0x9A, 0xE1},
	}
	for label, w := range want {
		got, err := deriveSessionKey(masterKey, masterSalt, label, len(w))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, w) {
			t.Errorf("label %d: %x, want %x", label, got, w)
		}
	}
	// The 12-byte AEAD salt is the 14-byte one with two zero bytes.
	short, err := deriveSessionKey(masterKey, append(masterSalt[:12:12], 0, 0), labelSRTPEncryption, 16)
	if err != nil {
		t.Fatal(err)
	}
	long, err := deriveSessionKey(masterKey, masterSalt[:12], labelSRTPEncryption, 16)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(short, long) {
		t.Error("a 12-byte salt is not padded with zeros")
	}
}

// BenchmarkSeal: one 1,100-byte video packet sealed with AEAD_AES_128_GCM
// by Conclave's sealer and by pion's SRTP context, as the direct path
// would (a fresh sequence number each time).
func BenchmarkSeal(b *testing.B) {
	key, salt := bytes.Repeat([]byte{7}, 16), bytes.Repeat([]byte{9}, 12)
	h := rtp.Header{Version: 2, PayloadType: 96, SSRC: 0x1234, Timestamp: 90000}
	pkt, err := (&rtp.Packet{Header: h, Payload: bytes.Repeat([]byte{0x5A}, 1100)}).Marshal()
	if err != nil {
		b.Fatal(err)
	}
	dst := make([]byte, 0, 1600)
	ours, err := newGCMSealer(key, salt)
	if err != nil {
		b.Fatal(err)
	}
	ctx, err := srtp.CreateContext(key, salt, srtp.ProtectionProfileAeadAes128Gcm)
	if err != nil {
		b.Fatal(err)
	}
	pion := &contextSealer{ctx: ctx}
	for _, s := range []struct {
		name string
		s    sealer
	}{{"conclave", ours}, {"pion", pion}} {
		b.Run(s.name, func(b *testing.B) {
			b.SetBytes(int64(len(pkt)))
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				pkt[2], pkt[3] = byte(i>>8), byte(i)
				if _, err := s.s.seal(dst, pkt); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestSealAllocs: sealing a packet allocates nothing; it runs once per
// packet per subscriber.
func TestSealAllocs(t *testing.T) {
	s, err := newGCMSealer(bytes.Repeat([]byte{7}, 16), bytes.Repeat([]byte{9}, 12))
	if err != nil {
		t.Fatal(err)
	}
	pkt, err := (&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96, SSRC: 1}, Payload: make([]byte, 1100)}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	dst := make([]byte, 0, 1600)
	seq := uint16(0)
	if n := testing.AllocsPerRun(100, func() {
		seq++
		pkt[2], pkt[3] = byte(seq>>8), byte(seq)
		if _, err := s.seal(dst, pkt); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("seal allocates %.1f times per packet, want 0", n)
	}
}
