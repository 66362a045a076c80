package sfu

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/conclave-video/conclave/internal/testkit"
)

// fakeDatagramPrefix marks what fakeDirect "seals": the prefix, then the
// plain packet.
var fakeDatagramPrefix = []byte("SRTP:")

// fakeDirect is a DirectWriter that records the packets it is given.
type fakeDirect struct {
	to   netip.AddrPort
	fail bool // SealRTP reports ok=false, WriteRTP an error

	mu      sync.Mutex
	sealed  [][]byte // packets given to SealRTP
	written [][]byte // packets given to WriteRTP
	dstCaps []int    // capacity of each dst given to SealRTP
}

func (f *fakeDirect) SealRTP(dst, pkt []byte) ([]byte, netip.AddrPort, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail {
		return nil, netip.AddrPort{}, false
	}
	if len(dst) != 0 {
		panic("SealRTP got a non-empty dst")
	}
	f.dstCaps = append(f.dstCaps, cap(dst))
	f.sealed = append(f.sealed, bytes.Clone(pkt))
	dst = append(dst, fakeDatagramPrefix...)
	return append(dst, pkt...), f.to, true
}

func (f *fakeDirect) WriteRTP(pkt []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail {
		return errors.New("fake: unreachable")
	}
	f.written = append(f.written, bytes.Clone(pkt))
	return nil
}

func (f *fakeDirect) sealedPackets(t *testing.T) []*rtp.Packet {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	return parseAll(t, f.sealed)
}

func (f *fakeDirect) writtenPackets(t *testing.T) []*rtp.Packet {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	return parseAll(t, f.written)
}

func parseAll(t *testing.T, raw [][]byte) []*rtp.Packet {
	t.Helper()
	out := make([]*rtp.Packet, 0, len(raw))
	for _, b := range raw {
		p := &rtp.Packet{}
		if err := p.Unmarshal(b); err != nil {
			t.Fatalf("a DirectWriter got a packet that does not parse: %v", err)
		}
		out = append(out, p)
	}
	return out
}

// fakeBatch is a DatagramBatch that records what is added and flushed. It
// reports full every fullEvery datagrams.
type fakeBatch struct {
	fullEvery int

	buf     []byte
	pending []batchedDatagram
	flushed [][]batchedDatagram
	adds    int
	flushes int
	overrun bool // a datagram was added to a full batch
}

type batchedDatagram struct {
	data []byte
	to   netip.AddrPort
}

func newFakeBatch(fullEvery int) *fakeBatch {
	return &fakeBatch{fullEvery: fullEvery, buf: make([]byte, 0, 2048)}
}

func (b *fakeBatch) Next() []byte { return b.buf[:0] }

func (b *fakeBatch) Add(datagram []byte, to netip.AddrPort) bool {
	if len(b.pending) == b.fullEvery {
		b.overrun = true
	}
	b.adds++
	b.pending = append(b.pending, batchedDatagram{bytes.Clone(datagram), to})
	return len(b.pending) == b.fullEvery
}

func (b *fakeBatch) Flush() {
	b.flushes++
	if len(b.pending) > 0 {
		b.flushed = append(b.flushed, b.pending)
	}
	b.pending = nil
}

// directReceiver is a video Receiver whose keyframe requests all go out
// (PLIInterval 1ns), with a fake batch when batch is not nil.
func directReceiver(t *testing.T, fb *feedback, batch *fakeBatch) *Receiver {
	t.Helper()
	cfg := ReceiverConfig{
		TrackID: "cam", StreamID: "alice", Kind: webrtc.RTPCodecTypeVideo,
		Codec: vp8Codec, SSRC: 0xABCD, Feedback: fb, PLIInterval: time.Nanosecond, Stats: &Stats{},
	}
	if batch != nil {
		cfg.NewBatch = func() DatagramBatch { return batch }
	}
	r := NewReceiver(cfg)
	t.Cleanup(r.Close)
	return r
}

