package room

import (
	"context"
	"errors"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/conclave-video/conclave/protocol"
	"github.com/conclave-video/conclave/token"
)

// Removal, bans and token revocation (docs/access.md, "Removal, bans and
// revocation"). Room decides; the records live behind Access, which the
// server backs with auth's revocation list (in memory in front of the
// store). Every record is scoped by the room's owner, the issuer of the
// tokens it refuses.

// Access keeps revocations and bans for the rooms. Banned and Bans read
// memory only: Banned is called under a room's lock on every join and
// resume. The writes reach the store before they return; an error means
// nothing was recorded.
type Access interface {
	Banned(owner KeyID, room RoomName, identity Identity, roomCreated time.Time) bool
	Bans(owner KeyID, room RoomName, roomCreated time.Time) []BanInfo
	RevokeIdentity(ctx context.Context, owner KeyID, room RoomName, identity Identity, by string) error
	RevokeToken(ctx context.Context, owner KeyID, room RoomName, jti, by string) error
	// Remove records a removal: all of it, in one write, or nothing.
	Remove(ctx context.Context, r Removal) error
	// Revoked reports whether a revocation refuses c (memory only): room
	// asks again under its lock at a join or resume, so that a token
	// verified just before its revocation was stored cannot slip in after
	// the revocation disconnected everyone it names.
	Revoked(c *token.Claims) bool
	// Unban returns ErrBanNotFound if there is no such ban.
	Unban(ctx context.Context, owner KeyID, room RoomName, identity Identity) error
}

// Removal is what a removal records: every token Identity holds for the
// room is revoked (its not-before becomes now) and, with Ban, its future
// tokens are refused too.
type Removal struct {
	Owner       KeyID
	Room        RoomName
	RoomCreated time.Time
	Identity    Identity
	By          string
	Ban         *BanRequest
	// Invite is the meeting invite revoked with the ban ("": none).
	Invite string
}

// BanRequest asks Remove to ban the identity as well.
type BanRequest struct {
	// Until ends the ban; zero bans for the room's life.
	Until  time.Time
	Reason string
	// RevokeInvite revokes, with the ban, the meeting invite the
	// identity came by (docs/access.md, "Invites"): the other guest
	// tokens redeemed from it are refused too. An identity that did not
	// come by an invite is refused with ErrNoInvite, and nothing is
	// done.
	RevokeInvite bool
}

// BanInfo is a ban in force.
type BanInfo struct {
	Identity  Identity  `json:"identity"`
	CreatedAt time.Time `json:"created_at"`
	// Until is when it ends; nil for the room's life.
	Until  *time.Time `json:"until"`
	By     string     `json:"by"`
	Reason string     `json:"reason"`
}

// Limits of bans; auth's revocation list enforces the same.
const (
	// MaxBanDuration bounds a timed ban; a longer one is for the room's
	// life.
	MaxBanDuration = protocol.MaxBanSeconds * time.Second
	// MaxBanReasonBytes bounds a ban's reason.
	MaxBanReasonBytes = 256
	// accessTimeout bounds one write of a revocation or ban.
	accessTimeout = 10 * time.Second
)

// ValidBanReason reports whether s is a ban's reason: at most
// MaxBanReasonBytes of UTF-8 without control characters.
func ValidBanReason(s string) bool {
	if len(s) > MaxBanReasonBytes || !utf8.ValidString(s) {
		return false
	}
	for _, c := range s {
		if c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == '\u2028' || c == '\u2029' {
			return false
		}
	}
	return true
}

// access is the configured Access, or errNoAccess's stand-in.
func (m *Manager) access() (Access, error) {
	if m.cfg.Access == nil {
		return nil, errNoAccess
	}
	return m.cfg.Access, nil
}

var errNoAccess = errors.New("room: no revocation list configured")

// revoked reports whether a revocation refuses c.
func (m *Manager) revoked(c *token.Claims) bool {
	return m.cfg.Access != nil && c != nil && m.cfg.Access.Revoked(c)
}

// banned reports whether identity is banned from owner's room, the one
// created at created (zero: none exists).
func (m *Manager) banned(owner KeyID, name RoomName, identity Identity, created time.Time) bool {
	return m.cfg.Access != nil && identity != "" && m.cfg.Access.Banned(owner, name, identity, created)
}

