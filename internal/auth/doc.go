// Package auth decides who a request is. It owns the credentials of
// Conclave's two kinds of callers, and no HTTP and no storage: callers pass
// in what the store holds and store what it returns.
//
// Applications: auth generates API keys and verifies the join and server-API
// tokens signed with them. Verification is strict and fails closed: only
// EdDSA, exp/nbf/iat/aud required, lifetime bounded, and the signing key
// looked up in the store on every call so that revoking a key takes effect
// on the next verification. Every refusal is a *TokenError with a stable
// code (see docs/tokens.md).
//
// Accounts (people who sign in to Conclave itself): auth holds the
// primitives their sign-in is built from.
//
//   - Passwords: the policy (CheckPassword, refusing with a *PasswordError
//     and a stable code) and argon2id hashing with RFC 9106's parameters
//     stored in each hash, rehash-on-login when they change, and a bound on
//     the hashes computed at once (Hasher).
//   - TOTP second factor (RFC 6238) with each code accepted once, and
//     single-use recovery codes.
//   - Sessions: random 256-bit session ids stored only as a hash; and opaque
//     tokens for invite links and personal API tokens, likewise.
//
// Every secret is compared in constant time, never logged and never put in
// an error string.
package auth
