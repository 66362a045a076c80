package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	sqlite3 "modernc.org/sqlite/lib"
)

// The accounts' administration: the last-admin rule, the admins' list of
// users, the cap on outstanding invites, password resets and the purge of
// what can no longer be used.

// countActiveAdmins counts active admins inside tx.
func countActiveAdmins(ctx context.Context, tx *sql.Tx) (int, error) {
	var n int
	err := tx.QueryRowContext(ctx,
		`SELECT count(*) FROM users WHERE role = ? AND status = ?`, RoleAdmin, StatusActive).Scan(&n)
	return n, err
}

// UpdateUserKeepAdmin implements Accounts.
func (s *SQLite) UpdateUserKeepAdmin(ctx context.Context, id string, fn func(*User) error) (User, error) {
	var out User
	err := s.writeTx(ctx, "update user "+id, func(tx *sql.Tx) error {
		before, err := countActiveAdmins(ctx, tx)
		if err != nil {
			return classify(fmt.Errorf("store: update user %s: count admins: %w", id, err))
		}
		if out, err = updateUserTx(ctx, tx, id, fn); err != nil {
			return err
		}
		after, err := countActiveAdmins(ctx, tx)
		if err != nil {
			return classify(fmt.Errorf("store: update user %s: count admins: %w", id, err))
		}
		if before > 0 && after == 0 {
			return fmt.Errorf("store: update user %s: %w", id, ErrLastAdmin)
		}
		return nil
	})
	if err != nil {
		return User{}, err
	}
	return out, nil
}

// extraScanner scans a row of userColumns followed by more columns.
type extraScanner struct {
	row   scanner
	extra []any
}

func (e extraScanner) Scan(dest ...any) error { return e.row.Scan(append(dest, e.extra...)...) }

// listingColumns selects a UserListing: userColumns, then the last
// sign-in and the number of passkeys.
const listingColumns = `SELECT ` + userColumns + `, last_signin_at,
	(SELECT count(*) FROM passkeys p WHERE p.user_id = users.id) FROM users`

// ListUserListings implements Accounts.
func (s *SQLite) ListUserListings(ctx context.Context, afterID string, limit int) ([]UserListing, error) {
	if limit < 1 || limit > MaxListLimit {
		return nil, fmt.Errorf("store: list users: limit %d is not 1 to %d", limit, MaxListLimit)
	}
	const cols = listingColumns
	var (
		rows *sql.Rows
		err  error
	)
	if afterID == "" {
		rows, err = s.db.QueryContext(ctx, cols+` ORDER BY created_at, id LIMIT ?`, limit)
	} else {
		// One statement: the cursor's user and the page are read alike.
		rows, err = s.db.QueryContext(ctx, cols+` WHERE (created_at, id) > (SELECT created_at, id FROM users WHERE id = ?)
			ORDER BY created_at, id LIMIT ?`, afterID, limit)
	}
	if err != nil {
		return nil, classify(fmt.Errorf("store: list users: %w", err))
	}
	defer rows.Close()
	out := []UserListing{}
	for rows.Next() {
		var (
			l      UserListing
			signin sql.NullInt64
		)
		if l.User, err = scanUser(extraScanner{rows, []any{&signin, &l.Passkeys}}); err != nil {
			return nil, classify(fmt.Errorf("store: list users: %w", err))
		}
		l.LastSigninAt = optTime(signin)
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, classify(fmt.Errorf("store: list users: %w", err))
	}
	if afterID != "" && len(out) == 0 {
		// An empty page after a user that exists is the end; after one
		// that does not, the cursor is wrong.
		if _, err := s.User(ctx, afterID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// UserListing implements Accounts.
func (s *SQLite) UserListing(ctx context.Context, id string) (UserListing, error) {
	var (
		l      UserListing
		signin sql.NullInt64
		err    error
	)
	row := s.db.QueryRowContext(ctx, listingColumns+` WHERE id = ?`, id)
	l.User, err = scanUser(extraScanner{row, []any{&signin, &l.Passkeys}})
	if errors.Is(err, sql.ErrNoRows) {
		return UserListing{}, fmt.Errorf("store: user %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return UserListing{}, classify(fmt.Errorf("store: user %s: %w", id, err))
	}
	l.LastSigninAt = optTime(signin)
	return l, nil
}

// CreateSignupInviteCapped implements Accounts.
func (s *SQLite) CreateSignupInviteCapped(ctx context.Context, in SignupInvite, max int) error {
	if in.CreatedAt.IsZero() {
		in.CreatedAt = time.Now()
	}
	values, err := inviteValues(in)
	if err != nil {
		return fmt.Errorf("store: create signup invite: %w", err)
	}
	return s.writeTx(ctx, "create signup invite", func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx,
			`SELECT count(*) FROM signup_invites WHERE used_at IS NULL AND expires_at > ?`,
			toNanos(in.CreatedAt)).Scan(&n); err != nil {
			return classify(fmt.Errorf("store: create signup invite: count: %w", err))
		}
		if n >= max {
			return fmt.Errorf("store: create signup invite: %d outstanding: %w", n, ErrLimit)
		}
		c, err := changed(tx.ExecContext(ctx,
			`INSERT INTO signup_invites (id, token_hash, email, role, created_by, created_at, expires_at, used_at, used_by)
			 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			 ON CONFLICT DO NOTHING`, values...))
		if isConstraint(err, sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY) {
			return fmt.Errorf("store: signup invite %s: creator: %w", in.ID, ErrNotFound)
		}
		if err != nil {
			return classify(fmt.Errorf("store: create signup invite %s: %w", in.ID, err))
		}
		if c == 0 {
			return fmt.Errorf("store: signup invite %s or its token: %w", in.ID, ErrExists)
		}
		return nil
	})
}

const resetColumns = `id, token_hash, user_id, created_by, created_at, expires_at`

func scanReset(row scanner) (PasswordReset, error) {
	var (
		pr               PasswordReset
		created, expires int64
	)
	if err := row.Scan(&pr.ID, &pr.TokenHash, &pr.UserID, &pr.CreatedBy, &created, &expires); err != nil {
		return PasswordReset{}, err
	}
	pr.CreatedAt, pr.ExpiresAt = fromNanos(created), fromNanos(expires)
	return pr, nil
}

// CreatePasswordReset implements Accounts.
func (s *SQLite) CreatePasswordReset(ctx context.Context, pr PasswordReset) error {
	if pr.CreatedAt.IsZero() {
		pr.CreatedAt = time.Now()
	}
	if err := checkID("password reset", "RS_", pr.ID); err != nil {
		return fmt.Errorf("store: create password reset: %w", err)
	}
	if err := checkHash("token hash", pr.TokenHash); err != nil {
		return fmt.Errorf("store: create password reset: %w", err)
	}
	created, err := timeValue("creation time", pr.CreatedAt)
	if err != nil {
		return fmt.Errorf("store: create password reset: %w", err)
	}
	expires, err := timeValue("expiry", pr.ExpiresAt)
	if err != nil {
		return fmt.Errorf("store: create password reset: %w", err)
	}
	if expires <= created {
		return errors.New("store: create password reset: it expires before it is made")
	}
	return s.writeTx(ctx, "create password reset", func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM password_resets WHERE user_id = ?`, pr.UserID); err != nil {
			return classify(fmt.Errorf("store: create password reset: %w", err))
		}
		n, err := changed(tx.ExecContext(ctx,
			`INSERT INTO password_resets (`+resetColumns+`) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			pr.ID, pr.TokenHash, pr.UserID, pr.CreatedBy, created, expires))
		if isConstraint(err, sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY) {
			return fmt.Errorf("store: password reset %s: user or creator: %w", pr.ID, ErrNotFound)
		}
		if err != nil {
			return classify(fmt.Errorf("store: create password reset %s: %w", pr.ID, err))
		}
		if n == 0 {
			return fmt.Errorf("store: password reset %s or its token: %w", pr.ID, ErrExists)
		}
		return nil
	})
}

