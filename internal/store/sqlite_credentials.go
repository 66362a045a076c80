package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	sqlite3 "modernc.org/sqlite/lib"
)

// The accounts' sessions, recovery codes, passkeys and personal tokens;
// sqlite_accounts.go holds users, signup invites and the shared helpers.

const sessionColumns = `id, id_hash, user_id, created_at, last_seen_at, expires_at, ip, user_agent`

func scanSession(row scanner) (Session, error) {
	var (
		se                     Session
		created, seen, expires int64
	)
	if err := row.Scan(&se.ID, &se.IDHash, &se.UserID, &created, &seen, &expires, &se.IP, &se.UserAgent); err != nil {
		return Session{}, err
	}
	se.CreatedAt = fromNanos(created)
	se.LastSeenAt = fromNanos(seen)
	se.ExpiresAt = fromNanos(expires)
	return se, nil
}

func sessionValues(se Session) ([]any, error) {
	if err := checkID("session", "SE_", se.ID); err != nil {
		return nil, err
	}
	if err := checkHash("session id hash", se.IDHash); err != nil {
		return nil, err
	}
	if err := checkText("IP", se.IP, MaxIPBytes); err != nil {
		return nil, err
	}
	if err := checkText("user agent", se.UserAgent, MaxUserAgentBytes); err != nil {
		return nil, err
	}
	created, err := timeValue("creation time", se.CreatedAt)
	if err != nil {
		return nil, err
	}
	seen, err := timeValue("last seen time", se.LastSeenAt)
	if err != nil {
		return nil, err
	}
	expires, err := timeValue("expiry", se.ExpiresAt)
	if err != nil {
		return nil, err
	}
	return []any{se.ID, se.IDHash, se.UserID, created, seen, expires, se.IP, se.UserAgent}, nil
}

// CreateSession implements Accounts. A zero LastSeenAt is stored as
// CreatedAt.
func (s *SQLite) CreateSession(ctx context.Context, se Session) error {
	if se.CreatedAt.IsZero() {
		se.CreatedAt = time.Now()
	}
	if se.LastSeenAt.IsZero() {
		se.LastSeenAt = se.CreatedAt
	}
	values, err := sessionValues(se)
	if err != nil {
		return fmt.Errorf("store: create session: %w", err)
	}
	n, err := changed(s.exec(ctx,
		`INSERT INTO sessions (`+sessionColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		 ON CONFLICT DO NOTHING`, values...))
	if isConstraint(err, sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY) {
		return fmt.Errorf("store: session %s: user %s: %w", se.ID, se.UserID, ErrNotFound)
	}
	if err != nil {
		return classify(fmt.Errorf("store: create session %s: %w", se.ID, err))
	}
	if n == 0 {
		return fmt.Errorf("store: session %s or its id hash: %w", se.ID, ErrExists)
	}
	return nil
}

// SessionByHash implements Accounts.
func (s *SQLite) SessionByHash(ctx context.Context, idHash []byte) (Session, error) {
	se, err := scanSession(s.db.QueryRowContext(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE id_hash = ?`, idHash))
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, fmt.Errorf("store: session with that id hash: %w", ErrNotFound)
	}
	if err != nil {
		return Session{}, classify(fmt.Errorf("store: session by id hash: %w", err))
	}
	return se, nil
}

// TouchSession implements Accounts.
func (s *SQLite) TouchSession(ctx context.Context, idHash []byte, at time.Time, ip string) error {
	atNanos, err := timeValue("touch time", at)
	if err == nil {
		err = checkText("IP", ip, MaxIPBytes)
	}
	if err != nil {
		return fmt.Errorf("store: touch session: %w", err)
	}
	// SET expressions see the row as it was: the IP changes only with a
	// touch not older than the last.
	n, err := changed(s.exec(ctx,
		`UPDATE sessions SET
		   ip = CASE WHEN ?2 <> '' AND ?1 >= last_seen_at THEN ?2 ELSE ip END,
		   last_seen_at = max(last_seen_at, ?1)
		 WHERE id_hash = ?3`, atNanos, ip, idHash))
	if err != nil {
		return classify(fmt.Errorf("store: touch session: %w", err))
	}
	if n == 0 {
		return fmt.Errorf("store: session with that id hash: %w", ErrNotFound)
	}
	return nil
}

