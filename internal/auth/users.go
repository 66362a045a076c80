package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/conclave-video/conclave/internal/store"
)

// Account administration: the actions an operator runs with `conclave
// user` and an admin runs from the app (docs/accounts.md). Both call these
// functions, so an account is disabled, reset or created the same way
// whoever does it. They change the store only; the caller records the
// security event (it knows who acted and from where).

// userIDChars is the number of base32 characters after "US_" (130 bits).
const userIDChars = 26

// userIDAlphabet is base32 (RFC 4648) in upper case.
const userIDAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

// NewUserID returns a new account id: "US_" and 26 random base32 characters.
func NewUserID() string { return "US_" + randomChars(userIDAlphabet, userIDChars) }

// ErrEmailInvalid is returned for an email that is not an address.
var ErrEmailInvalid = errors.New("auth: the email is not an address (name@domain)")

// ErrEmailTaken is returned by CreateUser when an account has the email.
var ErrEmailTaken = errors.New("auth: an account with that email exists")

// ErrNameInvalid is returned for a display name that is too long or holds
// control characters.
var ErrNameInvalid = errors.New("auth: the display name must be at most 256 bytes of UTF-8 without control characters")

// CanonicalEmail returns email trimmed and lower-cased, the form accounts
// are stored and looked up by, or ErrEmailInvalid when it is not one
// address: exactly one '@' with something on either side, no spaces or
// control characters, at most store.MaxEmailBytes. It does not ask the
// domain anything: an operator may run Conclave where mail is internal.
func CanonicalEmail(email string) (string, error) {
	e := strings.ToLower(strings.TrimSpace(email))
	local, domain, found := strings.Cut(e, "@")
	switch {
	case !found || local == "" || domain == "" || strings.Contains(domain, "@"):
		return "", ErrEmailInvalid
	case len(e) > store.MaxEmailBytes || !utf8.ValidString(e):
		return "", ErrEmailInvalid
	case strings.ContainsFunc(e, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }):
		return "", ErrEmailInvalid
	}
	return e, nil
}

// checkDisplayName checks a display name as given (not trimmed here).
func checkDisplayName(name string) error {
	if len(name) > store.MaxNameBytes || !utf8.ValidString(name) || strings.ContainsFunc(name, unicode.IsControl) {
		return ErrNameInvalid
	}
	return nil
}

// NewUser is what CreateUser needs.
type NewUser struct {
	Email       string // canonicalized by CreateUser
	DisplayName string // trimmed by CreateUser
	Role        string // store.RoleAdmin or store.RoleMember
	Password    string // the policy (CheckPassword) applies
}

// CreateUser makes an active account with a password and no second factor.
// Errors: ErrEmailInvalid, ErrNameInvalid, a *PasswordError, ErrEmailTaken,
// ErrBusy from the hasher, or the store's.
func CreateUser(ctx context.Context, st store.Accounts, h *Hasher, nu NewUser, now time.Time) (store.User, error) {
	email, err := CanonicalEmail(nu.Email)
	if err != nil {
		return store.User{}, err
	}
	name := strings.TrimSpace(nu.DisplayName)
	if err := checkDisplayName(name); err != nil {
		return store.User{}, err
	}
	if nu.Role != store.RoleAdmin && nu.Role != store.RoleMember {
		return store.User{}, fmt.Errorf("auth: role %q is neither %q nor %q", nu.Role, store.RoleAdmin, store.RoleMember)
	}
	if err := CheckPassword(nu.Password, email); err != nil {
		return store.User{}, err
	}
	// Checked before the costly hash; the store's unique index decides.
	if _, err := st.UserByEmail(ctx, email); err == nil {
		return store.User{}, ErrEmailTaken
	} else if !errors.Is(err, store.ErrNotFound) {
		return store.User{}, err
	}
	hash, err := h.Hash(ctx, nu.Password)
	if err != nil {
		return store.User{}, err
	}
	u := store.User{
		ID: NewUserID(), Email: email, DisplayName: name, Role: nu.Role, Status: store.StatusActive,
		PasswordHash: hash, PasswordChangedAt: now, CreatedAt: now, UpdatedAt: now,
	}
	if err := st.CreateUser(ctx, u); err != nil {
		if errors.Is(err, store.ErrExists) {
			return store.User{}, ErrEmailTaken
		}
		return store.User{}, err
	}
	return u, nil
}

