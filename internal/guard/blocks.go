package guard

import (
	"crypto/sha256"
	"encoding/hex"
	"net/netip"
	"sort"
	"sync"
	"time"
)

// BlockPolicy says when repeated failures block an address, and when
// failures from many addresses throttle one account (docs/security.md,
// "Brute force").
type BlockPolicy struct {
	// Failures from one address within Window block it. The failures
	// counted: wrong sign-in credentials, refused tokens and API
	// credentials, wrong room passwords, refused invite redemptions.
	Failures int
	Window   time.Duration
	// Steps are the lengths of an address's blocks: its first block lasts
	// Steps[0], the next Steps[1], the last step repeats. An address
	// that has not been blocked for Forgive starts again at Steps[0].
	Steps   []time.Duration
	Forgive time.Duration
	// AccountAddrs distinct addresses failing on one account within
	// Window throttle the account for AccountFor.
	AccountAddrs int
	AccountFor   time.Duration
	// Allow is never blocked: the operators' own addresses.
	Allow Prefixes
	// MaxEntries bounds the addresses, and separately the accounts, the
	// blocker remembers (see Blocker).
	MaxEntries int
}

// DefaultBlockPolicy is what docs/configuration.md gives as defaults.
func DefaultBlockPolicy() BlockPolicy {
	return BlockPolicy{
		Failures: 30, Window: 10 * time.Minute,
		Steps:   []time.Duration{time.Minute, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour},
		Forgive: 24 * time.Hour, AccountAddrs: 20, AccountFor: 15 * time.Minute,
		MaxEntries: 100_000,
	}
}

// BlockKind tells an address block from an account throttle.
type BlockKind string

// Block kinds.
const (
	BlockAddress BlockKind = "address"
	BlockAccount BlockKind = "account"
)

// Block is one block in force: of an address (Key the address as
// AddrKey counts it) or of an account (Key its canonical email).
type Block struct {
	ID      string
	Kind    BlockKind
	Key     string
	Level   int // 1 for the first block of the key, +1 on each repeat
	Since   time.Time
	Until   time.Time
	Reason  string // the failure that tipped it
	Addrs   int    // account blocks: the distinct addresses that failed
	Ended   bool   // set on the Block an unblock or expiry reports
	EndedBy string // who lifted it early ("" when it expired)
}

// BlockID is the stable id of the block of key: a block is replaced, not
// duplicated, when the same key is blocked again.
func BlockID(kind BlockKind, key string) string {
	h := sha256.Sum256([]byte(string(kind) + "\x00" + key))
	prefix := "BA_"
	if kind == BlockAccount {
		prefix = "BU_"
	}
	return prefix + hex.EncodeToString(h[:8])
}

// evictBatch: a full Blocker forgets MaxEntries/evictBatch unblocked
// addresses at once.
const evictBatch = 100

// Blocker counts failures by address and by account and holds the blocks
// they lead to, in memory. It keeps at most MaxEntries addresses and as
// many accounts. Past that, addresses with nothing that still matters go
// first (no block in force or recent enough to lengthen the next, no
// failure inside Window); then, if none is, one in evictBatch of the
// unblocked addresses, chosen arbitrarily (their counts start again);
// only when every entry is a block in force is the one that ends soonest
// forgotten. Accounts: those not throttled go first, then the throttle
// that ends soonest. It is safe for concurrent use.
type Blocker struct {
	pol BlockPolicy
	now func() time.Time

	mu    sync.Mutex
	addrs map[string]*entry
	accts map[string]*acctEntry
}

type entry struct {
	failures []time.Time // within Window, oldest first, at most pol.Failures
	block    Block       // Until zero: never blocked
}

type acctEntry struct {
	addrs map[string]time.Time // address key -> last failure
	block Block
}

// NewBlocker returns an empty blocker; now is the clock (nil: time.Now).
func NewBlocker(p BlockPolicy, now func() time.Time) *Blocker {
	if now == nil {
		now = time.Now
	}
	if len(p.Steps) == 0 {
		p.Steps = DefaultBlockPolicy().Steps
	}
	p.Failures, p.AccountAddrs, p.MaxEntries = max(p.Failures, 1), max(p.AccountAddrs, 1), max(p.MaxEntries, 1)
	return &Blocker{pol: p, now: now, addrs: make(map[string]*entry), accts: make(map[string]*acctEntry)}
}

