package room_test

import (
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/internal/sfu"
)

// event is one call a fakeSink received.
type event struct {
	kind    string // the Sink method's name
	self    room.ParticipantInfo
	others  []room.ParticipantInfo
	id      string // participant id (ParticipantJoined/Left/Updated, Track*) or sender (Data)
	track   room.TrackInfo
	trackID string
	reason  string
	topic   string
	payload string
	muted   bool
}

// fakeSink records every call, safely from any goroutine.
type fakeSink struct {
	mu     sync.Mutex
	events []event
}

func (s *fakeSink) add(e event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.events = append(s.events, e)
}

func (s *fakeSink) Joined(self room.ParticipantInfo, others []room.ParticipantInfo) {
	s.add(event{kind: "Joined", self: self, others: others})
}
func (s *fakeSink) ParticipantJoined(p room.ParticipantInfo) {
	s.add(event{kind: "ParticipantJoined", self: p, id: p.ID})
}
func (s *fakeSink) ParticipantLeft(id, reason string) {
	s.add(event{kind: "ParticipantLeft", id: id, reason: reason})
}
func (s *fakeSink) ParticipantUpdated(p room.ParticipantInfo) {
	s.add(event{kind: "ParticipantUpdated", self: p, id: p.ID})
}
func (s *fakeSink) TrackPublished(pid string, t room.TrackInfo) {
	s.add(event{kind: "TrackPublished", id: pid, track: t, trackID: t.ID})
}
func (s *fakeSink) TrackUnpublished(pid, trackID string) {
	s.add(event{kind: "TrackUnpublished", id: pid, trackID: trackID})
}
func (s *fakeSink) Data(from, topic string, payload []byte) {
	s.add(event{kind: "Data", id: from, topic: topic, payload: string(payload)})
}
func (s *fakeSink) MuteRequested(trackID string, muted bool) {
	s.add(event{kind: "MuteRequested", trackID: trackID, muted: muted})
}
func (s *fakeSink) Close(reason string) { s.add(event{kind: "Close", reason: reason}) }

func (s *fakeSink) all() []event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.events)
}

// of returns the recorded events of one kind.
func (s *fakeSink) of(kind string) []event {
	var out []event
	for _, e := range s.all() {
		if e.kind == kind {
			out = append(out, e)
		}
	}
	return out
}

func (s *fakeSink) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.events = nil
}

// fakeMedia records what the room asks a participant's media layer to do.
type fakeMedia struct {
	mu           sync.Mutex
	subscribed   []*sfu.Receiver
	unsubscribed []string
}

func (m *fakeMedia) Subscribe(r *sfu.Receiver) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.subscribed = append(m.subscribed, r)
	return nil
}

func (m *fakeMedia) Unsubscribe(trackID string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.unsubscribed = append(m.unsubscribed, trackID)
}

func (m *fakeMedia) SetTrackMuted(string, bool) bool { return true }

func (m *fakeMedia) subs() []*sfu.Receiver {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.subscribed)
}

func (m *fakeMedia) unsubs() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.unsubscribed)
}

const owner = "CKOWNER0000000"

var (
	allPerms   = room.Permissions{Publish: true, Subscribe: true, PublishData: true}
	subOnly    = room.Permissions{Subscribe: true}
	noSubPerms = room.Permissions{Publish: true, PublishData: true}
)

func newManager(t *testing.T, cfg room.Config) *room.Manager {
	t.Helper()
	m := room.NewManager(cfg)
	t.Cleanup(func() { m.CloseAll("test_end") })
	return m
}

func join(t *testing.T, m *room.Manager, roomName, identity string, perms room.Permissions) (*room.Participant, *fakeSink) {
	t.Helper()
	s := &fakeSink{}
	p, err := m.Join(room.JoinRequest{Room: roomName, Owner: owner, Identity: identity, Name: strings.ToUpper(identity), Permissions: perms, Sink: s})
	if err != nil {
		t.Fatalf("join %s to %s: %v", identity, roomName, err)
	}
	return p, s
}

func newReceiver(id string, kind webrtc.RTPCodecType) *sfu.Receiver {
	return sfu.NewReceiver(sfu.ReceiverConfig{TrackID: id, Kind: kind})
}

