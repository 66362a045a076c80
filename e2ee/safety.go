package e2ee

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
)

// SafetyEntry is one participant in a safety code: its identity (the join
// token's sub) and its identity public key.
type SafetyEntry struct {
	Identity    string
	IdentityKey []byte
}

// SafetyCode is the room's safety code over entries (every participant,
// self included, in any order): four groups of five digits, such as
// "12345 67890 13579 24680". Every participant who sees the same
// participants with the same keys computes the same code.
func SafetyCode(room string, entries []SafetyEntry) (string, error) {
	if len(entries) > math.MaxUint32 {
		return "", fmt.Errorf("e2ee: %d safety code entries", len(entries))
	}
	encoded := make([][]byte, len(entries))
	for i, e := range entries {
		if len(e.Identity) > math.MaxUint16 {
			return "", fmt.Errorf("%w: identity of %d bytes", ErrTooLong, len(e.Identity))
		}
		b := make([]byte, 0, 2+len(e.Identity)+len(e.IdentityKey))
		encoded[i] = append(appendLP(b, e.Identity), e.IdentityKey...)
	}
	slices.SortFunc(encoded, bytes.Compare)
	head, err := labeled(4, labelSafetyCode, room)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	h.Write(binary.BigEndian.AppendUint32(head, uint32(len(entries))))
	for _, e := range encoded {
		h.Write(e)
	}
	digest := h.Sum(nil)
	groups := make([]byte, 0, 23)
	for i := range 4 {
		var v uint64
		for _, c := range digest[5*i : 5*i+5] {
			v = v<<8 | uint64(c)
		}
		if i > 0 {
			groups = append(groups, ' ')
		}
		groups = fmt.Appendf(groups, "%05d", v%100000)
	}
	return string(groups), nil
}
