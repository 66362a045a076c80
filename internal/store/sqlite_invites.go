package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

const meetingInviteColumns = `id, room, owner, created_by, role, max_uses, uses, email_domain, created_at, expires_at, revoked_at`

func scanMeetingInvite(row interface{ Scan(...any) error }) (MeetingInvite, error) {
	var (
		in               MeetingInvite
		created, expires int64
		revoked          sql.NullInt64
	)
	if err := row.Scan(&in.ID, &in.Room, &in.Owner, &in.CreatedBy, &in.Role, &in.MaxUses, &in.Uses,
		&in.EmailDomain, &created, &expires, &revoked); err != nil {
		return MeetingInvite{}, err
	}
	in.CreatedAt, in.ExpiresAt = fromNanos(created), fromNanos(expires)
	if revoked.Valid {
		in.RevokedAt = fromNanos(revoked.Int64)
	}
	return in, nil
}

// CreateMeetingInvite implements MeetingInvites. The count of open invites
// and the insert are one statement, so the cap holds against racing
// creations (SQLite runs one writer at a time).
func (s *SQLite) CreateMeetingInvite(ctx context.Context, in MeetingInvite, maxOpen int) error {
	switch {
	case in.ID == "" || in.Room == "" || in.Owner == "" || in.CreatedBy == "":
		return errors.New("store: create invite: id, room, owner and creator are required")
	case in.MaxUses < 1 || in.Uses != 0:
		return errors.New("store: create invite: max uses must be positive and uses zero")
	case !in.ExpiresAt.After(in.CreatedAt) || in.CreatedAt.IsZero():
		return errors.New("store: create invite: expiry must be after creation")
	case maxOpen < 1:
		return errors.New("store: create invite: the cap must be positive")
	}
	now := toNanos(in.CreatedAt)
	res, err := s.exec(ctx, `INSERT INTO meeting_invites
		(id, room, owner, created_by, role, max_uses, uses, email_domain, created_at, expires_at)
		SELECT ?, ?, ?, ?, ?, ?, 0, ?, ?, ?
		WHERE (SELECT count(*) FROM meeting_invites WHERE owner = ? AND room = ?
			AND revoked_at IS NULL AND uses < max_uses AND expires_at > ?) < ?`,
		in.ID, in.Room, in.Owner, in.CreatedBy, in.Role, in.MaxUses, in.EmailDomain, now, toNanos(in.ExpiresAt),
		in.Owner, in.Room, now, maxOpen)
	if err != nil {
		if se := (*sqlite.Error)(nil); errors.As(err, &se) &&
			(se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY || se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE) {
			return fmt.Errorf("store: invite %s: %w", in.ID, ErrExists)
		}
		return classify(fmt.Errorf("store: create invite: %w", err))
	}
	if n, err := res.RowsAffected(); err != nil {
		return classify(fmt.Errorf("store: create invite: %w", err))
	} else if n == 0 {
		return fmt.Errorf("store: room %s: %w", in.Room, ErrTooManyInvites)
	}
	return nil
}

// MeetingInvite implements MeetingInvites.
func (s *SQLite) MeetingInvite(ctx context.Context, id string) (MeetingInvite, error) {
	in, err := scanMeetingInvite(s.db.QueryRowContext(ctx,
		`SELECT `+meetingInviteColumns+` FROM meeting_invites WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return MeetingInvite{}, fmt.Errorf("store: invite: %w", ErrNotFound)
	}
	if err != nil {
		return MeetingInvite{}, classify(fmt.Errorf("store: invite: %w", err))
	}
	return in, nil
}

// ListMeetingInvites implements MeetingInvites.
func (s *SQLite) ListMeetingInvites(ctx context.Context, owner, room string, since time.Time) ([]MeetingInvite, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+meetingInviteColumns+` FROM meeting_invites
		WHERE owner = ? AND room = ? AND expires_at > ? AND (revoked_at IS NULL OR revoked_at > ?)
		ORDER BY created_at DESC, id`, owner, room, toNanos(since), toNanos(since))
	if err != nil {
		return nil, classify(fmt.Errorf("store: list invites: %w", err))
	}
	defer rows.Close()
	var out []MeetingInvite
	for rows.Next() {
		in, err := scanMeetingInvite(rows)
		if err != nil {
			return nil, classify(fmt.Errorf("store: list invites: %w", err))
		}
		out = append(out, in)
	}
	if err := rows.Err(); err != nil {
		return nil, classify(fmt.Errorf("store: list invites: %w", err))
	}
	return out, nil
}

// RevokeMeetingInvite implements MeetingInvites. It raises the
// revocation version in the same transaction: a revoked invite refuses
// the guest tokens redeemed from it (Revocations), on every node.
func (s *SQLite) RevokeMeetingInvite(ctx context.Context, owner, id string, at time.Time) error {
	return s.revocationTx(ctx, "revoke invite", func(tx *sql.Tx) error {
		n, err := revokeInvite(ctx, tx, owner, id, at)
		if err == nil && n == 0 {
			err = ErrNotFound
		}
		return err
	})
}

// revokeInvite revokes owner's invite id at at, unless it was revoked
// before, and says how many rows it found (0: no such invite).
func revokeInvite(ctx context.Context, tx *sql.Tx, owner, id string, at time.Time) (int64, error) {
	res, err := tx.ExecContext(ctx, `UPDATE meeting_invites SET revoked_at = coalesce(revoked_at, ?)
		WHERE id = ? AND owner = ?`, toNanos(at), id, owner)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// UseMeetingInvite implements MeetingInvites: one conditional UPDATE
// counts the use, so that two racing guests can never both take the last
// one; only when it changes nothing is the row read to say why.
func (s *SQLite) UseMeetingInvite(ctx context.Context, id string, at time.Time) (MeetingInvite, error) {
	unlock, err := s.lockWrite(ctx)
	if err != nil {
		return MeetingInvite{}, fmt.Errorf("store: use invite: %w", err)
	}
	in, err := scanMeetingInvite(s.db.QueryRowContext(ctx, `UPDATE meeting_invites SET uses = uses + 1
		WHERE id = ? AND revoked_at IS NULL AND uses < max_uses AND expires_at > ?
		RETURNING `+meetingInviteColumns, id, toNanos(at)))
	unlock()
	if err == nil {
		return in, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return MeetingInvite{}, classify(fmt.Errorf("store: use invite: %w", err))
	}
	in, err = s.MeetingInvite(ctx, id)
	switch {
	case err != nil:
		return MeetingInvite{}, err
	case in.Revoked():
		return MeetingInvite{}, fmt.Errorf("store: use invite: %w", ErrInviteRevoked)
	case !at.Before(in.ExpiresAt):
		return MeetingInvite{}, fmt.Errorf("store: use invite: %w", ErrInviteExpired)
	}
	return MeetingInvite{}, fmt.Errorf("store: use invite: %w", ErrInviteUsedUp)
}

// PurgeMeetingInvites implements MeetingInvites.
func (s *SQLite) PurgeMeetingInvites(ctx context.Context, before time.Time) (int, error) {
	res, err := s.exec(ctx, `DELETE FROM meeting_invites WHERE expires_at <= ?`, toNanos(before))
	if err != nil {
		return 0, classify(fmt.Errorf("store: purge invites: %w", err))
	}
	n, err := res.RowsAffected()
	return int(n), classify(err)
}
