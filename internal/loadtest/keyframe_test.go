package loadtest

import (
	"encoding/binary"
	"testing"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"

	"github.com/conclave-video/conclave/client/media"
)

// rtpPkt builds an RTP packet by hand: version 2, payload type 96, SSRC
// 0x11223344, no CSRCs, extension or padding.
func rtpPkt(seq uint16, ts uint32, marker bool, payload ...byte) []byte {
	b := make([]byte, 12, 12+len(payload))
	b[0], b[1] = 0x80, 96
	if marker {
		b[1] |= 0x80
	}
	binary.BigEndian.PutUint16(b[2:], seq)
	binary.BigEndian.PutUint32(b[4:], ts)
	binary.BigEndian.PutUint32(b[8:], 0x11223344)
	return append(b, payload...)
}

// VP8 payload descriptors (RFC 7741 section 4.2) and the first bytes of
// VP8 frames (RFC 6386 section 9.1) for the tests.
var (
	startDesc = []byte{0x10} // S=1, PID=0, no extensions
	contDesc  = []byte{0x00} // S=0, PID=0
	// X=1, I=1 with M=1: a 15-bit picture id (0x1234), as pion and
	// libwebrtc send.
	pid15Start = []byte{0x90, 0x80, 0x92, 0x34}
	pid15Cont  = []byte{0x80, 0x80, 0x92, 0x34}
	// X=1, I=1 with M=0: a 7-bit picture id (0x55).
	pid7Start = []byte{0x90, 0x80, 0x55}
	// X=1 with I (15-bit), L (TL0PICIDX 7), T and K (TID 2, Y, KEYIDX 3).
	allExtStart = []byte{0x90, 0xF0, 0x80, 0x01, 0x07, 0x80 | 0x20 | 0x03}
	allExtCont  = []byte{0x80, 0xF0, 0x80, 0x01, 0x07, 0x80 | 0x20 | 0x03}

	// Frame tags: P=0 (key frame, show_frame, then the start code and
	// 640x360), P=1 (interframe).
	keyTag   = []byte{0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0x68, 0x01}
	deltaTag = []byte{0x11, 0x02, 0x00}
	filler   = []byte{0xAA, 0xBB, 0xCC}
)

func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

func TestKeyframeDetector(t *testing.T) {
	const ts, next = 3000, 6000
	key3 := [][]byte{ // a key frame in three packets, 15-bit picture ids
		rtpPkt(100, ts, false, cat(pid15Start, keyTag)...),
		rtpPkt(101, ts, false, cat(pid15Cont, filler)...),
		rtpPkt(102, ts, true, cat(pid15Cont, filler)...),
	}
	for _, tc := range []struct {
		name string
		pkts [][]byte
		want int // index of the packet that completes a key frame; -1: none
	}{
		{"one packet, minimal descriptor", [][]byte{rtpPkt(7, ts, true, cat(startDesc, keyTag)...)}, 0},
		{"three packets, 15-bit picture id", key3, 2},
		{"7-bit picture id", [][]byte{
			rtpPkt(1, ts, false, cat(pid7Start, keyTag)...),
			rtpPkt(2, ts, true, cat([]byte{0x80, 0x80, 0x55}, filler)...),
		}, 1},
		{"I, L, T and K extensions", [][]byte{
			rtpPkt(1, ts, false, cat(allExtStart, keyTag)...),
			rtpPkt(2, ts, true, cat(allExtCont, filler)...),
		}, 1},
		{"L only", [][]byte{rtpPkt(1, ts, true, cat([]byte{0x90, 0x40, 0x07}, keyTag)...)}, 0},
		{"T only", [][]byte{rtpPkt(1, ts, true, cat([]byte{0x90, 0x20, 0x40}, keyTag)...)}, 0},
		{"K only", [][]byte{rtpPkt(1, ts, true, cat([]byte{0x90, 0x10, 0x05}, keyTag)...)}, 0},
		{"delta frame", [][]byte{
			rtpPkt(1, ts, false, cat(pid15Start, deltaTag)...),
			rtpPkt(2, ts, true, cat(pid15Cont, filler)...),
		}, -1},
		{"the frame tag is read after the extensions, not inside them", [][]byte{
			// The byte after X is 0x80 (I set) and the picture id's
			// low byte is even: only the real frame tag (P=1) counts.
			rtpPkt(1, ts, true, cat([]byte{0x90, 0x80, 0x80, 0x02}, deltaTag)...),
		}, -1},
		{"start of partition 1 is not a frame start", [][]byte{
			rtpPkt(1, ts, true, cat([]byte{0x11}, keyTag)...),
		}, -1},
		{"S=0 is not a frame start", [][]byte{rtpPkt(1, ts, true, cat(contDesc, keyTag)...)}, -1},
		{"no payload after the descriptor", [][]byte{rtpPkt(1, ts, true, pid15Start...)}, -1},
		{"truncated: X without its byte", [][]byte{rtpPkt(1, ts, true, 0x90)}, -1},
		{"truncated: 15-bit picture id cut short", [][]byte{rtpPkt(1, ts, true, 0x90, 0x80, 0x92)}, -1},
		{"truncated: L without TL0PICIDX", [][]byte{rtpPkt(1, ts, true, 0x90, 0x40)}, -1},
		{"middle packet lost", [][]byte{key3[0], key3[2]}, -1},
		{"first packet lost", [][]byte{key3[1], key3[2]}, -1},
		{"reordered", [][]byte{key3[0], key3[2], key3[1]}, 2},
		{"marked packet first", [][]byte{key3[2], key3[1], key3[0]}, 2},
		{"duplicates", [][]byte{key3[0], key3[0], key3[1], key3[1], key3[2]}, 4},
		{"marker belongs to the next frame", [][]byte{
			key3[0], key3[1],
			rtpPkt(102, next, true, cat(pid15Start, deltaTag)...),
		}, -1},
		{"a later key frame replaces an incomplete one", [][]byte{
			key3[0], key3[2], // 101 lost...
			rtpPkt(103, next, false, cat(pid15Start, keyTag)...),
			key3[1], // ...and arrives after the next key frame began
			rtpPkt(104, next, true, cat(pid15Cont, filler)...),
		}, 4},
		{"sequence numbers wrap", [][]byte{
			rtpPkt(65535, ts, false, cat(pid15Start, keyTag)...),
			rtpPkt(0, ts, false, cat(pid15Cont, filler)...),
			rtpPkt(1, ts, true, cat(pid15Cont, filler)...),
		}, 2},
		{"not RTP version 2", [][]byte{func() []byte {
			b := rtpPkt(1, ts, true, cat(startDesc, keyTag)...)
			b[0] = 0x40
			return b
		}()}, -1},
		{"CSRCs, a header extension and padding", [][]byte{cat(
			[]byte{0xB2, 0x80 | 96, 0, 9, 0, 0, 0x0b, 0xb8, 1, 2, 3, 4}, // P, X, CC=2, M
			[]byte{0, 0, 0, 1, 0, 0, 0, 2},                              // CSRCs
			[]byte{0xBE, 0xDE, 0, 1, 0x10, 0xFF, 0, 0},                  // one-byte extension, id 1
			startDesc, keyTag,
			[]byte{0, 0, 3}, // 3 bytes of padding
		)}, 0},
		{"padding hides the frame tag", [][]byte{cat(
			[]byte{0xA0, 0x80 | 96, 0, 9, 0, 0, 0x0b, 0xb8, 1, 2, 3, 4},
			startDesc, []byte{0x00, 2}, // the "tag" is padding
		)}, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var d keyframeDetector
			got := -1
			for i, p := range tc.pkts {
				if d.push(p) {
					if got >= 0 {
						t.Fatalf("packet %d completed a key frame again (first: %d)", i, got)
					}
					got = i
				}
			}
			if got != tc.want {
				t.Errorf("key frame completed by packet %d, want %d", got, tc.want)
			}
		})
	}
}

