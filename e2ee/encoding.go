package e2ee

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// ErrTooLong is returned (wrapped) when a string to be encoded as lp(x)
// (a room name, an identity, a participant id or a topic) is longer than
// 65,535 bytes.
var ErrTooLong = errors.New("e2ee: string longer than 65,535 bytes")

// Wire constants: every e2ee message starts with Version and a type byte.
const (
	Version        byte = 0x01
	TypeKeyPackage byte = 0x01
	TypeAck        byte = 0x02
	TypeSealedData byte = 0x03
)

// MaxMessageLen is the largest payload of an e2ee signaling message.
const MaxMessageLen = 2048

// The labels that start every signed message and every HPKE info.
const (
	labelAnnounce      = "conclave e2ee announce v1"
	labelKey           = "conclave e2ee key v1"
	labelKeyPackage    = "conclave e2ee key package v1"
	labelRatchet       = "conclave e2ee ratchet v1"
	labelMedia         = "conclave e2ee media v1"
	labelData          = "conclave e2ee data v1"
	labelDataSignature = "conclave e2ee data signature v1"
	labelSafetyCode    = "conclave e2ee safety code v1"
)

// labeled is lp(label) || lp(fields[0]) || lp(fields[1]) ..., with room
// for extra more bytes.
func labeled(extra int, label string, fields ...string) ([]byte, error) {
	n := 2 + len(label) + extra
	for _, f := range fields {
		if len(f) > math.MaxUint16 {
			return nil, fmt.Errorf("%w: %d bytes", ErrTooLong, len(f))
		}
		n += 2 + len(f)
	}
	b := make([]byte, 0, n)
	b = appendLP(b, label)
	for _, f := range fields {
		b = appendLP(b, f)
	}
	return b, nil
}

// appendLP appends lp(s); s is at most 65,535 bytes.
func appendLP(dst []byte, s string) []byte {
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(s)))
	return append(dst, s...)
}
