// Package httpapi owns Conclave's REST server API under /v1: bearer-token
// authorization by grant, input validation, JSON errors with stable codes,
// body limits and the security headers every response carries.
package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/conclave-video/conclave/internal/config"
	"github.com/conclave-video/conclave/internal/guard"
	"github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/protocol"
	"github.com/conclave-video/conclave/token"
)

// TokenVerifier checks a bearer token: implemented by *auth.Verifier.
type TokenVerifier interface {
	Verify(ctx context.Context, raw string) (*token.Claims, error)
}

// Config wires the API.
type Config struct {
	Verifier TokenVerifier
	// TokenErrorCode maps a verification error to its stable code.
	TokenErrorCode func(error) string
	// Rooms decides every access and holds the rooms; the API decides
	// nothing itself.
	Rooms  room.Rooms
	Logger *slog.Logger
	// MaxEmptyTimeout and MaxParticipants bound what a caller may ask for.
	MaxEmptyTimeout time.Duration
	MaxParticipants int
	// MaxDuration bounds a room's max_duration (rooms.max_duration); 0:
	// room.MaxDurationCeiling.
	MaxDuration time.Duration
}

// API serves /v1.
type API struct {
	cfg Config
	// accessWrites limits removals, bans and revocations per API key
	// or account (access.go).
	accessWrites *guard.Keyed
}

// New returns the API.
func New(cfg Config) *API {
	def := config.Default().Rooms
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxEmptyTimeout <= 0 {
		cfg.MaxEmptyTimeout = def.MaxEmptyTimeout
	}
	if cfg.MaxParticipants <= 0 {
		cfg.MaxParticipants = def.MaxParticipantsCap
	}
	if cfg.MaxDuration <= 0 {
		cfg.MaxDuration = room.MaxDurationCeiling
	}
	return &API{cfg: cfg, accessWrites: guard.NewKeyed(AccessWritesPerSecond, AccessWriteBurst, MaxAccessWriters, nil)}
}

// MaxBodyBytes bounds a request body.
const MaxBodyBytes = 64 << 10

// Register adds the API's routes to mux.
func (a *API) Register(mux *http.ServeMux) {
	mux.Handle("POST /v1/rooms", a.authed(a.createRoom))
	mux.Handle("GET /v1/rooms", a.authed(a.listRooms))
	mux.Handle("GET /v1/rooms/{room}", a.authed(a.getRoom))
	mux.Handle("DELETE /v1/rooms/{room}", a.authed(a.deleteRoom))
	mux.Handle("GET /v1/rooms/{room}/participants", a.authed(a.listParticipants))
	mux.Handle("GET /v1/rooms/{room}/stats", a.authed(a.roomStats))
	mux.Handle("DELETE /v1/rooms/{room}/participants/{identity}", a.authed(a.removeParticipant))
	mux.Handle("POST /v1/rooms/{room}/participants/{identity}/tracks/{track}/mute", a.authed(a.muteTrack))
	mux.Handle("POST /v1/rooms/{room}/bans", a.authed(a.ban))
	mux.Handle("GET /v1/rooms/{room}/bans", a.authed(a.listBans))
	mux.Handle("DELETE /v1/rooms/{room}/bans/{identity}", a.authed(a.unban))
	mux.Handle("POST /v1/revocations", a.authed(a.revoke))
	mux.Handle("POST /v1/rooms/{room}/participants/{identity}/role", a.authed(a.setRole))
	mux.Handle("POST /v1/rooms/{room}/lock", a.authed(a.lockRoom))
	mux.Handle("POST /v1/rooms/{room}/end", a.authed(a.endRoom))
	mux.Handle("POST /v1/rooms/{room}/password", a.authed(a.setPassword))
	mux.Handle("GET /v1/rooms/{room}/lobby", a.authed(a.listLobby))
	mux.Handle("POST /v1/rooms/{room}/lobby/admit", a.authed(a.admitGuest(true)))
	mux.Handle("POST /v1/rooms/{room}/lobby/deny", a.authed(a.admitGuest(false)))
	mux.Handle("POST /v1/rooms/{room}/lobby/settings", a.authed(a.setLobby))
}

