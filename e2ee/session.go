package e2ee

import (
	"crypto/hpke"
	"crypto/rand"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"sync"
	"time"
)

// DefaultRekeyTimeout is how long a Session waits for every remaining
// member to acknowledge a new epoch before it sends with it anyway.
const DefaultRekeyTimeout = 2 * time.Second

// Receiver bounds: per sender, how many epochs are kept and how many steps
// beyond the highest step seen a frame may name.
const (
	MaxEpochsKept = 3
	MaxStepsAhead = 64
)

// Errors of a Session, besides those of the messages it parses.
var (
	// ErrNotJoined is returned before Joined has been called.
	ErrNotJoined = errors.New("e2ee: session has not joined the room")
	// ErrUnknownMember is returned for a message or frame from a
	// participant the session does not know as a member of the room.
	ErrUnknownMember = errors.New("e2ee: not a member of the room")
	// ErrUnverified is returned (wrapped) for a message or frame from a
	// member whose announcement does not verify: it has no key.
	ErrUnverified = errors.New("e2ee: member's announcement does not verify")
	// ErrEpochsExhausted is returned once a sender has used all 2^32-1
	// epochs: it can make no new key and sends nothing more.
	ErrEpochsExhausted = errors.New("e2ee: sender epochs exhausted")
)

// SessionConfig is what a Session needs to know about its participant.
type SessionConfig struct {
	Room     string    // the join token's room claim
	Identity string    // the join token's sub claim
	ID       *Identity // the participant's identity key
	KEM      *KEMKey   // this session's KEM key

	Now          func() time.Time // the clock; time.Now if nil
	RekeyTimeout time.Duration    // DefaultRekeyTimeout if 0
}

// Member is another participant as the server shows it: its participant
// id, its identity (token sub) and its announcement.
type Member struct {
	ID           string
	Identity     string
	Announcement Announcement
}

// Outbound is an e2ee signaling message to send: Payload to participant To.
type Outbound struct {
	To      string
	Payload []byte
}

// MemberStatus is what a Session knows of a member: whether its
// announcement verified (Err says why not) and whether it has given this
// session a key.
type MemberStatus struct {
	ID       string
	Identity string
	// IdentityKey is the identity key the member announces (verified or
	// not): what an application that remembers its peers' keys compares
	// with the one it saw before, and reports with
	// client.ReportIdentityChanged when they differ.
	IdentityKey []byte
	Verified    bool
	Err         error // why the announcement does not verify; nil if it does
	HasKey      bool  // a key package from it has been installed
}

// DropCounts counts frames or messages dropped, by reason.
type DropCounts struct {
	Malformed     uint64 // not an encrypted frame or sealed message, or a codec an E2EE room does not carry
	UnknownMember uint64 // from a participant not in the room
	Unverified    uint64 // from a member whose announcement does not verify
	NoKey         uint64 // a KID naming no epoch held, or a step before the lowest held or too far ahead
	Auth          uint64 // failed authentication or signature
}

// Stats are a Session's counters.
type Stats struct {
	FramesEncrypted uint64
	FramesDecrypted uint64
	FramesDropped   DropCounts
	DataSealed      uint64
	DataOpened      uint64
	DataDropped     DropCounts
	// KeyPackagesSent counts packages sealed; KeyPackageErrors those that
	// could not be (their recipient gets no key).
	KeyPackagesSent  uint64
	KeyPackageErrors uint64
	// KeyPackagesOpened counts packages installed; MessagesRefused e2ee
	// messages refused (malformed, not verifying, from a non-member).
	KeyPackagesOpened uint64
	MessagesRefused   uint64
	// Switches counts pending keys made current.
	Switches uint64
}

// Session is one participant's end-to-end encryption in one room: the state
// machine of docs/e2ee.md "When keys change". It keeps the participant's
// sending key and the keys it has received, answers membership changes and
// e2ee messages with the e2ee messages to send, and encrypts and decrypts
// media frames and data messages. It starts no goroutine: the caller sends
// what it returns, and calls Tick when Deadline passes. It is safe for
// concurrent use.
type Session struct {
	cfg SessionConfig
	ann Announcement

	mu        sync.Mutex
	self      string // participant id, "" until Joined
	members   map[string]*member
	cur       *sendKey
	pending   *pendingKey
	nextEpoch uint64 // the epoch the next new key gets
	stats     Stats
}

// sendKey is a key this participant sends with: key(e, s), with one
// counter for media and one for data.
type sendKey struct {
	epoch uint32
	step  uint8
	key   []byte
	media *Sender // nil until the key is current
	data  *Sender
}

