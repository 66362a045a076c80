// Package room owns rooms and their participants: the one admission
// decision (Decide: who gets in, with which role and permissions), identities,
// capacity, published tracks and who receives what, and one typed event
// stream (Event) that every listener subscribes to: signaling sessions for
// their participant, metrics, and later the audit log, webhooks and the
// multi-node relay. It does no network I/O and never touches a media
// packet; it tells a participant's media layer which tracks to forward.
package room

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/conclave-video/conclave/internal/config"
	"github.com/conclave-video/conclave/internal/guard"
	"github.com/conclave-video/conclave/internal/sfu"
	"github.com/conclave-video/conclave/token"
)

// Limits kept explicit.
const (
	MaxTracksPerParticipant = 8
	// MaxE2EEParticipants bounds a room that requires end-to-end
	// encryption, whatever its max_participants says: every join and
	// leave costs every participant a key package to each other one.
	MaxE2EEParticipants = 200
	maxPendingTracks    = 16
	// storeTimeout bounds one write of a room to the store.
	storeTimeout = 10 * time.Second
)

// Media is a participant's media connection: implemented by *rtc.Peer.
type Media interface {
	// Subscribe forwards the receivers' tracks to the participant, in one
	// negotiation.
	Subscribe(rs ...*sfu.Receiver) error
	Unsubscribe(trackID string)
	SetTrackMuted(trackID string, muted bool) bool
}

// Store keeps rooms across restarts. A room is created or deleted, and
// locked or unlocked, only once the store has the change; its error is
// the caller's.
type Store interface {
	SaveRoom(ctx context.Context, info Info) error
	DeleteRoom(ctx context.Context, name RoomName) error
	// SaveRoomState stores a live room's lock and maximum duration, for
	// the room of that name created at createdAt only.
	SaveRoomState(ctx context.Context, name RoomName, createdAt time.Time, locked bool, maxDuration time.Duration) error
}

// Spec describes a room to create.
type Spec struct {
	Name            RoomName
	Owner           KeyID // the API key or account that owns the room
	MaxParticipants int
	EmptyTimeout    time.Duration
	// E2EE says whether the room requires end-to-end encryption; ""
	// takes Config.DefaultE2EE.
	E2EE E2EEMode
	// MaxDuration ends the meeting that long after the room was created
	// (0: none), warning everyone before (duration.go). Config.MaxDuration
	// bounds it.
	MaxDuration time.Duration
	// Password, when not "", is the room's password at creation: Create
	// hashes it (PasswordHash) and forgets it. PasswordHash is what the
	// store keeps (argon2id, PHC form).
	Password     string
	PasswordHash string
	// Lobby says whether guests wait in a lobby; "" takes the default:
	// on when the policy's lobby_for_guests is (docs/access.md).
	Lobby LobbyMode
	// InviteOnly: the room admits its owner's host tokens (roomAdmin)
	// and the guest tokens of its invites only (docs/access.md,
	// "Invites"); any other join is refused with invite_required.
	InviteOnly bool
	// Locked: the room starts locked (a room restored locked).
	Locked bool
	// MaxPublishBitrate caps what each participant publishes, in bits
	// per second; 0 or more than Config.MaxPublishBitrate takes that
	// (media.go).
	MaxPublishBitrate int64
}

// Info is a room's public state, as the REST API serves it.
type Info struct {
	Name            RoomName  `json:"name"`
	MaxParticipants int       `json:"max_participants"`
	EmptyTimeout    int64     `json:"empty_timeout"` // seconds
	CreatedAt       time.Time `json:"created_at"`
	NumParticipants int       `json:"num_participants"`
	E2EE            E2EEMode  `json:"e2ee"`
	// Locked: nobody new is admitted until it is unlocked.
	Locked bool `json:"locked"`
	// MaxDuration (seconds, 0: none) and EndsAt: when the meeting ends.
	MaxDuration int64      `json:"max_duration"`
	EndsAt      *time.Time `json:"ends_at,omitempty"`
	// Password: the room has one (never the password or its hash);
	// Lobby: guests wait in its lobby; LobbyWaiting: how many do now.
	Password     bool `json:"password"`
	Lobby        bool `json:"lobby"`
	LobbyWaiting int  `json:"lobby_waiting"`
	// InviteOnly: joins need a host token or an invite's guest token.
	InviteOnly bool `json:"invite_only"`
	// MaxPublishBitrate: each participant's publishing cap, bits per
	// second (0: none).
	MaxPublishBitrate int64  `json:"max_publish_bitrate"`
	Owner             KeyID  `json:"-"`
	PasswordHash      string `json:"-"`
}

