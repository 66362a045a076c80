package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/conclave-video/conclave/internal/store"
	"github.com/conclave-video/conclave/token"
)

// Token revocation and bans (docs/access.md, "Removal, bans and
// revocation"). The store holds them; Revocations keeps an exact copy in
// memory in front of it, so that checking a token on every join, resume
// and REST call reads no database. Writes go through the store first and
// then into the copy. Another process's writes (the CLI, another node)
// reach a running server through the store's version counter, which Run
// reads every RevocationPollInterval: that is the longest a revocation
// made elsewhere takes to be enforced here.
const (
	// RevocationPollInterval is how often Run reads the version counter.
	RevocationPollInterval = 2 * time.Second
	// RevocationPurgeInterval is how often Run purges expired records.
	RevocationPurgeInterval = 10 * time.Minute
	// MaxJTILen bounds a token's jti; Mint's are 22 bytes.
	MaxJTILen = 64
	// MaxBanReasonLen bounds a ban's reason, in bytes.
	MaxBanReasonLen = 256
	// MaxBanDuration bounds a timed ban.
	MaxBanDuration = 365 * 24 * time.Hour
)

// RevocationStore is what Revocations needs of the store.
type RevocationStore = store.Revocations

// RevocationsConfig configures Revocations.
type RevocationsConfig struct {
	Store RevocationStore
	// MaxLifetime is the longest a token lives (tokens.max_lifetime):
	// a revocation is kept this long plus DefaultLeeway after it is made,
	// for every token it can refuse has expired by then. Zero means
	// DefaultMaxLifetime.
	MaxLifetime time.Duration
	Now         func() time.Time
	Logger      *slog.Logger
}

// Revocations is the revocation list and the bans, in memory in front of
// the store. It is safe for concurrent use.
type Revocations struct {
	cfg RevocationsConfig
	// mu orders writes and reloads: a reload never installs a snapshot
	// read before a write that the copy already holds.
	mu  sync.Mutex
	idx atomic.Pointer[revIndex]
}

type (
	// jtiKey names one token revocation: the store's primary key, so
	// that the copy holds exactly the store's records.
	jtiKey struct{ issuer, jti, room string }
	idKey  struct{ issuer, room, identity string }
)

// revIndex is one immutable copy of the store's records.
type revIndex struct {
	version    int64
	tokens     map[jtiKey]store.TokenRevocation
	identities map[idKey]store.IdentityRevocation
	bans       map[idKey]store.Ban
	// invites are the revoked meeting invites, by id: ids are random and
	// the invite claim is the server's key's alone, so the id names one.
	invites map[string]store.RevokedInvite
}

func newIndex(set store.RevocationSet) *revIndex {
	x := &revIndex{
		version:    set.Version,
		tokens:     make(map[jtiKey]store.TokenRevocation, len(set.Tokens)),
		identities: make(map[idKey]store.IdentityRevocation, len(set.Identities)),
		bans:       make(map[idKey]store.Ban, len(set.Bans)),
		invites:    make(map[string]store.RevokedInvite, len(set.Invites)),
	}
	for _, in := range set.Invites {
		x.invites[in.ID] = in
	}
	for _, r := range set.Tokens {
		x.tokens[jtiKey{r.Issuer, r.JTI, r.Room}] = r
	}
	for _, r := range set.Identities {
		x.identities[idKey{r.Issuer, r.Room, r.Identity}] = r
	}
	for _, b := range set.Bans {
		x.bans[idKey{b.Issuer, b.Room, b.Identity}] = b
	}
	return x
}

// clone copies x for a change: the maps are small (purged as they expire).
func (x *revIndex) clone() *revIndex {
	y := &revIndex{version: x.version,
		tokens:     make(map[jtiKey]store.TokenRevocation, len(x.tokens)+1),
		identities: make(map[idKey]store.IdentityRevocation, len(x.identities)+1),
		bans:       make(map[idKey]store.Ban, len(x.bans)+1),
		invites:    make(map[string]store.RevokedInvite, len(x.invites)+1),
	}
	for k, v := range x.invites {
		y.invites[k] = v
	}
	for k, v := range x.tokens {
		y.tokens[k] = v
	}
	for k, v := range x.identities {
		y.identities[k] = v
	}
	for k, v := range x.bans {
		y.bans[k] = v
	}
	return y
}

