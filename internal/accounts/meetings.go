package accounts

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/conclave-video/conclave/internal/auth"
	"github.com/conclave-video/conclave/internal/httpapi"
	"github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/internal/store"
	"github.com/conclave-video/conclave/protocol"
	"github.com/conclave-video/conclave/token"
)

// Meetings for signed-in users (docs/accounts.md, "Meetings"): a member
// creates a room owned by the account and gets a host join token that the
// server signs with its own key. A meeting is a room like any other: the
// rooms' one admission decision governs it, with the account's user id as
// the owner, and the host token's owner claim makes it the account's
// (internal/auth, owner.go).

// Limits and settings of meetings.
const (
	// HostTokenLifetime is how long a host join token lives, unless
	// tokens.max_lifetime or accounts.token_max_lifetime is shorter. A
	// reconnection presents the token again, so it must outlast a long
	// meeting; the app asks for a new one when it has expired.
	HostTokenLifetime = 8 * time.Hour
)

// hostGrants are a host's: join with everything, and administer the room.
var hostGrants = token.Grants{Publish: true, Subscribe: true, PublishData: true, RoomAdmin: true}

// checkMeetingsConfig: Rooms, ServerKey and Verifier go together.
func checkMeetingsConfig(cfg Config) error {
	if cfg.Rooms == nil && cfg.ServerKey.ID == "" && cfg.Verifier == nil {
		return nil
	}
	if cfg.Rooms == nil || cfg.Verifier == nil || token.ValidateKeyID(cfg.ServerKey.ID) != nil || len(cfg.ServerKey.Private) == 0 {
		return errors.New("accounts: meetings need Rooms, ServerKey and Verifier, all three")
	}
	return nil
}

// CreateMeetingRequest is the body of POST /v1/meetings.
type CreateMeetingRequest struct {
	// Name is the room's name; "" or absent makes an unguessable one.
	Name string `json:"name,omitempty"`
	// E2EE is "required" or "off"; absent takes the server default.
	E2EE string `json:"e2ee,omitempty"`
	// Password is the room's password (docs/access.md, "Lobby and
	// password"): the rooms keep only its argon2id hash, and no answer
	// carries it. Lobby is "on" or "off"; absent takes the policy's
	// lobby_for_guests. Either may make the room stricter than the
	// policy, never looser (policy_violation).
	Password string `json:"password,omitempty"`
	Lobby    string `json:"lobby,omitempty"`
}

// JoinInfo is a host join token and what it says.
type JoinInfo struct {
	Token     string    `json:"token"`
	Identity  string    `json:"identity"`
	Name      string    `json:"name"`
	ExpiresAt time.Time `json:"expires_at"`
}

// MeetingResponse is the answer of POST /v1/meetings.
type MeetingResponse struct {
	Room room.Info `json:"room"`
	Join JoinInfo  `json:"join"`
}

// MeetingList is the answer of GET /v1/meetings.
type MeetingList struct {
	Meetings []room.Info `json:"meetings"`
}

// JoinResponse is the answer of POST /v1/meetings/{name}/join.
type JoinResponse struct {
	Join JoinInfo `json:"join"`
}

// host is who asks, by session or personal token: the account, and the
// claims the rooms decide on.
type host struct {
	user   store.User
	claims *token.Claims
}

type hostHandler func(w http.ResponseWriter, r *http.Request, h host)

func (s *Service) registerMeetings(mux *http.ServeMux) {
	if s.cfg.Rooms == nil {
		return
	}
	mux.Handle("POST /v1/meetings", s.hosted(s.createMeeting))
	mux.Handle("GET /v1/meetings", s.hosted(s.listMeetings))
	mux.Handle("POST /v1/meetings/{name}/join", s.hosted(s.joinMeeting))
	mux.Handle("DELETE /v1/meetings/{name}", s.hosted(s.deleteMeeting))
}