// Error is the body of every error response.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

type errorBody struct {
	Error Error `json:"error"`
}

// Stable error codes of the REST API: protocol.Codes is the table of
// every code with its status. token_* codes come from auth.
const (
	CodeUnauthenticated     = protocol.CodeUnauthenticated
	CodePermissionDenied    = protocol.CodePermissionDenied
	CodeInvalidArgument     = protocol.CodeInvalidArgument
	CodeRoomNotFound        = protocol.CodeRoomNotFound
	CodeRoomExists          = protocol.CodeRoomExists
	CodeParticipantNotFound = protocol.CodeParticipantNotFound
	CodeBanNotFound         = protocol.CodeBanNotFound
	CodeTrackNotFound       = protocol.CodeTrackNotFound
	CodeTooManyRooms        = protocol.CodeTooManyRooms
	CodeBodyTooLarge        = protocol.CodeBodyTooLarge
	CodeUnavailable         = protocol.CodeUnavailable
	CodeInternal            = protocol.CodeInternal
)

// WriteCode writes the error for code with the status the code table
// gives it.
func WriteCode(w http.ResponseWriter, code, msg string) {
	if protocol.HTTPStatus(code) == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "5")
	}
	WriteError(w, protocol.HTTPStatus(code), code, msg)
}

// SetRetryAfter sets Retry-After to wait in whole seconds, rounded up,
// at least 1 (protocol.RetryAfterSeconds), and returns them.
func SetRetryAfter(w http.ResponseWriter, wait time.Duration) int64 {
	secs := max(protocol.RetryAfterSeconds(wait), 1)
	w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
	return secs
}

// WriteError writes the error body every Conclave endpoint uses:
// {"error":{"code":…,"message":…}}.
func WriteError(w http.ResponseWriter, status int, code, msg string) {
	WriteJSON(w, status, errorBody{Error{Code: code, Message: msg}})
}

// WriteJSON writes v as an uncacheable JSON response.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

type handler func(w http.ResponseWriter, r *http.Request, c *token.Claims)

// authed requires a valid bearer token before h runs.
func (a *API) authed(h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, ok := bearer(r)
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="conclave"`)
			WriteError(w, http.StatusUnauthorized, CodeUnauthenticated, "a bearer token is required")
			return
		}
		claims, err := a.cfg.Verifier.Verify(r.Context(), raw)
		if err != nil {
			code := a.cfg.TokenErrorCode(err)
			if code == "" {
				// Not the token's fault (the store failed): a server error,
				// with no internals in the answer.
				a.internal(w, err)
				return
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="conclave", error="invalid_token"`)
			// The message is for people: the code travels in its own field.
			WriteError(w, http.StatusUnauthorized, code, strings.TrimPrefix(err.Error(), code+": "))
			return
		}
		h(w, r, claims)
	})
}

func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	const prefix = "bearer "
	if len(h) <= len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return "", false
	}
	return strings.TrimSpace(h[len(prefix):]), true
}

// decode reads a request body strictly into v (see DecodeJSON).
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	return DecodeJSON(w, r, v, MaxBodyBytes)
}

// DecodeJSON reads a JSON request body as strictly as signaling reads a
// message (protocol.StrictUnmarshal): at most limit bytes, exactly one
// value, no unknown fields, field names matched with their exact case, no
// repeated fields. On failure it writes the error response (413
// body_too_large or 400 invalid_argument) and returns false.
func DecodeJSON(w http.ResponseWriter, r *http.Request, v any, limit int64) bool {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if _, tooBig := errors.AsType[*http.MaxBytesError](err); tooBig {
		WriteError(w, http.StatusRequestEntityTooLarge, CodeBodyTooLarge, "the request body is too large")
		return false
	}
	if err != nil {
		WriteError(w, http.StatusBadRequest, CodeInvalidArgument, "the request body could not be read")
		return false
	}
	if err := protocol.StrictUnmarshal(body, v); err != nil {
		WriteError(w, http.StatusBadRequest, CodeInvalidArgument, "malformed JSON body: "+err.Error())
		return false
	}
	return true
}

