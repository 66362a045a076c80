package accounts

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/conclave-video/conclave/internal/auth"
	"github.com/conclave-video/conclave/internal/httpapi"
	"github.com/conclave-video/conclave/internal/policy"
	"github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/internal/store"
	"github.com/conclave-video/conclave/protocol"
)

// Signup (docs/accounts.md, "Signup"): with an admin's invite, or without
// one when accounts.signup is "open". No session is needed; the same
// cross-origin protection as sign-in applies, and every refusal that
// could be a guess (a wrong, used or expired invite; a taken email under
// open signup) counts as a failure of the client's address in the sign-in
// tracker, so that addresses guessing invites or probing emails are slowed
// down and then held, as sign-in guessers are.

// maxTokenLen bounds an invite or reset token as given: longer is not one.
const maxTokenLen = 128

// SignupCheckRequest is the body of POST /v1/auth/signup/check.
type SignupCheckRequest struct {
	Invite string `json:"invite"`
}

// SignupCheckResponse says what an invite gives.
type SignupCheckResponse struct {
	Email     string    `json:"email"` // "" for any email
	Role      string    `json:"role"`
	ExpiresAt time.Time `json:"expires_at"`
}

// SignupRequest is the body of POST /v1/auth/signup.
type SignupRequest struct {
	Invite   string `json:"invite"`
	Email    string `json:"email"`
	Name     string `json:"name"`
	Password string `json:"password"`
}

// addrHeld answers 429 when the client's address must wait, and reports
// whether it did.
func (s *Service) addrHeld(w http.ResponseWriter, c client, ev room.SecurityEvent) bool {
	wait := s.cfg.Tracker.AddrWait(c.key)
	if wait <= 0 {
		return false
	}
	ev.Reason = "address"
	s.refusedThrottled(w, c, ev, wait)
	return true
}

// inviteRefused counts a refused invite against the address and answers
// 400 invite_invalid, the same for an unknown, used, expired or
// mismatched invite.
func (s *Service) inviteRefused(w http.ResponseWriter, c client, reason, email string) {
	s.cfg.Tracker.AddrFailed(c.key)
	s.event(c, room.SecurityEvent{Kind: room.SecurityInviteRedeemed, Outcome: room.OutcomeRefused, Reason: reason, Email: email})
	httpapi.WriteError(w, http.StatusBadRequest, protocol.CodeInviteInvalid,
		"the invite is unknown, used, expired or for another email: ask for a new one")
}

// usableInvite looks up the invite a token names and checks that it can be
// used at now; reason says why not.
func (s *Service) usableInvite(ctx context.Context, tok string) (in store.SignupInvite, reason string, err error) {
	hash, ok := auth.ParseInviteToken(tok)
	if !ok {
		return in, "malformed", nil
	}
	in, err = s.cfg.Store.SignupInviteByHash(ctx, hash)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return in, "unknown", nil
	case err != nil:
		return in, "", err
	case !in.UsedAt.IsZero():
		return in, "used", nil
	case !s.now().Before(in.ExpiresAt):
		return in, "expired", nil
	}
	return in, "", nil
}

func (s *Service) signupCheck(w http.ResponseWriter, r *http.Request) {
	var req SignupCheckRequest
	if !decode(w, r, &req) {
		return
	}
	if req.Invite == "" || len(req.Invite) > maxTokenLen {
		invalidArgument(w, "invite is required: the token of the invite link")
		return
	}
	c := clientOf(r)
	if s.addrHeld(w, c, room.SecurityEvent{Kind: room.SecurityInviteRedeemed}) {
		return
	}
	in, reason, err := s.usableInvite(r.Context(), req.Invite)
	if err != nil {
		s.fail(w, err)
		return
	}
	if reason != "" {
		s.inviteRefused(w, c, reason, "")
		return
	}
	writeJSON(w, SignupCheckResponse{Email: in.Email, Role: in.Role, ExpiresAt: in.ExpiresAt.UTC()})
}

// writePasswordError answers a new password the policy refuses, and
// reports whether err was one.
func writePasswordError(w http.ResponseWriter, err error) bool {
	var pe *auth.PasswordError
	if !errors.As(err, &pe) {
		return false
	}
	code := pe.Code
	if code == auth.CodePasswordInvalidUTF8 {
		code = protocol.CodeInvalidArgument
	}
	httpapi.WriteError(w, http.StatusBadRequest, code, strings.TrimPrefix(pe.Error(), pe.Code+": "))
	return true
}

