package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// bumpRevocations raises the revocation version inside tx.
func bumpRevocations(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `UPDATE revocations_version SET version = version + 1 WHERE id = 1`)
	return err
}

// revocationTx runs f and raises the version in one write transaction.
func (s *SQLite) revocationTx(ctx context.Context, what string, f func(tx *sql.Tx) error) error {
	unlock, err := s.lockWrite(ctx)
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	defer unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return classify(fmt.Errorf("store: %s: %w", what, err))
	}
	defer func() { _ = tx.Rollback() }()
	if err := f(tx); err != nil {
		if errors.Is(err, ErrNotFound) || errors.Is(err, ErrTooManyRevocations) || errors.Is(err, ErrTooManyBans) {
			return fmt.Errorf("store: %s: %w", what, err)
		}
		return classify(fmt.Errorf("store: %s: %w", what, err))
	}
	if err := bumpRevocations(ctx, tx); err != nil {
		return classify(fmt.Errorf("store: %s: %w", what, err))
	}
	if err := tx.Commit(); err != nil {
		return classify(fmt.Errorf("store: %s: %w", what, err))
	}
	return nil
}

// RevokeToken implements Revocations.
func (s *SQLite) RevokeToken(ctx context.Context, r TokenRevocation) error {
	switch {
	case r.Issuer == "" || r.JTI == "":
		return errors.New("store: revoke token: issuer and jti are required")
	case r.RevokedAt.IsZero() || !r.ExpiresAt.After(r.RevokedAt):
		return errors.New("store: revoke token: expiry must be after the revocation")
	}
	return s.revocationTx(ctx, "revoke token", func(tx *sql.Tx) error {
		var exists bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM token_revocations WHERE issuer = ? AND jti = ? AND room = ?)`,
			r.Issuer, r.JTI, r.Room).Scan(&exists); err != nil {
			return err
		}
		if !exists {
			if err := s.revocationRoom(ctx, tx, r.Issuer, r.Room, r.RevokedAt); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO token_revocations (issuer, jti, room, revoked_at, expires_at, revoked_by)
			VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (issuer, jti, room) DO UPDATE SET
				expires_at = max(expires_at, excluded.expires_at)`,
			r.Issuer, r.JTI, r.Room, toNanos(r.RevokedAt), toNanos(r.ExpiresAt), r.RevokedBy)
		return err
	})
}

// RevokeIdentity implements Revocations.
func (s *SQLite) RevokeIdentity(ctx context.Context, r IdentityRevocation) error {
	if err := checkIdentityRevocation(r); err != nil {
		return err
	}
	return s.revocationTx(ctx, "revoke identity", func(tx *sql.Tx) error { return s.putIdentityRevocation(ctx, tx, r) })
}

