package sfu

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"testing"
	"testing/synctest"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/conclave-video/conclave/internal/testkit"
)

func newVideoReceiver(t *testing.T, fb *feedback) *Receiver {
	t.Helper()
	r := NewReceiver(ReceiverConfig{
		TrackID: "cam", StreamID: "alice", Kind: webrtc.RTPCodecTypeVideo,
		Codec: vp8Codec, SSRC: 0xABCD, Feedback: fb, PLIInterval: time.Hour, Stats: &Stats{},
	})
	t.Cleanup(r.Close)
	return r
}

// bind binds a new DownTrack of r with the given SSRC and VP8 payload type.
func bind(t *testing.T, r *Receiver, ssrc webrtc.SSRC, pt webrtc.PayloadType, w webrtc.TrackLocalWriter) *DownTrack {
	t.Helper()
	d := r.NewDownTrack("sub")
	codec := vp8Codec
	codec.PayloadType = pt
	got, err := d.Bind(&fakeContext{id: "ctx", ssrc: ssrc, codecs: []webrtc.RTPCodecParameters{opusCodec, codec}, w: w})
	if err != nil {
		t.Fatalf("Bind: %v", err)
	}
	if got.PayloadType != pt {
		t.Fatalf("Bind chose payload type %d, want %d", got.PayloadType, pt)
	}
	return d
}

func TestHeaderRewrite(t *testing.T) {
	r := newVideoReceiver(t, &feedback{})
	w1, w2 := &recordingWriter{}, &recordingWriter{}
	d1 := bind(t, r, 1111, 100, w1)
	bind(t, r, 2222, 120, w2)
	if d1.ID() != "cam" || d1.StreamID() != "alice" || d1.Kind() != webrtc.RTPCodecTypeVideo || d1.RID() != "" {
		t.Fatalf("identity: %q %q %v %q", d1.ID(), d1.StreamID(), d1.Kind(), d1.RID())
	}

	in := &rtp.Packet{
		Header: rtp.Header{
			Version: 2, Marker: true, PayloadType: 96, SequenceNumber: 65535, Timestamp: 9000,
			SSRC: 0xABCD, CSRC: []uint32{7, 8}, Padding: true, PaddingSize: 4,
		},
		Payload: []byte("payload bytes"),
	}
	_ = in.Header.SetExtension(5, []byte{9, 9})
	raw, err := in.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if err := r.WritePacket(raw); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		w    *recordingWriter
		ssrc uint32
		pt   uint8
	}{{w1, 1111, 100}, {w2, 2222, 120}} {
		pkts := tc.w.packets()
		if len(pkts) != 1 {
			t.Fatalf("got %d packets, want 1", len(pkts))
		}
		got := pkts[0]
		if got.SSRC != tc.ssrc || got.PayloadType != tc.pt {
			t.Errorf("SSRC/PT = %d/%d, want %d/%d", got.SSRC, got.PayloadType, tc.ssrc, tc.pt)
		}
		if got.Extension || len(got.Extensions) != 0 {
			t.Errorf("header extensions not stripped: %+v", got.Extensions)
		}
		if got.SequenceNumber != 65535 || got.Timestamp != 9000 || !got.Marker {
			t.Errorf("seq/ts/marker = %d/%d/%v", got.SequenceNumber, got.Timestamp, got.Marker)
		}
		if len(got.CSRC) != 2 || got.CSRC[0] != 7 || got.CSRC[1] != 8 {
			t.Errorf("CSRC = %v", got.CSRC)
		}
		if !got.Padding || got.PaddingSize != 4 || !bytes.Equal(got.Payload, in.Payload) {
			t.Errorf("padding/payload = %v/%d/%q", got.Padding, got.PaddingSize, got.Payload)
		}
	}
	if s := r.Stats(); s.PacketsForwarded() != 2 || s.BytesForwarded() != 2*uint64(12+8+len(in.Payload)+4) {
		t.Errorf("stats forwarded=%d bytes=%d", s.PacketsForwarded(), s.BytesForwarded())
	}
}