func (s *Service) signup(w http.ResponseWriter, r *http.Request) {
	var req SignupRequest
	if !decode(w, r, &req) {
		return
	}
	name, msg := checkDisplayName(req.Name)
	switch {
	case len(req.Invite) > maxTokenLen:
		invalidArgument(w, "invite is not an invite token")
		return
	case strings.TrimSpace(req.Email) == "":
		invalidArgument(w, "email is required")
		return
	case req.Password == "":
		invalidArgument(w, "password is required")
		return
	case len(req.Password) > auth.MaxPasswordBytes:
		invalidArgument(w, "password is longer than any password can be")
		return
	case msg != "":
		invalidArgument(w, msg)
		return
	}
	email, err := auth.CanonicalEmail(req.Email)
	if err != nil {
		invalidArgument(w, "email is not an email address (name@domain)")
		return
	}
	c := clientOf(r)
	ev := room.SecurityEvent{Kind: room.SecurityUserCreated, Email: email}
	if s.addrHeld(w, c, ev) {
		return
	}
	switch s.pol().AllowsSignupFor(email, req.Invite != "") {
	case policy.ErrEmailDomain:
		s.cfg.Tracker.AddrFailed(c.key)
		s.domainRefused(w, c, ev)
		return
	case policy.ErrSignupClosed:
		ev.Outcome, ev.Reason = room.OutcomeRefused, "signup_closed"
		s.event(c, ev)
		httpapi.WriteError(w, http.StatusForbidden, protocol.CodeSignupClosed,
			"accounts are made by invitation only: ask an admin for an invite")
		return
	}
	ctx := r.Context()
	hctx, cancel := context.WithTimeout(ctx, HashWait)
	defer cancel()
	nu := auth.NewUser{Email: email, DisplayName: name, Role: store.RoleMember, Password: req.Password}
	var u store.User
	var in store.SignupInvite
	if req.Invite != "" {
		// The invite is checked before the costly hash, and again, with
		// the account's creation, in one transaction by the store.
		var reason string
		in, reason, err = s.usableInvite(ctx, req.Invite)
		if err != nil {
			s.fail(w, err)
			return
		}
		if reason == "" && in.Email != "" && in.Email != email {
			reason = "email"
		}
		if reason != "" {
			s.inviteRefused(w, c, reason, email)
			return
		}
		nu.Role = in.Role
		u, err = auth.RedeemInvite(hctx, s.cfg.Store, s.cfg.Hasher, in.TokenHash, nu, s.now())
		switch {
		case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrInviteUsed),
			errors.Is(err, store.ErrInviteExpired), errors.Is(err, store.ErrInviteMismatch):
			s.inviteRefused(w, c, "raced", email)
			return
		case errors.Is(err, auth.ErrEmailTaken):
			// The invite's holder may know: the admin who invited them can too.
			ev.Outcome, ev.Reason = room.OutcomeRefused, "email_taken"
			s.event(c, ev)
			httpapi.WriteError(w, http.StatusConflict, protocol.CodeEmailTaken, "an account with that email exists: sign in instead")
			return
		}
	} else {
		u, err = auth.CreateUser(hctx, s.cfg.Store, s.cfg.Hasher, nu, s.now())
		if errors.Is(err, auth.ErrEmailTaken) {
			// Without email verification an open signup cannot hide that
			// an email has an account; the address is slowed down instead
			// (docs/accounts.md, "Signup").
			s.cfg.Tracker.AddrFailed(c.key)
			ev.Outcome, ev.Reason = room.OutcomeRefused, "email_taken"
			s.event(c, ev)
			httpapi.WriteError(w, http.StatusConflict, protocol.CodeEmailTaken, "an account with that email exists: sign in instead")
			return
		}
	}
	if err != nil {
		switch {
		case writePasswordError(w, err):
		case errors.Is(err, auth.ErrEmailInvalid):
			invalidArgument(w, "email is not an email address (name@domain)")
		case errors.Is(err, auth.ErrNameInvalid):
			invalidArgument(w, "name is not a display name")
		default:
			s.fail(w, err)
		}
		return
	}

	if in.ID != "" {
		s.event(c, room.SecurityEvent{Kind: room.SecurityInviteRedeemed, Reason: in.ID, Actor: u.ID, Subject: u.ID, Email: u.Email})
	}
	ev.Actor, ev.Subject, ev.Reason = u.ID, u.ID, u.Role
	s.event(c, ev)
	// Signed in at once, with a fresh session (whatever the browser had
	// before is ended). An account the second factor policy covers lands
	// where one signed in with a password alone does: enrolling.
	if _, err := s.startSession(ctx, w, r, u); err != nil {
		s.fail(w, err)
		return
	}
	s.event(c, room.SecurityEvent{Kind: room.SecuritySigninSucceeded, Reason: "signup", Actor: u.ID, Subject: u.ID, Email: u.Email})
	view := s.userView(u, factors{})
	httpapi.WriteJSON(w, http.StatusCreated, SigninResponse{Status: "signed_in", User: &view})
}
