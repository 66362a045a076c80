package room

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/conclave-video/conclave/internal/sfu"
	"github.com/conclave-video/conclave/token"
)

// Participant is one participant's stay in a room. It implements Member.
type Participant struct {
	room     *Room
	listener Listener

	// Guarded by room.mu.
	// seq is the participant's place in the room's join order: JoinedAt
	// counts whole seconds, and people who join in the same second are
	// still listed in the order they came (the app numbers namesakes so).
	seq uint64
	// jtis are the tokens the participant was admitted with: the join's
	// and each resume's (the last MaxSessionTokens), so that revoking any
	// of them by its jti disconnects it.
	jtis []string
	info ParticipantInfo
	// grants is every permission the participant's token allows: a role,
	// at join or changed later, never gives more.
	grants  Permissions
	media   Media
	tracks  map[TrackID]*publication
	pending map[string]TrackInfo // announced by add_track, by client id
	left    bool
	// identityReports counts the e2ee_identity_changed reports made
	// (e2ee_report.go).
	identityReports int
	// The media monitor's (media.go): the last report, and since when
	// the participant publishes above the cap (zero: it does not).
	mediaReport MediaReport
	overSince   time.Time
}

type publication struct {
	info TrackInfo
	recv *sfu.Receiver
}

// subscribeOp is one participant's media layer to subscribe to recvs, run
// after the room's lock is released.
type subscribeOp struct {
	media Media
	recvs []*sfu.Receiver
}

// ID returns the participant's id.
func (p *Participant) ID() ParticipantID { return p.info.ID }

// Identity returns the participant's identity.
func (p *Participant) Identity() Identity { return p.info.Identity }

// RoomName returns the name of the participant's room.
func (p *Participant) RoomName() RoomName { return p.room.spec.Name }

// Permissions returns what the participant may do.
func (p *Participant) Permissions() Permissions {
	p.room.mu.Lock()
	defer p.room.mu.Unlock()
	return p.info.Permissions
}

// Info returns the participant's current state.
func (p *Participant) Info() ParticipantInfo {
	p.room.mu.Lock()
	defer p.room.mu.Unlock()
	return p.infoLocked()
}

func (p *Participant) infoLocked() ParticipantInfo {
	info := p.info
	info.Tracks = make([]TrackInfo, 0, len(p.tracks))
	for _, t := range p.tracks {
		info.Tracks = append(info.Tracks, t.info)
	}
	slices.SortFunc(info.Tracks, func(a, b TrackInfo) int {
		if a.ID < b.ID {
			return -1
		}
		if a.ID > b.ID {
			return 1
		}
		return 0
	})
	return info
}

// Others returns the state of everyone else in the room.
func (p *Participant) Others() []ParticipantInfo {
	all := p.room.Participants()
	out := all[:0]
	for _, o := range all {
		if o.ID != p.info.ID {
			out = append(out, o)
		}
	}
	return out
}

// MaxSessionTokens bounds the tokens a participant's stay remembers: its
// join's and those of its last resumes (the join's is kept).
const MaxSessionTokens = 16

// Resume decides whether the participant's own client may take its
// session over on a new connection with the token c: ActionResume on the
// room's state now (a ban, the invite rule, a revocation stored since the
// verifier checked c), under the room's lock. Admitted, c's jti is
// recorded with the participant's others, so that revoking it by its jti
// disconnects the participant as revoking the join's does. A refusal is
// a decision event with addr, the client's address, and the caller
// answers resume_failed.
func (p *Participant) Resume(c *token.Claims, addr string) error {
	r := p.room
	r.mu.Lock()
	defer r.mu.Unlock()
	if p.left || r.closed || c == nil {
		return ErrRoomClosed
	}
	st := r.manager.baseState()
	r.stateLocked(&st, c)
	d := decide(Request{Claims: c, Action: ActionResume, Addr: addr}, st)
	if d.Outcome == Admitted && d.Identity != p.info.Identity {
		d.Outcome, d.Err = Refused, ErrUnknownParticipant
	}
	if d.Outcome != Admitted {
		r.emit(Event{Kind: EventDecision, Decision: &d})
		r.manager.refusalSecurity(d)
		return d.Err
	}
	if !slices.Contains(p.jtis, c.ID) {
		if len(p.jtis) >= MaxSessionTokens {
			p.jtis = slices.Delete(p.jtis, 1, 2)
		}
		p.jtis = append(p.jtis, c.ID)
	}
	return nil
}

