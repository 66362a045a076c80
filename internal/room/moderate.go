package room

import (
	"context"
	"fmt"
	"time"

	"github.com/conclave-video/conclave/internal/sfu"
	"github.com/conclave-video/conclave/protocol"
	"github.com/conclave-video/conclave/token"
)

// Actor is who acts inside a room: a participant, with the role and
// permissions the room holds for it now, or the room's owner.
type Actor struct {
	// Owner is the room's owner acting through the REST API (a roomAdmin
	// token of the API key or account that owns the room, checked by
	// ActionAdministerRoom first). It made the roles and is above all of
	// them, hosts included.
	Owner bool
	// Key is the owner's key id, for the record.
	Key         KeyID
	ID          ParticipantID
	Identity    Identity
	Role        Role
	Permissions Permissions
}

// name is how security events name the actor.
func (a Actor) name() string {
	switch {
	case a.Owner:
		return "owner:" + string(a.Key)
	case a.Identity == "":
		return "server"
	}
	return string(a.Identity)
}

// inRoom reports whether a is an action inside a room, decided on the
// actor's role rather than on a token.
func (a Action) inRoom() bool { return a >= ActionPublish && a <= ActionSetLobby }

// moderation reports whether a acts on others or on the meeting: each
// such decision, admitted or refused, is an EventDecision.
func (a Action) moderation() bool { return a >= ActionMuteOther && a <= ActionSetLobby }

// permission is what an action inside a room needs.
func (a Action) permission(source TrackSource) Permission {
	switch a {
	case ActionPublish:
		if source == "" {
			return 0 // decided below: any publish permission will do
		}
		return source.permission()
	case ActionSendData:
		return PublishData
	case ActionMuteOther:
		return MuteOthers
	case ActionRemove:
		return Remove
	case ActionSetRole:
		return ChangeRoles
	case ActionLock:
		return Lock
	case ActionEndMeeting:
		return EndMeeting
	case ActionAdmitGuest, ActionDenyGuest:
		return Admit
	case ActionSetPassword, ActionSetLobby:
		// Who may get in is the lock's question: the same permission.
		return Lock
	case ActionShareInvite:
		return ShareInvite
	}
	return ^Permission(0) // nothing holds every bit: deny
}

// decideInRoom is the role decision: whether the actor may do the action,
// and to the target. It is part of decide, the one decision, and as pure.
// The rules (docs/access.md):
//   - the organisation's policy, when it refuses, comes first;
//   - the role must allow the action (role_denied), and the token's grants
//     too (permission_denied): a role never gives more than its token;
//   - an actor acts only on roles strictly below its own (role_rank):
//     hosts are peers, so a host never mutes, removes or demotes another
//     host, and nobody acts on itself this way;
//   - a ban is a removal that needs the Ban permission too; only the
//     owner bans an identity whose role the room does not know;
//   - a role change gives at most the actor's own role;
//   - the room's owner (REST) is above every role and needs no permission.
func decideInRoom(req Request) Decision {
	a := req.Actor
	d := Decision{Action: req.Action, Room: req.Room, Identity: a.Identity, Key: a.Key}
	refuse := func(err error) Decision { d.Outcome, d.Err = Refused, err; return d }
	if req.Policy != nil {
		return refuse(req.Policy)
	}
	if !a.Owner {
		if req.Action == ActionPublish && req.Source == "" {
			// An offer: whether it may carry media at all.
			switch {
			case Permission(a.Role.Permissions())&publishAll == 0:
				return refuse(ErrRoleDenied)
			case Permission(a.Permissions)&publishAll == 0:
				return refuse(ErrPermissionDenied)
			}
		} else {
			need := req.Action.permission(req.Source)
			if req.Action == ActionRemove && req.Ban {
				need |= Ban
			}
			switch {
			case !a.Role.Permissions().Has(need):
				return refuse(ErrRoleDenied)
			case !a.Permissions.Has(need):
				return refuse(ErrPermissionDenied)
			}
		}
	}
	switch req.Action {
	case ActionMuteOther, ActionRemove, ActionSetRole:
		switch {
		case req.Target.Valid():
			if !a.Owner && req.Target.rank() >= a.Role.rank() {
				return refuse(ErrOutranked)
			}
		case req.Action == ActionRemove && req.Ban && a.Owner && req.Subject != "":
			// A ban may name an identity the room has not seen, whose
			// role nobody knows: only the owner, above every role, bans
			// one, so that no host or moderator can shut out a host who
			// has not arrived yet.
		default:
			return refuse(ErrUnknownParticipant)
		}
	}
	if req.Action == ActionShareInvite && req.NewRole != RoleViewer && req.NewRole != RoleParticipant {
		// A guest never arrives with power over others: a moderator or
		// host is made in the room, by the rank rule.
		return refuse(ErrInviteRole)
	}
	if req.Action == ActionSetRole {
		if !req.NewRole.Valid() {
			return refuse(ErrBadRole)
		}
		if !a.Owner && req.NewRole.rank() > a.Role.rank() {
			return refuse(ErrOutranked)
		}
	}
	d.Outcome = Admitted
	return d
}

