package sfu

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// ErrClosed is returned when a Receiver or DownTrack is used after Close.
var ErrClosed = errors.New("sfu: closed")

// Defaults for ReceiverConfig.
const (
	DefaultPLIInterval    = 500 * time.Millisecond
	DefaultVideoCacheSize = 512
	DefaultAudioCacheSize = 64
)

// readBufferSize is the Run loop's packet buffer. SRTP-decrypted packets
// from a browser are at most about 1200 bytes; this leaves room for
// non-browser publishers up to a full Ethernet MTU.
const readBufferSize = 1500

// RTCPWriter sends RTCP to the publisher: the publisher's
// *webrtc.PeerConnection.
type RTCPWriter interface {
	WriteRTCP(pkts []rtcp.Packet) error
}

// PacketReader yields the publisher's RTP packets: a *webrtc.TrackRemote.
type PacketReader interface {
	Read(b []byte) (int, interceptor.Attributes, error)
}

// RTCPReader yields a subscriber's RTCP for one track: a *webrtc.RTPSender.
type RTCPReader interface {
	ReadRTCP() ([]rtcp.Packet, interceptor.Attributes, error)
}

// readDeadliner is implemented by *webrtc.TrackRemote and *webrtc.RTPSender;
// Close uses it to unblock Run and HandleRTCP.
type readDeadliner interface {
	SetReadDeadline(t time.Time) error
}

// ReceiverConfig describes one published track.
type ReceiverConfig struct {
	// TrackID and StreamID are what subscribers see as track id and stream
	// id (StreamID is the publisher's participant id).
	TrackID, StreamID string
	Kind              webrtc.RTPCodecType
	// Codec is the publisher's negotiated codec (TrackRemote.Codec()).
	Codec webrtc.RTPCodecParameters
	// SSRC is the publisher's media SSRC, the target of PLIs.
	SSRC uint32
	// Feedback carries keyframe requests to the publisher.
	Feedback RTCPWriter
	// PLIInterval is the minimum gap between keyframe requests sent
	// upstream (default DefaultPLIInterval).
	PLIInterval time.Duration
	// CacheSize is the number of packets kept for NACK, rounded up to a
	// power of two (default DefaultVideoCacheSize for video,
	// DefaultAudioCacheSize for audio; at most 32768).
	CacheSize int
	// Stats receives the counters; nil gives the Receiver its own.
	Stats *Stats
	// Logger defaults to a logger that discards.
	Logger *slog.Logger
	// NewBatch, when set, gives the Receiver's goroutine a DatagramBatch:
	// packets for DownTracks with a DirectWriter are sealed straight into
	// it and sent a batch per system call. Without it they are sent one by
	// one.
	NewBatch func() DatagramBatch
}

// Receiver forwards one published track to its DownTracks.
//
// Packets enter through Run (or WritePacket) on one goroutine and are
// written to every bound DownTrack on that goroutine. The set of DownTracks
// is a copy-on-write snapshot, so the hot path takes no lock other than the
// packet cache's and allocates nothing.
type Receiver struct {
	cfg   ReceiverConfig
	stats *Stats
	log   *slog.Logger
	cache *packetCache
	epoch time.Time

	muted   atomic.Bool
	closed  atomic.Bool
	lastPLI atomic.Int64 // time since epoch of the last PLI, plus 1ns; 0 means never

	// isKeyframe recognises the first packet of a key frame (nil: the
	// codec is not one it can read); keyframeDue says a PLI was sent and
	// its key frame has not been seen yet (only with isKeyframe).
	isKeyframe  func(payload []byte) bool
	keyframeDue atomic.Bool

	pliMu    sync.Mutex
	pliTimer *time.Timer // runs at the end of the PLI interval when a request waits; nil if none
	pliOwed  bool        // a request made while no key frame was due waits for pliTimer

	// Owned by the goroutine that calls WritePacket.
	hdr   rtp.Header
	out   rtp.Header // the outgoing header common to all DownTracks
	plain []byte     // the outgoing packet, marshalled once for DirectWriters
	batch DatagramBatch
	seq   seqState

	// What has been forwarded, for sender reports: packets and bytes (one
	// per published packet, not per subscriber), and the RTP timestamp and
	// time of the last one.
	sent   atomic.Uint64
	octets atomic.Uint64
	// highestOut is the highest extended outgoing sequence number, which
	// NACKs (16-bit) are resolved against.
	highestOut atomic.Uint64
	last       atomic.Uint64 // RTP timestamp << 32 | milliseconds since epoch (mod 2^32)

	// What the publisher sent: every RTP packet parsed, forwarded or not
	// (muted, duplicate, no subscriber), and its bytes. Sampled off the
	// hot path for the publisher's bitrate (see Received).
	inPackets atomic.Uint64
	inOctets  atomic.Uint64

	tracks atomic.Pointer[[]*binding] // bound DownTracks; replaced, never mutated

	mu  sync.Mutex // serialises changes to tracks and src
	src PacketReader
}

