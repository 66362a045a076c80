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
	"strings"
	"time"

	"github.com/conclave-video/conclave/internal/room"
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
	Rooms          *room.Manager
	Logger         *slog.Logger
	// MaxEmptyTimeout and MaxParticipants bound what a caller may ask for.
	MaxEmptyTimeout time.Duration
	MaxParticipants int
}

// API serves /v1.
type API struct{ cfg Config }

// New returns the API.
func New(cfg Config) *API {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxEmptyTimeout <= 0 {
		cfg.MaxEmptyTimeout = 24 * time.Hour
	}
	if cfg.MaxParticipants <= 0 {
		cfg.MaxParticipants = 1000
	}
	return &API{cfg: cfg}
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
	mux.Handle("DELETE /v1/rooms/{room}/participants/{identity}", a.authed(a.removeParticipant))
	mux.Handle("POST /v1/rooms/{room}/participants/{identity}/tracks/{track}/mute", a.authed(a.muteTrack))
}

// Error is the body of every error response.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

type errorBody struct {
	Error Error `json:"error"`
}

// Stable error codes of the REST API (token_* codes come from auth).
const (
	CodeUnauthenticated    = "unauthenticated"
	CodePermissionDenied   = "permission_denied"
	CodeInvalidArgument    = "invalid_argument"
	CodeRoomNotFound       = "room_not_found"
	CodeRoomExists         = "room_exists"
	CodeParticipantUnknown = "participant_not_found"
	CodeTrackUnknown       = "track_not_found"
	CodeTooManyRooms       = "too_many_rooms"
	CodeBodyTooLarge       = "body_too_large"
	CodeInternal           = "internal"
)

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
			WriteError(w, http.StatusUnauthorized, code, err.Error())
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

// DecodeJSON reads a JSON request body strictly: at most limit bytes, no
// unknown fields, exactly one value. On failure it writes the error
// response (413 body_too_large or 400 invalid_argument) and returns false.
func DecodeJSON(w http.ResponseWriter, r *http.Request, v any, limit int64) bool {
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	msg := "malformed JSON body"
	if err == nil {
		if _, err = dec.Token(); err == io.EOF {
			return true
		}
		msg = "trailing data after the JSON body"
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		WriteError(w, http.StatusRequestEntityTooLarge, CodeBodyTooLarge, "the request body is too large")
		return false
	}
	if err != nil {
		msg += ": " + err.Error()
	}
	WriteError(w, http.StatusBadRequest, CodeInvalidArgument, msg)
	return false
}

// CreateRoomRequest is the body of POST /v1/rooms.
type CreateRoomRequest struct {
	Name            string `json:"name"`
	MaxParticipants int    `json:"max_participants,omitempty"`
	EmptyTimeout    int64  `json:"empty_timeout,omitempty"` // seconds
}

