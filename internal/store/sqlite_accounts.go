package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// This file holds the accounts' users and signup invites, and what the
// accounts' SQLite methods share; sqlite_credentials.go holds sessions,
// recovery codes, passkeys and personal tokens.

var _ Accounts = (*SQLite)(nil)

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(...any) error }

// execer is a *sql.DB or a *sql.Tx.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// isConstraint reports whether err is SQLite's extended result code code,
// such as SQLITE_CONSTRAINT_FOREIGNKEY.
func isConstraint(err error, code int) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code() == code
}

// changed returns how many rows the statement that gave res and err changed.
func changed(res sql.Result, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// writeTx runs fn in a write transaction and commits if fn returns nil.
// The DSN's _txlock=immediate makes BeginTx a BEGIN IMMEDIATE: the write
// lock is taken before fn reads anything, so that nothing another
// connection or process writes can come between fn's reads and its writes
// (with a plain BEGIN, two read-then-write transactions would both read,
// and one would fail at its first write). Another writer holding the lock
// is waited for up to busyTimeout. fn's error is returned as is; op names
// the operation in the errors of BEGIN and COMMIT.
func (s *SQLite) writeTx(ctx context.Context, op string, fn func(*sql.Tx) error) error {
	unlock, err := s.lockWrite(ctx)
	if err != nil {
		return fmt.Errorf("store: %s: begin: %w", op, err)
	}
	defer unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return classify(fmt.Errorf("store: %s: begin: %w", op, err))
	}
	defer func() { _ = tx.Rollback() }()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return classify(fmt.Errorf("store: %s: commit: %w", op, err))
	}
	return nil
}

// timeValue is t as stored, in Unix nanoseconds: an error if t is zero or
// beyond what they hold (before 1678 or after 2262).
func timeValue(what string, t time.Time) (int64, error) {
	if t.IsZero() {
		return 0, fmt.Errorf("%s is not set", what)
	}
	n := t.UnixNano()
	if !time.Unix(0, n).Equal(t) {
		return 0, fmt.Errorf("%s is out of range", what)
	}
	return n, nil
}

// optTimeValue is timeValue for an optional time: NULL when zero.
func optTimeValue(what string, t time.Time) (any, error) {
	if t.IsZero() {
		return nil, nil
	}
	n, err := timeValue(what, t)
	if err != nil {
		return nil, err
	}
	return n, nil
}

// optTime reads an optional time: zero when NULL.
func optTime(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return fromNanos(n.Int64)
}

// checkID checks a public handle: prefix, then at least one of
// [A-Za-z0-9_-], MaxIDBytes in all. The id is not quoted in the error: a
// malformed one may be a secret passed by mistake.
func checkID(kind, prefix, id string) error {
	ok := len(id) > len(prefix) && len(id) <= MaxIDBytes && strings.HasPrefix(id, prefix)
	for i := len(prefix); ok && i < len(id); i++ {
		c := id[i]
		ok = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-'
	}
	if !ok {
		return fmt.Errorf("%s id is malformed: want %s and up to %d of [A-Za-z0-9_-]", kind, prefix, MaxIDBytes-len(prefix))
	}
	return nil
}

// checkText checks a text field: valid UTF-8, at most max bytes.
func checkText(what, s string, max int) error {
	if len(s) > max {
		return fmt.Errorf("%s is %d bytes, more than %d", what, len(s), max)
	}
	if !utf8.ValidString(s) {
		return fmt.Errorf("%s is not valid UTF-8", what)
	}
	return nil
}

// checkEmail checks that email is set and canonical. The store does not
// canonicalize: an email that is not is the caller's mistake, and changing
// it here would hide that. The email is not quoted in errors (it is
// personal data, and errors are logged).
func checkEmail(email string) error {
	if email == "" {
		return errors.New("email is empty")
	}
	if err := checkText("email", email, MaxEmailBytes); err != nil {
		return err
	}
	if email != strings.ToLower(strings.TrimSpace(email)) {
		return errors.New("email is not canonical (trimmed and lower-case)")
	}
	return nil
}

