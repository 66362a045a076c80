package accounts

import (
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"time"

	"github.com/conclave-video/conclave/internal/auth"
	"github.com/conclave-video/conclave/internal/httpapi"
	"github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/internal/store"
	"github.com/conclave-video/conclave/protocol"
)

// CookieName is the session cookie. The __Host- prefix makes browsers
// refuse it unless it is Secure, has Path=/ and no Domain: no other host,
// and no page served over plain HTTP, can set or overwrite it.
const CookieName = "__Host-conclave_session"

// Method is how a session was signed in.
type Method string

// Sign-in methods. A passkey counts as two factors by itself.
const (
	MethodPassword Method = "password" // a password alone
	MethodTOTP     Method = "totp"     // a password and a TOTP code
	MethodRecovery Method = "recovery" // a password and a recovery code
	MethodPasskey  Method = "passkey"  // a passkey, alone or after a password
)

// Current is the signed-in account of a request.
type Current struct {
	User    store.User
	Session store.Session
	// IDHash is the SHA-256 of the session id the cookie carries.
	IDHash  []byte
	Factors factors
	client  client
}

// gate says whether a route needs the second factor policy satisfied.
type gate int

const (
	complete  gate = iota // the policy must be satisfied
	enrolling             // allowed before a required second factor is enrolled
)

type sessionHandler func(w http.ResponseWriter, r *http.Request, cur *Current)

// setCookie sends the session id. Its Max-Age is the session's absolute
// lifetime, so that the browser forgets it when the server would refuse it.
func (s *Service) setCookie(w http.ResponseWriter, id string, expires time.Time) {
	http.SetCookie(w, &http.Cookie{
		Name: CookieName, Value: id, Path: "/",
		MaxAge:   max(int(expires.Sub(s.now())/time.Second), 1),
		Secure:   true,
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	})
}

// clearCookie tells the browser to forget the session id.
func clearCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{
		Name: CookieName, Value: "", Path: "/", MaxAge: -1,
		Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode,
	})
}

// cookieHash returns the hash of the well-formed session id the request's
// cookie carries, if any.
func cookieHash(r *http.Request) ([]byte, bool) {
	var hash []byte
	found := false
	for _, c := range r.CookiesNamed(CookieName) {
		if found {
			// Two cookies of that name: refuse both rather than guess.
			return nil, false
		}
		hash, found = auth.ParseSessionID(c.Value)
		if !found {
			return nil, false
		}
	}
	return hash, found
}

// startSession makes a new session for u and sends its cookie. The
// session the request's cookie named, if any, is ended first: an id the
// browser had before a sign-in is never accepted after it.
func (s *Service) startSession(ctx context.Context, w http.ResponseWriter, r *http.Request, u store.User) (store.Session, error) {
	if old, ok := cookieHash(r); ok {
		if err := s.cfg.Store.DeleteSessionByHash(ctx, old); err != nil && !errors.Is(err, store.ErrNotFound) {
			return store.Session{}, err
		}
	}
	c := clientOf(r)
	id, hash := auth.NewSessionID()
	now := s.now()
	se := store.Session{
		ID:         newPublicID("SE_"),
		IDHash:     hash,
		UserID:     u.ID,
		CreatedAt:  now,
		LastSeenAt: now,
		ExpiresAt:  now.Add(s.cfg.Accounts.SessionMax),
		IP:         c.ip,
		UserAgent:  c.userAgent,
	}
	if err := s.cfg.Store.CreateSession(ctx, se); err != nil {
		return store.Session{}, err
	}
	s.setCookie(w, id, se.ExpiresAt)
	return se, nil
}

// StartSession signs u in with a new session (for the passkey endpoints):
// the session cookie is set on w and signin_succeeded published.
func (s *Service) StartSession(w http.ResponseWriter, r *http.Request, u store.User, m Method) error {
	if _, err := s.startSession(r.Context(), w, r, u); err != nil {
		return err
	}
	s.event(clientOf(r), room.SecurityEvent{Kind: room.SecuritySigninSucceeded, Reason: string(m), Actor: u.ID, Subject: u.ID, Email: u.Email})
	return nil
}

// rotate gives the current session a new id, keeping nothing of the old
// one but its account: the old id stops working at once.
func (s *Service) rotate(ctx context.Context, w http.ResponseWriter, r *http.Request, cur *Current) error {
	se, err := s.startSession(ctx, w, r, cur.User)
	if err != nil {
		return err
	}
	cur.Session, cur.IDHash = se, se.IDHash
	return nil
}

// authed requires a valid session (and, for state-changing methods, a
// same-origin JSON request) before h runs.
func (s *Service) authed(h sessionHandler, g gate) http.Handler {
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cur, ok := s.current(w, r)
		if !ok {
			return
		}
		if g == complete && s.secondFactorRequired(cur.User) && !cur.Factors.any() {
			httpapi.WriteError(w, http.StatusForbidden, CodeSecondFactorRequired,
				"this account must enrol a second factor (TOTP or a passkey) first")
			return
		}
		h(w, r, cur)
	})
	return s.unsafe(next)
}