// Config configures a Manager. Zero limits take config.Default's values.
type Config struct {
	AutoCreate             bool
	DefaultMaxParticipants int
	DefaultEmptyTimeout    time.Duration
	// DefaultE2EE is the mode of a room created without one (by a join,
	// or by the REST API without the option). "" is E2EEOff.
	DefaultE2EE E2EEMode
	MaxRooms    int
	// Policy is the organisation's security policy (policy.go); nil
	// applies none.
	Policy PolicySource
	// Store persists rooms; nil keeps them in memory only (tests).
	Store Store
	// Access keeps revocations and bans (access.go); nil bans nobody and
	// makes Remove and the revocations fail (tests that need neither).
	Access Access
	Logger *slog.Logger
	// Now and AfterFunc are the rooms' clock (time.Now and time.AfterFunc
	// unless a test drives its own): every timestamp, the empty timeout and
	// the maximum duration use it.
	Now       func() time.Time
	AfterFunc func(time.Duration, func()) Timer
	// MaxDuration bounds every room's maximum duration (rooms.max_duration):
	// a room that asks for none, or for more, gets this. 0: no bound.
	MaxDuration time.Duration
	// Passwords hashes and checks room passwords (auth.Hasher, which
	// bounds how many hashes run at once); nil refuses rooms with one.
	Passwords Passwords
	// MaxPublishBitrate is every participant's publishing cap in bits per
	// second (rooms.max_publish_bitrate), and the bound of a room's own;
	// 0: no cap. BitrateGrace is how long a participant may stay above
	// it after being told to lower before it is disconnected (media.go).
	MaxPublishBitrate int64
	BitrateGrace      time.Duration
	// Limited is told of every refusal of the rooms' own rate limits, by
	// reason (LimitJoinIdentity), for metrics; nil: nobody.
	Limited func(reason string)
}

// Timer is a timer of the rooms' clock; *time.Timer is one.
type Timer interface{ Stop() bool }

// Manager holds every room on this node. It implements Rooms.
type Manager struct {
	cfg Config

	mu    sync.Mutex
	rooms map[RoomName]*Room

	subMu sync.RWMutex
	subs  map[*subscription]struct{}

	tamper atomic.Pointer[func(Identity, *E2EEKeys)]

	// Wrong room passwords, throttled by address, by identity and by
	// room (lobby.go); lobbyTotal counts the guests waiting in every room.
	pwAddr, pwIdent, pwRoom *guard.Throttle
	// pwVerified: room passwords argon2id found right just now
	// (passwordcache.go).
	pwVerified verifiedPasswords
	lobbyTotal atomic.Int64

	// joins limits the joins of each identity (joinlimit.go).
	joins *guard.Keyed

	// refusals throttles refusal security events (refusals.go).
	refusals refusalThrottle
}

// SetTestTamperE2EE makes the manager rewrite every participant's
// announced end-to-end encryption keys with f after admission, before
// anyone sees them: tests use it to play a server that swaps keys, which
// clients must detect. Nothing outside tests calls it; no configuration
// reaches it.
func (m *Manager) SetTestTamperE2EE(f func(Identity, *E2EEKeys)) { m.tamper.Store(&f) }

type subscription struct{ l Listener }

// NewManager returns an empty Manager.
func NewManager(cfg Config) *Manager {
	def := config.Default().Rooms
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.AfterFunc == nil {
		cfg.AfterFunc = func(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }
	}
	if cfg.DefaultMaxParticipants <= 0 {
		cfg.DefaultMaxParticipants = def.MaxParticipants
	}
	if cfg.DefaultEmptyTimeout <= 0 {
		cfg.DefaultEmptyTimeout = def.EmptyTimeout
	}
	if cfg.MaxRooms <= 0 {
		cfg.MaxRooms = def.MaxRooms
	}
	return &Manager{cfg: cfg, rooms: make(map[RoomName]*Room), subs: make(map[*subscription]struct{}),
		pwAddr: guard.NewThrottle(passwordAddrThrottle(), cfg.Now), pwIdent: guard.NewThrottle(passwordAddrThrottle(), cfg.Now),
		pwRoom: guard.NewThrottle(passwordRoomThrottle(), cfg.Now),
		joins:  guard.NewKeyed(1/JoinIntervalPerIdentity.Seconds(), JoinBurstPerIdentity, MaxJoinIdentities, cfg.Now)}
}

// Subscribe adds l to the listeners that see every event of every room
// once; the returned function removes it.
func (m *Manager) Subscribe(l Listener) (unsubscribe func()) {
	s := &subscription{l}
	m.subMu.Lock()
	m.subs[s] = struct{}{}
	m.subMu.Unlock()
	return func() {
		m.subMu.Lock()
		delete(m.subs, s)
		m.subMu.Unlock()
	}
}

