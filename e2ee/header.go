package e2ee

import (
	"errors"
	"fmt"
)

// ErrHeader is returned (wrapped) when a frame does not start with a valid
// SFrame header.
var ErrHeader = errors.New("e2ee: malformed SFrame header")

// MaxHeaderLen is the length of the longest SFrame header: one config byte,
// an 8-byte KID and an 8-byte CTR.
const MaxHeaderLen = 17

// Header is the clear part of an SFrame frame (RFC 9605 §4.3): the key ID
// that names the sender key and the counter that makes the nonce unique.
type Header struct {
	KID uint64
	CTR uint64
}

// Len is the length of h encoded.
func (h Header) Len() int {
	return 1 + longLen(h.KID) + longLen(h.CTR)
}

// Append appends h in the shortest encoding of RFC 9605 §4.3, the only one
// [ParseHeader] accepts.
func (h Header) Append(dst []byte) []byte {
	kl, cl := longLen(h.KID), longLen(h.CTR)
	var config byte
	if kl == 0 {
		config = byte(h.KID) << 4
	} else {
		config = 0x80 | byte(kl-1)<<4
	}
	if cl == 0 {
		config |= byte(h.CTR)
	} else {
		config |= 0x08 | byte(cl-1)
	}
	dst = append(dst, config)
	dst = appendUint(dst, h.KID, kl)
	return appendUint(dst, h.CTR, cl)
}

// ParseHeader reads the SFrame header at the start of b and returns it with
// its length. It refuses a truncated header and any encoding other than the
// shortest, so that a header has exactly one encoding.
func ParseHeader(b []byte) (Header, int, error) {
	if len(b) == 0 {
		return Header{}, 0, fmt.Errorf("%w: empty frame", ErrHeader)
	}
	config := b[0]
	n := 1
	kid, n, err := parseField(b, n, config>>4, "KID")
	if err != nil {
		return Header{}, 0, err
	}
	ctr, n, err := parseField(b, n, config&0x0f, "CTR")
	if err != nil {
		return Header{}, 0, err
	}
	return Header{KID: kid, CTR: ctr}, n, nil
}

// parseField reads one field described by a 4-bit nibble (an extension bit
// and 3 bits of value or length minus one) from b at offset n.
func parseField(b []byte, n int, nibble byte, name string) (uint64, int, error) {
	if nibble&0x08 == 0 {
		return uint64(nibble & 0x07), n, nil
	}
	l := int(nibble&0x07) + 1
	if len(b)-n < l {
		return 0, 0, fmt.Errorf("%w: %s needs %d bytes, %d left", ErrHeader, name, l, len(b)-n)
	}
	var v uint64
	for _, c := range b[n : n+l] {
		v = v<<8 | uint64(c)
	}
	if longLen(v) != l {
		return 0, 0, fmt.Errorf("%w: %s %d not in its shortest encoding", ErrHeader, name, v)
	}
	return v, n + l, nil
}

// longLen is the number of bytes v takes after the config byte: none for a
// value below 8, else its big-endian length without leading zeros.
func longLen(v uint64) int {
	if v < 8 {
		return 0
	}
	l := 0
	for ; v != 0; v >>= 8 {
		l++
	}
	return l
}

func appendUint(dst []byte, v uint64, l int) []byte {
	for i := l - 1; i >= 0; i-- {
		dst = append(dst, byte(v>>(8*i)))
	}
	return dst
}