// current loads the request's session and account, applying the timeouts;
// on failure it writes the answer.
func (s *Service) current(w http.ResponseWriter, r *http.Request) (*Current, bool) {
	ctx := r.Context()
	unauth := func(msg string) (*Current, bool) {
		clearCookie(w)
		httpapi.WriteError(w, http.StatusUnauthorized, protocol.CodeUnauthenticated, msg)
		return nil, false
	}
	hash, ok := cookieHash(r)
	if !ok {
		return unauth("sign in first")
	}
	se, err := s.cfg.Store.SessionByHash(ctx, hash)
	if errors.Is(err, store.ErrNotFound) {
		return unauth("the session has ended: sign in again")
	}
	if err != nil {
		s.fail(w, err)
		return nil, false
	}
	now := s.now()
	if !now.Before(se.ExpiresAt) || now.Sub(se.LastSeenAt) >= s.cfg.Accounts.SessionIdle {
		if err := s.cfg.Store.DeleteSessionByHash(ctx, hash); err != nil && !errors.Is(err, store.ErrNotFound) {
			s.fail(w, err)
			return nil, false
		}
		return unauth("the session has expired: sign in again")
	}
	u, err := s.cfg.Store.User(ctx, se.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return unauth("the session has ended: sign in again")
	}
	if err != nil {
		s.fail(w, err)
		return nil, false
	}
	c := clientOf(r)
	if u.Status != store.StatusActive {
		if err := s.cfg.Store.DeleteSessionByHash(ctx, hash); err != nil && !errors.Is(err, store.ErrNotFound) {
			s.fail(w, err)
			return nil, false
		}
		clearCookie(w)
		httpapi.WriteError(w, http.StatusForbidden, CodeAccountDisabled, "the account is disabled")
		return nil, false
	}
	if !s.pol().AllowsEmail(u.Email) {
		// The policy changed since the sign-in: the session ends.
		if err := s.cfg.Store.DeleteSessionByHash(ctx, hash); err != nil && !errors.Is(err, store.ErrNotFound) {
			s.fail(w, err)
			return nil, false
		}
		clearCookie(w)
		s.domainRefused(w, c, room.SecurityEvent{Kind: room.SecuritySessionRevoked, Actor: u.ID, Subject: u.ID, Email: u.Email})
		return nil, false
	}
	if now.Sub(se.LastSeenAt) >= TouchInterval {
		if err := s.cfg.Store.TouchSession(ctx, hash, now, c.ip); err != nil && !errors.Is(err, store.ErrNotFound) {
			s.fail(w, err)
			return nil, false
		}
		se.LastSeenAt = now
	}
	f, err := s.factorsOf(ctx, u)
	if err != nil {
		s.fail(w, err)
		return nil, false
	}
	return &Current{User: u, Session: se, IDHash: hash, Factors: f, client: c}, true
}

// unsafe protects a state-changing route: the request must come from
// Conclave's own origin (Sec-Fetch-Site, else Origin) and carry
// Content-Type: application/json, which no HTML form can send; otherwise
// 403 cross_origin and a cross_origin_refused event. Safe methods pass.
func (s *Service) unsafe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			next.ServeHTTP(w, r)
			return
		}
		reason := ""
		if err := s.cop.Check(r); err != nil {
			reason = "origin"
		} else if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
			reason = "content_type"
		}
		if reason != "" {
			s.event(clientOf(r), room.SecurityEvent{Kind: room.SecurityCrossOriginRefused, Outcome: room.OutcomeRefused, Reason: reason})
			httpapi.WriteError(w, http.StatusForbidden, CodeCrossOrigin,
				"a state-changing request must come from this site's own pages and be JSON")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// decode reads the JSON body strictly into v (400 or 413 on failure).
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	return httpapi.DecodeJSON(w, r, v, MaxBodyBytes)
}

// decodeEmpty accepts a body that is empty or an empty JSON object.
func decodeEmpty(w http.ResponseWriter, r *http.Request) bool {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			httpapi.WriteError(w, http.StatusRequestEntityTooLarge, protocol.CodeBodyTooLarge, "the request body is too large")
			return false
		}
		invalidArgument(w, "the request body could not be read")
		return false
	}
	for _, b := range body {
		if b != ' ' && b != '\t' && b != '\r' && b != '\n' {
			if b != '{' { // null, an array, a string: not an object
				invalidArgument(w, "the body must be empty or a JSON object")
				return false
			}
			var v struct{}
			if err := protocol.StrictUnmarshal(body, &v); err != nil {
				invalidArgument(w, "malformed JSON body: "+err.Error())
				return false
			}
			return true
		}
	}
	return true
}
