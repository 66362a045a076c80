package sfu

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// binding is what a DownTrack learned from Bind. Apart from keyed (an
// atomic) it is immutable, so the fan-out reads it without a lock.
type binding struct {
	dt    *DownTrack
	ctxID string
	ssrc  uint32
	pt    uint8
	w     webrtc.TrackLocalWriter
	// keyed says this binding has asked its publisher for a key frame.
	keyed atomic.Bool
}

// DownTrack is one subscriber's copy of a Receiver's track. It implements
// webrtc.TrackLocal: add it to the subscriber's PeerConnection with
// AddTrack, then run HandleRTCP on the returned RTPSender.
type DownTrack struct {
	r            *Receiver
	subscriberID string

	bound  atomic.Pointer[binding]
	out    atomic.Pointer[output] // nil: pion's writer; see Hold and SetDirect
	closed atomic.Bool
	base   counters // the Receiver's counters when this DownTrack was bound

	// hdr is the outgoing header, rewritten for every packet by the
	// Receiver's goroutine and touched by nothing else.
	hdr rtp.Header

	mu      sync.Mutex // guards rtcpSrc and base, and serialises Bind, Unbind and Close
	rtcpSrc RTCPReader

	rtxMu    sync.Mutex // guards the retransmission header and buffers
	rtxHdr   rtp.Header // the cached packet's header
	rtxOut   rtp.Header // the header re-sent to the subscriber
	rtxBuf   []byte
	rtxPlain []byte // the re-sent packet, marshalled, for a DirectWriter

	// quality is what the subscriber's last receiver report said (see
	// Quality); 0 before one.
	quality atomic.Uint64
}

var _ webrtc.TrackLocal = (*DownTrack)(nil)

// ID is the publisher's track id.
func (d *DownTrack) ID() string { return d.r.cfg.TrackID }

// StreamID is the publisher's participant id.
func (d *DownTrack) StreamID() string { return d.r.cfg.StreamID }

// RID is empty: a DownTrack carries one encoding.
func (d *DownTrack) RID() string { return "" }

// Kind is the publisher's track kind.
func (d *DownTrack) Kind() webrtc.RTPCodecType { return d.r.cfg.Kind }

// Receiver is the Receiver the DownTrack forwards.
func (d *DownTrack) Receiver() *Receiver { return d.r }

// SubscriberID is the id given to NewDownTrack.
func (d *DownTrack) SubscriberID() string { return d.subscriberID }

// Bind is called by pion when the subscriber's PeerConnection starts sending
// the track. It picks the negotiated codec that matches the publisher's
// (webrtc.ErrUnsupportedCodec if none does) and attaches the DownTrack to
// the Receiver's fan-out. If the DownTrack's path is decided (it was never
// held, or SetDirect ran), it asks the publisher for a key frame so the new
// subscriber can start decoding; otherwise SetDirect will.
//
// For a new subscriber connection pion binds inside SetRemoteDescription,
// before ICE and DTLS: a key frame asked for then would be forwarded, and
// lost, before the subscriber could receive it.
func (d *DownTrack) Bind(ctx webrtc.TrackLocalContext) (webrtc.RTPCodecParameters, error) {
	codec, ok := matchCodec(d.r.cfg.Codec, ctx.CodecParameters())
	if !ok {
		return webrtc.RTPCodecParameters{}, webrtc.ErrUnsupportedCodec
	}
	b := &binding{
		dt:    d,
		ctxID: ctx.ID(),
		ssrc:  uint32(ctx.SSRC()),
		pt:    uint8(codec.PayloadType),
		w:     ctx.WriteStream(),
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.r.attach(d, b); err != nil {
		return webrtc.RTPCodecParameters{}, err
	}
	d.base = d.r.counters() // under d.mu, as SenderReport reads it
	d.bound.Store(b)
	d.askKeyframe(b)
	return codec, nil
}

// askKeyframe asks the publisher for a key frame for binding b, once, when
// the subscription can first carry one: b is bound and the path decided.
// Bind and SetDirect both call it after their own step, so whichever comes
// second asks (each stores before it loads what the other stores).
func (d *DownTrack) askKeyframe(b *binding) {
	if b == nil || d.out.Load() == holdOutput || !b.keyed.CompareAndSwap(false, true) {
		return
	}
	d.r.RequestKeyframe()
}

// Unbind is called by pion when the track stops being sent on ctx.
func (d *DownTrack) Unbind(ctx webrtc.TrackLocalContext) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if b := d.bound.Load(); b != nil && b.ctxID == ctx.ID() {
		d.r.detach(d)
		d.bound.Store(nil)
	}
	return nil
}