func (k *sendKey) kid() uint64 { return KeyID(k.epoch, k.step) }

// pendingKey is a new epoch sent and waiting for acknowledgements.
type pendingKey struct {
	sendKey
	awaiting map[string]bool
	deadline time.Time
}

type member struct {
	Member
	err    error
	kem    hpke.PublicKey
	epochs []*recvEpoch // at most MaxEpochsKept, ascending epoch
}

// NewSession returns a Session for cfg. It has no key until Joined.
func NewSession(cfg SessionConfig) (*Session, error) {
	if cfg.ID == nil || cfg.KEM == nil {
		return nil, errors.New("e2ee: session needs an identity and a KEM key")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.RekeyTimeout <= 0 {
		cfg.RekeyTimeout = DefaultRekeyTimeout
	}
	ann, err := cfg.ID.Announce(cfg.Room, cfg.Identity, cfg.KEM)
	if err != nil {
		return nil, err
	}
	return &Session{cfg: cfg, ann: ann, members: make(map[string]*member), nextEpoch: 1}, nil
}

// Announcement is the participant's announcement, to send in join.
func (s *Session) Announcement() Announcement { return s.ann }

// Joined starts the session once the server has admitted the participant
// as self, with others already in the room: the participant's key is a
// fresh epoch, current at once, and goes to every member whose
// announcement verifies. Joined again (after reconnecting) starts over
// with a new epoch and the members given.
func (s *Session) Joined(self string, others []Member) []Outbound {
	s.mu.Lock()
	jobs := s.joined(self, others)
	s.mu.Unlock()
	return s.seal(jobs)
}

func (s *Session) joined(self string, others []Member) []keyJob {
	old := s.members
	s.self = self
	s.members = make(map[string]*member, len(others))
	s.pending = nil
	for _, o := range others {
		if o.ID == self {
			continue
		}
		m := s.newMember(o)
		if p := old[o.ID]; p != nil && p.err == nil && m.err == nil && p.Identity == m.Identity && sameAnnouncement(p.Announcement, m.Announcement) {
			m.epochs = p.epochs // keys it gave before are still its keys
		}
		s.members[o.ID] = m
	}
	k, ok := s.newEpoch()
	if !ok {
		s.cur = nil
		return nil
	}
	s.makeCurrent(k)
	return s.sendTo(k, s.verifiedIDs())
}

func sameAnnouncement(a, b Announcement) bool {
	return string(a.IdentityKey) == string(b.IdentityKey) && string(a.KEMKey) == string(b.KEMKey) && string(a.Signature) == string(b.Signature)
}

// MemberJoined handles a participant joining: the participant's keys
// ratchet one step, the newcomer gets a key package for each, and the
// other members derive the step themselves. A member whose announcement
// does not verify gets nothing.
func (s *Session) MemberJoined(o Member) []Outbound {
	s.mu.Lock()
	jobs := s.memberJoined(o)
	s.mu.Unlock()
	return s.seal(jobs)
}

func (s *Session) memberJoined(o Member) []keyJob {
	if s.self == "" || o.ID == s.self {
		return nil
	}
	var out []keyJob
	if _, ok := s.members[o.ID]; ok {
		out = s.leave(o.ID)
	}
	// Every sender ratchets on this join: let each member's keys reach
	// one step further, so that a sender silent through many joins is not
	// lost for being more than MaxStepsAhead past its last frame.
	for _, other := range s.members {
		for _, r := range other.epochs {
			r.high = uint8(min(MaxStep, int(r.high)+1))
		}
	}
	m := s.newMember(o)
	s.members[o.ID] = m
	if m.err != nil || s.cur == nil {
		return out
	}
	if s.cur.step == MaxStep || (s.pending != nil && s.pending.step == MaxStep) {
		return append(out, s.rekey()...)
	}
	s.ratchet(s.cur)
	s.makeCurrent(s.cur)
	out = append(out, s.sendTo(s.cur, []string{o.ID})...)
	if s.pending != nil {
		s.ratchet(&s.pending.sendKey)
		s.pending.awaiting[o.ID] = true
		out = append(out, s.sendTo(&s.pending.sendKey, []string{o.ID})...)
	}
	return out
}

// MemberLeft handles a participant leaving: its keys are forgotten, and a
// new epoch goes to every member still in the room as the pending key. The
// participant keeps sending with its current key until they all
// acknowledge it or RekeyTimeout passes (see Tick).
func (s *Session) MemberLeft(id string) []Outbound {
	s.mu.Lock()
	jobs := s.leave(id)
	s.mu.Unlock()
	return s.seal(jobs)
}

func (s *Session) leave(id string) []keyJob {
	m, ok := s.members[id]
	if !ok {
		return nil
	}
	delete(s.members, id)
	if m.err != nil || s.cur == nil {
		return nil // it never had a key of ours
	}
	return s.rekey()
}

// rekey makes a new epoch the pending key, replacing any pending one but
// keeping its deadline, so that a burst of leaves makes one switch.
func (s *Session) rekey() []keyJob {
	k, ok := s.newEpoch()
	if !ok {
		s.cur, s.pending = nil, nil
		return nil
	}
	deadline := s.cfg.Now().Add(s.cfg.RekeyTimeout)
	if s.pending != nil {
		deadline = s.pending.deadline
	}
	ids := s.verifiedIDs()
	s.pending = &pendingKey{sendKey: *k, awaiting: make(map[string]bool, len(ids)), deadline: deadline}
	for _, id := range ids {
		s.pending.awaiting[id] = true
	}
	out := s.sendTo(k, ids)
	s.maybeSwitch()
	return out
}

// newEpoch is key(e, 0) for the next epoch, or false once none is left.
func (s *Session) newEpoch() (*sendKey, bool) {
	if s.nextEpoch > math.MaxUint32 {
		return nil, false
	}
	k := &sendKey{epoch: uint32(s.nextEpoch), key: make([]byte, SenderKeyLen)}
	s.nextEpoch++
	rand.Read(k.key)
	return k, true
}

func (s *Session) ratchet(k *sendKey) {
	k.step++
	k.key = Ratchet(k.key)
	k.media, k.data = nil, nil
}

// makeCurrent makes k the sending key, with counters from 0 for its KID.
func (s *Session) makeCurrent(k *sendKey) {
	kid := k.kid()
	mk, err1 := NewKey(AES_128_GCM_SHA256_128, kid, MediaBaseKey(k.key))
	dk, err2 := NewKey(AES_128_GCM_SHA256_128, kid, DataBaseKey(k.key))
	if err := errors.Join(err1, err2); err != nil {
		panic("e2ee: suite 4 refused a 32-byte base key: " + err.Error()) // impossible
	}
	k.media, k.data = NewSender(mk), NewSender(dk)
	s.cur = k
}

// maybeSwitch makes the pending key current once nobody is awaited.
func (s *Session) maybeSwitch() {
	if s.pending != nil && len(s.pending.awaiting) == 0 {
		s.switchPending()
	}
}

func (s *Session) switchPending() {
	k := s.pending.sendKey
	s.pending = nil
	s.makeCurrent(&k)
	s.stats.Switches++
}

// keyJob is a key package to seal. Sealing takes a third of a
// millisecond, so it is done outside the lock that media frames take.
type keyJob struct {
	self, to string
	kem      hpke.PublicKey
	kid      uint64
	key      []byte // never changed: a ratchet makes a new slice
}

// sendTo is the key packages of k to each of ids.
func (s *Session) sendTo(k *sendKey, ids []string) []keyJob {
	jobs := make([]keyJob, 0, len(ids))
	for _, id := range ids {
		jobs = append(jobs, keyJob{s.self, id, s.members[id].kem, k.kid(), k.key})
	}
	return jobs
}

// seal seals jobs, without the lock held.
func (s *Session) seal(jobs []keyJob) []Outbound {
	if len(jobs) == 0 {
		return nil
	}
	out := make([]Outbound, 0, len(jobs))
	for _, j := range jobs {
		pkg, err := sealKeyPackage(s.cfg.ID, s.cfg.Room, j.self, j.to, j.kem, j.kid, j.key)
		if err != nil {
			continue
		}
		out = append(out, Outbound{To: j.to, Payload: pkg})
	}
	s.mu.Lock()
	s.stats.KeyPackagesSent += uint64(len(out))
	s.stats.KeyPackageErrors += uint64(len(jobs) - len(out))
	s.mu.Unlock()
	return out
}

// verifiedIDs lists the members whose announcement verifies, sorted so
// that the order of what is sent does not depend on map order.
func (s *Session) verifiedIDs() []string {
	var ids []string
	for id, m := range s.members {
		if m.err == nil {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

func (s *Session) newMember(o Member) *member {
	m := &member{Member: o}
	m.kem, m.err = o.Announcement.verify(s.cfg.Room, o.Identity)
	return m
}

// Deadline is when Tick must be called to switch to the pending key, if a
// key is pending.
func (s *Session) Deadline() (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pending == nil {
		return time.Time{}, false
	}
	return s.pending.deadline, true
}

// Tick makes the pending key current if its deadline has passed, whoever
// has not acknowledged it. It returns the messages to send (none today;
// the caller sends what it gets, like every other method's).
func (s *Session) Tick() []Outbound {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pending != nil && !s.cfg.Now().Before(s.pending.deadline) {
		s.switchPending()
	}
	return nil
}

// Receive handles an e2ee message from participant from: a key package is
// verified, opened and installed, and answered with an acknowledgement; an
// acknowledgement of the pending key may make it current. A message that
// fails returns an error and nothing to send.
func (s *Session) Receive(from string, payload []byte) ([]Outbound, error) {
	out, err := s.receive(from, payload)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.stats.MessagesRefused++
	}
	return out, err
}

func (s *Session) receive(from string, payload []byte) ([]Outbound, error) {
	if len(payload) > MaxMessageLen {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrKeyPackage, len(payload), MaxMessageLen)
	}
	if len(payload) < 2 || payload[0] != Version {
		return nil, fmt.Errorf("%w: not an e2ee message", ErrKeyPackage)
	}
	s.mu.Lock()
	self := s.self
	m, err := s.memberLocked(from)
	s.mu.Unlock()
	if self == "" {
		return nil, ErrNotJoined
	}
	if err != nil {
		return nil, err
	}
	switch payload[1] {
	case TypeKeyPackage:
		// Opened without the lock: it takes a third of a millisecond.
		kid, key, err := OpenKeyPackage(s.cfg.KEM, m.Announcement.IdentityKey, s.cfg.Room, from, self, payload)
		if err != nil {
			return nil, err
		}
		e, st, _ := SplitKeyID(kid)
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.members[from] != m || s.self != self {
			return nil, fmt.Errorf("%w: it left or the session rejoined while its key package was opened", ErrUnknownMember)
		}
		m.install(e, st, key)
		s.stats.KeyPackagesOpened++
		return []Outbound{{To: from, Payload: AppendAck(nil, kid)}}, nil
	case TypeAck:
		kid, err := ParseAck(payload)
		if err != nil {
			return nil, err
		}
		e, st, _ := SplitKeyID(kid)
		s.mu.Lock()
		defer s.mu.Unlock()
		if p := s.pending; p != nil && p.epoch == e && st <= p.step && s.members[from] == m {
			delete(p.awaiting, from)
			s.maybeSwitch()
		}
		return nil, nil
	}
	return nil, fmt.Errorf("%w: type %d", ErrKeyPackage, payload[1])
}

// memberLocked is the verified member id.
func (s *Session) memberLocked(id string) (*member, error) {
	m, ok := s.members[id]
	if !ok {
		return nil, ErrUnknownMember
	}
	if m.err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnverified, m.err)
	}
	return m, nil
}