// ListSessions implements Accounts.
func (s *SQLite) ListSessions(ctx context.Context, userID string) ([]Session, error) {
	rows, err := s.db.QueryContext(ctx,
		`SELECT `+sessionColumns+` FROM sessions WHERE user_id = ? ORDER BY last_seen_at DESC, id`, userID)
	if err != nil {
		return nil, classify(fmt.Errorf("store: list sessions of %s: %w", userID, err))
	}
	defer rows.Close()
	var sessions []Session
	for rows.Next() {
		se, err := scanSession(rows)
		if err != nil {
			return nil, classify(fmt.Errorf("store: list sessions of %s: %w", userID, err))
		}
		sessions = append(sessions, se)
	}
	if err := rows.Err(); err != nil {
		return nil, classify(fmt.Errorf("store: list sessions of %s: %w", userID, err))
	}
	return sessions, nil
}

// DeleteSession implements Accounts.
func (s *SQLite) DeleteSession(ctx context.Context, userID, id string) error {
	n, err := changed(s.exec(ctx, `DELETE FROM sessions WHERE id = ? AND user_id = ?`, id, userID))
	if err != nil {
		return classify(fmt.Errorf("store: delete session %s: %w", id, err))
	}
	if n == 0 {
		return fmt.Errorf("store: session %s of user %s: %w", id, userID, ErrNotFound)
	}
	return nil
}

// DeleteSessionByHash implements Accounts.
func (s *SQLite) DeleteSessionByHash(ctx context.Context, idHash []byte) error {
	n, err := changed(s.exec(ctx, `DELETE FROM sessions WHERE id_hash = ?`, idHash))
	if err != nil {
		return classify(fmt.Errorf("store: delete session by id hash: %w", err))
	}
	if n == 0 {
		return fmt.Errorf("store: session with that id hash: %w", ErrNotFound)
	}
	return nil
}

// DeleteUserSessions implements Accounts.
func (s *SQLite) DeleteUserSessions(ctx context.Context, userID string, keep []byte) (int, error) {
	var k any // NULL: keep none (an empty blob would be a value)
	if len(keep) > 0 {
		k = keep
	}
	n, err := changed(s.exec(ctx,
		`DELETE FROM sessions WHERE user_id = ?1 AND (?2 IS NULL OR id_hash <> ?2)`, userID, k))
	if err != nil {
		return 0, classify(fmt.Errorf("store: delete sessions of %s: %w", userID, err))
	}
	return int(n), nil
}

