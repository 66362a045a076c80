package guard

import (
	"sync"
	"time"
)

// ThrottlePolicy slows down repeated failures of one key (an address, a
// room): Free failures are answered at once, each one after waits Base,
// doubling, up to Max, from the last failure; a key that has not failed
// for Forget starts afresh.
type ThrottlePolicy struct {
	Free   int
	Base   time.Duration
	Max    time.Duration
	Forget time.Duration
}

// MaxThrottled bounds the keys a Throttle remembers. When full, keys
// whose failures are forgotten are dropped first, then any one.
const MaxThrottled = 100_000

// Throttle keeps, in memory, the failures of keys. It is safe for
// concurrent use.
type Throttle struct {
	policy ThrottlePolicy
	now    func() time.Time

	mu   sync.Mutex
	keys map[string]FailState
}

// NewThrottle returns a throttle with policy p; now is the clock (nil:
// time.Now).
func NewThrottle(p ThrottlePolicy, now func() time.Time) *Throttle {
	if now == nil {
		now = time.Now
	}
	return &Throttle{policy: p, now: now, keys: make(map[string]FailState)}
}

// Wait reports how long key must wait before its next try counts (0: at
// once).
func (t *Throttle) Wait(key string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	s, ok := t.keys[key]
	if !ok {
		return 0
	}
	now := t.now()
	if now.Sub(s.LastFailure) >= t.policy.Forget {
		delete(t.keys, key)
		return 0
	}
	return SigninPolicy{BaseDelay: t.policy.Base, MaxDelay: t.policy.Max}.delay(s, t.policy.Free, now)
}

// Failed records a failure of key.
func (t *Throttle) Failed(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	s, ok := t.keys[key]
	if ok && now.Sub(s.LastFailure) >= t.policy.Forget {
		s = FailState{}
	}
	if !ok && len(t.keys) >= MaxThrottled {
		for k, o := range t.keys {
			if now.Sub(o.LastFailure) >= t.policy.Forget {
				delete(t.keys, k)
			}
		}
		for k := range t.keys {
			if len(t.keys) < MaxThrottled {
				break
			}
			delete(t.keys, k)
		}
	}
	s.Failures++
	s.LastFailure = now
	t.keys[key] = s
}

// Reset forgets key's failures (a success).
func (t *Throttle) Reset(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.keys, key)
}
