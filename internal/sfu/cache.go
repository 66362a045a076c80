package sfu

import "sync"

// cacheSlotSize is the largest packet the cache keeps. Larger packets are
// still forwarded but cannot be retransmitted.
const cacheSlotSize = 1500

// maxCacheSize keeps the ring smaller than the 16-bit sequence space, so a
// slot index never aliases two live sequence numbers.
const maxCacheSize = 1 << 15

// packetCache is a ring of preallocated packet buffers indexed by the
// sequence number subscribers see (the receiver's outgoing sequence
// number), extended past the 16-bit wrap so that a slot left over from an
// earlier wrap is never mistaken for the packet a NACK asks for: re-sent,
// it would be a different payload under a nonce already used. One cache per Receiver is shared by all its DownTracks. The
// receiver goroutine writes every forwarded packet; RTCP goroutines copy
// packets out to answer NACKs. A single mutex is enough: the critical
// section is one memcpy of at most cacheSlotSize bytes and NACKs are rare.
type packetCache struct {
	mu   sync.Mutex
	mask uint16
	data []byte   // len(slots) * cacheSlotSize
	lens []uint16 // 0 marks an empty slot
	seqs []uint64 // extended outgoing sequence numbers
}

func newPacketCache(size int) *packetCache {
	size = ceilPow2(size)
	return &packetCache{
		mask: uint16(size - 1),
		data: make([]byte, size*cacheSlotSize),
		lens: make([]uint16, size),
		seqs: make([]uint64, size),
	}
}

// ceilPow2 rounds n up to a power of two in [1, maxCacheSize].
func ceilPow2(n int) int {
	p := 1
	for p < n && p < maxCacheSize {
		p <<= 1
	}
	return p
}

func (c *packetCache) size() int { return len(c.lens) }

// put stores pkt under the extended sequence number seq, overwriting
// whatever shared its slot.
func (c *packetCache) put(seq uint64, pkt []byte) {
	i := int(uint16(seq) & c.mask)
	c.mu.Lock()
	if len(pkt) > cacheSlotSize {
		c.lens[i] = 0
	} else {
		copy(c.data[i*cacheSlotSize:], pkt)
		c.lens[i] = uint16(len(pkt))
		c.seqs[i] = seq
	}
	c.mu.Unlock()
}

// get copies the packet stored under the extended sequence number seq into
// dst, which must hold cacheSlotSize bytes. ok is false when the packet has
// been overwritten or was never cached.
func (c *packetCache) get(seq uint64, dst []byte) (n int, ok bool) {
	i := int(uint16(seq) & c.mask)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.lens[i] == 0 || c.seqs[i] != seq {
		return 0, false
	}
	off := i * cacheSlotSize
	return copy(dst, c.data[off:off+int(c.lens[i])]), true
}
