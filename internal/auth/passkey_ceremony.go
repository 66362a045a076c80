package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/protocol/webauthncose"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/conclave-video/conclave/internal/store"
)

// The three ceremonies. Each Begin returns the options the browser passes
// to navigator.credentials (the {"publicKey": …} object, binary fields in
// base64url) and a challenge id the client sends back with the browser's
// response to the matching Finish. A Finish consumes the challenge
// whatever its outcome.

// BeginRegistration starts registering a new passkey for user. Its
// existing passkeys are excluded, so that an authenticator that holds one
// of them refuses to make a second; ErrTooManyPasskeys if it already has
// MaxPasskeysPerUser.
func (p *Passkeys) BeginRegistration(ctx context.Context, user PasskeyUser) (options []byte, challengeID string, err error) {
	if err := user.check(); err != nil {
		return nil, "", err
	}
	existing, err := p.store.ListPasskeys(ctx, user.ID)
	if err != nil {
		return nil, "", fmt.Errorf("auth: passkeys of %s: %w", user.ID, err)
	}
	if len(existing) >= MaxPasskeysPerUser {
		return nil, "", ErrTooManyPasskeys
	}
	exclude := make([]protocol.CredentialDescriptor, 0, len(existing))
	for _, pk := range existing {
		c, err := decodeCredential(pk)
		if err != nil {
			return nil, "", err
		}
		exclude = append(exclude, c.Descriptor())
	}
	creation, session, err := p.wa.BeginRegistration(webauthnUser{user: user},
		webauthn.WithCredentialParameters(passkeyAlgorithms()),
		webauthn.WithExclusions(exclude),
	)
	if err != nil {
		return nil, "", fmt.Errorf("auth: begin passkey registration: %w", err)
	}
	options, err = json.Marshal(creation)
	if err != nil {
		return nil, "", fmt.Errorf("auth: begin passkey registration: %w", err)
	}
	return options, p.challenges.add(p.now(), ceremonyRegister, user.ID, *session), nil
}