// SetRecoveryCodes implements Accounts.
func (s *SQLite) SetRecoveryCodes(ctx context.Context, userID string, hashes [][]byte) error {
	if len(hashes) > MaxRecoveryCodes {
		return fmt.Errorf("store: set recovery codes of %s: %d codes, more than %d", userID, len(hashes), MaxRecoveryCodes)
	}
	seen := make(map[string]int, len(hashes))
	for i, h := range hashes {
		if err := checkHash(fmt.Sprintf("recovery code hash %d", i), h); err != nil {
			return fmt.Errorf("store: set recovery codes of %s: %w", userID, err)
		}
		if j, dup := seen[string(h)]; dup {
			return fmt.Errorf("store: set recovery codes of %s: hashes %d and %d are the same", userID, j, i)
		}
		seen[string(h)] = i
	}
	return s.writeTx(ctx, "set recovery codes of "+userID, func(tx *sql.Tx) error {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM users WHERE id = ?`, userID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("store: user %s: %w", userID, ErrNotFound)
		}
		if err == nil {
			_, err = tx.ExecContext(ctx, `DELETE FROM recovery_codes WHERE user_id = ?`, userID)
		}
		for _, h := range hashes {
			if err != nil {
				break
			}
			_, err = tx.ExecContext(ctx, `INSERT INTO recovery_codes (user_id, code_hash) VALUES (?, ?)`, userID, h)
		}
		if err != nil {
			return classify(fmt.Errorf("store: set recovery codes of %s: %w", userID, err))
		}
		return nil
	})
}

// UseRecoveryCode implements Accounts.
func (s *SQLite) UseRecoveryCode(ctx context.Context, userID string, hash []byte) error {
	n, err := changed(s.exec(ctx, `DELETE FROM recovery_codes WHERE user_id = ? AND code_hash = ?`, userID, hash))
	if err != nil {
		return classify(fmt.Errorf("store: use recovery code of %s: %w", userID, err))
	}
	if n == 0 {
		return fmt.Errorf("store: user %s: recovery code: %w", userID, ErrNotFound)
	}
	return nil
}

// CountRecoveryCodes implements Accounts.
func (s *SQLite) CountRecoveryCodes(ctx context.Context, userID string) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM recovery_codes WHERE user_id = ?`, userID).Scan(&n); err != nil {
		return 0, classify(fmt.Errorf("store: count recovery codes of %s: %w", userID, err))
	}
	return n, nil
}

const passkeyColumns = `id, user_id, credential_id, credential, name, created_at, last_used_at`

func scanPasskey(row scanner) (Passkey, error) {
	var (
		p       Passkey
		created int64
		used    sql.NullInt64
	)
	if err := row.Scan(&p.ID, &p.UserID, &p.CredentialID, &p.Credential, &p.Name, &created, &used); err != nil {
		return Passkey{}, err
	}
	p.CreatedAt = fromNanos(created)
	p.LastUsedAt = optTime(used)
	return p, nil
}

// checkPasskeyData checks what UpdatePasskey may change.
func checkPasskeyData(p Passkey) (lastUsed any, err error) {
	if n := len(p.Credential); n == 0 || n > MaxCredentialBytes {
		return nil, fmt.Errorf("credential is %d bytes, want 1 to %d", n, MaxCredentialBytes)
	}
	if err := checkText("name", p.Name, MaxNameBytes); err != nil {
		return nil, err
	}
	return optTimeValue("last use time", p.LastUsedAt)
}

// CreatePasskey implements Accounts.
func (s *SQLite) CreatePasskey(ctx context.Context, p Passkey) error {
	if p.CreatedAt.IsZero() {
		p.CreatedAt = time.Now()
	}
	err := checkID("passkey", "PK_", p.ID)
	if n := len(p.CredentialID); err == nil && (n == 0 || n > MaxCredentialIDBytes) {
		err = fmt.Errorf("credential id is %d bytes, want 1 to %d", n, MaxCredentialIDBytes)
	}
	var lastUsed any
	if err == nil {
		lastUsed, err = checkPasskeyData(p)
	}
	var created int64
	if err == nil {
		created, err = timeValue("creation time", p.CreatedAt)
	}
	if err != nil {
		return fmt.Errorf("store: create passkey: %w", err)
	}
	n, err := changed(s.exec(ctx,
		`INSERT INTO passkeys (`+passkeyColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)
		 ON CONFLICT DO NOTHING`, p.ID, p.UserID, p.CredentialID, p.Credential, p.Name, created, lastUsed))
	if isConstraint(err, sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY) {
		return fmt.Errorf("store: passkey %s: user %s: %w", p.ID, p.UserID, ErrNotFound)
	}
	if err != nil {
		return classify(fmt.Errorf("store: create passkey %s: %w", p.ID, err))
	}
	if n == 0 {
		return fmt.Errorf("store: passkey %s or its credential id: %w", p.ID, ErrExists)
	}
	return nil
}

// ListPasskeys implements Accounts.
func (s *SQLite) ListPasskeys(ctx context.Context, userID string) ([]Passkey, error) {
	rows, err := s.db.QueryContext(ctx,
		`SELECT `+passkeyColumns+` FROM passkeys WHERE user_id = ? ORDER BY created_at, id`, userID)
	if err != nil {
		return nil, classify(fmt.Errorf("store: list passkeys of %s: %w", userID, err))
	}
	defer rows.Close()
	var passkeys []Passkey
	for rows.Next() {
		p, err := scanPasskey(rows)
		if err != nil {
			return nil, classify(fmt.Errorf("store: list passkeys of %s: %w", userID, err))
		}
		passkeys = append(passkeys, p)
	}
	if err := rows.Err(); err != nil {
		return nil, classify(fmt.Errorf("store: list passkeys of %s: %w", userID, err))
	}
	return passkeys, nil
}

// PasskeyByCredentialID implements Accounts.
func (s *SQLite) PasskeyByCredentialID(ctx context.Context, credentialID []byte) (Passkey, error) {
	p, err := scanPasskey(s.db.QueryRowContext(ctx,
		`SELECT `+passkeyColumns+` FROM passkeys WHERE credential_id = ?`, credentialID))
	if errors.Is(err, sql.ErrNoRows) {
		return Passkey{}, fmt.Errorf("store: passkey with that credential id: %w", ErrNotFound)
	}
	if err != nil {
		return Passkey{}, classify(fmt.Errorf("store: passkey by credential id: %w", err))
	}
	return p, nil
}

// UpdatePasskey implements Accounts.
func (s *SQLite) UpdatePasskey(ctx context.Context, p Passkey) error {
	lastUsed, err := checkPasskeyData(p)
	if err != nil {
		return fmt.Errorf("store: update passkey %s: %w", p.ID, err)
	}
	n, err := changed(s.exec(ctx,
		`UPDATE passkeys SET credential = ?, name = ?, last_used_at = ? WHERE id = ? AND user_id = ?`,
		p.Credential, p.Name, lastUsed, p.ID, p.UserID))
	if err != nil {
		return classify(fmt.Errorf("store: update passkey %s: %w", p.ID, err))
	}
	if n == 0 {
		return fmt.Errorf("store: passkey %s of user %s: %w", p.ID, p.UserID, ErrNotFound)
	}
	return nil
}

// DeletePasskey implements Accounts.
func (s *SQLite) DeletePasskey(ctx context.Context, userID, id string) error {
	n, err := changed(s.exec(ctx, `DELETE FROM passkeys WHERE id = ? AND user_id = ?`, id, userID))
	if err != nil {
		return classify(fmt.Errorf("store: delete passkey %s: %w", id, err))
	}
	if n == 0 {
		return fmt.Errorf("store: passkey %s of user %s: %w", id, userID, ErrNotFound)
	}
	return nil
}

// DeleteUserPasskeys implements Accounts.
func (s *SQLite) DeleteUserPasskeys(ctx context.Context, userID string) (int, error) {
	n, err := changed(s.exec(ctx, `DELETE FROM passkeys WHERE user_id = ?`, userID))
	if err != nil {
		return 0, classify(fmt.Errorf("store: delete passkeys of %s: %w", userID, err))
	}
	return int(n), nil
}

const tokenColumns = `id, user_id, name, secret_hash, grants, created_at, expires_at, last_used_at, revoked_at`

// grantsValue checks grants and returns them as stored: a JSON array.
func grantsValue(grants []string) (string, error) {
	if len(grants) > MaxGrants {
		return "", fmt.Errorf("%d grants, more than %d", len(grants), MaxGrants)
	}
	seen := make(map[string]bool, len(grants))
	for i, g := range grants {
		ok := g != "" && len(g) <= MaxGrantBytes
		for j := 0; ok && j < len(g); j++ {
			c := g[j]
			ok = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == ':' || c == '-'
		}
		if !ok {
			return "", fmt.Errorf("grant %d is malformed: want 1 to %d of [A-Za-z0-9._:-]", i, MaxGrantBytes)
		}
		if seen[g] {
			return "", fmt.Errorf("grant %q is given twice", g)
		}
		seen[g] = true
	}
	if grants == nil {
		grants = []string{}
	}
	b, err := json.Marshal(grants)
	return string(b), err
}

func scanToken(row scanner) (PersonalToken, error) {
	var (
		t                PersonalToken
		grants           string
		created, expires int64
		used, revoked    sql.NullInt64
	)
	if err := row.Scan(&t.ID, &t.UserID, &t.Name, &t.SecretHash, &grants, &created, &expires, &used, &revoked); err != nil {
		return PersonalToken{}, err
	}
	if err := json.Unmarshal([]byte(grants), &t.Grants); err != nil {
		return PersonalToken{}, fmt.Errorf("personal token %s: stored grants: %w", t.ID, err)
	}
	if len(t.Grants) == 0 {
		t.Grants = nil
	}
	t.CreatedAt = fromNanos(created)
	t.ExpiresAt = fromNanos(expires)
	t.LastUsedAt = optTime(used)
	t.RevokedAt = optTime(revoked)
	return t, nil
}

func tokenValues(t PersonalToken) ([]any, error) {
	if err := checkID("personal token", "PT_", t.ID); err != nil {
		return nil, err
	}
	if err := checkText("name", t.Name, MaxNameBytes); err != nil {
		return nil, err
	}
	if err := checkHash("secret hash", t.SecretHash); err != nil {
		return nil, err
	}
	grants, err := grantsValue(t.Grants)
	if err != nil {
		return nil, err
	}
	created, err := timeValue("creation time", t.CreatedAt)
	if err != nil {
		return nil, err
	}
	expires, err := timeValue("expiry", t.ExpiresAt)
	if err != nil {
		return nil, err
	}
	used, err := optTimeValue("last use time", t.LastUsedAt)
	if err != nil {
		return nil, err
	}
	revoked, err := optTimeValue("revocation time", t.RevokedAt)
	if err != nil {
		return nil, err
	}
	return []any{t.ID, t.UserID, t.Name, t.SecretHash, grants, created, expires, used, revoked}, nil
}

// CreatePersonalToken implements Accounts.
func (s *SQLite) CreatePersonalToken(ctx context.Context, t PersonalToken) error {
	if t.CreatedAt.IsZero() {
		t.CreatedAt = time.Now()
	}
	values, err := tokenValues(t)
	if err != nil {
		return fmt.Errorf("store: create personal token: %w", err)
	}
	n, err := changed(s.exec(ctx,
		`INSERT INTO personal_tokens (`+tokenColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		 ON CONFLICT DO NOTHING`, values...))
	if isConstraint(err, sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY) {
		return fmt.Errorf("store: personal token %s: user %s: %w", t.ID, t.UserID, ErrNotFound)
	}
	if err != nil {
		return classify(fmt.Errorf("store: create personal token %s: %w", t.ID, err))
	}
	if n == 0 {
		return fmt.Errorf("store: personal token %s or its secret hash: %w", t.ID, ErrExists)
	}
	return nil
}

// PersonalToken implements Accounts.
func (s *SQLite) PersonalToken(ctx context.Context, id string) (PersonalToken, error) {
	t, err := scanToken(s.db.QueryRowContext(ctx, `SELECT `+tokenColumns+` FROM personal_tokens WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return PersonalToken{}, fmt.Errorf("store: personal token %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return PersonalToken{}, classify(fmt.Errorf("store: personal token %s: %w", id, err))
	}
	return t, nil
}

// ListPersonalTokens implements Accounts.
func (s *SQLite) ListPersonalTokens(ctx context.Context, userID string) ([]PersonalToken, error) {
	rows, err := s.db.QueryContext(ctx,
		`SELECT `+tokenColumns+` FROM personal_tokens WHERE user_id = ? ORDER BY created_at DESC, id DESC`, userID)
	if err != nil {
		return nil, classify(fmt.Errorf("store: list personal tokens of %s: %w", userID, err))
	}
	defer rows.Close()
	var tokens []PersonalToken
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, classify(fmt.Errorf("store: list personal tokens of %s: %w", userID, err))
		}
		tokens = append(tokens, t)
	}
	if err := rows.Err(); err != nil {
		return nil, classify(fmt.Errorf("store: list personal tokens of %s: %w", userID, err))
	}
	return tokens, nil
}

// TouchPersonalToken implements Accounts.
func (s *SQLite) TouchPersonalToken(ctx context.Context, id string, at time.Time) error {
	atNanos, err := timeValue("use time", at)
	if err != nil {
		return fmt.Errorf("store: touch personal token %s: %w", id, err)
	}
	n, err := changed(s.exec(ctx,
		`UPDATE personal_tokens SET last_used_at = max(coalesce(last_used_at, ?1), ?1) WHERE id = ?2`, atNanos, id))
	if err != nil {
		return classify(fmt.Errorf("store: touch personal token %s: %w", id, err))
	}
	if n == 0 {
		return fmt.Errorf("store: personal token %s: %w", id, ErrNotFound)
	}
	return nil
}

// RevokePersonalToken implements Accounts.
func (s *SQLite) RevokePersonalToken(ctx context.Context, userID, id string, at time.Time) error {
	atNanos, err := timeValue("revocation time", at)
	if err != nil {
		return fmt.Errorf("store: revoke personal token %s: %w", id, err)
	}
	n, err := changed(s.exec(ctx,
		`UPDATE personal_tokens SET revoked_at = coalesce(revoked_at, ?) WHERE id = ? AND user_id = ?`, atNanos, id, userID))
	if err != nil {
		return classify(fmt.Errorf("store: revoke personal token %s: %w", id, err))
	}
	if n == 0 {
		return fmt.Errorf("store: personal token %s of user %s: %w", id, userID, ErrNotFound)
	}
	return nil
}

// RevokeUserPersonalTokens implements Accounts.
func (s *SQLite) RevokeUserPersonalTokens(ctx context.Context, userID string, at time.Time) (int, error) {
	atNanos, err := timeValue("revocation time", at)
	if err != nil {
		return 0, fmt.Errorf("store: revoke personal tokens of %s: %w", userID, err)
	}
	n, err := changed(s.exec(ctx,
		`UPDATE personal_tokens SET revoked_at = ?1
		 WHERE user_id = ?2 AND revoked_at IS NULL AND expires_at > ?1`, atNanos, userID))
	if err != nil {
		return 0, classify(fmt.Errorf("store: revoke personal tokens of %s: %w", userID, err))
	}
	return int(n), nil
}