// Remove takes the participant with identity out of the room name, as
// the REST API asks with the token by (admitted for ActionAdministerRoom:
// a roomAdmin token of the room's owner). Room decides whom the token acts
// as (restActorLocked): the participant it names, on its role now, or the
// owner, above every role. With ban, the identity is banned too, which
// needs the Ban permission, and need not be in the room. See remove.
func (m *Manager) Remove(name RoomName, by *token.Claims, identity Identity, ban *BanRequest) error {
	r, err := m.ownedRoom(name, KeyID(by.Issuer))
	if err != nil {
		return err
	}
	return r.remove(func() (Actor, Identity, error) { return r.restActorLocked(by), identity, nil }, ban)
}

// RemoveOther takes another participant out of the room, as signaling's
// remove_participant asks; with ban, it bans its identity too. See
// remove.
func (p *Participant) RemoveOther(target ParticipantID, ban *BanRequest) error {
	r := p.room
	return r.remove(func() (Actor, Identity, error) {
		if p.left {
			return Actor{}, "", ErrRoomClosed
		}
		var identity Identity
		if t, ok := r.participants[target]; ok {
			identity = t.info.Identity
		}
		return p.actorLocked(), identity, nil
	}, ban)
}

// remove is the one removal, whoever asks. The actor and the identity it
// acts on (whom, called under r.mu; "" for nobody in the room) are decided
// by the role decision: ActionRemove, plus the Ban permission for a ban,
// on a target strictly below its role (decideInRoom). Then every token the
// identity holds for the room is revoked (its not-before becomes now), and
// with ban its future tokens are refused until ban.Until (zero: the room's
// life): one write through Access, one transaction in the store, before
// anyone is disconnected. If it fails (ErrUnavailable) nothing was
// recorded and nobody was disconnected. Last, the identity's session, and
// with it its resume secret, ends.
//
// r.moderation is held throughout, so that no role change slips in between
// the decision and the removal it allowed.
func (r *Room) remove(whom func() (Actor, Identity, error), ban *BanRequest) error {
	m := r.manager
	acc, err := m.access()
	if err != nil {
		return err
	}
	r.moderation.Lock()
	defer r.moderation.Unlock()

	r.mu.Lock()
	a, identity, err := whom()
	if err != nil {
		r.mu.Unlock()
		return err
	}
	// The target's role: its role now if it is in the room; for a ban of
	// an identity that is not, the role it last held in the room, if any.
	var target Role
	if t, ok := r.identities[identity]; ok && identity != "" {
		target = t.info.Role
	} else if ban != nil && identity != "" {
		target = r.lastRole[identity]
	}
	err = r.decideLocked(Request{Action: ActionRemove, Actor: a, Target: target, Subject: identity, Ban: ban != nil})
	var invite string
	if err == nil && ban != nil && ban.RevokeInvite {
		if invite = r.inviteOfLocked(identity); invite == "" {
			err = ErrNoInvite
		}
	}
	if err == nil {
		// Coming back, it waits in the lobby again.
		delete(r.admitted, identity)
	}
	r.mu.Unlock()
	if err != nil {
		return err
	}

	by := a.name()
	ctx, cancel := context.WithTimeout(context.Background(), accessTimeout)
	defer cancel()
	rm := Removal{Owner: a.Key, Room: r.spec.Name, RoomCreated: r.createdAt, Identity: identity, By: by, Ban: ban, Invite: invite}
	if err := acc.Remove(ctx, rm); err != nil {
		m.cfg.Logger.Error("removal not recorded: store", "room", r.spec.Name, "ban", ban != nil, "err", err)
		return wrapUnavailable(err)
	}
	m.securityIn(r.spec.Name, SecurityEvent{Kind: SecurityTokensRevoked, Outcome: OutcomeSucceeded, Reason: "removed", Actor: by, Subject: string(identity)})
	reason := "removed"
	if ban != nil {
		until := "room_life"
		if !ban.Until.IsZero() {
			until = "until"
		}
		m.securityIn(r.spec.Name, SecurityEvent{Kind: SecurityIdentityBanned, Outcome: OutcomeSucceeded, Reason: until, Actor: by, Subject: string(identity)})
		reason = "banned"
		r.denyWaiting(a, func(c *token.Claims) bool { return Identity(c.Subject) == identity }, ErrBanned, protocol.CodeBanned)
	}
	if invite != "" {
		m.securityIn(r.spec.Name, SecurityEvent{Kind: SecurityMeetingInviteRevoked, Outcome: OutcomeSucceeded, Reason: string(r.spec.Name), Actor: by, Subject: invite})
		r.denyWaiting(a, func(c *token.Claims) bool { return c.Invite == invite }, ErrWaitRevoked, protocol.CodeTokenRevoked)
	}
	n, refusal := r.disconnectRemoved(a, identity, ban != nil)
	if n > 0 {
		m.securityIn(r.spec.Name, SecurityEvent{Kind: SecurityParticipantRemoved, Outcome: OutcomeSucceeded, Reason: reason, Actor: by, Subject: string(identity)})
		return nil
	}
	return refusal
}