// Allowed reports whether a is on the allow-list.
func (b *Blocker) Allowed(a netip.Addr) bool { return b.pol.Allow.Contains(a) }

// AddrBlocked reports whether a is blocked now and for how much longer.
func (b *Blocker) AddrBlocked(a netip.Addr) (time.Duration, bool) {
	if b.Allowed(a) {
		return 0, false
	}
	now := b.now()
	b.mu.Lock()
	defer b.mu.Unlock()
	e, ok := b.addrs[AddrKey(a)]
	if !ok || !now.Before(e.block.Until) {
		return 0, false
	}
	return e.block.Until.Sub(now), true
}

// AccountBlocked reports whether the account (canonical email) is
// throttled now and for how much longer.
func (b *Blocker) AccountBlocked(account string) (time.Duration, bool) {
	now := b.now()
	b.mu.Lock()
	defer b.mu.Unlock()
	e, ok := b.accts[account]
	if !ok || !now.Before(e.block.Until) {
		return 0, false
	}
	return e.block.Until.Sub(now), true
}

// AddrFailed counts one failure from a, for reason, and returns the
// block it put in force, if any. An allow-listed address is never
// blocked; failures from an address already blocked do not lengthen its
// block.
func (b *Blocker) AddrFailed(a netip.Addr, reason string) (Block, bool) {
	if b.Allowed(a) {
		return Block{}, false
	}
	now := b.now()
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.addrFailedLocked(AddrKey(a), reason, now)
}

// AccountFailed counts one failure against account (its canonical
// email) from a, allow-listed or not, and returns the account throttle
// it put in force, if any: when AccountAddrs distinct addresses failed
// on it within Window.
func (b *Blocker) AccountFailed(a netip.Addr, account, reason string) (Block, bool) {
	if account == "" {
		return Block{}, false
	}
	now := b.now()
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.acctFailedLocked(account, AddrKey(a), reason, now)
}

func (b *Blocker) addrFailedLocked(key, reason string, now time.Time) (Block, bool) {
	e, ok := b.addrs[key]
	if !ok {
		b.makeRoomLocked(now)
		e = &entry{}
		b.addrs[key] = e
	}
	if now.Before(e.block.Until) {
		return Block{}, false
	}
	cut := 0
	for cut < len(e.failures) && now.Sub(e.failures[cut]) >= b.pol.Window {
		cut++
	}
	e.failures = append(e.failures[cut:], now)
	if len(e.failures) < b.pol.Failures {
		return Block{}, false
	}
	e.failures = e.failures[:0]
	level := 1
	if !e.block.Until.IsZero() && now.Sub(e.block.Until) < b.pol.Forgive {
		level = e.block.Level + 1
	}
	step := b.pol.Steps[min(level, len(b.pol.Steps))-1]
	e.block = Block{ID: BlockID(BlockAddress, key), Kind: BlockAddress, Key: key, Level: level,
		Since: now, Until: now.Add(step), Reason: reason}
	return e.block, true
}

func (b *Blocker) acctFailedLocked(account, addr, reason string, now time.Time) (Block, bool) {
	e, ok := b.accts[account]
	if !ok {
		b.makeAcctRoomLocked(now)
		e = &acctEntry{addrs: make(map[string]time.Time)}
		b.accts[account] = e
	}
	if now.Before(e.block.Until) {
		return Block{}, false
	}
	for k, t := range e.addrs {
		if now.Sub(t) >= b.pol.Window {
			delete(e.addrs, k)
		}
	}
	e.addrs[addr] = now
	if len(e.addrs) < b.pol.AccountAddrs {
		return Block{}, false
	}
	n := len(e.addrs)
	clear(e.addrs)
	e.block = Block{ID: BlockID(BlockAccount, account), Kind: BlockAccount, Key: account, Level: e.block.Level + 1,
		Since: now, Until: now.Add(b.pol.AccountFor), Reason: reason, Addrs: n}
	return e.block, true
}

