package e2ee

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math"
	"os"
	"sync"
	"testing"

	"crypto/sha512"
	"hash"
)

// The SFrame working group's vectors (RFC 9605 Appendix C), kept beside the
// repository.
const vectorsPath = "../../shared/vectors/sframe/rfc9605-test-vectors.json"

type hexBytes []byte

func (h *hexBytes) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := hex.DecodeString(s)
	*h = v
	return err
}

type ctrHMACVector struct {
	CipherSuite uint16   `json:"cipher_suite"`
	Key         hexBytes `json:"key"`
	EncKey      hexBytes `json:"enc_key"`
	AuthKey     hexBytes `json:"auth_key"`
	Nonce       hexBytes `json:"nonce"`
	AAD         hexBytes `json:"aad"`
	PT          hexBytes `json:"pt"`
	CT          hexBytes `json:"ct"`
}

type vectors struct {
	Header []struct {
		KID     uint64   `json:"kid"`
		CTR     uint64   `json:"ctr"`
		Encoded hexBytes `json:"encoded"`
	} `json:"header"`
	AESCTRHMAC    []ctrHMACVector `json:"aes_ctr_hmac"`
	AES256CTRHMAC []ctrHMACVector `json:"aes_256_ctr_hmac"`
	SFrame        []struct {
		CipherSuite Suite    `json:"cipher_suite"`
		KID         uint64   `json:"kid"`
		CTR         uint64   `json:"ctr"`
		BaseKey     hexBytes `json:"base_key"`
		KeyLabel    hexBytes `json:"sframe_key_label"`
		SaltLabel   hexBytes `json:"sframe_salt_label"`
		Secret      hexBytes `json:"sframe_secret"`
		Key         hexBytes `json:"sframe_key"`
		Salt        hexBytes `json:"sframe_salt"`
		Metadata    hexBytes `json:"metadata"`
		Nonce       hexBytes `json:"nonce"`
		AAD         hexBytes `json:"aad"`
		PT          hexBytes `json:"pt"`
		CT          hexBytes `json:"ct"`
	} `json:"sframe"`
}

func loadVectors(t *testing.T) vectors {
	t.Helper()
	b, err := os.ReadFile(vectorsPath)
	if err != nil {
		t.Fatalf("read vectors: %v", err)
	}
	var v vectors
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decode vectors: %v", err)
	}
	if len(v.Header) != 289 || len(v.AESCTRHMAC) != 3 || len(v.AES256CTRHMAC) != 3 || len(v.SFrame) != 5 {
		t.Fatalf("vectors: %d header, %d aes_ctr_hmac, %d aes_256_ctr_hmac, %d sframe; want 289, 3, 3, 5",
			len(v.Header), len(v.AESCTRHMAC), len(v.AES256CTRHMAC), len(v.SFrame))
	}
	return v
}

func TestHeaderVectors(t *testing.T) {
	for _, v := range loadVectors(t).Header {
		h := Header{KID: v.KID, CTR: v.CTR}
		if got := h.Append([]byte{0xaa}); !bytes.Equal(got[1:], v.Encoded) || got[0] != 0xaa {
			t.Errorf("%+v encodes to %x, want %x", h, got[1:], v.Encoded)
		}
		if h.Len() != len(v.Encoded) {
			t.Errorf("%+v: Len %d, want %d", h, h.Len(), len(v.Encoded))
		}
		got, n, err := ParseHeader(append(bytes.Clone(v.Encoded), 1, 2, 3))
		if err != nil || got != h || n != len(v.Encoded) {
			t.Errorf("parse %x = %+v, %d, %v; want %+v, %d", v.Encoded, got, n, err, h, len(v.Encoded))
		}
		// Every proper prefix is a truncated header.
		for i := range len(v.Encoded) {
			if _, _, err := ParseHeader(v.Encoded[:i]); !errors.Is(err, ErrHeader) {
				t.Errorf("parse truncated %x: %v, want ErrHeader", v.Encoded[:i], err)
			}
		}
	}
}

