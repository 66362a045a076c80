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
	for _, subs := range []int{1, 10, 100} {
		b.Run(fmt.Sprintf("subs=%d", subs), func(b *testing.B) {
			r := NewReceiver(ReceiverConfig{
				TrackID: "cam", StreamID: "alice", Kind: webrtc.RTPCodecTypeVideo, Codec: vp8Codec, SSRC: 0xABCD,
			})
			defer r.Close()
			for i := range subs {
				d := r.NewDownTrack(fmt.Sprint("sub", i))
				_, err := d.Bind(&fakeContext{
					id: "ctx", ssrc: webrtc.SSRC(i + 1), codecs: []webrtc.RTPCodecParameters{vp8Codec}, w: discardWriter{},
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			pkt := packet(0, 0, bytes.Repeat([]byte{0x5A}, 1100))
			b.SetBytes(int64(len(pkt)))
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				pkt[2], pkt[3] = byte(i>>8), byte(i)
				if err := r.WritePacket(pkt); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(subs), "ns/packet/sub")
		})
	}
}