// checkHash checks a SHA-256 hash.
func checkHash(what string, h []byte) error {
	if len(h) != sha256.Size {
		return fmt.Errorf("%s is %d bytes, want a SHA-256 hash of %d", what, len(h), sha256.Size)
	}
	return nil
}

func checkRole(role string) error {
	if role != RoleAdmin && role != RoleMember {
		return fmt.Errorf("role %q is neither %q nor %q", role, RoleAdmin, RoleMember)
	}
	return nil
}

// argon2idPrefix begins every argon2id hash in PHC form.
const argon2idPrefix = "$argon2id$"

const userColumns = `id, email, display_name, role, status, password_hash, password_changed_at,
	totp_secret, totp_enabled, totp_last_step, failed_signins, last_failed_at, locked_until, lock_notice,
	created_at, updated_at`

// userValues checks u and returns its columns' values in userColumns'
// order.
func userValues(u User) ([]any, error) {
	if err := checkID("user", UserOwnerPrefix, u.ID); err != nil {
		return nil, err
	}
	if err := checkEmail(u.Email); err != nil {
		return nil, err
	}
	if err := checkText("display name", u.DisplayName, MaxNameBytes); err != nil {
		return nil, err
	}
	if err := checkRole(u.Role); err != nil {
		return nil, err
	}
	if u.Status != StatusActive && u.Status != StatusDisabled {
		return nil, fmt.Errorf("status %q is neither %q nor %q", u.Status, StatusActive, StatusDisabled)
	}
	// The hash is not quoted: if it is not one, it may be a password.
	if !strings.HasPrefix(u.PasswordHash, argon2idPrefix) {
		return nil, errors.New("password hash is not an argon2id hash in PHC form")
	}
	if err := checkText("password hash", u.PasswordHash, MaxPasswordHashBytes); err != nil {
		return nil, err
	}
	var secret any // NULL, not an empty blob, for none
	if u.TOTPSecret != nil {
		if n := len(u.TOTPSecret); n < MinTOTPSecretBytes || n > MaxTOTPSecretBytes {
			return nil, fmt.Errorf("TOTP secret is %d bytes, want %d to %d", n, MinTOTPSecretBytes, MaxTOTPSecretBytes)
		}
		secret = u.TOTPSecret
	}
	switch {
	case u.TOTPEnabled && u.TOTPSecret == nil:
		return nil, errors.New("TOTP is enabled without a secret")
	case u.TOTPLastStep < 0:
		return nil, errors.New("TOTP last step is negative")
	case u.FailedSignins < 0:
		return nil, errors.New("failed sign-ins count is negative")
	}
	pwChanged, err := optTimeValue("password change time", u.PasswordChangedAt)
	if err != nil {
		return nil, err
	}
	lastFailed, err := optTimeValue("last failure time", u.LastFailedAt)
	if err != nil {
		return nil, err
	}
	locked, err := optTimeValue("lock end", u.LockedUntil)
	if err != nil {
		return nil, err
	}
	created, err := timeValue("creation time", u.CreatedAt)
	if err != nil {
		return nil, err
	}
	updated, err := timeValue("update time", u.UpdatedAt)
	if err != nil {
		return nil, err
	}
	return []any{u.ID, u.Email, u.DisplayName, u.Role, u.Status, u.PasswordHash, pwChanged,
		secret, u.TOTPEnabled, u.TOTPLastStep, u.FailedSignins, lastFailed, locked, u.LockNotice,
		created, updated}, nil
}

func scanUser(row scanner) (User, error) {
	var (
		u                  User
		pwChanged, locked  sql.NullInt64
		lastFailed         sql.NullInt64
		created, updated   int64
		totpEnabled, lockN int64
	)
	if err := row.Scan(&u.ID, &u.Email, &u.DisplayName, &u.Role, &u.Status, &u.PasswordHash, &pwChanged,
		&u.TOTPSecret, &totpEnabled, &u.TOTPLastStep, &u.FailedSignins, &lastFailed, &locked, &lockN,
		&created, &updated); err != nil {
		return User{}, err
	}
	u.PasswordChangedAt = optTime(pwChanged)
	u.TOTPEnabled = totpEnabled != 0
	u.LastFailedAt = optTime(lastFailed)
	u.LockedUntil = optTime(locked)
	u.LockNotice = lockN != 0
	u.CreatedAt = fromNanos(created)
	u.UpdatedAt = fromNanos(updated)
	return u, nil
}

