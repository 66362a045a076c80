package rtc

import (
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/pion/webrtc/v4"

	"github.com/conclave-video/conclave/internal/sfu"
)

// PC names one of a participant's two PeerConnections.
type PC int

// The two PeerConnections.
const (
	Publisher PC = iota
	Subscriber
)

func (pc PC) String() string {
	if pc == Publisher {
		return "publisher"
	}
	return "subscriber"
}

// Sentinel errors callers tell apart.
var (
	ErrBadSDP       = errors.New("rtc: bad session description")
	ErrBadCandidate = errors.New("rtc: bad ICE candidate")
	ErrClosed       = errors.New("rtc: peer closed")
	ErrNoOffer      = errors.New("rtc: answer without an outstanding offer")
)

// PublishedTrack is a track a participant sends, ready to be forwarded.
type PublishedTrack struct {
	ID       string // the server's id for the track
	CID      string // the id the client gave it in its SDP
	Kind     webrtc.RTPCodecType
	MimeType string
	SSRC     uint32 // the publisher's media SSRC
	Receiver *sfu.Receiver
}

// Handler receives a Peer's events. Methods are called from pion's
// goroutines and must not block.
type Handler interface {
	// Candidate is a local ICE candidate to trickle to the client.
	Candidate(pc PC, c webrtc.ICECandidateInit)
	// Offer is a subscriber offer to send to the client.
	Offer(sdp string)
	// TrackPublished reports a new incoming track.
	TrackPublished(t *PublishedTrack)
	// TrackEnded reports that an incoming track stopped.
	TrackEnded(t *PublishedTrack)
	// ConnectionLost reports that media connectivity failed for good.
	ConnectionLost(pc PC)
}

// Peer is one participant's pair of PeerConnections.
type Peer struct {
	id      string
	engine  *Engine
	handler Handler
	pub     *webrtc.PeerConnection
	sub     *webrtc.PeerConnection

	// secrets captures the subscriber connection's DTLS secrets (nil when
	// the engine has no direct path); direct is the path chosen from them
	// once the connection is up (nil: pion's). decided says the choice was
	// made; it never changes afterwards (see sfu.DirectWriter).
	secrets   *dtlsSecrets
	reporting atomic.Bool // a report write is in flight on its own goroutine
	// pair is the subscriber connection's latest selected candidate pair,
	// kept so that decidePath and pairChanged cannot miss a change between
	// them. Guarded by mu.
	pair *webrtc.ICECandidatePair

	mu       sync.Mutex
	closed   bool
	decided  bool
	direct   *directPath
	started  bool // the subscriber connection has been offered at least once
	offering bool // a subscriber offer awaits its answer
	pending  bool // another negotiation is needed after that answer
	restart  bool // the next subscriber offer restarts ICE
	downs    map[string]*subscription
	pubCands []webrtc.ICECandidateInit // arrived before the remote description
	subCands []webrtc.ICECandidateInit
	tracks   map[string]*PublishedTrack

	// The monitor's (monitor.go): each track's counters at the last
	// sample, guarded by sampleMu.
	sampleMu sync.Mutex
	counters map[string]trackCounters
	limiting atomic.Bool // a REMB write is in flight (LimitBitrate)
}

type subscription struct {
	down   *sfu.DownTrack
	sender *webrtc.RTPSender
}

// NewPeer builds the two PeerConnections for participant id.
func (e *Engine) NewPeer(id string, h Handler) (*Peer, error) {
	p := &Peer{
		id: id, engine: e, handler: h,
		downs:  make(map[string]*subscription),
		tracks: make(map[string]*PublishedTrack),
	}
	subAPI, secrets := e.subscriberAPI()
	var err error
	// No RFC 9335 header encryption on the subscriber connection: the SFU
	// strips header extensions, so it would cover CSRCs only, and both SRTP
	// paths (pion's and the direct one) must seal packets alike.
	subCfg := webrtc.Configuration{RTPHeaderEncryptionPolicy: webrtc.RTPHeaderEncryptionPolicyDisable}
	if p.sub, err = subAPI.NewPeerConnection(subCfg); err != nil {
		return nil, fmt.Errorf("rtc: subscriber: %w", err)
	}
	p.secrets = secrets
	// A data channel gives the subscriber connection something to
	// negotiate before there are tracks to receive, so that Connect can
	// run ICE and DTLS at join. It is negotiated out of band (no DCEP
	// open message, no datachannel event at the client) and carries
	// nothing.
	negotiated, dcID := true, uint16(0)
	if _, err := p.sub.CreateDataChannel("conclave", &webrtc.DataChannelInit{Negotiated: &negotiated, ID: &dcID}); err != nil {
		_ = p.sub.Close()
		return nil, fmt.Errorf("rtc: subscriber data channel: %w", err)
	}
	p.watch(Subscriber, p.sub)
	p.sub.SCTP().Transport().ICETransport().OnSelectedCandidatePairChange(p.pairChanged)
	e.reports.add(p)
	e.monitor.add(p)
	return p, nil
}