// actor is the participant as the decision sees it. Called with r.mu held.
func (p *Participant) actorLocked() Actor {
	return Actor{ID: p.info.ID, Identity: p.info.Identity, Role: p.info.Role, Permissions: p.info.Permissions, Key: p.room.spec.Owner}
}

// decideLocked decides req in r and records it: a moderation decision is
// an EventDecision either way, and a refusal of any action also an
// action_refused security event. Called with r.mu held.
func (r *Room) decideLocked(req Request) error {
	req.Room = r.spec.Name
	d := decide(req, roomState{})
	if d.Outcome == Admitted {
		if req.Action.moderation() {
			r.emit(Event{Kind: EventDecision, Decision: &d})
		}
		return nil
	}
	r.emit(Event{Kind: EventDecision, Decision: &d})
	r.security(SecurityEvent{
		Kind: SecurityActionRefused, Outcome: OutcomeRefused,
		Reason: req.Action.String() + ": " + d.Code(), Actor: req.Actor.name(), Subject: string(req.Subject),
	})
	return d.Err
}

// security emits a security event of this room. Called with r.mu held.
func (r *Room) security(ev SecurityEvent) {
	r.emit(Event{Kind: EventSecurity, Security: &ev})
}

// targetByID finds a participant by id, for the decision: its role, or ""
// when it is not in the room. Called with r.mu held.
func (r *Room) targetByID(id ParticipantID) (*Participant, Role, Identity) {
	if t, ok := r.participants[id]; ok {
		return t, t.info.Role, t.info.Identity
	}
	return nil, "", ""
}

func (r *Room) targetByIdentity(id Identity) (*Participant, Role) {
	if t, ok := r.identities[id]; ok {
		return t, t.info.Role
	}
	return nil, ""
}

// MuteOther mutes (or lifts the mute on) another participant's track, as a
// host's mute: a lock its publisher cannot lift (see hostMute).
func (p *Participant) MuteOther(target ParticipantID, track TrackID, muted bool) error {
	r := p.room
	r.mu.Lock()
	defer r.mu.Unlock()
	if p.left {
		return ErrRoomClosed
	}
	t, role, identity := r.targetByID(target)
	if err := r.decideLocked(Request{Action: ActionMuteOther, Actor: p.actorLocked(), Target: role, Subject: identity}); err != nil {
		return err
	}
	_, err := t.hostMuteLocked(track, muted)
	return err
}

// SetRole gives another participant a role, live: see setRoleLocked.
func (p *Participant) SetRole(target ParticipantID, role Role) error {
	r := p.room
	r.moderation.Lock()
	defer r.moderation.Unlock()
	r.mu.Lock()
	if p.left {
		r.mu.Unlock()
		return ErrRoomClosed
	}
	t, old, identity := r.targetByID(target)
	err := r.decideLocked(Request{Action: ActionSetRole, Actor: p.actorLocked(), Target: old, Subject: identity, NewRole: role})
	var stop func()
	if err == nil {
		_, stop = r.setRoleLocked(p.actorLocked(), t, role)
	}
	r.mu.Unlock()
	if stop != nil {
		stop()
	}
	return err
}

