package accounts

import (
	"context"
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

// Meeting invites (docs/access.md, "Invites"): links the server signs for
// one room, with an expiry, a number of uses counted in the store, an
// optional email domain and the role a guest gets. Made, listed and
// revoked by whoever may share invites in the room (the room decides:
// room.Rooms.ShareInvite); redeemed by anyone who holds the link, for a
// guest join token the server signs.

// Limits and defaults of meeting invites.
const (
	DefaultMeetingInviteUses     = 1
	MaxMeetingInviteUses         = 1000
	DefaultMeetingInviteLifetime = 24 * time.Hour
	MinMeetingInviteLifetime     = time.Minute
	MaxMeetingInviteLifetime     = 30 * 24 * time.Hour
	// MaxOpenMeetingInvites is how many invites of a room may be open (neither
	// revoked, used up nor expired) at once.
	MaxOpenMeetingInvites = 100
	// GuestTokenLifetime is how long a guest join token lives, unless the
	// policy's max_token_lifetime or tokens.max_lifetime is shorter. A
	// reconnection presents it again, so it outlasts most meetings; a
	// guest who needs another redeems the link again (a use).
	GuestTokenLifetime = 2 * time.Hour
	// MaxEmailDomainBytes and MaxGuestEmailBytes bound the domain an
	// invite is restricted to and the email a guest states.
	MaxEmailDomainBytes = 253
	MaxGuestEmailBytes  = 254
	// GuestIdentityPrefix starts a guest's identity: fresh and random at
	// every redemption.
	GuestIdentityPrefix = "guest_"
)

// RoomPasswords checks a room's password at redemption (docs/access.md,
// "Lobby and password"): implemented by *room.Manager, with the same
// throttles (per address, per room) as a join's password. Nil: a
// password sent is ignored, and the join asks for it.
type RoomPasswords interface {
	// CheckRoomPassword returns nil when the room has no password or
	// password is it; otherwise a *room.Error (its code is answered;
	// room.RetryAfter says how long a too_many_attempts asks to wait).
	CheckRoomPassword(ctx context.Context, name room.RoomName, owner room.KeyID, password, addr string) error
}

// CreateMeetingInviteRequest is the body of POST /v1/meetings/{name}/invites.
type CreateMeetingInviteRequest struct {
	Role        string `json:"role,omitempty"`       // viewer or participant (default)
	MaxUses     int    `json:"max_uses,omitempty"`   // 1..1000, default 1
	ExpiresIn   int64  `json:"expires_in,omitempty"` // seconds, 60..30 days, default 1 day
	EmailDomain string `json:"email_domain,omitempty"`
}

// MeetingInvite is a meeting invite as the API shows it. It carries no secret.
type MeetingInvite struct {
	ID          string     `json:"id"`
	Room        string     `json:"room"`
	Role        string     `json:"role"`
	MaxUses     int        `json:"max_uses"`
	Uses        int        `json:"uses"`
	EmailDomain string     `json:"email_domain,omitempty"`
	CreatedBy   string     `json:"created_by"`
	CreatedAt   time.Time  `json:"created_at"`
	ExpiresAt   time.Time  `json:"expires_at"`
	RevokedAt   *time.Time `json:"revoked_at,omitempty"`
}

// CreateMeetingInviteResponse is the answer of POST …/invites: the token is in
// it and nowhere else (the link is https://HOST/#join=TOKEN).
type CreateMeetingInviteResponse struct {
	Invite MeetingInvite `json:"invite"`
	Token  string        `json:"token"`
}

// MeetingInviteList is the answer of GET …/invites.
type MeetingInviteList struct {
	Invites []MeetingInvite `json:"invites"`
}

// RedeemInviteRequest is the body of POST /v1/invites/redeem. Name is
// required of a guest; a signed-in member (the session cookie) is named
// by its account, and Name is used only when the account has no display
// name.
type RedeemInviteRequest struct {
	Invite   string `json:"invite"`
	Name     string `json:"name,omitempty"`
	Email    string `json:"email,omitempty"`
	Password string `json:"password,omitempty"`
}

// RedeemInviteResponse is its answer: a guest join token.
type RedeemInviteResponse struct {
	Room   string   `json:"room"`
	Role   string   `json:"role"`
	Invite string   `json:"invite_id"`
	Join   JoinInfo `json:"join"`
	// Member: the token is a signed-in member's (its identity the
	// account's user id, the member claim set), not a guest's.
	Member bool `json:"member,omitempty"`
}

func inviteOf(in store.MeetingInvite) MeetingInvite {
	out := MeetingInvite{ID: in.ID, Room: in.Room, Role: in.Role, MaxUses: in.MaxUses, Uses: in.Uses,
		EmailDomain: in.EmailDomain, CreatedBy: in.CreatedBy, CreatedAt: in.CreatedAt, ExpiresAt: in.ExpiresAt}
	if in.Revoked() {
		t := in.RevokedAt
		out.RevokedAt = &t
	}
	return out
}

func (s *Service) registerInvites(mux *http.ServeMux) {
	if s.cfg.Rooms == nil || s.cfg.Invites == nil {
		return
	}
	mux.Handle("POST /v1/meetings/{name}/invites", s.sharer(s.createMeetingInvite))
	mux.Handle("GET /v1/meetings/{name}/invites", s.sharer(s.listMeetingInvites))
	mux.Handle("DELETE /v1/meetings/{name}/invites/{id}", s.sharer(s.revokeMeetingInvite))
	mux.Handle("POST /v1/invites/redeem", s.unsafe(http.HandlerFunc(s.redeemInvite)))
}

// sharer authenticates an invite request: the session or a personal
// token as for meetings (hosted), or a REST token of any other kind (an
// API key's token, a host's or a participant's join token) verified as
// the REST API does. The room then decides, on the role of whom the
// token acts as (room.Rooms.ShareInvite).
func (s *Service) sharer(h hostHandler) http.Handler {
	hosted := s.hosted(h)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, isJWT := jwtBearer(r)
		if !isJWT {
			hosted.ServeHTTP(w, r)
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
		h(w, r, host{claims: c})
	})
}

