package rtc

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"errors"

	"github.com/pion/rtp"
	"github.com/pion/srtp/v3"
)

// sealer turns one DownTrack's marshalled RTP packets into SRTP.
type sealer interface {
	seal(dst, pkt []byte) ([]byte, error)
}

// newSealer returns the sealer for profile: Conclave's own for the AEAD
// profiles every browser negotiates, pion's SRTP context for the others.
func newSealer(profile srtp.ProtectionProfile, key, salt []byte) (sealer, error) {
	switch profile {
	case srtp.ProtectionProfileAeadAes128Gcm, srtp.ProtectionProfileAeadAes256Gcm:
		return newGCMSealer(key, salt)
	}
	ctx, err := srtp.CreateContext(key, salt, profile)
	if err != nil {
		return nil, err
	}
	return &contextSealer{ctx: ctx}, nil
}

// contextSealer seals with a pion SRTP context.
type contextSealer struct {
	ctx *srtp.Context
	hdr rtp.Header // scratch
}

func (c *contextSealer) seal(dst, pkt []byte) ([]byte, error) {
	return c.ctx.EncryptRTP(dst, pkt, &c.hdr)
}

// gcmSealer seals SRTP with AEAD_AES_128_GCM or AEAD_AES_256_GCM (RFC 7714)
// for a single SSRC, with no MKI and no header-extension encryption: the
// RTP header is the associated data, the payload is encrypted, a 16-byte
// tag follows. It does per packet only what the profile needs (one IV, one
// Seal) where a general SRTP context also looks the SSRC up in a map and
// re-parses the header; docs/performance.md has the difference.
// TestGCMSealerMatchesPion checks it byte for byte against pion's context.
type gcmSealer struct {
	aead cipher.AEAD
	salt [12]byte
	iv   [12]byte // scratch: a local array would escape to the heap through Seal

	started bool
	roc     uint32 // rollover counter of last
	last    uint16 // highest sequence number sent
}

// SRTP key derivation labels (RFC 3711 section 4.3.1).
const (
	labelSRTPEncryption = 0x00
	labelSRTPSalt       = 0x02
)

var errSRTPIndex = errors.New("rtc: packet index out of range")

func newGCMSealer(masterKey, masterSalt []byte) (*gcmSealer, error) {
	if len(masterSalt) != 12 {
		return nil, errors.New("rtc: AEAD master salt must be 12 bytes")
	}
	key, err := deriveSessionKey(masterKey, masterSalt, labelSRTPEncryption, len(masterKey))
	if err != nil {
		return nil, err
	}
	salt, err := deriveSessionKey(masterKey, masterSalt, labelSRTPSalt, 12)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	clear(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	s := &gcmSealer{aead: aead}
	copy(s.salt[:], salt)
	clear(salt)
	return s, nil
}

// deriveSessionKey is the AES-CM key derivation function of RFC 3711
// section 4.3.3 with a key derivation rate of 0: the master salt (112 bits;
// RFC 7714's 96-bit salt is padded with zeros) with the label XORed in at
// bit 48 from the right, times 2^16, is the counter block; the key stream
// is the session key.
func deriveSessionKey(masterKey, masterSalt []byte, label byte, n int) ([]byte, error) {
	block, err := aes.NewCipher(masterKey)
	if err != nil {
		return nil, err
	}
	var in [aes.BlockSize]byte
	copy(in[:14], masterSalt)
	in[7] ^= label
	out := make([]byte, (n+aes.BlockSize-1)/aes.BlockSize*aes.BlockSize)
	for i := 0; i*aes.BlockSize < n; i++ {
		binary.BigEndian.PutUint16(in[14:], uint16(i))
		block.Encrypt(out[i*aes.BlockSize:], in[:])
	}
	return out[:n], nil
}

// index returns the rollover counter for sequence number seq (RFC 3711
// appendix A, from the sender's side) and advances the highest one sent.
// A packet that would come from before the first one sent is refused.
func (s *gcmSealer) index(seq uint16) (uint32, error) {
	if !s.started {
		s.started, s.roc, s.last = true, 0, seq
		return 0, nil
	}
	roc := s.roc
	switch {
	case s.last < 1<<15 && int(seq)-int(s.last) > 1<<15:
		if s.roc == 0 {
			return 0, errSRTPIndex
		}
		roc--
	case s.last >= 1<<15 && int(s.last)-1<<15 > int(seq):
		if s.roc == ^uint32(0) {
			return 0, errSRTPIndex // 2^48 packets: the key is spent
		}
		roc++
	}
	if roc > s.roc || (roc == s.roc && seq > s.last) {
		s.roc, s.last = roc, seq
	}
	return roc, nil
}

// seal appends nothing: it writes the SRTP packet for the RTP packet pkt
// to dst[:0] (which should have len(pkt)+16 bytes of capacity) and returns
// it.
func (s *gcmSealer) seal(dst, pkt []byte) ([]byte, error) {
	hl, err := rtpHeaderLen(pkt)
	if err != nil {
		return nil, err
	}
	seq := binary.BigEndian.Uint16(pkt[2:4])
	roc, err := s.index(seq)
	if err != nil {
		return nil, err
	}
	// IV = (0x0000 || SSRC || ROC || SEQ) XOR salt (RFC 7714 section 8.1).
	iv := &s.iv
	*iv = s.salt
	iv[2] ^= pkt[8]
	iv[3] ^= pkt[9]
	iv[4] ^= pkt[10]
	iv[5] ^= pkt[11]
	iv[6] ^= byte(roc >> 24)
	iv[7] ^= byte(roc >> 16)
	iv[8] ^= byte(roc >> 8)
	iv[9] ^= byte(roc)
	iv[10] ^= pkt[2]
	iv[11] ^= pkt[3]
	n := len(pkt) + s.aead.Overhead()
	if cap(dst) < n {
		dst = make([]byte, n)
	}
	dst = dst[:n]
	copy(dst, pkt[:hl])
	s.aead.Seal(dst[hl:hl], iv[:], pkt[hl:], pkt[:hl])
	return dst, nil
}

// rtpHeaderLen returns the length of pkt's RTP header, CSRCs and header
// extension included.
func rtpHeaderLen(pkt []byte) (int, error) {
	if len(pkt) < 12 || pkt[0]>>6 != 2 {
		return 0, errors.New("rtc: not an RTP packet")
	}
	n := 12 + 4*int(pkt[0]&0x0F)
	if pkt[0]&0x10 != 0 {
		if len(pkt) < n+4 {
			return 0, errors.New("rtc: truncated RTP header extension")
		}
		n += 4 + 4*int(binary.BigEndian.Uint16(pkt[n+2:n+4]))
	}
	if n > len(pkt) {
		return 0, errors.New("rtc: truncated RTP header")
	}
	return n, nil
}
