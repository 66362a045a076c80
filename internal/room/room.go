// Package room owns rooms and their participants: membership, identities,
// capacity, permissions, published tracks and who receives what. It makes
// decisions and tells a participant's media layer which tracks to forward;
// it does no network I/O and never touches a media packet.
package room

import (
	"crypto/rand"
	"encoding/base32"
	"errors"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/conclave-video/conclave/internal/sfu"
)

// Errors callers tell apart; each maps to a stable code on the wire.
var (
	ErrIdentityInUse      = errors.New("room: identity already in the room")
	ErrRoomFull           = errors.New("room: room is full")
	ErrRoomNotFound       = errors.New("room: no such room")
	ErrRoomExists         = errors.New("room: room already exists")
	ErrTooManyRooms       = errors.New("room: too many rooms")
	ErrRoomClosed         = errors.New("room: room closed")
	ErrNotOwner           = errors.New("room: room belongs to another key")
	ErrPermissionDenied   = errors.New("room: permission denied")
	ErrUnknownTrack       = errors.New("room: no such track")
	ErrUnknownParticipant = errors.New("room: no such participant")
	ErrTooManyTracks      = errors.New("room: too many tracks")
)

// Limits kept explicit.
const (
	MaxTracksPerParticipant = 8
	maxPendingTracks        = 16
)

// Sink is a participant's connection as the room sees it: implemented by
// the signaling session. Methods are called with room state settled and
// must not block (a session queues, and drops a client that cannot keep up).
type Sink interface {
	// Joined is the participant's own confirmation, delivered before any
	// other event about the room reaches it.
	Joined(self ParticipantInfo, others []ParticipantInfo)
	ParticipantJoined(p ParticipantInfo)
	ParticipantLeft(id, reason string)
	ParticipantUpdated(p ParticipantInfo)
	TrackPublished(participantID string, t TrackInfo)
	TrackUnpublished(participantID, trackID string)
	Data(from, topic string, payload []byte)
	MuteRequested(trackID string, muted bool)
	// Close ends the participant's session with reason; the session then
	// calls Participant.Leave.
	Close(reason string)
}

// Media is a participant's media connection: implemented by *rtc.Peer.
type Media interface {
	Subscribe(r *sfu.Receiver) error
	Unsubscribe(trackID string)
	SetTrackMuted(trackID string, muted bool) bool
}

// Spec describes a room to create.
type Spec struct {
	Name            string
	Owner           string // the API key id that owns the room
	MaxParticipants int
	EmptyTimeout    time.Duration
}

// Info is a room's public state.
type Info struct {
	Name            string    `json:"name"`
	MaxParticipants int       `json:"max_participants"`
	EmptyTimeout    int64     `json:"empty_timeout"` // seconds
	CreatedAt       time.Time `json:"created_at"`
	NumParticipants int       `json:"num_participants"`
	Owner           string    `json:"-"`
}

// Config configures a Manager.
type Config struct {
	AutoCreate             bool
	DefaultMaxParticipants int
	DefaultEmptyTimeout    time.Duration
	MaxRooms               int
	Logger                 *slog.Logger
	Now                    func() time.Time
	// OnCreate and OnClose are told when a room is created and when it
	// closes (empty timeout or deletion, not shutdown), so the caller can
	// keep persistent storage in step. They must not call back into the
	// Manager.
	OnCreate func(Info)
	OnClose  func(name string)
}

// Manager holds every room on this node.
type Manager struct {
	cfg   Config
	mu    sync.Mutex
	rooms map[string]*Room
}

// NewManager returns an empty Manager.
func NewManager(cfg Config) *Manager {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.DefaultMaxParticipants <= 0 {
		cfg.DefaultMaxParticipants = 100
	}
	if cfg.DefaultEmptyTimeout <= 0 {
		cfg.DefaultEmptyTimeout = 5 * time.Minute
	}
	if cfg.MaxRooms <= 0 {
		cfg.MaxRooms = 1000
	}
	return &Manager{cfg: cfg, rooms: make(map[string]*Room)}
}

// Restore re-creates a room remembered from before a restart, without
// telling OnCreate; its empty timer starts now.
func (m *Manager) Restore(s Spec, createdAt time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.rooms[s.Name]; ok {
		return ErrRoomExists
	}
	onCreate := m.cfg.OnCreate
	m.cfg.OnCreate = nil
	r, err := m.createLocked(s)
	m.cfg.OnCreate = onCreate
	if err == nil {
		r.createdAt = createdAt
	}
	return err
}

