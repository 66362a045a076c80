package auth

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/conclave-video/conclave/internal/store"
	"github.com/conclave-video/conclave/token"
)

// Personal API tokens (docs/accounts.md) are opaque tokens,
// "cvt_<id>_<secret>", that a member makes for scripts. The REST API takes
// one as a bearer token as it takes a JWT: Verifier.Verify tells them apart
// by their form and turns either into the same claims. A personal token
// acts for its account: the claims' Issuer is the account's user id, so
// the rooms it creates are the account's and it may act on the account's
// rooms only (an API key's rooms are owned by the key id, which never
// looks like a user id).
const (
	// PersonalTokenPrefix starts every personal API token, then "_".
	PersonalTokenPrefix = "cvt"
	// personalTokenIDPrefix starts the stored record's id, then the
	// token's public id.
	personalTokenIDPrefix = "PT_"
	// PersonalTokenTouchInterval: a token's LastUsedAt is written at most
	// this often, so a busy script does not make a write per request.
	PersonalTokenTouchInterval = time.Minute
	// MaxPersonalTokenLifetime bounds a personal token's expiry; the
	// configuration (accounts.token_max_lifetime) may set less.
	MaxPersonalTokenLifetime = 365 * 24 * time.Hour
)

// Personal token grants: the only ones a personal token may carry.
const (
	GrantRoomCreate = "roomCreate"
	GrantRoomList   = "roomList"
	GrantRoomAdmin  = "roomAdmin"
)

// Stable codes of personal token refusals, besides CodeMalformed and
// CodeExpired.
const (
	CodeTokenUnknown = "token_unknown" // no such token, or its secret is wrong
	CodeTokenRevoked = "token_revoked" // revoked, or its account is disabled
)

// PersonalTokens is what the verifier reads and writes of personal tokens:
// store.Store implements it.
type PersonalTokens interface {
	PersonalToken(ctx context.Context, id string) (store.PersonalToken, error)
	TouchPersonalToken(ctx context.Context, id string, at time.Time) error
	User(ctx context.Context, id string) (store.User, error)
}

// NewPersonalToken makes a personal token for the account: the token to
// show its owner once, and the record to store (which holds its hash).
// Every grant must be one of the Grant constants; the lifetime must be
// positive and at most maxLifetime (itself at most MaxPersonalTokenLifetime).
func NewPersonalToken(userID, name string, grants []string, now time.Time, lifetime, maxLifetime time.Duration) (string, store.PersonalToken, error) {
	if maxLifetime <= 0 || maxLifetime > MaxPersonalTokenLifetime {
		maxLifetime = MaxPersonalTokenLifetime
	}
	if lifetime <= 0 || lifetime > maxLifetime {
		return "", store.PersonalToken{}, fmt.Errorf("auth: a personal token lives more than 0 and at most %s", maxLifetime)
	}
	if err := checkDisplayName(name); err != nil {
		return "", store.PersonalToken{}, fmt.Errorf("auth: token name: at most %d bytes of UTF-8 without control characters", store.MaxNameBytes)
	}
	if len(grants) == 0 {
		return "", store.PersonalToken{}, errors.New("auth: a personal token needs at least one grant")
	}
	var gs []string
	for _, g := range grants {
		if _, ok := personalGrant(g); !ok {
			return "", store.PersonalToken{}, fmt.Errorf("auth: grant %q: a personal token may have %s, %s or %s", g, GrantRoomCreate, GrantRoomList, GrantRoomAdmin)
		}
		if !slices.Contains(gs, g) {
			gs = append(gs, g)
		}
	}
	raw, id, hash := NewOpaqueToken(PersonalTokenPrefix)
	return raw, store.PersonalToken{
		ID: personalTokenIDPrefix + id, UserID: userID, Name: name, SecretHash: hash, Grants: gs,
		CreatedAt: now, ExpiresAt: now.Add(lifetime),
	}, nil
}

// personalGrant sets the grant named g; ok false for any other name.
func personalGrant(g string) (set func(*token.Grants), ok bool) {
	switch g {
	case GrantRoomCreate:
		return func(gr *token.Grants) { gr.RoomCreate = true }, true
	case GrantRoomList:
		return func(gr *token.Grants) { gr.RoomList = true }, true
	case GrantRoomAdmin:
		return func(gr *token.Grants) { gr.RoomAdmin = true }, true
	}
	return nil, false
}

// isPersonalToken reports whether raw has the form of a personal token
// (it may still be malformed).
func isPersonalToken(raw string) bool { return strings.HasPrefix(raw, PersonalTokenPrefix+"_") }

// verifyPersonal checks a personal token and returns its claims.
func (v *Verifier) verifyPersonal(ctx context.Context, raw string, now time.Time) (*token.Claims, error) {
	if v.Personal == nil {
		return nil, tokenErr(CodeMalformed, "personal API tokens are not accepted here")
	}
	id, hash, ok := ParseOpaqueToken(PersonalTokenPrefix, raw)
	if !ok {
		return nil, tokenErr(CodeMalformed, "not a well-formed personal API token")
	}
	recID := personalTokenIDPrefix + id
	t, err := v.Personal.PersonalToken(ctx, recID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, tokenErr(CodeTokenUnknown, "no such personal API token")
	}
	if err != nil {
		return nil, fmt.Errorf("auth: personal token: %w", err)
	}
	// The id is public; only the hash of the whole token proves the
	// secret. A wrong secret is "unknown", as if the id were.
	if subtle.ConstantTimeCompare(hash, t.SecretHash) != 1 {
		return nil, tokenErr(CodeTokenUnknown, "no such personal API token")
	}
	switch {
	case !t.RevokedAt.IsZero():
		return nil, tokenErr(CodeTokenRevoked, "personal API token "+recID+" was revoked")
	case !now.Before(t.ExpiresAt):
		return nil, tokenErr(CodeExpired, "personal API token "+recID+" expired at "+t.ExpiresAt.UTC().Format(time.RFC3339))
	}
	u, err := v.Personal.User(ctx, t.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, tokenErr(CodeTokenUnknown, "no such personal API token")
	}
	if err != nil {
		return nil, fmt.Errorf("auth: personal token: %w", err)
	}
	if u.Status != store.StatusActive {
		return nil, tokenErr(CodeTokenRevoked, "personal API token "+recID+": its account is disabled")
	}
	if now.Sub(t.LastUsedAt) >= PersonalTokenTouchInterval {
		// LastUsedAt tells its owner the token is in use; it controls
		// nothing, so a failed write does not refuse the request.
		if err := v.Personal.TouchPersonalToken(ctx, recID, now); err != nil && v.OnTouchError != nil {
			v.OnTouchError(err)
		}
	}
	c := &token.Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    u.ID,
			Subject:   u.ID,
			Audience:  jwt.ClaimStrings{token.Audience},
			ExpiresAt: jwt.NewNumericDate(t.ExpiresAt),
			IssuedAt:  jwt.NewNumericDate(t.CreatedAt),
			NotBefore: jwt.NewNumericDate(t.CreatedAt),
			ID:        recID,
		},
	}
	for _, g := range t.Grants {
		if set, ok := personalGrant(g); ok { // a stored grant of another name gives nothing
			set(&c.Grants)
		}
	}
	if v.AccountCheck != nil {
		if err := v.AccountCheck(u, &c.Grants); err != nil {
			return nil, tokenErr(CodeTokenRevoked, "personal API token "+recID+": "+err.Error())
		}
	}
	return c, nil
}
