package accounts

import (
	"context"
	"errors"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/conclave-video/conclave/internal/auth"
	"github.com/conclave-video/conclave/internal/httpapi"
	"github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/internal/store"
)

// SigninRequest is the body of POST /v1/auth/signin.
type SigninRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

// SecondStepRequest is the body of POST /v1/auth/signin/totp and /recovery.
type SecondStepRequest struct {
	Ticket string `json:"ticket"`
	Code   string `json:"code"`
}

// maxCodeLen bounds a TOTP or recovery code as typed (with spaces, dashes).
const maxCodeLen = 64

// SigninResponse answers a sign-in step.
type SigninResponse struct {
	Status  string      `json:"status"` // "signed_in" or "second_factor"
	User    *UserView   `json:"user,omitempty"`
	Ticket  string      `json:"ticket,omitempty"`
	Methods []string    `json:"methods,omitempty"` // "totp", "recovery", "passkey"
	Notice  *LockNotice `json:"notice,omitempty"`
}

// LockNotice tells an account's owner that it was locked since their
// last sign-in.
type LockNotice struct {
	LockedAt time.Time `json:"locked_at"`
	Failures int       `json:"failures"`
}

func (s *Service) lockNotice(u store.User) *LockNotice {
	if !u.LockNotice {
		return nil
	}
	return &LockNotice{LockedAt: u.LastFailedAt.UTC(), Failures: u.FailedSignins}
}

// applyFailure counts a failure on u at now; it reports whether u is now
// locked.
func (s *Service) applyFailure(u *store.User, now time.Time) bool {
	st, locked := s.policy.Failed(failState(*u), now)
	u.FailedSignins, u.LastFailedAt, u.LockedUntil = st.Failures, st.LastFailure, st.LockedUntil
	if locked {
		u.LockNotice = true
	}
	return locked
}

// resetFailures forgets u's failures and its lock notice (a completed
// sign-in).
func resetFailures(u *store.User) {
	u.FailedSignins, u.LastFailedAt, u.LockedUntil, u.LockNotice = 0, time.Time{}, time.Time{}, false
}

// refusedThrottled answers a throttled or locked attempt.
func (s *Service) refusedThrottled(w http.ResponseWriter, c client, ev room.SecurityEvent, wait time.Duration) {
	ev.Kind, ev.Outcome = room.SecuritySigninThrottled, room.OutcomeRefused
	s.event(c, ev)
	retryAfter(w, wait)
}

func invalidCredentials(w http.ResponseWriter) {
	httpapi.WriteError(w, http.StatusUnauthorized, CodeInvalidCredentials, "the email or password is wrong")
}

