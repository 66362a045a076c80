package e2ee

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"math"
	"sync"
)

// Suite is an SFrame cipher suite (RFC 9605 §4.5).
type Suite uint16

// The cipher suites of RFC 9605 §4.5. The names are the RFC's.
const (
	AES_128_CTR_HMAC_SHA256_80 Suite = 1
	AES_128_CTR_HMAC_SHA256_64 Suite = 2
	AES_128_CTR_HMAC_SHA256_32 Suite = 3
	AES_128_GCM_SHA256_128     Suite = 4 // the suite Conclave uses
	AES_256_GCM_SHA512_128     Suite = 5
)

// Errors callers tell apart. Open's errors all mean the frame is dropped.
var (
	// ErrSuite is returned for a cipher suite this package does not know.
	ErrSuite = errors.New("e2ee: unsupported SFrame cipher suite")
	// ErrBaseKey is returned for a base key shorter than MinBaseKeyLen.
	ErrBaseKey = errors.New("e2ee: SFrame base key too short")
	// ErrUnknownKID is returned for a frame whose KID names no key.
	ErrUnknownKID = errors.New("e2ee: unknown SFrame KID")
	// ErrAuth is returned for a frame that fails to authenticate: wrong key,
	// or tampered header, metadata or ciphertext.
	ErrAuth = errors.New("e2ee: SFrame authentication failed")
	// ErrCounterExhausted is returned by a Sender that has used every CTR:
	// the key must be replaced.
	ErrCounterExhausted = errors.New("e2ee: SFrame counter exhausted")
)

// MinBaseKeyLen is the shortest base key NewKey accepts (128 bits).
const MinBaseKeyLen = 16

// nonceLen is Nn for every suite.
const nonceLen = 12

type suiteParams struct {
	hash    func() hash.Hash
	keyLen  int // Nk: for CTR-HMAC suites, the AES key and the HMAC key
	encLen  int // AES key length
	tagLen  int // Nt
	ctrHMAC bool
}

func (s Suite) params() (suiteParams, bool) {
	switch s {
	case AES_128_CTR_HMAC_SHA256_80:
		return suiteParams{sha256.New, 48, 16, 10, true}, true
	case AES_128_CTR_HMAC_SHA256_64:
		return suiteParams{sha256.New, 48, 16, 8, true}, true
	case AES_128_CTR_HMAC_SHA256_32:
		return suiteParams{sha256.New, 48, 16, 4, true}, true
	case AES_128_GCM_SHA256_128:
		return suiteParams{sha256.New, 16, 16, 16, false}, true
	case AES_256_GCM_SHA512_128:
		return suiteParams{sha512.New, 32, 32, 16, false}, true
	}
	return suiteParams{}, false
}

// Overhead is how many bytes a frame sealed with s carries beyond its
// header and plaintext (the tag), or 0 for an unknown suite.
func (s Suite) Overhead() int {
	p, _ := s.params()
	return p.tagLen
}

// Key is one sender key in use: a cipher suite, a KID and the AEAD key and
// salt derived from a base key (RFC 9605 §4.4.2). It does not count: seal
// through a Sender, which never reuses a CTR. A Key is safe for concurrent
// use; it prints without its secrets.
type Key struct {
	_     [0]func() // not comparable
	suite Suite
	kid   uint64
	aead  cipher.AEAD
	salt  [nonceLen]byte
}

// NewKey derives the key for KID kid from baseKey with suite's key schedule.
func NewKey(suite Suite, kid uint64, baseKey []byte) (*Key, error) {
	p, ok := suite.params()
	if !ok {
		return nil, fmt.Errorf("%w: %d", ErrSuite, suite)
	}
	if len(baseKey) < MinBaseKeyLen {
		return nil, fmt.Errorf("%w: %d bytes, need %d", ErrBaseKey, len(baseKey), MinBaseKeyLen)
	}
	key, salt, err := deriveKeySalt(p, suite, kid, baseKey)
	if err != nil {
		return nil, err
	}
	aead, err := newAEAD(p, key)
	if err != nil {
		return nil, err
	}
	k := &Key{suite: suite, kid: kid, aead: aead}
	copy(k.salt[:], salt)
	return k, nil
}

