package store

import (
	"context"
	"errors"
	"time"
)

// TokenRevocation refuses one token, by its jti, among the tokens of one
// issuer (an API key id, or an account's user id).
type TokenRevocation struct {
	Issuer string
	JTI    string
	// Room limits the revocation to tokens for that room; "" refuses
	// the jti in every room. The same jti may be revoked in several
	// rooms: each is a record of its own.
	Room      string
	RevokedAt time.Time
	// ExpiresAt is when every token that could carry the jti has
	// expired; the purge deletes the record then.
	ExpiresAt time.Time
	RevokedBy string
}

// IdentityRevocation refuses every token of an identity, of one issuer,
// issued at or before NotBefore: in one room, or in every room when Room
// is "".
type IdentityRevocation struct {
	Issuer    string
	Room      string
	Identity  string
	NotBefore time.Time
	ExpiresAt time.Time
	RevokedBy string
}

// Ban refuses every token of an identity in one room of an issuer, until
// Until, or for the life of the room created at RoomCreated when Until
// is zero.
type Ban struct {
	Issuer      string
	Room        string
	Identity    string
	CreatedAt   time.Time
	Until       time.Time
	RoomCreated time.Time
	BannedBy    string
	Reason      string
}

// Removal is what one removal of an identity from a room records, in one
// transaction: all of it or nothing (docs/access.md, "Removal").
type Removal struct {
	// Revocation is the identity's not-before for the room.
	Revocation IdentityRevocation
	// Ban, if not nil, bans the identity too (same issuer, room and
	// identity).
	Ban *Ban
	// Invite, if not "", is the id of the meeting invite the identity
	// came by, revoked too (as RevokeMeetingInvite, at the revocation's
	// NotBefore; an invite of another owner, or purged, is left alone).
	Invite string
}

// RevokedInvite is a revoked meeting invite: the guest tokens redeemed
// from it are refused as revoked tokens are.
type RevokedInvite struct {
	ID        string
	Owner     string
	RevokedAt time.Time
	ExpiresAt time.Time
}

// Caps on the revocation list (docs/access.md, "Limits"): records in
// force (revocations not expired, bans not ended) per issuer, and per
// room of an issuer (an identity revocation of every room counts as room
// ""). A write that would add a record past a cap is refused with
// ErrTooManyRevocations or ErrTooManyBans and writes nothing; one that
// replaces a record of the same key is not refused. They bound the store
// and every server's in-memory copy against a key that revokes or bans
// without end.
const (
	MaxRevocationsPerIssuer = 100_000
	MaxRevocationsPerRoom   = 10_000
	MaxBansPerIssuer        = 100_000
	MaxBansPerRoom          = 10_000
)

// Errors of the caps.
var (
	ErrTooManyRevocations = errors.New("store: too many revocations in force")
	ErrTooManyBans        = errors.New("store: too many bans in force")
)

// AccessLimits are the caps a store enforces; zero fields take the
// Max* constants.
type AccessLimits struct {
	RevocationsPerIssuer, RevocationsPerRoom int
	BansPerIssuer, BansPerRoom               int
}

func (l AccessLimits) orDefaults() AccessLimits {
	def := func(v, d int) int {
		if v <= 0 {
			return d
		}
		return v
	}
	return AccessLimits{
		RevocationsPerIssuer: def(l.RevocationsPerIssuer, MaxRevocationsPerIssuer),
		RevocationsPerRoom:   def(l.RevocationsPerRoom, MaxRevocationsPerRoom),
		BansPerIssuer:        def(l.BansPerIssuer, MaxBansPerIssuer),
		BansPerRoom:          def(l.BansPerRoom, MaxBansPerRoom),
	}
}

// WithAccessLimits sets the caps of the revocation list (tests lower
// them).
func WithAccessLimits(l AccessLimits) Option { return func(o *options) { o.limits = l } }

// RevocationSet is every revocation and ban, and the version they are at.
type RevocationSet struct {
	Version    int64
	Tokens     []TokenRevocation
	Identities []IdentityRevocation
	Bans       []Ban
	// Invites are the meeting invites revoked, until they are purged.
	Invites []RevokedInvite
}

// Revocations persists token revocations and bans. Every write raises
// one version counter, so that a process that keeps them in memory
// notices another's change by reading RevocationVersion.
type Revocations interface {
	// RevokeToken stores r: one record per issuer, jti and room ("" for
	// every room), so that revoking a jti in two rooms keeps both; a
	// second revocation of the same three keeps the later expiry.
	RevokeToken(ctx context.Context, r TokenRevocation) error
	// RevokeIdentity stores r; an existing revocation of the same issuer,
	// room and identity keeps the later NotBefore and ExpiresAt.
	RevokeIdentity(ctx context.Context, r IdentityRevocation) error
	// PutBan stores b, replacing a ban of the same issuer, room and
	// identity.
	PutBan(ctx context.Context, b Ban) error
	// RecordRemoval stores a removal's records as RevokeIdentity, PutBan
	// and RevokeMeetingInvite would, in one transaction that raises the
	// version once: if any write fails, none is kept.
	RecordRemoval(ctx context.Context, r Removal) error
	// DeleteBan removes a ban; ErrNotFound if there is none.
	DeleteBan(ctx context.Context, issuer, room, identity string) error
	// RevokeMeetingInvite (of MeetingInvites) raises the version too: a
	// revoked invite refuses the guest tokens redeemed from it.
	RevokeMeetingInvite(ctx context.Context, owner, id string, at time.Time) error
	// RevocationVersion is the counter every write raises.
	RevocationVersion(ctx context.Context) (int64, error)
	// LoadRevocations reads every record and the version, in one
	// snapshot.
	LoadRevocations(ctx context.Context) (RevocationSet, error)
	// PurgeRevocations deletes token and identity revocations expired
	// before now, bans that ended before now, and bans for the life of
	// a room that no longer exists (no stored room of that name created
	// at that time). It returns how many rows went.
	PurgeRevocations(ctx context.Context, now time.Time) (int, error)
}

var _ Revocations = (*SQLite)(nil)