// insertUser inserts a user from userValues; ErrExists if the id or the
// email is taken.
func insertUser(ctx context.Context, ex execer, id string, values []any) error {
	n, err := changed(ex.ExecContext(ctx,
		`INSERT INTO users (`+userColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		 ON CONFLICT DO NOTHING`, values...))
	if err != nil {
		return classify(fmt.Errorf("store: create user %s: %w", id, err))
	}
	if n == 0 {
		return fmt.Errorf("store: user %s or its email: %w", id, ErrExists)
	}
	return nil
}

// CreateUser implements Accounts.
func (s *SQLite) CreateUser(ctx context.Context, u User) error {
	now := time.Now()
	if u.CreatedAt.IsZero() {
		u.CreatedAt = now
	}
	if u.UpdatedAt.IsZero() {
		u.UpdatedAt = now
	}
	values, err := userValues(u)
	if err != nil {
		return fmt.Errorf("store: create user: %w", err)
	}
	unlock, err := s.lockWrite(ctx)
	if err != nil {
		return fmt.Errorf("store: create user: %w", err)
	}
	defer unlock()
	return insertUser(ctx, s.db, u.ID, values)
}

// User implements Accounts.
func (s *SQLite) User(ctx context.Context, id string) (User, error) {
	u, err := scanUser(s.db.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, fmt.Errorf("store: user %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return User{}, classify(fmt.Errorf("store: user %s: %w", id, err))
	}
	return u, nil
}

// UserByEmail implements Accounts.
func (s *SQLite) UserByEmail(ctx context.Context, email string) (User, error) {
	u, err := scanUser(s.db.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE email = ?`, email))
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, fmt.Errorf("store: user with that email: %w", ErrNotFound)
	}
	if err != nil {
		return User{}, classify(fmt.Errorf("store: user by email: %w", err))
	}
	return u, nil
}