// Close detaches the DownTrack from its Receiver; nothing more is written
// to it. A running HandleRTCP returns (its source's read deadline is set
// when it supports one, as *webrtc.RTPSender does). Close is idempotent.
//
// The deadline is set outside the lock: pion's RTPSender blocks a deadline
// change until DTLS completes or the sender stops, so callers should stop
// the sender (RemoveTrack, or closing the PeerConnection) first.
func (d *DownTrack) Close() {
	d.mu.Lock()
	if d.closed.Swap(true) {
		d.mu.Unlock()
		return
	}
	d.r.detach(d)
	d.bound.Store(nil)
	src := d.rtcpSrc
	d.mu.Unlock()
	if s, ok := src.(readDeadliner); ok {
		_ = s.SetReadDeadline(time.Now())
	}
}

// HandleRTCP reads the subscriber's RTCP for this track until src fails or
// the DownTrack is closed. PLI and FIR become keyframe requests to the
// publisher (rate-limited by the Receiver); NACKed packets are re-sent from
// the Receiver's packet cache. Everything else is left to pion's
// interceptors.
func (d *DownTrack) HandleRTCP(src RTCPReader) {
	d.mu.Lock()
	if d.closed.Load() {
		d.mu.Unlock()
		return
	}
	d.rtcpSrc = src
	d.mu.Unlock()

	for {
		pkts, _, err := src.ReadRTCP()
		if err != nil || d.closed.Load() {
			return
		}
		d.handleRTCP(pkts)
	}
}

func (d *DownTrack) handleRTCP(pkts []rtcp.Packet) {
	b := d.bound.Load()
	if b == nil {
		return
	}
	for _, p := range pkts {
		switch p := p.(type) {
		case *rtcp.PictureLossIndication:
			if p.MediaSSRC == b.ssrc {
				d.r.RequestKeyframe()
			}
		case *rtcp.FullIntraRequest:
			for _, e := range p.FIR {
				if e.SSRC == b.ssrc {
					d.r.RequestKeyframe()
					break
				}
			}
		case *rtcp.TransportLayerNack:
			if p.MediaSSRC == b.ssrc {
				d.handleNACK(b, p)
			}
		case *rtcp.ReceiverReport:
			d.handleReports(b, p.Reports, time.Now())
		case *rtcp.SenderReport:
			// A subscriber that also sends media reports in its
			// sender reports.
			d.handleReports(b, p.Reports, time.Now())
		}
	}
}

// handleNACK re-sends the requested packets. The sequence numbers a
// subscriber NACKs are the Receiver's outgoing numbers (input minus the mute
// offset at the time the packet was forwarded), which is what the cache is
// indexed by, so no per-DownTrack mapping is needed.
func (d *DownTrack) handleNACK(b *binding, nack *rtcp.TransportLayerNack) {
	d.rtxMu.Lock()
	defer d.rtxMu.Unlock()
	if d.rtxBuf == nil {
		d.rtxBuf = make([]byte, cacheSlotSize)
	}
	stats := d.r.stats
	for _, pair := range nack.Nacks {
		pair.Range(func(seq uint16) bool {
			stats.nacksReceived.Add(1)
			if d.retransmit(b, seq) {
				stats.packetsRetransmitted.Add(1)
			}
			return true
		})
	}
}

// retransmit re-sends the cached packet seq with b's header. Called with
// rtxMu held.
func (d *DownTrack) retransmit(b *binding, seq uint16) bool {
	if d.closed.Load() || d.r.closed.Load() {
		return false
	}
	n, ok := d.r.cache.get(d.r.unwrapOut(seq), d.rtxBuf)
	if !ok {
		return false
	}
	pkt := d.rtxBuf[:n]
	hdrLen, err := d.rtxHdr.Unmarshal(pkt)
	if err != nil {
		return false
	}
	payload, err := splitPadding(&d.rtxHdr, pkt, hdrLen)
	if err != nil {
		return false
	}
	rewriteHeader(&d.rtxOut, &d.rtxHdr, b, seq)
	switch o := d.out.Load(); {
	case o == nil || o == pionOutput:
		_, err = b.w.WriteRTP(&d.rtxOut, payload)
		return err == nil
	case o.hold:
		return false
	default:
		if d.rtxPlain == nil {
			d.rtxPlain = make([]byte, 0, cacheSlotSize)
		}
		n, ok := marshalRTP(d.rtxPlain[:cap(d.rtxPlain)], &d.rtxOut, payload)
		return ok && o.direct.WriteRTP(d.rtxPlain[:n]) == nil
	}
}