func publish(t *testing.T, p *room.Participant, id, cid string, kind room.TrackKind) (room.TrackInfo, *sfu.Receiver) {
	t.Helper()
	ck, mime := webrtc.RTPCodecTypeVideo, "video/VP8"
	if kind == room.KindAudio {
		ck, mime = webrtc.RTPCodecTypeAudio, "audio/opus"
	}
	recv := newReceiver(id, ck)
	info, err := p.Publish(id, cid, kind, mime, recv)
	if err != nil {
		t.Fatalf("publish %s: %v", id, err)
	}
	return info, recv
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func kinds(es []event) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.kind
	}
	return out
}

func TestJoinTellsJoinerFirstThenOthers(t *testing.T) {
	m := newManager(t, room.Config{AutoCreate: true})
	alice, as := join(t, m, "r", "alice", allPerms)

	got := as.all()
	if len(got) != 1 || got[0].kind != "Joined" {
		t.Fatalf("alice's events = %v, want [Joined]", kinds(got))
	}
	if got[0].self.ID != alice.ID() || got[0].self.Identity != "alice" || got[0].self.Name != "ALICE" ||
		got[0].self.Permissions != allPerms || len(got[0].others) != 0 {
		t.Fatalf("alice's Joined = %+v", got[0])
	}
	if !strings.HasPrefix(alice.ID(), "PA_") || alice.RoomName() != "r" {
		t.Fatalf("id %q room %q", alice.ID(), alice.RoomName())
	}

	bob, bs := join(t, m, "r", "bob", subOnly)
	got = bs.all()
	if len(got) != 1 || got[0].kind != "Joined" {
		t.Fatalf("bob's events = %v, want [Joined] only", kinds(got))
	}
	if got[0].self.ID != bob.ID() || len(got[0].others) != 1 || got[0].others[0].ID != alice.ID() {
		t.Fatalf("bob's Joined: self %+v others %+v", got[0].self, got[0].others)
	}
	pj := as.of("ParticipantJoined")
	if len(pj) != 1 || pj[0].id != bob.ID() || pj[0].self.Identity != "bob" {
		t.Fatalf("alice's ParticipantJoined = %+v, want one for bob", pj)
	}
	if ids := idsOf(alice.Others()); !slices.Equal(ids, []string{bob.ID()}) {
		t.Fatalf("alice.Others() = %v", ids)
	}
}

func idsOf(ps []room.ParticipantInfo) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}

func TestJoinRefusals(t *testing.T) {
	for _, tt := range []struct {
		name  string
		cfg   room.Config
		setup func(t *testing.T, m *room.Manager)
		req   room.JoinRequest
		want  error
	}{
		{
			name:  "identity in use",
			cfg:   room.Config{AutoCreate: true},
			setup: func(t *testing.T, m *room.Manager) { join(t, m, "r", "alice", allPerms) },
			req:   room.JoinRequest{Room: "r", Owner: owner, Identity: "alice"},
			want:  room.ErrIdentityInUse,
		},
		{
			name: "room full",
			setup: func(t *testing.T, m *room.Manager) {
				if _, err := m.Create(room.Spec{Name: "r", Owner: owner, MaxParticipants: 1}); err != nil {
					t.Fatal(err)
				}
				join(t, m, "r", "alice", allPerms)
			},
			req:  room.JoinRequest{Room: "r", Owner: owner, Identity: "bob"},
			want: room.ErrRoomFull,
		},
		{
			name:  "no auto-create",
			cfg:   room.Config{AutoCreate: false},
			setup: func(*testing.T, *room.Manager) {},
			req:   room.JoinRequest{Room: "r", Owner: owner, Identity: "bob"},
			want:  room.ErrRoomNotFound,
		},
		{
			name: "another owner",
			cfg:  room.Config{AutoCreate: true},
			setup: func(t *testing.T, m *room.Manager) {
				if _, err := m.Create(room.Spec{Name: "r", Owner: owner}); err != nil {
					t.Fatal(err)
				}
			},
			req:  room.JoinRequest{Room: "r", Owner: "CKOTHER0000000", Identity: "bob"},
			want: room.ErrNotOwner,
		},
		{
			name: "too many rooms",
			cfg:  room.Config{AutoCreate: true, MaxRooms: 1},
			setup: func(t *testing.T, m *room.Manager) {
				if _, err := m.Create(room.Spec{Name: "other", Owner: owner}); err != nil {
					t.Fatal(err)
				}
			},
			req:  room.JoinRequest{Room: "r", Owner: owner, Identity: "bob"},
			want: room.ErrTooManyRooms,
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := newManager(t, tt.cfg)
			tt.setup(t, m)
			before, _ := m.Participants("r")
			sink := &fakeSink{}
			tt.req.Sink = sink
			p, err := m.Join(tt.req)
			if !errors.Is(err, tt.want) || p != nil {
				t.Fatalf("Join = %v, %v; want %v", p, err, tt.want)
			}
			if ev := sink.all(); len(ev) != 0 {
				t.Errorf("refused joiner's sink got %v", kinds(ev))
			}
			after, _ := m.Participants("r")
			if !slices.Equal(idsOf(before), idsOf(after)) {
				t.Errorf("participants changed: %v -> %v", idsOf(before), idsOf(after))
			}
			if tt.want == room.ErrRoomNotFound || tt.want == room.ErrTooManyRooms {
				if _, err := m.Get("r"); !errors.Is(err, room.ErrRoomNotFound) {
					t.Errorf("room created by a refused join: %v", err)
				}
			}
		})
	}
}

