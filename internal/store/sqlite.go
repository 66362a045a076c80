package store

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// busyTimeout is how long a statement waits for another connection or
// process holding the write lock before failing with SQLITE_BUSY.
const busyTimeout = 5 * time.Second

// SQLite is the SQLite implementation of Store.
type SQLite struct {
	db     *sql.DB
	limits AccessLimits
	// writer is the write gate (lockWrite): full while one of this
	// process's writes holds, or waits for, SQLite's write lock.
	writer chan struct{}
}

var _ Store = (*SQLite)(nil)

// Option adjusts how OpenSQLite opens a database.
type Option func(*options)

type options struct {
	maxPages int
	limits   AccessLimits
}

// MaxPages caps the database at n pages of 4 KiB (SQLite's max_page_count,
// set on every connection): a write that would grow it further fails with
// SQLITE_FULL, and so with ErrUnavailable, as on a full file system. Tests
// use it to fill a database without filling a disk.
func MaxPages(n int) Option { return func(o *options) { o.maxPages = n } }

// OpenSQLite opens (creating if needed, with mode 0600) the database at path,
// configures WAL mode, a busy timeout and foreign keys on every connection,
// and applies pending migrations. Several processes may open the same file.
func OpenSQLite(ctx context.Context, path string, opts ...Option) (*SQLite, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if path == "" {
		return nil, errors.New("store: empty database path")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	// Create the file ourselves so it is private; SQLite gives the -wal and
	// -shm files the same permissions as the database.
	f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	_ = f.Close()

	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	if o.maxPages > 0 {
		q.Add("_pragma", fmt.Sprintf("max_page_count(%d)", o.maxPages))
	}
	// Write transactions take the write lock at BEGIN, so two processes
	// never deadlock upgrading read locks; they wait busy_timeout instead.
	q.Set("_txlock", "immediate")
	dsn := "file:" + (&url.URL{Path: abs}).EscapedPath() + "?" + q.Encode()

	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, classify(fmt.Errorf("store: open %s: %w", path, err))
	}
	s := &SQLite{db: db, limits: o.limits.orDefaults(), writer: make(chan struct{}, 1)}
	if err := ping(ctx, db); err != nil {
		_ = db.Close()
		return nil, classify(fmt.Errorf("store: open %s: %w%s", path, err, openHint(err)))
	}
	if err := migrate(ctx, db); err != nil {
		_ = db.Close()
		return nil, classify(fmt.Errorf("store: migrate %s: %w%s", path, err, openHint(err)))
	}
	return s, nil
}

// lockWrite waits, in turn, until none of this process's other writes is
// under way, and returns the function that lets the next one go; every
// write takes it first. It waits no longer than ctx allows, nor than
// busyTimeout, as SQLite would have: past it the answer is ErrUnavailable,
// as SQLITE_BUSY is. SQLite lets one writer at a time hold its write lock
// and makes the others poll for it, asleep up to 100 ms between polls: in
// a rush of writers (a webinar's guests redeeming one invite at once) they
// spent most of their time asleep, and a hundred took seconds where in
// turn they take milliseconds. busy_timeout still covers the other
// processes (the command line) that share the file.
func (s *SQLite) lockWrite(ctx context.Context) (unlock func(), err error) {
	select {
	case s.writer <- struct{}{}:
		return func() { <-s.writer }, nil
	default:
	}
	t := time.NewTimer(busyTimeout)
	defer t.Stop()
	select {
	case s.writer <- struct{}{}:
		return func() { <-s.writer }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-t.C:
		return nil, errWriteBusy
	}
}

// errWriteBusy: a write waited busyTimeout for the ones before it.
var errWriteBusy = &unavailableError{errors.New("store: the database is busy: the writes before this one took longer than the busy timeout")}

// exec runs one writing statement, through the write gate.
func (s *SQLite) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	unlock, err := s.lockWrite(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	return s.db.ExecContext(ctx, query, args...)
}

