package e2ee

import (
	"errors"
	"fmt"
)

// Codec is the codec of a media frame, which decides how many of its first
// bytes stay in clear.
type Codec uint8

// The codecs of an E2EE room.
const (
	Opus Codec = 1
	VP8  Codec = 2
)

// ErrCodec is returned for a codec an E2EE room does not carry.
var ErrCodec = errors.New("e2ee: codec not allowed in an E2EE room")

func (c Codec) String() string {
	switch c {
	case Opus:
		return "opus"
	case VP8:
		return "vp8"
	}
	return fmt.Sprintf("codec(%d)", uint8(c))
}

// Clear prefix lengths: the bytes of a VP8 frame the SFU and the receiving
// depacketizer read (frame tag, and for a key frame start code and size).
const (
	vp8KeyPrefix   = 10
	vp8DeltaPrefix = 3
	tagLen         = 16 // AES_128_GCM_SHA256_128
)

// prefixLen is the clear prefix a frame of codec c starting with frame's
// first byte has, before the frame's own length is taken into account.
func prefixLen(c Codec, frame []byte) (int, error) {
	switch c {
	case Opus:
		return 0, nil
	case VP8:
		if len(frame) > 0 && frame[0]&1 == 1 {
			return vp8DeltaPrefix, nil
		}
		return vp8KeyPrefix, nil
	}
	return 0, fmt.Errorf("%w: %v", ErrCodec, c)
}

// ClearPrefixLen is how many bytes at the start of the unencrypted frame
// stay in clear: 0 for Opus, 10 for a VP8 key frame, 3 for a VP8 delta
// frame, and the whole frame if it is shorter than that.
func ClearPrefixLen(c Codec, frame []byte) (int, error) {
	n, err := prefixLen(c, frame)
	return min(n, len(frame)), err
}

// SealFrame appends to dst the encrypted frame prefix || SFrame header ||
// ciphertext || tag of frame with key k and counter ctr, and returns it.
// It never checks ctr: a Session counts. dst must not overlap frame.
func SealFrame(dst []byte, k *Key, ctr uint64, c Codec, frame []byte) ([]byte, error) {
	n, err := ClearPrefixLen(c, frame)
	if err != nil {
		return nil, err
	}
	prefix := frame[:n]
	return k.Seal(append(dst, prefix...), ctr, prefix, frame[n:]), nil
}

// OpenFrame authenticates and decrypts an encrypted frame of codec c
// sealed with k, appends the frame (prefix and plaintext) to dst and
// returns its SFrame header and the result. dst must not overlap frame.
func OpenFrame(dst []byte, k *Key, c Codec, frame []byte) (Header, []byte, error) {
	return openFrame(dst, c, frame, func(kid uint64) (*Key, error) {
		if kid != k.kid {
			return nil, fmt.Errorf("%w: %d", ErrUnknownKID, kid)
		}
		return k, nil
	})
}

// openFrame opens frame with the key lookup finds for its KID.
//
// A VP8 frame shorter than its clear prefix was sent whole as the prefix,
// with an empty plaintext, and the receiver cannot tell its length from its
// first byte. So when the full prefix does not open a frame short enough to
// be such a frame (at most prefix-1 + MaxHeaderLen + tag bytes), each
// shorter prefix after which a header ends exactly one tag before the end
// is tried, longest first. The work is bounded: ten opens of empty
// plaintexts at most, for frames of at most 42 bytes.
func openFrame(dst []byte, c Codec, frame []byte, lookup func(kid uint64) (*Key, error)) (Header, []byte, error) {
	p, err := prefixLen(c, frame)
	if err != nil {
		return Header{}, nil, err
	}
	h, out, err := openAt(dst, frame, p, lookup)
	if err == nil || c != VP8 || len(frame) > p-1+MaxHeaderLen+tagLen {
		return h, out, err
	}
	for n := min(p, len(frame)) - 1; n >= 0; n-- {
		sh, hl, herr := ParseHeader(frame[n:])
		if herr != nil || n+hl+tagLen != len(frame) {
			continue
		}
		k, kerr := lookup(sh.KID)
		if kerr != nil {
			continue
		}
		if _, out, oerr := k.open(append(dst, frame[:n]...), frame[n:], hl, sh, frame[:n]); oerr == nil {
			return sh, out, nil
		}
	}
	return h, out, err
}

// openAt opens frame with a clear prefix of p bytes.
func openAt(dst, frame []byte, p int, lookup func(kid uint64) (*Key, error)) (Header, []byte, error) {
	if len(frame) < p {
		return Header{}, nil, fmt.Errorf("%w: frame of %d bytes, shorter than its prefix", ErrHeader, len(frame))
	}
	prefix, sframe := frame[:p], frame[p:]
	h, n, err := ParseHeader(sframe)
	if err != nil {
		return Header{}, nil, err
	}
	k, err := lookup(h.KID)
	if err != nil {
		return Header{}, nil, err
	}
	_, out, err := k.open(append(dst, prefix...), sframe, n, h, prefix)
	if err != nil {
		return Header{}, nil, err
	}
	return h, out, nil
}