// disconnectRemoved takes the participants with identity out of the room
// for a removal by a, decided before its records were stored: each is
// decided again under r.mu, at the moment of the effect, on the actor's
// role and its own as they are now, so that one that came back with a
// higher role meanwhile (or an actor that lost its own) is not removed by
// a decision made on the old roles. A refusal is recorded as any is
// (action_refused); the stored records stay, as decided (docs/access.md,
// "Removal"). It returns how many were removed, and the refusal if any.
func (r *Room) disconnectRemoved(a Actor, identity Identity, ban bool) (int, error) {
	r.mu.Lock()
	var out []*Participant
	var refusal error
	now := r.actorNowLocked(a)
	for _, p := range r.participants {
		if p.info.Identity != identity || identity == "" {
			continue
		}
		req := Request{Action: ActionRemove, Actor: now, Target: p.info.Role, Subject: identity, Ban: ban}
		if d := decide(req, roomState{}); d.Outcome != Admitted {
			refusal = r.decideLocked(req)
			continue
		}
		r.emit(Event{Kind: EventRemoved, Participant: p.infoLocked(), Reason: ReasonRemoved, Actor: a.ID}, p)
		out = append(out, p)
	}
	r.mu.Unlock()
	for _, p := range out {
		p.Leave(ReasonRemoved)
	}
	return len(out), refusal
}

// actorNowLocked is a as the room knows it now: the owner stays the
// owner; a participant acts with its role now, or, once it has left, with
// the role it last held (never more than it had). Called with r.mu held.
func (r *Room) actorNowLocked(a Actor) Actor {
	if a.Owner || a.Identity == "" {
		return a
	}
	if p, ok := r.participants[a.ID]; ok && a.ID != "" {
		return p.actorLocked()
	}
	if p, ok := r.identities[a.Identity]; ok {
		return p.actorLocked()
	}
	if role, ok := r.lastRole[a.Identity]; ok {
		a.Role, a.Permissions = role, a.Permissions&role.Permissions()
	}
	return a
}

// InviteRevoked refuses the guests waiting in owner's rooms with a guest
// token of the meeting invite id, which was just revoked: such a token is
// refused from now on (the revocation list holds the invite), so they are
// told now rather than when someone tries to admit them.
func (m *Manager) InviteRevoked(owner KeyID, id string) {
	for _, r := range m.ownedRooms(owner, "") {
		r.denyWaiting(Actor{}, func(c *token.Claims) bool { return id != "" && c.Invite == id }, ErrWaitRevoked, protocol.CodeTokenRevoked)
	}
}

// inviteOfLocked is the meeting invite identity came by: its token's
// invite claim, when it is or was in the room, or waits in its lobby.
// Called with r.mu held.
func (r *Room) inviteOfLocked(id Identity) string {
	if inv := r.invites[id]; inv != "" {
		return inv
	}
	if w := r.waiting(id); w != nil && w.req.Claims != nil {
		return w.req.Claims.Invite
	}
	return ""
}

// wrapUnavailable is err as room reports a store failure, unless it is
// already a refusal of its own.
func wrapUnavailable(err error) error {
	if _, ok := errors.AsType[*Error](err); ok {
		return err
	}
	return errors.Join(ErrUnavailable, err)
}