// ping opens the first connection, which applies the pragmas. Switching a
// fresh database to WAL takes an exclusive lock, and SQLite reports
// SQLITE_BUSY for it at once, without waiting busy_timeout, when another
// connection (the server and the CLI opening the same new file) is doing
// the same: so a busy first connection is retried, within busyTimeout.
func ping(ctx context.Context, db *sql.DB) error {
	deadline := time.Now().Add(busyTimeout)
	for {
		err := db.PingContext(ctx)
		var serr *sqlite.Error
		if err == nil || !errors.As(err, &serr) || serr.Code()&0xFF != sqlite3.SQLITE_BUSY || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// openHint is what to look at when SQLite cannot open the database for
// want of space or of write access (a full file system often shows as a
// disk I/O error growing the shared-memory file), "" otherwise.
func openHint(err error) string {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return ""
	}
	switch se.Code() & 0xFF {
	case sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN:
		return " (is the file system full, read-only, or not this user's to write?)"
	}
	return ""
}

// unavailableError marks a storage failure: it is ErrUnavailable and the
// driver's error, and reads as the latter.
type unavailableError struct{ err error }

func (e *unavailableError) Error() string   { return e.err.Error() }
func (e *unavailableError) Unwrap() []error { return []error{ErrUnavailable, e.err} }

// classify marks err as ErrUnavailable when SQLite says the storage failed
// rather than the statement: full (disk, or MaxPages), read-only, I/O
// error, busy or locked past the busy timeout, cannot open, out of memory,
// or a damaged file.
func classify(err error) error {
	var se *sqlite.Error
	if err == nil || !errors.As(err, &se) {
		return err
	}
	switch se.Code() & 0xFF {
	case sqlite3.SQLITE_FULL, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_IOERR,
		sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_CANTOPEN,
		sqlite3.SQLITE_NOMEM, sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB:
		return &unavailableError{err}
	}
	return err
}

// Close closes the database.
func (s *SQLite) Close() error { return s.db.Close() }

func toNanos(t time.Time) int64 { return t.UnixNano() }

func fromNanos(n int64) time.Time { return time.Unix(0, n).UTC() }

// CreateAPIKey implements Store.
func (s *SQLite) CreateAPIKey(ctx context.Context, k APIKey) error {
	if k.ID == "" {
		return errors.New("store: api key id is empty")
	}
	if len(k.PublicKey) != ed25519.PublicKeySize {
		return fmt.Errorf("store: api key %s: public key is %d bytes, want %d", k.ID, len(k.PublicKey), ed25519.PublicKeySize)
	}
	if k.CreatedAt.IsZero() {
		k.CreatedAt = time.Now()
	}
	var revoked any
	if !k.RevokedAt.IsZero() {
		revoked = toNanos(k.RevokedAt)
	}
	res, err := s.exec(ctx,
		`INSERT INTO api_keys (id, name, public_key, created_at, revoked_at) VALUES (?, ?, ?, ?, ?)
		 ON CONFLICT (id) DO NOTHING`,
		k.ID, k.Name, []byte(k.PublicKey), toNanos(k.CreatedAt), revoked)
	if err != nil {
		return classify(fmt.Errorf("store: create api key %s: %w", k.ID, err))
	}
	if n, err := res.RowsAffected(); err != nil {
		return classify(fmt.Errorf("store: create api key %s: %w", k.ID, err))
	} else if n == 0 {
		return fmt.Errorf("store: api key %s: %w", k.ID, ErrExists)
	}
	return nil
}

const apiKeyColumns = `id, name, public_key, created_at, revoked_at`

func scanAPIKey(row interface{ Scan(...any) error }) (APIKey, error) {
	var (
		k       APIKey
		pub     []byte
		created int64
		revoked sql.NullInt64
	)
	if err := row.Scan(&k.ID, &k.Name, &pub, &created, &revoked); err != nil {
		return APIKey{}, err
	}
	k.PublicKey = ed25519.PublicKey(pub)
	k.CreatedAt = fromNanos(created)
	if revoked.Valid {
		k.RevokedAt = fromNanos(revoked.Int64)
	}
	return k, nil
}

// APIKey implements Store.
func (s *SQLite) APIKey(ctx context.Context, id string) (APIKey, error) {
	k, err := scanAPIKey(s.db.QueryRowContext(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return APIKey{}, fmt.Errorf("store: api key %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return APIKey{}, classify(fmt.Errorf("store: api key %s: %w", id, err))
	}
	return k, nil
}

// ListAPIKeys implements Store.
func (s *SQLite) ListAPIKeys(ctx context.Context) ([]APIKey, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+apiKeyColumns+` FROM api_keys ORDER BY created_at, id`)
	if err != nil {
		return nil, classify(fmt.Errorf("store: list api keys: %w", err))
	}
	defer rows.Close()
	var keys []APIKey
	for rows.Next() {
		k, err := scanAPIKey(rows)
		if err != nil {
			return nil, classify(fmt.Errorf("store: list api keys: %w", err))
		}
		keys = append(keys, k)
	}
	if err := rows.Err(); err != nil {
		return nil, classify(fmt.Errorf("store: list api keys: %w", err))
	}
	return keys, nil
}

// RevokeAPIKey implements Store.
func (s *SQLite) RevokeAPIKey(ctx context.Context, id string, at time.Time) error {
	if at.IsZero() {
		return fmt.Errorf("store: revoke api key %s: revocation time is zero", id)
	}
	res, err := s.exec(ctx,
		`UPDATE api_keys SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?`, toNanos(at), id)
	if err != nil {
		return classify(fmt.Errorf("store: revoke api key %s: %w", id, err))
	}
	if n, err := res.RowsAffected(); err != nil {
		return classify(fmt.Errorf("store: revoke api key %s: %w", id, err))
	} else if n == 0 {
		return fmt.Errorf("store: api key %s: %w", id, ErrNotFound)
	}
	return nil
}

// CreateRoom implements Store.
func (s *SQLite) CreateRoom(ctx context.Context, r Room) error {
	switch {
	case r.Name == "":
		return errors.New("store: room name is empty")
	case r.MaxParticipants < 0:
		return fmt.Errorf("store: room %s: negative max participants", r.Name)
	case r.EmptyTimeout < 0:
		return fmt.Errorf("store: room %s: negative empty timeout", r.Name)
	case r.MaxDuration < 0:
		return fmt.Errorf("store: room %s: negative max duration", r.Name)
	case r.MaxPublishBitrate < 0:
		return fmt.Errorf("store: room %s: negative max publish bitrate", r.Name)
	}
	if r.CreatedAt.IsZero() {
		r.CreatedAt = time.Now()
	}
	keyOwner, userOwner := ownerColumns(r.Owner)
	res, err := s.exec(ctx,
		`INSERT INTO rooms (name, max_participants, empty_timeout_ns, owner, owner_user, created_at, e2ee, invite_only, password_hash, lobby, locked, max_duration_ns, max_publish_bitrate)
		 VALUES (?, ?, ?, nullif(?, ''), nullif(?, ''), ?, ?, ?, ?, ?, ?, ?, ?)
		 ON CONFLICT (name) DO NOTHING`,
		r.Name, r.MaxParticipants, int64(r.EmptyTimeout), keyOwner, userOwner, toNanos(r.CreatedAt), e2eeColumn(r.E2EE),
		r.InviteOnly, r.PasswordHash, lobbyColumn(r.Lobby), r.Locked, int64(r.MaxDuration), r.MaxPublishBitrate)
	if err != nil {
		if se := (*sqlite.Error)(nil); errors.As(err, &se) && se.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY {
			return fmt.Errorf("store: room %s: owner %s: %w", r.Name, r.Owner, ErrNotFound)
		}
		return classify(fmt.Errorf("store: create room %s: %w", r.Name, err))
	}
	if n, err := res.RowsAffected(); err != nil {
		return classify(fmt.Errorf("store: create room %s: %w", r.Name, err))
	} else if n == 0 {
		return fmt.Errorf("store: room %s: %w", r.Name, ErrExists)
	}
	return nil
}

const roomColumns = `name, max_participants, empty_timeout_ns, coalesce(owner, owner_user, ''), created_at, e2ee, invite_only, password_hash, lobby, locked, max_duration_ns, max_publish_bitrate`

// UserOwnerPrefix starts a room owner that is an account (a user id)
// rather than an API key. API key ids are letters and digits only
// (token.ValidateKeyID), so the two never meet.
const UserOwnerPrefix = "US_"

// ownerColumns splits a room's owner into the owner (API key) and
// owner_user (account) columns' values; "" stores NULL.
func ownerColumns(owner string) (key, user string) {
	if strings.HasPrefix(owner, UserOwnerPrefix) {
		return "", owner
	}
	return owner, ""
}

// lobbyColumn is the stored form of a room's lobby mode.
func lobbyColumn(mode string) string {
	if mode == "" {
		return "off"
	}
	return mode
}

// e2eeColumn is the stored form of a room's E2EE mode.
func e2eeColumn(mode string) string {
	if mode == "" {
		return "off"
	}
	return mode
}

func scanRoom(row interface{ Scan(...any) error }) (Room, error) {
	var (
		r                 Room
		timeout, duration int64
		created           int64
	)
	if err := row.Scan(&r.Name, &r.MaxParticipants, &timeout, &r.Owner, &created, &r.E2EE, &r.InviteOnly, &r.PasswordHash, &r.Lobby,
		&r.Locked, &duration, &r.MaxPublishBitrate); err != nil {
		return Room{}, err
	}
	r.EmptyTimeout, r.MaxDuration = time.Duration(timeout), time.Duration(duration)
	r.CreatedAt = fromNanos(created)
	if r.Lobby == "off" {
		r.Lobby = ""
	}
	return r, nil
}

// PutRoom implements Store. The room manager uses it when it creates a
// room: a stored row for a name no open room has is stale (a restore
// skipped it), and the new room's owner and settings must be what a
// restart finds.
func (s *SQLite) PutRoom(ctx context.Context, r Room) error {
	switch {
	case r.Name == "":
		return errors.New("store: room name is empty")
	case r.MaxParticipants < 0:
		return fmt.Errorf("store: room %s: negative max participants", r.Name)
	case r.EmptyTimeout < 0:
		return fmt.Errorf("store: room %s: negative empty timeout", r.Name)
	case r.MaxDuration < 0:
		return fmt.Errorf("store: room %s: negative max duration", r.Name)
	case r.MaxPublishBitrate < 0:
		return fmt.Errorf("store: room %s: negative max publish bitrate", r.Name)
	}
	if r.CreatedAt.IsZero() {
		r.CreatedAt = time.Now()
	}
	keyOwner, userOwner := ownerColumns(r.Owner)
	_, err := s.exec(ctx,
		`INSERT INTO rooms (name, max_participants, empty_timeout_ns, owner, owner_user, created_at, e2ee, invite_only, password_hash, lobby, locked, max_duration_ns, max_publish_bitrate)
		 VALUES (?, ?, ?, nullif(?, ''), nullif(?, ''), ?, ?, ?, ?, ?, ?, ?, ?)
		 ON CONFLICT (name) DO UPDATE SET max_participants = excluded.max_participants,
		   empty_timeout_ns = excluded.empty_timeout_ns, owner = excluded.owner, owner_user = excluded.owner_user,
		   created_at = excluded.created_at,
		   e2ee = excluded.e2ee, invite_only = excluded.invite_only,
		   password_hash = excluded.password_hash, lobby = excluded.lobby,
		   locked = excluded.locked, max_duration_ns = excluded.max_duration_ns,
		   max_publish_bitrate = excluded.max_publish_bitrate`,
		r.Name, r.MaxParticipants, int64(r.EmptyTimeout), keyOwner, userOwner, toNanos(r.CreatedAt), e2eeColumn(r.E2EE),
		r.InviteOnly, r.PasswordHash, lobbyColumn(r.Lobby), r.Locked, int64(r.MaxDuration), r.MaxPublishBitrate)
	if err != nil {
		if se := (*sqlite.Error)(nil); errors.As(err, &se) && se.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY {
			return fmt.Errorf("store: room %s: owner %s: %w", r.Name, r.Owner, ErrNotFound)
		}
		return classify(fmt.Errorf("store: put room %s: %w", r.Name, err))
	}
	return nil
}

// SetRoomState implements Store.
func (s *SQLite) SetRoomState(ctx context.Context, name string, createdAt time.Time, locked bool, maxDuration time.Duration) error {
	if maxDuration < 0 {
		return fmt.Errorf("store: room %s: negative max duration", name)
	}
	res, err := s.exec(ctx, `UPDATE rooms SET locked = ?, max_duration_ns = ? WHERE name = ? AND created_at = ?`,
		locked, int64(maxDuration), name, toNanos(createdAt))
	if err != nil {
		return classify(fmt.Errorf("store: room %s state: %w", name, err))
	}
	if n, err := res.RowsAffected(); err != nil {
		return classify(fmt.Errorf("store: room %s state: %w", name, err))
	} else if n == 0 {
		return fmt.Errorf("store: room %s created at %s: %w", name, createdAt.UTC().Format(time.RFC3339Nano), ErrNotFound)
	}
	return nil
}

// Room implements Store.
func (s *SQLite) Room(ctx context.Context, name string) (Room, error) {
	r, err := scanRoom(s.db.QueryRowContext(ctx, `SELECT `+roomColumns+` FROM rooms WHERE name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return Room{}, fmt.Errorf("store: room %s: %w", name, ErrNotFound)
	}
	if err != nil {
		return Room{}, classify(fmt.Errorf("store: room %s: %w", name, err))
	}
	return r, nil
}

// ListRooms implements Store.
func (s *SQLite) ListRooms(ctx context.Context, owner string) ([]Room, error) {
	query := `SELECT ` + roomColumns + ` FROM rooms ORDER BY name`
	args := []any{}
	if owner != "" {
		query = `SELECT ` + roomColumns + ` FROM rooms WHERE owner = ?1 OR owner_user = ?1 ORDER BY name`
		args = append(args, owner)
	}
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, classify(fmt.Errorf("store: list rooms: %w", err))
	}
	defer rows.Close()
	var rooms []Room
	for rows.Next() {
		r, err := scanRoom(rows)
		if err != nil {
			return nil, classify(fmt.Errorf("store: list rooms: %w", err))
		}
		rooms = append(rooms, r)
	}
	if err := rows.Err(); err != nil {
		return nil, classify(fmt.Errorf("store: list rooms: %w", err))
	}
	return rooms, nil
}

// DeleteRoom implements Store.
func (s *SQLite) DeleteRoom(ctx context.Context, name string) error {
	res, err := s.exec(ctx, `DELETE FROM rooms WHERE name = ?`, name)
	if err != nil {
		return classify(fmt.Errorf("store: delete room %s: %w", name, err))
	}
	if n, err := res.RowsAffected(); err != nil {
		return classify(fmt.Errorf("store: delete room %s: %w", name, err))
	} else if n == 0 {
		return fmt.Errorf("store: room %s: %w", name, ErrNotFound)
	}
	return nil
}
