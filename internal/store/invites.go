package store

import (
	"context"
	"errors"
	"time"
)

// Errors of UseMeetingInvite, besides ErrNotFound. ErrInviteExpired is
// shared with signup invites.
var (
	// ErrInviteUsedUp: the invite was used MaxUses times.
	ErrInviteUsedUp = errors.New("store: invite used up")
	// ErrInviteRevoked: the invite was revoked.
	ErrInviteRevoked = errors.New("store: invite revoked")
	// ErrTooManyInvites: the room has as many open invites as it may.
	ErrTooManyInvites = errors.New("store: too many open invites for the room")
)

// MeetingInvite is an invite link to one room of an owner (docs/access.md,
// "Invites"). It holds no secret: the link is the server's signature over
// the id.
type MeetingInvite struct {
	ID    string
	Room  string
	Owner string // the room's owner: an account's user id or an API key id
	// CreatedBy is who made it: "owner:ID", or a participant's identity.
	CreatedBy string
	Role      string // "viewer" or "participant"
	MaxUses   int
	Uses      int
	// EmailDomain restricts it to guests who state an email at that
	// domain; "" for none.
	EmailDomain string
	CreatedAt   time.Time
	ExpiresAt   time.Time
	// RevokedAt is the zero time unless it was revoked.
	RevokedAt time.Time
}

// Revoked reports whether the invite was revoked.
func (in MeetingInvite) Revoked() bool { return !in.RevokedAt.IsZero() }

// Open reports whether the invite can still be used at now.
func (in MeetingInvite) Open(now time.Time) bool {
	return !in.Revoked() && in.Uses < in.MaxUses && now.Before(in.ExpiresAt)
}

// MeetingInvites persists meeting invites.
type MeetingInvites interface {
	// CreateMeetingInvite stores in, unless the room (owner and name)
	// has maxOpen or more open invites at in.CreatedAt: then
	// ErrTooManyInvites. ErrExists if the id is taken.
	CreateMeetingInvite(ctx context.Context, in MeetingInvite, maxOpen int) error
	// MeetingInvite returns the invite with that id; ErrNotFound if none.
	MeetingInvite(ctx context.Context, id string) (MeetingInvite, error)
	// ListMeetingInvites returns a room's invites, newest first, leaving
	// out those expired or revoked before since.
	ListMeetingInvites(ctx context.Context, owner, room string, since time.Time) ([]MeetingInvite, error)
	// RevokeMeetingInvite revokes the invite of that owner and id at at;
	// ErrNotFound if there is none. Revoking twice keeps the first time.
	RevokeMeetingInvite(ctx context.Context, owner, id string, at time.Time) error
	// UseMeetingInvite counts one use of the invite at at, atomically:
	// however many callers race, no more than MaxUses succeed. It returns
	// the invite as it is after the use, or ErrNotFound, ErrInviteRevoked,
	// ErrInviteExpired or ErrInviteUsedUp, and then counts nothing.
	UseMeetingInvite(ctx context.Context, id string, at time.Time) (MeetingInvite, error)
	// PurgeMeetingInvites deletes invites that expired before before.
	PurgeMeetingInvites(ctx context.Context, before time.Time) (int, error)
}

var _ MeetingInvites = (*SQLite)(nil)
