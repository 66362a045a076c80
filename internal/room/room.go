package room

import (
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/conclave-video/conclave/protocol"
)

// Room is one meeting.
type Room struct {
	spec      Spec
	joins     uint64 // participants admitted so far (r.mu): the next one's seq
	manager   *Manager
	createdAt time.Time

	// moderation serialises removals, role changes and ending the
	// meeting, so that each acts on the roles it was decided on
	// (access.go, moderate.go). Taken before mu.
	moderation   sync.Mutex
	mu           sync.Mutex
	closed       bool
	participants map[ParticipantID]*Participant
	identities   map[Identity]*Participant
	// hostMuted holds the host's mute locks by identity and track kind.
	// They outlive a participant's stay, so that leaving and joining again
	// cannot escape them, and end with the room.
	hostMuted  map[Identity]map[TrackKind]bool
	emptyTimer Timer
	// locked: a host locked the meeting (moderate.go).
	locked bool
	// roles holds the role last given to each identity in this room. Like
	// the host's mutes it outlives a stay: a demoted host that leaves and
	// joins again with its old token stays demoted.
	roles map[Identity]Role
	// lobby holds the guests waiting, in order of arrival; admitted the
	// identities a host admitted from it, which join again without
	// waiting for the room's life, unless removed (lobby.go).
	lobby    []*waiter
	admitted map[Identity]bool
	// lastRole is the role each identity last held in this room: at
	// admission, or given since. A REST token of an identity that left
	// acts with it (restActorLocked), never as the room's owner.
	lastRole map[Identity]Role
	// invites holds the meeting invite each guest identity came by (its
	// token's invite claim), for as long as the room lives, so that a ban
	// can revoke the invite of a guest who has left.
	invites map[Identity]string
	// endsAt is when the maximum duration ends the meeting (zero: never);
	// endTimers warn and end it (duration.go).
	endsAt    time.Time
	endTimers []Timer
}

// Info returns the room's state.
func (r *Room) Info() Info {
	r.mu.Lock()
	defer r.mu.Unlock()
	return Info{
		Name:            r.spec.Name,
		MaxParticipants: r.spec.MaxParticipants,
		EmptyTimeout:    int64(r.spec.EmptyTimeout / time.Second),
		CreatedAt:       r.createdAt,
		NumParticipants: len(r.participants),
		E2EE:            r.spec.E2EE,
		Owner:           r.spec.Owner,
		Locked:          r.locked,
		MaxDuration:     int64(r.spec.MaxDuration / time.Second),
		EndsAt:          r.endsAtPtr(),
		Password:        r.spec.PasswordHash != "",
		PasswordHash:    r.spec.PasswordHash,
		Lobby:           r.spec.Lobby == LobbyOn,
		LobbyWaiting:    len(r.lobby),
		InviteOnly:      r.spec.InviteOnly,

		MaxPublishBitrate: r.spec.MaxPublishBitrate,
	}
}

// emit stamps e with the room and the time and delivers it: to the
// listener of each participant in to, then once to the manager's
// subscribers. Called with r.mu held, so every listener sees the room's
// events in order.
func (r *Room) emit(e Event, to ...*Participant) {
	e.Room = r.spec.Name
	e.Time = r.manager.now()
	for _, p := range to {
		p.listener.OnEvent(e)
	}
	r.manager.publish(e)
}

// everyone returns the room's participants, except skip (nil: none).
// Called with r.mu held.
func (r *Room) everyone(skip *Participant) []*Participant {
	out := make([]*Participant, 0, len(r.participants))
	for _, p := range r.participants {
		if p != skip {
			out = append(out, p)
		}
	}
	return out
}

// armEmptyTimer closes the room once it has been empty for its timeout.
// Called with r.mu held or before r is shared.
func (r *Room) armEmptyTimer() {
	if r.emptyTimer != nil {
		r.emptyTimer.Stop()
	}
	r.emptyTimer = r.manager.cfg.AfterFunc(r.spec.EmptyTimeout, func() {
		r.mu.Lock()
		empty := len(r.participants) == 0 && len(r.lobby) == 0 && !r.closed
		r.mu.Unlock()
		if !empty {
			return
		}
		if r.manager.deleteIfEmpty(r) {
			r.manager.cfg.Logger.Info("room closed after empty timeout", "room", r.spec.Name)
		}
	})
}

