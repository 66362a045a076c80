package guard

import (
	"sync"
	"time"
)

// Keyed is a token bucket per key (the API key or account a request acts
// for), for limits that follow who asks rather than a connection. It
// keeps at most maxKeys buckets: past that, the buckets that have filled
// up again are forgotten (a full bucket is what a new one would be), and
// if none has, a new key is refused until one has: deny rather than
// forget a key that is being limited.
type Keyed struct {
	rate    float64
	burst   int
	maxKeys int
	now     func() time.Time

	mu sync.Mutex
	m  map[string]*Limiter
}

// NewKeyed returns a Keyed with no buckets yet; see NewLimiter for rate,
// burst and now.
func NewKeyed(ratePerSec float64, burst, maxKeys int, now func() time.Time) *Keyed {
	if now == nil {
		now = time.Now
	}
	return &Keyed{rate: ratePerSec, burst: burst, maxKeys: max(maxKeys, 1), now: now, m: make(map[string]*Limiter)}
}

// Allow reports whether key may act now, and if so takes one of its
// tokens.
func (k *Keyed) Allow(key string) bool {
	ok, _ := k.Take(key)
	return ok
}

// Take is Allow that also says, when it refuses, how long key should wait
// before trying again (at most MaxWait; a key refused because the map is
// full is told the time one token takes).
func (k *Keyed) Take(key string) (ok bool, wait time.Duration) {
	k.mu.Lock()
	l, ok := k.m[key]
	if !ok {
		if len(k.m) >= k.maxKeys {
			for other, ol := range k.m {
				if ol.full() {
					delete(k.m, other)
				}
			}
		}
		if len(k.m) >= k.maxKeys {
			k.mu.Unlock()
			return false, waitFor(1, k.rate)
		}
		l = NewLimiter(k.rate, k.burst, k.now)
		k.m[key] = l
	}
	k.mu.Unlock()
	return l.Take()
}

// full reports whether the bucket has filled up again.
func (l *Limiter) full() bool {
	t := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.tokens+t.Sub(l.last).Seconds()*l.rate >= l.burst
}