// NewReceiver returns a Receiver for the track described by cfg.
func NewReceiver(cfg ReceiverConfig) *Receiver {
	if cfg.PLIInterval <= 0 {
		cfg.PLIInterval = DefaultPLIInterval
	}
	if cfg.CacheSize <= 0 {
		cfg.CacheSize = DefaultVideoCacheSize
		if cfg.Kind == webrtc.RTPCodecTypeAudio {
			cfg.CacheSize = DefaultAudioCacheSize
		}
	}
	r := &Receiver{
		cfg:   cfg,
		stats: cfg.Stats,
		log:   cfg.Logger,
		cache: newPacketCache(cfg.CacheSize),
		epoch: time.Now(),
	}
	if r.stats == nil {
		r.stats = &Stats{}
	}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	r.isKeyframe = keyframeReader(cfg.Codec.MimeType)
	r.log = r.log.With("track", cfg.TrackID, "stream", cfg.StreamID)
	r.tracks.Store(&[]*binding{})
	return r
}

// Run reads packets from src and forwards them until src fails or the
// Receiver is closed. It returns nil when src reached its end (io.EOF, a
// closed pipe or connection) or the Receiver was closed, and the read error
// otherwise. Packets that are not RTP are counted as dropped and skipped.
func (r *Receiver) Run(src PacketReader) error {
	r.mu.Lock()
	if r.closed.Load() {
		r.mu.Unlock()
		return nil
	}
	r.src = src
	r.mu.Unlock()

	buf := make([]byte, readBufferSize)
	for {
		n, _, err := src.Read(buf)
		if err != nil {
			if r.closed.Load() || errors.Is(err, io.EOF) ||
				errors.Is(err, io.ErrClosedPipe) || errors.Is(err, net.ErrClosed) {
				return nil
			}
			return fmt.Errorf("sfu: read track %s: %w", r.cfg.TrackID, err)
		}
		if err := r.WritePacket(buf[:n]); errors.Is(err, ErrClosed) {
			return nil
		}
	}
}