// setRoleLocked applies a role change at once: the participant's
// permissions become the new role's, narrowed by its token's grants as at
// join; tracks and announcements it may no longer publish are stopped and
// unpublished; everyone, the participant first, is told (EventRoleChanged).
// The returned function stops the media and must run after r.mu is
// released. Called with r.mu held.
func (r *Room) setRoleLocked(a Actor, t *Participant, role Role) (ParticipantInfo, func()) {
	old := t.info.Role
	t.info.Role = role
	r.roles[t.info.Identity] = role
	r.lastRole[t.info.Identity] = role
	t.info.Permissions = role.Permissions() & t.grants &^ r.manager.baseState().policyDeny
	stop := r.stopDisallowedLocked(t, false)
	info := t.infoLocked()
	r.emit(Event{Kind: EventRoleChanged, Participant: info, Actor: a.ID}, append([]*Participant{t}, r.everyone(t)...)...)
	r.security(SecurityEvent{
		Kind: SecurityRoleChanged, Outcome: OutcomeSucceeded, Reason: fmt.Sprintf("%s->%s", old, role),
		Actor: a.name(), Subject: string(t.info.Identity),
	})
	if t.info.Permissions.Has(Admit) && !old.Permissions().Has(Admit) {
		for _, g := range r.lobbyLocked() {
			t.listener.OnEvent(Event{Kind: EventLobbyGuest, Time: r.manager.now(), Room: r.spec.Name, Guest: &g})
		}
	}
	r.lobbyStatusLocked()
	if stop == nil {
		stop = func() {}
	}
	return info, stop
}

func closeReceiver(r *sfu.Receiver) {
	if r != nil {
		r.Close()
	}
}

// Meeting returns whether the meeting is locked, and when it ends (zero:
// never).
func (p *Participant) Meeting() (locked bool, endsAt time.Time) {
	r := p.room
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.locked, r.endsAt
}

// SetLocked locks or unlocks the meeting.
func (p *Participant) SetLocked(locked bool) error {
	r := p.room
	return r.setLocked(func() (Actor, error) {
		if p.left {
			return Actor{}, ErrRoomClosed
		}
		return p.actorLocked(), nil
	}, locked)
}

// setLocked is the one lock change, whoever asks: the role decision on
// the actor whom (called under r.mu) names, then the store, then the
// room. The lock is stored with the room, so a restart keeps it; a
// change the store cannot take is not made (ErrUnavailable). Lock
// changes are taken one at a time (r.moderation), so the store and the
// room see them in the same order, and on the roles they were decided
// on.
func (r *Room) setLocked(whom func() (Actor, error), locked bool) error {
	r.moderation.Lock()
	defer r.moderation.Unlock()
	r.mu.Lock()
	a, err := whom()
	if err == nil {
		err = r.decideLocked(Request{Action: ActionLock, Actor: a})
	}
	same, maxDuration := r.locked == locked, r.spec.MaxDuration
	r.mu.Unlock()
	if err != nil || same {
		return err
	}
	if err := r.saveState(locked, maxDuration); err != nil {
		return err
	}
	r.mu.Lock()
	r.setLockedLocked(a, locked)
	r.mu.Unlock()
	return nil
}

// saveState stores the room's lock and maximum duration. Called with
// r.moderation held, not r.mu.
func (r *Room) saveState(locked bool, maxDuration time.Duration) error {
	m := r.manager
	if m.cfg.Store == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	if err := m.cfg.Store.SaveRoomState(ctx, r.spec.Name, r.createdAt, locked, maxDuration); err != nil {
		m.cfg.Logger.Error("room state not stored", "room", r.spec.Name, "err", err)
		return wrapUnavailable(err)
	}
	return nil
}

// setLockedLocked sets the lock and tells everyone; setting it to what it
// is changes nothing and tells nobody. Called with r.mu held.
func (r *Room) setLockedLocked(a Actor, locked bool) {
	if r.locked == locked || r.closed {
		return
	}
	r.locked = locked
	kind, sk := EventMeetingUnlocked, SecurityMeetingUnlocked
	if locked {
		kind, sk = EventMeetingLocked, SecurityMeetingLocked
	}
	r.emit(Event{Kind: kind, Actor: a.ID}, r.everyone(nil)...)
	r.security(SecurityEvent{Kind: sk, Outcome: OutcomeSucceeded, Actor: a.name()})
	if locked {
		// A lock admits nobody new: those waiting too.
		r.denyAllLocked(a, ErrMeetingLocked, protocol.LobbyLocked)
	}
}

// EndMeeting ends the meeting for everyone: every participant is told
// (leave{meeting_ended}) and the room is closed and forgotten.
func (p *Participant) EndMeeting() error {
	r := p.room
	// Held until the meeting has ended, so that no role change comes
	// between the decision and the end it allowed.
	r.moderation.Lock()
	defer r.moderation.Unlock()
	r.mu.Lock()
	if p.left {
		r.mu.Unlock()
		return ErrRoomClosed
	}
	a := p.actorLocked()
	err := r.decideLocked(Request{Action: ActionEndMeeting, Actor: a})
	r.mu.Unlock()
	if err != nil {
		return err
	}
	return r.manager.end(r, a, ReasonMeetingEnded)
}

