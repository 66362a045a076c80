package accounts

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/conclave-video/conclave/internal/auth"
	"github.com/conclave-video/conclave/internal/httpapi"
	"github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/internal/store"
	"github.com/conclave-video/conclave/protocol"
)

// Administration under /v1/users (docs/accounts.md, "Administration"):
// accounts, their role and status, password reset links, second factor
// resets and signup invites. Every route needs an admin's session with
// the second factor policy satisfied; the account changes themselves are
// internal/auth's, shared with `conclave user`.

// Limits of administration.
const (
	// MaxListUsers is the most accounts one GET /v1/users answers (and
	// its default); a full page carries "next", the cursor of the next.
	MaxListUsers = store.MaxListLimit
	// MaxListInvites is the most invites GET /v1/users/invites answers,
	// newest first.
	MaxListInvites = 1000
	// MaxOutstandingInvites bounds the invites unused and unexpired at
	// once (409 too_many_invites beyond).
	MaxOutstandingInvites = 1000
	// DefaultInviteLifetime is an invite's lifetime when none is asked.
	DefaultInviteLifetime = 72 * time.Hour
	// MaxInviteLifetime bounds an invite's lifetime, whatever
	// accounts.invite_max_lifetime says; MinInviteLifetime is the least.
	MaxInviteLifetime = 30 * 24 * time.Hour
	MinInviteLifetime = time.Minute
	// maxDurationLen bounds a duration as written ("72h").
	maxDurationLen = 32
)

// AdminUserView is an account as the admins' list shows it.
type AdminUserView struct {
	ID           string     `json:"id"`
	Email        string     `json:"email"`
	Name         string     `json:"name"`
	Role         string     `json:"role"`
	Status       string     `json:"status"`
	TOTP         bool       `json:"totp"`
	Passkeys     int        `json:"passkeys"`
	CreatedAt    time.Time  `json:"created_at"`
	LastSigninAt *time.Time `json:"last_signin_at,omitempty"`
}

func adminUserView(l store.UserListing) AdminUserView {
	v := AdminUserView{
		ID: l.ID, Email: l.Email, Name: l.DisplayName, Role: l.Role, Status: l.Status,
		TOTP: l.TOTPEnabled, Passkeys: l.Passkeys, CreatedAt: l.CreatedAt.UTC(),
	}
	if !l.LastSigninAt.IsZero() {
		t := l.LastSigninAt.UTC()
		v.LastSigninAt = &t
	}
	return v
}

// UserList is the answer of GET /v1/users.
type UserList struct {
	Users []AdminUserView `json:"users"`
	// Next, when set, is the cursor of the next page: GET
	// /v1/users?after=<next>.
	Next string `json:"next,omitempty"`
}

// UserResponse is the answer of PATCH /v1/users/{id} and reset-2fa.
type UserResponse struct {
	User AdminUserView `json:"user"`
}

// PatchUserRequest is the body of PATCH /v1/users/{id}.
type PatchUserRequest struct {
	Role   *string `json:"role"`
	Status *string `json:"status"`
}

// ResetLinkResponse is the answer of POST /v1/users/{id}/reset-password.
type ResetLinkResponse struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
}