// deriveKeySalt is the key schedule of RFC 9605 §4.4.2.
func deriveKeySalt(p suiteParams, suite Suite, kid uint64, baseKey []byte) (key, salt []byte, err error) {
	secret, err := hkdf.Extract(p.hash, baseKey, nil)
	if err != nil {
		return nil, nil, err
	}
	key, err = hkdf.Expand(p.hash, secret, label("SFrame 1.0 Secret key ", kid, suite), p.keyLen)
	if err != nil {
		return nil, nil, err
	}
	salt, err = hkdf.Expand(p.hash, secret, label("SFrame 1.0 Secret salt ", kid, suite), nonceLen)
	return key, salt, err
}

// label is prefix || KID (8 bytes) || cipher suite (2 bytes), big-endian.
func label(prefix string, kid uint64, suite Suite) string {
	b := binary.BigEndian.AppendUint64([]byte(prefix), kid)
	return string(binary.BigEndian.AppendUint16(b, uint16(suite)))
}

func newAEAD(p suiteParams, key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key[:p.encLen])
	if err != nil {
		return nil, err
	}
	if !p.ctrHMAC {
		return cipher.NewGCM(block)
	}
	return &ctrHMAC{block: block, authKey: key[p.encLen:], hash: p.hash, tagLen: p.tagLen}, nil
}

// Suite is the key's cipher suite.
func (k *Key) Suite() Suite { return k.suite }

// KID is the key's ID, carried in the header of every frame it seals.
func (k *Key) KID() uint64 { return k.kid }

// String names the key without its secrets.
func (k *Key) String() string { return fmt.Sprintf("e2ee.Key{suite: %d, kid: %d}", k.suite, k.kid) }

// nonce is the salt XOR the CTR, left-padded to the nonce length.
func (k *Key) nonce(ctr uint64) []byte {
	n := k.salt
	for i := range 8 {
		n[nonceLen-1-i] ^= byte(ctr >> (8 * i))
	}
	return n[:]
}

// Seal appends to dst the frame header || ciphertext of plaintext with
// counter ctr, authenticating metadata (bytes sent in clear beside the
// frame, such as codec headers) with it, and returns the result. dst must
// not overlap plaintext.
//
// Seal never checks ctr: sealing two frames with one key and one ctr gives
// away both. Use a Sender unless the counter is kept elsewhere.
func (k *Key) Seal(dst []byte, ctr uint64, metadata, plaintext []byte) []byte {
	h := Header{KID: k.kid, CTR: ctr}
	start := len(dst)
	dst = h.Append(dst)
	aad := append(dst[start:len(dst):len(dst)], metadata...)
	return k.aead.Seal(dst, k.nonce(ctr), plaintext, aad)
}

// Open authenticates and decrypts frame (header || ciphertext) sealed with
// this key and metadata, appends the plaintext to dst, and returns the
// header and the result. A frame with another KID returns ErrUnknownKID, a
// frame that does not authenticate ErrAuth; either is to be dropped. dst
// must not overlap frame.
func (k *Key) Open(dst, frame, metadata []byte) (Header, []byte, error) {
	h, n, err := ParseHeader(frame)
	if err != nil {
		return Header{}, nil, err
	}
	if h.KID != k.kid {
		return Header{}, nil, fmt.Errorf("%w: %d, key has %d", ErrUnknownKID, h.KID, k.kid)
	}
	return k.open(dst, frame, n, h, metadata)
}

func (k *Key) open(dst, frame []byte, n int, h Header, metadata []byte) (Header, []byte, error) {
	aad := append(frame[:n:n], metadata...)
	out, err := k.aead.Open(dst, k.nonce(h.CTR), frame[n:], aad)
	if err != nil {
		return Header{}, nil, ErrAuth
	}
	return h, out, nil
}

// Sender seals frames with one key and a counter that starts at 0, rises by
// one per frame and never wraps, so no nonce is used twice. Every track
// sealed with one key must share the key's one Sender. A Sender is safe for
// concurrent use.
type Sender struct {
	key  *Key
	mu   sync.Mutex
	next uint64
	done bool // every CTR has been used
}

// NewSender returns a Sender sealing with key from CTR 0. Give it a key no
// other Sender has used.
func NewSender(key *Key) *Sender { return &Sender{key: key} }

// Key is the key s seals with.
func (s *Sender) Key() *Key { return s.key }

