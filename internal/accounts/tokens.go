package accounts

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/conclave-video/conclave/internal/auth"
	"github.com/conclave-video/conclave/internal/httpapi"
	"github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/internal/store"
	"github.com/conclave-video/conclave/protocol"
)

// Personal API tokens (docs/accounts.md, "Personal API tokens"): a
// signed-in member makes tokens for scripts, with some of the grants
// roomCreate, roomList and roomAdmin and an expiry; the secret is shown
// once and stored hashed (internal/auth verifies them).

// Limits of personal API tokens.
const (
	// MaxActivePersonalTokens is how many active tokens (neither revoked
	// nor expired) an account may have at once.
	MaxActivePersonalTokens = 25
	// MaxTokenNameLen is the longest token name, in code points.
	MaxTokenNameLen = MaxDisplayNameLen
	// DefaultPersonalTokenLifetime is a token's lifetime when the request
	// names none.
	DefaultPersonalTokenLifetime = 30 * 24 * time.Hour
	// MinPersonalTokenLifetime is the shortest lifetime a token may ask
	// for: a shorter one is a mistake more often than a wish.
	MinPersonalTokenLifetime = time.Hour
	// ExpiredTokensListedFor is how long after its expiry a token still
	// appears in the list, so that its owner sees why a script stopped.
	ExpiredTokensListedFor = 7 * 24 * time.Hour
	// maxExpiresInLen bounds the expires_in string before it is parsed.
	maxExpiresInLen = 32
	// personalTokenIDPrefix starts a personal token's public id.
	personalTokenIDPrefix = "PT_"
)

// PersonalTokenView is a personal API token as its owner sees it: never
// its secret.
type PersonalTokenView struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Grants     []string   `json:"grants"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  time.Time  `json:"expires_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
}

func tokenView(t store.PersonalToken) PersonalTokenView {
	v := PersonalTokenView{
		ID: t.ID, Name: t.Name, Grants: slices.Clone(t.Grants),
		CreatedAt: t.CreatedAt.UTC(), ExpiresAt: t.ExpiresAt.UTC(),
	}
	if v.Grants == nil {
		v.Grants = []string{}
	}
	if !t.LastUsedAt.IsZero() {
		u := t.LastUsedAt.UTC()
		v.LastUsedAt = &u
	}
	return v
}

// TokenList is the answer of GET /v1/auth/tokens.
type TokenList struct {
	Tokens []PersonalTokenView `json:"tokens"`
}

// CreateTokenRequest is the body of POST /v1/auth/tokens.
type CreateTokenRequest struct {
	Name      *string  `json:"name"`
	Grants    []string `json:"grants"`
	ExpiresIn *string  `json:"expires_in"`
}

// CreateTokenResponse is the answer of POST /v1/auth/tokens: the only
// time the secret is shown.
type CreateTokenResponse struct {
	Token  PersonalTokenView `json:"token"`
	Secret string            `json:"secret"`
}

func (s *Service) registerTokens(mux *http.ServeMux) {
	mux.Handle("GET /v1/auth/tokens", s.authed(s.listTokens, complete))
	mux.Handle("POST /v1/auth/tokens", s.authed(s.createToken, complete))
	mux.Handle("DELETE /v1/auth/tokens/{id}", s.authed(s.revokeToken, complete))
}

// tokenMaxLifetime is the longest lifetime a token may have: the
// configuration's, never above auth's bound.
func (s *Service) tokenMaxLifetime() time.Duration {
	m := auth.MaxPersonalTokenLifetime
	if l := s.cfg.Accounts.TokenMaxLifetime; l > 0 && l < m {
		m = l
	}
	return m
}

// tokenRequest is a checked CreateTokenRequest.
type tokenRequest struct {
	name     string
	grants   []string
	lifetime time.Duration
}

// checkTokenRequest checks a body of POST /v1/auth/tokens; the message is
// "" when it is good.
func checkTokenRequest(req CreateTokenRequest, maxLifetime time.Duration) (tokenRequest, string) {
	var out tokenRequest
	if req.Name == nil {
		return out, "name is required"
	}
	name, msg := checkDisplayName(*req.Name)
	if msg != "" {
		return out, msg
	}
	if len(name) > store.MaxNameBytes {
		return out, fmt.Sprintf("name is longer than %d bytes", store.MaxNameBytes)
	}
	out.name = name
	if len(req.Grants) == 0 {
		return out, "grants is required: one or more of roomCreate, roomList, roomAdmin"
	}
	for _, g := range req.Grants {
		switch g {
		case auth.GrantRoomCreate, auth.GrantRoomList, auth.GrantRoomAdmin:
		default:
			return out, "grants: a personal API token may have only roomCreate, roomList and roomAdmin"
		}
		if !slices.Contains(out.grants, g) {
			out.grants = append(out.grants, g)
		}
	}
	out.lifetime = DefaultPersonalTokenLifetime
	if req.ExpiresIn != nil {
		in := *req.ExpiresIn
		if len(in) > maxExpiresInLen {
			return out, `expires_in is a duration such as "720h"`
		}
		d, err := time.ParseDuration(in)
		if err != nil {
			return out, `expires_in is a duration such as "720h"`
		}
		out.lifetime = d
	}
	if out.lifetime < MinPersonalTokenLifetime || out.lifetime > maxLifetime {
		return out, fmt.Sprintf("expires_in: from %s to %s", fmtHours(MinPersonalTokenLifetime), fmtHours(maxLifetime))
	}
	return out, ""
}