func TestJoinSameIdentityLeavesFirstUntouched(t *testing.T) {
	m := newManager(t, room.Config{AutoCreate: true})
	alice, as := join(t, m, "r", "alice", allPerms)
	_, bs := join(t, m, "r", "bob", allPerms)
	as.reset()
	bs.reset()

	if _, err := m.Join(room.JoinRequest{Room: "r", Owner: owner, Identity: "alice", Sink: &fakeSink{}}); !errors.Is(err, room.ErrIdentityInUse) {
		t.Fatalf("second alice: %v", err)
	}
	if ev := as.all(); len(ev) != 0 {
		t.Fatalf("first alice was told %v", kinds(ev))
	}
	if ev := bs.all(); len(ev) != 0 {
		t.Fatalf("bob was told %v about a refused join", kinds(ev))
	}
	// The first connection still works.
	if err := alice.SendData(nil, "t", []byte("still here")); err != nil {
		t.Fatal(err)
	}
	if d := bs.of("Data"); len(d) != 1 || d[0].id != alice.ID() {
		t.Fatalf("bob's data = %+v", d)
	}
}

func TestLeave(t *testing.T) {
	m := newManager(t, room.Config{AutoCreate: true})
	alice, as := join(t, m, "r", "alice", allPerms)
	bob, bs := join(t, m, "r", "bob", subOnly)
	bm := &fakeMedia{}
	bob.AttachMedia(bm)
	publish(t, alice, "TR_CAM", "cam", room.KindVideo)
	publish(t, alice, "TR_MIC", "mic", room.KindAudio)
	as.reset()
	bs.reset()

	alice.Leave("disconnected")
	pl := bs.of("ParticipantLeft")
	if len(pl) != 1 || pl[0].id != alice.ID() || pl[0].reason != "disconnected" {
		t.Fatalf("bob's ParticipantLeft = %+v", pl)
	}
	un := bm.unsubs()
	slices.Sort(un)
	if !slices.Equal(un, []string{"TR_CAM", "TR_MIC"}) {
		t.Fatalf("bob unsubscribed from %v, want both of alice's tracks", un)
	}
	if len(as.all()) != 0 {
		t.Fatalf("the leaver was told %v", kinds(as.all()))
	}
	if ps, _ := m.Participants("r"); !slices.Equal(idsOf(ps), []string{bob.ID()}) {
		t.Fatalf("participants after leave = %v", idsOf(ps))
	}
	if _, err := alice.Publish("TR_X", "x", room.KindVideo, "video/VP8", newReceiver("TR_X", webrtc.RTPCodecTypeVideo)); err == nil {
		t.Fatal("a participant that left could publish")
	}

	// Idempotent: a second Leave tells nobody anything.
	alice.Leave("again")
	if len(bs.of("ParticipantLeft")) != 1 || len(bm.unsubs()) != 2 {
		t.Fatalf("second Leave had effects: %v %v", kinds(bs.all()), bm.unsubs())
	}

	// The identity is free again.
	join(t, m, "r", "alice", allPerms)
}

