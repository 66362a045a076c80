package auth

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/conclave-video/conclave/internal/store"
	"github.com/conclave-video/conclave/token"
)

// MaxTokenSize is the largest token Verify accepts, in bytes.
const MaxTokenSize = 8 << 10

// DefaultLeeway is the clock skew allowed when Verifier.Leeway is zero.
const DefaultLeeway = 5 * time.Second

// DefaultMaxLifetime is the longest token lifetime accepted when
// Verifier.MaxLifetime is zero. There is deliberately no "unlimited".
const DefaultMaxLifetime = 24 * time.Hour

// KeyLookup finds an API key by id. It must not cache: Verify calls it for
// every token so that a revocation is effective immediately. store.Store
// implements it.
type KeyLookup interface {
	APIKey(ctx context.Context, id string) (store.APIKey, error)
}

// Verifier verifies Conclave tokens: JWTs signed by an API key and, when
// Personal is set, personal API tokens (personal.go); it tells them apart
// by their form. The zero values of MaxLifetime, Leeway and Now mean
// DefaultMaxLifetime, DefaultLeeway and time.Now. A Verifier is safe for
// concurrent use if Keys and Personal are.
type Verifier struct {
	Keys        KeyLookup
	MaxLifetime time.Duration
	// Lifetime, when set, gives the longest lifetime at each Verify,
	// taking MaxLifetime's place: the policy's max_token_lifetime
	// (docs/policy.md), which can change while the server runs.
	Lifetime func() time.Duration
	Leeway   time.Duration
	Now      func() time.Time
	// Personal finds personal API tokens and their accounts; nil refuses
	// every personal token (token_malformed), as signaling does: a
	// personal token is for the REST API, never a join token.
	Personal PersonalTokens
	// OnTouchError, if set, hears of a failure to record a personal
	// token's last use (which does not refuse the token).
	OnTouchError func(error)
	// ServerKeyID is the id of the server's own key, the only key whose
	// tokens may carry the owner claim (owner.go); "" refuses every
	// token that carries one. Users must be set with it.
	ServerKeyID string
	// Users finds the account an owner claim names.
	Users UserLookup
	// AccountCheck, if set, applies the organisation's rules to the
	// account a personal token or a server-issued token acts for, at each
	// verification: it may narrow the grants, and an error refuses the
	// token (token_revoked, with the error's text).
	AccountCheck func(u store.User, g *token.Grants) error
	// Revocations refuses revoked tokens (revocations.go): checked last,
	// on the claims as Verify returns them. nil checks none (tests and
	// tools that mint and verify their own tokens).
	Revocations TokenRevocations
}

// TokenRevocations decides whether verified claims were revoked:
// *Revocations implements it.
type TokenRevocations interface {
	Check(*token.Claims) error
}

// tokenHeader is the JOSE header as Verify reads it before parsing.
type tokenHeader struct {
	Alg  string          `json:"alg"`
	Kid  string          `json:"kid"`
	Typ  string          `json:"typ"`
	Crit json.RawMessage `json:"crit"`
}

// Verify checks raw and returns its claims. A refused token gives a
// *TokenError (see Code); any other error is an internal failure, such as an
// unavailable store, and must not be reported to the client as its fault.
//
// On success claims.Issuer is the id of the API key that signed the token,
// or for a personal token the user id of its account (claims.ID is then
// the token's record id), or for a token the server's own key signed the
// user id its owner claim names.
func (v *Verifier) Verify(ctx context.Context, raw string) (*token.Claims, error) {
	if v == nil || v.Keys == nil {
		return nil, errors.New("auth: verifier has no key lookup")
	}
	if raw == "" {
		return nil, tokenErr(CodeMalformed, "token is empty")
	}
	if len(raw) > MaxTokenSize {
		return nil, tokenErr(CodeMalformed, fmt.Sprintf("token is longer than %d bytes", MaxTokenSize))
	}
	if isPersonalToken(raw) {
		now := time.Now
		if v.Now != nil {
			now = v.Now
		}
		return v.verifyPersonal(ctx, raw, now())
	}
	hdr, err := parseHeader(raw)
	if err != nil {
		return nil, err
	}
	// Like the header, the claims' JSON is checked before any key lookup:
	// a token that breaks these rules could never be accepted.
	if err := checkPayload(raw); err != nil {
		return nil, err
	}

	var (
		claims    token.Claims
		lookupErr error
	)
	parser := jwt.NewParser(
		jwt.WithValidMethods([]string{token.Algorithm}),
		jwt.WithStrictDecoding(),
		// Claims are checked below, with a distinct code for each rule.
		jwt.WithoutClaimsValidation(),
	)
	_, err = parser.ParseWithClaims(raw, &claims, func(t *jwt.Token) (any, error) {
		if kid, _ := t.Header["kid"].(string); kid != hdr.Kid {
			lookupErr = tokenErr(CodeMalformed, "header is ambiguous")
			return nil, lookupErr
		}
		pub, err := v.publicKey(ctx, hdr.Kid)
		lookupErr = err
		return pub, err
	})
	switch {
	case lookupErr != nil:
		if _, ok := errors.AsType[*TokenError](lookupErr); ok {
			return nil, lookupErr
		}
		return nil, fmt.Errorf("auth: verify token: %w", lookupErr)
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return nil, tokenErr(CodeSignature, "signature does not verify with key "+hdr.Kid)
	case err != nil:
		return nil, tokenErr(CodeMalformed, "token cannot be decoded")
	}
	if err := v.checkClaims(&claims, hdr.Kid); err != nil {
		return nil, err
	}
	if err := v.checkOwner(ctx, &claims, hdr.Kid); err != nil {
		return nil, err
	}
	if v.Revocations != nil {
		if err := v.Revocations.Check(&claims); err != nil {
			return nil, err
		}
	}
	return &claims, nil
}