func TestHeaderRefusesLongerEncodings(t *testing.T) {
	for _, enc := range []string{
		"8000",               // KID 0 in a byte
		"8007",               // KID 7 in a byte
		"900008",             // KID 8 in two bytes
		"0800",               // CTR 0 in a byte
		"0807",               // CTR 7 in a byte
		"090008",             // CTR 8 in two bytes
		"0f00ffffffffffffff", // CTR with a leading zero byte
	} {
		b, _ := hex.DecodeString(enc)
		if _, _, err := ParseHeader(b); !errors.Is(err, ErrHeader) {
			t.Errorf("parse %s: %v, want ErrHeader", enc, err)
		}
	}
}

func checkCTRHMAC(t *testing.T, v ctrHMACVector, p suiteParams) {
	t.Helper()
	if !bytes.Equal(v.Key[:p.encLen], v.EncKey) || !bytes.Equal(v.Key[p.encLen:], v.AuthKey) {
		t.Fatalf("suite %d: the vector's key does not split as enc_key || auth_key", v.CipherSuite)
	}
	aead, err := newAEAD(p, v.Key)
	if err != nil {
		t.Fatal(err)
	}
	if ct := aead.Seal(nil, v.Nonce, v.PT, v.AAD); !bytes.Equal(ct, v.CT) {
		t.Errorf("suite %d: ct %x, want %x", v.CipherSuite, ct, v.CT)
	}
	if pt, err := aead.Open(nil, v.Nonce, v.CT, v.AAD); err != nil || !bytes.Equal(pt, v.PT) {
		t.Errorf("suite %d: open = %x, %v; want %x", v.CipherSuite, pt, err, v.PT)
	}
	bad := bytes.Clone(v.CT)
	bad[0] ^= 1
	if _, err := aead.Open(nil, v.Nonce, bad, v.AAD); !errors.Is(err, ErrAuth) {
		t.Errorf("suite %d: tampered ct opened: %v", v.CipherSuite, err)
	}
}

func TestAESCTRHMACVectors(t *testing.T) {
	vs := loadVectors(t)
	for _, v := range vs.AESCTRHMAC {
		p, ok := Suite(v.CipherSuite).params()
		if !ok || !p.ctrHMAC {
			t.Fatalf("suite %d is not an AES-CTR-HMAC suite here", v.CipherSuite)
		}
		checkCTRHMAC(t, v, p)
	}
	// Suites 6-8 (AES-256-CTR with HMAC-SHA512) are not in RFC 9605 and not
	// offered; the construction is the same, so check it against them too.
	tags := map[uint16]int{6: 10, 7: 8, 8: 4}
	for _, v := range vs.AES256CTRHMAC {
		checkCTRHMAC(t, v, suiteParams{hash: sha512New(), keyLen: 96, encLen: 32, tagLen: tags[v.CipherSuite], ctrHMAC: true})
	}
}

