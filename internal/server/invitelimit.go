package server

import (
	"time"

	"github.com/conclave-video/conclave/internal/accounts"
	"github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/protocol"
)

// Limits of one meeting invite's redemptions (docs/security.md, "Brute
// force and floods"), whatever addresses they come from: a token bucket
// of guard.invite_burst tries, refilled at guard.invite_rate a second
// (one leaked link hammered from many addresses); and its failed guesses
// (a wrong room password, a wrong email domain) throttled like an
// account's: inviteFreeFailures free, then inviteFailBase doubling to
// inviteFailMax (short, as the room's own password throttle: a guesser
// must not keep the real guests out for long), forgotten after
// inviteFailForget.
const (
	inviteFreeFailures = 5
	inviteFailBase     = time.Second
	inviteFailMax      = time.Minute
	inviteFailForget   = 15 * time.Minute
)

var _ accounts.InviteLimits = (*defense)(nil)

// InviteTry implements accounts.InviteLimits: a try of invite id from the
// client address ip takes one of the invite's tokens, unless its failures
// make it wait first. A refusal is counted and is a
// meeting_invite_redeemed security event (Reason the code), through the
// refusal throttle: one leaked link hammered makes one event a minute,
// with the count.
func (d *defense) InviteTry(id, ip string) (code string, wait time.Duration) {
	reason := ""
	if wait = d.inviteFails.Wait(id); wait > 0 {
		code, reason = protocol.CodeTooManyAttempts, "invite_failures"
	} else if ok, w := d.invites.Take(id); !ok {
		code, reason, wait = protocol.CodeRateLimited, "rate_invite", w
	}
	if code == "" {
		return "", 0
	}
	d.refused.WithLabelValues(reason).Inc()
	d.s.rooms.SecurityRefused("", room.SecurityEvent{Kind: room.SecurityMeetingInviteRedeemed, Outcome: room.OutcomeRefused,
		Reason: code, Subject: id, IP: ip})
	return code, wait
}

// InviteFailed implements accounts.InviteLimits.
func (d *defense) InviteFailed(id string) { d.inviteFails.Failed(id) }
