package loadtest

import (
	"encoding/binary"
	"testing"
)

// FuzzKeyframeDetector feeds arbitrary packet sequences to the key frame
// detector. Nothing may panic, and whenever it reports a complete key frame
// a separate, slow reading of the same packets (its own RTP and VP8
// descriptor parsing, straight from RFC 3550 and RFC 7741) must find one:
// a key frame start and a marked packet of the same timestamp, with every
// sequence number between them received with that timestamp.
//
// The input is a list of packets, each preceded by its length in one byte.
func FuzzKeyframeDetector(f *testing.F) {
	seed := func(pkts ...[]byte) []byte {
		var b []byte
		for _, p := range pkts {
			b = append(b, byte(len(p)))
			b = append(b, p...)
		}
		return b
	}
	f.Add(seed(rtpPkt(7, 90, true, cat(startDesc, keyTag)...)))
	f.Add(seed(
		rtpPkt(65535, 90, false, cat(allExtStart, keyTag)...),
		rtpPkt(1, 90, true, cat(allExtCont, filler)...),
		rtpPkt(0, 90, false, cat(allExtCont, filler)...),
	))
	f.Add(seed(
		rtpPkt(3, 90, true, cat(pid15Cont, filler)...),
		rtpPkt(1, 90, false, cat(pid7Start, keyTag)...),
		rtpPkt(2, 180, false, cat(pid15Start, keyTag)...),
		rtpPkt(2, 90, false, cat(pid15Cont, filler)...),
	))
	f.Add(seed(cat(
		[]byte{0xB2, 0x80 | 96, 0, 9, 0, 0, 0x0b, 0xb8, 1, 2, 3, 4},
		[]byte{0, 0, 0, 1, 0, 0, 0, 2},
		[]byte{0xBE, 0xDE, 0, 1, 0x10, 0xFF, 0, 0},
		startDesc, keyTag, []byte{0, 0, 3},
	)))
	f.Fuzz(func(t *testing.T, in []byte) {
		var d keyframeDetector
		var seen []refPacket
		for len(in) > 0 {
			n := min(int(in[0]), len(in)-1)
			pkt := in[1 : 1+n]
			in = in[1+n:]
			if p, ok := parseRefPacket(pkt); ok {
				seen = append(seen, p)
			}
			if d.push(pkt) && !refComplete(seen) {
				t.Fatalf("reported a key frame the packets %+v do not hold", seen)
			}
		}
	})
}

// refPacket is what the reference reading keeps of a packet.
type refPacket struct {
	seq          uint16
	ts           uint32
	marker, head bool // head: the first packet of a key frame
}

func parseRefPacket(b []byte) (refPacket, bool) {
	if len(b) < 12 || b[0]>>6 != 2 {
		return refPacket{}, false
	}
	p := refPacket{
		seq:    binary.BigEndian.Uint16(b[2:]),
		ts:     binary.BigEndian.Uint32(b[4:]),
		marker: b[1]&0x80 != 0,
	}
	start := 12 + 4*int(b[0]&0x0F) // CSRCs
	if b[0]&0x10 != 0 {            // header extension
		if len(b) < start+4 {
			return refPacket{}, false
		}
		start += 4 + 4*int(binary.BigEndian.Uint16(b[start+2:]))
	}
	end := len(b)
	if b[0]&0x20 != 0 { // padding: the last byte counts it
		if end <= start || b[end-1] == 0 {
			return refPacket{}, false
		}
		end -= int(b[end-1])
	}
	if start > end {
		return refPacket{}, false
	}
	vp8 := b[start:end]
	if len(vp8) == 0 {
		return p, true
	}
	i := 1
	if vp8[0]&0x80 != 0 { // X
		if len(vp8) < 2 {
			return p, true
		}
		x := vp8[1]
		i = 2
		if x&0x80 != 0 { // I: picture id, 15 bits if M
			if len(vp8) > i && vp8[i]&0x80 != 0 {
				i++
			}
			i++
		}
		if x&0x40 != 0 { // L: TL0PICIDX
			i++
		}
		if x&0x30 != 0 { // T or K: one byte for both
			i++
		}
	}
	p.head = vp8[0]&0x10 != 0 && vp8[0]&0x07 == 0 && len(vp8) > i && vp8[i]&1 == 0
	return p, true
}

// refComplete reports whether pkts hold a whole key frame: from each head,
// it walks the sequence numbers received with the head's timestamp,
// looking for a marked one.
func refComplete(pkts []refPacket) bool {
	type key struct {
		seq uint16
		ts  uint32
	}
	have, marked := make(map[key]bool), make(map[key]bool)
	for _, p := range pkts {
		have[key{p.seq, p.ts}] = true
		marked[key{p.seq, p.ts}] = marked[key{p.seq, p.ts}] || p.marker
	}
	for _, h := range pkts {
		if !h.head {
			continue
		}
		for s := h.seq; have[key{s, h.ts}]; s++ {
			if marked[key{s, h.ts}] {
				return true
			}
		}
	}
	return false
}
