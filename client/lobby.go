package client

import (
	"context"

	"github.com/conclave-video/conclave/protocol"
)

// The lobby and the room password (docs/access.md, "Lobby and password").
// A client with the admit permission sees guests arrive (LobbyGuestWaiting;
// those already waiting at its join are in Lobby at once) and leave
// (LobbyGuestLeft), and admits or denies them; one with the lock
// permission sets the password. Refusals come back as ErrorReceived.
// After a resume, the server's snapshot of the lobby replaces the list,
// and the guests that arrived or left meanwhile are announced as events
// (those that left with reason "left": the real one is not known).

// LobbyGuestWaiting: a guest began to wait in the lobby.
type LobbyGuestWaiting struct{ Guest protocol.LobbyGuestInfo }

// LobbyGuestLeft: a guest no longer waits (admitted, denied, left,
// timeout, locked, closed).
type LobbyGuestLeft struct{ ID, Reason string }

func (LobbyGuestWaiting) isEvent() {}
func (LobbyGuestLeft) isEvent()    {}

// Lobby is the guests waiting now, in order of arrival, if this client
// may admit them.
func (c *Client) Lobby() []protocol.LobbyGuestInfo {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]protocol.LobbyGuestInfo(nil), c.lobby...)
}

// AdmitGuest admits the guest with id from the lobby.
func (c *Client) AdmitGuest(ctx context.Context, id string) error {
	return c.send(ctx, protocol.TypeAdmitGuest, protocol.AdmitGuest{ID: id})
}

// AdmitAll admits every guest waiting.
func (c *Client) AdmitAll(ctx context.Context) error {
	return c.send(ctx, protocol.TypeAdmitGuest, protocol.AdmitGuest{All: true})
}

// DenyGuest refuses the guest with id.
func (c *Client) DenyGuest(ctx context.Context, id string) error {
	return c.send(ctx, protocol.TypeDenyGuest, protocol.DenyGuest{ID: id})
}

// DenyAll refuses every guest waiting.
func (c *Client) DenyAll(ctx context.Context) error {
	return c.send(ctx, protocol.TypeDenyGuest, protocol.DenyGuest{All: true})
}

// SetLobby turns the room's lobby on or off (the lock permission, a
// host's). Success comes as a LobbyChanged event; turning it off admits
// nobody who already waits.
func (c *Client) SetLobby(ctx context.Context, on bool) error {
	return c.send(ctx, protocol.TypeSetLobby, protocol.SetLobby{On: &on})
}

// SetPassword sets the room's password, or clears it with "".
func (c *Client) SetPassword(ctx context.Context, password string) error {
	return c.send(ctx, protocol.TypeSetPassword, protocol.SetPassword{Password: password})
}