// WritePacket forwards one RTP packet: it parses the header once, stores the
// packet in the NACK cache and writes it to every bound DownTrack with that
// DownTrack's header. b is not retained. WritePacket must not be called
// concurrently with itself; Run is its only caller in production.
//
// A failed write to one DownTrack is counted as dropped and does not affect
// the others; WritePacket returns an error only for a packet that is not
// RTP, or ErrClosed.
func (r *Receiver) WritePacket(b []byte) error {
	if r.closed.Load() {
		return ErrClosed
	}
	hdrLen, err := r.hdr.Unmarshal(b)
	if err != nil {
		r.stats.packetsDropped.Add(1)
		return fmt.Errorf("sfu: parse rtp: %w", err)
	}
	r.inPackets.Add(1)
	r.inOctets.Add(uint64(len(b)))
	payload, err := splitPadding(&r.hdr, b, hdrLen)
	if err != nil {
		r.stats.packetsDropped.Add(1)
		return err
	}
	ext, ok := r.seq.admit(r.hdr.SequenceNumber, r.muted.Load())
	if !ok {
		r.stats.packetsDropped.Add(1)
		return nil
	}
	if r.keyframeDue.Load() && r.isKeyframe(payload) {
		r.keyframeDue.Store(false)
	}
	r.cache.put(ext, b)
	r.highestOut.Store(max(r.highestOut.Load(), ext))
	seq := uint16(ext)

	size := uint64(rtpFixedHeader + 4*len(r.hdr.CSRC) + len(payload) + int(r.hdr.PaddingSize))
	var sent, direct, dropped uint64
	plain := 0 // length of r.plain once marshalled
	batched := false
	for _, t := range *r.tracks.Load() {
		o := t.dt.out.Load()
		if o == nil || o == pionOutput {
			h := &t.dt.hdr
			rewriteHeader(h, &r.hdr, t, seq)
			if _, err := t.w.WriteRTP(h, payload); err != nil {
				dropped++
				continue
			}
			sent++
			continue
		}
		if o.hold {
			continue
		}
		if plain == 0 {
			var ok bool
			if plain, ok = r.marshalOut(seq, payload); !ok {
				dropped++
				continue
			}
		}
		pkt := r.plain[:plain]
		// Only the payload type and SSRC differ between subscribers.
		pkt[1] = pkt[1]&0x80 | t.pt
		binary.BigEndian.PutUint32(pkt[8:12], t.ssrc)
		if r.cfg.NewBatch == nil {
			if o.direct.WriteRTP(pkt) != nil {
				dropped++
				continue
			}
			sent++
			direct++
			continue
		}
		if r.batch == nil {
			r.batch = r.cfg.NewBatch()
		}
		datagram, to, ok := o.direct.SealRTP(r.batch.Next(), pkt)
		if !ok {
			dropped++
			continue
		}
		if r.batch.Add(datagram, to) {
			r.batch.Flush()
		}
		batched = true
		sent++
		direct++
	}
	if batched {
		r.batch.Flush()
	}
	if direct > 0 {
		r.stats.packetsDirect.Add(direct)
	}
	if sent > 0 {
		r.stats.packetsForwarded.Add(sent)
		r.stats.bytesForwarded.Add(sent * size)
		r.sent.Add(1)
		r.octets.Add(uint64(len(payload)))
		r.last.Store(uint64(r.hdr.Timestamp)<<32 | uint64(uint32(time.Since(r.epoch).Milliseconds())))
	}
	if dropped > 0 {
		r.stats.packetsDropped.Add(dropped)
	}
	return nil
}

// marshalOut marshals the outgoing packet (sequence number seq, header
// extensions dropped) into r.plain, for DirectWriters, and returns its
// length. The payload type and SSRC are left for the caller to set.
func (r *Receiver) marshalOut(seq uint16, payload []byte) (int, bool) {
	if r.plain == nil {
		r.plain = make([]byte, readBufferSize)
	}
	h := &r.out
	h.Version = 2
	h.Padding = r.hdr.Padding
	h.PaddingSize = r.hdr.PaddingSize
	h.Marker = r.hdr.Marker
	h.PayloadType = 0
	h.SequenceNumber = seq
	h.Timestamp = r.hdr.Timestamp
	h.SSRC = 0
	h.CSRC = r.hdr.CSRC
	h.Extension = false
	h.ExtensionProfile = 0
	h.Extensions = h.Extensions[:0]
	return marshalRTP(r.plain, h, payload)
}

// marshalRTP writes header h, payload and h.PaddingSize bytes of padding
// to dst and returns the length; ok is false if dst is too small.
func marshalRTP(dst []byte, h *rtp.Header, payload []byte) (n int, ok bool) {
	size := h.MarshalSize() + len(payload) + int(h.PaddingSize)
	if size > len(dst) {
		return 0, false
	}
	n, err := h.MarshalTo(dst)
	if err != nil {
		return 0, false
	}
	n += copy(dst[n:], payload)
	if pad := int(h.PaddingSize); pad > 0 {
		clear(dst[n : n+pad-1])
		dst[n+pad-1] = byte(pad)
		n += pad
	}
	return n, true
}

// counters is a snapshot of what a Receiver has forwarded.
type counters struct {
	packets, octets uint64
}

func (r *Receiver) counters() counters {
	return counters{packets: r.sent.Load(), octets: r.octets.Load()}
}

const rtpFixedHeader = 12

// dupWindow is how many of the most recent incoming sequence numbers the
// Receiver remembers having forwarded. A packet older than that, or one
// already forwarded, is dropped: forwarding two different packets under
// one outgoing sequence number would seal them under one SRTP nonce.
const dupWindow = 1024

// seqState maps a publisher's sequence numbers to the Receiver's outgoing
// ones, on the Receiver's goroutine. Outgoing = incoming - offset, in
// sequence numbers extended past the 16-bit wrap. While the track is
// muted, packets are dropped and every new sequence number they reach adds
// to offset, so subscribers see no gap; a packet from before such an
// offset change (a late or retransmitted one) can no longer be placed and
// is dropped.
type seqState struct {
	started bool
	highest uint64 // highest extended incoming sequence number
	floor   uint64 // packets at or below this are dropped
	offset  uint64
	fwd     [dupWindow]uint64 // extended sequence numbers forwarded, plus one
}