// SafetyCode is the room's safety code over this participant and every
// member whose announcement verifies.
func (s *Session) SafetyCode() string {
	s.mu.Lock()
	entries := []SafetyEntry{{s.cfg.Identity, s.cfg.ID.Public()}}
	for _, m := range s.members {
		if m.err == nil {
			entries = append(entries, SafetyEntry{m.Identity, m.Announcement.IdentityKey})
		}
	}
	s.mu.Unlock()
	code, err := SafetyCode(s.cfg.Room, entries)
	if err != nil {
		// Room and identities were checked when signed and verified.
		panic("e2ee: safety code over checked entries: " + err.Error())
	}
	return code
}

// SendingKID is the KID of the key frames are sent with now, 0 before
// Joined.
func (s *Session) SendingKID() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur == nil {
		return 0
	}
	return s.cur.kid()
}

// Verified reports whether member id is in the room with an announcement
// that verifies.
func (s *Session) Verified(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.members[id]
	return ok && m.err == nil
}

// Members lists the members the session knows, sorted by id.
func (s *Session) Members() []MemberStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]MemberStatus, 0, len(s.members))
	for _, id := range slices.Sorted(maps.Keys(s.members)) {
		m := s.members[id]
		out = append(out, MemberStatus{ID: id, Identity: m.Identity, IdentityKey: slices.Clone(m.Announcement.IdentityKey),
			Verified: m.err == nil, Err: m.err, HasKey: len(m.epochs) > 0})
	}
	return out
}

// Stats returns the session's counters.
func (s *Session) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// String names the session without its keys.
func (s *Session) String() string {
	return fmt.Sprintf("e2ee.Session{room: %q, identity: %q, kid: %d}", s.cfg.Room, s.cfg.Identity, s.SendingKID())
}