func TestMuteKeepsSequenceGapless(t *testing.T) {
	fb := &feedback{}
	r := newVideoReceiver(t, fb)
	w := &recordingWriter{}
	bind(t, r, 1, 96, w)
	plisAfterBind := len(fb.plis())

	send := func(seqs ...uint16) {
		for _, s := range seqs {
			if err := r.WritePacket(packet(s, uint32(s)*3000, []byte{byte(s)})); err != nil {
				t.Fatal(err)
			}
		}
	}
	send(65533, 65534, 65535)
	r.SetMuted(true)
	if !r.Muted() {
		t.Fatal("Muted() = false after SetMuted(true)")
	}
	send(0, 1, 2, 3)
	r.SetMuted(false)
	send(4, 5)
	send(7) // 6 is lost upstream: the subscriber must see the gap

	var got []uint16
	for _, p := range w.packets() {
		got = append(got, p.SequenceNumber)
	}
	want := []uint16{65533, 65534, 65535, 0, 1, 3}
	if len(got) != len(want) {
		t.Fatalf("sequence numbers %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("sequence numbers %v, want %v", got, want)
		}
	}
	if d := r.Stats().PacketsDropped(); d != 4 {
		t.Errorf("PacketsDropped = %d, want 4", d)
	}
	if n := len(fb.plis()); n != plisAfterBind+1 {
		t.Errorf("unmute sent %d PLIs, want 1", n-plisAfterBind)
	}
}

func TestNACKAnsweredFromCache(t *testing.T) {
	r := newVideoReceiver(t, &feedback{})
	w1, w2 := &recordingWriter{}, &recordingWriter{}
	d1 := bind(t, r, 1111, 100, w1)
	bind(t, r, 2222, 120, w2)

	for s := uint16(10); s < 20; s++ {
		if s == 13 {
			r.SetMuted(true) // 13 and 14 are dropped: outgoing 15 becomes 13
		}
		if s == 15 {
			r.SetMuted(false)
		}
		_ = r.WritePacket(packet(s, uint32(s), []byte{byte(s), 0xEE}))
	}
	before := len(w1.packets())

	src := newChanRTCP()
	done := make(chan struct{})
	go func() { d1.HandleRTCP(src); close(done) }()
	// Outgoing 15 is incoming 17; 1000 was never sent; the NACK for another
	// SSRC is not for this track.
	src.ch <- []rtcp.Packet{
		&rtcp.TransportLayerNack{MediaSSRC: 1111, Nacks: rtcp.NackPairsFromSequenceNumbers([]uint16{11, 15, 1000})},
		&rtcp.TransportLayerNack{MediaSSRC: 9999, Nacks: rtcp.NackPairsFromSequenceNumbers([]uint16{12})},
	}
	src.ch <- nil // a second read proves the first batch was handled
	d1.Close()
	<-done

	rtx := w1.packets()[before:]
	if len(rtx) != 2 {
		t.Fatalf("retransmitted %d packets, want 2", len(rtx))
	}
	for i, want := range []struct{ seq, payload uint16 }{{11, 11}, {15, 17}} {
		p := rtx[i]
		if p.SequenceNumber != want.seq || p.SSRC != 1111 || p.PayloadType != 100 ||
			p.Payload[0] != byte(want.payload) || p.Extension {
			t.Errorf("retransmission %d: seq=%d ssrc=%d pt=%d payload=%v ext=%v",
				i, p.SequenceNumber, p.SSRC, p.PayloadType, p.Payload, p.Extension)
		}
	}
	if n := len(w2.packets()); n != 8 {
		t.Errorf("other subscriber got %d packets, want 8 (no retransmissions)", n)
	}
	s := r.Stats()
	if s.NACKsReceived() != 3 || s.PacketsRetransmitted() != 2 {
		t.Errorf("NACKsReceived=%d PacketsRetransmitted=%d, want 3, 2", s.NACKsReceived(), s.PacketsRetransmitted())
	}
}

// TestKeyframeRequests runs in a synctest bubble: its clock moves only when
// every goroutine waits, so the PLIInterval is checked to the nanosecond,
// however slow the machine.
func TestKeyframeRequests(t *testing.T) {
	synctest.Test(t, testKeyframeRequests)
}