// InviteView is a signup invite as admins see it (never its token).
type InviteView struct {
	ID        string     `json:"id"`
	Email     string     `json:"email"`
	Role      string     `json:"role"`
	CreatedBy string     `json:"created_by"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt time.Time  `json:"expires_at"`
	UsedAt    *time.Time `json:"used_at,omitempty"`
}

func inviteView(in store.SignupInvite) InviteView {
	v := InviteView{
		ID: in.ID, Email: in.Email, Role: in.Role, CreatedBy: in.CreatedBy,
		CreatedAt: in.CreatedAt.UTC(), ExpiresAt: in.ExpiresAt.UTC(),
	}
	if !in.UsedAt.IsZero() {
		t := in.UsedAt.UTC()
		v.UsedAt = &t
	}
	return v
}

// CreateInviteRequest is the body of POST /v1/users/invites.
type CreateInviteRequest struct {
	Email     string `json:"email"`
	Role      string `json:"role"`
	ExpiresIn string `json:"expires_in"`
}

// CreateInviteResponse is its answer: the token is shown this once.
type CreateInviteResponse struct {
	Invite InviteView `json:"invite"`
	Token  string     `json:"token"`
}

// InviteList is the answer of GET /v1/users/invites.
type InviteList struct {
	Invites []InviteView `json:"invites"`
}

// admin runs h for an admin's session with the policy satisfied; any other
// account gets 403 permission_denied (and an admin_refused event).
func (s *Service) admin(h sessionHandler) http.Handler {
	return s.authed(func(w http.ResponseWriter, r *http.Request, cur *Current) {
		if cur.User.Role != store.RoleAdmin {
			s.event(cur.client, room.SecurityEvent{Kind: room.SecurityAdminRefused, Outcome: room.OutcomeRefused,
				Reason: r.Pattern, Actor: cur.User.ID, Subject: cur.User.ID})
			httpapi.WriteError(w, http.StatusForbidden, protocol.CodePermissionDenied, "only an admin may do this")
			return
		}
		h(w, r, cur)
	}, complete)
}

// AdminCaller is the admin an Admin handler serves: the account's id and
// the client's address and user agent, for the security events its
// actions emit.
type AdminCaller struct {
	ID, IP, UserAgent string
}

// Admin serves h to an admin only, as the /v1/users routes are (an
// admin's session with the policy satisfied; anyone else 401 or 403 and
// an admin_refused event): for the server's own admin routes
// (/v1/webhooks/deliveries, /v1/security/events, /v1/admin/rooms).
func (s *Service) Admin(h func(http.ResponseWriter, *http.Request, AdminCaller)) http.Handler {
	return s.admin(func(w http.ResponseWriter, r *http.Request, cur *Current) {
		h(w, r, AdminCaller{ID: cur.User.ID, IP: cur.client.ip, UserAgent: cur.client.userAgent})
	})
}

// subject reads the {id} of a /v1/users/{id} route and loads that account.
// An admin acts on others only: their own password and second factors are
// changed through /v1/auth, which asks for the current password, so a
// stolen admin session cannot strip its own account's protections, and an
// admin cannot demote or disable themself by mistake. On failure it writes
// the answer.
func (s *Service) subject(w http.ResponseWriter, r *http.Request, cur *Current) (store.UserListing, bool) {
	id := r.PathValue("id")
	if len(id) > store.MaxIDBytes || !strings.HasPrefix(id, "US_") {
		httpapi.WriteError(w, http.StatusNotFound, protocol.CodeNotFound, "no such account")
		return store.UserListing{}, false
	}
	if id == cur.User.ID {
		httpapi.WriteError(w, http.StatusForbidden, protocol.CodePermissionDenied,
			"an admin cannot change their own account here: use the account's own settings")
		return store.UserListing{}, false
	}
	l, err := s.cfg.Store.UserListing(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		httpapi.WriteError(w, http.StatusNotFound, protocol.CodeNotFound, "no such account")
		return store.UserListing{}, false
	}
	if err != nil {
		s.fail(w, err)
		return store.UserListing{}, false
	}
	return l, true
}

// writeUser answers with the account id as it is now.
func (s *Service) writeUser(w http.ResponseWriter, r *http.Request, id string) {
	l, err := s.cfg.Store.UserListing(r.Context(), id)
	if err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, UserResponse{User: adminUserView(l)})
}

func (s *Service) listUsers(w http.ResponseWriter, r *http.Request, _ *Current) {
	q := r.URL.Query()
	for k := range q {
		if k != "limit" && k != "after" {
			invalidArgument(w, "unknown query parameter: only limit and after are known")
			return
		}
	}
	limit := MaxListUsers
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxListUsers {
			invalidArgument(w, "limit must be 1 to "+strconv.Itoa(MaxListUsers))
			return
		}
		limit = n
	}
	after := q.Get("after")
	if after != "" && (len(after) > store.MaxIDBytes || !strings.HasPrefix(after, "US_")) {
		invalidArgument(w, "after is not a cursor this list gave")
		return
	}
	ls, err := s.cfg.Store.ListUserListings(r.Context(), after, limit)
	if errors.Is(err, store.ErrNotFound) {
		invalidArgument(w, "after is not a cursor this list gave")
		return
	}
	if err != nil {
		s.fail(w, err)
		return
	}
	out := UserList{Users: make([]AdminUserView, 0, len(ls))}
	for _, l := range ls {
		out.Users = append(out.Users, adminUserView(l))
	}
	if len(ls) == limit {
		out.Next = ls[len(ls)-1].ID
	}
	writeJSON(w, out)
}

func (s *Service) patchUser(w http.ResponseWriter, r *http.Request, cur *Current) {
	var req PatchUserRequest
	if !decode(w, r, &req) {
		return
	}
	switch {
	case req.Role == nil && req.Status == nil:
		invalidArgument(w, "role or status is required")
		return
	case req.Role != nil && *req.Role != store.RoleAdmin && *req.Role != store.RoleMember:
		invalidArgument(w, `role must be "admin" or "member"`)
		return
	case req.Status != nil && *req.Status != store.StatusActive && *req.Status != store.StatusDisabled:
		invalidArgument(w, `status must be "active" or "disabled"`)
		return
	}
	target, ok := s.subject(w, r, cur)
	if !ok {
		return
	}
	ev := room.SecurityEvent{Kind: room.SecurityUserUpdated, Actor: cur.User.ID, Subject: target.ID, Email: target.Email}
	c, err := auth.ChangeUser(r.Context(), s.cfg.Store, target.ID, req.Role, req.Status, s.now())
	switch {
	case errors.Is(err, store.ErrLastAdmin):
		ev.Outcome, ev.Reason = room.OutcomeRefused, "last_admin"
		s.event(cur.client, ev)
		httpapi.WriteError(w, http.StatusConflict, protocol.CodeLastAdmin,
			"this is the last active admin: make another admin first")
		return
	case errors.Is(err, store.ErrNotFound):
		httpapi.WriteError(w, http.StatusNotFound, protocol.CodeNotFound, "no such account")
		return
	case err != nil && c.User.ID == "":
		s.fail(w, err)
		return
	}
	// Stored: the event says what changed even if ending sessions failed.
	if c.RoleChanged {
		ev.Reason = "role_" + c.User.Role
		s.event(cur.client, ev)
	}
	if c.StatusChanged {
		ev.Reason = c.User.Status
		s.event(cur.client, ev)
	}
	if err != nil {
		s.fail(w, err)
		return
	}
	s.writeUser(w, r, target.ID)
}

func (s *Service) resetUserPassword(w http.ResponseWriter, r *http.Request, cur *Current) {
	if !decodeEmpty(w, r) {
		return
	}
	target, ok := s.subject(w, r, cur)
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), HashWait)
	defer cancel()
	issued, err := auth.IssuePasswordReset(ctx, s.cfg.Store, s.cfg.Hasher, target.ID, cur.User.ID, s.now())
	if errors.Is(err, store.ErrNotFound) {
		httpapi.WriteError(w, http.StatusNotFound, protocol.CodeNotFound, "no such account")
		return
	}
	if err != nil {
		s.fail(w, err)
		return
	}
	s.event(cur.client, room.SecurityEvent{Kind: room.SecurityPasswordReset, Reason: "link_issued",
		Actor: cur.User.ID, Subject: target.ID, Email: target.Email})
	writeJSON(w, ResetLinkResponse{Token: issued.Token, ExpiresAt: issued.Reset.ExpiresAt.UTC()})
}

func (s *Service) resetUser2FA(w http.ResponseWriter, r *http.Request, cur *Current) {
	if !decodeEmpty(w, r) {
		return
	}
	target, ok := s.subject(w, r, cur)
	if !ok {
		return
	}
	if _, err := auth.ResetSecondFactors(r.Context(), s.cfg.Store, target.ID); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			httpapi.WriteError(w, http.StatusNotFound, protocol.CodeNotFound, "no such account")
			return
		}
		s.fail(w, err)
		return
	}
	s.event(cur.client, room.SecurityEvent{Kind: room.SecuritySecondFactorReset, Actor: cur.User.ID, Subject: target.ID, Email: target.Email})
	s.writeUser(w, r, target.ID)
}

// inviteLifetime is the longest invite this server makes.
func (s *Service) inviteLifetime() time.Duration {
	if m := s.cfg.Accounts.InviteMaxLifetime; m > 0 && m < MaxInviteLifetime {
		return m
	}
	return MaxInviteLifetime
}

func (s *Service) createInvite(w http.ResponseWriter, r *http.Request, cur *Current) {
	var req CreateInviteRequest
	if !decode(w, r, &req) {
		return
	}
	if req.Role != store.RoleAdmin && req.Role != store.RoleMember {
		invalidArgument(w, `role is required: "admin" or "member"`)
		return
	}
	lifetime := DefaultInviteLifetime
	if req.ExpiresIn != "" {
		d, err := time.ParseDuration(req.ExpiresIn)
		if len(req.ExpiresIn) > maxDurationLen || err != nil {
			invalidArgument(w, `expires_in is not a duration such as "72h"`)
			return
		}
		lifetime = d
	}
	if maxLife := s.inviteLifetime(); lifetime < MinInviteLifetime || lifetime > maxLife {
		invalidArgument(w, "expires_in must be from "+MinInviteLifetime.String()+" to "+maxLife.String())
		return
	}
	tok, in, err := auth.CreateInvite(r.Context(), s.cfg.Store, auth.NewInvite{
		Email: req.Email, Role: req.Role, CreatedBy: cur.User.ID, Lifetime: lifetime,
	}, s.now(), MaxOutstandingInvites)
	switch {
	case errors.Is(err, auth.ErrEmailInvalid):
		invalidArgument(w, "email is not an email address (name@domain)")
		return
	case errors.Is(err, auth.ErrEmailTaken):
		httpapi.WriteError(w, http.StatusConflict, protocol.CodeEmailTaken, "an account with that email exists")
		return
	case errors.Is(err, store.ErrLimit):
		httpapi.WriteError(w, http.StatusConflict, protocol.CodeTooManyInvites,
			"too many invites are waiting to be used: delete some first")
		return
	case err != nil:
		s.fail(w, err)
		return
	}
	s.event(cur.client, room.SecurityEvent{Kind: room.SecurityUserInvited, Reason: in.Role, Actor: cur.User.ID, Email: in.Email})
	httpapi.WriteJSON(w, http.StatusCreated, CreateInviteResponse{Invite: inviteView(in), Token: tok})
}

func (s *Service) listInvites(w http.ResponseWriter, r *http.Request, _ *Current) {
	ins, err := s.cfg.Store.ListSignupInvites(r.Context())
	if err != nil {
		s.fail(w, err)
		return
	}
	out := InviteList{Invites: make([]InviteView, 0, min(len(ins), MaxListInvites))}
	for _, in := range ins[:min(len(ins), MaxListInvites)] {
		out.Invites = append(out.Invites, inviteView(in))
	}
	writeJSON(w, out)
}

func (s *Service) deleteInvite(w http.ResponseWriter, r *http.Request, cur *Current) {
	if !decodeEmpty(w, r) {
		return
	}
	id := r.PathValue("id")
	if len(id) > store.MaxIDBytes || !strings.HasPrefix(id, "IN_") {
		httpapi.WriteError(w, http.StatusNotFound, protocol.CodeNotFound, "no such invite")
		return
	}
	err := s.cfg.Store.DeleteSignupInvite(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		httpapi.WriteError(w, http.StatusNotFound, protocol.CodeNotFound, "no such invite")
		return
	}
	if err != nil {
		s.fail(w, err)
		return
	}
	s.event(cur.client, room.SecurityEvent{Kind: room.SecurityInviteDeleted, Reason: id, Actor: cur.User.ID})
	w.WriteHeader(http.StatusNoContent)
}