// Create makes a new room.
func (m *Manager) Create(s Spec) (Info, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.rooms[s.Name]; ok {
		return Info{}, ErrRoomExists
	}
	r, err := m.createLocked(s)
	if err != nil {
		return Info{}, err
	}
	return r.Info(), nil
}

func (m *Manager) createLocked(s Spec) (*Room, error) {
	if len(m.rooms) >= m.cfg.MaxRooms {
		return nil, ErrTooManyRooms
	}
	if s.MaxParticipants <= 0 {
		s.MaxParticipants = m.cfg.DefaultMaxParticipants
	}
	if s.EmptyTimeout <= 0 {
		s.EmptyTimeout = m.cfg.DefaultEmptyTimeout
	}
	r := &Room{
		spec:         s,
		manager:      m,
		createdAt:    m.cfg.Now(),
		participants: make(map[string]*Participant),
		identities:   make(map[string]*Participant),
	}
	m.rooms[s.Name] = r
	r.armEmptyTimer()
	if m.cfg.OnCreate != nil {
		m.cfg.OnCreate(r.Info())
	}
	return r, nil
}

// Get returns a room's state.
func (m *Manager) Get(name string) (Info, error) {
	r, err := m.room(name)
	if err != nil {
		return Info{}, err
	}
	return r.Info(), nil
}

func (m *Manager) room(name string) (*Room, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.rooms[name]
	if !ok {
		return nil, ErrRoomNotFound
	}
	return r, nil
}

// List returns the rooms owned by owner ("" for all), sorted by name.
func (m *Manager) List(owner string) []Info {
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

// Delete ends a room: every participant is told and disconnected.
func (m *Manager) Delete(name, reason string) error {
	m.mu.Lock()
	r, ok := m.rooms[name]
	if ok {
		delete(m.rooms, name)
	}
	m.mu.Unlock()
	if !ok {
		return ErrRoomNotFound
	}
	r.close(reason)
	if m.cfg.OnClose != nil {
		m.cfg.OnClose(name)
	}
	return nil
}

// deleteIfEmpty removes r if it is still this manager's room of that name
// and still empty; checked under both locks so a join cannot slip in.
func (m *Manager) deleteIfEmpty(r *Room) bool {
	m.mu.Lock()
	r.mu.Lock()
	ok := m.rooms[r.spec.Name] == r && len(r.participants) == 0 && !r.closed
	if ok {
		delete(m.rooms, r.spec.Name)
		r.closed = true
	}
	r.mu.Unlock()
	m.mu.Unlock()
	if ok && m.cfg.OnClose != nil {
		m.cfg.OnClose(r.spec.Name)
	}
	return ok
}

// CloseAll ends every room, for shutdown.
func (m *Manager) CloseAll(reason string) {
	m.mu.Lock()
	rooms := m.rooms
	m.rooms = make(map[string]*Room)
	m.mu.Unlock()
	for _, r := range rooms {
		r.close(reason)
	}
}

// JoinRequest is an authorized request to enter a room.
type JoinRequest struct {
	Room        string
	Owner       string // the API key id that signed the join token
	Identity    string
	Name        string
	Permissions Permissions
	Sink        Sink
}

// Join adds a participant, creating the room if allowed. A second live
// connection with the same identity is refused with ErrIdentityInUse.
func (m *Manager) Join(req JoinRequest) (*Participant, error) {
	m.mu.Lock()
	r, ok := m.rooms[req.Room]
	if !ok {
		if !m.cfg.AutoCreate {
			m.mu.Unlock()
			return nil, ErrRoomNotFound
		}
		var err error
		if r, err = m.createLocked(Spec{Name: req.Room, Owner: req.Owner}); err != nil {
			m.mu.Unlock()
			return nil, err
		}
	}
	m.mu.Unlock()
	if r.spec.Owner != req.Owner {
		return nil, ErrNotOwner
	}
	return r.join(req)
}

// Room is one meeting.
type Room struct {
	spec      Spec
	manager   *Manager
	createdAt time.Time

	mu           sync.Mutex
	closed       bool
	participants map[string]*Participant // by participant id
	identities   map[string]*Participant
	emptyTimer   *time.Timer
}

// Info returns the room's state.
func (r *Room) Info() Info {
	r.mu.Lock()
	defer r.mu.Unlock()
	return Info{
		Name:            r.spec.Name,
		MaxParticipants: r.spec.MaxParticipants,
		EmptyTimeout:    int64(r.spec.EmptyTimeout / time.Second),
		CreatedAt:       r.createdAt,
		NumParticipants: len(r.participants),
		Owner:           r.spec.Owner,
	}
}

// armEmptyTimer closes the room once it has been empty for its timeout.
// Called with r.mu held or before r is shared.
func (r *Room) armEmptyTimer() {
	if r.emptyTimer != nil {
		r.emptyTimer.Stop()
	}
	r.emptyTimer = time.AfterFunc(r.spec.EmptyTimeout, func() {
		r.mu.Lock()
		empty := len(r.participants) == 0 && !r.closed
		r.mu.Unlock()
		if !empty {
			return
		}
		if r.manager.deleteIfEmpty(r) {
			r.manager.cfg.Logger.Info("room closed after empty timeout", "room", r.spec.Name)
		}
	})
}

func (r *Room) join(req JoinRequest) (*Participant, error) {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil, ErrRoomClosed
	}
	if _, ok := r.identities[req.Identity]; ok {
		r.mu.Unlock()
		return nil, ErrIdentityInUse
	}
	if len(r.participants) >= r.spec.MaxParticipants {
		r.mu.Unlock()
		return nil, ErrRoomFull
	}
	p := &Participant{
		room: r,
		sink: req.Sink,
		info: ParticipantInfo{
			ID:          newID("PA_"),
			Identity:    req.Identity,
			Name:        req.Name,
			JoinedAt:    r.manager.cfg.Now().Unix(),
			Permissions: req.Permissions,
			Tracks:      []TrackInfo{},
		},
		tracks:  make(map[string]*publication),
		pending: make(map[string]TrackInfo),
	}
	r.participants[p.info.ID] = p
	r.identities[req.Identity] = p
	if r.emptyTimer != nil {
		r.emptyTimer.Stop()
	}
	info := p.info
	others := r.participantsLocked()
	for i, o := range others {
		if o.ID == info.ID {
			others = append(others[:i], others[i+1:]...)
			break
		}
	}
	p.sink.Joined(info, others)
	for _, o := range r.participants {
		if o != p {
			o.sink.ParticipantJoined(info)
		}
	}
	r.mu.Unlock()
	return p, nil
}