func testKeyframeRequests(t *testing.T) {
	const interval = 100 * time.Millisecond
	fb := &feedback{}
	stats := &Stats{}
	r := NewReceiver(ReceiverConfig{
		TrackID: "cam", Kind: webrtc.RTPCodecTypeVideo, Codec: vp8Codec, SSRC: 0xABCD,
		Feedback: fb, PLIInterval: interval, Stats: stats,
	})
	defer r.Close()
	d := bind(t, r, 1111, 96, &recordingWriter{}) // Bind asks for the first keyframe

	src := newChanRTCP()
	done := make(chan struct{})
	go func() { d.HandleRTCP(src); close(done) }()
	fir := func() {
		src.ch <- []rtcp.Packet{&rtcp.FullIntraRequest{FIR: []rtcp.FIREntry{{SSRC: 1111}}}}
		synctest.Wait() // HandleRTCP has acted on it
	}
	// Requests inside the interval are deferred to its end, and share one
	// PLI there: none is dropped.
	src.ch <- []rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: 1111}}
	fir()
	r.RequestKeyframe()
	if n := len(fb.plis()); n != 1 {
		t.Fatalf("%d PLIs inside one interval, want 1", n)
	}
	time.Sleep(interval - time.Nanosecond)
	fir()
	synctest.Wait()
	if n := len(fb.plis()); n != 1 {
		t.Fatalf("%d PLIs a nanosecond before the interval ends, want 1", n)
	}
	time.Sleep(time.Nanosecond)
	synctest.Wait() // the deferred request has run
	if n := len(fb.plis()); n != 2 {
		t.Fatalf("%d PLIs at the end of the interval, want 2 (the deferred requests share one)", n)
	}
	// A request right after that PLI waits a whole interval again.
	fir()
	time.Sleep(interval - time.Nanosecond)
	synctest.Wait()
	if n := len(fb.plis()); n != 2 {
		t.Fatalf("%d PLIs inside the second interval, want 2", n)
	}
	time.Sleep(time.Nanosecond)
	synctest.Wait()
	plis := fb.plis()
	if len(plis) != 3 {
		t.Fatalf("%d PLIs after the second interval, want 3", len(plis))
	}
	for _, p := range plis {
		if p.MediaSSRC != 0xABCD {
			t.Errorf("PLI MediaSSRC = %x, want the publisher's abcd", p.MediaSSRC)
		}
	}
	if stats.PLIsSent() != 3 || stats.PLIsDeferred() != 2 {
		t.Errorf("PLIsSent = %d, PLIsDeferred = %d, want 3 and 2", stats.PLIsSent(), stats.PLIsDeferred())
	}
	// A deferred request dies with its Receiver.
	fir()
	r.Close()
	time.Sleep(2 * interval)
	synctest.Wait()
	if n := len(fb.plis()); n != 3 {
		t.Errorf("%d PLIs after Close, want still 3", n)
	}
	d.Close()
	<-done

	audioFB := &feedback{}
	a := NewReceiver(ReceiverConfig{Kind: webrtc.RTPCodecTypeAudio, Codec: opusCodec, Feedback: audioFB})
	a.RequestKeyframe()
	if len(audioFB.plis()) != 0 {
		t.Error("audio receiver sent a PLI")
	}
}