// bindHeld binds a held DownTrack (as rtc does before the SRTP path is
// known) and then decides its path: w, or pion's writer pw if w is nil.
func bindHeld(t *testing.T, r *Receiver, ssrc webrtc.SSRC, pt webrtc.PayloadType, pw webrtc.TrackLocalWriter, w DirectWriter) *DownTrack {
	t.Helper()
	d := r.NewDownTrack(fmt.Sprint("sub", ssrc))
	if !d.Hold() {
		t.Fatal("Hold on a new DownTrack reported false")
	}
	codec := vp8Codec
	codec.PayloadType = pt
	if _, err := d.Bind(&fakeContext{id: "ctx", ssrc: ssrc, codecs: []webrtc.RTPCodecParameters{codec}, w: pw}); err != nil {
		t.Fatal(err)
	}
	if !d.SetDirect(w) {
		t.Fatal("SetDirect on a held DownTrack reported false")
	}
	return d
}

// richPacket is a publisher packet with everything a header can carry: a
// header extension, CSRCs, padding and the marker bit.
func richPacket(t *testing.T, seq uint16, ts uint32, payload []byte) []byte {
	t.Helper()
	p := &rtp.Packet{
		Header: rtp.Header{
			Version: 2, Marker: true, PayloadType: 96, SequenceNumber: seq, Timestamp: ts,
			SSRC: 0xABCD, CSRC: []uint32{7, 8}, Padding: true, PaddingSize: 5,
		},
		Payload: payload,
	}
	if err := p.SetExtension(5, []byte{9, 9}); err != nil {
		t.Fatal(err)
	}
	b, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// pionBytes is what pion's path marshals for the subscriber with ssrc and
// pt: the reference the direct path must match byte for byte.
func pionBytes(t *testing.T, in []byte, ssrc uint32, pt uint8) []byte {
	t.Helper()
	w := &recordingWriter{}
	r := NewReceiver(ReceiverConfig{Kind: webrtc.RTPCodecTypeVideo, Codec: vp8Codec})
	defer r.Close()
	codec := vp8Codec
	codec.PayloadType = webrtc.PayloadType(pt)
	if _, err := r.NewDownTrack("ref").Bind(&fakeContext{ssrc: webrtc.SSRC(ssrc), codecs: []webrtc.RTPCodecParameters{codec}, w: w}); err != nil {
		t.Fatal(err)
	}
	if err := r.WritePacket(in); err != nil {
		t.Fatal(err)
	}
	pkts := w.packets()
	if len(pkts) != 1 {
		t.Fatalf("reference: %d packets", len(pkts))
	}
	b, err := pkts[0].Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestHoldAndSetDirect(t *testing.T) {
	fb := &feedback{}
	r := directReceiver(t, fb, nil)

	// Held: nothing leaves, by either writer, and nothing is counted.
	held := r.NewDownTrack("held")
	if !held.Hold() {
		t.Fatal("Hold on a new DownTrack reported false")
	}
	if held.Hold() {
		t.Error("a second Hold reported true")
	}
	heldPion, heldDirect := &recordingWriter{}, &fakeDirect{}
	if _, err := held.Bind(&fakeContext{id: "ctx", ssrc: 1, codecs: []webrtc.RTPCodecParameters{vp8Codec}, w: heldPion}); err != nil {
		t.Fatal(err)
	}
	if held.Hold() {
		t.Error("Hold after Bind reported true")
	}
	if held.Direct() {
		t.Error("a held DownTrack reports Direct")
	}
	for s := uint16(1); s <= 3; s++ {
		if err := r.WritePacket(packet(s, uint32(s)*3000, []byte{byte(s)})); err != nil {
			t.Fatal(err)
		}
	}
	if len(heldPion.packets()) != 0 || len(heldDirect.writtenPackets(t)) != 0 {
		t.Fatal("a held DownTrack sent packets")
	}
	if f := r.Stats().PacketsForwarded(); f != 0 {
		t.Fatalf("PacketsForwarded = %d for a held DownTrack, want 0", f)
	}
	if _, ok := held.SenderReport(time.Now()); ok {
		t.Error("a sender report for a DownTrack that has sent nothing")
	}
	// A NACK is not answered while held either.
	held.handleRTCP([]rtcp.Packet{&rtcp.TransportLayerNack{MediaSSRC: 1, Nacks: rtcp.NackPairsFromSequenceNumbers([]uint16{2})}})
	if len(heldPion.packets()) != 0 || r.Stats().PacketsRetransmitted() != 0 {
		t.Fatal("a held DownTrack answered a NACK")
	}

	// SetDirect decides once, and asks for the keyframe that was held back.
	plis := len(fb.plis())
	if !held.SetDirect(heldDirect) {
		t.Fatal("SetDirect on a held DownTrack reported false")
	}
	// (on its own goroutine)
	testkit.Eventually(t, "the keyframe request SetDirect sends", func() bool { return len(fb.plis()) > plis })
	if len(fb.plis()) != plis+1 {
		t.Errorf("SetDirect sent %d PLIs, want 1", len(fb.plis())-plis)
	}
	if !held.Direct() {
		t.Fatal("Direct() = false after SetDirect(w)")
	}
	other := &fakeDirect{}
	if held.SetDirect(other) || held.SetDirect(nil) {
		t.Fatal("a decided DownTrack was switched again")
	}
	if !held.Direct() {
		t.Fatal("SetDirect(nil) on a decided DownTrack changed its path")
	}
	if err := r.WritePacket(packet(4, 4*3000, []byte{4})); err != nil {
		t.Fatal(err)
	}
	if got := heldDirect.writtenPackets(t); len(got) != 1 || got[0].SequenceNumber != 4 {
		t.Fatalf("the DirectWriter got %d packets, want packet 4", len(got))
	}
	if len(other.writtenPackets(t)) != 0 || len(heldPion.packets()) != 0 {
		t.Fatal("a packet went to a writer other than the decided one")
	}

	// SetDirect(nil) on a held DownTrack selects pion's writer.
	viaPion := r.NewDownTrack("pion")
	if !viaPion.Hold() {
		t.Fatal("Hold reported false")
	}
	pionW := &recordingWriter{}
	if _, err := viaPion.Bind(&fakeContext{id: "ctx", ssrc: 2, codecs: []webrtc.RTPCodecParameters{vp8Codec}, w: pionW}); err != nil {
		t.Fatal(err)
	}
	if !viaPion.SetDirect(nil) {
		t.Fatal("SetDirect(nil) on a held DownTrack reported false")
	}
	if viaPion.Direct() || viaPion.SetDirect(&fakeDirect{}) || viaPion.Hold() {
		t.Fatal("a DownTrack decided for pion's writer was switched")
	}

	// Bound first, then held: Hold refuses, and the DownTrack keeps
	// sending through pion's writer; it can never be switched to direct.
	boundFirst := r.NewDownTrack("bound")
	boundW := &recordingWriter{}
	if _, err := boundFirst.Bind(&fakeContext{id: "ctx", ssrc: 3, codecs: []webrtc.RTPCodecParameters{vp8Codec}, w: boundW}); err != nil {
		t.Fatal(err)
	}
	if boundFirst.Hold() {
		t.Fatal("Hold after Bind reported true")
	}
	lateDirect := &fakeDirect{}
	if boundFirst.SetDirect(lateDirect) || boundFirst.Direct() {
		t.Fatal("a never-held DownTrack was switched to direct")
	}

	// Never held, never bound: cannot be switched either.
	fresh := r.NewDownTrack("fresh")
	if fresh.SetDirect(&fakeDirect{}) || fresh.Direct() {
		t.Fatal("a never-held DownTrack was switched to direct")
	}

	if err := r.WritePacket(packet(5, 5*3000, []byte{5})); err != nil {
		t.Fatal(err)
	}
	if got := pionW.packets(); len(got) != 1 || got[0].SequenceNumber != 5 {
		t.Errorf("pion-decided DownTrack got %d packets, want packet 5", len(got))
	}
	if got := boundW.packets(); len(got) != 1 || got[0].SequenceNumber != 5 {
		t.Errorf("never-held DownTrack got %d packets through pion, want packet 5", len(got))
	}
	if len(lateDirect.writtenPackets(t)) != 0 {
		t.Error("a never-held DownTrack sent through a DirectWriter")
	}
	s := r.Stats()
	if s.PacketsDirect() != 2 || s.PacketsForwarded() != 1+3 {
		t.Errorf("PacketsDirect=%d PacketsForwarded=%d, want 2 and 4", s.PacketsDirect(), s.PacketsForwarded())
	}
}

// TestKeyframeWhenReady: a DownTrack asks for a key frame once, when it
// can first carry one: bound, and its path decided, in either order.
func TestKeyframeWhenReady(t *testing.T) {
	fb := &feedback{}
	r := directReceiver(t, fb, nil) // PLIInterval 1ns: no request is deferred
	ctx := func(ssrc uint32) *fakeContext {
		return &fakeContext{id: "ctx", ssrc: webrtc.SSRC(ssrc), codecs: []webrtc.RTPCodecParameters{vp8Codec}, w: &recordingWriter{}}
	}

	// Held, then bound (a new subscriber connection: pion binds before ICE
	// and DTLS): no request until the path is decided.
	bindFirst := r.NewDownTrack("bind-first")
	bindFirst.Hold()
	if _, err := bindFirst.Bind(ctx(1)); err != nil {
		t.Fatal(err)
	}
	if n := len(fb.plis()); n != 0 {
		t.Fatalf("a held DownTrack asked for %d key frames at Bind, want 0", n)
	}
	bindFirst.SetDirect(&fakeDirect{})
	testkit.Eventually(t, "the key frame request of SetDirect", func() bool { return len(fb.plis()) == 1 })

	// Held, decided, then bound (a connected subscriber renegotiating):
	// no request until the track is bound.
	decideFirst := r.NewDownTrack("decide-first")
	decideFirst.Hold()
	decideFirst.SetDirect(nil)
	if _, err := decideFirst.Bind(ctx(2)); err != nil {
		t.Fatal(err)
	}
	if n := len(fb.plis()); n != 2 {
		t.Fatalf("%d key frame requests after the second DownTrack was bound, want 2", n)
	}

	// A new binding (pion rebinds a sender after renegotiation) asks
	// again; the same binding never asks twice.
	if err := decideFirst.Unbind(ctx(2)); err != nil {
		t.Fatal(err)
	}
	if _, err := decideFirst.Bind(ctx(3)); err != nil {
		t.Fatal(err)
	}
	if n := len(fb.plis()); n != 3 {
		t.Fatalf("%d key frame requests after a rebind, want 3", n)
	}
	decideFirst.askKeyframe(decideFirst.bound.Load())
	bindFirst.askKeyframe(bindFirst.bound.Load())
	if n := len(fb.plis()); n != 3 {
		t.Fatalf("%d key frame requests, want still 3: a binding asks once", n)
	}
}

// TestDirectFanOut: 150 direct DownTracks and three of pion's in one
// Receiver, with a batch that is full every 64 datagrams.
func TestDirectFanOut(t *testing.T) {
	const direct, viaPion, full = 150, 3, 64
	batch := newFakeBatch(full)
	newBatches := 0
	r := NewReceiver(ReceiverConfig{
		TrackID: "cam", StreamID: "alice", Kind: webrtc.RTPCodecTypeVideo, Codec: vp8Codec, Stats: &Stats{},
		NewBatch: func() DatagramBatch { newBatches++; return batch },
	})
	defer r.Close()

	type sub struct {
		ssrc uint32
		pt   uint8
		dw   *fakeDirect
		pw   *recordingWriter
	}
	var subs []sub
	for i := range direct + viaPion {
		s := sub{ssrc: uint32(1000 + i), pt: uint8(96 + i%30), pw: &recordingWriter{}}
		if i < direct {
			s.dw = &fakeDirect{to: netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}), uint16(5000+i))}
			bindHeld(t, r, webrtc.SSRC(s.ssrc), webrtc.PayloadType(s.pt), s.pw, s.dw)
		} else {
			bind(t, r, webrtc.SSRC(s.ssrc), webrtc.PayloadType(s.pt), s.pw)
		}
		subs = append(subs, s)
	}

	// A full-featured packet, then a short one with padding only: the
	// second must inherit nothing of the first, header or stale bytes.
	first := richPacket(t, 40000, 123456, bytes.Repeat([]byte{0xAB}, 1000))
	second, err := (&rtp.Packet{
		Header: rtp.Header{
			Version: 2, PayloadType: 96, SequenceNumber: 40001, Timestamp: 126456, SSRC: 0xABCD,
			Padding: true, PaddingSize: 8,
		},
		Payload: []byte("second"),
	}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range [][]byte{first, second} {
		if err := r.WritePacket(in); err != nil {
			t.Fatal(err)
		}
	}
	if newBatches != 1 {
		t.Errorf("NewBatch called %d times, want once", newBatches)
	}

	for i, s := range subs {
		var got []*rtp.Packet
		if s.dw != nil {
			got = s.dw.sealedPackets(t)
			if n := len(s.pw.packets()); n != 0 {
				t.Fatalf("direct subscriber %d: pion's writer got %d packets", i, n)
			}
			if n := len(s.dw.writtenPackets(t)); n != 0 {
				t.Fatalf("direct subscriber %d: WriteRTP used with a batch", i)
			}
		} else {
			got = s.pw.packets()
		}
		if len(got) != 2 {
			t.Fatalf("subscriber %d got %d packets, want 2", i, len(got))
		}
		for k, in := range [][]byte{first, second} {
			var src rtp.Packet
			if err := src.Unmarshal(in); err != nil {
				t.Fatal(err)
			}
			p := got[k]
			if p.SSRC != s.ssrc || p.PayloadType != s.pt {
				t.Fatalf("subscriber %d packet %d: SSRC/PT %d/%d, want %d/%d", i, k, p.SSRC, p.PayloadType, s.ssrc, s.pt)
			}
			if p.SequenceNumber != src.SequenceNumber || p.Timestamp != src.Timestamp || p.Marker != src.Marker {
				t.Fatalf("subscriber %d packet %d: seq/ts/marker %d/%d/%v", i, k, p.SequenceNumber, p.Timestamp, p.Marker)
			}
			if p.Extension || len(p.Extensions) != 0 {
				t.Fatalf("subscriber %d packet %d: header extension kept", i, k)
			}
			if fmt.Sprint(p.CSRC) != fmt.Sprint(src.CSRC) || p.Padding != src.Padding || p.PaddingSize != src.PaddingSize ||
				!bytes.Equal(p.Payload, src.Payload) {
				t.Fatalf("subscriber %d packet %d: CSRC %v padding %v/%d payload %d bytes", i, k, p.CSRC, p.Padding, p.PaddingSize, len(p.Payload))
			}
		}
		if s.dw != nil && (i < 2 || i == direct-1) {
			// Byte for byte what pion's path would have marshalled.
			for k, in := range [][]byte{first, second} {
				s.dw.mu.Lock()
				raw := s.dw.sealed[k]
				s.dw.mu.Unlock()
				if want := pionBytes(t, in, s.ssrc, s.pt); !bytes.Equal(raw, want) {
					t.Fatalf("subscriber %d packet %d: direct packet\n%x\npion's\n%x", i, k, raw, want)
				}
			}
		}
	}

	// Every sealed datagram went into the batch, with its writer's address,
	// flushed when full and at the end of each packet.
	if batch.overrun {
		t.Fatal("a datagram was added to a full batch")
	}
	if batch.adds != 2*direct {
		t.Fatalf("%d datagrams added, want %d", batch.adds, 2*direct)
	}
	if len(batch.pending) != 0 {
		t.Fatalf("%d datagrams left unflushed", len(batch.pending))
	}
	wantSizes := []int{64, 64, 22, 64, 64, 22}
	var sizes []int
	for _, f := range batch.flushed {
		sizes = append(sizes, len(f))
	}
	if fmt.Sprint(sizes) != fmt.Sprint(wantSizes) || batch.flushes != 6 {
		t.Fatalf("flushed batches %v in %d Flush calls, want %v in 6", sizes, batch.flushes, wantSizes)
	}
	for k, f := range batch.flushed[:3] { // the first packet
		for j, d := range f {
			s := subs[k*full+j]
			if d.to != s.dw.to {
				t.Fatalf("datagram for subscriber %d sent to %v, want %v", k*full+j, d.to, s.dw.to)
			}
			s.dw.mu.Lock()
			want := append(bytes.Clone(fakeDatagramPrefix), s.dw.sealed[0]...)
			caps := s.dw.dstCaps
			s.dw.mu.Unlock()
			if !bytes.Equal(d.data, want) {
				t.Fatalf("datagram for subscriber %d is not what its writer sealed", k*full+j)
			}
			if caps[0] != cap(batch.buf) {
				t.Fatalf("subscriber %d sealed into a buffer of capacity %d, not the batch's", k*full+j, caps[0])
			}
		}
	}

	st := r.Stats()
	if st.PacketsDirect() != 2*direct || st.PacketsForwarded() != 2*(direct+viaPion) || st.PacketsDropped() != 0 {
		t.Errorf("PacketsDirect=%d PacketsForwarded=%d PacketsDropped=%d, want %d, %d, 0",
			st.PacketsDirect(), st.PacketsForwarded(), st.PacketsDropped(), 2*direct, 2*(direct+viaPion))
	}
}

