package guard

import (
	"net/netip"
	"sync"
	"time"
)

// SigninPolicy says how failed sign-ins slow down and lock further tries
// (docs/accounts.md, "Throttling and locks"). The same rules apply to an
// account (its state kept with the account) and to an email that has no
// account (kept here, in memory), so that the answers never tell which
// emails exist; addresses have their own, looser, rules and never lock.
type SigninPolicy struct {
	// FreeFailures consecutive failures are answered at once; each one
	// after waits BaseDelay, doubling, up to MaxDelay, from the last.
	FreeFailures int
	BaseDelay    time.Duration
	MaxDelay     time.Duration
	// LockAfter consecutive failures lock for LockFor. Failures are not
	// forgotten when a lock ends: every failure after it locks again, so a
	// guesser gets one try per LockFor. Only a success resets them.
	LockAfter int
	LockFor   time.Duration
	// An address may fail AddrFreeFailures times within AddrWindow before
	// its tries are delayed like an account's; its count is forgotten once
	// AddrWindow passes without a failure.
	AddrFreeFailures int
	AddrWindow       time.Duration
}

// DefaultSigninPolicy is the policy docs/accounts.md describes.
var DefaultSigninPolicy = SigninPolicy{
	FreeFailures:     4,
	BaseDelay:        time.Second,
	MaxDelay:         5 * time.Minute,
	LockAfter:        10,
	LockFor:          15 * time.Minute,
	AddrFreeFailures: 20,
	AddrWindow:       10 * time.Minute,
}

// FailState is what a policy needs to know of one account, email or
// address: its consecutive failures, the time of the last, and the end of
// a lock (zero: none).
type FailState struct {
	Failures    int
	LastFailure time.Time
	LockedUntil time.Time
}

// Wait reports how long an account or email in state s must wait before a
// try is considered at now (0: at once), and whether that is because it is
// locked.
func (p SigninPolicy) Wait(s FailState, now time.Time) (wait time.Duration, locked bool) {
	if now.Before(s.LockedUntil) {
		return s.LockedUntil.Sub(now), true
	}
	return p.delay(s, p.FreeFailures, now), false
}

// Failed returns the state of an account or email after a failure at now,
// and whether that failure locked it.
func (p SigninPolicy) Failed(s FailState, now time.Time) (FailState, bool) {
	s.Failures++
	s.LastFailure = now
	if s.Failures >= p.LockAfter {
		s.LockedUntil = now.Add(p.LockFor)
		return s, true
	}
	return s, false
}

// delay is the wait after s.Failures failures, free of them, the last at
// s.LastFailure.
func (p SigninPolicy) delay(s FailState, free int, now time.Time) time.Duration {
	over := s.Failures - free
	if over <= 0 {
		return 0
	}
	d := p.BaseDelay
	for i := 1; i < over && d < p.MaxDelay; i++ {
		d *= 2
	}
	d = min(d, p.MaxDelay)
	if until := s.LastFailure.Add(d); now.Before(until) {
		return until.Sub(now)
	}
	return 0
}

// MaxTracked bounds the addresses, and separately the unknown emails, a
// SigninTracker remembers. When full, entries whose state no longer
// matters are dropped first, then the oldest.
const MaxTracked = 100_000

// SigninTracker keeps, in memory, the failures of client addresses and of
// emails that have no account. It is safe for concurrent use.
type SigninTracker struct {
	policy SigninPolicy
	now    func() time.Time

	mu     sync.Mutex
	addrs  map[string]FailState
	emails map[string]FailState
}

// NewSigninTracker returns a tracker with policy p; now is the clock (nil:
// time.Now).
func NewSigninTracker(p SigninPolicy, now func() time.Time) *SigninTracker {
	if now == nil {
		now = time.Now
	}
	return &SigninTracker{policy: p, now: now, addrs: make(map[string]FailState), emails: make(map[string]FailState)}
}

// Policy returns the tracker's policy.
func (t *SigninTracker) Policy() SigninPolicy { return t.policy }

// AddrKey is the key an address is counted under: an IPv4 address as is,
// an IPv6 address by its /64 (one customer's network).
func AddrKey(a netip.Addr) string {
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// AddrWait reports how long the address must wait before a try is
// considered (0: at once).
func (t *SigninTracker) AddrWait(addr string) time.Duration {
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	s, ok := t.addrs[addr]
	if !ok {
		return 0
	}
	if now.Sub(s.LastFailure) >= t.policy.AddrWindow {
		delete(t.addrs, addr)
		return 0
	}
	return t.policy.delay(s, t.policy.AddrFreeFailures, now)
}

// AddrFailed counts a failure from the address.
func (t *SigninTracker) AddrFailed(addr string) {
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.addrs[addr]
	if now.Sub(s.LastFailure) >= t.policy.AddrWindow {
		s = FailState{}
	}
	s.Failures++
	s.LastFailure = now
	t.put(t.addrs, addr, s, t.policy.AddrWindow+t.policy.MaxDelay)
}

// EmailWait is Wait for an email that has no account.
func (t *SigninTracker) EmailWait(email string) (time.Duration, bool) {
	now := t.now()
	t.mu.Lock()
	s := t.emails[email]
	t.mu.Unlock()
	return t.policy.Wait(s, now)
}

// EmailFailed counts a failure for an email that has no account, and
// reports whether it locked it (as it would have locked an account).
func (t *SigninTracker) EmailFailed(email string) bool {
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	s, locked := t.policy.Failed(t.emails[email], now)
	t.put(t.emails, email, s, t.policy.LockFor+t.policy.MaxDelay)
	return locked
}

// Tracked returns how many addresses and unknown emails are remembered.
func (t *SigninTracker) Tracked() (addrs, emails int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.addrs), len(t.emails)
}

// put stores s under k in m, making room first when m is full: entries
// whose last failure is older than stale (they can no longer delay or
// lock anything) go first, then the one with the oldest failure.
func (t *SigninTracker) put(m map[string]FailState, k string, s FailState, stale time.Duration) {
	if _, ok := m[k]; !ok && len(m) >= MaxTracked {
		now := t.now()
		for key, v := range m {
			if now.Sub(v.LastFailure) >= stale && !now.Before(v.LockedUntil) {
				delete(m, key)
			}
		}
		if len(m) >= MaxTracked {
			var oldest string
			var at time.Time
			for key, v := range m {
				if oldest == "" || v.LastFailure.Before(at) {
					oldest, at = key, v.LastFailure
				}
			}
			delete(m, oldest)
		}
	}
	m[k] = s
}