// AttachMedia connects the participant's media and subscribes it to every
// track already published in the room.
func (p *Participant) AttachMedia(m Media) {
	r := p.room
	r.mu.Lock()
	if p.left {
		r.mu.Unlock()
		return
	}
	p.media = m
	// Every track in the room in one subscription: the participant gets
	// them all in one negotiation.
	var recvs []*sfu.Receiver
	if p.info.Permissions.Has(Subscribe) {
		for _, o := range r.participants {
			if o == p {
				continue
			}
			for _, t := range o.tracks {
				recvs = append(recvs, t.recv)
			}
		}
	}
	r.mu.Unlock()
	if len(recvs) > 0 {
		runSubscribes([]subscribeOp{{m, recvs}})
	}
}

func runSubscribes(ops []subscribeOp) {
	for _, op := range ops {
		_ = op.media.Subscribe(op.recvs...) // fails only when that participant is leaving
	}
}

// CanPublish reports whether the participant may publish anything at all
// (so that an offer is worth applying).
func (p *Participant) CanPublish() bool { return p.MayOffer() == nil }

// MayOffer decides whether the participant may send an offer that carries
// media: nil, or the refusal (role_denied for a viewer, permission_denied
// for a token without the publish grant), recorded as any refusal is.
func (p *Participant) MayOffer() error {
	r := p.room
	r.mu.Lock()
	defer r.mu.Unlock()
	if p.left {
		return ErrRoomClosed
	}
	return r.decideLocked(Request{Action: ActionPublish, Actor: p.actorLocked()})
}

// AnnounceTrack records what a track the client is about to publish
// carries, and whether its frames are end-to-end encrypted.
func (p *Participant) AnnounceTrack(cid string, kind TrackKind, source TrackSource, name string, encrypted bool) error {
	r := p.room
	r.mu.Lock()
	defer r.mu.Unlock()
	if p.left {
		return ErrRoomClosed
	}
	if !source.Valid(kind) {
		return fmt.Errorf("%w: source %s is not a %s source", ErrBadTrack, source, kind)
	}
	if err := r.decideLocked(Request{Action: ActionPublish, Actor: p.actorLocked(), Source: source, Policy: r.manager.policyAllowsSource(source)}); err != nil {
		return err
	}
	if len(p.pending) >= maxPendingTracks {
		return ErrTooManyTracks
	}
	if r.spec.E2EE == E2EERequired && !encrypted {
		// Refused at once, so the client hears of it before it sends a
		// frame; the track itself is refused again when it arrives.
		return ErrTrackNotEncrypted
	}
	p.pending[cid] = TrackInfo{CID: cid, Kind: kind, Source: source, Name: name, E2EE: encrypted}
	return nil
}

// Publish adds a track received from this participant and forwards it to
// everyone who may subscribe.
func (p *Participant) Publish(id TrackID, cid string, kind TrackKind, mimeType string, recv *sfu.Receiver) (TrackInfo, error) {
	r := p.room
	r.mu.Lock()
	if p.left || r.closed {
		r.mu.Unlock()
		return TrackInfo{}, ErrRoomClosed
	}
	info, ok := p.pending[cid]
	delete(p.pending, cid)
	if !ok || info.Kind != kind {
		info = TrackInfo{CID: cid, Kind: kind, Source: SourceMicrophone}
		if kind == KindVideo {
			info.Source = SourceCamera
		}
	}
	if err := r.decideLocked(Request{Action: ActionPublish, Actor: p.actorLocked(), Source: info.Source, Policy: r.manager.policyAllowsSource(info.Source)}); err != nil {
		r.mu.Unlock()
		return TrackInfo{}, err
	}
	if r.spec.E2EE == E2EERequired {
		var err error
		switch {
		case !info.E2EE:
			err = ErrTrackNotEncrypted
		case !e2eeCodec(kind, mimeType):
			// The encryption leaves only these codecs' headers in
			// clear (docs/e2ee.md); any other would reach decoders
			// and the SFU unreadable.
			err = ErrE2EECodec
		}
		if err != nil {
			r.mu.Unlock()
			return TrackInfo{}, err
		}
	}
	if len(p.tracks) >= MaxTracksPerParticipant {
		r.mu.Unlock()
		return TrackInfo{}, ErrTooManyTracks
	}
	info.ID = id
	info.MimeType = mimeType
	if r.hostMuted[p.info.Identity][kind] {
		// The host holds this identity's audio (or video) muted: a new
		// track of that kind starts locked, whatever source it claims,
		// so that publishing again cannot escape the lock.
		info.Muted, info.MutedByHost = true, true
		recv.SetMuted(true)
	}
	p.tracks[id] = &publication{info: info, recv: recv}
	var ops []subscribeOp
	for _, o := range r.participants {
		if o != p && o.media != nil && o.info.Permissions.Has(Subscribe) {
			ops = append(ops, subscribeOp{o.media, []*sfu.Receiver{recv}})
		}
	}
	r.emit(Event{Kind: EventTrackPublished, Participant: p.infoLocked(), Track: info}, r.everyone(nil)...)
	if info.MutedByHost {
		// Its publisher learns of the lock as of any host mute.
		r.emit(Event{Kind: EventTrackMuted, Participant: p.infoLocked(), Track: info, ByHost: true}, p)
	}
	r.mu.Unlock()
	runSubscribes(ops)
	return info, nil
}