// TestDirectWriterFailures: a subscriber the direct path cannot reach
// loses its packet, counted as dropped; the others are not affected.
func TestDirectWriterFailures(t *testing.T) {
	for _, batched := range []bool{true, false} {
		t.Run(fmt.Sprint("batched=", batched), func(t *testing.T) {
			var batch *fakeBatch
			if batched {
				batch = newFakeBatch(64)
			}
			r := directReceiver(t, &feedback{}, batch)
			good, bad := &fakeDirect{}, &fakeDirect{fail: true}
			goodPion, badPion := &recordingWriter{}, &recordingWriter{}
			bindHeld(t, r, 1, 96, goodPion, good)
			bindHeld(t, r, 2, 96, badPion, bad)
			for s := uint16(1); s <= 4; s++ {
				if err := r.WritePacket(packet(s, 0, []byte{byte(s)})); err != nil {
					t.Fatal(err)
				}
			}
			got := good.writtenPackets(t)
			if batched {
				got = good.sealedPackets(t)
				if batch.adds != 4 {
					t.Errorf("%d datagrams batched, want 4", batch.adds)
				}
			}
			if len(got) != 4 {
				t.Errorf("the reachable subscriber got %d packets, want 4", len(got))
			}
			if len(badPion.packets()) != 0 || len(goodPion.packets()) != 0 {
				t.Error("a direct DownTrack fell back to pion's writer")
			}
			st := r.Stats()
			if st.PacketsDropped() != 4 || st.PacketsForwarded() != 4 || st.PacketsDirect() != 4 {
				t.Errorf("dropped=%d forwarded=%d direct=%d, want 4 each", st.PacketsDropped(), st.PacketsForwarded(), st.PacketsDirect())
			}
		})
	}
}