// Participants returns every participant's state, by join time.
func (r *Room) Participants() []ParticipantInfo {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.participantsLocked()
}

func (r *Room) participantsLocked() []ParticipantInfo {
	out := make([]ParticipantInfo, 0, len(r.participants))
	for _, p := range r.participants {
		out = append(out, p.infoLocked())
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].JoinedAt != out[j].JoinedAt {
			return out[i].JoinedAt < out[j].JoinedAt
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// Participants lists a room's participants.
func (m *Manager) Participants(name string) ([]ParticipantInfo, error) {
	r, err := m.room(name)
	if err != nil {
		return nil, err
	}
	return r.Participants(), nil
}

// Remove disconnects the participant with identity from room name.
func (m *Manager) Remove(name, identity, reason string) error {
	r, err := m.room(name)
	if err != nil {
		return err
	}
	r.mu.Lock()
	p, ok := r.identities[identity]
	r.mu.Unlock()
	if !ok {
		return ErrUnknownParticipant
	}
	p.sink.Close(reason)
	p.Leave(reason)
	return nil
}

// MuteTrack mutes (or unmutes) a participant's published track on behalf of
// a room admin: the server stops forwarding it and tells the publisher.
func (m *Manager) MuteTrack(name, identity, trackID string, muted bool) (TrackInfo, error) {
	r, err := m.room(name)
	if err != nil {
		return TrackInfo{}, err
	}
	r.mu.Lock()
	p, ok := r.identities[identity]
	r.mu.Unlock()
	if !ok {
		return TrackInfo{}, ErrUnknownParticipant
	}
	t, err := p.setMuted(trackID, muted)
	if err != nil {
		return TrackInfo{}, err
	}
	p.sink.MuteRequested(trackID, muted)
	return t, nil
}

func (r *Room) close(reason string) {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return
	}
	r.closed = true
	if r.emptyTimer != nil {
		r.emptyTimer.Stop()
	}
	ps := make([]*Participant, 0, len(r.participants))
	for _, p := range r.participants {
		ps = append(ps, p)
	}
	r.mu.Unlock()
	for _, p := range ps {
		p.sink.Close(reason)
		p.Leave(reason)
	}
}

func newID(prefix string) string {
	var b [10]byte
	_, _ = rand.Read(b[:])
	return prefix + strings.TrimRight(base32.StdEncoding.EncodeToString(b[:]), "=")
}
