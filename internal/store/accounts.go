package store

import (
	"context"
	"errors"
	"time"
)

// Accounts: the people who sign in to Conclave itself (hosts and
// administrators), their sessions, second factors, passkeys, signup invites
// and personal API tokens (docs/accounts.md). Secrets are never stored:
// session ids, recovery codes, invite and personal-token secrets are kept
// as SHA-256 hashes, passwords as argon2id hashes.

// Errors of RedeemSignupInvite, besides ErrNotFound and ErrExists.
var (
	ErrInviteUsed    = errors.New("store: invite already used")
	ErrInviteExpired = errors.New("store: invite expired")
	// ErrInviteMismatch: the new user's role is not the invite's, or the
	// invite names an email and the user's is another.
	ErrInviteMismatch = errors.New("store: user does not match the invite")
)

// Limits the store enforces on what it is given, as a backstop: callers
// check their own, tighter ones first (and shorten a user agent to fit).
// A value beyond a limit is refused with an error, never cut.
const (
	MaxIDBytes           = 64   // every public handle: its prefix, then [A-Za-z0-9_-]
	MaxEmailBytes        = 254  // RFC 5321's longest path, less its brackets
	MaxNameBytes         = 256  // display, passkey and token names
	MaxIPBytes           = 64   // an IPv6 address with a zone
	MaxUserAgentBytes    = 1024 //
	MaxPasswordHashBytes = 512  // PHC strings are ~100 bytes
	MinTOTPSecretBytes   = 16   // RFC 4226's minimum of 128 bits
	MaxTOTPSecretBytes   = 64
	MaxCredentialIDBytes = 1023 // WebAuthn Level 3, 5.1
	MaxCredentialBytes   = 64 << 10
	MaxRecoveryCodes     = 64
	MaxGrants            = 64
	MaxGrantBytes        = 64 // [A-Za-z0-9._:-] only
)

// User roles and statuses.
const (
	RoleAdmin  = "admin"
	RoleMember = "member"

	StatusActive   = "active"
	StatusDisabled = "disabled"
)

// User is an account.
type User struct {
	ID          string // "US_" and 26 base32 characters
	Email       string // canonical: trimmed and lower-cased; unique
	DisplayName string
	Role        string // RoleAdmin or RoleMember
	Status      string // StatusActive or StatusDisabled

	// PasswordHash is the argon2id hash in PHC form, with its parameters;
	// the store refuses anything that does not begin "$argon2id$", so that
	// no password is ever stored in the clear by mistake.
	PasswordHash      string
	PasswordChangedAt time.Time

	// TOTPSecret is the shared TOTP secret (20 bytes), nil when none is
	// set; TOTPEnabled once a code from it was confirmed. TOTPLastStep is
	// the highest time step accepted, so that no code is accepted twice.
	TOTPSecret   []byte
	TOTPEnabled  bool
	TOTPLastStep int64

	// FailedSignins counts wrong passwords or second factors since the
	// last successful sign-in, the last at LastFailedAt (the growing
	// delay between tries runs from it); LockedUntil is when a temporary
	// lock ends (zero: not locked). LockNotice is set when a lock happened
	// that the owner has not been told of yet (told at the next sign-in).
	FailedSignins int
	LastFailedAt  time.Time
	LockedUntil   time.Time
	LockNotice    bool

	CreatedAt time.Time
	UpdatedAt time.Time
}

// Session is a signed-in browser. The session id itself is never stored.
type Session struct {
	ID         string // public handle, "SE_..." (for listing and revoking; not a credential)
	IDHash     []byte // SHA-256 of the session id the cookie carries; unique
	UserID     string
	CreatedAt  time.Time
	LastSeenAt time.Time
	// ExpiresAt is the absolute end; the idle timeout is applied against
	// LastSeenAt by the caller.
	ExpiresAt time.Time
	IP        string
	UserAgent string
}