func (s *Service) signin(w http.ResponseWriter, r *http.Request) {
	var req SigninRequest
	if !decode(w, r, &req) {
		return
	}
	email := canonicalEmail(req.Email)
	switch {
	case email == "":
		invalidArgument(w, "email is required")
		return
	case len(email) > store.MaxEmailBytes || !utf8.ValidString(email):
		invalidArgument(w, "email is not a valid email address")
		return
	case req.Password == "":
		invalidArgument(w, "password is required")
		return
	case len(req.Password) > auth.MaxPasswordBytes:
		invalidArgument(w, "password is longer than any password can be")
		return
	}
	ctx := r.Context()
	c := clientOf(r)
	now := s.now()
	ev := room.SecurityEvent{Email: email}

	// The address first: a guesser trying many accounts is held here.
	if wait := s.cfg.Tracker.AddrWait(c.key); wait > 0 {
		ev.Reason = "address"
		s.refusedThrottled(w, c, ev, wait)
		return
	}
	// An account many addresses failed on is throttled for everyone
	// (guard.account_addresses), known or not, so the answer tells
	// nothing of accounts either.
	if s.cfg.Blocks != nil {
		if wait, ok := s.cfg.Blocks.AccountThrottled(email); ok {
			ev.Reason = "account_throttled"
			s.refusedThrottled(w, c, ev, wait)
			return
		}
	}
	// Then the policy's domains: decided on the email as typed, before
	// any account is looked up, so the answer tells nothing of accounts.
	if !s.pol().AllowsEmail(email) {
		ev.Kind = room.SecuritySigninFailed
		s.domainRefused(w, c, ev)
		return
	}
	u, err := s.cfg.Store.UserByEmail(ctx, email)
	known := err == nil
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		s.fail(w, err)
		return
	}
	// Then the account, or the unknown email counted exactly alike.
	var wait time.Duration
	var locked bool
	if known {
		ev.Subject = u.ID
		wait, locked = s.policy.Wait(failState(u), now)
	} else {
		wait, locked = s.cfg.Tracker.EmailWait(email)
	}
	if wait > 0 {
		ev.Reason = "account"
		if locked {
			ev.Reason = "locked"
		}
		s.refusedThrottled(w, c, ev, wait)
		return
	}

	hctx, cancel := context.WithTimeout(ctx, HashWait)
	defer cancel()
	var ok, rehash bool
	if known {
		ok, rehash, err = s.cfg.Hasher.Verify(hctx, req.Password, u.PasswordHash)
	} else {
		err = s.cfg.Hasher.VerifyDummy(hctx, req.Password)
	}
	if err != nil {
		s.fail(w, err)
		return
	}
	if !ok {
		s.cfg.Tracker.AddrFailed(c.key)
		ev.Kind, ev.Outcome = room.SecuritySigninFailed, room.OutcomeRefused
		if !known {
			lockedNow := s.cfg.Tracker.EmailFailed(email)
			ev.Reason = "unknown_email"
			s.event(c, ev)
			if lockedNow {
				s.event(c, room.SecurityEvent{Kind: room.SecurityAccountLocked, Email: email, Reason: "unknown_email"})
			}
			invalidCredentials(w)
			return
		}
		lockedNow := false
		if _, err := s.cfg.Store.UpdateUser(ctx, u.ID, func(x *store.User) error {
			lockedNow = s.applyFailure(x, s.now())
			return nil
		}); err != nil {
			s.fail(w, err)
			return
		}
		ev.Reason = "password"
		s.event(c, ev)
		if lockedNow {
			s.event(c, room.SecurityEvent{Kind: room.SecurityAccountLocked, Subject: u.ID, Email: email, Reason: "password"})
		}
		invalidCredentials(w)
		return
	}

	// The password is right.
	if u.Status != store.StatusActive {
		ev.Kind, ev.Outcome, ev.Reason = room.SecuritySigninFailed, room.OutcomeRefused, "disabled"
		s.event(c, ev)
		httpapi.WriteError(w, http.StatusForbidden, CodeAccountDisabled, "the account is disabled")
		return
	}
	if rehash {
		// Stored with other parameters: store it again with the current
		// ones, unless the password changed meanwhile.
		if newHash, err := s.cfg.Hasher.Hash(hctx, req.Password); err == nil {
			if _, err := s.cfg.Store.UpdateUser(ctx, u.ID, func(x *store.User) error {
				if x.PasswordHash == u.PasswordHash {
					x.PasswordHash = newHash
				}
				return nil
			}); err != nil {
				s.log.Warn("accounts: re-hash not stored", "err", err)
			}
		} else {
			s.log.Warn("accounts: re-hash skipped", "err", err)
		}
	}
	f, err := s.factorsOf(ctx, u)
	if err != nil {
		s.fail(w, err)
		return
	}
	if f.any() {
		// The failures and the lock notice stay until the second factor
		// passes: a right password alone never resets the count, or a
		// thief of the password could guess codes without end.
		var methods []string
		if f.TOTP {
			methods = append(methods, "totp")
		}
		if f.Passkeys > 0 && s.cfg.Passkeys != nil {
			methods = append(methods, "passkey")
		}
		methods = append(methods, "recovery")
		writeJSON(w, SigninResponse{Status: "second_factor", Ticket: s.tickets.issue(u.ID), Methods: methods})
		return
	}
	s.finish(w, r, c, u.ID, MethodPassword, func(*store.User) bool { return true })
}