// NewRevocations loads every record from the store. A store that cannot
// be read is an error: a server must not start without its revocations.
func NewRevocations(ctx context.Context, cfg RevocationsConfig) (*Revocations, error) {
	if cfg.Store == nil {
		return nil, errors.New("auth: revocations need a store")
	}
	if cfg.MaxLifetime <= 0 {
		cfg.MaxLifetime = DefaultMaxLifetime
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	r := &Revocations{cfg: cfg}
	set, err := cfg.Store.LoadRevocations(ctx)
	if err != nil {
		return nil, fmt.Errorf("auth: load revocations: %w", err)
	}
	r.idx.Store(newIndex(set))
	return r, nil
}

// Check refuses a token that a revocation names (token_revoked): its jti
// among its issuer's revoked ones, its identity revoked, in its room or
// in every room, at or after the token's iat, or the meeting invite it was
// redeemed from (its invite claim) revoked. It reads memory only.
func (r *Revocations) Check(c *token.Claims) error {
	x := r.idx.Load()
	if c.Invite != "" {
		if _, ok := x.invites[c.Invite]; ok {
			return tokenErr(CodeTokenRevoked, "the meeting invite this guest token came from was revoked")
		}
	}
	if c.ID != "" {
		_, all := x.tokens[jtiKey{c.Issuer, c.ID, ""}]
		_, here := x.tokens[jtiKey{c.Issuer, c.ID, c.Room}]
		if all || here {
			return tokenErr(CodeTokenRevoked, "this token was revoked")
		}
	}
	if c.IssuedAt == nil {
		return tokenErr(CodeMalformed, "iat claim is required")
	}
	iat := c.IssuedAt.Time
	rooms := []string{""}
	if c.Room != "" {
		rooms = append(rooms, c.Room)
	}
	for _, room := range rooms {
		if rec, ok := x.identities[idKey{c.Issuer, room, c.Subject}]; ok && !iat.After(rec.NotBefore) {
			return tokenErr(CodeTokenRevoked, "every token of this identity issued before "+rec.NotBefore.UTC().Format(time.RFC3339)+" was revoked")
		}
	}
	return nil
}

// Banned returns the ban that refuses identity in issuer's room, the one
// created at roomCreated (zero for a room that does not exist), if any
// is in force now.
func (r *Revocations) Banned(issuer, room, identity string, roomCreated time.Time) (store.Ban, bool) {
	b, ok := r.idx.Load().bans[idKey{issuer, room, identity}]
	if !ok {
		return store.Ban{}, false
	}
	if b.Until.IsZero() {
		// For the room's life: this room, not a later one of its name.
		return b, !roomCreated.IsZero() && b.RoomCreated.Equal(roomCreated)
	}
	return b, r.cfg.Now().Before(b.Until)
}

// Bans lists the bans in force in issuer's room (created at roomCreated,
// zero if it does not exist now), by identity.
func (r *Revocations) Bans(issuer, room string, roomCreated time.Time) []store.Ban {
	var out []store.Ban
	for k := range r.idx.Load().bans {
		if k.issuer == issuer && k.room == room {
			if b, ok := r.Banned(issuer, room, k.identity, roomCreated); ok {
				out = append(out, b)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Identity < out[j].Identity })
	return out
}

// keepUntil is how long a revocation made at t must be kept.
func (r *Revocations) keepUntil(t time.Time) time.Time {
	return t.Add(r.cfg.MaxLifetime + DefaultLeeway)
}

// write stores a change and applies it to the copy, under mu.
func (r *Revocations) write(ctx context.Context, put func(context.Context) error, apply func(*revIndex)) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := put(ctx); err != nil {
		return err
	}
	x := r.idx.Load().clone()
	apply(x)
	r.idx.Store(x)
	return nil
}

// RevokeToken revokes the token of issuer with jti; room, if not "",
// limits it to tokens for that room. Each (issuer, jti, room) is a record
// of its own, in the store and in the copy alike: revoking a jti in two
// rooms refuses it in both.
func (r *Revocations) RevokeToken(ctx context.Context, issuer, room, jti, by string) (store.TokenRevocation, error) {
	if err := ValidateJTI(jti); err != nil {
		return store.TokenRevocation{}, err
	}
	now := r.cfg.Now()
	rec := store.TokenRevocation{Issuer: issuer, JTI: jti, Room: room, RevokedAt: now, ExpiresAt: r.keepUntil(now), RevokedBy: by}
	err := r.write(ctx, func(ctx context.Context) error { return r.cfg.Store.RevokeToken(ctx, rec) }, func(x *revIndex) {
		k := jtiKey{issuer, jti, room}
		if old, ok := x.tokens[k]; ok {
			// As the store does: the first record, the later expiry.
			old.ExpiresAt = later(old.ExpiresAt, rec.ExpiresAt)
			rec = old
		}
		x.tokens[k] = rec
	})
	return rec, err
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// RevokeIdentity revokes every token of identity that issuer issued up
// to now, in room ("" for every room of the issuer).
func (r *Revocations) RevokeIdentity(ctx context.Context, issuer, room, identity, by string) (store.IdentityRevocation, error) {
	if err := token.ValidateIdentity(identity); err != nil {
		return store.IdentityRevocation{}, err
	}
	now := r.cfg.Now()
	rec := store.IdentityRevocation{Issuer: issuer, Room: room, Identity: identity, NotBefore: now, ExpiresAt: r.keepUntil(now), RevokedBy: by}
	err := r.write(ctx, func(ctx context.Context) error { return r.cfg.Store.RevokeIdentity(ctx, rec) }, func(x *revIndex) {
		k := idKey{issuer, room, identity}
		if old, ok := x.identities[k]; !ok || old.NotBefore.Before(rec.NotBefore) {
			x.identities[k] = rec
		}
	})
	return rec, err
}

// Remove records the removal of identity from issuer's room in one
// write: every token of the identity issued until now is revoked for the
// room; with ban (its issuer, room and identity are these; CreatedAt set
// to now if zero) the identity is banned too; with invite, that meeting
// invite of issuer is revoked. All reach the store in one transaction and
// then the copy, or none does: a removal never half applies.
func (r *Revocations) Remove(ctx context.Context, issuer, room, identity, by string, ban *store.Ban, invite string) error {
	if err := token.ValidateIdentity(identity); err != nil {
		return err
	}
	now := r.cfg.Now()
	rm := store.Removal{Revocation: store.IdentityRevocation{Issuer: issuer, Room: room, Identity: identity,
		NotBefore: now, ExpiresAt: r.keepUntil(now), RevokedBy: by}, Invite: invite}
	if ban != nil {
		b := *ban
		b.Issuer, b.Room, b.Identity = issuer, room, identity
		if b.CreatedAt.IsZero() {
			b.CreatedAt = now
		}
		if err := ValidateBanReason(b.Reason); err != nil {
			return err
		}
		rm.Ban = &b
	}
	return r.write(ctx, func(ctx context.Context) error { return r.cfg.Store.RecordRemoval(ctx, rm) }, func(x *revIndex) {
		rec := rm.Revocation
		k := idKey{issuer, room, identity}
		if old, ok := x.identities[k]; !ok || old.NotBefore.Before(rec.NotBefore) {
			x.identities[k] = rec
		}
		if rm.Ban != nil {
			x.bans[k] = *rm.Ban
		}
		if invite != "" {
			if _, ok := x.invites[invite]; !ok {
				x.invites[invite] = store.RevokedInvite{ID: invite, Owner: issuer, RevokedAt: now}
			}
		}
	})
}

// RevokeInvite revokes owner's meeting invite id at at (store.ErrNotFound
// if there is none) and refuses the guest tokens redeemed from it at once.
func (r *Revocations) RevokeInvite(ctx context.Context, owner, id string, at time.Time) error {
	return r.write(ctx, func(ctx context.Context) error { return r.cfg.Store.RevokeMeetingInvite(ctx, owner, id, at) }, func(x *revIndex) {
		if _, ok := x.invites[id]; !ok {
			x.invites[id] = store.RevokedInvite{ID: id, Owner: owner, RevokedAt: at}
		}
	})
}

// Ban stores b (its CreatedAt set to now if zero) and enforces it at once.
func (r *Revocations) Ban(ctx context.Context, b store.Ban) (store.Ban, error) {
	if b.CreatedAt.IsZero() {
		b.CreatedAt = r.cfg.Now()
	}
	if err := ValidateBanReason(b.Reason); err != nil {
		return store.Ban{}, err
	}
	err := r.write(ctx, func(ctx context.Context) error { return r.cfg.Store.PutBan(ctx, b) }, func(x *revIndex) {
		x.bans[idKey{b.Issuer, b.Room, b.Identity}] = b
	})
	return b, err
}

// Unban lifts a ban; store.ErrNotFound if there is none.
func (r *Revocations) Unban(ctx context.Context, issuer, room, identity string) error {
	return r.write(ctx, func(ctx context.Context) error { return r.cfg.Store.DeleteBan(ctx, issuer, room, identity) }, func(x *revIndex) {
		delete(x.bans, idKey{issuer, room, identity})
	})
}

// Refresh reloads the copy if the store's version moved (another process
// wrote), and reports whether it did.
func (r *Revocations) Refresh(ctx context.Context) (bool, error) {
	v, err := r.cfg.Store.RevocationVersion(ctx)
	if err != nil {
		return false, err
	}
	if v == r.idx.Load().version {
		return false, nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	set, err := r.cfg.Store.LoadRevocations(ctx)
	if err != nil {
		return false, err
	}
	r.idx.Store(newIndex(set))
	return true, nil
}

// Purge deletes expired records from the store (and so, through the
// version, from every copy).
func (r *Revocations) Purge(ctx context.Context) (int, error) {
	return r.cfg.Store.PurgeRevocations(ctx, r.cfg.Now())
}

// Run refreshes the copy every poll interval and purges every purge
// interval (and once at start), until ctx is done. A failed round is
// logged and the copy kept: revocations already known stay enforced.
func (r *Revocations) Run(ctx context.Context, poll, purge time.Duration) {
	pt, gt := time.NewTicker(poll), time.NewTicker(purge)
	defer pt.Stop()
	defer gt.Stop()
	doPurge := func() {
		if n, err := r.Purge(ctx); err != nil && ctx.Err() == nil {
			r.cfg.Logger.Error("revocations: purge failed; retrying next round", "err", err)
		} else if n > 0 {
			r.cfg.Logger.Info("revocations: purged", "records", n)
		}
	}
	doPurge()
	for {
		select {
		case <-ctx.Done():
			return
		case <-gt.C:
			doPurge()
		case <-pt.C:
		}
		if _, err := r.Refresh(ctx); err != nil && ctx.Err() == nil {
			r.cfg.Logger.Error("revocations: refresh failed; keeping the copy", "err", err)
		}
	}
}

// ValidateJTI checks a jti: 1 to MaxJTILen bytes of printable ASCII.
func ValidateJTI(jti string) error {
	if jti == "" || len(jti) > MaxJTILen {
		return fmt.Errorf("auth: a jti is 1 to %d bytes", MaxJTILen)
	}
	for i := 0; i < len(jti); i++ {
		if jti[i] < 0x21 || jti[i] > 0x7e {
			return errors.New("auth: a jti is printable ASCII without spaces")
		}
	}
	return nil
}

// ValidateBanReason checks a ban's reason: at most MaxBanReasonLen bytes
// of UTF-8 without control characters.
func ValidateBanReason(s string) error {
	bad := !utf8.ValidString(s)
	for _, c := range s {
		bad = bad || c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == '\u2028' || c == '\u2029'
	}
	if len(s) > MaxBanReasonLen || bad {
		return fmt.Errorf("auth: a ban's reason is at most %d bytes of UTF-8 without control characters", MaxBanReasonLen)
	}
	return nil
}