// disconnect removes the participants match selects (ReasonRemoved), as
// an action of the participant by ("" for the owner or the server), and
// returns how many.
func (r *Room) disconnect(by ParticipantID, match func(*Participant) bool) int {
	r.mu.Lock()
	var out []*Participant
	for _, p := range r.participants {
		if match(p) {
			r.emit(Event{Kind: EventRemoved, Participant: p.infoLocked(), Reason: ReasonRemoved, Actor: by}, p)
			out = append(out, p)
		}
	}
	r.mu.Unlock()
	for _, p := range out {
		p.Leave(ReasonRemoved)
	}
	return len(out)
}

// ownedRooms is owner's rooms, or just name if it is not "".
func (m *Manager) ownedRooms(owner KeyID, name RoomName) []*Room {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*Room
	for n, r := range m.rooms {
		if r.spec.Owner == owner && (name == "" || n == name) {
			out = append(out, r)
		}
	}
	return out
}

// RevokeIdentity revokes every token of identity that owner issued until
// now, for room name, or for every room when name is "", and
// disconnects the identity from those of owner's rooms it is in: its
// admission rested on a token now refused.
func (m *Manager) RevokeIdentity(owner KeyID, name RoomName, identity Identity, by string) error {
	acc, err := m.access()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), accessTimeout)
	defer cancel()
	if err := acc.RevokeIdentity(ctx, owner, name, identity, by); err != nil {
		m.cfg.Logger.Error("revocation not recorded: store", "room", name, "err", err)
		return wrapUnavailable(err)
	}
	m.securityIn(name, SecurityEvent{Kind: SecurityTokensRevoked, Outcome: OutcomeSucceeded, Reason: "identity", Actor: by, Subject: string(identity)})
	for _, r := range m.ownedRooms(owner, name) {
		if r.disconnect("", func(p *Participant) bool { return p.info.Identity == identity }) > 0 {
			m.securityIn(r.spec.Name, SecurityEvent{Kind: SecurityParticipantRemoved, Outcome: OutcomeSucceeded, Reason: "revoked", Actor: by, Subject: string(identity)})
		}
		r.denyWaiting(Actor{}, func(c *token.Claims) bool { return Identity(c.Subject) == identity }, ErrWaitRevoked, protocol.CodeTokenRevoked)
	}
	return nil
}

// RevokeToken revokes owner's token with jti (in room name only, if it is
// not "") and disconnects the participants that joined with it.
func (m *Manager) RevokeToken(owner KeyID, name RoomName, jti, by string) error {
	acc, err := m.access()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), accessTimeout)
	defer cancel()
	if err := acc.RevokeToken(ctx, owner, name, jti, by); err != nil {
		m.cfg.Logger.Error("revocation not recorded: store", "room", name, "err", err)
		return wrapUnavailable(err)
	}
	m.securityIn(name, SecurityEvent{Kind: SecurityTokenRevoked, Outcome: OutcomeSucceeded, Reason: "jti", Actor: by})
	for _, r := range m.ownedRooms(owner, name) {
		r.disconnect("", func(p *Participant) bool { return slices.Contains(p.jtis, jti) })
		r.denyWaiting(Actor{}, func(c *token.Claims) bool { return jti != "" && c.ID == jti }, ErrWaitRevoked, protocol.CodeTokenRevoked)
	}
	return nil
}

// Unban lifts the ban of identity in owner's room name.
func (m *Manager) Unban(owner KeyID, name RoomName, identity Identity, by string) error {
	acc, err := m.access()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), accessTimeout)
	defer cancel()
	if err := acc.Unban(ctx, owner, name, identity); err != nil {
		return wrapUnavailable(err)
	}
	m.securityIn(name, SecurityEvent{Kind: SecurityIdentityUnbanned, Outcome: OutcomeSucceeded, Actor: by, Subject: string(identity)})
	return nil
}

// Bans lists the bans in force in owner's room name (which need not
// exist now: a timed ban outlives its room).
func (m *Manager) Bans(owner KeyID, name RoomName) ([]BanInfo, error) {
	acc, err := m.access()
	if err != nil {
		return nil, err
	}
	var created time.Time
	if r, err := m.ownedRoom(name, owner); err == nil {
		created = r.createdAt
	}
	return acc.Bans(owner, name, created), nil
}

// securityIn publishes ev as an EventSecurity of room name.
func (m *Manager) securityIn(name RoomName, ev SecurityEvent) {
	m.publish(Event{Kind: EventSecurity, Time: m.cfg.Now(), Room: name, Security: &ev})
}