// finish completes a sign-in of the account userID when check (run in
// the account's transaction) passes: failures reset, the lock notice
// taken, a new session. When check fails the failure is counted and the
// answer is 401 invalid_credentials. It reports whether check passed.
func (s *Service) finish(w http.ResponseWriter, r *http.Request, c client, userID string, m Method, check func(*store.User) bool) bool {
	ctx := r.Context()
	var passed, lockedNow bool
	var notice *LockNotice
	u, err := s.cfg.Store.UpdateUser(ctx, userID, func(x *store.User) error {
		passed, lockedNow, notice = false, false, nil
		if x.Status == store.StatusActive && check(x) {
			passed = true
			notice = s.lockNotice(*x)
			resetFailures(x)
			return nil
		}
		lockedNow = s.applyFailure(x, s.now())
		return nil
	})
	if err != nil {
		s.fail(w, err)
		return false
	}
	ev := room.SecurityEvent{Subject: u.ID, Email: u.Email}
	if !passed {
		s.cfg.Tracker.AddrFailed(c.key)
		ev.Kind, ev.Outcome, ev.Reason = room.SecuritySigninFailed, room.OutcomeRefused, string(m)
		if m == MethodRecovery {
			ev.Reason = "recovery_code"
		}
		s.event(c, ev)
		if lockedNow {
			s.event(c, room.SecurityEvent{Kind: room.SecurityAccountLocked, Subject: u.ID, Email: u.Email, Reason: ev.Reason})
		}
		httpapi.WriteError(w, http.StatusUnauthorized, CodeInvalidCredentials, "the code is wrong")
		return false
	}
	if _, err := s.startSession(ctx, w, r, u); err != nil {
		s.fail(w, err)
		return true
	}
	ev.Kind, ev.Actor, ev.Reason = room.SecuritySigninSucceeded, u.ID, string(m)
	s.event(c, ev)
	f, err := s.factorsOf(ctx, u)
	if err != nil {
		s.fail(w, err)
		return true
	}
	view := s.userView(u, f)
	writeJSON(w, SigninResponse{Status: "signed_in", User: &view, Notice: notice})
	return true
}

// secondStep checks a ticket's second step: the ticket, the address and
// the account's throttle; it spends one of the ticket's attempts and
// returns its account. On failure it writes the answer.
func (s *Service) secondStep(w http.ResponseWriter, r *http.Request, req *SecondStepRequest, c client) (store.User, bool) {
	if !decode(w, r, req) {
		return store.User{}, false
	}
	switch {
	case req.Ticket == "":
		invalidArgument(w, "ticket is required")
		return store.User{}, false
	case req.Code == "":
		invalidArgument(w, "code is required")
		return store.User{}, false
	case len(req.Code) > maxCodeLen:
		invalidArgument(w, "code is too long")
		return store.User{}, false
	}
	return s.ticketUser(w, r, c, req.Ticket, true)
}

func (s *Service) signinTOTP(w http.ResponseWriter, r *http.Request) {
	var req SecondStepRequest
	c := clientOf(r)
	u, ok := s.secondStep(w, r, &req, c)
	if !ok {
		return
	}
	now := s.now()
	if s.finish(w, r, c, u.ID, MethodTOTP, func(x *store.User) bool {
		if !x.TOTPEnabled {
			return false
		}
		step, ok := auth.VerifyTOTP(x.TOTPSecret, req.Code, now, x.TOTPLastStep)
		if ok {
			x.TOTPLastStep = step
		}
		return ok
	}) {
		s.tickets.drop(req.Ticket)
	}
}

func (s *Service) signinRecovery(w http.ResponseWriter, r *http.Request) {
	var req SecondStepRequest
	c := clientOf(r)
	u, ok := s.secondStep(w, r, &req, c)
	if !ok {
		return
	}
	// The code is spent first, in its own transaction: a code is used
	// once even if two requests race with it.
	used := false
	if hash, wellFormed := auth.HashRecoveryCode(req.Code); wellFormed {
		err := s.cfg.Store.UseRecoveryCode(r.Context(), u.ID, hash)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			s.fail(w, err)
			return
		}
		used = err == nil
	}
	if used {
		s.event(c, room.SecurityEvent{Kind: room.SecurityRecoveryCodeUsed, Actor: u.ID, Subject: u.ID, Email: u.Email})
	}
	if s.finish(w, r, c, u.ID, MethodRecovery, func(*store.User) bool { return used }) {
		s.tickets.drop(req.Ticket)
	}
}

func writeJSON(w http.ResponseWriter, v any) { httpapi.WriteJSON(w, http.StatusOK, v) }