// parseHeader decodes and checks the header before the JWT library sees the
// token, so that algorithm confusion is refused by name and no key lookup
// happens for a token that could never verify.
func parseHeader(raw string) (tokenHeader, error) {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return tokenHeader{}, tokenErr(CodeMalformed, "token does not have three parts")
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(parts[0])
	if err != nil {
		return tokenHeader{}, tokenErr(CodeMalformed, "header is not base64url")
	}
	var h tokenHeader
	if err := json.Unmarshal(b, &h); err != nil {
		return tokenHeader{}, tokenErr(CodeMalformed, "header is not a JSON object")
	}
	if h.Alg != token.Algorithm {
		return tokenHeader{}, tokenErr(CodeAlgorithm, "algorithm "+describeAlg(h.Alg)+" is refused; only EdDSA is accepted")
	}
	if h.Crit != nil {
		return tokenHeader{}, tokenErr(CodeMalformed, "header has critical extensions")
	}
	if h.Typ != "" && !strings.EqualFold(h.Typ, "JWT") {
		return tokenHeader{}, tokenErr(CodeMalformed, "header typ is not JWT")
	}
	if h.Kid == "" {
		return tokenHeader{}, tokenErr(CodeMalformed, "header has no kid")
	}
	if token.ValidateKeyID(h.Kid) != nil {
		return tokenHeader{}, tokenErr(CodeMalformed, "header kid is not a valid key id")
	}
	return h, nil
}

// describeAlg names well-known algorithms and nothing else, so that an
// error message never echoes attacker-chosen text.
func describeAlg(alg string) string {
	switch alg {
	case "":
		return "(missing)"
	case "none", "HS256", "HS384", "HS512", "RS256", "RS384", "RS512",
		"ES256", "ES384", "ES512", "PS256", "PS384", "PS512", "Ed25519", "Ed448", "ES256K":
		return alg
	}
	return "(unrecognised)"
}

// publicKey looks the key up in the store, every time.
func (v *Verifier) publicKey(ctx context.Context, kid string) (ed25519.PublicKey, error) {
	k, err := v.Keys.APIKey(ctx, kid)
	if errors.Is(err, store.ErrNotFound) {
		return nil, tokenErr(CodeUnknownKey, "no API key "+kid)
	}
	if err != nil {
		return nil, err
	}
	if k.Revoked() {
		return nil, tokenErr(CodeRevokedKey, "API key "+kid+" was revoked")
	}
	if len(k.PublicKey) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("API key %s has a malformed public key", kid)
	}
	return k.PublicKey, nil
}

func (v *Verifier) checkClaims(c *token.Claims, kid string) error {
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	leeway := v.Leeway
	if leeway <= 0 {
		leeway = DefaultLeeway
	}
	maxLife := v.MaxLifetime
	if v.Lifetime != nil {
		maxLife = v.Lifetime()
	}
	if maxLife <= 0 {
		maxLife = DefaultMaxLifetime
	}

	switch {
	case c.ExpiresAt == nil:
		return tokenErr(CodeNoExpiry, "exp claim is required")
	case c.IssuedAt == nil:
		return tokenErr(CodeMalformed, "iat claim is required")
	case c.NotBefore == nil:
		return tokenErr(CodeMalformed, "nbf claim is required")
	case !slices.Contains(c.Audience, token.Audience):
		return tokenErr(CodeAudience, `aud does not include "conclave"`)
	case c.Issuer != kid:
		return tokenErr(CodeMalformed, "iss does not match kid")
	}

	exp, nbf, iat := c.ExpiresAt.Time, c.NotBefore.Time, c.IssuedAt.Time
	if !exp.After(nbf) || !exp.After(iat) {
		return tokenErr(CodeLifetime, "exp is not after nbf and iat")
	}
	if life := max(exp.Sub(nbf), exp.Sub(iat)); life > maxLife {
		return tokenErr(CodeLifetime, fmt.Sprintf("lifetime %s exceeds the maximum %s", life, maxLife))
	}
	t := now()
	if !t.Before(exp.Add(leeway)) {
		return tokenErr(CodeExpired, "token expired at "+exp.UTC().Format(time.RFC3339))
	}
	if t.Add(leeway).Before(nbf) {
		return tokenErr(CodeNotYetValid, "token is not valid before "+nbf.UTC().Format(time.RFC3339))
	}
	if t.Add(leeway).Before(iat) {
		return tokenErr(CodeNotYetValid, "token was issued in the future, at "+iat.UTC().Format(time.RFC3339))
	}

	// Every token can be revoked by its jti (revocations.go).
	if c.ID == "" {
		return tokenErr(CodeMalformed, "jti claim is required")
	}
	if ValidateJTI(c.ID) != nil {
		return tokenErr(CodeMalformed, fmt.Sprintf("jti must be 1 to %d bytes of printable ASCII", MaxJTILen))
	}
	if c.Subject == "" {
		return tokenErr(CodeIdentity, "sub (identity) claim is required")
	}
	if token.ValidateIdentity(c.Subject) != nil {
		return tokenErr(CodeIdentity, fmt.Sprintf("sub must be at most %d bytes of UTF-8 without control characters", token.MaxIdentityLen))
	}
	if c.Room != "" && token.ValidateRoom(c.Room) != nil {
		return tokenErr(CodeRoom, fmt.Sprintf(`room must be at most %d characters from [A-Za-z0-9_.-], not "." or ".."`, token.MaxRoomLen))
	}
	if token.ValidateName(c.Name) != nil {
		return tokenErr(CodeMalformed, fmt.Sprintf("name must be at most %d bytes of UTF-8 without control characters", token.MaxNameLen))
	}
	return nil
}