// Passkey is a WebAuthn credential registered to a user.
type Passkey struct {
	ID           string // public handle, "PK_..."
	UserID       string
	CredentialID []byte // unique
	// Credential is the serialized credential (public key, sign count,
	// flags, transports) as the WebAuthn library keeps it.
	Credential []byte
	Name       string
	CreatedAt  time.Time
	LastUsedAt time.Time
}

// SignupInvite is an expiring, single-use signup link an admin made.
type SignupInvite struct {
	ID        string // public handle, "IN_..."
	TokenHash []byte // SHA-256 of the link's secret; unique
	Email     string // "" for anyone; else only this (canonical) email may use it
	Role      string // the role the new account gets
	CreatedBy string // user id
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    time.Time // zero while unused
	UsedBy    string    // user id
}

// PersonalToken is an API token a member made for scripts.
type PersonalToken struct {
	ID         string // public handle, "PT_..."; also the token's prefix
	UserID     string
	Name       string
	SecretHash []byte // SHA-256 of the token's secret
	Grants     []string
	CreatedAt  time.Time
	ExpiresAt  time.Time
	LastUsedAt time.Time
	RevokedAt  time.Time // zero while active
}

// Accounts persists users and everything that hangs off them. Every
// method that changes a user's state does it in one transaction. The
// Create methods store a zero CreatedAt as now; every other time a method
// is given must be set (an optional one may be zero: not set).
type Accounts interface {
	// CreateUser stores a new user; ErrExists if the email (canonical) or
	// id is taken. Zero CreatedAt/UpdatedAt are stored as now.
	CreateUser(ctx context.Context, u User) error
	// User returns the user with that id; ErrNotFound if none.
	User(ctx context.Context, id string) (User, error)
	// UserByEmail returns the user with that canonical email; ErrNotFound if none.
	UserByEmail(ctx context.Context, email string) (User, error)
	// ListUsers returns every user, oldest first.
	ListUsers(ctx context.Context) ([]User, error)
	// UpdateUser reads the user, calls fn on it and stores what fn left,
	// in one transaction: no other change to the user comes between. An
	// error from fn aborts the change and is returned as is. The ID and
	// CreatedAt cannot change (fn changing them is an error); UpdatedAt is
	// set to now. ErrNotFound if none; ErrExists if the new email is
	// taken. fn runs holding the database's write lock: it must be quick
	// and must not call the store. It returns the user as stored.
	UpdateUser(ctx context.Context, id string, fn func(*User) error) (User, error)

	// CreateSession stores a session; ErrExists if its IDHash or ID is
	// taken; ErrNotFound if the user does not exist.
	CreateSession(ctx context.Context, s Session) error
	// SessionByHash returns the session with that id hash; ErrNotFound if none.
	SessionByHash(ctx context.Context, idHash []byte) (Session, error)
	// TouchSession sets the session's LastSeenAt (and IP, if not ""),
	// unless a later touch came first: LastSeenAt never goes back, and the
	// IP is the latest touch's. ErrNotFound if none.
	TouchSession(ctx context.Context, idHash []byte, at time.Time, ip string) error
	// ListSessions returns the user's sessions, most recently seen first.
	ListSessions(ctx context.Context, userID string) ([]Session, error)
	// DeleteSession removes the user's session with that public id;
	// ErrNotFound if the user has none such.
	DeleteSession(ctx context.Context, userID, id string) error
	// DeleteSessionByHash removes the session with that id hash; ErrNotFound if none.
	DeleteSessionByHash(ctx context.Context, idHash []byte) error
	// DeleteUserSessions removes every session of the user except the one
	// whose id hash is keep (nil: all), and returns how many it removed.
	DeleteUserSessions(ctx context.Context, userID string, keep []byte) (int, error)

	// SetRecoveryCodes replaces the user's recovery codes with these
	// hashes; ErrNotFound if the user does not exist.
	SetRecoveryCodes(ctx context.Context, userID string, hashes [][]byte) error
	// UseRecoveryCode removes the user's code with that hash, once:
	// ErrNotFound if the user has no such (unused) code.
	UseRecoveryCode(ctx context.Context, userID string, hash []byte) error
	// CountRecoveryCodes returns how many unused codes the user has.
	CountRecoveryCodes(ctx context.Context, userID string) (int, error)

	// CreatePasskey stores a passkey; ErrExists if its credential id or id
	// is taken; ErrNotFound if the user does not exist.
	CreatePasskey(ctx context.Context, p Passkey) error
	// ListPasskeys returns the user's passkeys, oldest first.
	ListPasskeys(ctx context.Context, userID string) ([]Passkey, error)
	// PasskeyByCredentialID returns the passkey with that credential id; ErrNotFound if none.
	PasskeyByCredentialID(ctx context.Context, credentialID []byte) (Passkey, error)
	// UpdatePasskey stores p's Credential, Name and LastUsedAt for the
	// user's passkey p.ID; ErrNotFound if the user has none such.
	UpdatePasskey(ctx context.Context, p Passkey) error
	// DeletePasskey removes the user's passkey; ErrNotFound if none such.
	DeletePasskey(ctx context.Context, userID, id string) error
	// DeleteUserPasskeys removes all of the user's passkeys and returns how many.
	DeleteUserPasskeys(ctx context.Context, userID string) (int, error)

	// CreateSignupInvite stores an invite; ErrExists if its token hash or
	// id is taken; ErrNotFound if its creator does not exist.
	CreateSignupInvite(ctx context.Context, in SignupInvite) error
	// SignupInviteByHash returns the invite with that token hash, used or
	// not; ErrNotFound if none.
	SignupInviteByHash(ctx context.Context, tokenHash []byte) (SignupInvite, error)
	// ListSignupInvites returns every invite, newest first.
	ListSignupInvites(ctx context.Context) ([]SignupInvite, error)
	// RedeemSignupInvite creates u from the invite with that token hash and
	// marks the invite used, in one transaction, if the invite is unused
	// and unexpired at time at: ErrNotFound if there is no such invite,
	// ErrInviteUsed or ErrInviteExpired if it cannot be used,
	// ErrInviteMismatch if u's role or email is not what the invite gives,
	// ErrExists if the email or id is taken. Nothing changes unless all of
	// it does.
	RedeemSignupInvite(ctx context.Context, tokenHash []byte, at time.Time, u User) error
	// DeleteSignupInvite removes an invite (used or not); ErrNotFound if none.
	DeleteSignupInvite(ctx context.Context, id string) error

	// CreatePersonalToken stores a token; ErrExists if its id or secret
	// hash is taken; ErrNotFound if the user does not exist.
	CreatePersonalToken(ctx context.Context, t PersonalToken) error
	// PersonalToken returns the token with that id, revoked or not; ErrNotFound if none.
	PersonalToken(ctx context.Context, id string) (PersonalToken, error)
	// ListPersonalTokens returns the user's tokens, newest first.
	ListPersonalTokens(ctx context.Context, userID string) ([]PersonalToken, error)
	// TouchPersonalToken sets the token's LastUsedAt, unless a later touch
	// came first; ErrNotFound if none.
	TouchPersonalToken(ctx context.Context, id string, at time.Time) error
	// RevokePersonalToken marks the user's token revoked at time at;
	// ErrNotFound if the user has none such. Revoking again keeps the
	// first time.
	RevokePersonalToken(ctx context.Context, userID, id string, at time.Time) error
	// RevokeUserPersonalTokens revokes all of the user's active tokens
	// (neither revoked nor expired at time at) and returns how many.
	RevokeUserPersonalTokens(ctx context.Context, userID string, at time.Time) (int, error)

	// Administration (sqlite_admin.go).

	// UpdateUserKeepAdmin is UpdateUser, refusing with ErrLastAdmin a
	// change that leaves no active admin where there was one: the count
	// is taken in the same transaction, so two admins demoting each other
	// at once cannot both succeed.
	UpdateUserKeepAdmin(ctx context.Context, id string, fn func(*User) error) (User, error)
	// ListUserListings returns at most limit users (1 to MaxListLimit),
	// oldest first, after the user afterID ("" for the first page):
	// ErrNotFound if afterID names no user.
	ListUserListings(ctx context.Context, afterID string, limit int) ([]UserListing, error)
	// UserListing returns one user as ListUserListings does; ErrNotFound if none.
	UserListing(ctx context.Context, id string) (UserListing, error)
	// CreateSignupInviteCapped is CreateSignupInvite, refusing with
	// ErrLimit when max invites are already outstanding (unused and
	// unexpired at in.CreatedAt), counted in the same transaction.
	CreateSignupInviteCapped(ctx context.Context, in SignupInvite, max int) error
	// CreatePasswordReset stores a reset and removes the user's other
	// resets, in one transaction: only the newest link works. ErrExists
	// if its id or token hash is taken; ErrNotFound if the user or its
	// creator does not exist.
	CreatePasswordReset(ctx context.Context, pr PasswordReset) error
	// PasswordResetByHash returns the reset with that token hash, expired
	// or not; ErrNotFound if none.
	PasswordResetByHash(ctx context.Context, tokenHash []byte) (PasswordReset, error)
	// RedeemPasswordReset spends the reset with that token hash at time
	// at and applies fn to its user as UpdateUser does, in one
	// transaction: the user's resets are removed, so each is used once.
	// ErrNotFound if there is no such reset, ErrResetExpired if it has
	// expired; an error from fn aborts everything and is returned as is.
	RedeemPasswordReset(ctx context.Context, tokenHash []byte, at time.Time, fn func(*User) error) (User, error)
	// Purge removes what can no longer be used (see PurgeCutoffs) and
	// returns how many of each it removed.
	Purge(ctx context.Context, c PurgeCutoffs) (Purged, error)
}

