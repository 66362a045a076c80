package room

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"sync"
	"time"
)

// A room password is hashed with argon2id, which is slow by design: on a
// busy 2-core machine one check can take seconds. A guest gives the
// password twice, at the invite's redemption and again at the join (a
// token issued before the password changed must not get around the new
// one), so the manager remembers, for verifiedPasswordTTL, the passwords
// argon2id has just found right: as an HMAC-SHA256 under a key made at
// random when the process starts and never stored, over the room, its
// password hash (a new password matches nothing remembered) and the
// password. A password given again is found by that MAC, which nobody
// without the key can compute, without a second argon2id. Only right
// passwords are remembered: a wrong guess is hashed, and throttled,
// every time.
const (
	verifiedPasswordTTL  = 10 * time.Minute
	maxVerifiedPasswords = 10_000
)

type verifiedPasswords struct {
	mu   sync.Mutex
	key  [32]byte
	m    map[[sha256.Size]byte]time.Time // MAC -> until
	init sync.Once
}

// mac is the HMAC of password for the room roomKey whose hash is hash.
func (v *verifiedPasswords) mac(roomKey, hash, password string) [sha256.Size]byte {
	v.init.Do(func() { _, _ = rand.Read(v.key[:]) }) // crypto/rand.Read never fails
	h := hmac.New(sha256.New, v.key[:])
	for _, f := range []string{roomKey, hash, password} {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(f)))
		h.Write(n[:])
		h.Write([]byte(f))
	}
	var out [sha256.Size]byte
	copy(out[:], h.Sum(nil))
	return out
}

// seen reports whether mac was remembered and is still fresh.
func (v *verifiedPasswords) seen(mac [sha256.Size]byte, now time.Time) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	until, ok := v.m[mac]
	if ok && !now.Before(until) {
		delete(v.m, mac)
		return false
	}
	return ok
}

// add remembers mac until now+verifiedPasswordTTL; past
// maxVerifiedPasswords the stale entries go first, then all.
func (v *verifiedPasswords) add(mac [sha256.Size]byte, now time.Time) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.m == nil {
		v.m = make(map[[sha256.Size]byte]time.Time)
	}
	if len(v.m) >= maxVerifiedPasswords {
		for k, until := range v.m {
			if !now.Before(until) {
				delete(v.m, k)
			}
		}
		if len(v.m) >= maxVerifiedPasswords {
			clear(v.m)
		}
	}
	v.m[mac] = now.Add(verifiedPasswordTTL)
}