func (p *Peer) watch(kind PC, pc *webrtc.PeerConnection) {
	pc.OnICECandidate(func(c *webrtc.ICECandidate) {
		if c == nil {
			return
		}
		p.handler.Candidate(kind, c.ToJSON())
	})
	pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		if s == webrtc.PeerConnectionStateConnected && kind == Subscriber {
			p.decidePath()
		}
		if s == webrtc.PeerConnectionStateFailed {
			p.mu.Lock()
			closed := p.closed
			p.mu.Unlock()
			if !closed {
				p.handler.ConnectionLost(kind)
			}
		}
	})
}

// publisher returns the publisher PeerConnection, creating it with the
// first offer: a participant that only watches never has one, nor its
// NACK and report timers.
func (p *Peer) publisher() (*webrtc.PeerConnection, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, ErrClosed
	}
	if p.pub != nil {
		return p.pub, nil
	}
	pc, err := p.newPublisher()
	if err != nil {
		return nil, err
	}
	p.pub = pc
	return pc, nil
}

func (p *Peer) newPublisher() (*webrtc.PeerConnection, error) {
	pc, err := p.engine.publisher.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return nil, fmt.Errorf("rtc: publisher: %w", err)
	}
	p.watch(Publisher, pc)
	pc.OnTrack(func(remote *webrtc.TrackRemote, recv *webrtc.RTPReceiver) { p.onTrack(pc, remote, recv) })
	return pc, nil
}

func (p *Peer) onTrack(pc *webrtc.PeerConnection, remote *webrtc.TrackRemote, recv *webrtc.RTPReceiver) {
	codec := remote.Codec()
	t := &PublishedTrack{
		ID:       newTrackID(),
		CID:      remote.ID(),
		Kind:     remote.Kind(),
		MimeType: codec.MimeType,
		SSRC:     uint32(remote.SSRC()),
	}
	t.Receiver = sfu.NewReceiver(sfu.ReceiverConfig{
		TrackID:     t.ID,
		StreamID:    p.id,
		Kind:        remote.Kind(),
		Codec:       codec,
		SSRC:        uint32(remote.SSRC()),
		Feedback:    pc,
		PLIInterval: p.engine.cfg.PLIInterval,
		Stats:       p.engine.cfg.Stats,
		Logger:      p.engine.cfg.Logger,
		NewBatch:    p.engine.batches(),
	})
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		t.Receiver.Close()
		return
	}
	p.tracks[t.ID] = t
	p.mu.Unlock()

	// Incoming RTCP must be read for the interceptors to see sender reports.
	go func() {
		for {
			if _, _, err := recv.ReadRTCP(); err != nil {
				return
			}
		}
	}()
	p.handler.TrackPublished(t)
	go func() {
		_ = t.Receiver.Run(remote)
		t.Receiver.Close()
		p.mu.Lock()
		delete(p.tracks, t.ID)
		closed := p.closed
		p.mu.Unlock()
		if !closed {
			p.handler.TrackEnded(t)
		}
	}()
}

// HandleOffer applies the client's publisher offer and returns the answer.
func (p *Peer) HandleOffer(sdp string) (string, error) {
	if err := validateOffer(sdp); err != nil {
		return "", err
	}
	pub, err := p.publisher()
	if err != nil {
		return "", err
	}
	if err := pub.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: sdp}); err != nil {
		p.rollbackOffer(pub)
		return "", fmt.Errorf("%w: %v", ErrBadSDP, err)
	}
	answer, err := pub.CreateAnswer(nil)
	if err == nil {
		err = pub.SetLocalDescription(answer)
	}
	if err != nil {
		p.rollbackOffer(pub)
		return "", fmt.Errorf("%w: %v", ErrBadSDP, err)
	}
	p.flushCandidates(Publisher)
	return answer.SDP, nil
}

// rollbackOffer recovers from a client offer that pion accepted only in
// part (it moves to have-remote-offer before checking ICE credentials, and
// refuses a rollback from there). On the first negotiation, nothing is
// lost by replacing the publisher PeerConnection with a fresh one; later
// offers are checked by validateOffer before pion sees them.
func (p *Peer) rollbackOffer(pub *webrtc.PeerConnection) {
	if pub.SignalingState() != webrtc.SignalingStateHaveRemoteOffer || pub.CurrentRemoteDescription() != nil {
		return
	}
	fresh, err := p.newPublisher()
	if err != nil {
		p.engine.cfg.Logger.Warn("publisher reset failed", "participant", p.id, "err", err)
		return
	}
	p.mu.Lock()
	if p.closed || p.pub != pub {
		p.mu.Unlock()
		_ = fresh.Close()
		return
	}
	p.pub = fresh
	p.pubCands = nil
	p.mu.Unlock()
	_ = pub.Close()
}