// makeRoomLocked frees a place for one more address when the map is full.
func (b *Blocker) makeRoomLocked(now time.Time) {
	if len(b.addrs) < b.pol.MaxEntries {
		return
	}
	for k, e := range b.addrs {
		if e.idle(now, b.pol) {
			delete(b.addrs, k)
		}
	}
	if len(b.addrs) < b.pol.MaxEntries {
		return
	}
	// Still full of recent failures: forget a batch of unblocked entries,
	// whichever the map gives first, so that the scan above runs once per
	// batch and not once per new address.
	drop := max(1, b.pol.MaxEntries/evictBatch)
	for k, e := range b.addrs {
		if drop == 0 {
			break
		}
		if !now.Before(e.block.Until) {
			delete(b.addrs, k)
			drop--
		}
	}
	if len(b.addrs) < b.pol.MaxEntries {
		return
	}
	evictSoonest(b.addrs, func(e *entry) time.Time { return e.block.Until })
}

func (b *Blocker) makeAcctRoomLocked(now time.Time) {
	if len(b.accts) < b.pol.MaxEntries {
		return
	}
	for k, e := range b.accts {
		if !now.Before(e.block.Until) {
			delete(b.accts, k)
		}
	}
	if len(b.accts) < b.pol.MaxEntries {
		return
	}
	evictSoonest(b.accts, func(e *acctEntry) time.Time { return e.block.Until })
}

// evictSoonest forgets the entry of m whose block ends first.
func evictSoonest[E any](m map[string]E, until func(E) time.Time) {
	var victim string
	var vAt time.Time
	for k, e := range m {
		if victim == "" || until(e).Before(vAt) {
			victim, vAt = k, until(e)
		}
	}
	delete(m, victim)
}

// idle reports whether e holds nothing that matters any more: no block in
// force or recent enough to raise the next one's level, no failure
// within Window.
func (e *entry) idle(now time.Time, p BlockPolicy) bool {
	if !e.block.Until.IsZero() && now.Sub(e.block.Until) < p.Forgive {
		return false
	}
	return len(e.failures) == 0 || now.Sub(e.failures[len(e.failures)-1]) >= p.Window
}

// List returns the blocks in force, those ending last first.
func (b *Blocker) List() []Block {
	now := b.now()
	b.mu.Lock()
	var out []Block
	for _, e := range b.addrs {
		if now.Before(e.block.Until) {
			out = append(out, e.block)
		}
	}
	for _, e := range b.accts {
		if now.Before(e.block.Until) {
			out = append(out, e.block)
		}
	}
	b.mu.Unlock()
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Until.Equal(out[j].Until) {
			return out[i].Until.After(out[j].Until)
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// Find returns the block id in force, if any.
func (b *Blocker) Find(id string) (Block, bool) {
	now := b.now()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, e := range b.addrs {
		if e.block.ID == id && now.Before(e.block.Until) {
			return e.block, true
		}
	}
	for _, e := range b.accts {
		if e.block.ID == id && now.Before(e.block.Until) {
			return e.block, true
		}
	}
	return Block{}, false
}

// Unblock lifts the block id in force, by actor; it reports the block
// lifted, or false when none with that id is in force. The address keeps
// its level, so that its next block is longer.
func (b *Blocker) Unblock(id, actor string) (Block, bool) {
	now := b.now()
	b.mu.Lock()
	defer b.mu.Unlock()
	var blk *Block
	for _, e := range b.addrs {
		if e.block.ID == id && now.Before(e.block.Until) {
			blk = &e.block
			e.failures = e.failures[:0]
		}
	}
	for _, e := range b.accts {
		if e.block.ID == id && now.Before(e.block.Until) {
			blk = &e.block
		}
	}
	if blk == nil {
		return Block{}, false
	}
	blk.Until = now
	out := *blk
	out.Ended, out.EndedBy = true, actor
	return out, true
}

// Restore puts back blocks kept across a restart (their levels too, so a
// repeat grows on); those that ended more than Forgive ago are skipped.
func (b *Blocker) Restore(blocks []Block) {
	now := b.now()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, blk := range blocks {
		if now.Sub(blk.Until) >= b.pol.Forgive {
			continue
		}
		switch blk.Kind {
		case BlockAddress:
			b.makeRoomLocked(now)
			b.addrs[blk.Key] = &entry{block: blk}
		case BlockAccount:
			if now.Before(blk.Until) {
				b.makeAcctRoomLocked(now)
				b.accts[blk.Key] = &acctEntry{addrs: make(map[string]time.Time), block: blk}
			}
		}
	}
}

// Tracked returns how many addresses and accounts are remembered.
func (b *Blocker) Tracked() (addrs, accounts int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.addrs), len(b.accts)
}