// jwtBearer returns the Authorization header's bearer token when it is
// one header, a bearer token, and not a personal API token.
func jwtBearer(r *http.Request) (string, bool) {
	v := r.Header.Values("Authorization")
	if len(v) != 1 {
		return "", false
	}
	const prefix = "bearer "
	if len(v[0]) <= len(prefix) || !strings.EqualFold(v[0][:len(prefix)], prefix) {
		return "", false
	}
	raw := strings.TrimSpace(v[0][len(prefix):])
	return raw, raw != "" && !strings.HasPrefix(raw, auth.PersonalTokenPrefix+"_")
}

// actorName is how an invite records who made or revoked it.
func actorName(c *token.Claims) string {
	if c.Subject != "" {
		return c.Subject
	}
	return "owner:" + c.Issuer
}

// shareable asks the room whether h may manage invites giving role, and
// answers the refusal.
func (s *Service) shareable(w http.ResponseWriter, h host, name room.RoomName, role room.Role) (room.Info, bool) {
	info, err := s.cfg.Rooms.ShareInvite(name, h.claims, role)
	if err != nil {
		s.roomError(w, err)
		return room.Info{}, false
	}
	return info, true
}

// validEmailDomain reports whether d is a lower-case DNS name of two or
// more labels.
func validEmailDomain(d string) bool {
	if len(d) == 0 || len(d) > MaxEmailDomainBytes || !strings.Contains(d, ".") {
		return false
	}
	for _, label := range strings.Split(d, ".") {
		if len(label) == 0 || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}

func (s *Service) createMeetingInvite(w http.ResponseWriter, r *http.Request, h host) {
	var req CreateMeetingInviteRequest
	if !decode(w, r, &req) {
		return
	}
	name := meetingName(w, r)
	if name == "" {
		return
	}
	role := room.Role(req.Role)
	if req.Role == "" {
		role = room.RoleParticipant
	}
	if req.MaxUses == 0 {
		req.MaxUses = DefaultMeetingInviteUses
	}
	ttl := DefaultMeetingInviteLifetime
	if req.ExpiresIn != 0 {
		ttl = time.Duration(req.ExpiresIn) * time.Second
	}
	domain := strings.ToLower(strings.TrimSpace(req.EmailDomain))
	switch {
	case role != room.RoleViewer && role != room.RoleParticipant:
		invalidArgument(w, "role: viewer or participant")
		return
	case req.MaxUses < 1 || req.MaxUses > MaxMeetingInviteUses:
		invalidArgument(w, fmt.Sprintf("max_uses: 1..%d", MaxMeetingInviteUses))
		return
	case req.ExpiresIn < 0 || req.ExpiresIn > int64(MaxMeetingInviteLifetime/time.Second) || ttl < MinMeetingInviteLifetime:
		invalidArgument(w, fmt.Sprintf("expires_in: %d..%d seconds", int64(MinMeetingInviteLifetime/time.Second), int64(MaxMeetingInviteLifetime/time.Second)))
		return
	case domain != "" && !validEmailDomain(domain):
		invalidArgument(w, "email_domain: a domain name such as example.org")
		return
	}
	info, ok := s.shareable(w, h, name, role)
	if !ok {
		return
	}
	now := s.now().UTC()
	expires := now.Add(ttl)
	if info.EndsAt != nil && info.EndsAt.Before(expires) {
		// An invite outliving its meeting's end would admit nobody.
		expires = *info.EndsAt
	}
	expires = expires.Truncate(time.Second)
	if !expires.After(now) {
		httpapi.WriteCode(w, protocol.CodeRoomNotFound, "the meeting is ending")
		return
	}
	in := store.MeetingInvite{ID: newPublicID(InviteIDPrefix), Room: string(name), Owner: string(info.Owner),
		CreatedBy: actorName(h.claims), Role: string(role), MaxUses: req.MaxUses, EmailDomain: domain,
		CreatedAt: now, ExpiresAt: expires}
	tok, err := signInvite(s.cfg.ServerKey, invitePayload{ID: in.ID, Room: in.Room, Exp: expires.Unix()})
	if err != nil {
		s.fail(w, err)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), storeTimeout)
	defer cancel()
	switch err := s.cfg.Invites.CreateMeetingInvite(ctx, in, MaxOpenMeetingInvites); {
	case errors.Is(err, store.ErrTooManyInvites):
		httpapi.WriteCode(w, protocol.CodeTooManyMeetingInvites, fmt.Sprintf("the room has %d open invites: revoke some first", MaxOpenMeetingInvites))
		return
	case errors.Is(err, store.ErrUnavailable):
		httpapi.WriteCode(w, protocol.CodeUnavailable, "the invite could not be stored; try again later")
		return
	case err != nil:
		s.fail(w, err)
		return
	}
	s.event(clientOf(r), room.SecurityEvent{Kind: room.SecurityMeetingInviteCreated, Actor: in.CreatedBy, Subject: in.ID,
		Reason: string(name) + " " + in.Role})
	httpapi.WriteJSON(w, http.StatusCreated, CreateMeetingInviteResponse{Invite: inviteOf(in), Token: tok})
}