func TestWriteErrorIsolated(t *testing.T) {
	r := newVideoReceiver(t, &feedback{})
	bad := &recordingWriter{err: errors.New("socket full")}
	good := &recordingWriter{}
	bind(t, r, 1, 96, bad)
	bind(t, r, 2, 96, good)
	for s := uint16(0); s < 5; s++ {
		if err := r.WritePacket(packet(s, 0, []byte{1})); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(good.packets()); n != 5 {
		t.Errorf("healthy subscriber got %d packets, want 5", n)
	}
	if s := r.Stats(); s.PacketsDropped() != 5 || s.PacketsForwarded() != 5 {
		t.Errorf("dropped=%d forwarded=%d, want 5, 5", s.PacketsDropped(), s.PacketsForwarded())
	}
	if err := r.WritePacket([]byte{0x80, 1}); err == nil {
		t.Error("WritePacket accepted a truncated packet")
	}
}

// TestClose runs in a synctest bubble, which waits for the Receiver's
// goroutines exactly (synctest.Wait) and fails the test if any outlives it.
func TestClose(t *testing.T) {
	synctest.Test(t, testClose)
}

func testClose(t *testing.T) {
	r := newVideoReceiver(t, &feedback{})
	w1, w2 := &recordingWriter{}, &recordingWriter{}
	d1 := bind(t, r, 1, 96, w1)
	d2 := bind(t, r, 2, 96, w2)
	if r.DownTracks() != 2 {
		t.Fatalf("DownTracks = %d, want 2", r.DownTracks())
	}

	src := newChanSource()
	runErr := make(chan error, 1)
	go func() { runErr <- r.Run(src) }()
	rtcp1, rtcp2 := newChanRTCP(), newChanRTCP()
	go d1.HandleRTCP(rtcp1)
	go d2.HandleRTCP(rtcp2)

	src.ch <- packet(1, 0, []byte{1})
	synctest.Wait()
	if n := len(w1.packets()); n != 1 {
		t.Fatalf("first subscriber got %d packets, want 1", n)
	}
	d1.Close()
	d1.Close()
	if r.DownTracks() != 1 {
		t.Fatalf("DownTracks after DownTrack.Close = %d, want 1", r.DownTracks())
	}
	src.ch <- packet(2, 0, []byte{2})
	src.ch <- packet(3, 0, []byte{3})
	synctest.Wait()
	if n := len(w2.packets()); n != 3 {
		t.Fatalf("open subscriber got %d packets, want 3", n)
	}
	if n := len(w1.packets()); n != 1 {
		t.Fatalf("closed subscriber got %d packets, want 1", n)
	}
	if _, err := d1.Bind(&fakeContext{ssrc: 1, codecs: []webrtc.RTPCodecParameters{vp8Codec}, w: w1}); !errors.Is(err, ErrClosed) {
		t.Errorf("Bind after Close: %v, want ErrClosed", err)
	}

	r.Close()
	if err := <-runErr; err != nil {
		t.Errorf("Run returned %v after Close, want nil", err)
	}
	if err := r.WritePacket(packet(4, 0, nil)); !errors.Is(err, ErrClosed) {
		t.Errorf("WritePacket after Close: %v, want ErrClosed", err)
	}
	if r.DownTracks() != 0 || len(w2.packets()) != 3 {
		t.Errorf("after Close: %d down-tracks, %d packets", r.DownTracks(), len(w2.packets()))
	}
	d2.Close()
	if _, err := r.NewDownTrack("late").Bind(&fakeContext{ssrc: 3, codecs: []webrtc.RTPCodecParameters{vp8Codec}, w: w2}); !errors.Is(err, ErrClosed) {
		t.Errorf("Bind on a closed Receiver: %v, want ErrClosed", err)
	}
}

func TestUnbind(t *testing.T) {
	r := newVideoReceiver(t, &feedback{})
	w := &recordingWriter{}
	d := bind(t, r, 1, 96, w)
	_ = d.Unbind(&fakeContext{id: "other"})
	if r.DownTracks() != 1 {
		t.Fatal("Unbind of another context detached the track")
	}
	_ = d.Unbind(&fakeContext{id: "ctx"})
	_ = r.WritePacket(packet(1, 0, nil))
	if r.DownTracks() != 0 || len(w.packets()) != 0 {
		t.Fatal("unbound DownTrack still receives packets")
	}
}

// checkGoroutines fails t if the number of goroutines does not fall back to
// before, printing every goroutine's stack.
func checkGoroutines(t *testing.T, before int) {
	t.Helper()
	defer func() {
		if t.Failed() {
			buf := make([]byte, 1<<20)
			t.Logf("goroutines:\n%s", buf[:runtime.Stack(buf, true)])
		}
	}()
	testkit.Eventually(t, fmt.Sprintf("the goroutines to fall back to %d (a leak?)", before), func() bool {
		return runtime.NumGoroutine() <= before
	})
}

func TestMatchCodec(t *testing.T) {
	h264 := func(pt webrtc.PayloadType, fmtp string) webrtc.RTPCodecParameters {
		return webrtc.RTPCodecParameters{
			RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000, SDPFmtpLine: fmtp},
			PayloadType:        pt,
		}
	}
	vp9 := func(pt webrtc.PayloadType, fmtp string) webrtc.RTPCodecParameters {
		return webrtc.RTPCodecParameters{
			RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP9, ClockRate: 90000, SDPFmtpLine: fmtp},
			PayloadType:        pt,
		}
	}
	const (
		baseline1 = "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f"
		baseline0 = "level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42001f"
		cbase1    = "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"
		high1     = "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=640032"
	)
	offered := []webrtc.RTPCodecParameters{
		opusCodec, vp8Codec, h264(102, baseline1), h264(103, baseline0), h264(104, cbase1), h264(105, high1),
		vp9(98, "profile-id=0"), vp9(100, "profile-id=2"),
	}
	tests := []struct {
		name   string
		pub    webrtc.RTPCodecParameters
		wantPT webrtc.PayloadType // 0: no match
	}{
		{"opus", opusCodec, 111},
		{"vp8", vp8Codec, 96},
		{"vp8 mime case", webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: "video/vp8", ClockRate: 90000}}, 96},
		{"h264 exact", h264(127, cbase1), 104},
		{"h264 other level", h264(127, "packetization-mode=1;profile-level-id=42e034"), 104},
		{"h264 mode 0", h264(127, baseline0), 103},
		{"h264 high", h264(127, high1), 105},
		{"h264 main unsupported", h264(127, "packetization-mode=1;profile-level-id=4d001f"), 0},
		{"vp9 profile 2", vp9(101, "profile-id=2"), 100},
		{"vp9 default profile", vp9(101, ""), 98},
		{"av1 not offered", webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeAV1, ClockRate: 90000}}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := matchCodec(tc.pub, offered)
			if tc.wantPT == 0 {
				if ok {
					t.Fatalf("matched %v, want no match", got)
				}
				return
			}
			if !ok || got.PayloadType != tc.wantPT {
				t.Fatalf("matched %v (ok=%v), want payload type %d", got.PayloadType, ok, tc.wantPT)
			}
		})
	}

	r := NewReceiver(ReceiverConfig{Kind: webrtc.RTPCodecTypeVideo, Codec: h264(127, "packetization-mode=1;profile-level-id=4d001f")})
	_, err := r.NewDownTrack("s").Bind(&fakeContext{codecs: offered, w: discardWriter{}})
	if !errors.Is(err, webrtc.ErrUnsupportedCodec) || r.DownTracks() != 0 {
		t.Errorf("Bind with no matching codec: %v, want ErrUnsupportedCodec", err)
	}
}

