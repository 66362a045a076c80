// Package auth decides who a request is: it generates API keys and verifies
// the join and server-API tokens signed with them.
//
// Verification is strict and fails closed: only EdDSA, exp/nbf/iat/aud
// required, lifetime bounded, and the signing key looked up in the store on
// every call so that revoking a key takes effect on the next verification.
// Every refusal is a *TokenError with a stable code (see docs/tokens.md).
package auth