// DisableUser disables the account, then ends its sessions and revokes its
// personal API tokens, and returns how many of each. The status is set
// first: once it is stored, the account cannot sign in and its sessions and
// tokens are refused (every use checks the status), so a failure of a
// later step leaves nothing usable, and running DisableUser again finishes
// the work. Disabling a disabled account ends and revokes anything left.
func DisableUser(ctx context.Context, st store.Accounts, id string, now time.Time) (sessions, tokens int, err error) {
	if _, err := st.UpdateUser(ctx, id, func(u *store.User) error {
		u.Status = store.StatusDisabled
		return nil
	}); err != nil {
		return 0, 0, err
	}
	if sessions, err = st.DeleteUserSessions(ctx, id, nil); err != nil {
		return 0, 0, fmt.Errorf("auth: account disabled, but its sessions were not ended: %w", err)
	}
	if tokens, err = st.RevokeUserPersonalTokens(ctx, id, now); err != nil {
		return sessions, 0, fmt.Errorf("auth: account disabled, but its personal tokens were not revoked: %w", err)
	}
	return sessions, tokens, nil
}

// EnableUser makes a disabled account active again. Its sessions and
// tokens stay ended and revoked.
func EnableUser(ctx context.Context, st store.Accounts, id string) error {
	_, err := st.UpdateUser(ctx, id, func(u *store.User) error {
		u.Status = store.StatusActive
		return nil
	})
	return err
}

// ResetPassword sets a new password for the account (the policy applies),
// clears its failed sign-ins and any lock (the old password is what was
// being guessed), then ends every session, and returns how many it ended.
// Errors: a *PasswordError, ErrBusy, or the store's (store.ErrNotFound).
func ResetPassword(ctx context.Context, st store.Accounts, h *Hasher, id, password string, now time.Time) (sessions int, err error) {
	u, err := st.User(ctx, id)
	if err != nil {
		return 0, err
	}
	if err := CheckPassword(password, u.Email); err != nil {
		return 0, err
	}
	hash, err := h.Hash(ctx, password)
	if err != nil {
		return 0, err
	}
	if _, err := st.UpdateUser(ctx, id, func(u *store.User) error {
		u.PasswordHash, u.PasswordChangedAt = hash, now
		u.FailedSignins, u.LastFailedAt, u.LockedUntil = 0, time.Time{}, time.Time{}
		return nil
	}); err != nil {
		return 0, err
	}
	if sessions, err = st.DeleteUserSessions(ctx, id, nil); err != nil {
		return 0, fmt.Errorf("auth: password reset, but the sessions were not ended: %w", err)
	}
	return sessions, nil
}

// SecondFactorsReset is what ResetSecondFactors removed.
type SecondFactorsReset struct {
	TOTP          bool // a TOTP secret was set (enabled or being enrolled)
	RecoveryCodes int
	Passkeys      int
	Sessions      int
}

// ResetSecondFactors removes the account's TOTP (secret, enabled, last
// step), recovery codes and passkeys, then ends every session. TOTP goes
// first, then the codes, then the passkeys; a failure part way leaves the
// account with fewer factors, never more, and running it again finishes.
func ResetSecondFactors(ctx context.Context, st store.Accounts, id string) (SecondFactorsReset, error) {
	var r SecondFactorsReset
	if _, err := st.UpdateUser(ctx, id, func(u *store.User) error {
		r.TOTP = u.TOTPSecret != nil
		u.TOTPSecret, u.TOTPEnabled, u.TOTPLastStep = nil, false, 0
		return nil
	}); err != nil {
		return r, err
	}
	n, err := st.CountRecoveryCodes(ctx, id)
	if err != nil {
		return r, err
	}
	if err := st.SetRecoveryCodes(ctx, id, nil); err != nil {
		return r, err
	}
	r.RecoveryCodes = n
	if r.Passkeys, err = st.DeleteUserPasskeys(ctx, id); err != nil {
		return r, err
	}
	if r.Sessions, err = st.DeleteUserSessions(ctx, id, nil); err != nil {
		return r, fmt.Errorf("auth: second factors removed, but the sessions were not ended: %w", err)
	}
	return r, nil
}