func (a *API) createRoom(w http.ResponseWriter, r *http.Request, c *token.Claims) {
	if !c.Grants.RoomCreate {
		WriteError(w, http.StatusForbidden, CodePermissionDenied, "the token lacks the roomCreate grant")
		return
	}
	var req CreateRoomRequest
	if !decode(w, r, &req) {
		return
	}
	if err := token.ValidateRoom(req.Name); err != nil || req.Name == "" {
		WriteError(w, http.StatusBadRequest, CodeInvalidArgument, "name: 1-128 characters of A-Z a-z 0-9 _ . -")
		return
	}
	if c.Room != "" && c.Room != req.Name {
		WriteError(w, http.StatusForbidden, "token_room", "the token is for another room")
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
	info, err := a.cfg.Rooms.Create(room.Spec{
		Name:            req.Name,
		Owner:           c.Issuer,
		MaxParticipants: req.MaxParticipants,
		EmptyTimeout:    time.Duration(req.EmptyTimeout) * time.Second,
	})
	switch {
	case errors.Is(err, room.ErrRoomExists):
		if existing, gerr := a.cfg.Rooms.Get(req.Name); gerr == nil && existing.Owner != c.Issuer {
			WriteError(w, http.StatusForbidden, CodePermissionDenied, "the room belongs to another API key")
			return
		}
		WriteError(w, http.StatusConflict, CodeRoomExists, "a room with this name exists")
		return
	case errors.Is(err, room.ErrTooManyRooms):
		WriteError(w, http.StatusServiceUnavailable, CodeTooManyRooms, "the server hosts as many rooms as it may")
		return
	case err != nil:
		a.internal(w, err)
		return
	}
	a.cfg.Logger.Info("room created", "room", info.Name, "key", c.Issuer)
	WriteJSON(w, http.StatusCreated, info)
}

// RoomList is the body of GET /v1/rooms.
type RoomList struct {
	Rooms []room.Info `json:"rooms"`
}

func (a *API) listRooms(w http.ResponseWriter, r *http.Request, c *token.Claims) {
	if !c.Grants.RoomList {
		WriteError(w, http.StatusForbidden, CodePermissionDenied, "the token lacks the roomList grant")
		return
	}
	rooms := a.cfg.Rooms.List(c.Issuer)
	if c.Room != "" {
		// A room-bound token sees its own room only.
		rooms = slices.DeleteFunc(rooms, func(i room.Info) bool { return i.Name != c.Room })
	}
	WriteJSON(w, http.StatusOK, RoomList{Rooms: rooms})
}

// roomAccess resolves {room} and checks that c may administer it: the
// roomAdmin grant (or roomList for reading), a room claim that is empty or
// names it, and ownership by the token's key. It writes the error itself.
func (a *API) roomAccess(w http.ResponseWriter, r *http.Request, c *token.Claims, read bool) (room.Info, bool) {
	name := r.PathValue("room")
	if !c.Grants.RoomAdmin && !(read && c.Grants.RoomList) {
		WriteError(w, http.StatusForbidden, CodePermissionDenied, "the token lacks the roomAdmin grant")
		return room.Info{}, false
	}
	if c.Room != "" && c.Room != name {
		WriteError(w, http.StatusForbidden, "token_room", "the token is for another room")
		return room.Info{}, false
	}
	info, err := a.cfg.Rooms.Get(name)
	if err != nil {
		WriteError(w, http.StatusNotFound, CodeRoomNotFound, "no such room")
		return room.Info{}, false
	}
	if info.Owner != c.Issuer {
		WriteError(w, http.StatusForbidden, CodePermissionDenied, "the room belongs to another API key")
		return room.Info{}, false
	}
	return info, true
}

func (a *API) getRoom(w http.ResponseWriter, r *http.Request, c *token.Claims) {
	if info, ok := a.roomAccess(w, r, c, true); ok {
		WriteJSON(w, http.StatusOK, info)
	}
}

func (a *API) deleteRoom(w http.ResponseWriter, r *http.Request, c *token.Claims) {
	info, ok := a.roomAccess(w, r, c, false)
	if !ok {
		return
	}
	if err := a.cfg.Rooms.Delete(info.Name, "room_deleted"); err != nil {
		WriteError(w, http.StatusNotFound, CodeRoomNotFound, "no such room")
		return
	}
	a.cfg.Logger.Info("room deleted", "room", info.Name, "key", c.Issuer)
	w.WriteHeader(http.StatusNoContent)
}

// ParticipantList is the body of GET /v1/rooms/{room}/participants.
type ParticipantList struct {
	Participants []room.ParticipantInfo `json:"participants"`
}

func (a *API) listParticipants(w http.ResponseWriter, r *http.Request, c *token.Claims) {
	info, ok := a.roomAccess(w, r, c, false)
	if !ok {
		return
	}
	ps, err := a.cfg.Rooms.Participants(info.Name)
	if err != nil {
		WriteError(w, http.StatusNotFound, CodeRoomNotFound, "no such room")
		return
	}
	WriteJSON(w, http.StatusOK, ParticipantList{Participants: ps})
}

func (a *API) removeParticipant(w http.ResponseWriter, r *http.Request, c *token.Claims) {
	info, ok := a.roomAccess(w, r, c, false)
	if !ok {
		return
	}
	identity := r.PathValue("identity")
	if err := a.cfg.Rooms.Remove(info.Name, identity, "removed"); err != nil {
		a.roomError(w, err)
		return
	}
	a.cfg.Logger.Info("participant removed", "room", info.Name, "identity", identity, "key", c.Issuer)
	w.WriteHeader(http.StatusNoContent)
}

// MuteRequest is the body of POST …/tracks/{track}/mute.
type MuteRequest struct {
	Muted *bool `json:"muted"`
}

func (a *API) muteTrack(w http.ResponseWriter, r *http.Request, c *token.Claims) {
	info, ok := a.roomAccess(w, r, c, false)
	if !ok {
		return
	}
	var req MuteRequest
	if !decode(w, r, &req) {
		return
	}
	if req.Muted == nil {
		WriteError(w, http.StatusBadRequest, CodeInvalidArgument, "muted: required (true or false)")
		return
	}
	t, err := a.cfg.Rooms.MuteTrack(info.Name, r.PathValue("identity"), r.PathValue("track"), *req.Muted)
	if err != nil {
		a.roomError(w, err)
		return
	}
	WriteJSON(w, http.StatusOK, t)
}

func (a *API) roomError(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, room.ErrRoomNotFound):
		WriteError(w, http.StatusNotFound, CodeRoomNotFound, "no such room")
	case errors.Is(err, room.ErrUnknownParticipant):
		WriteError(w, http.StatusNotFound, CodeParticipantUnknown, "no such participant in the room")
	case errors.Is(err, room.ErrUnknownTrack):
		WriteError(w, http.StatusNotFound, CodeTrackUnknown, "no such track")
	default:
		a.internal(w, err)
	}
}

func (a *API) internal(w http.ResponseWriter, err error) {
	a.cfg.Logger.Error("api", "err", err)
	WriteError(w, http.StatusInternalServerError, CodeInternal, "internal error")
}
