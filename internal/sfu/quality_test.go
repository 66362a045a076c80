package sfu

import (
	"bytes"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"
)

func TestReceivedCountsEveryParsedPacket(t *testing.T) {
	r := NewReceiver(ReceiverConfig{TrackID: "cam", StreamID: "alice", Kind: webrtc.RTPCodecTypeVideo, Codec: vp8Codec})
	defer r.Close()
	pkt := packet(1, 0, bytes.Repeat([]byte{1}, 100))
	// No subscriber: nothing is forwarded, but the publisher's rate counts.
	for seq := range uint16(5) {
		pkt[2], pkt[3] = byte(seq>>8), byte(seq)
		if err := r.WritePacket(pkt); err != nil {
			t.Fatal(err)
		}
	}
	r.SetMuted(true)
	muted := packet(9, 0, []byte{1})
	_ = r.WritePacket(muted)
	_ = r.WritePacket([]byte{0x00}) // not RTP: not counted
	n, octets := r.Received()
	if want := uint64(5*len(pkt) + len(muted)); n != 6 || octets != want {
		t.Fatalf("Received = %d packets, %d bytes; want 6, %d", n, octets, want)
	}
}

func TestQualityFromReceiverReports(t *testing.T) {
	r := NewReceiver(ReceiverConfig{TrackID: "cam", StreamID: "alice", Kind: webrtc.RTPCodecTypeVideo, Codec: vp8Codec})
	defer r.Close()
	d := r.NewDownTrack("bob")
	if _, err := d.Bind(&fakeContext{id: "ctx", ssrc: 42, codecs: []webrtc.RTPCodecParameters{vp8Codec}, w: discardWriter{}}); err != nil {
		t.Fatal(err)
	}
	if q := d.Quality(); q.Reported {
		t.Fatalf("Quality before any report = %+v", q)
	}
	// A report on another SSRC says nothing about this DownTrack.
	d.handleRTCP([]rtcp.Packet{&rtcp.ReceiverReport{Reports: []rtcp.ReceptionReport{{SSRC: 7, FractionLost: 200}}}})
	if q := d.Quality(); q.Reported {
		t.Fatalf("Quality after another SSRC's report = %+v", q)
	}
	// No LSR yet: loss known, RTT not.
	d.handleRTCP([]rtcp.Packet{&rtcp.ReceiverReport{Reports: []rtcp.ReceptionReport{{SSRC: 42, FractionLost: 64}}}})
	if q := d.Quality(); !q.Reported || q.Loss != 0.25 || q.HasRTT {
		t.Fatalf("Quality = %+v; want loss 0.25 and no RTT", q)
	}
	// Our sender report left 300 ms ago; the subscriber held it 100 ms.
	now := time.Now()
	lsr := uint32(ntpTime(now.Add(-300*time.Millisecond)) >> 16)
	dlsr := uint32(100 * rttUnitsPerS / 1000)
	d.handleReports(d.bound.Load(), []rtcp.ReceptionReport{{SSRC: 42, FractionLost: 0, LastSenderReport: lsr, Delay: dlsr}}, now)
	q := d.Quality()
	if !q.HasRTT || q.Loss != 0 || q.RTT < 195*time.Millisecond || q.RTT > 205*time.Millisecond {
		t.Fatalf("Quality = %+v; want loss 0 and RTT about 200ms", q)
	}
}

// FuzzSubscriberRTCP: whatever RTCP a subscriber sends, reading it never
// panics and Quality stays in range.
func FuzzSubscriberRTCP(f *testing.F) {
	rr, _ := (&rtcp.ReceiverReport{SSRC: 1, Reports: []rtcp.ReceptionReport{{SSRC: 42, FractionLost: 12, LastSenderReport: 0xFFFF0000, Delay: 0xFFFFFFFF}}}).Marshal()
	sr, _ := (&rtcp.SenderReport{SSRC: 1, Reports: []rtcp.ReceptionReport{{SSRC: 42, FractionLost: 255, LastSenderReport: 1}}}).Marshal()
	f.Add(rr)
	f.Add(sr)
	f.Fuzz(func(t *testing.T, b []byte) {
		pkts, err := rtcp.Unmarshal(b)
		if err != nil {
			return
		}
		r := NewReceiver(ReceiverConfig{TrackID: "cam", StreamID: "alice", Kind: webrtc.RTPCodecTypeVideo, Codec: vp8Codec})
		defer r.Close()
		d := r.NewDownTrack("bob")
		if _, err := d.Bind(&fakeContext{id: "ctx", ssrc: 42, codecs: []webrtc.RTPCodecParameters{vp8Codec}, w: discardWriter{}}); err != nil {
			t.Fatal(err)
		}
		d.handleRTCP(pkts)
		q := d.Quality()
		if q.Loss < 0 || q.Loss >= 1 || q.RTT < 0 || (q.HasRTT && q.RTT > 1<<16*time.Second) {
			t.Fatalf("Quality = %+v", q)
		}
	})
}
