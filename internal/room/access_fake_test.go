package room_test

import (
	"context"
	"sync"
	"time"

	"github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/token"
)

// memAccess is an in-memory room.Access on a clock the test moves: the
// server's is auth's revocation list, tested in auth and end to end.
type memAccess struct {
	now func() time.Time

	// during, if set, runs inside Remove before it records anything:
	// what happens in the room while a removal's write is on its way.
	during func()

	mu         sync.Mutex
	fail       error
	identities map[[3]string]time.Time
	tokens     map[[2]string]string
	bans       map[[3]string]memBan
}

type memBan struct {
	info    room.BanInfo
	created time.Time
}

func newMemAccess(now func() time.Time) *memAccess {
	return &memAccess{now: now, identities: map[[3]string]time.Time{}, tokens: map[[2]string]string{}, bans: map[[3]string]memBan{}}
}

func (a *memAccess) Banned(owner room.KeyID, name room.RoomName, id room.Identity, created time.Time) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	b, ok := a.bans[[3]string{string(owner), string(name), string(id)}]
	if !ok {
		return false
	}
	if b.info.Until == nil {
		return !created.IsZero() && b.created.Equal(created)
	}
	return a.now().Before(*b.info.Until)
}

func (a *memAccess) Bans(owner room.KeyID, name room.RoomName, created time.Time) []room.BanInfo {
	a.mu.Lock()
	var ids []room.Identity
	for k := range a.bans {
		if k[0] == string(owner) && k[1] == string(name) {
			ids = append(ids, room.Identity(k[2]))
		}
	}
	a.mu.Unlock()
	var out []room.BanInfo
	for _, id := range ids {
		if a.Banned(owner, name, id, created) {
			a.mu.Lock()
			out = append(out, a.bans[[3]string{string(owner), string(name), string(id)}].info)
			a.mu.Unlock()
		}
	}
	return out
}

func (a *memAccess) RevokeIdentity(_ context.Context, owner room.KeyID, name room.RoomName, id room.Identity, _ string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.fail != nil {
		return a.fail
	}
	a.identities[[3]string{string(owner), string(name), string(id)}] = a.now()
	return nil
}

func (a *memAccess) RevokeToken(_ context.Context, owner room.KeyID, name room.RoomName, jti, _ string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.fail != nil {
		return a.fail
	}
	a.tokens[[2]string{string(owner), jti}] = string(name)
	return nil
}

func (a *memAccess) Remove(_ context.Context, rm room.Removal) error {
	if a.during != nil {
		a.during()
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.fail != nil {
		return a.fail
	}
	k := [3]string{string(rm.Owner), string(rm.Room), string(rm.Identity)}
	a.identities[k] = a.now()
	if b := rm.Ban; b != nil {
		info := room.BanInfo{Identity: rm.Identity, CreatedAt: a.now(), Reason: b.Reason, By: rm.By}
		if !b.Until.IsZero() {
			u := b.Until
			info.Until = &u
		}
		a.bans[k] = memBan{info, rm.RoomCreated}
	}
	return nil
}

// Revoked refuses a token whose jti was revoked (in its room or all), or
// whose identity's not-before in its room is at or after its iat.
func (a *memAccess) Revoked(c *token.Claims) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if r, ok := a.tokens[[2]string{c.Issuer, c.ID}]; ok && (r == "" || r == c.Room) {
		return true
	}
	for _, room := range []string{"", c.Room} {
		if nb, ok := a.identities[[3]string{c.Issuer, room, c.Subject}]; ok && c.IssuedAt != nil && !c.IssuedAt.After(nb) {
			return true
		}
	}
	return false
}

func (a *memAccess) Unban(_ context.Context, owner room.KeyID, name room.RoomName, id room.Identity) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	k := [3]string{string(owner), string(name), string(id)}
	if _, ok := a.bans[k]; !ok {
		return room.ErrBanNotFound
	}
	delete(a.bans, k)
	return nil
}

// revokedAt is the not-before of an identity in a room, if any.
func (a *memAccess) revokedAt(owner room.KeyID, name room.RoomName, id room.Identity) (time.Time, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	t, ok := a.identities[[3]string{string(owner), string(name), string(id)}]
	return t, ok
}
