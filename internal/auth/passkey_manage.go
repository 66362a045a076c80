package auth

import (
	"context"
	"errors"
	"fmt"

	"github.com/conclave-video/conclave/internal/store"
)

// Renaming and removing an account's passkeys. Both take the same locks
// as the ceremonies: a rename stores the credential too, so it must not
// write back a signature counter older than a sign-in that raced with it
// (the clone check would then accept a replayed counter); a removal must
// not race with a registration or another removal past the rule its
// caller checks.

// ErrPasskeyNotFound: the account has no passkey with that id.
var ErrPasskeyNotFound = errors.New("auth: no such passkey")

// RenamePasskey names the account's passkey id (trimmed; see
// PasskeyName) and returns it as stored. ErrPasskeyName,
// ErrPasskeyNotFound.
func (p *Passkeys) RenamePasskey(ctx context.Context, userID, id, name string) (Passkey, error) {
	name, err := PasskeyName(name)
	if err != nil {
		return Passkey{}, err
	}
	pk, err := p.userPasskey(ctx, userID, id)
	if err != nil {
		return Passkey{}, err
	}
	unlock := p.locks.lock("credential:" + string(pk.CredentialID))
	defer unlock()
	// Read again under the lock: the counter stored now is the latest.
	pk, err = p.store.PasskeyByCredentialID(ctx, pk.CredentialID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && (pk.UserID != userID || pk.ID != id)) {
		return Passkey{}, ErrPasskeyNotFound
	}
	if err != nil {
		return Passkey{}, fmt.Errorf("auth: look up passkey: %w", err)
	}
	pk.Name = name
	if err := p.store.UpdatePasskey(ctx, pk); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return Passkey{}, ErrPasskeyNotFound
		}
		return Passkey{}, fmt.Errorf("auth: rename passkey: %w", err)
	}
	return pk, nil
}

// RemovePasskey removes the account's passkey id if allow, called with
// the account's passkeys that would remain, returns nil; allow's error is
// returned as it is. Registrations and removals of the account wait
// meanwhile, so what allow is shown stays true until the removal is
// done. It returns the passkey removed. ErrPasskeyNotFound.
func (p *Passkeys) RemovePasskey(ctx context.Context, userID, id string, allow func(remaining []Passkey) error) (Passkey, error) {
	unlock := p.locks.lock("user:" + userID)
	defer unlock()
	all, err := p.store.ListPasskeys(ctx, userID)
	if err != nil {
		return Passkey{}, fmt.Errorf("auth: passkeys of %s: %w", userID, err)
	}
	var removed Passkey
	remaining := make([]Passkey, 0, len(all))
	for _, pk := range all {
		if pk.ID == id {
			removed = pk
		} else {
			remaining = append(remaining, pk)
		}
	}
	if removed.ID == "" {
		return Passkey{}, ErrPasskeyNotFound
	}
	if err := allow(remaining); err != nil {
		return Passkey{}, err
	}
	if err := p.store.DeletePasskey(ctx, userID, id); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return Passkey{}, ErrPasskeyNotFound
		}
		return Passkey{}, fmt.Errorf("auth: remove passkey: %w", err)
	}
	return removed, nil
}

// userPasskey returns the account's passkey id.
func (p *Passkeys) userPasskey(ctx context.Context, userID, id string) (Passkey, error) {
	all, err := p.store.ListPasskeys(ctx, userID)
	if err != nil {
		return Passkey{}, fmt.Errorf("auth: passkeys of %s: %w", userID, err)
	}
	for _, pk := range all {
		if pk.ID == id {
			return pk, nil
		}
	}
	return Passkey{}, ErrPasskeyNotFound
}