// revocationRoom refuses, with ErrTooManyRevocations, a new revocation of
// issuer in room at now when the issuer or the room has as many in force
// as the caps allow. Called inside the write transaction, so the count
// holds against racing writers.
func (s *SQLite) revocationRoom(ctx context.Context, tx *sql.Tx, issuer, room string, now time.Time) error {
	var all, inRoom int
	err := tx.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM token_revocations WHERE issuer = ?1 AND expires_at > ?3) +
		(SELECT count(*) FROM identity_revocations WHERE issuer = ?1 AND expires_at > ?3),
		(SELECT count(*) FROM token_revocations WHERE issuer = ?1 AND room = ?2 AND expires_at > ?3) +
		(SELECT count(*) FROM identity_revocations WHERE issuer = ?1 AND room = ?2 AND expires_at > ?3)`,
		issuer, room, toNanos(now)).Scan(&all, &inRoom)
	if err != nil {
		return err
	}
	if all >= s.limits.RevocationsPerIssuer || inRoom >= s.limits.RevocationsPerRoom {
		return ErrTooManyRevocations
	}
	return nil
}

// banRoom is revocationRoom for bans.
func (s *SQLite) banRoom(ctx context.Context, tx *sql.Tx, b Ban) error {
	var exists bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM bans WHERE issuer = ? AND room = ? AND identity = ?)`,
		b.Issuer, b.Room, b.Identity).Scan(&exists); err != nil || exists {
		return err
	}
	var all, inRoom int
	err := tx.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM bans WHERE issuer = ?1 AND (until IS NULL OR until > ?3)),
		(SELECT count(*) FROM bans WHERE issuer = ?1 AND room = ?2 AND (until IS NULL OR until > ?3))`,
		b.Issuer, b.Room, toNanos(b.CreatedAt)).Scan(&all, &inRoom)
	if err != nil {
		return err
	}
	if all >= s.limits.BansPerIssuer || inRoom >= s.limits.BansPerRoom {
		return ErrTooManyBans
	}
	return nil
}

func checkIdentityRevocation(r IdentityRevocation) error {
	switch {
	case r.Issuer == "" || r.Identity == "":
		return errors.New("store: revoke identity: issuer and identity are required")
	case r.NotBefore.IsZero() || !r.ExpiresAt.After(r.NotBefore):
		return errors.New("store: revoke identity: expiry must be after not-before")
	}
	return nil
}

func (s *SQLite) putIdentityRevocation(ctx context.Context, tx *sql.Tx, r IdentityRevocation) error {
	var exists bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM identity_revocations WHERE issuer = ? AND room = ? AND identity = ?)`,
		r.Issuer, r.Room, r.Identity).Scan(&exists); err != nil {
		return err
	}
	if !exists {
		if err := s.revocationRoom(ctx, tx, r.Issuer, r.Room, r.NotBefore); err != nil {
			return err
		}
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO identity_revocations (issuer, room, identity, not_before, expires_at, revoked_by)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (issuer, room, identity) DO UPDATE SET
			revoked_by = CASE WHEN excluded.not_before > not_before THEN excluded.revoked_by ELSE revoked_by END,
			not_before = max(not_before, excluded.not_before),
			expires_at = max(expires_at, excluded.expires_at)`,
		r.Issuer, r.Room, r.Identity, toNanos(r.NotBefore), toNanos(r.ExpiresAt), r.RevokedBy)
	return err
}

// PutBan implements Revocations.
func (s *SQLite) PutBan(ctx context.Context, b Ban) error {
	if err := checkBan(b); err != nil {
		return err
	}
	return s.revocationTx(ctx, "ban", func(tx *sql.Tx) error { return s.putBan(ctx, tx, b) })
}

func checkBan(b Ban) error {
	switch {
	case b.Issuer == "" || b.Room == "" || b.Identity == "":
		return errors.New("store: ban: issuer, room and identity are required")
	case b.CreatedAt.IsZero() || b.RoomCreated.IsZero():
		return errors.New("store: ban: creation times are required")
	case !b.Until.IsZero() && !b.Until.After(b.CreatedAt):
		return errors.New("store: ban: until must be after the ban's creation")
	}
	return nil
}

func (s *SQLite) putBan(ctx context.Context, tx *sql.Tx, b Ban) error {
	if err := s.banRoom(ctx, tx, b); err != nil {
		return err
	}
	var until any
	if !b.Until.IsZero() {
		until = toNanos(b.Until)
	}
	_, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO bans
		(issuer, room, identity, created_at, until, room_created, banned_by, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		b.Issuer, b.Room, b.Identity, toNanos(b.CreatedAt), until, toNanos(b.RoomCreated), b.BannedBy, b.Reason)
	return err
}

// RecordRemoval implements Revocations.
func (s *SQLite) RecordRemoval(ctx context.Context, r Removal) error {
	if err := checkIdentityRevocation(r.Revocation); err != nil {
		return err
	}
	if b := r.Ban; b != nil {
		if err := checkBan(*b); err != nil {
			return err
		}
		if b.Issuer != r.Revocation.Issuer || b.Room != r.Revocation.Room || b.Identity != r.Revocation.Identity {
			return errors.New("store: removal: the ban is of another issuer, room or identity")
		}
	}
	return s.revocationTx(ctx, "removal", func(tx *sql.Tx) error {
		if err := s.putIdentityRevocation(ctx, tx, r.Revocation); err != nil {
			return err
		}
		if r.Ban != nil {
			if err := s.putBan(ctx, tx, *r.Ban); err != nil {
				return err
			}
		}
		if r.Invite != "" {
			if _, err := revokeInvite(ctx, tx, r.Revocation.Issuer, r.Invite, r.Revocation.NotBefore); err != nil {
				return err
			}
		}
		return nil
	})
}

// DeleteBan implements Revocations.
func (s *SQLite) DeleteBan(ctx context.Context, issuer, room, identity string) error {
	return s.revocationTx(ctx, "unban", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM bans WHERE issuer = ? AND room = ? AND identity = ?`, issuer, room, identity)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return ErrNotFound
		}
		return nil
	})
}

// RevocationVersion implements Revocations.
func (s *SQLite) RevocationVersion(ctx context.Context) (int64, error) {
	var v int64
	if err := s.db.QueryRowContext(ctx, `SELECT version FROM revocations_version WHERE id = 1`).Scan(&v); err != nil {
		return 0, classify(fmt.Errorf("store: revocation version: %w", err))
	}
	return v, nil
}