// Unpublish removes a track: nobody receives it any more.
func (p *Participant) Unpublish(trackID TrackID) {
	r := p.room
	r.mu.Lock()
	t, ok := p.tracks[trackID]
	if !ok {
		r.mu.Unlock()
		return
	}
	delete(p.tracks, trackID)
	var medias []Media
	for _, o := range r.participants {
		if o != p && o.media != nil {
			medias = append(medias, o.media)
		}
	}
	r.emit(Event{Kind: EventTrackUnpublished, Participant: p.infoLocked(), Track: t.info}, r.everyone(nil)...)
	r.mu.Unlock()
	for _, m := range medias {
		m.Unsubscribe(string(trackID))
	}
}

// SetMuted mutes or unmutes one of the participant's own tracks. A track
// the host muted stays muted: ErrMutedByHost.
func (p *Participant) SetMuted(trackID TrackID, muted bool) error {
	r := p.room
	r.mu.Lock()
	defer r.mu.Unlock()
	t, ok := p.tracks[trackID]
	if !ok || p.left {
		return ErrUnknownTrack
	}
	if !muted && t.info.MutedByHost {
		return ErrMutedByHost
	}
	p.setMutedLocked(t, muted, t.info.MutedByHost, false)
	return nil
}

// hostMuteLocked sets or lifts the host's mute on a track's kind. The
// lock is on the participant's identity and the kind (audio: microphone
// and screen audio; video: camera and screen), for as long as the room
// lives: every track of that kind, present or published later, rejoin
// included, is held muted. Lifting it leaves the tracks muted for their
// publisher to unmute. Called with r.mu held, in the same critical
// section as the decision that allowed it, so that no role change can
// come between them.
func (p *Participant) hostMuteLocked(trackID TrackID, muted bool) (TrackInfo, error) {
	r := p.room
	t, ok := p.tracks[trackID]
	if !ok || p.left {
		return TrackInfo{}, ErrUnknownTrack
	}
	kind, id := t.info.Kind, p.info.Identity
	if muted {
		if r.hostMuted[id] == nil {
			r.hostMuted[id] = make(map[TrackKind]bool)
		}
		r.hostMuted[id][kind] = true
	} else if locks := r.hostMuted[id]; locks != nil {
		delete(locks, kind)
		if len(locks) == 0 {
			delete(r.hostMuted, id)
		}
	}
	for _, o := range p.sortedTracksLocked() {
		if o.info.Kind != kind {
			continue
		}
		if muted {
			p.setMutedLocked(o, true, true, true)
		} else {
			p.setMutedLocked(o, o.info.Muted, false, true)
		}
	}
	return t.info, nil
}

// sortedTracksLocked is the participant's publications by track id, so
// that the events of one change go out in a stable order.
func (p *Participant) sortedTracksLocked() []*publication {
	out := make([]*publication, 0, len(p.tracks))
	for _, t := range p.tracks {
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b *publication) int { return strings.Compare(string(a.info.ID), string(b.info.ID)) })
	return out
}

// setMutedLocked applies a mute state and tells the room. byHost changes
// (even ones that leave the state as it was) reach the publisher, so that
// its client learns of the lock. Called with r.mu held.
func (p *Participant) setMutedLocked(t *publication, muted, lock, byHost bool) {
	r := p.room
	t.recv.SetMuted(muted)
	if t.info.Muted == muted && t.info.MutedByHost == lock && !byHost {
		return
	}
	changed := t.info.Muted != muted || t.info.MutedByHost != lock
	t.info.Muted, t.info.MutedByHost = muted, lock
	info := p.infoLocked()
	var to []*Participant
	if byHost {
		to = []*Participant{p}
	}
	r.emit(Event{Kind: EventTrackMuted, Participant: info, Track: t.info, ByHost: byHost}, to...)
	if changed {
		r.emit(Event{Kind: EventUpdated, Participant: info}, r.everyone(nil)...)
	}
}