// Seal is Key.Seal with the next counter. After the last counter
// (2^64 - 1) it returns ErrCounterExhausted.
func (s *Sender) Seal(dst, metadata, plaintext []byte) ([]byte, error) {
	s.mu.Lock()
	if s.done {
		s.mu.Unlock()
		return nil, ErrCounterExhausted
	}
	ctr := s.next
	if ctr == math.MaxUint64 {
		s.done = true
	} else {
		s.next++
	}
	s.mu.Unlock()
	return s.key.Seal(dst, ctr, metadata, plaintext), nil
}

// Receiver opens frames with the key their KID names. It is safe for
// concurrent use. It keeps no replay window: a replayed frame opens again.
type Receiver struct {
	mu   sync.RWMutex
	keys map[uint64]*Key
}

// NewReceiver returns a Receiver with no keys.
func NewReceiver() *Receiver { return &Receiver{keys: make(map[uint64]*Key)} }

// SetKey adds key, replacing any key with its KID.
func (r *Receiver) SetKey(key *Key) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.keys[key.kid] = key
}

// RemoveKey forgets the key with KID kid, if any.
func (r *Receiver) RemoveKey(kid uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.keys, kid)
}

// Open is Key.Open with the key the frame's KID names; a KID with no key
// returns ErrUnknownKID.
func (r *Receiver) Open(dst, frame, metadata []byte) (Header, []byte, error) {
	h, n, err := ParseHeader(frame)
	if err != nil {
		return Header{}, nil, err
	}
	r.mu.RLock()
	k := r.keys[h.KID]
	r.mu.RUnlock()
	if k == nil {
		return Header{}, nil, fmt.Errorf("%w: %d", ErrUnknownKID, h.KID)
	}
	return k.open(dst, frame, n, h, metadata)
}

// ctrHMAC is the AES-CTR with HMAC construction of RFC 9605 §4.5.1 as a
// cipher.AEAD.
type ctrHMAC struct {
	block   cipher.Block
	authKey []byte
	hash    func() hash.Hash
	tagLen  int
}

func (c *ctrHMAC) NonceSize() int { return nonceLen }
func (c *ctrHMAC) Overhead() int  { return c.tagLen }

// Seal panics on a wrong nonce length, like the standard library's AEADs.
func (c *ctrHMAC) Seal(dst, nonce, plaintext, aad []byte) []byte {
	if len(nonce) != nonceLen {
		panic("e2ee: wrong nonce length")
	}
	n := len(dst)
	dst = append(dst, plaintext...) // XORed in place below
	ct := dst[n:]
	c.stream(nonce).XORKeyStream(ct, ct)
	return append(dst, c.tag(nonce, aad, ct)...)
}

func (c *ctrHMAC) Open(dst, nonce, ciphertext, aad []byte) ([]byte, error) {
	if len(nonce) != nonceLen || len(ciphertext) < c.tagLen {
		return nil, ErrAuth
	}
	ct, tag := ciphertext[:len(ciphertext)-c.tagLen], ciphertext[len(ciphertext)-c.tagLen:]
	if subtle.ConstantTimeCompare(c.tag(nonce, aad, ct), tag) != 1 {
		return nil, ErrAuth
	}
	n := len(dst)
	dst = append(dst, ct...)
	c.stream(nonce).XORKeyStream(dst[n:], dst[n:])
	return dst, nil
}

// stream is AES-CTR from the nonce followed by a 32-bit block counter at 0.
func (c *ctrHMAC) stream(nonce []byte) cipher.Stream {
	var iv [aes.BlockSize]byte
	copy(iv[:], nonce)
	return cipher.NewCTR(c.block, iv[:])
}

// tag is HMAC(auth_key, len(aad) || len(ct) || Nt || nonce || aad || ct),
// lengths as 64-bit big-endian, truncated to Nt bytes.
func (c *ctrHMAC) tag(nonce, aad, ct []byte) []byte {
	m := hmac.New(c.hash, c.authKey)
	var lens [24]byte
	binary.BigEndian.PutUint64(lens[0:], uint64(len(aad)))
	binary.BigEndian.PutUint64(lens[8:], uint64(len(ct)))
	binary.BigEndian.PutUint64(lens[16:], uint64(c.tagLen))
	m.Write(lens[:])
	m.Write(nonce)
	m.Write(aad)
	m.Write(ct)
	return m.Sum(nil)[:c.tagLen]
}