// CreateRoomRequest is the body of POST /v1/rooms.
type CreateRoomRequest struct {
	// Name is the room's name; absent or "" makes an unguessable one
	// (room.NewName: 128 random bits).
	Name            string `json:"name,omitempty"`
	MaxParticipants int    `json:"max_participants,omitempty"`
	EmptyTimeout    int64  `json:"empty_timeout,omitempty"` // seconds
	// E2EE is "required" or "off"; absent takes the server default
	// (rooms.e2ee).
	E2EE string `json:"e2ee,omitempty"`
	// MaxDuration (seconds) ends the meeting that long after the room
	// is created; 0 takes the server's bound (rooms.max_duration), if any.
	MaxDuration int64 `json:"max_duration,omitempty"`
	// Password is the room's password (stored hashed); Lobby "on" or
	// "off" (absent: the default, docs/access.md).
	Password string `json:"password,omitempty"`
	Lobby    string `json:"lobby,omitempty"`
	// InviteOnly: joins need the owner's host token (roomAdmin) or the
	// guest token of one of the room's invites (docs/access.md).
	InviteOnly bool `json:"invite_only,omitempty"`
	// MaxPublishBitrate caps each participant's publishing, bits per
	// second; 0 or more than rooms.max_publish_bitrate takes that.
	MaxPublishBitrate int64 `json:"max_publish_bitrate,omitempty"`
}

func (a *API) createRoom(w http.ResponseWriter, r *http.Request, c *token.Claims) {
	var req CreateRoomRequest
	if !decode(w, r, &req) {
		return
	}
	name := room.NewName()
	if req.Name != "" {
		if err := token.ValidateRoom(req.Name); err != nil {
			WriteError(w, http.StatusBadRequest, CodeInvalidArgument, "name: 1-128 characters of A-Z a-z 0-9 _ . - (not . or ..)")
			return
		}
		name = room.RoomName(req.Name)
	}
	if !a.allowed(w, c, room.ActionCreateRoom, name) {
		return
	}
	if req.MaxParticipants < 0 || req.MaxParticipants > a.cfg.MaxParticipants {
		WriteError(w, http.StatusBadRequest, CodeInvalidArgument, fmt.Sprintf("max_participants: 0..%d", a.cfg.MaxParticipants))
		return
	}
	if req.EmptyTimeout < 0 || req.EmptyTimeout > int64(a.cfg.MaxEmptyTimeout/time.Second) {
		WriteError(w, http.StatusBadRequest, CodeInvalidArgument,
			fmt.Sprintf("empty_timeout: 0..%d seconds", int64(a.cfg.MaxEmptyTimeout/time.Second)))
		return
	}
	if maxDur := int64(a.cfg.MaxDuration / time.Second); req.MaxDuration < 0 || req.MaxDuration > maxDur {
		WriteError(w, http.StatusBadRequest, CodeInvalidArgument, fmt.Sprintf("max_duration: 0..%d seconds", maxDur))
		return
	}
	if req.MaxPublishBitrate < 0 || req.MaxPublishBitrate > maxPublishBitrate {
		WriteError(w, http.StatusBadRequest, CodeInvalidArgument, fmt.Sprintf("max_publish_bitrate: 0..%d bit/s", int64(maxPublishBitrate)))
		return
	}
	mode := room.E2EEMode(req.E2EE)
	if mode != "" && !mode.Valid() {
		WriteError(w, http.StatusBadRequest, CodeInvalidArgument, "e2ee: required or off")
		return
	}
	if mode == room.E2EERequired && req.MaxParticipants > room.MaxE2EEParticipants {
		WriteError(w, http.StatusBadRequest, CodeInvalidArgument,
			fmt.Sprintf("max_participants: at most %d in a room that requires end-to-end encryption", room.MaxE2EEParticipants))
		return
	}
	if req.Password != "" && !protocol.ValidRoomPassword(req.Password) {
		WriteError(w, http.StatusBadRequest, CodeInvalidArgument, "password: 8 to 128 bytes of text without control characters")
		return
	}
	lobby := room.LobbyMode(req.Lobby)
	if lobby != "" && !lobby.Valid() {
		WriteError(w, http.StatusBadRequest, CodeInvalidArgument, "lobby: on or off")
		return
	}
	info, err := a.cfg.Rooms.Create(room.Spec{
		Password:        req.Password,
		Lobby:           lobby,
		E2EE:            mode,
		Name:            name,
		Owner:           room.KeyID(c.Issuer),
		MaxParticipants: req.MaxParticipants,
		EmptyTimeout:    time.Duration(req.EmptyTimeout) * time.Second,
		MaxDuration:     time.Duration(req.MaxDuration) * time.Second,
		InviteOnly:      req.InviteOnly,

		MaxPublishBitrate: req.MaxPublishBitrate,
	})
	if err != nil {
		a.roomError(w, err)
		return
	}
	a.cfg.Logger.Info("room created", "room", info.Name, "key", c.Issuer)
	WriteJSON(w, http.StatusCreated, info)
}