// RequestUnmute asks the host to lift its mute on one of the
// participant's tracks. A track the host did not mute needs no asking.
func (p *Participant) RequestUnmute(trackID TrackID) error {
	r := p.room
	r.mu.Lock()
	defer r.mu.Unlock()
	t, ok := p.tracks[trackID]
	if !ok || p.left {
		return ErrUnknownTrack
	}
	if t.info.MutedByHost {
		r.emit(Event{Kind: EventUnmuteRequested, Participant: p.infoLocked(), Track: t.info})
	}
	return nil
}

// SendData relays an application message to the participants named in to,
// or to everyone else when to is empty. Unknown recipients are an error.
func (p *Participant) SendData(to []ParticipantID, topic string, payload []byte) error {
	r := p.room
	r.mu.Lock()
	defer r.mu.Unlock()
	if p.left {
		return ErrRoomClosed
	}
	if err := r.decideLocked(Request{Action: ActionSendData, Actor: p.actorLocked(), Policy: r.manager.policyAllowsData(topic)}); err != nil {
		return err
	}
	if r.spec.E2EE == E2EERequired && !looksSealed(payload) {
		return ErrDataNotEncrypted
	}
	e := Event{Kind: EventData, Participant: p.info, Topic: topic, Payload: payload, Recipients: to}
	e.Participant.Tracks = nil
	if len(to) == 0 {
		r.emit(e, r.everyone(p)...)
		return nil
	}
	targets := make([]*Participant, 0, len(to))
	for i, id := range to {
		o, ok := r.participants[id]
		if !ok {
			return ErrUnknownParticipant
		}
		if o != p && !slices.Contains(to[:i], id) {
			targets = append(targets, o)
		}
	}
	r.emit(e, targets...)
	return nil
}

// e2eeCodec reports whether a track of kind and mimeType can be end-to-end
// encrypted: VP8 video and Opus audio.
func e2eeCodec(kind TrackKind, mimeType string) bool {
	if kind == KindVideo {
		return strings.EqualFold(mimeType, "video/VP8")
	}
	return strings.EqualFold(mimeType, "audio/opus")
}

// looksSealed reports whether a data payload has the shape of a sealed
// message (docs/e2ee.md: version 1, type 3, an SFrame header and tag, a
// signature). The server cannot check more: it holds no key.
func looksSealed(b []byte) bool {
	const minSealed = 2 + 1 + 16 + 64
	return len(b) >= minSealed && b[0] == 1 && b[1] == 3
}

// SendE2EE relays an end-to-end encryption message (opaque bytes: a key
// package or an acknowledgement) to one other participant. Both must be
// in a room that requires end-to-end encryption, which gave both keys.
func (p *Participant) SendE2EE(to ParticipantID, payload []byte) error {
	r := p.room
	r.mu.Lock()
	defer r.mu.Unlock()
	if p.left {
		return ErrRoomClosed
	}
	if r.spec.E2EE != E2EERequired || p.info.E2EE == nil {
		return ErrE2EEOff
	}
	o, ok := r.participants[to]
	if !ok || o == p {
		return ErrUnknownParticipant
	}
	if o.info.E2EE == nil {
		return ErrE2EEOff
	}
	e := Event{Kind: EventE2EE, Participant: p.info, Payload: payload, Recipients: []ParticipantID{to}}
	e.Participant.Tracks = nil
	r.emit(e, o)
	return nil
}

// Leave removes the participant from its room. It is safe to call twice.
func (p *Participant) Leave(reason LeaveReason) {
	r := p.room
	r.mu.Lock()
	if p.left {
		r.mu.Unlock()
		return
	}
	p.left = true
	delete(r.participants, p.info.ID)
	if r.identities[p.info.Identity] == p {
		delete(r.identities, p.info.Identity)
	}
	trackIDs := make([]TrackID, 0, len(p.tracks))
	for id := range p.tracks {
		trackIDs = append(trackIDs, id)
	}
	info := p.infoLocked()
	p.tracks = map[TrackID]*publication{}
	var medias []Media
	for _, o := range r.participants {
		if o.media != nil {
			medias = append(medias, o.media)
		}
	}
	r.emit(Event{Kind: EventLeft, Participant: info, Reason: reason}, r.everyone(nil)...)
	r.lobbyStatusLocked()
	if len(r.participants) == 0 && len(r.lobby) == 0 && !r.closed {
		r.armEmptyTimer()
	}
	r.mu.Unlock()
	for _, m := range medias {
		for _, id := range trackIDs {
			m.Unsubscribe(string(id))
		}
	}
}
