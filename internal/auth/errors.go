package auth

import "errors"

// Stable token error codes. They appear on the wire and in the audit log;
// never change one. docs/tokens.md explains each.
const (
	CodeMalformed   = "token_malformed"     // not a well-formed Conclave JWT
	CodeAlgorithm   = "token_algorithm"     // alg is not EdDSA
	CodeSignature   = "token_signature"     // signature does not verify
	CodeExpired     = "token_expired"       // now is past exp
	CodeNotYetValid = "token_not_yet_valid" // now is before nbf or iat
	CodeAudience    = "token_audience"      // aud does not include "conclave"
	CodeNoExpiry    = "token_no_expiry"     // exp missing
	CodeLifetime    = "token_lifetime"      // exp - nbf or exp - iat above the maximum
	CodeUnknownKey  = "token_unknown_key"   // kid names no API key
	CodeRevokedKey  = "token_revoked_key"   // kid names a revoked API key
	CodeRoom        = "token_room"          // room claim invalid, or the token used for another room
	CodeIdentity    = "token_identity"      // sub missing or invalid
	// CodeOwner: the owner claim in a token the server's own key did not
	// sign, a token of the server's key without one, or an owner claim
	// that names no account or no room (owner.go).
	CodeOwner = "token_owner"
)

// TokenError is why a token was refused. Msg is for operators and logs; it
// never contains the token or any secret. Code is stable.
type TokenError struct {
	Code string
	Msg  string
}

func (e *TokenError) Error() string { return e.Code + ": " + e.Msg }

// Is makes errors.Is(err, &TokenError{Code: c}) match any TokenError with
// code c.
func (e *TokenError) Is(target error) bool {
	t, ok := target.(*TokenError)
	return ok && t.Code == e.Code
}

func tokenErr(code, msg string) *TokenError { return &TokenError{Code: code, Msg: msg} }

// Code returns the code of the TokenError in err's chain, or "" if there is
// none (err is nil, or verification failed for an internal reason such as
// an unavailable store, which callers must treat as a server error).
func Code(err error) string {
	if te, ok := errors.AsType[*TokenError](err); ok {
		return te.Code
	}
	return ""
}
