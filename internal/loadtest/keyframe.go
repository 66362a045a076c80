package loadtest

import (
	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
)

// maxKeyframePackets bounds the key frames keyframeDetector can see whole:
// 1,024 packets is over a megabyte, far beyond any key frame the load test
// sends (about 10 KB for the clip and for generated frames).
const maxKeyframePackets = 1024

// keyframeDetector watches one VP8 track's decrypted RTP packets and says
// when a decoder could first start: when a whole key frame has arrived.
//
// A key frame starts with the packet whose VP8 payload descriptor (RFC
// 7741 section 4.2) has S=1 and partition index 0 and whose first payload
// byte, the VP8 frame tag, has P=0 (RFC 6386 section 9.1). It is whole once
// every sequence number from that packet up to the one with the RTP marker
// bit has arrived with the frame's RTP timestamp. Packets may arrive twice
// and out of order, even before the frame's first packet (up to
// len(recent) packets early); packets of other frames are ignored. Only the
// latest key frame started is assembled: a later one replaces it, since a
// lost packet is never retransmitted to the load test's subscribers (they
// send no NACKs).
//
// It is not safe for concurrent use: each track's reader owns one.
type keyframeDetector struct {
	pkt rtp.Packet // reused: Unmarshal then allocates only for CSRCs and extensions
	vp8 codecs.VP8Packet

	pending bool
	ts      uint32
	first   uint16 // sequence number of the frame's first packet
	last    int    // offset from first of the marked packet; -1 until seen
	seen    [maxKeyframePackets / 64]uint64

	// The latest packets by sequence number, for those that arrive
	// before their frame's first packet.
	recent [64]struct {
		seq    uint16
		ts     uint32
		marker bool
		valid  bool
	}
}

// push reports whether pkt, a whole RTP packet, completes a key frame.
// Malformed packets are ignored.
func (d *keyframeDetector) push(pkt []byte) bool {
	if d.pkt.Unmarshal(pkt) != nil || d.pkt.Version != 2 {
		return false
	}
	h := &d.pkt.Header
	if payload, err := d.vp8.Unmarshal(d.pkt.Payload); err == nil &&
		d.vp8.S == 1 && d.vp8.PID == 0 && len(payload) > 0 && payload[0]&1 == 0 &&
		(!d.pending || h.Timestamp != d.ts) {
		d.pending, d.ts, d.first, d.last = true, h.Timestamp, h.SequenceNumber, -1
		d.seen = [len(d.seen)]uint64{}
		for _, r := range d.recent {
			if r.valid && r.ts == d.ts {
				d.mark(r.seq, r.marker)
			}
		}
	}
	r := &d.recent[int(h.SequenceNumber)%len(d.recent)]
	r.seq, r.ts, r.marker, r.valid = h.SequenceNumber, h.Timestamp, h.Marker, true
	if !d.pending || h.Timestamp != d.ts {
		return false
	}
	d.mark(h.SequenceNumber, h.Marker)
	if d.last < 0 || !d.complete() {
		return false
	}
	d.pending = false
	return true
}

// mark records that the pending frame's packet seq arrived.
func (d *keyframeDetector) mark(seq uint16, marker bool) {
	off := int(seq - d.first)
	if off >= maxKeyframePackets {
		return // before the first packet, or a frame too large to follow
	}
	d.seen[off/64] |= 1 << (off % 64)
	if marker && (d.last < 0 || off < d.last) {
		d.last = off
	}
}

// complete reports whether every offset 0..last has been seen.
func (d *keyframeDetector) complete() bool {
	full := (d.last + 1) / 64
	for _, w := range d.seen[:full] {
		if w != ^uint64(0) {
			return false
		}
	}
	rest := (d.last + 1) % 64
	if rest == 0 {
		return true
	}
	mask := uint64(1)<<rest - 1
	return d.seen[full]&mask == mask
}
