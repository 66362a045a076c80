package httpapi

import (
	"net/http"

	"github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/protocol"
	"github.com/conclave-video/conclave/token"
)

// The room password and the lobby (docs/access.md, "Lobby and password"):
// room decides who may, on the token's identity, as for moderation.

// PasswordRequest is the body of POST /v1/rooms/{room}/password: the
// new password, or "" to clear it.
type PasswordRequest struct {
	Password *string `json:"password"`
}

func (a *API) setPassword(w http.ResponseWriter, r *http.Request, c *token.Claims) {
	var req PasswordRequest
	if !decode(w, r, &req) {
		return
	}
	name := room.RoomName(r.PathValue("room"))
	if !a.allowed(w, c, room.ActionAdministerRoom, name) {
		return
	}
	if req.Password == nil || (*req.Password != "" && !protocol.ValidRoomPassword(*req.Password)) {
		WriteError(w, http.StatusBadRequest, CodeInvalidArgument, "password: 8 to 128 bytes of text without control characters, or \"\" to clear it")
		return
	}
	info, err := a.cfg.Rooms.SetPassword(name, c, *req.Password)
	if err != nil {
		a.roomError(w, err)
		return
	}
	WriteJSON(w, http.StatusOK, info)
}

// LobbyList is the body of GET /v1/rooms/{room}/lobby.
type LobbyList struct {
	Guests []protocol.LobbyGuestInfo `json:"guests"`
}

func (a *API) listLobby(w http.ResponseWriter, r *http.Request, c *token.Claims) {
	name := room.RoomName(r.PathValue("room"))
	if !a.allowed(w, c, room.ActionAdministerRoom, name) {
		return
	}
	gs, err := a.cfg.Rooms.Lobby(name, room.KeyID(c.Issuer))
	if err != nil {
		a.roomError(w, err)
		return
	}
	out := LobbyList{Guests: make([]protocol.LobbyGuestInfo, len(gs))}
	for i, g := range gs {
		out.Guests[i] = g.Wire()
	}
	WriteJSON(w, http.StatusOK, out)
}

// GuestRequest is the body of POST /v1/rooms/{room}/lobby/admit and
// …/deny: one guest's id, or all.
type GuestRequest struct {
	ID  string `json:"id"`
	All bool   `json:"all"`
}

func (a *API) admitGuest(admit bool) handler {
	return func(w http.ResponseWriter, r *http.Request, c *token.Claims) {
		var req GuestRequest
		if !decode(w, r, &req) {
			return
		}
		name := room.RoomName(r.PathValue("room"))
		if !a.allowed(w, c, room.ActionAdministerRoom, name) {
			return
		}
		if (req.ID == "") == !req.All || len(req.ID) > protocol.MaxIDBytes {
			WriteError(w, http.StatusBadRequest, CodeInvalidArgument, "give id (a guest's) or all: true, not both")
			return
		}
		if err := a.cfg.Rooms.AdmitGuest(name, c, admit, room.LobbyID(req.ID), req.All); err != nil {
			a.roomError(w, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

// LobbySettingsRequest is the body of POST /v1/rooms/{room}/lobby/settings:
// whether guests wait in the room's lobby. On is required.
type LobbySettingsRequest struct {
	On *bool `json:"on"`
}

func (a *API) setLobby(w http.ResponseWriter, r *http.Request, c *token.Claims) {
	var req LobbySettingsRequest
	if !decode(w, r, &req) {
		return
	}
	name := room.RoomName(r.PathValue("room"))
	if !a.allowed(w, c, room.ActionAdministerRoom, name) {
		return
	}
	if req.On == nil {
		WriteError(w, http.StatusBadRequest, CodeInvalidArgument, "on: required (true or false)")
		return
	}
	info, err := a.cfg.Rooms.SetLobby(name, c, *req.On)
	if err != nil {
		a.roomError(w, err)
		return
	}
	WriteJSON(w, http.StatusOK, info)
}