// join decides on the request against the room's current state and, if
// admitted, adds the participant, all under r.mu.
func (r *Room) join(dreq Request, req JoinRequest) (Member, Decision, error) {
	m := r.manager
	r.mu.Lock()
	defer r.mu.Unlock()
	st := m.baseState()
	r.stateLocked(&st, req.Claims)
	d := decide(dreq, st)
	if d.Outcome == WaitInLobby && req.OnAdmit != nil {
		r.emit(Event{Kind: EventDecision, Decision: &d})
		d.Lobby = r.enqueueLocked(d, req)
		return nil, d, nil
	}
	r.emit(Event{Kind: EventDecision, Decision: &d})
	m.refusalSecurity(d)
	if d.Outcome != Admitted {
		if d.Err == nil {
			// A lobby outcome for a join that cannot wait.
			d.Outcome, d.Err = Refused, ErrPermissionDenied
		}
		return nil, d, d.Err
	}
	if d.LobbySkipped != "" {
		r.security(SecurityEvent{Kind: SecurityLobbySkipped, Outcome: OutcomeSucceeded, Reason: d.LobbySkipped,
			Subject: string(d.Identity)})
	}
	return r.addLocked(d, st, req), d, nil
}

// addLocked adds the participant d admitted, and tells it and everyone.
// Called with r.mu held.
func (r *Room) addLocked(d Decision, st roomState, req JoinRequest) *Participant {
	m := r.manager
	var keys *E2EEKeys
	if st.e2ee {
		// Kept only where used, and copied: the request's bytes are the
		// caller's.
		keys = &E2EEKeys{
			IdentityKey: slices.Clone(req.E2EE.IdentityKey), KEMKey: slices.Clone(req.E2EE.KEMKey),
			Signature: slices.Clone(req.E2EE.Signature),
		}
		if f := m.tamper.Load(); f != nil && *f != nil {
			(*f)(d.Identity, keys)
		}
	}
	c := req.Claims
	r.joins++
	p := &Participant{
		seq:      r.joins,
		room:     r,
		listener: req.Listener,
		jtis:     []string{c.ID},
		info: ParticipantInfo{
			ID:          ParticipantID(newID("PA_")),
			Identity:    d.Identity,
			Name:        c.Name,
			JoinedAt:    m.cfg.Now().Unix(),
			Role:        d.Role,
			Permissions: d.Permissions,
			E2EE:        keys,
			Member:      c.Member != "",
			Addr:        req.Addr,
		},
		grants:  grantMask(c.Grants),
		tracks:  make(map[TrackID]*publication),
		pending: make(map[string]TrackInfo),
	}
	others := r.participantsLocked()
	r.participants[p.info.ID] = p
	r.identities[p.info.Identity] = p
	r.lastRole[p.info.Identity] = p.info.Role
	if c.Invite != "" {
		r.invites[p.info.Identity] = c.Invite
	}
	if r.emptyTimer != nil {
		r.emptyTimer.Stop()
	}
	info := p.infoLocked()
	// The newcomer's own confirmation comes first, with everyone else.
	own := Event{
		Kind: EventJoined, Time: m.now(), Room: r.spec.Name, Participant: info, Others: others, E2EE: st.e2ee,
		Locked: r.locked, EndsAt: r.endsAt, LobbyOn: r.spec.Lobby == LobbyOn,
	}
	if info.Permissions.Has(Admit) {
		own.Lobby = r.lobbyLocked()
	}
	p.listener.OnEvent(own)
	r.emit(Event{Kind: EventJoined, Participant: info}, r.everyone(p)...)
	r.lobbyStatusLocked()
	return p
}

// Participants returns every participant's state, by join time.
func (r *Room) Participants() []ParticipantInfo {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.participantsLocked()
}

func (r *Room) participantsLocked() []ParticipantInfo {
	ps := make([]*Participant, 0, len(r.participants))
	for _, p := range r.participants {
		ps = append(ps, p)
	}
	// In join order, which JoinedAt (whole seconds) cannot tell apart.
	sort.Slice(ps, func(i, j int) bool { return ps[i].seq < ps[j].seq })
	out := make([]ParticipantInfo, 0, len(ps))
	for _, p := range ps {
		out = append(out, p.infoLocked())
	}
	return out
}

func (r *Room) close(reason LeaveReason) {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return
	}
	r.closed = true
	if r.emptyTimer != nil {
		r.emptyTimer.Stop()
	}
	for _, t := range r.endTimers {
		t.Stop()
	}
	r.denyAllLocked(Actor{}, errRoomClosedFor(reason), protocol.LobbyClosed)
	ps := r.everyone(nil)
	for _, p := range ps {
		r.emit(Event{Kind: EventRemoved, Participant: p.infoLocked(), Reason: reason}, p)
	}
	r.mu.Unlock()
	for _, p := range ps {
		p.Leave(reason)
	}
	r.mu.Lock()
	r.emit(Event{Kind: EventRoomClosed, Reason: reason})
	r.mu.Unlock()
}
