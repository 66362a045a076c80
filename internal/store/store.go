// Package store owns Conclave's persistent state: API keys, rooms and
// accounts (users, their sessions, second factors, passkeys, signup
// invites and personal tokens), and the versions of the security policy.
//
// Store is the interface the rest of the server uses; SQLite (the embedded
// default) implements it. Schema changes are SQL files in migrations/,
// embedded in the binary and applied in order at open.
//
// Nothing is cached: several processes (the server and CLI commands) may
// open the same database at once, and a change made by one, such as a key
// revocation, is seen by the next read of every other.
package store

import (
	"context"
	"crypto/ed25519"
	"errors"
	"time"
)

// Sentinel errors. Callers test them with errors.Is.
var (
	// ErrNotFound means the requested record does not exist.
	ErrNotFound = errors.New("store: not found")
	// ErrExists means a record with the same key already exists.
	ErrExists = errors.New("store: already exists")
	// ErrUnavailable means the storage cannot serve the call now, through
	// no fault of its arguments: the disk or the database is full, the
	// database is read-only, an I/O error, or another writer held the lock
	// past the busy timeout. Nothing was written; the same call may succeed
	// later. The error also wraps the driver's error.
	ErrUnavailable = errors.New("store: storage unavailable")
)

// APIKey is an API key as the server knows it: the public half only.
type APIKey struct {
	ID        string
	Name      string
	PublicKey ed25519.PublicKey
	CreatedAt time.Time
	// RevokedAt is the zero time while the key is active.
	RevokedAt time.Time
}

// Revoked reports whether the key has been revoked.
func (k APIKey) Revoked() bool { return !k.RevokedAt.IsZero() }

// Room is a room's persistent configuration.
type Room struct {
	Name            string
	MaxParticipants int // 0 means no limit set
	EmptyTimeout    time.Duration
	// Owner is the API key id, or the user id (UserOwnerPrefix) of the
	// account, that owns the room; "" for no owner.
	Owner     string
	CreatedAt time.Time
	// E2EE is "required" or "off"; "" is stored as "off".
	E2EE string
	// PasswordHash is the room password's argon2id hash ("": none);
	// Lobby "on", or "" for off.
	PasswordHash string
	Lobby        string
	// InviteOnly: the room admits its owner's host tokens and its
	// invites' guest tokens only (docs/access.md, "Invites").
	InviteOnly bool
	// Locked: a host locked the meeting; MaxDuration is the room's own
	// maximum duration (0: none). Both change while the room lives
	// (SetRoomState).
	Locked      bool
	MaxDuration time.Duration
	// MaxPublishBitrate is the room's cap on what each participant
	// publishes, bits per second, as in force when it was created (0:
	// none of its own); a restart bounds it again by the server's.
	MaxPublishBitrate int64
}

// Store persists API keys, rooms and accounts. Implementations are safe
// for concurrent use and never cache: every call reads the database.
type Store interface {
	Accounts
	Policies

	// CreateAPIKey stores a new key; ErrExists if the id is taken. A zero
	// CreatedAt is stored as the current time.
	CreateAPIKey(ctx context.Context, k APIKey) error
	// APIKey returns the key with that id, revoked or not; ErrNotFound if none.
	APIKey(ctx context.Context, id string) (APIKey, error)
	// ListAPIKeys returns every key, oldest first.
	ListAPIKeys(ctx context.Context) ([]APIKey, error)
	// RevokeAPIKey marks the key revoked at time at; ErrNotFound if none.
	// Revoking a revoked key succeeds and keeps the first revocation time.
	RevokeAPIKey(ctx context.Context, id string, at time.Time) error

	// CreateRoom stores a new room; ErrExists if the name is taken,
	// ErrNotFound if the owner key or account does not exist. A zero CreatedAt is
	// stored as the current time.
	CreateRoom(ctx context.Context, r Room) error
	// PutRoom stores r, replacing a stored room of the same name (owner and
	// settings included); ErrNotFound if the owner key or account does
	// not exist.
	PutRoom(ctx context.Context, r Room) error
	// SetRoomState stores a live room's lock and maximum duration: the
	// room of that name created at createdAt only, so that a change
	// racing the room's end never brings back a row, or touches a later
	// room of the same name; ErrNotFound if there is no such room.
	SetRoomState(ctx context.Context, name string, createdAt time.Time, locked bool, maxDuration time.Duration) error
	// Room returns the named room; ErrNotFound if none.
	Room(ctx context.Context, name string) (Room, error)
	// ListRooms returns the rooms owned by owner, or all rooms if owner is
	// "", ordered by name.
	ListRooms(ctx context.Context, owner string) ([]Room, error)
	// DeleteRoom removes the named room; ErrNotFound if none.
	DeleteRoom(ctx context.Context, name string) error

	Close() error
}
