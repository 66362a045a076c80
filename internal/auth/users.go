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
func NewUserID() string { return store.UserOwnerPrefix + randomChars(userIDAlphabet, userIDChars) }

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
	u, err := prepareUser(ctx, st, h, nu, now)
	if err != nil {
		return store.User{}, err
	}
	if err := st.CreateUser(ctx, u); err != nil {
		if errors.Is(err, store.ErrExists) {
			return store.User{}, ErrEmailTaken
		}
		return store.User{}, err
	}
	return u, nil
}

// prepareUser checks nu and hashes its password: the account to store.
func prepareUser(ctx context.Context, st store.Accounts, h *Hasher, nu NewUser, now time.Time) (store.User, error) {
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
	return store.User{
		ID: NewUserID(), Email: email, DisplayName: name, Role: nu.Role, Status: store.StatusActive,
		PasswordHash: hash, PasswordChangedAt: now, CreatedAt: now, UpdatedAt: now,
	}, nil
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
	return endAccess(ctx, st, id, true, now)
}

// endAccess ends the account's sessions and, with tokens, revokes its
// personal API tokens; it returns how many of each.
func endAccess(ctx context.Context, st store.Accounts, id string, tokens bool, now time.Time) (sessions, revoked int, err error) {
	if sessions, err = st.DeleteUserSessions(ctx, id, nil); err != nil {
		return 0, 0, fmt.Errorf("auth: account changed, but its sessions were not ended: %w", err)
	}
	if !tokens {
		return sessions, 0, nil
	}
	if revoked, err = st.RevokeUserPersonalTokens(ctx, id, now); err != nil {
		return sessions, 0, fmt.Errorf("auth: account disabled, but its personal tokens were not revoked: %w", err)
	}
	return sessions, revoked, nil
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

// Administration from the app (docs/accounts.md, "/v1/users"): the same
// store changes as the operator's commands, with the rules an admin acting
// through the network is held to.

// ErrAccountDisabled is returned when the account a link is for is disabled.
var ErrAccountDisabled = errors.New("auth: the account is disabled")

// ErrRoleInvalid is returned for a role that is neither admin nor member.
var ErrRoleInvalid = errors.New("auth: the role is neither admin nor member")

// ErrStatusInvalid is returned for a status that is neither active nor disabled.
var ErrStatusInvalid = errors.New("auth: the status is neither active nor disabled")

// UserChange is what ChangeUser did.
type UserChange struct {
	User          store.User
	RoleChanged   bool
	StatusChanged bool
	Sessions      int // sessions ended
	Tokens        int // personal API tokens revoked
}

// ChangeUser sets the account's role and status (nil: unchanged), refusing
// with store.ErrLastAdmin a change that leaves no active admin. A change of
// role ends the account's sessions (privileges are never carried over into
// a live session); disabling ends them and revokes its personal API tokens,
// as DisableUser does. The change is stored before anything is ended, so a
// failure part way leaves the account with less, never more, and running
// ChangeUser again with the same values finishes the work.
func ChangeUser(ctx context.Context, st store.Accounts, id string, role, status *string, now time.Time) (UserChange, error) {
	var c UserChange
	if role != nil && *role != store.RoleAdmin && *role != store.RoleMember {
		return c, ErrRoleInvalid
	}
	if status != nil && *status != store.StatusActive && *status != store.StatusDisabled {
		return c, ErrStatusInvalid
	}
	u, err := st.UpdateUserKeepAdmin(ctx, id, func(u *store.User) error {
		c.RoleChanged, c.StatusChanged = false, false
		if role != nil && *role != u.Role {
			u.Role, c.RoleChanged = *role, true
		}
		if status != nil && *status != u.Status {
			u.Status, c.StatusChanged = *status, true
		}
		return nil
	})
	if err != nil {
		return c, err
	}
	c.User = u
	disabled := u.Status == store.StatusDisabled
	// Disabling a disabled account ends and revokes anything left.
	if c.RoleChanged || (disabled && status != nil) {
		c.Sessions, c.Tokens, err = endAccess(ctx, st, id, disabled, now)
	}
	return c, err
}

// Signup invites and password resets are opaque tokens (NewOpaqueToken);
// the stored record's id is its kind's prefix and the token's public id.
const (
	// InviteTokenPrefix starts every signup invite token, then "_".
	InviteTokenPrefix = "cvi"
	// ResetTokenPrefix starts every password reset token, then "_".
	ResetTokenPrefix = "cvr"
	// ResetLifetime is how long a password reset link works.
	ResetLifetime = 24 * time.Hour
)

// NewInvite is what CreateInvite needs.
type NewInvite struct {
	Email     string // "" for anyone; else canonicalized and the only email that may use it
	Role      string // store.RoleAdmin or store.RoleMember
	CreatedBy string // the admin's user id
	Lifetime  time.Duration
}

// CreateInvite stores a signup invite and returns its token, to hand over
// once. At most maxOutstanding invites may be unused and unexpired at once
// (store.ErrLimit). Errors: ErrEmailInvalid, ErrRoleInvalid, ErrEmailTaken
// (an account has the invite's email), store.ErrLimit, or the store's. The
// caller bounds the lifetime.
func CreateInvite(ctx context.Context, st store.Accounts, ni NewInvite, now time.Time, maxOutstanding int) (string, store.SignupInvite, error) {
	email := ""
	if strings.TrimSpace(ni.Email) != "" {
		var err error
		if email, err = CanonicalEmail(ni.Email); err != nil {
			return "", store.SignupInvite{}, err
		}
		if _, err := st.UserByEmail(ctx, email); err == nil {
			return "", store.SignupInvite{}, ErrEmailTaken
		} else if !errors.Is(err, store.ErrNotFound) {
			return "", store.SignupInvite{}, err
		}
	}
	if ni.Role != store.RoleAdmin && ni.Role != store.RoleMember {
		return "", store.SignupInvite{}, ErrRoleInvalid
	}
	if ni.Lifetime <= 0 {
		return "", store.SignupInvite{}, errors.New("auth: an invite's lifetime must be positive")
	}
	tok, id, hash := NewOpaqueToken(InviteTokenPrefix)
	in := store.SignupInvite{
		ID: "IN_" + id, TokenHash: hash, Email: email, Role: ni.Role, CreatedBy: ni.CreatedBy,
		CreatedAt: now, ExpiresAt: now.Add(ni.Lifetime),
	}
	if err := st.CreateSignupInviteCapped(ctx, in, maxOutstanding); err != nil {
		return "", store.SignupInvite{}, err
	}
	return tok, in, nil
}

// ParseInviteToken checks an invite token's form and returns its hash, to
// look up; ok is false for anything NewOpaqueToken did not make.
func ParseInviteToken(tok string) (hash []byte, ok bool) {
	_, hash, ok = ParseOpaqueToken(InviteTokenPrefix, tok)
	return hash, ok
}

// RedeemInvite creates the account nu from the invite whose token hashes
// to tokenHash, and marks the invite used, at once (the store refuses a
// used, expired or mismatched invite: store.ErrNotFound, ErrInviteUsed,
// ErrInviteExpired, ErrInviteMismatch). nu.Role must be the invite's.
// Other errors are CreateUser's.
func RedeemInvite(ctx context.Context, st store.Accounts, h *Hasher, tokenHash []byte, nu NewUser, now time.Time) (store.User, error) {
	u, err := prepareUser(ctx, st, h, nu, now)
	if err != nil {
		return store.User{}, err
	}
	if err := st.RedeemSignupInvite(ctx, tokenHash, now, u); err != nil {
		if errors.Is(err, store.ErrExists) {
			return store.User{}, ErrEmailTaken
		}
		return store.User{}, err
	}
	return u, nil
}

// PasswordResetIssued is what IssuePasswordReset made and ended.
type PasswordResetIssued struct {
	Token    string // "cvr_…", to hand over once
	Reset    store.PasswordReset
	Sessions int // sessions ended
}

// IssuePasswordReset makes a single-use link for the account to set a new
// password within ResetLifetime, replacing any earlier one. The account's
// password stops working at once (it is replaced by the hash of a random
// secret nobody holds) and every session ends: a reset is made when the
// password is forgotten or may be known to someone else, and in both cases
// the old one must not open the account. Errors: store.ErrNotFound, ErrBusy,
// or the store's.
func IssuePasswordReset(ctx context.Context, st store.Accounts, h *Hasher, userID, createdBy string, now time.Time) (PasswordResetIssued, error) {
	var out PasswordResetIssued
	if _, err := st.User(ctx, userID); err != nil {
		return out, err
	}
	unusable, err := h.Hash(ctx, randomChars(tokenAlphabet, opaqueSecretChars))
	if err != nil {
		return out, err
	}
	tok, id, hash := NewOpaqueToken(ResetTokenPrefix)
	out.Token = tok
	out.Reset = store.PasswordReset{
		ID: "RS_" + id, TokenHash: hash, UserID: userID, CreatedBy: createdBy,
		CreatedAt: now, ExpiresAt: now.Add(ResetLifetime),
	}
	// The link first: if storing it fails, the account keeps its password.
	if err := st.CreatePasswordReset(ctx, out.Reset); err != nil {
		return out, err
	}
	if _, err := st.UpdateUser(ctx, userID, func(u *store.User) error {
		u.PasswordHash, u.PasswordChangedAt = unusable, now
		return nil
	}); err != nil {
		return out, err
	}
	if out.Sessions, err = st.DeleteUserSessions(ctx, userID, nil); err != nil {
		return out, fmt.Errorf("auth: password reset made, but the sessions were not ended: %w", err)
	}
	return out, nil
}

// ParseResetToken checks a reset token's form and returns its hash.
func ParseResetToken(tok string) (hash []byte, ok bool) {
	_, hash, ok = ParseOpaqueToken(ResetTokenPrefix, tok)
	return hash, ok
}

// PasswordResetLookup is a reset link as its holder may see it.
type PasswordResetLookup struct {
	Reset store.PasswordReset
	User  store.User
}

// LookupPasswordReset returns the unexpired reset whose token hashes to
// tokenHash and its account. Errors: store.ErrNotFound (unknown or used),
// store.ErrResetExpired, ErrAccountDisabled, or the store's.
func LookupPasswordReset(ctx context.Context, st store.Accounts, tokenHash []byte, now time.Time) (PasswordResetLookup, error) {
	pr, err := st.PasswordResetByHash(ctx, tokenHash)
	if err != nil {
		return PasswordResetLookup{}, err
	}
	if !now.Before(pr.ExpiresAt) {
		return PasswordResetLookup{}, store.ErrResetExpired
	}
	u, err := st.User(ctx, pr.UserID)
	if err != nil {
		return PasswordResetLookup{}, err
	}
	if u.Status != store.StatusActive {
		return PasswordResetLookup{}, ErrAccountDisabled
	}
	return PasswordResetLookup{Reset: pr, User: u}, nil
}

// RedeemPasswordReset sets the account's new password from the reset link
// whose token hashes to tokenHash: the policy applies, the link is spent
// (it and any other of the account's), failed sign-ins and any lock are
// cleared, and every session ends. It returns the account and how many
// sessions ended. Errors: LookupPasswordReset's, a *PasswordError, ErrBusy,
// or the store's.
func RedeemPasswordReset(ctx context.Context, st store.Accounts, h *Hasher, tokenHash []byte, password string, now time.Time) (store.User, int, error) {
	l, err := LookupPasswordReset(ctx, st, tokenHash, now)
	if err != nil {
		return store.User{}, 0, err
	}
	if err := CheckPassword(password, l.User.Email); err != nil {
		return store.User{}, 0, err
	}
	hash, err := h.Hash(ctx, password)
	if err != nil {
		return store.User{}, 0, err
	}
	u, err := st.RedeemPasswordReset(ctx, tokenHash, now, func(u *store.User) error {
		if u.Status != store.StatusActive {
			return ErrAccountDisabled
		}
		if u.Email != l.User.Email {
			// The policy was checked against another email: check again.
			if err := CheckPassword(password, u.Email); err != nil {
				return err
			}
		}
		u.PasswordHash, u.PasswordChangedAt = hash, now
		u.FailedSignins, u.LastFailedAt, u.LockedUntil = 0, time.Time{}, time.Time{}
		return nil
	})
	if err != nil {
		return store.User{}, 0, err
	}
	sessions, err := st.DeleteUserSessions(ctx, u.ID, nil)
	if err != nil {
		return u, 0, fmt.Errorf("auth: password reset, but the sessions were not ended: %w", err)
	}
	return u, sessions, nil
}