// fmtHours writes d as whole hours ("720h") when it is whole hours.
func fmtHours(d time.Duration) string {
	if d%time.Hour == 0 {
		return fmt.Sprintf("%dh", d/time.Hour)
	}
	return d.String()
}

func (s *Service) listTokens(w http.ResponseWriter, r *http.Request, cur *Current) {
	ts, err := s.cfg.Store.ListPersonalTokens(r.Context(), cur.User.ID)
	if err != nil {
		s.fail(w, err)
		return
	}
	now := s.now()
	out := TokenList{Tokens: []PersonalTokenView{}}
	for _, t := range ts { // newest first
		if !t.RevokedAt.IsZero() || now.Sub(t.ExpiresAt) >= ExpiredTokensListedFor {
			continue
		}
		out.Tokens = append(out.Tokens, tokenView(t))
	}
	writeJSON(w, out)
}

func (s *Service) createToken(w http.ResponseWriter, r *http.Request, cur *Current) {
	var body CreateTokenRequest
	if !decode(w, r, &body) {
		return
	}
	req, msg := checkTokenRequest(body, s.tokenMaxLifetime())
	if msg != "" {
		invalidArgument(w, msg)
		return
	}
	ctx := r.Context()
	now := s.now()
	ev := room.SecurityEvent{Kind: room.SecurityPersonalTokenCreated, Actor: cur.User.ID, Subject: cur.User.ID, Email: cur.User.Email}
	refuse := func() {
		ev.Outcome, ev.Reason = room.OutcomeRefused, protocol.CodeTooManyTokens
		s.event(cur.client, ev)
		httpapi.WriteError(w, http.StatusConflict, protocol.CodeTooManyTokens,
			fmt.Sprintf("this account has %d active personal API tokens, the most it may have: revoke one first", MaxActivePersonalTokens))
	}
	// A request that would go beyond the cap is refused before it stores
	// anything (so that a loop of such requests leaves nothing behind).
	if n, err := s.activeTokens(r, cur.User.ID, now); err != nil {
		s.fail(w, err)
		return
	} else if n >= MaxActivePersonalTokens {
		refuse()
		return
	}
	secret, rec, err := auth.NewPersonalToken(cur.User.ID, req.name, req.grants, now, req.lifetime, s.tokenMaxLifetime())
	if err != nil {
		// The request was checked against the same rules: a bug.
		s.fail(w, err)
		return
	}
	ev.Reason = rec.ID
	if err := s.cfg.Store.CreatePersonalToken(ctx, rec); err != nil {
		s.fail(w, err)
		return
	}
	// Checked again after the insert, so that the cap holds however many
	// requests race, on any number of nodes: a request that then sees more
	// than MaxActivePersonalTokens active tokens revokes its own at once,
	// before anyone has seen its secret. (Racing requests may all be
	// refused; none is kept beyond the cap.)
	n, err := s.activeTokens(r, cur.User.ID, now)
	if err != nil {
		s.fail(w, err)
		return
	}
	if n > MaxActivePersonalTokens {
		if err := s.cfg.Store.RevokePersonalToken(ctx, cur.User.ID, rec.ID, now); err != nil {
			s.fail(w, err)
			return
		}
		refuse()
		return
	}
	s.event(cur.client, ev)
	httpapi.WriteJSON(w, http.StatusCreated, CreateTokenResponse{Token: tokenView(rec), Secret: secret})
}

// activeTokens counts the account's active tokens: neither revoked nor
// expired.
func (s *Service) activeTokens(r *http.Request, userID string, now time.Time) (int, error) {
	ts, err := s.cfg.Store.ListPersonalTokens(r.Context(), userID)
	if err != nil {
		return 0, err
	}
	active := 0
	for _, t := range ts {
		if t.RevokedAt.IsZero() && now.Before(t.ExpiresAt) {
			active++
		}
	}
	return active, nil
}

func (s *Service) revokeToken(w http.ResponseWriter, r *http.Request, cur *Current) {
	if !decodeEmpty(w, r) {
		return
	}
	id := r.PathValue("id")
	notFound := func() {
		httpapi.WriteError(w, http.StatusNotFound, protocol.CodeNotFound, "no such personal API token")
	}
	if len(id) > store.MaxIDBytes || !strings.HasPrefix(id, personalTokenIDPrefix) {
		notFound()
		return
	}
	ctx := r.Context()
	t, err := s.cfg.Store.PersonalToken(ctx, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		notFound()
		return
	case err != nil:
		s.fail(w, err)
		return
	case t.UserID != cur.User.ID || !t.RevokedAt.IsZero():
		// Another account's token is "no such token" to this one.
		notFound()
		return
	}
	err = s.cfg.Store.RevokePersonalToken(ctx, cur.User.ID, id, s.now())
	if errors.Is(err, store.ErrNotFound) {
		notFound()
		return
	}
	if err != nil {
		s.fail(w, err)
		return
	}
	s.event(cur.client, room.SecurityEvent{Kind: room.SecurityPersonalTokenRevoked, Reason: id, Actor: cur.User.ID, Subject: cur.User.ID, Email: cur.User.Email})
	w.WriteHeader(http.StatusNoContent)
}