// storeTimeout bounds a store call of an invite request.
const storeTimeout = 10 * time.Second

func (s *Service) listMeetingInvites(w http.ResponseWriter, r *http.Request, h host) {
	name := meetingName(w, r)
	if name == "" {
		return
	}
	info, ok := s.shareable(w, h, name, room.RoleParticipant)
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), storeTimeout)
	defer cancel()
	ins, err := s.cfg.Invites.ListMeetingInvites(ctx, string(info.Owner), string(name), s.now().Add(-7*24*time.Hour))
	if err != nil {
		s.fail(w, err)
		return
	}
	out := MeetingInviteList{Invites: make([]MeetingInvite, 0, len(ins))}
	for _, in := range ins {
		out.Invites = append(out.Invites, inviteOf(in))
	}
	writeJSON(w, out)
}

func (s *Service) revokeMeetingInvite(w http.ResponseWriter, r *http.Request, h host) {
	if !decodeEmpty(w, r) {
		return
	}
	name := meetingName(w, r)
	if name == "" {
		return
	}
	info, ok := s.shareable(w, h, name, room.RoleParticipant)
	if !ok {
		return
	}
	id := r.PathValue("id")
	ctx, cancel := context.WithTimeout(r.Context(), storeTimeout)
	defer cancel()
	in, err := s.cfg.Invites.MeetingInvite(ctx, id)
	if err == nil && (in.Owner != string(info.Owner) || in.Room != string(name)) {
		err = store.ErrNotFound // another room's: as if it did not exist
	}
	if err == nil {
		err = s.cfg.Invites.RevokeMeetingInvite(ctx, in.Owner, id, s.now().UTC())
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		httpapi.WriteError(w, http.StatusNotFound, protocol.CodeNotFound, "no such invite in this room")
		return
	case errors.Is(err, store.ErrUnavailable):
		httpapi.WriteCode(w, protocol.CodeUnavailable, "the revocation could not be stored; try again later")
		return
	case err != nil:
		s.fail(w, err)
		return
	}
	s.event(clientOf(r), room.SecurityEvent{Kind: room.SecurityMeetingInviteRevoked, Actor: actorName(h.claims), Subject: id,
		Reason: string(name)})
	w.WriteHeader(http.StatusNoContent)
}

// guestTokenLifetime is GuestTokenLifetime, or less if the policy or the
// configuration says so.
func (s *Service) guestTokenLifetime() time.Duration {
	ttl := GuestTokenLifetime
	for _, l := range []time.Duration{s.pol().MaxTokenLifetime, s.cfg.JoinTokenMaxLifetime} {
		if l > 0 && l < ttl {
			ttl = l
		}
	}
	return ttl
}

// guestGrants are what an invite's role joins with.
func guestGrants(role string) token.Grants {
	if role == string(room.RoleViewer) {
		return token.Grants{Subscribe: true}
	}
	return token.Grants{Publish: true, Subscribe: true, PublishData: true}
}

// guestName is the display name a guest typed, as a token carries it, or
// "" if it cannot be one.
func guestName(name string) string {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > token.MaxNameLen || token.ValidateName(name) != nil {
		return ""
	}
	for _, r := range name {
		if r < 0x20 || (r >= 0x7f && r < 0xa0) || r == '\u2028' || r == '\u2029' {
			return ""
		}
	}
	return name
}

// emailDomain is the domain of an email a guest stated, lower-cased, or
// "" if it is not an address.
func emailDomain(email string) string {
	email = strings.ToLower(strings.TrimSpace(email))
	local, domain, ok := strings.Cut(email, "@")
	if !ok || local == "" || len(email) > MaxGuestEmailBytes || strings.ContainsAny(local, " \t\r\n") || !validEmailDomain(domain) {
		return ""
	}
	return domain
}
