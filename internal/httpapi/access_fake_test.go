package httpapi_test

import (
	"context"
	"sync"
	"time"

	"github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/token"
)

// stubAccess records revocations for the API's unit tests; the real list
// (auth.Revocations) is tested in auth and through the whole server.
type stubAccess struct {
	mu      sync.Mutex
	revoked []string // owner/room/identity
}

func (a *stubAccess) Banned(room.KeyID, room.RoomName, room.Identity, time.Time) bool { return false }
func (a *stubAccess) Bans(room.KeyID, room.RoomName, time.Time) []room.BanInfo        { return nil }
func (a *stubAccess) RevokeIdentity(_ context.Context, o room.KeyID, r room.RoomName, id room.Identity, _ string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.revoked = append(a.revoked, string(o)+"/"+string(r)+"/"+string(id))
	return nil
}
func (a *stubAccess) RevokeToken(context.Context, room.KeyID, room.RoomName, string, string) error {
	return nil
}
func (a *stubAccess) Remove(_ context.Context, rm room.Removal) error {
	return a.RevokeIdentity(context.Background(), rm.Owner, rm.Room, rm.Identity, rm.By)
}
func (a *stubAccess) Revoked(*token.Claims) bool { return false }
func (a *stubAccess) Unban(context.Context, room.KeyID, room.RoomName, room.Identity) error {
	return room.ErrBanNotFound
}