func TestRemove(t *testing.T) {
	m := newManager(t, room.Config{AutoCreate: true})
	alice, as := join(t, m, "r", "alice", allPerms)
	bob, bs := join(t, m, "r", "bob", allPerms)
	as.reset()
	bs.reset()

	if err := m.Remove("r", "bob", "removed"); err != nil {
		t.Fatal(err)
	}
	if c := bs.of("Close"); len(c) != 1 || c[0].reason != "removed" {
		t.Fatalf("bob's Close = %+v", c)
	}
	if pl := as.of("ParticipantLeft"); len(pl) != 1 || pl[0].id != bob.ID() || pl[0].reason != "removed" {
		t.Fatalf("alice's ParticipantLeft = %+v", pl)
	}
	if ps, _ := m.Participants("r"); !slices.Equal(idsOf(ps), []string{alice.ID()}) {
		t.Fatalf("participants = %v", idsOf(ps))
	}
	if err := m.Remove("r", "bob", "removed"); !errors.Is(err, room.ErrUnknownParticipant) {
		t.Fatalf("remove twice: %v", err)
	}
	if err := m.Remove("nope", "alice", "removed"); !errors.Is(err, room.ErrRoomNotFound) {
		t.Fatalf("remove from unknown room: %v", err)
	}
	if len(as.of("Close")) != 0 {
		t.Fatal("alice was closed")
	}
}

// closeLog records OnClose calls.
type closeLog struct {
	mu    sync.Mutex
	names []string
}

func (c *closeLog) add(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.names = append(c.names, name)
}

func (c *closeLog) get() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.names)
}

func TestDelete(t *testing.T) {
	closed := &closeLog{}
	m := newManager(t, room.Config{AutoCreate: true, OnClose: closed.add})
	alice, as := join(t, m, "r", "alice", allPerms)
	_, bs := join(t, m, "r", "bob", allPerms)
	_, olgaSink := join(t, m, "other", "olga", allPerms)

	if err := m.Delete("r", "room_deleted"); err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]*fakeSink{"alice": as, "bob": bs} {
		if c := s.of("Close"); len(c) != 1 || c[0].reason != "room_deleted" {
			t.Errorf("%s's Close = %+v", name, c)
		}
	}
	if len(olgaSink.of("Close")) != 0 {
		t.Error("a participant of another room was closed")
	}
	if _, err := m.Get("r"); !errors.Is(err, room.ErrRoomNotFound) {
		t.Fatalf("Get after delete: %v", err)
	}
	if got := closed.get(); !slices.Equal(got, []string{"r"}) {
		t.Fatalf("OnClose calls = %v", got)
	}
	if err := m.Delete("r", "room_deleted"); !errors.Is(err, room.ErrRoomNotFound) {
		t.Fatalf("delete twice: %v", err)
	}
	if _, err := alice.Publish("TR_X", "x", room.KindVideo, "video/VP8", newReceiver("TR_X", webrtc.RTPCodecTypeVideo)); err == nil {
		t.Fatal("publish in a deleted room succeeded")
	}
	if rooms, ps, _, _ := m.Counts(); rooms != 1 || ps != 1 {
		t.Fatalf("counts after delete: %d rooms, %d participants", rooms, ps)
	}
}

func TestEmptyTimeout(t *testing.T) {
	const timeout = 50 * time.Millisecond
	closed := &closeLog{}
	m := newManager(t, room.Config{AutoCreate: true, DefaultEmptyTimeout: time.Hour, OnClose: closed.add})
	for _, name := range []string{"idle", "busy", "left"} {
		if _, err := m.Create(room.Spec{Name: name, Owner: owner, EmptyTimeout: timeout}); err != nil {
			t.Fatal(err)
		}
	}
	_, busySink := join(t, m, "busy", "alice", allPerms)
	leaver, _ := join(t, m, "left", "bob", allPerms)
	leaver.Leave("bye")

	// A room nobody joined closes, and so does one that became empty.
	waitFor(t, "idle and left to close", func() bool {
		_, e1 := m.Get("idle")
		_, e2 := m.Get("left")
		return errors.Is(e1, room.ErrRoomNotFound) && errors.Is(e2, room.ErrRoomNotFound)
	})
	got := closed.get()
	slices.Sort(got)
	if !slices.Equal(got, []string{"idle", "left"}) {
		t.Fatalf("OnClose calls = %v", got)
	}
	// Several timeouts later the occupied room is still there.
	time.Sleep(4 * timeout)
	if info, err := m.Get("busy"); err != nil || info.NumParticipants != 1 {
		t.Fatalf("occupied room: %+v, %v", info, err)
	}
	if len(busySink.of("Close")) != 0 {
		t.Fatal("occupant of a non-empty room was closed")
	}
}

