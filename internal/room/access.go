package room

import (
	"context"
	"errors"
	"time"
	"unicode/utf8"
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
	Ban(ctx context.Context, owner KeyID, room RoomName, roomCreated time.Time, identity Identity, b BanRequest, by string) (BanInfo, error)
	// Unban returns ErrBanNotFound if there is no such ban.
	Unban(ctx context.Context, owner KeyID, room RoomName, identity Identity) error
}

// BanRequest asks Remove to ban the identity as well.
type BanRequest struct {
	// Until ends the ban; zero bans for the room's life.
	Until  time.Time
	Reason string
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
	MaxBanDuration = 365 * 24 * time.Hour
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

// banned reports whether identity is banned from owner's room, the one
// created at created (zero: none exists).
func (m *Manager) banned(owner KeyID, name RoomName, identity Identity, created time.Time) bool {
	return m.cfg.Access != nil && identity != "" && m.cfg.Access.Banned(owner, name, identity, created)
}

// Remove takes the participant with identity out of owner's room name
// and revokes every token that identity holds for the room (its
// not-before becomes now), so that it cannot come back with one; its
// session, and so its resume secret, ends. With ban, the identity's
// future tokens for the room are refused too until ban.Until (zero: the
// room's life), and the identity need not be in the room. by names who
// acted, for the record. The revocation (and ban) is stored before
// anyone is disconnected; if the store fails (ErrUnavailable) nothing
// changed.
//
// Signaling's remove (a host or moderator, once roles decide it) calls
// this same method after room has decided the actor may.
func (m *Manager) Remove(name RoomName, owner KeyID, identity Identity, by string, ban *BanRequest) error {
	acc, err := m.access()
	if err != nil {
		return err
	}
	r, err := m.ownedRoom(name, owner)
	if err != nil {
		return err
	}
	r.mu.Lock()
	_, present := r.identities[identity]
	r.mu.Unlock()
	if !present && ban == nil {
		return ErrUnknownParticipant
	}
	ctx, cancel := context.WithTimeout(context.Background(), accessTimeout)
	defer cancel()
	if err := acc.RevokeIdentity(ctx, owner, name, identity, by); err != nil {
		m.cfg.Logger.Error("removal not recorded: store", "room", name, "err", err)
		return wrapUnavailable(err)
	}
	m.securityIn(name, SecurityEvent{Kind: SecurityTokensRevoked, Outcome: OutcomeSucceeded, Reason: "removed", Actor: by, Subject: string(identity)})
	if ban != nil {
		if _, err := acc.Ban(ctx, owner, name, r.createdAt, identity, *ban, by); err != nil {
			m.cfg.Logger.Error("ban not recorded: store", "room", name, "err", err)
			return wrapUnavailable(err)
		}
		reason := "room_life"
		if !ban.Until.IsZero() {
			reason = "until"
		}
		m.securityIn(name, SecurityEvent{Kind: SecurityIdentityBanned, Outcome: OutcomeSucceeded, Reason: reason, Actor: by, Subject: string(identity)})
	}
	if r.disconnect(func(p *Participant) bool { return p.info.Identity == identity }) == 0 && !present {
		return nil
	}
	m.securityIn(name, SecurityEvent{Kind: SecurityParticipantRemoved, Outcome: OutcomeSucceeded, Actor: by, Subject: string(identity)})
	return nil
}

// wrapUnavailable is err as room reports a store failure, unless it is
// already a refusal of its own.
func wrapUnavailable(err error) error {
	if _, ok := errors.AsType[*Error](err); ok {
		return err
	}
	return errors.Join(ErrUnavailable, err)
}

// disconnect removes the participants match selects (ReasonRemoved) and
// returns how many.
func (r *Room) disconnect(match func(*Participant) bool) int {
	r.mu.Lock()
	var out []*Participant
	for _, p := range r.participants {
		if match(p) {
			r.emit(Event{Kind: EventRemoved, Participant: p.infoLocked(), Reason: ReasonRemoved}, p)
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
		if r.disconnect(func(p *Participant) bool { return p.info.Identity == identity }) > 0 {
			m.securityIn(r.spec.Name, SecurityEvent{Kind: SecurityParticipantRemoved, Outcome: OutcomeSucceeded, Reason: "revoked", Actor: by, Subject: string(identity)})
		}
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
		r.disconnect(func(p *Participant) bool { return p.jti == jti })
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