func TestWritePacketAllocs(t *testing.T) {
	r := newVideoReceiver(t, &feedback{})
	for i := range 3 {
		bind(t, r, webrtc.SSRC(i+1), 96, discardWriter{})
	}
	if allocs := writeAllocs(t, r); allocs != 0 {
		t.Fatalf("WritePacket allocates %v times per packet, want 0", allocs)
	}
	if r.Stats().PacketsForwarded() < 3000 {
		t.Fatal("packets were not forwarded")
	}
}

// TestKeyframeDueServesRequests: a request inside the PLI interval is
// served by the key frame already asked for when that key frame has not
// arrived yet; once it has passed, the request waits for the interval's
// end; and a key frame that never comes is asked for again there.
// It runs in a synctest bubble: its sleeps move the bubble's fake clock
// only, to the nanosecond, and never wait in real time.
func TestKeyframeDueServesRequests(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const interval = 100 * time.Millisecond
		fb := &feedback{}
		r := NewReceiver(ReceiverConfig{
			TrackID: "cam", Kind: webrtc.RTPCodecTypeVideo, Codec: vp8Codec, SSRC: 0xABCD,
			Feedback: fb, PLIInterval: interval, Stats: &Stats{},
		})
		defer r.Close()
		bind(t, r, 1111, 96, &recordingWriter{}) // PLI 1: a key frame is due
		seq := uint16(0)
		write := func(payload ...byte) {
			t.Helper()
			seq++
			if err := r.WritePacket(packet(seq, uint32(seq)*3000, payload)); err != nil {
				t.Fatal(err)
			}
		}
		plis := func(want int, when string) {
			t.Helper()
			synctest.Wait()
			if n := len(fb.plis()); n != want {
				t.Fatalf("%s: %d PLIs, want %d", when, n, want)
			}
		}

		// Asked while the key frame is due: the key frame serves it.
		r.RequestKeyframe()
		write(0x00, 0x01)       // a delta frame
		write(0x10, 0x00, 0x9d) // the key frame arrives
		time.Sleep(interval)
		plis(1, "the due key frame served the request")

		// Asked after the key frame passed: one PLI at the interval's end.
		r.RequestKeyframe() // PLI 2, at once: the interval is over
		plis(2, "after the interval")
		write(0x10, 0x00, 0x9d)
		r.RequestKeyframe()
		r.RequestKeyframe()
		time.Sleep(interval - time.Nanosecond)
		plis(2, "inside the interval")
		time.Sleep(time.Nanosecond)
		plis(3, "the requests after the key frame share one PLI at the interval's end")

		// The key frame asked for never comes: asked again at the end.
		time.Sleep(interval / 2)
		r.RequestKeyframe()
		time.Sleep(interval / 2)
		plis(4, "the lost key frame is asked for again")

		// A PLI that cannot be written is tried again an interval later.
		write(0x10, 0x00, 0x9d)
		time.Sleep(interval)
		fb.mu.Lock()
		fb.fails = 1
		fb.mu.Unlock()
		r.RequestKeyframe()
		plis(4, "the PLI write failed")
		time.Sleep(interval)
		plis(5, "the failed request, tried again")
	})
}