// Errors of the administration methods.
var (
	// ErrLastAdmin: the change would leave no active admin.
	ErrLastAdmin = errors.New("store: the last active admin must stay an active admin")
	// ErrLimit: a limit on stored records is reached.
	ErrLimit = errors.New("store: limit reached")
	// ErrResetExpired: the password reset has expired.
	ErrResetExpired = errors.New("store: password reset expired")
)

// MaxListLimit bounds one page of ListUserListings.
const MaxListLimit = 1000

// UserListing is a user as an admin's list shows it.
type UserListing struct {
	User
	// Passkeys is how many passkeys the user has.
	Passkeys int
	// LastSigninAt is when a session of the user last began (a sign-in,
	// or a session's new id after a change of credentials); zero: never.
	LastSigninAt time.Time
}

// PasswordReset is a single-use, expiring link an admin made for a user
// to set a new password. The link's secret is never stored.
type PasswordReset struct {
	ID        string // public handle, "RS_..."
	TokenHash []byte // SHA-256 of the link's token; unique
	UserID    string
	CreatedBy string // the admin's user id
	CreatedAt time.Time
	ExpiresAt time.Time
}

// PurgeCutoffs says what Purge removes:
//   - sessions that expired (ExpiresAt not after Now) or were idle since
//     IdleBefore (LastSeenAt not after it);
//   - signup invites used, or expired unused, at or before KeepBefore;
//   - password resets that expired (ExpiresAt not after Now);
//   - personal API tokens revoked, or expired, at or before KeepBefore
//     (until then the account's list can still show them);
//   - meeting invites that expired at or before KeepBefore.
type PurgeCutoffs struct {
	Now        time.Time
	IdleBefore time.Time
	KeepBefore time.Time
}

// Purged counts what Purge removed.
type Purged struct {
	Sessions, Invites, Resets, Tokens, MeetingInvites int
}