// FinishRegistration verifies the browser's response to the registration
// challengeID began for user, and stores the new passkey under name
// (trimmed; see PasskeyName). The account may not have gained
// MaxPasskeysPerUser passkeys meanwhile (ErrTooManyPasskeys), and the
// credential may not be registered already (ErrPasskeyExists).
func (p *Passkeys) FinishRegistration(ctx context.Context, challengeID string, user PasskeyUser, name string, response []byte) (Passkey, error) {
	now := p.now()
	session, err := p.challenges.take(now, challengeID, ceremonyRegister, user.ID)
	if err != nil {
		return Passkey{}, err
	}
	if err := user.check(); err != nil {
		return Passkey{}, err
	}
	if name, err = PasskeyName(name); err != nil {
		return Passkey{}, err
	}
	if len(response) > MaxPasskeyResponseSize {
		return Passkey{}, failedf("response of %d bytes is larger than %d", len(response), MaxPasskeyResponseSize)
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(response)
	if err != nil {
		return Passkey{}, failed(err)
	}
	cred, err := p.wa.CreateCredential(webauthnUser{user: user}, session, parsed)
	if err != nil {
		return Passkey{}, failed(err)
	}
	// The library checked these already; a passkey that did not verify
	// its user, or that nobody could sign in with, must never be stored
	// whatever a later version of it does.
	if !cred.Flags.UserVerified {
		return Passkey{}, failedf("the authenticator did not verify the user")
	}
	if len(cred.ID) == 0 || len(cred.ID) > maxCredentialIDLen {
		return Passkey{}, failedf("credential id of %d bytes", len(cred.ID))
	}
	if _, err := webauthncose.ParsePublicKey(cred.PublicKey); err != nil {
		return Passkey{}, failed(fmt.Errorf("credential public key: %w", err))
	}
	cred.Authenticator.CloneWarning = false
	encoded, err := encodeCredential(cred)
	if err != nil {
		return Passkey{}, err
	}
	pk := Passkey{
		ID:           newPasskeyID(),
		UserID:       user.ID,
		CredentialID: cred.ID,
		Credential:   encoded,
		Name:         name,
		CreatedAt:    now.UTC(),
	}

	unlock := p.locks.lock("user:" + user.ID)
	defer unlock()
	existing, err := p.store.ListPasskeys(ctx, user.ID)
	if err != nil {
		return Passkey{}, fmt.Errorf("auth: passkeys of %s: %w", user.ID, err)
	}
	if len(existing) >= MaxPasskeysPerUser {
		return Passkey{}, ErrTooManyPasskeys
	}
	if slices.ContainsFunc(existing, func(e Passkey) bool { return bytes.Equal(e.CredentialID, cred.ID) }) {
		return Passkey{}, ErrPasskeyExists
	}
	if err := p.store.CreatePasskey(ctx, pk); err != nil {
		if errors.Is(err, store.ErrExists) {
			// Registered to another account (or, astronomically
			// unlikely, the new id was taken).
			return Passkey{}, ErrPasskeyExists
		}
		return Passkey{}, fmt.Errorf("auth: store passkey: %w", err)
	}
	return pk, nil
}

// BeginLogin starts a sign-in with a passkey alone: no account is named,
// the browser offers the user the passkeys it holds for this site.
func (p *Passkeys) BeginLogin() (options []byte, challengeID string, err error) {
	assertion, session, err := p.wa.BeginDiscoverableLogin(webauthn.WithUserVerification(protocol.VerificationRequired))
	if err != nil {
		return nil, "", fmt.Errorf("auth: begin passkey sign-in: %w", err)
	}
	options, err = json.Marshal(assertion)
	if err != nil {
		return nil, "", fmt.Errorf("auth: begin passkey sign-in: %w", err)
	}
	return options, p.challenges.add(p.now(), ceremonySignIn, "", *session), nil
}

// FinishLogin verifies the browser's response to the sign-in
// challengeID began: the credential must be registered, the user handle
// must be the account's it is registered to, the signature must verify
// with the user verified, and the signature counter must have increased
// if it is in use (ErrPasskeyCloned). It stores the new counter and use
// time, and returns the account's id and the passkey as stored. The
// caller checks the account (disabled, locked) before signing it in.
func (p *Passkeys) FinishLogin(ctx context.Context, challengeID string, response []byte) (userID string, updated Passkey, err error) {
	now := p.now()
	session, err := p.challenges.take(now, challengeID, ceremonySignIn, "")
	if err != nil {
		return "", Passkey{}, err
	}
	parsed, err := parseAssertion(response)
	if err != nil {
		return "", Passkey{}, err
	}
	if len(parsed.Response.UserHandle) == 0 {
		return "", Passkey{}, failedf("no user handle: the credential is not discoverable")
	}

	unlock := p.locks.lock("credential:" + string(parsed.RawID))
	defer unlock()
	pk, err := p.passkeyByCredentialID(ctx, parsed.RawID)
	if err != nil {
		return "", Passkey{}, err
	}
	// The library compares the handle with the account's too; checking
	// here first keeps the account's data out of a mismatched ceremony.
	if !bytes.Equal(parsed.Response.UserHandle, []byte(pk.UserID)) {
		return "", Passkey{}, failedf("user handle is not the credential's account")
	}
	cred, err := decodeCredential(pk)
	if err != nil {
		return "", Passkey{}, err
	}
	owner := webauthnUser{user: PasskeyUser{ID: pk.UserID}, creds: []webauthn.Credential{cred}}
	_, verified, err := p.wa.ValidatePasskeyLogin(func(rawID, userHandle []byte) (webauthn.User, error) {
		return owner, nil
	}, session, parsed)
	if err != nil {
		return "", Passkey{}, failed(err)
	}
	updated, err = p.recordUse(ctx, pk, cred, verified, parsed)
	if err != nil {
		return "", Passkey{}, err
	}
	return pk.UserID, updated, nil
}

// BeginSecondFactor starts a passkey second factor for user, who has
// given their password: the browser is offered only user's passkeys.
// ErrNoPasskeys if it has none.
func (p *Passkeys) BeginSecondFactor(ctx context.Context, user PasskeyUser) (options []byte, challengeID string, err error) {
	if err := user.check(); err != nil {
		return nil, "", err
	}
	existing, err := p.store.ListPasskeys(ctx, user.ID)
	if err != nil {
		return nil, "", fmt.Errorf("auth: passkeys of %s: %w", user.ID, err)
	}
	if len(existing) == 0 {
		return nil, "", ErrNoPasskeys
	}
	creds := make([]webauthn.Credential, 0, len(existing))
	for _, pk := range existing {
		c, err := decodeCredential(pk)
		if err != nil {
			return nil, "", err
		}
		creds = append(creds, c)
	}
	assertion, session, err := p.wa.BeginLogin(webauthnUser{user: user, creds: creds}, webauthn.WithUserVerification(protocol.VerificationRequired))
	if err != nil {
		return nil, "", fmt.Errorf("auth: begin passkey second factor: %w", err)
	}
	options, err = json.Marshal(assertion)
	if err != nil {
		return nil, "", fmt.Errorf("auth: begin passkey second factor: %w", err)
	}
	return options, p.challenges.add(p.now(), ceremonySecondFactor, user.ID, *session), nil
}

// FinishSecondFactor verifies the browser's response to the second
// factor challengeID began for user: the credential must be one of those
// offered, still registered to user; otherwise as FinishLogin. It stores
// the new counter and use time and returns the passkey as stored.
func (p *Passkeys) FinishSecondFactor(ctx context.Context, challengeID string, user PasskeyUser, response []byte) (Passkey, error) {
	session, err := p.challenges.take(p.now(), challengeID, ceremonySecondFactor, user.ID)
	if err != nil {
		return Passkey{}, err
	}
	if err := user.check(); err != nil {
		return Passkey{}, err
	}
	parsed, err := parseAssertion(response)
	if err != nil {
		return Passkey{}, err
	}
	if !slices.ContainsFunc(session.AllowedCredentialIDs, func(id []byte) bool { return bytes.Equal(id, parsed.RawID) }) {
		return Passkey{}, failedf("the credential was not offered for this account")
	}

	unlock := p.locks.lock("credential:" + string(parsed.RawID))
	defer unlock()
	pk, err := p.passkeyByCredentialID(ctx, parsed.RawID)
	if err != nil {
		return Passkey{}, err
	}
	if pk.UserID != user.ID {
		return Passkey{}, failedf("the credential belongs to another account")
	}
	cred, err := decodeCredential(pk)
	if err != nil {
		return Passkey{}, err
	}
	// Verified against this one credential, as it is stored now (its
	// counter), rather than against the list offered at Begin, which a
	// removal may have changed since.
	session.AllowedCredentialIDs = [][]byte{parsed.RawID}
	verified, err := p.wa.ValidateLogin(webauthnUser{user: user, creds: []webauthn.Credential{cred}}, session, parsed)
	if err != nil {
		return Passkey{}, failed(err)
	}
	return p.recordUse(ctx, pk, cred, verified, parsed)
}

// parseAssertion parses the browser's response to a sign-in or second
// factor.
func parseAssertion(response []byte) (*protocol.ParsedCredentialAssertionData, error) {
	if len(response) > MaxPasskeyResponseSize {
		return nil, failedf("response of %d bytes is larger than %d", len(response), MaxPasskeyResponseSize)
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(response)
	if err != nil {
		return nil, failed(err)
	}
	if len(parsed.RawID) > maxCredentialIDLen {
		return nil, failedf("credential id of %d bytes", len(parsed.RawID))
	}
	return parsed, nil
}

// passkeyByCredentialID looks a credential up; one that is not
// registered is a failed ceremony, a store that does not answer is not.
func (p *Passkeys) passkeyByCredentialID(ctx context.Context, credentialID []byte) (Passkey, error) {
	pk, err := p.store.PasskeyByCredentialID(ctx, credentialID)
	if errors.Is(err, store.ErrNotFound) {
		return Passkey{}, failedf("credential not registered")
	}
	if err != nil {
		return Passkey{}, fmt.Errorf("auth: look up passkey: %w", err)
	}
	return pk, nil
}

// recordUse checks what an assertion the library verified says about
// the authenticator, and stores the passkey's new counter and use time.
// The caller holds the credential's lock, so the counter it compares
// with is the latest stored.
func (p *Passkeys) recordUse(ctx context.Context, pk Passkey, stored webauthn.Credential, verified *webauthn.Credential, parsed *protocol.ParsedCredentialAssertionData) (Passkey, error) {
	if !parsed.Response.AuthenticatorData.Flags.HasUserVerified() {
		return Passkey{}, failedf("the authenticator did not verify the user")
	}
	// WebAuthn §6.1.1: an authenticator that keeps a counter increases
	// it on every assertion. When either the stored or the new counter
	// is not zero, a new one that is not larger means two copies of the
	// key are in use (or the authenticator is broken): refuse. Both zero
	// is an authenticator without a counter (synced passkeys).
	got, had := parsed.Response.AuthenticatorData.Counter, stored.Authenticator.SignCount
	if (got != 0 || had != 0) && got <= had {
		return Passkey{}, fmt.Errorf("%w (counter %d after %d)", ErrPasskeyCloned, got, had)
	}
	verified.Authenticator.SignCount = got
	verified.Authenticator.CloneWarning = false
	encoded, err := encodeCredential(verified)
	if err != nil {
		return Passkey{}, err
	}
	updated := pk
	updated.Credential = encoded
	updated.LastUsedAt = p.now().UTC()
	if err := p.store.UpdatePasskey(ctx, updated); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return Passkey{}, failedf("the passkey was removed during the ceremony")
		}
		return Passkey{}, fmt.Errorf("auth: store passkey use: %w", err)
	}
	return updated, nil
}