// LoadRevocations implements Revocations. It reads in one transaction,
// so the version matches the rows.
func (s *SQLite) LoadRevocations(ctx context.Context) (RevocationSet, error) {
	var set RevocationSet
	err := func() error {
		tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
		if err != nil {
			return err
		}
		defer func() { _ = tx.Rollback() }()
		if err := tx.QueryRowContext(ctx, `SELECT version FROM revocations_version WHERE id = 1`).Scan(&set.Version); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT issuer, jti, room, revoked_at, expires_at, revoked_by FROM token_revocations`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var r TokenRevocation
			var at, exp int64
			if err := rows.Scan(&r.Issuer, &r.JTI, &r.Room, &at, &exp, &r.RevokedBy); err != nil {
				_ = rows.Close()
				return err
			}
			r.RevokedAt, r.ExpiresAt = fromNanos(at), fromNanos(exp)
			set.Tokens = append(set.Tokens, r)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		rows, err = tx.QueryContext(ctx, `SELECT issuer, room, identity, not_before, expires_at, revoked_by FROM identity_revocations`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var r IdentityRevocation
			var nb, exp int64
			if err := rows.Scan(&r.Issuer, &r.Room, &r.Identity, &nb, &exp, &r.RevokedBy); err != nil {
				_ = rows.Close()
				return err
			}
			r.NotBefore, r.ExpiresAt = fromNanos(nb), fromNanos(exp)
			set.Identities = append(set.Identities, r)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		rows, err = tx.QueryContext(ctx, `SELECT id, owner, revoked_at, expires_at FROM meeting_invites WHERE revoked_at IS NOT NULL`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var in RevokedInvite
			var at, exp int64
			if err := rows.Scan(&in.ID, &in.Owner, &at, &exp); err != nil {
				_ = rows.Close()
				return err
			}
			in.RevokedAt, in.ExpiresAt = fromNanos(at), fromNanos(exp)
			set.Invites = append(set.Invites, in)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		rows, err = tx.QueryContext(ctx, `SELECT issuer, room, identity, created_at, until, room_created, banned_by, reason FROM bans`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var b Ban
			var created, roomCreated int64
			var until sql.NullInt64
			if err := rows.Scan(&b.Issuer, &b.Room, &b.Identity, &created, &until, &roomCreated, &b.BannedBy, &b.Reason); err != nil {
				return err
			}
			b.CreatedAt, b.RoomCreated = fromNanos(created), fromNanos(roomCreated)
			if until.Valid {
				b.Until = fromNanos(until.Int64)
			}
			set.Bans = append(set.Bans, b)
		}
		return rows.Err()
	}()
	if err != nil {
		return RevocationSet{}, classify(fmt.Errorf("store: load revocations: %w", err))
	}
	return set, nil
}

// PurgeRevocations implements Revocations. It raises the version only
// when it deleted something, so that the processes that keep the records
// in memory drop them too.
func (s *SQLite) PurgeRevocations(ctx context.Context, now time.Time) (int, error) {
	n := 0
	unlock, err := s.lockWrite(ctx)
	if err != nil {
		return 0, fmt.Errorf("store: purge revocations: %w", err)
	}
	defer unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, classify(fmt.Errorf("store: purge revocations: %w", err))
	}
	defer func() { _ = tx.Rollback() }()
	cut := toNanos(now)
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`DELETE FROM token_revocations WHERE expires_at < ?`, []any{cut}},
		{`DELETE FROM identity_revocations WHERE expires_at < ?`, []any{cut}},
		{`DELETE FROM bans WHERE until IS NOT NULL AND until < ?`, []any{cut}},
		{`DELETE FROM bans WHERE until IS NULL AND NOT EXISTS
			(SELECT 1 FROM rooms WHERE rooms.name = bans.room AND rooms.created_at = bans.room_created)`, nil},
	} {
		res, err := tx.ExecContext(ctx, q.sql, q.args...)
		if err != nil {
			return 0, classify(fmt.Errorf("store: purge revocations: %w", err))
		}
		k, err := res.RowsAffected()
		if err != nil {
			return 0, classify(fmt.Errorf("store: purge revocations: %w", err))
		}
		n += int(k)
	}
	if n == 0 {
		return 0, nil
	}
	if err := bumpRevocations(ctx, tx); err != nil {
		return 0, classify(fmt.Errorf("store: purge revocations: %w", err))
	}
	if err := tx.Commit(); err != nil {
		return 0, classify(fmt.Errorf("store: purge revocations: %w", err))
	}
	return n, nil
}
