package sfu

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/pion/webrtc/v4"
)

// BenchmarkForward measures the fan-out of one publisher's ~1100-byte video
// packets to N subscribers whose writers discard (so pion's SRTP and the
// network are not measured).
func BenchmarkForward(b *testing.B) {
	benchmarkFanOut(b, pionFanOut, (*Stats).PacketsForwarded)
}

// pionFanOut is a video Receiver with subs DownTracks bound to pion-style
// writers that discard.
func pionFanOut(tb testing.TB, subs int) *Receiver {
	tb.Helper()
	r := NewReceiver(ReceiverConfig{
		TrackID: "cam", StreamID: "alice", Kind: webrtc.RTPCodecTypeVideo, Codec: vp8Codec, SSRC: 0xABCD,
	})
	for i := range subs {
		d := r.NewDownTrack(fmt.Sprint("sub", i))
		_, err := d.Bind(&fakeContext{
			id: "ctx", ssrc: webrtc.SSRC(i + 1), codecs: []webrtc.RTPCodecParameters{vp8Codec}, w: discardWriter{},
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
	return r
}

// benchmarkFanOut runs the fan-out benchmark for 1, 10 and 100 subscribers
// of the Receivers fanOut builds; counted must show the packets went the
// way the benchmark means to measure.
func benchmarkFanOut(b *testing.B, fanOut func(testing.TB, int) *Receiver, counted func(*Stats) uint64) {
	for _, subs := range []int{1, 10, 100} {
		b.Run(fmt.Sprintf("subs=%d", subs), func(b *testing.B) {
			r := fanOut(b, subs)
			defer r.Close()
			pkt := packet(0, 0, bytes.Repeat([]byte{0x5A}, 1100))
			b.SetBytes(int64(len(pkt)))
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				pkt[2], pkt[3] = byte(i>>8), byte(i)
				if err := r.WritePacket(pkt); err != nil {
					b.Fatal(err)
				}
			}
			if counted(r.Stats()) == 0 {
				b.Fatal("no packet went the way this benchmark measures")
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(subs), "ns/packet/sub")
		})
	}
}

// writeAllocs returns how many times WritePacket allocates per packet to
// r's DownTracks, after a first packet has set up the Receiver's buffers.
func writeAllocs(t *testing.T, r *Receiver) float64 {
	t.Helper()
	pkt := packet(1, 0, bytes.Repeat([]byte{0x55}, 1100))
	_ = r.WritePacket(pkt)
	seq := uint16(1)
	return testing.AllocsPerRun(1000, func() {
		seq++
		pkt[2], pkt[3] = byte(seq>>8), byte(seq)
		if err := r.WritePacket(pkt); err != nil {
			t.Fatal(err)
		}
	})
}
