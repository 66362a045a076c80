package accounts

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/conclave-video/conclave/internal/auth"
	"github.com/conclave-video/conclave/internal/httpapi"
	"github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/internal/store"
	"github.com/conclave-video/conclave/protocol"
)

// Password reset links (docs/accounts.md, "Password resets"): an admin
// makes one with POST /v1/users/{id}/reset-password; its holder, signed
// out, checks it and sets a new password here. A wrong, used or expired
// link counts as a failure of the client's address, as a wrong invite
// does.

// ResetCheckRequest is the body of POST /v1/auth/password/reset/check.
type ResetCheckRequest struct {
	Token string `json:"token"`
}

// ResetCheckResponse says whose the link is and until when it works.
type ResetCheckResponse struct {
	Email     string    `json:"email"`
	ExpiresAt time.Time `json:"expires_at"`
}

// ResetRequest is the body of POST /v1/auth/password/reset.
type ResetRequest struct {
	Token string `json:"token"`
	New   string `json:"new"`
}

// resetRefused answers err, a reset link that cannot be used; it reports
// whether err was one.
func (s *Service) resetRefused(w http.ResponseWriter, c client, err error) bool {
	ev := room.SecurityEvent{Kind: room.SecurityPasswordReset, Outcome: room.OutcomeRefused}
	switch {
	case errors.Is(err, store.ErrNotFound):
		ev.Reason = "unknown"
	case errors.Is(err, store.ErrResetExpired):
		ev.Reason = "expired"
	case errors.Is(err, auth.ErrAccountDisabled):
		ev.Reason = "disabled"
		s.event(c, ev)
		httpapi.WriteError(w, http.StatusForbidden, CodeAccountDisabled, "the account is disabled")
		return true
	default:
		return false
	}
	s.cfg.Tracker.AddrFailed(c.key)
	s.event(c, ev)
	httpapi.WriteError(w, http.StatusBadRequest, protocol.CodeResetInvalid,
		"the reset link is unknown, used or expired: ask an admin for a new one")
	return true
}

// resetToken checks the token's form (a malformed one is refused as an
// unknown one is) and the address's throttle; on failure it writes the
// answer.
func (s *Service) resetToken(w http.ResponseWriter, c client, tok string) ([]byte, bool) {
	if tok == "" || len(tok) > maxTokenLen {
		invalidArgument(w, "token is required: the token of the reset link")
		return nil, false
	}
	if s.addrHeld(w, c, room.SecurityEvent{Kind: room.SecurityPasswordReset}) {
		return nil, false
	}
	hash, ok := auth.ParseResetToken(tok)
	if !ok {
		s.resetRefused(w, c, store.ErrNotFound)
		return nil, false
	}
	return hash, true
}

func (s *Service) resetCheck(w http.ResponseWriter, r *http.Request) {
	var req ResetCheckRequest
	if !decode(w, r, &req) {
		return
	}
	c := clientOf(r)
	hash, ok := s.resetToken(w, c, req.Token)
	if !ok {
		return
	}
	l, err := auth.LookupPasswordReset(r.Context(), s.cfg.Store, hash, s.now())
	if err != nil {
		if !s.resetRefused(w, c, err) {
			s.fail(w, err)
		}
		return
	}
	writeJSON(w, ResetCheckResponse{Email: l.User.Email, ExpiresAt: l.Reset.ExpiresAt.UTC()})
}

func (s *Service) resetPassword(w http.ResponseWriter, r *http.Request) {
	var req ResetRequest
	if !decode(w, r, &req) {
		return
	}
	if req.New == "" {
		invalidArgument(w, "new is required: the new password")
		return
	}
	if len(req.New) > auth.MaxPasswordBytes {
		invalidArgument(w, "new is longer than any password can be")
		return
	}
	c := clientOf(r)
	hash, ok := s.resetToken(w, c, req.Token)
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), HashWait)
	defer cancel()
	u, _, err := auth.RedeemPasswordReset(ctx, s.cfg.Store, s.cfg.Hasher, hash, req.New, s.now())
	if u.ID != "" {
		// Stored, even if ending the sessions then failed.
		s.event(c, room.SecurityEvent{Kind: room.SecurityPasswordReset, Reason: "link_used", Subject: u.ID, Email: u.Email})
	}
	if err != nil {
		if !s.resetRefused(w, c, err) && !writePasswordError(w, err) {
			s.fail(w, err)
		}
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