// HandleAnswer applies the client's answer to the last subscriber offer.
func (p *Peer) HandleAnswer(sdp string) error {
	p.mu.Lock()
	if !p.offering {
		p.mu.Unlock()
		return ErrNoOffer
	}
	p.mu.Unlock()
	if err := p.sub.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: sdp}); err != nil {
		// Leave the offer outstanding: the client may answer again.
		return fmt.Errorf("%w: %v", ErrBadSDP, err)
	}
	p.flushCandidates(Subscriber)
	p.mu.Lock()
	p.offering = false
	again := p.pending
	p.pending = false
	p.mu.Unlock()
	if again {
		p.negotiate()
	}
	return nil
}

// AddCandidate adds a remote ICE candidate, holding it until the remote
// description it belongs to is known.
func (p *Peer) AddCandidate(kind PC, c webrtc.ICECandidateInit) error {
	pc := p.pc(kind)
	p.mu.Lock()
	if pc == nil || pc.RemoteDescription() == nil {
		if kind == Publisher {
			if len(p.pubCands) >= maxHeldCandidates {
				p.mu.Unlock()
				return fmt.Errorf("%w: too many candidates before the offer", ErrBadCandidate)
			}
			p.pubCands = append(p.pubCands, c)
		} else {
			if len(p.subCands) >= maxHeldCandidates {
				p.mu.Unlock()
				return fmt.Errorf("%w: too many candidates before the answer", ErrBadCandidate)
			}
			p.subCands = append(p.subCands, c)
		}
		p.mu.Unlock()
		return nil
	}
	p.mu.Unlock()
	if err := pc.AddICECandidate(c); err != nil {
		return fmt.Errorf("%w: %v", ErrBadCandidate, err)
	}
	return nil
}

const maxHeldCandidates = 64

func (p *Peer) flushCandidates(kind PC) {
	p.mu.Lock()
	var held []webrtc.ICECandidateInit
	if kind == Publisher {
		held, p.pubCands = p.pubCands, nil
	} else {
		held, p.subCands = p.subCands, nil
	}
	p.mu.Unlock()
	pc := p.pc(kind)
	if pc == nil {
		return
	}
	for _, c := range held {
		_ = pc.AddICECandidate(c) // a bad held candidate only loses itself
	}
}

// pc returns one of the PeerConnections; the publisher's is nil before the
// first offer.
func (p *Peer) pc(kind PC) *webrtc.PeerConnection {
	if kind == Publisher {
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.pub
	}
	return p.sub
}

// Subscribe forwards the receivers' tracks to this participant and
// renegotiates once for all of them: a participant joining a room with
// audio and video to receive gets both in one offer, not one offer each
// with the second waiting for the first answer. A track already subscribed
// is skipped. It returns the first error; the other tracks are still
// subscribed.
//
// Every DownTrack is held (sends nothing) until the subscriber connection's
// SRTP path is decided, which is also when it first asks for a key frame
// (see sfu.DownTrack.Bind and SetDirect).
func (p *Peer) Subscribe(rs ...*sfu.Receiver) error {
	var first error
	added := false
	for _, r := range rs {
		ok, err := p.addDownTrack(r)
		if err != nil && first == nil {
			first = err
		}
		if errors.Is(err, ErrClosed) {
			return err
		}
		added = added || ok
	}
	if added {
		p.negotiate()
	}
	return first
}

// addDownTrack adds one subscription to the subscriber connection without
// negotiating. It reports whether a track was added.
func (p *Peer) addDownTrack(r *sfu.Receiver) (bool, error) {
	down := r.NewDownTrack(p.id)
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		down.Close()
		return false, ErrClosed
	}
	if _, ok := p.downs[down.ID()]; ok {
		p.mu.Unlock()
		down.Close()
		return false, nil
	}
	// Nothing is sent until the connection's SRTP path is known: before
	// ICE and DTLS are done a packet, and a key frame, would be lost.
	down.Hold()
	if p.decided {
		p.applyPath(down)
	}
	p.mu.Unlock()
	sender, err := p.sub.AddTrack(down)
	if err != nil {
		down.Close()
		return false, fmt.Errorf("rtc: subscribe: %w", err)
	}
	p.mu.Lock()
	if p.closed {
		// Close ran while the track was being added.
		p.mu.Unlock()
		down.Close()
		return false, ErrClosed
	}
	p.downs[down.ID()] = &subscription{down: down, sender: sender}
	if p.decided {
		p.applyPath(down) // the path was decided while the track was added
	}
	p.mu.Unlock()
	go down.HandleRTCP(sender)
	return true, nil
}