func TestCreateListCounts(t *testing.T) {
	var (
		mu      sync.Mutex
		created []room.Info
	)
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	m := newManager(t, room.Config{
		DefaultMaxParticipants: 7, DefaultEmptyTimeout: 90 * time.Second,
		Now:      func() time.Time { return now },
		OnCreate: func(i room.Info) { mu.Lock(); created = append(created, i); mu.Unlock() },
	})
	for _, s := range []room.Spec{
		{Name: "zulu", Owner: owner},
		{Name: "alpha", Owner: owner, MaxParticipants: 3, EmptyTimeout: 10 * time.Second},
		{Name: "mike", Owner: "CKOTHER0000000"},
	} {
		if _, err := m.Create(s); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := m.Create(room.Spec{Name: "zulu", Owner: "CKOTHER0000000"}); !errors.Is(err, room.ErrRoomExists) {
		t.Fatalf("duplicate create: %v", err)
	}
	zulu, err := m.Get("zulu")
	if err != nil {
		t.Fatal(err)
	}
	want := room.Info{Name: "zulu", MaxParticipants: 7, EmptyTimeout: 90, CreatedAt: now, Owner: owner}
	if zulu != want {
		t.Fatalf("defaults: %+v, want %+v", zulu, want)
	}
	if len(created) != 3 {
		t.Fatalf("OnCreate called %d times", len(created))
	}

	names := func(is []room.Info) []string {
		out := []string{}
		for _, i := range is {
			out = append(out, i.Name)
		}
		return out
	}
	if got := names(m.List(owner)); !slices.Equal(got, []string{"alpha", "zulu"}) {
		t.Fatalf("List(owner) = %v", got)
	}
	if got := names(m.List("")); !slices.Equal(got, []string{"alpha", "mike", "zulu"}) {
		t.Fatalf("List(all) = %v", got)
	}

	// Counts: 3 rooms, 3 participants, 2 tracks; the fake media layer binds
	// no down-tracks, so there are no subscriptions.
	m2 := newManager(t, room.Config{AutoCreate: true})
	a, _ := join(t, m2, "one", "alice", allPerms)
	b, _ := join(t, m2, "one", "bob", allPerms)
	join(t, m2, "two", "carol", allPerms)
	b.AttachMedia(&fakeMedia{})
	publish(t, a, "TR_1", "c1", room.KindVideo)
	publish(t, a, "TR_2", "c2", room.KindAudio)
	if r, p, tr, s := m2.Counts(); r != 2 || p != 3 || tr != 2 || s != 0 {
		t.Fatalf("Counts = %d rooms %d participants %d tracks %d subscriptions; want 2 3 2 0", r, p, tr, s)
	}
	a.Leave("bye")
	if r, p, tr, _ := m2.Counts(); r != 2 || p != 2 || tr != 0 {
		t.Fatalf("Counts after leave = %d %d %d; want 2 2 0", r, p, tr)
	}
}

func TestRestore(t *testing.T) {
	calls := 0 // OnCreate runs synchronously inside Create and Restore
	m := newManager(t, room.Config{AutoCreate: true, MaxRooms: 2, OnCreate: func(room.Info) { calls++ }})
	createdAt := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	spec := room.Spec{Name: "kept", Owner: owner, MaxParticipants: 5, EmptyTimeout: time.Hour}
	if err := m.Restore(spec, createdAt); err != nil {
		t.Fatal(err)
	}
	info, err := m.Get("kept")
	if err != nil {
		t.Fatal(err)
	}
	if want := (room.Info{Name: "kept", MaxParticipants: 5, EmptyTimeout: 3600, CreatedAt: createdAt, Owner: owner}); info != want {
		t.Fatalf("restored %+v, want %+v", info, want)
	}
	if calls != 0 {
		t.Fatal("Restore told OnCreate")
	}
	if err := m.Restore(spec, createdAt); !errors.Is(err, room.ErrRoomExists) {
		t.Fatalf("restore twice: %v", err)
	}
	// The restored room keeps its owner; OnCreate still works afterwards.
	if _, err := m.Join(room.JoinRequest{Room: "kept", Owner: "CKOTHER0000000", Identity: "x", Sink: &fakeSink{}}); !errors.Is(err, room.ErrNotOwner) {
		t.Fatalf("join by another key: %v", err)
	}
	if _, err := m.Create(room.Spec{Name: "new", Owner: owner}); err != nil || calls != 1 {
		t.Fatalf("create after restore: %v, OnCreate calls %d", err, calls)
	}
	if err := m.Restore(room.Spec{Name: "third", Owner: owner}, createdAt); !errors.Is(err, room.ErrTooManyRooms) {
		t.Fatalf("restore over MaxRooms: %v", err)
	}
}