// TestKeyframeDetectorLargeFrame: a frame of exactly maxKeyframePackets
// packets is followed; one more packet, and the detector gives up rather
// than overrun.
func TestKeyframeDetectorLargeFrame(t *testing.T) {
	for _, tc := range []struct {
		packets int
		want    bool
	}{{maxKeyframePackets, true}, {maxKeyframePackets + 1, false}} {
		var d keyframeDetector
		got := d.push(rtpPkt(0, 90, false, cat(pid15Start, keyTag)...))
		for i := 1; i < tc.packets; i++ {
			got = d.push(rtpPkt(uint16(i), 90, i == tc.packets-1, cat(pid15Cont, filler)...))
		}
		if got != tc.want {
			t.Errorf("%d packets: complete %v, want %v", tc.packets, got, tc.want)
		}
	}
}

// TestKeyframeDetectorPionPacketizer runs what the load test's publishers
// send through the detector: the committed VP8 clip and generated frames,
// packetized by pion as a TrackLocalStaticSample does (15-bit picture ids)
// with a small MTU, so key frames span many packets. Each key frame is
// complete at its marked packet; no interframe ever is.
func TestKeyframeDetectorPionPacketizer(t *testing.T) {
	clip, err := media.OpenIVF("../../testdata/media/video.ivf")
	if err != nil {
		t.Fatal(err)
	}
	var keys int
	for _, f := range clip.Frames() {
		if f.Data[0]&1 == 0 {
			keys++
		}
	}
	if keys < 2 {
		t.Fatalf("the clip has %d key frames; the test needs two", keys)
	}
	gen, err := generatedFrames(t.Context(), 2_000_000)
	if err != nil {
		t.Fatal(err)
	}
	frames := append(clip.Frames()[:len(clip.Frames()):len(clip.Frames())], gen...)

	p := rtp.NewPacketizer(300, 96, 0x11223344, &codecs.VP8Payloader{EnablePictureID: true},
		rtp.NewRandomSequencer(), 90000)
	var d keyframeDetector
	var multi bool
	for i, f := range frames {
		pkts := p.Packetize(f.Data, 3000)
		multi = multi || len(pkts) > 1
		for j, pkt := range pkts {
			b, err := pkt.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			want := j == len(pkts)-1 && f.Data[0]&1 == 0
			if got := d.push(b); got != want {
				t.Fatalf("frame %d (key %v) packet %d of %d: complete %v", i, f.Data[0]&1 == 0, j+1, len(pkts), got)
			}
		}
	}
	if !multi {
		t.Fatal("no frame spanned several packets")
	}
}

func TestKeyframeDetectorAllocations(t *testing.T) {
	pkts := [][]byte{
		rtpPkt(100, 3000, false, cat(pid15Start, keyTag)...),
		rtpPkt(101, 3000, true, cat(pid15Cont, filler)...),
	}
	var d keyframeDetector
	allocs := testing.AllocsPerRun(100, func() {
		for _, p := range pkts {
			d.push(p)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per key frame", allocs)
	}
}
