package room

import "github.com/conclave-video/conclave/token"

// ShareInvite decides whether the REST token by may create an invite to
// the room name that gives role, and returns the room as it is. by acts
// as restActorLocked says when it may administer the room (roomAdmin: a
// host's token, or the owner's); a token without roomAdmin acts only as
// the live participant it names, never as the owner, so that a moderator
// shares invites with its own join token. The role decision needs the
// ShareInvite permission and a guest role (viewer or participant). A
// refusal is an action_refused security event.
func (m *Manager) ShareInvite(name RoomName, by *token.Claims, role Role) (Info, error) {
	if by == nil {
		return Info{}, ErrPermissionDenied
	}
	if by.Room != "" && RoomName(by.Room) != name {
		return Info{}, ErrOtherRoom
	}
	r, err := m.ownedRoom(name, KeyID(by.Issuer))
	if err != nil {
		return Info{}, err
	}
	r.mu.Lock()
	var a Actor
	switch p, in := r.identities[Identity(by.Subject)]; {
	case by.Grants.RoomAdmin:
		a = r.restActorLocked(by)
	case in && by.Subject != "":
		a = p.actorLocked()
	default:
		r.mu.Unlock()
		return Info{}, ErrPermissionDenied
	}
	if err := r.decideLocked(Request{Action: ActionShareInvite, Actor: a, NewRole: role}); err != nil {
		r.mu.Unlock()
		return Info{}, err
	}
	r.mu.Unlock()
	return r.Info(), nil
}