// admit returns the extended outgoing sequence number for incoming
// sequence number seq, and false if the packet must be dropped: muted, a
// duplicate, or too old to place.
func (s *seqState) admit(seq uint16, muted bool) (uint64, bool) {
	if !s.started {
		// Start far from zero so that unwrapping never goes below it.
		s.started, s.highest = true, 1<<32|uint64(seq)
		s.floor = s.highest - 1
		if muted {
			s.floor = s.highest
			return 0, false
		}
		s.fwd[s.highest%dupWindow] = s.highest + 1
		return s.highest, true
	}
	ext := uint64(int64(s.highest) + int64(int16(seq-uint16(s.highest))))
	if muted {
		if ext > s.highest {
			s.offset += ext - s.highest
			s.highest = ext
			s.floor = ext
		}
		return 0, false
	}
	if ext <= s.floor || ext+dupWindow <= s.highest || s.fwd[ext%dupWindow] == ext+1 {
		return 0, false
	}
	s.fwd[ext%dupWindow] = ext + 1
	s.highest = max(s.highest, ext)
	return ext - s.offset, true
}

// unwrapOut extends an outgoing 16-bit sequence number (from a NACK) to the
// one nearest the highest forwarded.
func (r *Receiver) unwrapOut(seq uint16) uint64 {
	h := r.highestOut.Load()
	return uint64(int64(h) + int64(int16(seq-uint16(h))))
}

// splitPadding returns the payload of the packet b whose header h (hdrLen
// bytes) has been parsed, without RTP padding, and records the padding size
// in h so that marshalling the header and payload restores it.
func splitPadding(h *rtp.Header, b []byte, hdrLen int) ([]byte, error) {
	h.PaddingSize = 0
	if !h.Padding {
		return b[hdrLen:], nil
	}
	pad := int(b[len(b)-1])
	if pad == 0 || hdrLen+pad > len(b) {
		return nil, errors.New("sfu: parse rtp: invalid padding")
	}
	h.PaddingSize = byte(pad)
	return b[hdrLen : len(b)-pad], nil
}

// rewriteHeader makes dst the header a subscriber bound by t sees for the
// packet whose parsed header is src. Header extensions are dropped: their
// ids belong to the publisher's session, and pion's interceptors add the
// subscriber's own (transport-wide CC) on the way out.
func rewriteHeader(dst, src *rtp.Header, t *binding, seq uint16) {
	dst.Version = 2
	dst.Padding = src.Padding
	dst.PaddingSize = src.PaddingSize
	dst.Marker = src.Marker
	dst.PayloadType = t.pt
	dst.SequenceNumber = seq
	dst.Timestamp = src.Timestamp
	dst.SSRC = t.ssrc
	dst.CSRC = src.CSRC
	dst.Extension = false
	dst.ExtensionProfile = 0
	dst.Extensions = dst.Extensions[:0]
}

// SetMuted enforces a server-side mute: while muted, packets are dropped
// and subscribers' sequence numbers do not advance. Unmuting a video track
// asks the publisher for a keyframe so subscribers can decode at once.
func (r *Receiver) SetMuted(muted bool) {
	if r.muted.Swap(muted) && !muted {
		r.requestKeyframe(true)
	}
}

// Muted reports whether the Receiver is muted.
func (r *Receiver) Muted() bool { return r.muted.Load() }

// RequestKeyframe asks the publisher for a keyframe with a PLI, at most once
// per PLIInterval. A request inside the interval is never dropped: if the
// keyframe asked for last has not arrived yet, it will serve this request
// too (a subscriber asks only once it can receive what follows), and
// otherwise the request waits for the interval's end, sharing one PLI there
// with every request that waited meanwhile. If the keyframe due has still
// not arrived at the interval's end (lost, or ignored), a PLI goes out then
// as well. For codecs whose key frames the Receiver cannot recognise, every
// request inside the interval waits for its end. It does nothing for audio.
func (r *Receiver) RequestKeyframe() { r.requestKeyframe(false) }