// TestDirectRetransmission: a NACK from a direct subscriber is answered
// through its DirectWriter's WriteRTP (never through the batch, which
// belongs to the Receiver's goroutine, nor through pion's writer).
func TestDirectRetransmission(t *testing.T) {
	// In a synctest bubble, to wait for HandleRTCP to act exactly.
	synctest.Test(t, testDirectRetransmission)
}

func testDirectRetransmission(t *testing.T) {
	batch := newFakeBatch(64)
	r := directReceiver(t, &feedback{}, batch)
	dw, pw := &fakeDirect{}, &recordingWriter{}
	d := bindHeld(t, r, 777, 100, pw, dw)
	payloads := map[uint16][]byte{}
	for s := uint16(65534); s != 3; s++ { // 65534, 65535, 0, 1, 2
		payloads[s] = bytes.Repeat([]byte{byte(s)}, 100+int(s%7))
		in := packet(s, uint32(s)*3000, payloads[s])
		if s == 0 {
			in = richPacket(t, s, 0, payloads[s])
		}
		if err := r.WritePacket(in); err != nil {
			t.Fatal(err)
		}
	}
	adds := batch.adds

	// Through HandleRTCP, as pion's RTPSender delivers it.
	src := newChanRTCP()
	done := make(chan struct{})
	go func() { d.HandleRTCP(src); close(done) }()
	src.ch <- []rtcp.Packet{&rtcp.TransportLayerNack{
		MediaSSRC: 777, Nacks: rtcp.NackPairsFromSequenceNumbers([]uint16{65535, 0, 500}), // 500 was never sent
	}}
	synctest.Wait()
	_ = src.SetReadDeadline(time.Now())
	<-done

	got := dw.writtenPackets(t)
	if len(got) != 2 {
		t.Fatalf("%d retransmissions, want 2", len(got))
	}
	for k, seq := range []uint16{65535, 0} {
		p := got[k]
		if p.SequenceNumber != seq || p.SSRC != 777 || p.PayloadType != 100 || !bytes.Equal(p.Payload, payloads[seq]) {
			t.Fatalf("retransmission %d: seq %d SSRC %d PT %d payload ok %v", k, p.SequenceNumber, p.SSRC, p.PayloadType,
				bytes.Equal(p.Payload, payloads[seq]))
		}
		if p.Extension {
			t.Fatalf("retransmission of %d keeps the publisher's header extension", seq)
		}
	}
	if p := got[1]; fmt.Sprint(p.CSRC) != "[7 8]" || !p.Padding || p.PaddingSize != 5 || !p.Marker {
		t.Fatalf("retransmitted rich packet: CSRC %v padding %v/%d marker %v", p.CSRC, p.Padding, p.PaddingSize, p.Marker)
	}
	// The same bytes as the original packet.
	sealed := dw.sealedPackets(t)
	if orig, rtx := mustMarshal(t, sealed[2]), mustMarshal(t, got[1]); !bytes.Equal(orig, rtx) {
		t.Fatalf("retransmission differs from the original:\n%x\n%x", rtx, orig)
	}
	if len(pw.packets()) != 0 {
		t.Fatal("a retransmission went through pion's writer")
	}
	if batch.adds != adds {
		t.Fatal("a retransmission went into the Receiver's batch")
	}
	if st := r.Stats(); st.NACKsReceived() != 3 || st.PacketsRetransmitted() != 2 {
		t.Errorf("NACKsReceived=%d PacketsRetransmitted=%d, want 3 and 2", st.NACKsReceived(), st.PacketsRetransmitted())
	}

	// A writer that fails does not count the retransmission.
	dw.mu.Lock()
	dw.fail = true
	dw.mu.Unlock()
	d.handleRTCP([]rtcp.Packet{&rtcp.TransportLayerNack{MediaSSRC: 777, Nacks: rtcp.NackPairsFromSequenceNumbers([]uint16{1})}})
	if st := r.Stats(); st.PacketsRetransmitted() != 2 {
		t.Errorf("a failed retransmission was counted: %d", st.PacketsRetransmitted())
	}
}