// hosted authenticates a meetings request: with an Authorization header,
// by a personal API token (Bearer cvt_…) and nothing else, whatever
// cookie comes with it; without one, by the session, with the second
// factor policy satisfied and the cross-origin protection. The grants
// are the token's, or for a session all three room grants; the rooms'
// decision then checks them.
func (s *Service) hosted(h hostHandler) http.Handler {
	session := s.authed(func(w http.ResponseWriter, r *http.Request, cur *Current) {
		h(w, r, host{user: cur.User, claims: accountClaims(cur.User)})
	}, complete)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := r.Header["Authorization"]; !ok {
			session.ServeHTTP(w, r)
			return
		}
		raw, ok := personalBearer(r)
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="conclave"`)
			httpapi.WriteError(w, http.StatusUnauthorized, protocol.CodeUnauthenticated,
				"meetings take the session cookie or a personal API token (Authorization: Bearer cvt_…)")
			return
		}
		c, err := s.cfg.Verifier.Verify(r.Context(), raw)
		if err != nil {
			code := auth.Code(err)
			if code == "" {
				s.fail(w, err)
				return
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="conclave", error="invalid_token"`)
			httpapi.WriteError(w, http.StatusUnauthorized, code, err.Error())
			return
		}
		u, err := s.cfg.Store.User(r.Context(), c.Issuer)
		if errors.Is(err, store.ErrNotFound) {
			httpapi.WriteError(w, http.StatusUnauthorized, protocol.CodeTokenRevoked, "the token's account no longer exists")
			return
		}
		if err != nil {
			s.fail(w, err)
			return
		}
		if u.Status != store.StatusActive {
			httpapi.WriteError(w, http.StatusUnauthorized, protocol.CodeTokenRevoked, "the token's account is disabled")
			return
		}
		h(w, r, host{user: u, claims: c})
	})
}

// personalBearer returns the Authorization header's bearer token if it
// has the form of a personal API token. Tokens of any other kind (an API
// key's JWT, a host join token) never act here.
func personalBearer(r *http.Request) (string, bool) {
	v := r.Header.Values("Authorization")
	if len(v) != 1 {
		return "", false
	}
	const prefix = "bearer "
	if len(v[0]) <= len(prefix) || !strings.EqualFold(v[0][:len(prefix)], prefix) {
		return "", false
	}
	raw := strings.TrimSpace(v[0][len(prefix):])
	return raw, strings.HasPrefix(raw, auth.PersonalTokenPrefix+"_")
}

// accountClaims are what a signed-in session may do with rooms: create,
// list and administer the account's own.
func accountClaims(u store.User) *token.Claims {
	c := &token.Claims{Grants: token.Grants{RoomCreate: true, RoomList: true, RoomAdmin: true}}
	c.Issuer, c.Subject = u.ID, u.ID
	return c
}

// allowed asks the rooms whether h may do action on name; on refusal it
// writes the answer.
func (s *Service) allowed(w http.ResponseWriter, h host, action room.Action, name room.RoomName) bool {
	d := s.cfg.Rooms.Decide(room.Request{Claims: h.claims, Action: action, Room: name})
	if d.Outcome == room.Admitted {
		return true
	}
	s.roomError(w, d.Err)
	return false
}

// roomError answers a refusal from the rooms with its REST code; anything
// else is a server fault.
func (s *Service) roomError(w http.ResponseWriter, err error) {
	code := room.RESTCode(err)
	if code == protocol.CodeInternal {
		s.fail(w, err)
		return
	}
	if code == protocol.CodeUnavailable {
		s.log.Error("accounts: meetings: store unavailable", "err", err)
	}
	httpapi.WriteCode(w, code, room.Message(err))
}

// hostTokenLifetime is HostTokenLifetime, or less if the policy's
// max_token_lifetime or accounts.token_max_lifetime says so.
func (s *Service) hostTokenLifetime() time.Duration {
	ttl := HostTokenLifetime
	for _, l := range []time.Duration{s.pol().MaxTokenLifetime, s.cfg.Accounts.TokenMaxLifetime} {
		if l > 0 && l < ttl {
			ttl = l
		}
	}
	return ttl
}

