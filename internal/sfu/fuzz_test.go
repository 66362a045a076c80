package sfu

import (
	"testing"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"
)

// FuzzWritePacket feeds arbitrary publisher bytes through the hot path and
// the NACK path: nothing may panic, and whatever is forwarded must be a
// well-formed packet for the subscriber.
func FuzzWritePacket(f *testing.F) {
	f.Add(packet(1, 2, []byte("hello")))
	f.Add([]byte{0xA0, 96, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xFF})             // padding longer than the packet
	f.Add([]byte{0x90, 96, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xBE, 0xDE, 0, 9}) // truncated extension
	f.Fuzz(func(t *testing.T, b []byte) {
		r := NewReceiver(ReceiverConfig{Kind: webrtc.RTPCodecTypeVideo, Codec: vp8Codec, CacheSize: 4})
		w := &recordingWriter{}
		d := r.NewDownTrack("s")
		if _, err := d.Bind(&fakeContext{ssrc: 7, codecs: []webrtc.RTPCodecParameters{vp8Codec}, w: w}); err != nil {
			t.Fatal(err)
		}
		if err := r.WritePacket(b); err != nil {
			return
		}
		pkts := w.packets()
		if len(pkts) != 1 || pkts[0].SSRC != 7 {
			t.Fatalf("forwarded %d packets", len(pkts))
		}
		b2 := d.bound.Load()
		d.handleNACK(b2, &rtcp.TransportLayerNack{MediaSSRC: 7, Nacks: rtcp.NackPairsFromSequenceNumbers([]uint16{pkts[0].SequenceNumber})})
		if len(b) <= cacheSlotSize && len(w.packets()) != 2 {
			t.Fatal("cached packet was not retransmitted")
		}
	})
}
