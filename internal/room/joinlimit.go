package room

import (
	"fmt"
	"time"

	"github.com/conclave-video/conclave/protocol"
	"github.com/conclave-video/conclave/token"
)

// Joins are limited per identity (docs/security.md, "Brute force and
// floods"), whatever address they come from: a token bucket of
// JoinBurstPerIdentity joins, refilled one every JoinIntervalPerIdentity,
// keyed by the token's issuer and subject (what a ban keys on). Every
// join counts, refused or not, before anything else is looked at: a
// password is not hashed for a join over its limit. A resume takes over a
// live session and is not a join. A real client joins once per page load
// and resumes after a network change; twenty reloads in a row, then one
// every three seconds, is more than a person does and much less than a
// script cycling one token through many addresses.
const (
	JoinBurstPerIdentity    = 20
	JoinIntervalPerIdentity = 3 * time.Second
	// MaxJoinIdentities bounds the identities whose joins are counted
	// (guard.Keyed: idle buckets are forgotten first, and a new identity
	// is refused while none is).
	MaxJoinIdentities = 100_000
)

// LimitJoinIdentity is the reason a refusal of the per-identity join
// limit is counted under (Config.Limited).
const LimitJoinIdentity = "rate_join_identity"

// errJoinRate refuses a join over its identity's limit: rate_limited, and
// how long to wait (RetryAfter, and the message).
func errJoinRate(wait time.Duration) error {
	return &throttledError{&Error{protocol.CodeRateLimited, "",
		fmt.Sprintf("too many joins with this identity; try again in %d s", protocol.RetryAfterSeconds(wait))}, wait}
}

// joinKey is the key c's joins are counted under ("" for none: a join
// without an identity is refused by decide).
func joinKey(c *token.Claims) string {
	if c == nil || c.Subject == "" {
		return ""
	}
	return c.Issuer + "\x00" + c.Subject
}

// limitJoin takes one of the join tokens of req's identity. Over the limit, it returns the
// refusal: counted (Config.Limited) and a join_throttled security event
// through the refusal throttle, but no decision event: a flood of them
// must not become a flood of audit records.
func (m *Manager) limitJoin(req JoinRequest) (Decision, bool) {
	c := req.Claims
	key := joinKey(c)
	if key == "" {
		return Decision{}, true
	}
	ok, wait := m.joins.Take(key)
	if ok {
		return Decision{}, true
	}
	d := Decision{Action: ActionJoin, Outcome: Refused, Room: RoomName(c.Room), Identity: Identity(c.Subject),
		Key: KeyID(c.Issuer), Err: errJoinRate(wait)}
	if m.cfg.Limited != nil {
		m.cfg.Limited(LimitJoinIdentity)
	}
	m.SecurityRefused(d.Room, SecurityEvent{Kind: SecurityJoinThrottled, Outcome: OutcomeRefused, Reason: protocol.CodeRateLimited,
		Subject: c.Subject, IP: req.Addr})
	return d, false
}