func TestSFrameVectors(t *testing.T) {
	for _, v := range loadVectors(t).SFrame {
		p, ok := v.CipherSuite.params()
		if !ok {
			t.Fatalf("suite %d unknown", v.CipherSuite)
		}
		if got := label("SFrame 1.0 Secret key ", v.KID, v.CipherSuite); got != string(v.KeyLabel) {
			t.Errorf("suite %d: key label %x, want %x", v.CipherSuite, got, v.KeyLabel)
		}
		if got := label("SFrame 1.0 Secret salt ", v.KID, v.CipherSuite); got != string(v.SaltLabel) {
			t.Errorf("suite %d: salt label %x, want %x", v.CipherSuite, got, v.SaltLabel)
		}
		key, salt, err := deriveKeySalt(p, v.CipherSuite, v.KID, v.BaseKey)
		if err != nil || !bytes.Equal(key, v.Key) || !bytes.Equal(salt, v.Salt) {
			t.Errorf("suite %d: key %x salt %x (%v), want %x %x", v.CipherSuite, key, salt, err, v.Key, v.Salt)
		}
		k, err := NewKey(v.CipherSuite, v.KID, v.BaseKey)
		if err != nil {
			t.Fatal(err)
		}
		if got := k.nonce(v.CTR); !bytes.Equal(got, v.Nonce) {
			t.Errorf("suite %d: nonce %x, want %x", v.CipherSuite, got, v.Nonce)
		}
		hdr := Header{KID: v.KID, CTR: v.CTR}.Append(nil)
		if aad := append(hdr, v.Metadata...); !bytes.Equal(aad, v.AAD) {
			t.Errorf("suite %d: aad %x, want %x", v.CipherSuite, aad, v.AAD)
		}
		if ct := k.Seal([]byte("x"), v.CTR, v.Metadata, v.PT); !bytes.Equal(ct[1:], v.CT) {
			t.Errorf("suite %d: ct %x, want %x", v.CipherSuite, ct[1:], v.CT)
		}
		h, pt, err := k.Open([]byte("x"), v.CT, v.Metadata)
		if err != nil || h != (Header{KID: v.KID, CTR: v.CTR}) || !bytes.Equal(pt[1:], v.PT) {
			t.Errorf("suite %d: open = %+v %x %v; want %x", v.CipherSuite, h, pt, err, v.PT)
		}
		r := NewReceiver()
		r.SetKey(k)
		if _, pt, err := r.Open(nil, v.CT, v.Metadata); err != nil || !bytes.Equal(pt, v.PT) {
			t.Errorf("suite %d: receiver open = %x %v; want %x", v.CipherSuite, pt, err, v.PT)
		}
		if len(v.CT)-len(hdr)-len(v.PT) != v.CipherSuite.Overhead() {
			t.Errorf("suite %d: Overhead %d, frame has %d", v.CipherSuite, v.CipherSuite.Overhead(), len(v.CT)-len(hdr)-len(v.PT))
		}
	}
}

var allSuites = []Suite{AES_128_CTR_HMAC_SHA256_80, AES_128_CTR_HMAC_SHA256_64, AES_128_CTR_HMAC_SHA256_32, AES_128_GCM_SHA256_128, AES_256_GCM_SHA512_128}

func baseKey(b byte) []byte { return bytes.Repeat([]byte{b}, 16) }

func TestTamperedFrameRefused(t *testing.T) {
	meta := []byte{0x90, 0x80, 0x01}
	for _, s := range allSuites {
		k, err := NewKey(s, 300, baseKey(1))
		if err != nil {
			t.Fatal(err)
		}
		r := NewReceiver()
		r.SetKey(k)
		// A second key, so a frame whose KID is changed still finds a key.
		other, _ := NewKey(s, 301, baseKey(1))
		r.SetKey(other)
		frame := k.Seal(nil, 1000, meta, []byte("a frame of video"))
		hlen := Header{KID: 300, CTR: 1000}.Len()
		if _, pt, err := r.Open(nil, frame, meta); err != nil || string(pt) != "a frame of video" {
			t.Fatalf("suite %d: open = %q, %v", s, pt, err)
		}
		for i := range frame {
			bad := bytes.Clone(frame)
			bad[i] ^= 0x01
			_, _, err := r.Open(nil, bad, meta)
			if i < hlen {
				// Another KID or CTR, or a malformed header.
				if err == nil {
					t.Errorf("suite %d: frame with header byte %d changed opened", s, i)
				}
				continue
			}
			if !errors.Is(err, ErrAuth) {
				t.Errorf("suite %d: byte %d changed: %v, want ErrAuth", s, i, err)
			}
		}
		// The same body under a header that names a key the receiver has, or
		// another CTR, fails to authenticate.
		for _, h := range []Header{{KID: 301, CTR: 1000}, {KID: 300, CTR: 1001}, {KID: 300, CTR: 1000 + 1<<40}} {
			bad := h.Append(nil)
			bad = append(bad, frame[hlen:]...)
			if _, _, err := r.Open(nil, bad, meta); !errors.Is(err, ErrAuth) {
				t.Errorf("suite %d: header changed to %+v: %v, want ErrAuth", s, h, err)
			}
		}
		badMeta := bytes.Clone(meta)
		badMeta[2] ^= 1
		if _, _, err := r.Open(nil, frame, badMeta); !errors.Is(err, ErrAuth) {
			t.Errorf("suite %d: changed metadata: %v, want ErrAuth", s, err)
		}
		if _, _, err := r.Open(nil, frame, nil); !errors.Is(err, ErrAuth) {
			t.Errorf("suite %d: missing metadata: %v, want ErrAuth", s, err)
		}
		if _, _, err := r.Open(nil, frame[:len(frame)-1], meta); !errors.Is(err, ErrAuth) {
			t.Errorf("suite %d: truncated: %v, want ErrAuth", s, err)
		}
		if _, _, err := r.Open(nil, frame[:hlen], meta); !errors.Is(err, ErrAuth) {
			t.Errorf("suite %d: header only: %v, want ErrAuth", s, err)
		}
		wrong, _ := NewKey(s, 300, baseKey(2))
		if _, _, err := wrong.Open(nil, frame, meta); !errors.Is(err, ErrAuth) {
			t.Errorf("suite %d: other base key: %v, want ErrAuth", s, err)
		}
		r.RemoveKey(300)
		if _, _, err := r.Open(nil, frame, meta); !errors.Is(err, ErrUnknownKID) {
			t.Errorf("suite %d: removed key: %v, want ErrUnknownKID", s, err)
		}
		if _, _, err := other.Open(nil, frame, meta); !errors.Is(err, ErrUnknownKID) {
			t.Errorf("suite %d: Key.Open of another KID: %v, want ErrUnknownKID", s, err)
		}
	}
}

