package server

import (
	"context"
	"errors"
	"time"

	"github.com/conclave-video/conclave/internal/auth"
	"github.com/conclave-video/conclave/internal/guard"
	"github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/internal/store"
	"github.com/conclave-video/conclave/protocol"
	"github.com/conclave-video/conclave/token"
)

// roomAccess gives room its revocations and bans: auth's revocation list,
// in memory in front of the store.
type roomAccess struct{ revs *auth.Revocations }

var _ room.Access = roomAccess{}

func (a roomAccess) Banned(owner room.KeyID, name room.RoomName, id room.Identity, created time.Time) bool {
	_, ok := a.revs.Banned(string(owner), string(name), string(id), created)
	return ok
}

func (a roomAccess) Bans(owner room.KeyID, name room.RoomName, created time.Time) []room.BanInfo {
	var out []room.BanInfo
	for _, b := range a.revs.Bans(string(owner), string(name), created) {
		out = append(out, banInfo(b))
	}
	return out
}

func banInfo(b store.Ban) room.BanInfo {
	info := room.BanInfo{Identity: room.Identity(b.Identity), CreatedAt: b.CreatedAt.UTC(), By: b.BannedBy, Reason: b.Reason}
	if !b.Until.IsZero() {
		u := b.Until.UTC()
		info.Until = &u
	}
	return info
}

func (a roomAccess) RevokeIdentity(ctx context.Context, owner room.KeyID, name room.RoomName, id room.Identity, by string) error {
	_, err := a.revs.RevokeIdentity(ctx, string(owner), string(name), string(id), by)
	return capErr(err)
}

func (a roomAccess) RevokeToken(ctx context.Context, owner room.KeyID, name room.RoomName, jti, by string) error {
	_, err := a.revs.RevokeToken(ctx, string(owner), string(name), jti, by)
	return capErr(err)
}

// capErr is err as room tells a refusal of the revocation list's caps.
func capErr(err error) error {
	switch {
	case errors.Is(err, store.ErrTooManyRevocations):
		return room.ErrTooManyRevocations
	case errors.Is(err, store.ErrTooManyBans):
		return room.ErrTooManyBans
	}
	return err
}

func (a roomAccess) Remove(ctx context.Context, rm room.Removal) error {
	var ban *store.Ban
	if b := rm.Ban; b != nil {
		ban = &store.Ban{Until: b.Until, RoomCreated: rm.RoomCreated, Reason: b.Reason, BannedBy: rm.By}
	}
	return capErr(a.revs.Remove(ctx, string(rm.Owner), string(rm.Room), string(rm.Identity), rm.By, ban, rm.Invite))
}

// meetingInvites is the store's meeting invites for the accounts service,
// with revocation through the revocation list: the guest tokens redeemed
// from an invite are refused on this node before the revocation is
// answered (and on others within auth.RevocationPollInterval).
type meetingInvites struct {
	store.MeetingInvites
	revs  *auth.Revocations
	rooms *room.Manager
}

func (m meetingInvites) RevokeMeetingInvite(ctx context.Context, owner, id string, at time.Time) error {
	if err := m.revs.RevokeInvite(ctx, owner, id, at); err != nil {
		return err
	}
	// Its guests waiting in a lobby are refused now.
	m.rooms.InviteRevoked(room.KeyID(owner), id)
	return nil
}

func (a roomAccess) Revoked(c *token.Claims) bool { return a.revs.Check(c) != nil }

func (a roomAccess) Unban(ctx context.Context, owner room.KeyID, name room.RoomName, id room.Identity) error {
	err := a.revs.Unban(ctx, string(owner), string(name), string(id))
	if errors.Is(err, store.ErrNotFound) {
		return room.ErrBanNotFound
	}
	return err
}

// refusalEvents checks tokens against the revocation list and records
// every refusal as a security event (revoked_token_refused).
type refusalEvents struct {
	revs    *auth.Revocations
	rooms   *room.Manager
	surface string
}

func (r refusalEvents) Check(c *token.Claims) error {
	err := r.revs.Check(c)
	if err != nil {
		// Throttled: a flood of refused tokens is one event per identity,
		// reason and interval, with the count.
		r.rooms.SecurityRefused(room.RoomName(c.Room), room.SecurityEvent{Kind: room.SecurityRevokedTokenRefused, Outcome: room.OutcomeRefused,
			Reason: r.surface, Subject: c.Subject})
	}
	return err
}

// refusedTokens is a token verifier that records every token it refuses
// for the token's fault (expired, bad signature, unknown key, ...) as a
// token_refused security event, throttled as refusals are (Reason: the
// surface and the code; IP: the client address the request's context
// carries, guard.WithClientAddr, set by the traffic defence for every
// request, the signaling upgrade's included). A revoked token has its own
// event (refusalEvents); a store failure is no refusal.
type refusedTokens struct {
	v       *auth.Verifier
	rooms   *room.Manager
	surface string
}

func (r refusedTokens) Verify(ctx context.Context, raw string) (*token.Claims, error) {
	c, err := r.v.Verify(ctx, raw)
	if err != nil {
		if code := auth.Code(err); code != "" && code != protocol.CodeTokenRevoked {
			ev := room.SecurityEvent{Kind: room.SecurityTokenRefused, Outcome: room.OutcomeRefused, Reason: r.surface + ": " + code}
			if a, ok := guard.ClientAddr(ctx); ok {
				ev.IP = a.String()
			}
			r.rooms.SecurityRefused("", ev)
		}
	}
	return c, err
}