// allowed asks room whether c may do action on name, and writes the
// refusal if not.
func (a *API) allowed(w http.ResponseWriter, c *token.Claims, action room.Action, name room.RoomName) bool {
	d := a.cfg.Rooms.Decide(room.Request{Claims: c, Action: action, Room: name})
	if d.Outcome == room.Admitted {
		return true
	}
	a.roomError(w, d.Err)
	return false
}

// RoomList is the body of GET /v1/rooms.
type RoomList struct {
	Rooms []room.Info `json:"rooms"`
}

func (a *API) listRooms(w http.ResponseWriter, r *http.Request, c *token.Claims) {
	if !a.allowed(w, c, room.ActionListRooms, "") {
		return
	}
	rooms := a.cfg.Rooms.List(room.KeyID(c.Issuer))
	if c.Room != "" {
		// A room-bound token sees its own room only.
		rooms = slices.DeleteFunc(rooms, func(i room.Info) bool { return i.Name != room.RoomName(c.Room) })
	}
	WriteJSON(w, http.StatusOK, RoomList{Rooms: rooms})
}

func (a *API) getRoom(w http.ResponseWriter, r *http.Request, c *token.Claims) {
	name := room.RoomName(r.PathValue("room"))
	if !a.allowed(w, c, room.ActionReadRoom, name) {
		return
	}
	info, err := a.cfg.Rooms.Get(name)
	if err != nil {
		a.roomError(w, err)
		return
	}
	WriteJSON(w, http.StatusOK, info)
}

func (a *API) deleteRoom(w http.ResponseWriter, r *http.Request, c *token.Claims) {
	name := room.RoomName(r.PathValue("room"))
	if !a.allowed(w, c, room.ActionAdministerRoom, name) {
		return
	}
	if err := a.cfg.Rooms.End(name, c, room.ReasonRoomDeleted); err != nil {
		a.roomError(w, err)
		return
	}
	a.cfg.Logger.Info("room deleted", "room", name, "key", c.Issuer)
	w.WriteHeader(http.StatusNoContent)
}

// ParticipantList is the body of GET /v1/rooms/{room}/participants.
type ParticipantList struct {
	Participants []protocol.ParticipantInfo `json:"participants"`
}

func (a *API) listParticipants(w http.ResponseWriter, r *http.Request, c *token.Claims) {
	name := room.RoomName(r.PathValue("room"))
	if !a.allowed(w, c, room.ActionAdministerRoom, name) {
		return
	}
	ps, err := a.cfg.Rooms.Participants(name, room.KeyID(c.Issuer))
	if err != nil {
		a.roomError(w, err)
		return
	}
	WriteJSON(w, http.StatusOK, ParticipantList{Participants: room.WireParticipants(ps)})
}

func (a *API) removeParticipant(w http.ResponseWriter, r *http.Request, c *token.Claims) {
	if !a.accessWrite(w, c) {
		return
	}
	name := room.RoomName(r.PathValue("room"))
	if !a.allowed(w, c, room.ActionAdministerRoom, name) {
		return
	}
	identity := room.Identity(r.PathValue("identity"))
	// Room decides whom c acts as, and revokes the identity's tokens for
	// the room before it disconnects it (access.go).
	if err := a.cfg.Rooms.Remove(name, c, identity, nil); err != nil {
		a.roomError(w, err)
		return
	}
	a.cfg.Logger.Info("participant removed", "room", name, "identity", identity, "key", c.Issuer)
	w.WriteHeader(http.StatusNoContent)
}