// hostName is the account's display name as a token can carry it.
func hostName(u store.User) string {
	name := strings.Map(func(r rune) rune {
		if r < 0x20 || (r >= 0x7f && r < 0xa0) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, u.DisplayName)
	name = truncateUTF8(strings.TrimSpace(name), token.MaxNameLen)
	if token.ValidateName(name) != nil {
		return ""
	}
	return name
}

// hostToken signs a host join token for the account's room. The identity
// is the account's user id: one live session per account in a room, so a
// second tab is refused (identity_in_use) while the first is in.
func (s *Service) hostToken(u store.User, name room.RoomName) (JoinInfo, error) {
	ttl := s.hostTokenLifetime()
	now := s.now()
	display := hostName(u)
	raw, err := s.cfg.ServerKey.MintAt(token.Options{
		Identity: u.ID, Name: display, Room: string(name), TTL: ttl, Grants: hostGrants, Owner: u.ID,
	}, now)
	if err != nil {
		return JoinInfo{}, fmt.Errorf("accounts: host token: %w", err)
	}
	return JoinInfo{Token: raw, Identity: u.ID, Name: display, ExpiresAt: now.Truncate(time.Second).Add(ttl).UTC()}, nil
}

func (s *Service) createMeeting(w http.ResponseWriter, r *http.Request, h host) {
	var req CreateMeetingRequest
	if !decode(w, r, &req) {
		return
	}
	name := room.NewName()
	if req.Name != "" {
		if token.ValidateRoom(req.Name) != nil {
			invalidArgument(w, "name: 1-128 characters of A-Z a-z 0-9 _ . - (not . or ..)")
			return
		}
		name = room.RoomName(req.Name)
	}
	mode := room.E2EEMode(req.E2EE)
	if mode != "" && !mode.Valid() {
		invalidArgument(w, "e2ee: required or off")
		return
	}
	if req.Password != "" && !protocol.ValidRoomPassword(req.Password) {
		invalidArgument(w, fmt.Sprintf("password: %d to %d bytes of text without control characters",
			protocol.MinRoomPasswordChars, protocol.MaxRoomPasswordBytes))
		return
	}
	lobby := room.LobbyMode(req.Lobby)
	if lobby != "" && !lobby.Valid() {
		invalidArgument(w, "lobby: on or off")
		return
	}
	if !s.pol().MayCreateRooms(h.user.Role) {
		httpapi.WriteError(w, http.StatusForbidden, protocol.CodePolicyViolation,
			"the organisation's policy lets admins alone create meetings")
		return
	}
	if !s.allowed(w, h, room.ActionCreateRoom, name) {
		return
	}
	// The token first: a meeting is never made that its host cannot join.
	join, err := s.hostToken(h.user, name)
	if err != nil {
		s.fail(w, err)
		return
	}
	info, err := s.cfg.Rooms.Create(room.Spec{Name: name, Owner: room.KeyID(h.user.ID), E2EE: mode,
		Password: req.Password, Lobby: lobby})
	if err != nil {
		s.roomError(w, err)
		return
	}
	s.log.Info("meeting created", "room", info.Name, "account", h.user.ID)
	httpapi.WriteJSON(w, http.StatusCreated, MeetingResponse{Room: info, Join: join})
}

func (s *Service) listMeetings(w http.ResponseWriter, r *http.Request, h host) {
	if !s.allowed(w, h, room.ActionListRooms, "") {
		return
	}
	writeJSON(w, MeetingList{Meetings: s.cfg.Rooms.List(room.KeyID(h.user.ID))})
}

// meetingName is the path's room name, or "" (with the answer written)
// when it cannot be one.
func meetingName(w http.ResponseWriter, r *http.Request) room.RoomName {
	name := r.PathValue("name")
	if token.ValidateRoom(name) != nil {
		httpapi.WriteError(w, http.StatusNotFound, protocol.CodeRoomNotFound, "no such room")
		return ""
	}
	return room.RoomName(name)
}

func (s *Service) joinMeeting(w http.ResponseWriter, r *http.Request, h host) {
	if !decodeEmpty(w, r) {
		return
	}
	name := meetingName(w, r)
	if name == "" || !s.allowed(w, h, room.ActionAdministerRoom, name) {
		return
	}
	join, err := s.hostToken(h.user, name)
	if err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, JoinResponse{Join: join})
}

func (s *Service) deleteMeeting(w http.ResponseWriter, r *http.Request, h host) {
	if !decodeEmpty(w, r) {
		return
	}
	name := meetingName(w, r)
	if name == "" || !s.allowed(w, h, room.ActionAdministerRoom, name) {
		return
	}
	// The same end as the rooms API's: the role decision (the account's
	// host, or the account as the room's owner) and its events.
	if err := s.cfg.Rooms.End(name, h.claims, room.ReasonRoomDeleted); err != nil {
		s.roomError(w, err)
		return
	}
	s.log.Info("meeting ended", "room", name, "account", h.user.ID)
	w.WriteHeader(http.StatusNoContent)
}