func mustMarshal(t *testing.T, p *rtp.Packet) []byte {
	t.Helper()
	b, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSenderReport(t *testing.T) {
	r := directReceiver(t, &feedback{}, nil)
	early := bind(t, r, 1, 96, &recordingWriter{})
	late := r.NewDownTrack("late")
	if _, ok := early.SenderReport(time.Now()); ok {
		t.Fatal("a sender report before anything was forwarded")
	}
	for s := uint16(1); s <= 5; s++ { // before late is bound
		if err := r.WritePacket(packet(s, 1000+uint32(s)*3000, make([]byte, 50))); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := late.Bind(&fakeContext{id: "ctx", ssrc: 2, codecs: []webrtc.RTPCodecParameters{vp8Codec}, w: &recordingWriter{}}); err != nil {
		t.Fatal(err)
	}
	if _, ok := late.SenderReport(time.Now()); ok {
		t.Fatal("a sender report for a DownTrack that has been sent nothing since Bind")
	}
	r.SetMuted(true)
	if err := r.WritePacket(packet(6, 999999, make([]byte, 70))); err != nil { // dropped: not counted
		t.Fatal(err)
	}
	r.SetMuted(false)
	const n = 10
	var octets uint32
	var lastTS uint32
	var before, after time.Time
	for i := range n {
		ts := 0xFFFF8000 + uint32(i)*3000 // the RTP clock wraps during the test
		payload := make([]byte, 100+i)
		octets += uint32(len(payload))
		in := packet(uint16(7+i), ts, payload)
		if i == n-1 {
			in = richPacket(t, uint16(7+i), ts, payload) // padding, CSRCs and extension do not count
		}
		before = time.Now()
		if err := r.WritePacket(in); err != nil {
			t.Fatal(err)
		}
		after = time.Now()
		lastTS = ts
	}

	now := after.Add(250 * time.Millisecond)
	sr, ok := late.SenderReport(now)
	if !ok {
		t.Fatal("no sender report after packets were forwarded")
	}
	if sr.SSRC != 2 {
		t.Errorf("SSRC %d, want 2", sr.SSRC)
	}
	if sr.PacketCount != n || sr.OctetCount != octets {
		t.Errorf("PacketCount/OctetCount %d/%d, want %d/%d (since Bind only)", sr.PacketCount, sr.OctetCount, n, octets)
	}
	if sr.NTPTime != ntpTime(now) {
		t.Errorf("NTPTime %#x, want %#x", sr.NTPTime, ntpTime(now))
	}
	// Extrapolated at 90 kHz from the last packet, within a few ms.
	const tolerance = 5 * 90
	lo := lastTS + uint32(now.Sub(after).Milliseconds())*90 - tolerance
	hi := lastTS + uint32(now.Sub(before).Milliseconds())*90 + tolerance
	if d := sr.RTPTime - lo; d > hi-lo {
		t.Errorf("RTPTime %d, want within [%d, %d] (last packet's %d + 250ms at 90kHz)", sr.RTPTime, lo, hi, lastTS)
	}

	esr, ok := early.SenderReport(now)
	if !ok || esr.SSRC != 1 || esr.PacketCount != n+5 || esr.OctetCount != octets+5*50 || esr.RTPTime != sr.RTPTime {
		t.Errorf("early subscriber's report: %+v (ok %v), want %d packets, %d octets", esr, ok, n+5, octets+5*50)
	}

	late.Close()
	if _, ok := late.SenderReport(now); ok {
		t.Error("a sender report for a closed DownTrack")
	}
}

func TestNTPTime(t *testing.T) {
	for _, tc := range []struct {
		at   string
		want uint64
	}{
		{"1970-01-01T00:00:00.5Z", 2208988800<<32 | 0x80000000},
		{"1900-01-01T00:00:00Z", 0},
		{"2024-01-01T00:00:00.25Z", 3913056000<<32 | 0x40000000},
		{"2036-02-07T06:28:16.75Z", 0xC0000000}, // NTP era 1 begins: the seconds wrap
	} {
		at, err := time.Parse(time.RFC3339Nano, tc.at)
		if err != nil {
			t.Fatal(err)
		}
		if got := ntpTime(at); got != tc.want {
			t.Errorf("ntpTime(%s) = %#x, want %#x", tc.at, got, tc.want)
		}
	}
}

// copyDirect "seals" by copying, so the benchmark measures the fan-out and
// not the crypto.
type copyDirect struct{ to netip.AddrPort }

func (c copyDirect) SealRTP(dst, pkt []byte) ([]byte, netip.AddrPort, bool) {
	return append(dst, pkt...), c.to, true
}
func (c copyDirect) WriteRTP([]byte) error { return nil }

// discardBatch is a DatagramBatch that sends nothing.
type discardBatch struct {
	buf []byte
	n   int
}

func (b *discardBatch) Next() []byte { return b.buf[:0] }
func (b *discardBatch) Add([]byte, netip.AddrPort) bool {
	b.n++
	return b.n == 64
}
func (b *discardBatch) Flush() { b.n = 0 }

func directFanOut(tb testing.TB, subs int) *Receiver {
	tb.Helper()
	batch := &discardBatch{buf: make([]byte, 0, 1600)}
	r := NewReceiver(ReceiverConfig{
		TrackID: "cam", StreamID: "alice", Kind: webrtc.RTPCodecTypeVideo, Codec: vp8Codec, SSRC: 0xABCD,
		NewBatch: func() DatagramBatch { return batch },
	})
	for i := range subs {
		d := r.NewDownTrack(fmt.Sprint("sub", i))
		d.Hold()
		_, err := d.Bind(&fakeContext{
			id: "ctx", ssrc: webrtc.SSRC(i + 1), codecs: []webrtc.RTPCodecParameters{vp8Codec}, w: discardWriter{},
		})
		if err != nil {
			tb.Fatal(err)
		}
		d.SetDirect(copyDirect{to: netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), uint16(10000+i))})
	}
	return r
}

func TestWritePacketDirectAllocs(t *testing.T) {
	r := directFanOut(t, 3)
	defer r.Close()
	if allocs := writeAllocs(t, r); allocs != 0 {
		t.Fatalf("WritePacket to direct DownTracks allocates %v times per packet, want 0", allocs)
	}
	if r.Stats().PacketsDirect() < 3000 {
		t.Fatal("packets did not take the direct path")
	}
}

// BenchmarkForwardDirect is BenchmarkForward with DirectWriters that copy
// (no crypto) into a batch that discards.
func BenchmarkForwardDirect(b *testing.B) {
	benchmarkFanOut(b, directFanOut, (*Stats).PacketsDirect)
}
