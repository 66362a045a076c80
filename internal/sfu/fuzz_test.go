package sfu

import (
	"testing"

	"github.com/pion/rtcp"
	"github.com/pion/rtp/codecs"
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

// FuzzKeyframeStart reads arbitrary payloads as VP8, VP9 and H.264: nothing
// may panic, and for VP8 the answer must agree with pion's own reading of
// the RFC 7741 payload descriptor.
func FuzzKeyframeStart(f *testing.F) {
	f.Add([]byte{0x10, 0x00})                   // VP8 key frame, no extension
	f.Add([]byte{0x90, 0x80, 0x81, 0x23, 0x00}) // VP8, 15-bit picture id
	f.Add([]byte{0x90, 0xF0, 0x05, 0x01, 0x20, 0x01})
	f.Add([]byte{0x7C, 0x85})             // H.264 FU-A starting an IDR slice
	f.Add([]byte{0x18, 0x00, 0x04, 0x67}) // H.264 STAP-A opening with an SPS
	f.Fuzz(func(t *testing.T, p []byte) {
		for _, mime := range []string{webrtc.MimeTypeVP8, webrtc.MimeTypeVP9, webrtc.MimeTypeH264, webrtc.MimeTypeOpus} {
			_, known := keyframeStart(mime, p)
			if known == (mime == webrtc.MimeTypeOpus) {
				t.Fatalf("%s: known = %v", mime, known)
			}
		}
		key, _ := keyframeStart(webrtc.MimeTypeVP8, p)
		var v codecs.VP8Packet
		if _, err := v.Unmarshal(p); err != nil {
			if key {
				t.Fatalf("%x: a key frame to Conclave, unreadable to pion: %v", p, err)
			}
			return
		}
		want := v.S == 1 && v.PID == 0 && len(v.Payload) > 0 && v.Payload[0]&0x01 == 0
		if key != want {
			t.Fatalf("%x: key frame %v, pion's descriptor says %v", p, key, want)
		}
	})
}
