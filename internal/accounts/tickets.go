package accounts

import (
	"sync"
	"time"

	"github.com/conclave-video/conclave/internal/auth"
)

// Limits of sign-in tickets (docs/accounts.md, "Signing in").
const (
	// TicketTTL is how long a ticket may be redeemed after the password.
	TicketTTL = 5 * time.Minute
	// TicketAttempts is how many second-factor tries one ticket allows.
	TicketAttempts = 5
	// MaxTickets bounds the tickets held in memory; when full, expired
	// ones go first, then the oldest.
	MaxTickets = 10_000
)

// ticket is a password sign-in waiting for its second factor. Only the
// hash of the ticket's value is kept.
type ticket struct {
	userID   string
	expires  time.Time
	attempts int
}

// tickets holds sign-in tickets in memory (a restart loses them).
type tickets struct {
	now func() time.Time
	mu  sync.Mutex
	m   map[string]ticket // key: the SHA-256 of the ticket's value
}

func newTickets(now func() time.Time) *tickets {
	return &tickets{now: now, m: make(map[string]ticket)}
}

// issue returns a new ticket's value for the user.
func (t *tickets) issue(userID string) string {
	value, hash := auth.NewSessionID() // 256 random bits, base64url
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.m) >= MaxTickets {
		for k, v := range t.m {
			if !now.Before(v.expires) {
				delete(t.m, k)
			}
		}
		if len(t.m) >= MaxTickets {
			var oldest string
			var at time.Time
			for k, v := range t.m {
				if oldest == "" || v.expires.Before(at) {
					oldest, at = k, v.expires
				}
			}
			delete(t.m, oldest)
		}
	}
	t.m[string(hash)] = ticket{userID: userID, expires: now.Add(TicketTTL), attempts: TicketAttempts}
	return value
}

// take spends one attempt of the ticket and returns its user: ok is
// false when the ticket is malformed, unknown, expired or used up. The
// ticket is forgotten with its last attempt.
func (t *tickets) take(value string) (userID string, ok bool) {
	hash, wellFormed := auth.ParseSessionID(value)
	if !wellFormed {
		return "", false
	}
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	k := string(hash)
	tk, found := t.m[k]
	if !found {
		return "", false
	}
	if !now.Before(tk.expires) {
		delete(t.m, k)
		return "", false
	}
	tk.attempts--
	if tk.attempts <= 0 {
		delete(t.m, k)
	} else {
		t.m[k] = tk
	}
	return tk.userID, true
}

// peek reports the ticket's user without spending an attempt.
func (t *tickets) peek(value string) (userID string, ok bool) {
	hash, wellFormed := auth.ParseSessionID(value)
	if !wellFormed {
		return "", false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	tk, found := t.m[string(hash)]
	if !found || !t.now().Before(tk.expires) {
		return "", false
	}
	return tk.userID, true
}

// drop forgets the ticket (it was redeemed).
func (t *tickets) drop(value string) {
	if hash, ok := auth.ParseSessionID(value); ok {
		t.mu.Lock()
		delete(t.m, string(hash))
		t.mu.Unlock()
	}
}

// size is how many tickets are held.
func (t *tickets) size() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.m)
}
