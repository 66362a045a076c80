package auth

import (
	"container/list"
	cryptorand "crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"sync"
	"time"

	"github.com/go-webauthn/webauthn/webauthn"
)

// Limits of the outstanding passkey ceremonies, kept in memory (a
// restart loses them: the user starts again).
//
// When a pool is full, starting a ceremony drops that pool's oldest one
// rather than refusing: a flood then has to outpace the people it wants
// to disturb (push thousands of ceremonies through while one person
// touches their authenticator) instead of merely filling the pool once
// every five minutes to stop everyone. Sign-in with a passkey alone needs
// no account, so anybody can start one; its ceremonies have a pool of
// their own and can never push out a registration or a second factor,
// which only a signed-in user or a password's holder can start, and of
// which one account holds at most MaxPasskeyChallengesPerUser.
const (
	// MaxPasskeyChallenges is the most ceremonies outstanding at once.
	MaxPasskeyChallenges = MaxPasskeySignInChallenges + MaxPasskeyAccountChallenges
	// MaxPasskeySignInChallenges is the most outstanding sign-ins with a
	// passkey alone.
	MaxPasskeySignInChallenges = 8000
	// MaxPasskeyAccountChallenges is the most outstanding registrations
	// and second factors, all accounts together.
	MaxPasskeyAccountChallenges = 2000
	// MaxPasskeyChallengesPerUser is the most outstanding registrations
	// and second factors of one account; a new one drops its oldest.
	MaxPasskeyChallengesPerUser = 4
)

// challengeIDBytes is the size of a challenge id: 256 random bits.
const challengeIDBytes = 32

// challengeIDLen is the length of a challenge id as the client holds it.
var challengeIDLen = base64.RawURLEncoding.EncodedLen(challengeIDBytes)

// ceremony is the kind of WebAuthn ceremony a challenge was issued for.
type ceremony uint8

const (
	ceremonyRegister ceremony = iota + 1
	ceremonySignIn
	ceremonySecondFactor
)

func (c ceremony) String() string {
	switch c {
	case ceremonyRegister:
		return "registration"
	case ceremonySignIn:
		return "sign-in"
	case ceremonySecondFactor:
		return "second factor"
	}
	return fmt.Sprintf("ceremony(%d)", uint8(c))
}

// pending is one outstanding ceremony.
type pending struct {
	key     [sha256.Size]byte // SHA-256 of the challenge id
	kind    ceremony
	userID  string // "" for a sign-in with a passkey alone
	session webauthn.SessionData
	expires time.Time
	elem    *list.Element // in the pool's FIFO
}

// challenges holds the outstanding ceremonies. They are found by the
// SHA-256 of their id, so that a lookup's timing depends on nothing the
// client could steer towards a valid id. Each pool is a FIFO in the order
// the ceremonies began, which, their lifetime being fixed, is also the
// order they expire in.
type challenges struct {
	mu      sync.Mutex
	byKey   map[[sha256.Size]byte]*pending
	signIn  list.List // of *pending
	account list.List // of *pending
	perUser map[string]int
}

func newChallenges() *challenges {
	return &challenges{byKey: make(map[[sha256.Size]byte]*pending), perUser: make(map[string]int)}
}

// add stores a ceremony begun at now and returns its id.
func (c *challenges) add(now time.Time, kind ceremony, userID string, session webauthn.SessionData) string {
	var raw [challengeIDBytes]byte
	cryptorand.Read(raw[:]) // never fails (crypto/rand since Go 1.24)
	id := base64.RawURLEncoding.EncodeToString(raw[:])
	p := &pending{key: sha256.Sum256([]byte(id)), kind: kind, userID: userID, session: session, expires: now.Add(PasskeyChallengeTTL)}

	c.mu.Lock()
	defer c.mu.Unlock()
	c.expire(now)
	pool, limit := &c.signIn, MaxPasskeySignInChallenges
	if userID != "" {
		pool, limit = &c.account, MaxPasskeyAccountChallenges
		if c.perUser[userID] >= MaxPasskeyChallengesPerUser {
			for e := pool.Front(); e != nil; e = e.Next() {
				if old := e.Value.(*pending); old.userID == userID {
					c.remove(old)
					break
				}
			}
		}
		c.perUser[userID]++
	}
	if pool.Len() >= limit {
		c.remove(pool.Front().Value.(*pending))
	}
	p.elem = pool.PushBack(p)
	c.byKey[p.key] = p
	return id
}

// take removes the ceremony with that id, whatever happens next: a
// challenge is used once. It returns the ceremony's session if it was
// issued for kind and userID and has not expired at now; otherwise
// ErrChallengeUnknown.
func (c *challenges) take(now time.Time, id string, kind ceremony, userID string) (webauthn.SessionData, error) {
	if len(id) != challengeIDLen {
		return webauthn.SessionData{}, ErrChallengeUnknown
	}
	key := sha256.Sum256([]byte(id))

	c.mu.Lock()
	p, ok := c.byKey[key]
	if ok {
		c.remove(p)
	}
	c.expire(now)
	c.mu.Unlock()

	switch {
	case !ok:
		return webauthn.SessionData{}, ErrChallengeUnknown
	case !now.Before(p.expires):
		return webauthn.SessionData{}, fmt.Errorf("%w (expired)", ErrChallengeUnknown)
	case p.kind != kind:
		return webauthn.SessionData{}, fmt.Errorf("%w (issued for a %v, not a %v)", ErrChallengeUnknown, p.kind, kind)
	case p.userID != userID:
		return webauthn.SessionData{}, fmt.Errorf("%w (issued for another account)", ErrChallengeUnknown)
	}
	return p.session, nil
}

// len returns how many ceremonies are outstanding, expired or not.
func (c *challenges) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.byKey)
}

// expire drops the ceremonies that have expired at now. c.mu is held.
func (c *challenges) expire(now time.Time) {
	for _, pool := range []*list.List{&c.signIn, &c.account} {
		for e := pool.Front(); e != nil; e = pool.Front() {
			p := e.Value.(*pending)
			if now.Before(p.expires) {
				break
			}
			c.remove(p)
		}
	}
}

// remove drops p. c.mu is held.
func (c *challenges) remove(p *pending) {
	delete(c.byKey, p.key)
	if p.userID != "" {
		c.account.Remove(p.elem)
		if c.perUser[p.userID]--; c.perUser[p.userID] <= 0 {
			delete(c.perUser, p.userID)
		}
	} else {
		c.signIn.Remove(p.elem)
	}
}

// keyedMutex serializes work on one key (an account, a credential) while
// letting other keys proceed. An entry lives only while someone holds or
// waits for its key.
type keyedMutex struct {
	mu sync.Mutex
	m  map[string]*keyedEntry
}

type keyedEntry struct {
	sync.Mutex
	refs int
}

// lock locks key and returns the function that unlocks it.
func (k *keyedMutex) lock(key string) (unlock func()) {
	k.mu.Lock()
	if k.m == nil {
		k.m = make(map[string]*keyedEntry)
	}
	e := k.m[key]
	if e == nil {
		e = &keyedEntry{}
		k.m[key] = e
	}
	e.refs++
	k.mu.Unlock()

	e.Lock()
	return func() {
		e.Unlock()
		k.mu.Lock()
		if e.refs--; e.refs == 0 {
			delete(k.m, key)
		}
		k.mu.Unlock()
	}
}