func (r *Receiver) requestKeyframe(force bool) {
	if r.cfg.Kind != webrtc.RTPCodecTypeVideo || r.cfg.Feedback == nil || r.closed.Load() {
		return
	}
	now := int64(time.Since(r.epoch)) + 1
	last := r.lastPLI.Load()
	if !force && last != 0 && now-last < int64(r.cfg.PLIInterval) {
		r.deferKeyframe(time.Duration(int64(r.cfg.PLIInterval)-(now-last)), !r.keyframeDue.Load())
		return
	}
	if !r.lastPLI.CompareAndSwap(last, now) {
		return // another goroutine is sending one right now
	}
	// Due before the PLI leaves: its key frame may come back at once.
	r.keyframeDue.Store(r.isKeyframe != nil)
	err := r.cfg.Feedback.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: r.cfg.SSRC}})
	if err != nil {
		// Not sent: this request waits for a whole interval instead of
		// being lost.
		r.log.Debug("sfu: send PLI", "err", err)
		r.keyframeDue.Store(false)
		r.deferKeyframe(r.cfg.PLIInterval, true)
		return
	}
	r.stats.plisSent.Add(1)
}

// deferKeyframe looks again after wait, when the PLI interval ends: a PLI
// is sent then if owed (a request came when no key frame was due) or if
// the key frame due has not arrived.
func (r *Receiver) deferKeyframe(wait time.Duration, owed bool) {
	r.pliMu.Lock()
	defer r.pliMu.Unlock()
	if r.closed.Load() {
		return
	}
	r.pliOwed = r.pliOwed || owed
	if r.pliTimer != nil {
		return
	}
	r.stats.plisDeferred.Add(1)
	r.pliTimer = time.AfterFunc(wait, func() {
		r.pliMu.Lock()
		owed := r.pliOwed
		r.pliOwed, r.pliTimer = false, nil
		r.pliMu.Unlock()
		if owed || r.keyframeDue.Load() {
			r.requestKeyframe(false)
		}
	})
}

// NewDownTrack returns a DownTrack that forwards this Receiver's packets to
// one subscriber once a PeerConnection binds it (after AddTrack and
// negotiation).
func (r *Receiver) NewDownTrack(subscriberID string) *DownTrack {
	return &DownTrack{r: r, subscriberID: subscriberID}
}

// DownTracks returns the number of DownTracks currently bound.
func (r *Receiver) DownTracks() int { return len(*r.tracks.Load()) }

// Received returns how many RTP packets, and bytes of them (header,
// payload and padding, as the publisher sent them after SRTP), the
// publisher has sent on this track: every packet that parsed, whether it
// was forwarded or not. Rates come from sampling these (rtc's monitor).
func (r *Receiver) Received() (packets, octets uint64) {
	return r.inPackets.Load(), r.inOctets.Load()
}

// Stats returns the counters the Receiver updates.
func (r *Receiver) Stats() *Stats { return r.stats }

// Close stops forwarding: bound DownTracks are detached and write nothing
// more, Run returns (its source's read deadline is set when the source
// supports one, as *webrtc.TrackRemote does) and later WritePacket calls
// return ErrClosed. Close is idempotent.
func (r *Receiver) Close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed.Swap(true) {
		return
	}
	r.tracks.Store(&[]*binding{})
	r.pliMu.Lock()
	if r.pliTimer != nil {
		r.pliTimer.Stop()
		r.pliTimer = nil
	}
	r.pliMu.Unlock()
	if d, ok := r.src.(readDeadliner); ok {
		_ = d.SetReadDeadline(time.Now())
	}
}

// attach adds (or replaces) d's binding in the fan-out snapshot.
func (r *Receiver) attach(d *DownTrack, b *binding) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed.Load() || d.closed.Load() {
		return ErrClosed
	}
	old := *r.tracks.Load()
	next := make([]*binding, 0, len(old)+1)
	for _, t := range old {
		if t.dt != d {
			next = append(next, t)
		}
	}
	next = append(next, b)
	r.tracks.Store(&next)
	return nil
}

// detach removes d from the fan-out snapshot.
func (r *Receiver) detach(d *DownTrack) {
	r.mu.Lock()
	defer r.mu.Unlock()
	old := *r.tracks.Load()
	next := make([]*binding, 0, len(old))
	for _, t := range old {
		if t.dt != d {
			next = append(next, t)
		}
	}
	if len(next) != len(old) {
		r.tracks.Store(&next)
	}
}
