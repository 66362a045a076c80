// Package guard owns Conclave's defences against abuse: the client's
// address (ClientIP, trusting X-Forwarded-For only from configured
// proxies), token-bucket rate limits (Limiter, Keyed), sign-in and
// failure throttles (SigninTracker, Throttle), brute-force blocks of
// addresses and throttles of accounts (Blocker), and caps on open
// connections (Conns, LimitListener). It decides nothing about rooms and
// does no I/O: the server wires it in front of every handler and stores
// its blocks.
package guard

import (
	"sync"
	"time"
)

// Limiter is a token bucket: it holds up to burst tokens, refills at rate
// tokens per second, and each allowed event takes one token. It is safe for
// concurrent use and Allow does not allocate.
type Limiter struct {
	now   func() time.Time
	rate  float64
	burst float64

	mu     sync.Mutex
	tokens float64
	last   time.Time
}

// NewLimiter returns a full bucket. A burst below 1 is treated as 1; a rate
// of zero or less never refills. now is the clock (time.Now in production,
// a fake in tests); nil means time.Now.
func NewLimiter(ratePerSec float64, burst int, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	if burst < 1 {
		burst = 1
	}
	if !(ratePerSec > 0) {
		ratePerSec = 0
	}
	return &Limiter{now: now, rate: ratePerSec, burst: float64(burst), tokens: float64(burst), last: now()}
}

// MaxWait bounds the wait Take reports: a bucket that never refills (a
// rate of zero) asks for this.
const MaxWait = time.Hour

// Allow reports whether one event may happen now, and if so takes a token.
func (l *Limiter) Allow() bool {
	ok, _ := l.Take()
	return ok
}

// Take is Allow that also says, when it refuses, how long until the next
// token (at most MaxWait).
func (l *Limiter) Take() (ok bool, wait time.Duration) {
	t := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	// A clock that steps backwards refills nothing rather than going negative.
	if elapsed := t.Sub(l.last); elapsed > 0 {
		l.tokens = min(l.burst, l.tokens+elapsed.Seconds()*l.rate)
		l.last = t
	}
	if l.tokens < 1 {
		return false, l.untilOne()
	}
	l.tokens--
	return true, 0
}

// untilOne is how long until the bucket holds a whole token. Called with
// l.mu held.
func (l *Limiter) untilOne() time.Duration { return waitFor(1-l.tokens, l.rate) }

// waitFor is how long a bucket refilling at rate takes to gain tokens, at
// most MaxWait.
func waitFor(tokens, rate float64) time.Duration {
	if rate <= 0 || tokens/rate >= MaxWait.Seconds() {
		return MaxWait
	}
	return time.Duration(tokens / rate * float64(time.Second))
}