// Security publishes ev as an EventSecurity. A kind outside the known set
// is published as SecurityUnknown (metrics label by kind; an unknown kind
// is a bug to find, not a label to add).
func (m *Manager) Security(ev SecurityEvent) {
	if !ev.Kind.Known() {
		ev.Kind = SecurityUnknown
	}
	m.publish(Event{Kind: EventSecurity, Time: m.cfg.Now(), Security: &ev})
}

// publish gives e to every subscriber.
func (m *Manager) publish(e Event) {
	m.subMu.RLock()
	defer m.subMu.RUnlock()
	for s := range m.subs {
		s.l.OnEvent(e)
	}
}

// Restore re-creates a room remembered from before a restart, without
// storing it again; its empty timer starts now.
func (m *Manager) Restore(s Spec, createdAt time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.rooms[s.Name]; ok {
		return ErrRoomExists
	}
	_, err := m.createLocked(s, false, createdAt)
	return err
}

// Create makes a new room, once the store has it.
func (m *Manager) Create(s Spec) (Info, error) {
	if s.Password != "" {
		// Hashed before any lock is taken: argon2id is slow on purpose.
		h, err := m.hashPassword(s.Password)
		if err != nil {
			return Info{}, err
		}
		s.Password, s.PasswordHash = "", h
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.rooms[s.Name]; ok {
		return Info{}, ErrRoomExists
	}
	r, err := m.createLocked(s, true, time.Time{})
	if err != nil {
		return Info{}, err
	}
	return r.Info(), nil
}

// createLocked makes the room; with persist, the store must take it first.
// createdAt is when it was created (zero: now): a restored room's maximum
// duration counts from its first creation. Called with m.mu held, so no
// other change to the set of rooms can interleave with the store's write.
func (m *Manager) createLocked(s Spec, persist bool, createdAt time.Time) (*Room, error) {
	if len(m.rooms) >= m.cfg.MaxRooms {
		return nil, ErrTooManyRooms
	}
	if s.MaxParticipants <= 0 {
		s.MaxParticipants = m.cfg.DefaultMaxParticipants
	}
	if s.EmptyTimeout <= 0 {
		s.EmptyTimeout = m.cfg.DefaultEmptyTimeout
	}
	if s.E2EE == "" {
		s.E2EE = m.defaultE2EE()
	}
	if !s.E2EE.Valid() {
		return nil, fmt.Errorf("room: e2ee mode %q", s.E2EE)
	}
	if s.Lobby == "" {
		s.Lobby = m.defaultLobby(s.Owner)
	}
	if !s.Lobby.Valid() {
		return nil, fmt.Errorf("room: lobby mode %q", s.Lobby)
	}
	if persist {
		// A room remembered from before a restart is restored as it
		// was; joining it is refused while it loosens the policy.
		if err := m.policyAllowsRoom(s); err != nil {
			return nil, err
		}
	}
	if s.E2EE == E2EERequired {
		s.MaxParticipants = min(s.MaxParticipants, MaxE2EEParticipants)
	}
	if s.MaxDuration < 0 {
		return nil, fmt.Errorf("room: max duration %s", s.MaxDuration)
	}
	if c := m.maxDuration(); c > 0 && (s.MaxDuration == 0 || s.MaxDuration > c) {
		s.MaxDuration = c
	}
	if s.MaxPublishBitrate < 0 {
		return nil, fmt.Errorf("room: max publish bitrate %d", s.MaxPublishBitrate)
	}
	if c := m.cfg.MaxPublishBitrate; c > 0 && (s.MaxPublishBitrate == 0 || s.MaxPublishBitrate > c) {
		s.MaxPublishBitrate = c
	}
	if createdAt.IsZero() {
		createdAt = m.cfg.Now()
	}
	r := &Room{
		spec:         s,
		manager:      m,
		createdAt:    createdAt,
		participants: make(map[ParticipantID]*Participant),
		identities:   make(map[Identity]*Participant),
		hostMuted:    make(map[Identity]map[TrackKind]bool),
		locked:       s.Locked,
		roles:        make(map[Identity]Role),
		admitted:     make(map[Identity]bool),
		lastRole:     make(map[Identity]Role),
		invites:      make(map[Identity]string),
	}
	if persist && m.cfg.Store != nil {
		ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
		err := m.cfg.Store.SaveRoom(ctx, r.Info())
		cancel()
		if err != nil {
			m.cfg.Logger.Error("room not created: store", "room", s.Name, "err", err)
			return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
		}
	}
	m.rooms[s.Name] = r
	r.armEmptyTimer()
	r.armDuration()
	if persist {
		m.publish(Event{Kind: EventRoomCreated, Time: m.now(), Room: s.Name})
	}
	return r, nil
}

// Get returns a room's state.
func (m *Manager) Get(name RoomName) (Info, error) {
	r, err := m.room(name)
	if err != nil {
		return Info{}, err
	}
	return r.Info(), nil
}

func (m *Manager) room(name RoomName) (*Room, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.rooms[name]
	if !ok {
		return nil, ErrRoomNotFound
	}
	return r, nil
}

// ownedRoom is room name if owner owns it.
func (m *Manager) ownedRoom(name RoomName, owner KeyID) (*Room, error) {
	r, err := m.room(name)
	if err != nil {
		return nil, err
	}
	if r.spec.Owner != owner {
		return nil, ErrNotOwner
	}
	return r, nil
}

// List returns the rooms owned by owner ("" for all), sorted by name.
func (m *Manager) List(owner KeyID) []Info {
	m.mu.Lock()
	rooms := make([]*Room, 0, len(m.rooms))
	for _, r := range m.rooms {
		if owner == "" || r.spec.Owner == owner {
			rooms = append(rooms, r)
		}
	}
	m.mu.Unlock()
	out := make([]Info, 0, len(rooms))
	for _, r := range rooms {
		out = append(out, r.Info())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Counts reports how many rooms, participants, published tracks and
// subscriptions (down-tracks) there are.
func (m *Manager) Counts() (rooms, participants, tracks, subscriptions int) {
	m.mu.Lock()
	all := make([]*Room, 0, len(m.rooms))
	for _, r := range m.rooms {
		all = append(all, r)
	}
	m.mu.Unlock()
	for _, r := range all {
		r.mu.Lock()
		participants += len(r.participants)
		for _, p := range r.participants {
			tracks += len(p.tracks)
			for _, t := range p.tracks {
				if t.recv != nil {
					subscriptions += t.recv.DownTracks()
				}
			}
		}
		r.mu.Unlock()
	}
	return len(all), participants, tracks, subscriptions
}

// Delete ends owner's room name once the store has forgotten it: every
// participant is told and disconnected. The owner is checked on the room
// found now, so a decision made a moment ago for another room of the same
// name cannot act on this one.
func (m *Manager) Delete(name RoomName, owner KeyID, reason LeaveReason) error {
	m.mu.Lock()
	r, ok := m.rooms[name]
	if !ok {
		m.mu.Unlock()
		return ErrRoomNotFound
	}
	if r.spec.Owner != owner {
		m.mu.Unlock()
		return ErrNotOwner
	}
	if err := m.forget(name); err != nil {
		m.mu.Unlock()
		return err
	}
	delete(m.rooms, name)
	m.mu.Unlock()
	r.close(reason)
	return nil
}

// forget removes name from the store. Called with m.mu held.
func (m *Manager) forget(name RoomName) error {
	if m.cfg.Store == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	if err := m.cfg.Store.DeleteRoom(ctx, name); err != nil {
		m.cfg.Logger.Error("room not deleted: store", "room", name, "err", err)
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return nil
}

// deleteIfEmpty removes r if it is still this manager's room of that name
// and still empty; checked under both locks so a join cannot slip in. A
// room the store cannot forget stays, and its timer tries again.
func (m *Manager) deleteIfEmpty(r *Room) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	r.mu.Lock()
	defer r.mu.Unlock()
	if m.rooms[r.spec.Name] != r || len(r.participants) != 0 || len(r.lobby) != 0 || r.closed {
		return false
	}
	if err := m.forget(r.spec.Name); err != nil {
		r.armEmptyTimer()
		return false
	}
	delete(m.rooms, r.spec.Name)
	r.closed = true
	m.publish(Event{Kind: EventRoomClosed, Time: m.now(), Room: r.spec.Name, Reason: ReasonEmptyTimeout})
	return true
}

// CloseAll ends every room, for shutdown. The rooms stay in the store.
func (m *Manager) CloseAll(reason LeaveReason) {
	m.mu.Lock()
	rooms := m.rooms
	m.rooms = make(map[RoomName]*Room)
	m.mu.Unlock()
	for _, r := range rooms {
		r.close(reason)
	}
}

// JoinRequest asks to enter a room.
type JoinRequest struct {
	// Password is the room password the join gives ("": none); Addr the
	// client's address as guard.AddrKey counts it, for the throttle.
	Password string
	Addr     string
	// OnAdmit is called, under the room's lock (queue, act elsewhere),
	// when a join that waited in the lobby is admitted: the
	// participant's own EventJoined has been delivered. A join without
	// it cannot wait, and is refused where it would.
	OnAdmit func(Member)

	// Claims are the join token's verified claims: the room, identity,
	// name and grants all come from them.
	Claims *token.Claims
	// Listener receives the participant's events, starting with its own
	// EventJoined.
	Listener Listener
	// E2EE is the client's end-to-end encryption announcement, if it
	// made one.
	E2EE *E2EEKeys
}

// Join decides on req (ActionJoin) and, if admitted, adds the participant,
// creating the room when that is allowed. The decision and the place are
// taken atomically: no second join can slip between them. A refusal is
// the Decision's Err.
func (m *Manager) Join(req JoinRequest) (Member, Decision, error) {
	if req.Listener == nil {
		// A participant nobody hears would hold its identity as a ghost.
		return nil, Decision{Action: ActionJoin}, errors.New("room: join without a listener")
	}
	if d, ok := m.limitJoin(req); !ok {
		return nil, d, d.Err
	}
	dreq := Request{Claims: req.Claims, Action: ActionJoin, E2EE: req.E2EE, Addr: req.Addr}
	if req.Claims != nil {
		dreq.Room = RoomName(req.Claims.Room)
	}
	if err := m.checkPassword(req, &dreq); err != nil {
		return nil, Decision{Action: ActionJoin}, err
	}
	m.mu.Lock()
	r := m.rooms[dreq.Room]
	if r == nil {
		st := m.baseState()
		st.e2ee = m.defaultE2EE() == E2EERequired
		st.lobby = req.Claims != nil && m.defaultLobby(KeyID(req.Claims.Issuer)) == LobbyOn
		st.lobbyFull = m.lobbyTotal.Load() >= MaxLobbyTotal
		if req.Claims != nil {
			// A timed ban outlives its room: it refuses the join that
			// would create the room again.
			st.banned = m.banned(KeyID(req.Claims.Issuer), dreq.Room, Identity(req.Claims.Subject), time.Time{})
			st.revoked = m.revoked(req.Claims)
		}
		d := decide(dreq, st)
		if d.Outcome != Admitted && (d.Outcome != WaitInLobby || req.OnAdmit == nil) {
			if d.Err == nil {
				d.Outcome, d.Err = Refused, ErrPermissionDenied
			}
			m.mu.Unlock()
			m.emitDecision(d)
			return nil, d, d.Err
		}
		var err error
		if r, err = m.createLocked(Spec{Name: d.Room, Owner: d.Key}, true, time.Time{}); err != nil {
			m.mu.Unlock()
			d.Outcome, d.Err, d.Role, d.Permissions = Refused, err, "", 0
			m.emitDecision(d)
			return nil, d, err
		}
	}
	m.mu.Unlock()
	return r.join(dreq, req)
}

// defaultE2EE is the mode a room created without one gets: required
// whenever the policy requires it.
func (m *Manager) defaultE2EE() E2EEMode {
	if p := m.policy(); p != nil && p.RequireE2EE {
		return E2EERequired
	}
	if m.cfg.DefaultE2EE == "" {
		return E2EEOff
	}
	return m.cfg.DefaultE2EE
}

// Participants lists the participants of owner's room name.
func (m *Manager) Participants(name RoomName, owner KeyID) ([]ParticipantInfo, error) {
	r, err := m.ownedRoom(name, owner)
	if err != nil {
		return nil, err
	}
	return r.Participants(), nil
}

// MuteTrack mutes (or unmutes) a participant's published track in owner's
// room on behalf of the host (the REST API today). A host's mute is a lock: the publisher
// cannot lift it, only ask. Lifting it (muted false) does not unmute the
// track: the publisher is told it may, and does so itself.
func (m *Manager) MuteTrack(name RoomName, by *token.Claims, identity Identity, trackID TrackID, muted bool) (TrackInfo, error) {
	r, err := m.ownedRoom(name, KeyID(by.Issuer))
	if err != nil {
		return TrackInfo{}, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	p, role := r.targetByIdentity(identity)
	if err := r.decideLocked(Request{Action: ActionMuteOther, Actor: r.restActorLocked(by), Target: role, Subject: identity}); err != nil {
		return TrackInfo{}, err
	}
	return p.hostMuteLocked(trackID, muted)
}

func newID(prefix string) string {
	var b [10]byte
	_, _ = rand.Read(b[:])
	return prefix + strings.TrimRight(base32.StdEncoding.EncodeToString(b[:]), "=")
}