// end closes r for reason, as an action of a (the server's own for a
// duration limit): the store forgets it first. A host's or the owner's end
// that the store cannot record changes nothing (unavailable: retry); the
// duration limit closes the room anyway, so that a full disk never
// prolongs a meeting (a restart would bring it back empty, its time
// already counted, and end it again).
func (m *Manager) end(r *Room, a Actor, reason LeaveReason) error {
	m.mu.Lock()
	if m.rooms[r.spec.Name] == r {
		if err := m.forget(r.spec.Name); err != nil {
			if reason != ReasonMaxDuration {
				m.mu.Unlock()
				return err
			}
			m.cfg.Logger.Error("ended room stays in the store", "room", r.spec.Name, "err", err)
		} else {
			delete(m.rooms, r.spec.Name)
		}
	}
	m.mu.Unlock()
	r.mu.Lock()
	if !r.closed {
		r.security(SecurityEvent{Kind: SecurityMeetingEnded, Outcome: OutcomeSucceeded, Reason: string(reason), Actor: a.name()})
	}
	r.mu.Unlock()
	r.close(reason)
	return nil
}

// SetRole gives the participant with identity in owner's room a role, as
// the room's owner (REST): see setRoleLocked.
func (m *Manager) SetRole(name RoomName, by *token.Claims, identity Identity, role Role) (ParticipantInfo, error) {
	r, err := m.ownedRoom(name, KeyID(by.Issuer))
	if err != nil {
		return ParticipantInfo{}, err
	}
	r.moderation.Lock()
	defer r.moderation.Unlock()
	r.mu.Lock()
	a := r.restActorLocked(by)
	t, old := r.targetByIdentity(identity)
	if err := r.decideLocked(Request{Action: ActionSetRole, Actor: a, Target: old, Subject: identity, NewRole: role}); err != nil {
		r.mu.Unlock()
		return ParticipantInfo{}, err
	}
	info, stop := r.setRoleLocked(a, t, role)
	r.mu.Unlock()
	stop()
	return info, nil
}

// SetLocked locks or unlocks owner's room, as its owner (REST).
func (m *Manager) SetLocked(name RoomName, by *token.Claims, locked bool) (Info, error) {
	r, err := m.ownedRoom(name, KeyID(by.Issuer))
	if err != nil {
		return Info{}, err
	}
	if err := r.setLocked(func() (Actor, error) { return r.restActorLocked(by), nil }, locked); err != nil {
		return Info{}, err
	}
	return r.Info(), nil
}

// End ends a meeting through the REST API (DELETE /v1/rooms/{room} with
// room_deleted, POST …/end with meeting_ended): every participant is told
// and the room is forgotten, with a meeting_ended security event.
func (m *Manager) End(name RoomName, by *token.Claims, reason LeaveReason) error {
	r, err := m.ownedRoom(name, KeyID(by.Issuer))
	if err != nil {
		return err
	}
	r.moderation.Lock()
	defer r.moderation.Unlock()
	r.mu.Lock()
	a := r.restActorLocked(by)
	err = r.decideLocked(Request{Action: ActionEndMeeting, Actor: a})
	r.mu.Unlock()
	if err != nil {
		return err
	}
	return m.end(r, a, reason)
}

// restActorLocked is whom a REST call with claims (admitted for
// ActionAdministerRoom: a roomAdmin token of the room's owner) acts as. A
// host's own join token carries roomAdmin too, so the token's identity
// decides: the participant it names, if it is in the room, acting on its
// role now; the role it last held in the room, if it left; only an
// identity that never was in the room acts as the room's owner, above
// every role. So hosts stay peers and a demotion holds
// on every path. Called with r.mu held.
func (r *Room) restActorLocked(c *token.Claims) Actor {
	id := Identity(c.Subject)
	if p, ok := r.identities[id]; ok && id != "" {
		return p.actorLocked()
	}
	if role, ok := r.lastRole[id]; ok && id != "" {
		return Actor{Identity: id, Role: role, Permissions: role.Permissions() & grantMask(c.Grants), Key: KeyID(c.Issuer)}
	}
	return Actor{Owner: true, Key: KeyID(c.Issuer)}
}