func TestNewKeyRefuses(t *testing.T) {
	if _, err := NewKey(0, 1, baseKey(1)); !errors.Is(err, ErrSuite) {
		t.Errorf("suite 0: %v, want ErrSuite", err)
	}
	if _, err := NewKey(6, 1, baseKey(1)); !errors.Is(err, ErrSuite) {
		t.Errorf("suite 6: %v, want ErrSuite", err)
	}
	if _, err := NewKey(AES_128_GCM_SHA256_128, 1, make([]byte, 15)); !errors.Is(err, ErrBaseKey) {
		t.Errorf("15-byte base key: %v, want ErrBaseKey", err)
	}
}

func TestKeyPrintsNoSecret(t *testing.T) {
	k, _ := NewKey(AES_128_GCM_SHA256_128, 5, baseKey(0x41))
	if got, want := k.String(), "e2ee.Key{suite: 4, kid: 5}"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func TestSenderNeverRepeatsCounter(t *testing.T) {
	k, _ := NewKey(AES_128_GCM_SHA256_128, 9, baseKey(3))
	s := NewSender(k)
	const goroutines, frames = 8, 200
	var mu sync.Mutex
	seen := make(map[uint64]bool)
	var wg sync.WaitGroup
	for range goroutines {
		wg.Go(func() {
			for range frames {
				f, err := s.Seal(nil, nil, []byte("pt"))
				if err != nil {
					t.Error(err)
					return
				}
				h, _, err := ParseHeader(f)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if seen[h.CTR] {
					t.Errorf("CTR %d used twice", h.CTR)
				}
				seen[h.CTR] = true
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for c := range uint64(goroutines * frames) {
		if !seen[c] {
			t.Fatalf("CTR %d never used: counters should run from 0 without gaps", c)
		}
	}
}

func TestSenderRefusesToWrap(t *testing.T) {
	k, _ := NewKey(AES_128_GCM_SHA256_128, 9, baseKey(3))
	s := NewSender(k)
	s.next = math.MaxUint64 - 1
	for _, want := range []uint64{math.MaxUint64 - 1, math.MaxUint64} {
		f, err := s.Seal(nil, nil, []byte("pt"))
		if err != nil {
			t.Fatalf("CTR %d: %v", want, err)
		}
		if h, _, _ := ParseHeader(f); h.CTR != want {
			t.Fatalf("CTR %d, want %d", h.CTR, want)
		}
	}
	for range 2 {
		if f, err := s.Seal(nil, nil, []byte("pt")); !errors.Is(err, ErrCounterExhausted) || f != nil {
			t.Fatalf("after the last CTR: %x, %v; want ErrCounterExhausted", f, err)
		}
	}
}

func sha512New() func() hash.Hash { return sha512.New }
