package httpapi

import (
	"fmt"
	"net/http"
	"time"

	"github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/protocol"
	"github.com/conclave-video/conclave/token"
)

// Bans and token revocation (docs/access.md, "Removal, bans and
// revocation"). Room decides who may (roomAdmin, on the token's room
// only) and keeps the records; these handlers check input and answer.

// BanBody is the body of POST /v1/rooms/{room}/bans.
type BanBody struct {
	Identity string `json:"identity"`
	// Duration is the ban's length in seconds; 0 or absent bans for the
	// room's life.
	Duration int64  `json:"duration,omitempty"`
	Reason   string `json:"reason,omitempty"`
	// RevokeInvite revokes the meeting invite the identity came by, with
	// the ban, in the same write: the guest tokens others redeemed from
	// it are refused too. An identity that came by none: 409 no_invite.
	RevokeInvite bool `json:"revoke_invite,omitempty"`
}

// BanList is the body of GET /v1/rooms/{room}/bans.
type BanList struct {
	Bans []room.BanInfo `json:"bans"`
}

// RevocationBody is the body of POST /v1/revocations: a jti, or an
// identity (in Room, or in every room of the caller's key when Room is
// empty).
type RevocationBody struct {
	JTI      string `json:"jti,omitempty"`
	Identity string `json:"identity,omitempty"`
	Room     string `json:"room,omitempty"`
}

// MaxJTIBytes bounds a jti in a revocation (auth.MaxJTILen).
const MaxJTIBytes = 64

// Rate of the endpoints that write the revocation list (removals, bans,
// unbans, revocations), per API key or account (the token's issuer): a
// burst, then a steady rate; past it, 429 rate_limited with Retry-After.
// MaxAccessWriters bounds the keys tracked at once.
const (
	AccessWritesPerSecond = 2
	AccessWriteBurst      = 30
	MaxAccessWriters      = 10_000
)

// accessWrite takes one of the issuer's access writes, or answers
// rate_limited.
func (a *API) accessWrite(w http.ResponseWriter, c *token.Claims) bool {
	if a.accessWrites.Allow(c.Issuer) {
		return true
	}
	w.Header().Set("Retry-After", "1")
	WriteError(w, http.StatusTooManyRequests, protocol.CodeRateLimited, "too many removals, bans and revocations; try again shortly")
	return false
}

// actor names who acted, for the records: the token's identity.
func actor(c *token.Claims) string { return c.Subject }

func (a *API) ban(w http.ResponseWriter, r *http.Request, c *token.Claims) {
	var req BanBody
	if !decode(w, r, &req) || !a.accessWrite(w, c) {
		return
	}
	name := room.RoomName(r.PathValue("room"))
	if !a.allowed(w, c, room.ActionAdministerRoom, name) {
		return
	}
	if token.ValidateIdentity(req.Identity) != nil {
		WriteError(w, http.StatusBadRequest, CodeInvalidArgument, fmt.Sprintf("identity: 1 to %d bytes of UTF-8 without control characters", token.MaxIdentityLen))
		return
	}
	maxSecs := int64(room.MaxBanDuration / time.Second)
	if req.Duration < 0 || req.Duration > maxSecs {
		WriteError(w, http.StatusBadRequest, CodeInvalidArgument, fmt.Sprintf("duration: 0 (the room's life) to %d seconds", maxSecs))
		return
	}
	if !room.ValidBanReason(req.Reason) {
		WriteError(w, http.StatusBadRequest, CodeInvalidArgument, fmt.Sprintf("reason: at most %d bytes of UTF-8 without control characters", room.MaxBanReasonBytes))
		return
	}
	now := time.Now()
	b := room.BanRequest{Reason: req.Reason, RevokeInvite: req.RevokeInvite}
	info := room.BanInfo{Identity: room.Identity(req.Identity), CreatedAt: now.UTC(), By: actor(c), Reason: req.Reason}
	if req.Duration > 0 {
		b.Until = now.Add(time.Duration(req.Duration) * time.Second)
		u := b.Until.UTC()
		info.Until = &u
	}
	// Room decides whom c acts as: the participant it names (a host may
	// ban, on the rank rule), or the room's owner.
	if err := a.cfg.Rooms.Remove(name, c, info.Identity, &b); err != nil {
		a.roomError(w, err)
		return
	}
	// The ban as room recorded it, naming whom the token acted as.
	if bans, err := a.cfg.Rooms.Bans(room.KeyID(c.Issuer), name); err == nil {
		for _, b := range bans {
			if b.Identity == info.Identity {
				info = b
			}
		}
	}
	a.cfg.Logger.Info("identity banned", "room", name, "identity", req.Identity, "key", c.Issuer, "duration", req.Duration)
	WriteJSON(w, http.StatusCreated, info)
}