// MuteRequest is the body of POST …/tracks/{track}/mute.
type MuteRequest struct {
	Muted *bool `json:"muted"`
}

func (a *API) muteTrack(w http.ResponseWriter, r *http.Request, c *token.Claims) {
	var req MuteRequest
	if !decode(w, r, &req) {
		return
	}
	name := room.RoomName(r.PathValue("room"))
	if !a.allowed(w, c, room.ActionAdministerRoom, name) {
		return
	}
	if req.Muted == nil {
		WriteError(w, http.StatusBadRequest, CodeInvalidArgument, "muted: required (true or false)")
		return
	}
	t, err := a.cfg.Rooms.MuteTrack(name, c, room.Identity(r.PathValue("identity")), room.TrackID(r.PathValue("track")), *req.Muted)
	if err != nil {
		a.roomError(w, err)
		return
	}
	WriteJSON(w, http.StatusOK, t.Wire())
}

// RoleRequest is the body of POST …/participants/{identity}/role.
type RoleRequest struct {
	Role string `json:"role"`
}

func (a *API) setRole(w http.ResponseWriter, r *http.Request, c *token.Claims) {
	var req RoleRequest
	if !decode(w, r, &req) {
		return
	}
	name := room.RoomName(r.PathValue("room"))
	if !a.allowed(w, c, room.ActionAdministerRoom, name) {
		return
	}
	p, err := a.cfg.Rooms.SetRole(name, c, room.Identity(r.PathValue("identity")), room.Role(req.Role))
	if err != nil {
		a.roomError(w, err)
		return
	}
	a.cfg.Logger.Info("role changed", "room", name, "identity", p.Identity, "role", p.Role, "key", c.Issuer)
	WriteJSON(w, http.StatusOK, p.Wire())
}

// LockRequest is the body of POST /v1/rooms/{room}/lock.
type LockRequest struct {
	Locked *bool `json:"locked"`
}

func (a *API) lockRoom(w http.ResponseWriter, r *http.Request, c *token.Claims) {
	var req LockRequest
	if !decode(w, r, &req) {
		return
	}
	name := room.RoomName(r.PathValue("room"))
	if !a.allowed(w, c, room.ActionAdministerRoom, name) {
		return
	}
	if req.Locked == nil {
		WriteError(w, http.StatusBadRequest, CodeInvalidArgument, "locked: required (true or false)")
		return
	}
	info, err := a.cfg.Rooms.SetLocked(name, c, *req.Locked)
	if err != nil {
		a.roomError(w, err)
		return
	}
	WriteJSON(w, http.StatusOK, info)
}

func (a *API) endRoom(w http.ResponseWriter, r *http.Request, c *token.Claims) {
	name := room.RoomName(r.PathValue("room"))
	if !a.allowed(w, c, room.ActionAdministerRoom, name) {
		return
	}
	if err := a.cfg.Rooms.End(name, c, room.ReasonMeetingEnded); err != nil {
		a.roomError(w, err)
		return
	}
	a.cfg.Logger.Info("meeting ended", "room", name, "key", c.Issuer)
	w.WriteHeader(http.StatusNoContent)
}

// roomError answers a refusal from room with its REST code and the status
// the code table gives it; anything else is a server fault.
func (a *API) roomError(w http.ResponseWriter, err error) {
	code := room.RESTCode(err)
	if code == CodeInternal {
		a.internal(w, err)
		return
	}
	if code == CodeUnavailable {
		a.cfg.Logger.Error("api: store unavailable", "err", err)
	}
	WriteCode(w, code, room.Message(err))
}

func (a *API) internal(w http.ResponseWriter, err error) {
	a.cfg.Logger.Error("api", "err", err)
	WriteError(w, http.StatusInternalServerError, CodeInternal, "internal error")
}