// ListUsers implements Accounts.
func (s *SQLite) ListUsers(ctx context.Context) ([]User, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY created_at, id`)
	if err != nil {
		return nil, classify(fmt.Errorf("store: list users: %w", err))
	}
	defer rows.Close()
	var users []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, classify(fmt.Errorf("store: list users: %w", err))
		}
		users = append(users, u)
	}
	if err := rows.Err(); err != nil {
		return nil, classify(fmt.Errorf("store: list users: %w", err))
	}
	return users, nil
}

// UpdateUser implements Accounts. The read, fn and the write run in one
// BEGIN IMMEDIATE transaction (see writeTx), so that two updates of one
// user, from this process or another, run one after the other: a check
// and set in fn, such as accepting a TOTP step only if it is later than
// the last, cannot be raced.
func (s *SQLite) UpdateUser(ctx context.Context, id string, fn func(*User) error) (User, error) {
	var out User
	err := s.writeTx(ctx, "update user "+id, func(tx *sql.Tx) error {
		var err error
		out, err = updateUserTx(ctx, tx, id, fn)
		return err
	})
	if err != nil {
		return User{}, err
	}
	return out, nil
}

// updateUserTx is UpdateUser's work inside the caller's write
// transaction: read, fn, checks, write, read back.
func updateUserTx(ctx context.Context, tx *sql.Tx, id string, fn func(*User) error) (User, error) {
	const byID = `SELECT ` + userColumns + ` FROM users WHERE id = ?`
	u, err := scanUser(tx.QueryRowContext(ctx, byID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, fmt.Errorf("store: user %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return User{}, classify(fmt.Errorf("store: update user %s: %w", id, err))
	}
	created := u.CreatedAt
	if err := fn(&u); err != nil {
		return User{}, err
	}
	if u.ID != id {
		return User{}, fmt.Errorf("store: update user %s: the id cannot change", id)
	}
	if !u.CreatedAt.Equal(created) {
		return User{}, fmt.Errorf("store: update user %s: the creation time cannot change", id)
	}
	u.UpdatedAt = time.Now()
	values, err := userValues(u)
	if err != nil {
		return User{}, fmt.Errorf("store: update user %s: %w", id, err)
	}
	_, err = tx.ExecContext(ctx,
		`UPDATE users SET email = ?, display_name = ?, role = ?, status = ?, password_hash = ?,
		   password_changed_at = ?, totp_secret = ?, totp_enabled = ?, totp_last_step = ?,
		   failed_signins = ?, last_failed_at = ?, locked_until = ?, lock_notice = ?, created_at = ?, updated_at = ?
		 WHERE id = ?`,
		append(append([]any{}, values[1:]...), id)...)
	if isConstraint(err, sqlite3.SQLITE_CONSTRAINT_UNIQUE) {
		return User{}, fmt.Errorf("store: user %s: email: %w", id, ErrExists)
	}
	if err != nil {
		return User{}, classify(fmt.Errorf("store: update user %s: %w", id, err))
	}
	// Return what a read returns: times in UTC, as stored.
	out, err := scanUser(tx.QueryRowContext(ctx, byID, id))
	if err != nil {
		return User{}, classify(fmt.Errorf("store: update user %s: %w", id, err))
	}
	return out, nil
}

const inviteColumns = `id, token_hash, email, role, created_by, created_at, expires_at, used_at, coalesce(used_by, '')`

func scanInvite(row scanner) (SignupInvite, error) {
	var (
		in               SignupInvite
		created, expires int64
		used             sql.NullInt64
	)
	if err := row.Scan(&in.ID, &in.TokenHash, &in.Email, &in.Role, &in.CreatedBy, &created, &expires, &used, &in.UsedBy); err != nil {
		return SignupInvite{}, err
	}
	in.CreatedAt = fromNanos(created)
	in.ExpiresAt = fromNanos(expires)
	in.UsedAt = optTime(used)
	return in, nil
}

// CreateSignupInvite implements Accounts.
func (s *SQLite) CreateSignupInvite(ctx context.Context, in SignupInvite) error {
	if in.CreatedAt.IsZero() {
		in.CreatedAt = time.Now()
	}
	values, err := inviteValues(in)
	if err != nil {
		return fmt.Errorf("store: create signup invite: %w", err)
	}
	n, err := changed(s.exec(ctx,
		`INSERT INTO signup_invites (id, token_hash, email, role, created_by, created_at, expires_at, used_at, used_by)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		 ON CONFLICT DO NOTHING`, values...))
	if isConstraint(err, sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY) {
		return fmt.Errorf("store: signup invite %s: creator or user: %w", in.ID, ErrNotFound)
	}
	if err != nil {
		return classify(fmt.Errorf("store: create signup invite %s: %w", in.ID, err))
	}
	if n == 0 {
		return fmt.Errorf("store: signup invite %s or its token: %w", in.ID, ErrExists)
	}
	return nil
}

func inviteValues(in SignupInvite) ([]any, error) {
	if err := checkID("signup invite", "IN_", in.ID); err != nil {
		return nil, err
	}
	if err := checkHash("token hash", in.TokenHash); err != nil {
		return nil, err
	}
	if in.Email != "" {
		if err := checkEmail(in.Email); err != nil {
			return nil, err
		}
	}
	if err := checkRole(in.Role); err != nil {
		return nil, err
	}
	if in.CreatedBy == "" {
		return nil, errors.New("creator is not set")
	}
	created, err := timeValue("creation time", in.CreatedAt)
	if err != nil {
		return nil, err
	}
	expires, err := timeValue("expiry", in.ExpiresAt)
	if err != nil {
		return nil, err
	}
	used, err := optTimeValue("use time", in.UsedAt)
	if err != nil {
		return nil, err
	}
	var usedBy any
	if in.UsedBy != "" {
		usedBy = in.UsedBy
	}
	if (used == nil) != (usedBy == nil) {
		return nil, errors.New("use time and user must be set together")
	}
	return []any{in.ID, in.TokenHash, in.Email, in.Role, in.CreatedBy, created, expires, used, usedBy}, nil
}

// SignupInviteByHash implements Accounts.
func (s *SQLite) SignupInviteByHash(ctx context.Context, tokenHash []byte) (SignupInvite, error) {
	in, err := scanInvite(s.db.QueryRowContext(ctx, `SELECT `+inviteColumns+` FROM signup_invites WHERE token_hash = ?`, tokenHash))
	if errors.Is(err, sql.ErrNoRows) {
		return SignupInvite{}, fmt.Errorf("store: signup invite with that token: %w", ErrNotFound)
	}
	if err != nil {
		return SignupInvite{}, classify(fmt.Errorf("store: signup invite by token: %w", err))
	}
	return in, nil
}

// ListSignupInvites implements Accounts.
func (s *SQLite) ListSignupInvites(ctx context.Context) ([]SignupInvite, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+inviteColumns+` FROM signup_invites ORDER BY created_at DESC, id DESC`)
	if err != nil {
		return nil, classify(fmt.Errorf("store: list signup invites: %w", err))
	}
	defer rows.Close()
	var invites []SignupInvite
	for rows.Next() {
		in, err := scanInvite(rows)
		if err != nil {
			return nil, classify(fmt.Errorf("store: list signup invites: %w", err))
		}
		invites = append(invites, in)
	}
	if err := rows.Err(); err != nil {
		return nil, classify(fmt.Errorf("store: list signup invites: %w", err))
	}
	return invites, nil
}

// RedeemSignupInvite implements Accounts. The invite is read, the user
// inserted and the invite marked used in one BEGIN IMMEDIATE transaction
// (see writeTx): of two redeeming one invite at once, the second finds it
// used.
func (s *SQLite) RedeemSignupInvite(ctx context.Context, tokenHash []byte, at time.Time, u User) error {
	atNanos, err := timeValue("redemption time", at)
	if err != nil {
		return fmt.Errorf("store: redeem signup invite: %w", err)
	}
	now := time.Now()
	if u.CreatedAt.IsZero() {
		u.CreatedAt = now
	}
	if u.UpdatedAt.IsZero() {
		u.UpdatedAt = now
	}
	values, err := userValues(u)
	if err != nil {
		return fmt.Errorf("store: redeem signup invite: user: %w", err)
	}
	return s.writeTx(ctx, "redeem signup invite", func(tx *sql.Tx) error {
		in, err := scanInvite(tx.QueryRowContext(ctx, `SELECT `+inviteColumns+` FROM signup_invites WHERE token_hash = ?`, tokenHash))
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("store: signup invite with that token: %w", ErrNotFound)
		}
		if err != nil {
			return classify(fmt.Errorf("store: redeem signup invite: %w", err))
		}
		switch {
		case !in.UsedAt.IsZero():
			return fmt.Errorf("store: signup invite %s: %w", in.ID, ErrInviteUsed)
		case !at.Before(in.ExpiresAt):
			return fmt.Errorf("store: signup invite %s: %w", in.ID, ErrInviteExpired)
		case in.Role != u.Role:
			return fmt.Errorf("store: signup invite %s: role: %w", in.ID, ErrInviteMismatch)
		case in.Email != "" && in.Email != u.Email:
			return fmt.Errorf("store: signup invite %s: email: %w", in.ID, ErrInviteMismatch)
		}
		if err := insertUser(ctx, tx, u.ID, values); err != nil {
			return err
		}
		n, err := changed(tx.ExecContext(ctx,
			`UPDATE signup_invites SET used_at = ?, used_by = ? WHERE id = ? AND used_at IS NULL`, atNanos, u.ID, in.ID))
		if err != nil {
			return classify(fmt.Errorf("store: redeem signup invite %s: %w", in.ID, err))
		}
		if n != 1 { // cannot happen: the write lock is held since the read
			return fmt.Errorf("store: redeem signup invite %s: marked %d invites used, want 1", in.ID, n)
		}
		return nil
	})
}

// DeleteSignupInvite implements Accounts.
func (s *SQLite) DeleteSignupInvite(ctx context.Context, id string) error {
	n, err := changed(s.exec(ctx, `DELETE FROM signup_invites WHERE id = ?`, id))
	if err != nil {
		return classify(fmt.Errorf("store: delete signup invite %s: %w", id, err))
	}
	if n == 0 {
		return fmt.Errorf("store: signup invite %s: %w", id, ErrNotFound)
	}
	return nil
}