// PasswordResetByHash implements Accounts.
func (s *SQLite) PasswordResetByHash(ctx context.Context, tokenHash []byte) (PasswordReset, error) {
	pr, err := scanReset(s.db.QueryRowContext(ctx, `SELECT `+resetColumns+` FROM password_resets WHERE token_hash = ?`, tokenHash))
	if errors.Is(err, sql.ErrNoRows) {
		return PasswordReset{}, fmt.Errorf("store: password reset with that token: %w", ErrNotFound)
	}
	if err != nil {
		return PasswordReset{}, classify(fmt.Errorf("store: password reset by token: %w", err))
	}
	return pr, nil
}

// RedeemPasswordReset implements Accounts.
func (s *SQLite) RedeemPasswordReset(ctx context.Context, tokenHash []byte, at time.Time, fn func(*User) error) (User, error) {
	var out User
	err := s.writeTx(ctx, "redeem password reset", func(tx *sql.Tx) error {
		pr, err := scanReset(tx.QueryRowContext(ctx, `SELECT `+resetColumns+` FROM password_resets WHERE token_hash = ?`, tokenHash))
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("store: password reset with that token: %w", ErrNotFound)
		}
		if err != nil {
			return classify(fmt.Errorf("store: redeem password reset: %w", err))
		}
		if !at.Before(pr.ExpiresAt) {
			return fmt.Errorf("store: password reset %s: %w", pr.ID, ErrResetExpired)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM password_resets WHERE user_id = ?`, pr.UserID); err != nil {
			return classify(fmt.Errorf("store: redeem password reset %s: %w", pr.ID, err))
		}
		out, err = updateUserTx(ctx, tx, pr.UserID, fn)
		return err
	})
	if err != nil {
		return User{}, err
	}
	return out, nil
}

// Purge implements Accounts.
func (s *SQLite) Purge(ctx context.Context, c PurgeCutoffs) (Purged, error) {
	var p Purged
	now, err := timeValue("now", c.Now)
	if err != nil {
		return p, fmt.Errorf("store: purge: %w", err)
	}
	idle, err := timeValue("idle cutoff", c.IdleBefore)
	if err != nil {
		return p, fmt.Errorf("store: purge: %w", err)
	}
	keep, err := timeValue("keep cutoff", c.KeepBefore)
	if err != nil {
		return p, fmt.Errorf("store: purge: %w", err)
	}
	// One statement each, each its own transaction: the write lock is
	// held briefly, and what one removes is complete by itself.
	steps := []struct {
		n     *int
		query string
		args  []any
	}{
		{&p.Sessions, `DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at <= ?`, []any{now, idle}},
		{&p.Invites, `DELETE FROM signup_invites WHERE used_at <= ? OR (used_at IS NULL AND expires_at <= ?)`, []any{keep, keep}},
		{&p.Resets, `DELETE FROM password_resets WHERE expires_at <= ?`, []any{now}},
		{&p.Tokens, `DELETE FROM personal_tokens WHERE revoked_at <= ? OR expires_at <= ?`, []any{keep, keep}},
	}
	for _, st := range steps {
		n, err := changed(s.exec(ctx, st.query, st.args...))
		if err != nil {
			return p, classify(fmt.Errorf("store: purge: %w", err))
		}
		*st.n = int(n)
	}
	n, err := s.PurgeMeetingInvites(ctx, c.KeepBefore)
	if err != nil {
		return p, fmt.Errorf("store: purge: %w", err)
	}
	p.MeetingInvites = n
	return p, nil
}