func (a *API) listBans(w http.ResponseWriter, r *http.Request, c *token.Claims) {
	name := room.RoomName(r.PathValue("room"))
	if !a.allowed(w, c, room.ActionManageAccess, name) {
		return
	}
	bans, err := a.cfg.Rooms.Bans(room.KeyID(c.Issuer), name)
	if err != nil {
		a.roomError(w, err)
		return
	}
	if bans == nil {
		bans = []room.BanInfo{}
	}
	WriteJSON(w, http.StatusOK, BanList{Bans: bans})
}

func (a *API) unban(w http.ResponseWriter, r *http.Request, c *token.Claims) {
	if !a.accessWrite(w, c) {
		return
	}
	name := room.RoomName(r.PathValue("room"))
	if !a.allowed(w, c, room.ActionManageAccess, name) {
		return
	}
	identity := room.Identity(r.PathValue("identity"))
	if err := a.cfg.Rooms.Unban(room.KeyID(c.Issuer), name, identity, actor(c)); err != nil {
		a.roomError(w, err)
		return
	}
	a.cfg.Logger.Info("identity unbanned", "room", name, "identity", identity, "key", c.Issuer)
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) revoke(w http.ResponseWriter, r *http.Request, c *token.Claims) {
	var req RevocationBody
	if !decode(w, r, &req) || !a.accessWrite(w, c) {
		return
	}
	if (req.JTI == "") == (req.Identity == "") {
		WriteError(w, http.StatusBadRequest, CodeInvalidArgument, "give either jti or identity")
		return
	}
	if req.Room != "" && token.ValidateRoom(req.Room) != nil {
		WriteError(w, http.StatusBadRequest, CodeInvalidArgument, "room: 1-128 characters of A-Z a-z 0-9 _ . - (not . or ..)")
		return
	}
	name := room.RoomName(req.Room)
	if req.JTI != "" && name == "" {
		// A room-bound admin's revocation is of tokens for its room.
		name = room.RoomName(c.Room)
	}
	if !a.allowed(w, c, room.ActionManageAccess, name) {
		return
	}
	owner := room.KeyID(c.Issuer)
	var err error
	if req.JTI != "" {
		if !validJTI(req.JTI) {
			WriteError(w, http.StatusBadRequest, CodeInvalidArgument, fmt.Sprintf("jti: 1 to %d bytes of printable ASCII", MaxJTIBytes))
			return
		}
		err = a.cfg.Rooms.RevokeToken(owner, name, req.JTI, actor(c))
	} else {
		if token.ValidateIdentity(req.Identity) != nil {
			WriteError(w, http.StatusBadRequest, CodeInvalidArgument, fmt.Sprintf("identity: 1 to %d bytes of UTF-8 without control characters", token.MaxIdentityLen))
			return
		}
		err = a.cfg.Rooms.RevokeIdentity(owner, name, room.Identity(req.Identity), actor(c))
	}
	if err != nil {
		a.roomError(w, err)
		return
	}
	a.cfg.Logger.Info("tokens revoked", "room", name, "identity", req.Identity, "by_jti", req.JTI != "", "key", c.Issuer)
	w.WriteHeader(http.StatusNoContent)
}

func validJTI(s string) bool {
	if s == "" || len(s) > MaxJTIBytes {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
