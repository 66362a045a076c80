package room

import (
	"slices"

	"github.com/conclave-video/conclave/internal/sfu"
)

// Participant is one connection in a room.
type Participant struct {
	room *Room
	sink Sink

	// Guarded by room.mu.
	info    ParticipantInfo
	media   Media
	tracks  map[string]*publication
	pending map[string]TrackInfo // announced by add_track, by client id
	left    bool
}

type publication struct {
	info TrackInfo
	recv *sfu.Receiver
}

type subscribeOp struct {
	media Media
	recv  *sfu.Receiver
}

// ID returns the participant's id.
func (p *Participant) ID() string { return p.info.ID }

// Identity returns the participant's identity.
func (p *Participant) Identity() string { return p.info.Identity }

// RoomName returns the name of the participant's room.
func (p *Participant) RoomName() string { return p.room.spec.Name }

// Permissions returns what the participant may do.
func (p *Participant) Permissions() Permissions { return p.info.Permissions }

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
	var ops []subscribeOp
	if p.info.Permissions.Subscribe {
		for _, o := range r.participants {
			if o == p {
				continue
			}
			for _, t := range o.tracks {
				ops = append(ops, subscribeOp{m, t.recv})
			}
		}
	}
	r.mu.Unlock()
	runSubscribes(ops)
}

func runSubscribes(ops []subscribeOp) {
	for _, op := range ops {
		_ = op.media.Subscribe(op.recv) // fails only when that participant is leaving
	}
}

// AnnounceTrack records what a track the client is about to publish carries.
func (p *Participant) AnnounceTrack(cid string, kind TrackKind, source TrackSource, name string) error {
	if !p.info.Permissions.Publish {
		return ErrPermissionDenied
	}
	r := p.room
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(p.pending) >= maxPendingTracks {
		return ErrTooManyTracks
	}
	p.pending[cid] = TrackInfo{CID: cid, Kind: kind, Source: source, Name: name}
	return nil
}

// Publish adds a track received from this participant and forwards it to
// everyone who may subscribe.
func (p *Participant) Publish(id, cid string, kind TrackKind, mimeType string, recv *sfu.Receiver) (TrackInfo, error) {
	if !p.info.Permissions.Publish {
		return TrackInfo{}, ErrPermissionDenied
	}
	r := p.room
	r.mu.Lock()
	if p.left || r.closed {
		r.mu.Unlock()
		return TrackInfo{}, ErrRoomClosed
	}
	if len(p.tracks) >= MaxTracksPerParticipant {
		r.mu.Unlock()
		return TrackInfo{}, ErrTooManyTracks
	}
	info, ok := p.pending[cid]
	delete(p.pending, cid)
	if !ok || info.Kind != kind {
		info = TrackInfo{CID: cid, Kind: kind, Source: SourceMicrophone}
		if kind == KindVideo {
			info.Source = SourceCamera
		}
	}
	info.ID = id
	info.MimeType = mimeType
	p.tracks[id] = &publication{info: info, recv: recv}
	var ops []subscribeOp
	for _, o := range r.participants {
		if o != p && o.media != nil && o.info.Permissions.Subscribe {
			ops = append(ops, subscribeOp{o.media, recv})
		}
		o.sink.TrackPublished(p.info.ID, info)
	}
	r.mu.Unlock()
	runSubscribes(ops)
	return info, nil
}

// Unpublish removes a track: nobody receives it any more.
func (p *Participant) Unpublish(trackID string) {
	r := p.room
	r.mu.Lock()
	if _, ok := p.tracks[trackID]; !ok {
		r.mu.Unlock()
		return
	}
	delete(p.tracks, trackID)
	var medias []Media
	for _, o := range r.participants {
		if o != p && o.media != nil {
			medias = append(medias, o.media)
		}
		o.sink.TrackUnpublished(p.info.ID, trackID)
	}
	r.mu.Unlock()
	for _, m := range medias {
		m.Unsubscribe(trackID)
	}
}

// SetMuted mutes or unmutes one of the participant's own tracks.
func (p *Participant) SetMuted(trackID string, muted bool) error {
	_, err := p.setMuted(trackID, muted)
	return err
}

func (p *Participant) setMuted(trackID string, muted bool) (TrackInfo, error) {
	r := p.room
	r.mu.Lock()
	t, ok := p.tracks[trackID]
	if !ok {
		r.mu.Unlock()
		return TrackInfo{}, ErrUnknownTrack
	}
	t.recv.SetMuted(muted)
	if t.info.Muted == muted {
		r.mu.Unlock()
		return t.info, nil
	}
	t.info.Muted = muted
	info := p.infoLocked()
	for _, o := range r.participants {
		o.sink.ParticipantUpdated(info)
	}
	r.mu.Unlock()
	return t.info, nil
}

// SendData relays an application message to the participants named in to,
// or to everyone else when to is empty. Unknown recipients are an error.
func (p *Participant) SendData(to []string, topic string, payload []byte) error {
	if !p.info.Permissions.PublishData {
		return ErrPermissionDenied
	}
	r := p.room
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(to) == 0 {
		for _, o := range r.participants {
			if o != p {
				o.sink.Data(p.info.ID, topic, payload)
			}
		}
		return nil
	}
	for _, id := range to {
		if _, ok := r.participants[id]; !ok {
			return ErrUnknownParticipant
		}
	}
	for i, id := range to {
		if o := r.participants[id]; o != p && !slices.Contains(to[:i], id) {
			o.sink.Data(p.info.ID, topic, payload)
		}
	}
	return nil
}

// Leave removes the participant from its room. It is safe to call twice.
func (p *Participant) Leave(reason string) {
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
	trackIDs := make([]string, 0, len(p.tracks))
	for id := range p.tracks {
		trackIDs = append(trackIDs, id)
	}
	p.tracks = map[string]*publication{}
	var medias []Media
	for _, o := range r.participants {
		if o.media != nil {
			medias = append(medias, o.media)
		}
		o.sink.ParticipantLeft(p.info.ID, reason)
	}
	if len(r.participants) == 0 && !r.closed {
		r.armEmptyTimer()
	}
	r.mu.Unlock()
	for _, m := range medias {
		for _, id := range trackIDs {
			m.Unsubscribe(id)
		}
	}
}
