package e2ee

import (
	"cmp"
	"fmt"
	"slices"
)

// recvEpoch is one epoch of a member's sender keys: key(e, low) and the
// steps derived from it.
type recvEpoch struct {
	epoch uint32
	low   uint8
	high  uint8    // highest step installed, authenticated, or reached by joins seen
	chain [][]byte // chain[i] is key(e, low+i)
	keys  map[uint16]*Key
}

// install adds key(e, st) from a key package. A step of an epoch held is
// kept only if it is below the lowest held (the rest derive from that); an
// epoch older than all MaxEpochsKept held is ignored.
func (m *member) install(e uint32, st uint8, key []byte) {
	for _, r := range m.epochs {
		if r.epoch == e {
			if st < r.low {
				r.low, r.chain, r.keys = st, [][]byte{key}, nil
			}
			r.high = max(r.high, st)
			return
		}
	}
	r := &recvEpoch{epoch: e, low: st, high: st, chain: [][]byte{key}}
	m.epochs = append(m.epochs, r)
	slices.SortFunc(m.epochs, func(a, b *recvEpoch) int { return cmp.Compare(a.epoch, b.epoch) })
	if len(m.epochs) > MaxEpochsKept {
		m.epochs = slices.Delete(m.epochs, 0, len(m.epochs)-MaxEpochsKept)
	}
}

// key is the member's SFrame key for kid, media or data, deriving forward
// within the receiver bounds.
func (m *member) key(kid uint64, data bool) (*Key, error) {
	e, st, ok := SplitKeyID(kid)
	if !ok {
		return nil, fmt.Errorf("%w: %d names no epoch", ErrUnknownKID, kid)
	}
	var r *recvEpoch
	for _, c := range m.epochs {
		if c.epoch == e {
			r = c
		}
	}
	if r == nil {
		return nil, fmt.Errorf("%w: epoch %d not held", ErrUnknownKID, e)
	}
	if st < r.low || int(st) > int(r.high)+MaxStepsAhead {
		return nil, fmt.Errorf("%w: step %d outside %d..%d", ErrUnknownKID, st, r.low, int(r.high)+MaxStepsAhead)
	}
	slot := uint16(st) << 1
	if data {
		slot |= 1
	}
	if k := r.keys[slot]; k != nil {
		return k, nil
	}
	for len(r.chain) <= int(st-r.low) {
		r.chain = append(r.chain, Ratchet(r.chain[len(r.chain)-1]))
	}
	base := r.chain[st-r.low]
	var bk []byte
	if data {
		bk = DataBaseKey(base)
	} else {
		bk = MediaBaseKey(base)
	}
	k, err := NewKey(AES_128_GCM_SHA256_128, kid, bk)
	if err != nil {
		return nil, err
	}
	if r.keys == nil {
		r.keys = make(map[uint16]*Key)
	}
	r.keys[slot] = k
	return k, nil
}

// seen records that kid authenticated a frame or message: the receiver
// may now derive up to MaxStepsAhead beyond it.
func (m *member) seen(kid uint64) {
	e, st, _ := SplitKeyID(kid)
	for _, r := range m.epochs {
		if r.epoch == e {
			r.high = max(r.high, st)
		}
	}
}