// Connect offers the subscriber connection now if it has not been offered
// yet, with or without tracks to receive, so that ICE and DTLS are done by
// the time someone publishes: the first subscription is then one
// renegotiation on a connection that is already up.
func (p *Peer) Connect() { p.offer(true) }

// Unsubscribe stops forwarding track id to this participant.
func (p *Peer) Unsubscribe(trackID string) {
	p.mu.Lock()
	s, ok := p.downs[trackID]
	delete(p.downs, trackID)
	closed := p.closed
	p.mu.Unlock()
	if !ok {
		return
	}
	// Stop the sender before closing the down-track: until the sender
	// stops, pion blocks any RTCP deadline change while DTLS is pending.
	removed := !closed && p.sub.RemoveTrack(s.sender) == nil
	s.down.Close()
	if removed {
		p.negotiate()
	}
}

// Subscriptions returns how many tracks this participant receives.
func (p *Peer) Subscriptions() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.downs)
}

// RestartICE renegotiates the subscriber PeerConnection with new ICE
// credentials, after the client's network changed.
// Before the first negotiation there is nothing to restart.
func (p *Peer) RestartICE() {
	if p.sub.CurrentRemoteDescription() == nil {
		return
	}
	p.mu.Lock()
	p.restart = true
	p.mu.Unlock()
	p.negotiate()
}

// PendingOffer returns the subscriber offer awaiting an answer, if any, so
// a client that resumes its session can be sent it again.
func (p *Peer) PendingOffer() (string, bool) {
	p.mu.Lock()
	offering := p.offering
	p.mu.Unlock()
	if !offering {
		return "", false
	}
	d := p.sub.LocalDescription()
	if d == nil || d.Type != webrtc.SDPTypeOffer {
		return "", false
	}
	return d.SDP, true
}

// negotiate sends a subscriber offer now, or after the outstanding one is
// answered: only one offer is in flight at a time.
func (p *Peer) negotiate() { p.offer(false) }

// offer is negotiate; with first, only if no offer has been made yet
// (decided under the same lock, so that it never adds a second offer).
func (p *Peer) offer(first bool) {
	p.mu.Lock()
	if p.closed || (first && p.started) {
		p.mu.Unlock()
		return
	}
	if p.offering {
		p.pending = true
		p.mu.Unlock()
		return
	}
	p.offering = true
	p.started = true
	var opts *webrtc.OfferOptions
	if p.restart {
		opts = &webrtc.OfferOptions{ICERestart: true}
		p.restart = false
	}
	p.mu.Unlock()

	offer, err := p.sub.CreateOffer(opts)
	if err == nil {
		err = p.sub.SetLocalDescription(offer)
	}
	if err != nil {
		p.mu.Lock()
		p.offering = false
		closed := p.closed
		p.mu.Unlock()
		if !closed { // a participant that left needs no offer
			p.engine.cfg.Logger.Warn("subscriber offer failed", "participant", p.id, "err", err)
		}
		return
	}
	p.handler.Offer(offer.SDP)
}

// SetTrackMuted mutes or unmutes one of this participant's published tracks
// on the server: while muted nothing of it is forwarded.
func (p *Peer) SetTrackMuted(trackID string, muted bool) bool {
	p.mu.Lock()
	t, ok := p.tracks[trackID]
	p.mu.Unlock()
	if ok {
		t.Receiver.SetMuted(muted)
	}
	return ok
}

// Close tears both PeerConnections down and stops every subscription.
func (p *Peer) Close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	downs := p.downs
	p.downs = nil
	tracks := p.tracks
	p.tracks = nil
	pub := p.pub
	p.mu.Unlock()
	// PeerConnections first: closing them stops every sender and remote
	// track, which ends the RTCP and RTP loops without waiting on DTLS.
	if pub != nil {
		_ = pub.Close()
	}
	_ = p.sub.Close()
	p.engine.reports.remove(p)
	p.engine.monitor.remove(p)
	if p.secrets != nil {
		p.secrets.wipe()
	}
	for _, s := range downs {
		s.down.Close()
	}
	for _, t := range tracks {
		t.Receiver.Close()
	}
}

func newTrackID() string {
	var b [10]byte
	_, _ = rand.Read(b[:])
	return "TR_" + strings.TrimRight(base32.StdEncoding.EncodeToString(b[:]), "=")
}
