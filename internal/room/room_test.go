package room_test

import (
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/pion/webrtc/v4"

	"github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/internal/sfu"
	"github.com/conclave-video/conclave/token"
)

// recorder is a Listener that records every Event, safely from any
// goroutine.
type recorder struct {
	mu     sync.Mutex
	events []room.Event
}

func (r *recorder) OnEvent(e room.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

func (r *recorder) all() []room.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.events)
}

// of returns the recorded events of one kind.
func (r *recorder) of(kind room.EventKind) []room.Event {
	var out []room.Event
	for _, e := range r.all() {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

func (r *recorder) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = nil
}

// subscribe records every event m emits from now on.
func subscribe(t *testing.T, m *room.Manager) *recorder {
	t.Helper()
	rec := &recorder{}
	t.Cleanup(m.Subscribe(rec))
	return rec
}

func kinds(es []room.Event) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Kind.String()
	}
	return out
}

// fakeMedia records what the room asks a participant's media layer to do.
type fakeMedia struct {
	mu           sync.Mutex
	subscribed   []*sfu.Receiver
	calls        int // Subscribe calls: one per negotiation
	unsubscribed []string
}

func (m *fakeMedia) Subscribe(rs ...*sfu.Receiver) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.subscribed = append(m.subscribed, rs...)
	m.calls++
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

const (
	owner      room.KeyID = "CKOWNER0000000"
	otherOwner room.KeyID = "CKOTHER0000000"
)

// Join tokens' grants, and the permissions they give.
var (
	allGrants  = token.Grants{Publish: true, Subscribe: true, PublishData: true}
	subOnly    = token.Grants{Subscribe: true}
	noSubPerms = token.Grants{Publish: true, PublishData: true}

	allPerms = room.RoleParticipant.Permissions()
)

// claims are a join token's verified claims: identity, display name (the
// identity upper-cased) and grants, for roomName, signed by owner.
func claims(roomName, identity string, g token.Grants) *token.Claims {
	return claimsBy(owner, roomName, identity, g)
}

func claimsBy(key room.KeyID, roomName, identity string, g token.Grants) *token.Claims {
	return &token.Claims{
		RegisteredClaims: jwt.RegisteredClaims{Issuer: string(key), Subject: identity},
		Room:             roomName,
		Name:             strings.ToUpper(identity),
		Grants:           g,
	}
}

func newManager(t *testing.T, cfg room.Config) *room.Manager {
	t.Helper()
	if cfg.Access == nil {
		cfg.Access = newMemAccess(time.Now)
	}
	m := room.NewManager(cfg)
	t.Cleanup(func() { m.CloseAll("test_end") })
	return m
}

func join(t *testing.T, m *room.Manager, roomName, identity string, g token.Grants) (*room.Participant, *recorder) {
	t.Helper()
	rec := &recorder{}
	mem, d, err := m.Join(room.JoinRequest{Claims: claims(roomName, identity, g), Listener: rec})
	if err != nil {
		t.Fatalf("join %s to %s: %v", identity, roomName, err)
	}
	if d.Outcome != room.Admitted {
		t.Fatalf("join %s to %s: joined with decision %+v", identity, roomName, d)
	}
	return mem.(*room.Participant), rec
}

func newReceiver(id string, kind webrtc.RTPCodecType) *sfu.Receiver {
	return sfu.NewReceiver(sfu.ReceiverConfig{TrackID: id, Kind: kind})
}

func publish(t *testing.T, p *room.Participant, id room.TrackID, cid string, kind room.TrackKind) (room.TrackInfo, *sfu.Receiver) {
	t.Helper()
	ck, mime := webrtc.RTPCodecTypeVideo, "video/VP8"
	if kind == room.KindAudio {
		ck, mime = webrtc.RTPCodecTypeAudio, "audio/opus"
	}
	recv := newReceiver(string(id), ck)
	info, err := p.Publish(id, cid, kind, mime, recv)
	if err != nil {
		t.Fatalf("publish %s: %v", id, err)
	}
	return info, recv
}

func idsOf(ps []room.ParticipantInfo) []room.ParticipantID {
	out := make([]room.ParticipantID, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}

func roomsOf(es []room.Event) []room.RoomName {
	out := make([]room.RoomName, len(es))
	for i, e := range es {
		out[i] = e.Room
	}
	return out
}

func TestJoinTellsJoinerFirstThenOthers(t *testing.T) {
	m := newManager(t, room.Config{AutoCreate: true})
	alice, as := join(t, m, "r", "alice", allGrants)

	got := as.all()
	if len(got) != 1 || got[0].Kind != room.EventJoined {
		t.Fatalf("alice's events = %v, want [joined]", kinds(got))
	}
	if self := got[0].Participant; self.ID != alice.ID() || self.Identity != "alice" || self.Name != "ALICE" ||
		self.Role != room.RoleParticipant || self.Permissions != allPerms || len(got[0].Others) != 0 || got[0].Room != "r" {
		t.Fatalf("alice's Joined = %+v", got[0])
	}
	if !strings.HasPrefix(string(alice.ID()), "PA_") || alice.RoomName() != "r" {
		t.Fatalf("id %q room %q", alice.ID(), alice.RoomName())
	}

	bob, bs := join(t, m, "r", "bob", subOnly)
	got = bs.all()
	if len(got) != 1 || got[0].Kind != room.EventJoined {
		t.Fatalf("bob's events = %v, want [joined] only", kinds(got))
	}
	if got[0].Participant.ID != bob.ID() || len(got[0].Others) != 1 || got[0].Others[0].ID != alice.ID() {
		t.Fatalf("bob's Joined: self %+v others %+v", got[0].Participant, got[0].Others)
	}
	// Alice hears of bob: her second event, with no Others.
	got = as.all()
	if len(got) != 2 || got[1].Kind != room.EventJoined || got[1].Participant.ID != bob.ID() ||
		got[1].Participant.Identity != "bob" || got[1].Others != nil {
		t.Fatalf("alice's events = %+v, want her own joined, then one for bob", got)
	}
	if ids := idsOf(alice.Others()); !slices.Equal(ids, []room.ParticipantID{bob.ID()}) {
		t.Fatalf("alice.Others() = %v", ids)
	}
}

func TestJoinRefusals(t *testing.T) {
	for _, tt := range []struct {
		name  string
		cfg   room.Config
		setup func(t *testing.T, m *room.Manager)
		req   *token.Claims
		want  error
	}{
		{
			name:  "identity in use",
			cfg:   room.Config{AutoCreate: true},
			setup: func(t *testing.T, m *room.Manager) { join(t, m, "r", "alice", allGrants) },
			req:   claims("r", "alice", allGrants),
			want:  room.ErrIdentityInUse,
		},
		{
			name: "room full",
			setup: func(t *testing.T, m *room.Manager) {
				if _, err := m.Create(room.Spec{Name: "r", Owner: owner, MaxParticipants: 1}); err != nil {
					t.Fatal(err)
				}
				join(t, m, "r", "alice", allGrants)
			},
			req:  claims("r", "bob", allGrants),
			want: room.ErrRoomFull,
		},
		{
			name:  "no auto-create",
			cfg:   room.Config{AutoCreate: false},
			setup: func(*testing.T, *room.Manager) {},
			req:   claims("r", "bob", allGrants),
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
			req:  claimsBy(otherOwner, "r", "bob", allGrants),
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
			req:  claims("r", "bob", allGrants),
			want: room.ErrTooManyRooms,
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := newManager(t, tt.cfg)
			tt.setup(t, m)
			before, _ := m.Participants("r", owner)
			rec := &recorder{}
			p, d, err := m.Join(room.JoinRequest{Claims: tt.req, Listener: rec})
			if !errors.Is(err, tt.want) || p != nil {
				t.Fatalf("Join = %v, %v; want %v", p, err, tt.want)
			}
			if d.Outcome != room.Refused || !errors.Is(d.Err, tt.want) || d.Code() != room.Code(tt.want) {
				t.Errorf("decision = %+v (code %q), want refused with %v", d, d.Code(), tt.want)
			}
			if ev := rec.all(); len(ev) != 0 {
				t.Errorf("refused joiner's listener got %v", kinds(ev))
			}
			after, _ := m.Participants("r", owner)
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
	alice, as := join(t, m, "r", "alice", allGrants)
	_, bs := join(t, m, "r", "bob", allGrants)
	as.reset()
	bs.reset()

	if _, _, err := m.Join(room.JoinRequest{Claims: claims("r", "alice", allGrants), Listener: &recorder{}}); !errors.Is(err, room.ErrIdentityInUse) {
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
	if d := bs.of(room.EventData); len(d) != 1 || d[0].Participant.ID != alice.ID() {
		t.Fatalf("bob's data = %+v", d)
	}
}

func TestLeave(t *testing.T) {
	m := newManager(t, room.Config{AutoCreate: true})
	alice, as := join(t, m, "r", "alice", allGrants)
	bob, bs := join(t, m, "r", "bob", subOnly)
	bm := &fakeMedia{}
	bob.AttachMedia(bm)
	publish(t, alice, "TR_CAM", "cam", room.KindVideo)
	publish(t, alice, "TR_MIC", "mic", room.KindAudio)
	as.reset()
	bs.reset()

	alice.Leave(room.ReasonConnectionLost)
	pl := bs.of(room.EventLeft)
	if len(pl) != 1 || pl[0].Participant.ID != alice.ID() || pl[0].Reason != room.ReasonConnectionLost {
		t.Fatalf("bob's EventLeft = %+v", pl)
	}
	un := bm.unsubs()
	slices.Sort(un)
	if !slices.Equal(un, []string{"TR_CAM", "TR_MIC"}) {
		t.Fatalf("bob unsubscribed from %v, want both of alice's tracks", un)
	}
	if len(as.all()) != 0 {
		t.Fatalf("the leaver was told %v", kinds(as.all()))
	}
	if ps, _ := m.Participants("r", owner); !slices.Equal(idsOf(ps), []room.ParticipantID{bob.ID()}) {
		t.Fatalf("participants after leave = %v", idsOf(ps))
	}
	if _, err := alice.Publish("TR_X", "x", room.KindVideo, "video/VP8", newReceiver("TR_X", webrtc.RTPCodecTypeVideo)); err == nil {
		t.Fatal("a participant that left could publish")
	}

	// Idempotent: a second Leave tells nobody anything.
	alice.Leave(room.ReasonLeft)
	if len(bs.of(room.EventLeft)) != 1 || len(bm.unsubs()) != 2 {
		t.Fatalf("second Leave had effects: %v %v", kinds(bs.all()), bm.unsubs())
	}

	// The identity is free again.
	join(t, m, "r", "alice", allGrants)
}

func TestRemove(t *testing.T) {
	m := newManager(t, room.Config{AutoCreate: true})
	alice, as := join(t, m, "r", "alice", allGrants)
	bob, bs := join(t, m, "r", "bob", allGrants)
	as.reset()
	bs.reset()

	if err := m.Remove("r", adminOf(owner), "bob", nil); err != nil {
		t.Fatal(err)
	}
	if c := bs.of(room.EventRemoved); len(c) != 1 || c[0].Reason != room.ReasonRemoved || c[0].Participant.ID != bob.ID() {
		t.Fatalf("bob's EventRemoved = %+v", c)
	}
	if pl := as.of(room.EventLeft); len(pl) != 1 || pl[0].Participant.ID != bob.ID() || pl[0].Reason != room.ReasonRemoved {
		t.Fatalf("alice's EventLeft = %+v", pl)
	}
	if ps, _ := m.Participants("r", owner); !slices.Equal(idsOf(ps), []room.ParticipantID{alice.ID()}) {
		t.Fatalf("participants = %v", idsOf(ps))
	}
	if err := m.Remove("r", adminOf(owner), "bob", nil); !errors.Is(err, room.ErrUnknownParticipant) {
		t.Fatalf("remove twice: %v", err)
	}
	if err := m.Remove("nope", adminOf(owner), "alice", nil); !errors.Is(err, room.ErrRoomNotFound) {
		t.Fatalf("remove from unknown room: %v", err)
	}
	if len(as.of(room.EventRemoved)) != 0 {
		t.Fatal("alice was closed")
	}
}

func TestDelete(t *testing.T) {
	m := newManager(t, room.Config{AutoCreate: true})
	alice, as := join(t, m, "r", "alice", allGrants)
	_, bs := join(t, m, "r", "bob", allGrants)
	_, olgaRec := join(t, m, "other", "olga", allGrants)
	all := subscribe(t, m)

	if err := m.Delete("r", owner, room.ReasonRoomDeleted); err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]*recorder{"alice": as, "bob": bs} {
		if c := s.of(room.EventRemoved); len(c) != 1 || c[0].Reason != room.ReasonRoomDeleted {
			t.Errorf("%s's EventRemoved = %+v", name, c)
		}
	}
	if len(olgaRec.of(room.EventRemoved)) != 0 {
		t.Error("a participant of another room was closed")
	}
	if _, err := m.Get("r"); !errors.Is(err, room.ErrRoomNotFound) {
		t.Fatalf("Get after delete: %v", err)
	}
	closed := all.of(room.EventRoomClosed)
	if got := roomsOf(closed); !slices.Equal(got, []room.RoomName{"r"}) || closed[0].Reason != room.ReasonRoomDeleted {
		t.Fatalf("EventRoomClosed = %+v", closed)
	}
	if err := m.Delete("r", owner, room.ReasonRoomDeleted); !errors.Is(err, room.ErrRoomNotFound) {
		t.Fatalf("delete twice: %v", err)
	}
	if _, err := alice.Publish("TR_X", "x", room.KindVideo, "video/VP8", newReceiver("TR_X", webrtc.RTPCodecTypeVideo)); err == nil {
		t.Fatal("publish in a deleted room succeeded")
	}
	if rooms, ps, _, _ := m.Counts(); rooms != 1 || ps != 1 {
		t.Fatalf("counts after delete: %d rooms, %d participants", rooms, ps)
	}
}

// TestEmptyTimeout runs on synctest's clock: the timeouts pass at once, and
// exactly.
func TestEmptyTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const timeout = time.Minute
		m := newManager(t, room.Config{AutoCreate: true, DefaultEmptyTimeout: time.Hour})
		all := subscribe(t, m)
		for _, name := range []room.RoomName{"idle", "busy", "left"} {
			if _, err := m.Create(room.Spec{Name: name, Owner: owner, EmptyTimeout: timeout}); err != nil {
				t.Fatal(err)
			}
		}
		_, busyRec := join(t, m, "busy", "alice", allGrants)
		leaver, _ := join(t, m, "left", "bob", allGrants)
		time.Sleep(timeout / 2)
		leaver.Leave(room.ReasonLeft) // "left" is empty from now on

		// Just short of its timeout, "idle" is still there.
		time.Sleep(timeout/2 - time.Second)
		synctest.Wait()
		if _, err := m.Get("idle"); err != nil {
			t.Fatalf("idle closed before its timeout: %v", err)
		}
		// A room nobody joined closes, and so does one that became empty,
		// each a timeout after it became empty.
		time.Sleep(2 * time.Second)
		synctest.Wait()
		if _, err := m.Get("idle"); !errors.Is(err, room.ErrRoomNotFound) {
			t.Fatalf("idle after its timeout: %v", err)
		}
		if _, err := m.Get("left"); err != nil {
			t.Fatalf("left closed before its timeout: %v", err)
		}
		time.Sleep(timeout / 2)
		synctest.Wait()
		if _, err := m.Get("left"); !errors.Is(err, room.ErrRoomNotFound) {
			t.Fatalf("left after its timeout: %v", err)
		}
		closed := all.of(room.EventRoomClosed)
		if got := roomsOf(closed); !slices.Equal(got, []room.RoomName{"idle", "left"}) {
			t.Fatalf("EventRoomClosed for %v", got)
		}
		for _, e := range closed {
			if e.Reason != "empty_timeout" {
				t.Errorf("room %s closed with reason %q", e.Room, e.Reason)
			}
		}
		// Several timeouts later the occupied room is still there.
		time.Sleep(4 * timeout)
		synctest.Wait()
		if info, err := m.Get("busy"); err != nil || info.NumParticipants != 1 {
			t.Fatalf("occupied room: %+v, %v", info, err)
		}
		if len(busyRec.of(room.EventRemoved)) != 0 {
			t.Fatal("occupant of a non-empty room was closed")
		}
	})
}

func TestCreateListCounts(t *testing.T) {
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	m := newManager(t, room.Config{
		DefaultMaxParticipants: 7, DefaultEmptyTimeout: 90 * time.Second,
		Now: func() time.Time { return now },
	})
	all := subscribe(t, m)
	for _, s := range []room.Spec{
		{Name: "zulu", Owner: owner},
		{Name: "alpha", Owner: owner, MaxParticipants: 3, EmptyTimeout: 10 * time.Second},
		{Name: "mike", Owner: otherOwner},
	} {
		if _, err := m.Create(s); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := m.Create(room.Spec{Name: "zulu", Owner: otherOwner}); !errors.Is(err, room.ErrRoomExists) {
		t.Fatalf("duplicate create: %v", err)
	}
	zulu, err := m.Get("zulu")
	if err != nil {
		t.Fatal(err)
	}
	want := room.Info{Name: "zulu", MaxParticipants: 7, EmptyTimeout: 90, CreatedAt: now, Owner: owner, E2EE: room.E2EEOff}
	if zulu != want {
		t.Fatalf("defaults: %+v, want %+v", zulu, want)
	}
	created := all.of(room.EventRoomCreated)
	if got := roomsOf(created); !slices.Equal(got, []room.RoomName{"zulu", "alpha", "mike"}) {
		t.Fatalf("EventRoomCreated for %v", got)
	}
	if !created[0].Time.Equal(now) {
		t.Fatalf("event time %v, want the manager's clock %v", created[0].Time, now)
	}

	names := func(is []room.Info) []room.RoomName {
		out := []room.RoomName{}
		for _, i := range is {
			out = append(out, i.Name)
		}
		return out
	}
	if got := names(m.List(owner)); !slices.Equal(got, []room.RoomName{"alpha", "zulu"}) {
		t.Fatalf("List(owner) = %v", got)
	}
	if got := names(m.List("")); !slices.Equal(got, []room.RoomName{"alpha", "mike", "zulu"}) {
		t.Fatalf("List(all) = %v", got)
	}

	// Counts: 3 rooms, 3 participants, 2 tracks; the fake media layer binds
	// no down-tracks, so there are no subscriptions.
	m2 := newManager(t, room.Config{AutoCreate: true})
	a, _ := join(t, m2, "one", "alice", allGrants)
	b, _ := join(t, m2, "one", "bob", allGrants)
	join(t, m2, "two", "carol", allGrants)
	b.AttachMedia(&fakeMedia{})
	publish(t, a, "TR_1", "c1", room.KindVideo)
	publish(t, a, "TR_2", "c2", room.KindAudio)
	if r, p, tr, s := m2.Counts(); r != 2 || p != 3 || tr != 2 || s != 0 {
		t.Fatalf("Counts = %d rooms %d participants %d tracks %d subscriptions; want 2 3 2 0", r, p, tr, s)
	}
	a.Leave(room.ReasonLeft)
	if r, p, tr, _ := m2.Counts(); r != 2 || p != 2 || tr != 0 {
		t.Fatalf("Counts after leave = %d %d %d; want 2 2 0", r, p, tr)
	}
}

func TestRestore(t *testing.T) {
	m := newManager(t, room.Config{AutoCreate: true, MaxRooms: 2})
	all := subscribe(t, m)
	createdAt := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	spec := room.Spec{Name: "kept", Owner: owner, MaxParticipants: 5, EmptyTimeout: time.Hour, E2EE: room.E2EERequired}
	if err := m.Restore(spec, createdAt); err != nil {
		t.Fatal(err)
	}
	info, err := m.Get("kept")
	if err != nil {
		t.Fatal(err)
	}
	if want := (room.Info{Name: "kept", MaxParticipants: 5, EmptyTimeout: 3600, CreatedAt: createdAt, Owner: owner, E2EE: room.E2EERequired}); info != want {
		t.Fatalf("restored %+v, want %+v", info, want)
	}
	if c := all.of(room.EventRoomCreated); len(c) != 0 {
		t.Fatal("Restore emitted EventRoomCreated")
	}
	if err := m.Restore(spec, createdAt); !errors.Is(err, room.ErrRoomExists) {
		t.Fatalf("restore twice: %v", err)
	}
	// The restored room keeps its owner; creating still emits afterwards.
	if _, _, err := m.Join(room.JoinRequest{Claims: claimsBy(otherOwner, "kept", "x", allGrants), Listener: &recorder{}}); !errors.Is(err, room.ErrNotOwner) {
		t.Fatalf("join by another key: %v", err)
	}
	if _, err := m.Create(room.Spec{Name: "new", Owner: owner}); err != nil || len(all.of(room.EventRoomCreated)) != 1 {
		t.Fatalf("create after restore: %v, EventRoomCreated %v", err, roomsOf(all.of(room.EventRoomCreated)))
	}
	if err := m.Restore(room.Spec{Name: "third", Owner: owner}, createdAt); !errors.Is(err, room.ErrTooManyRooms) {
		t.Fatalf("restore over MaxRooms: %v", err)
	}
}

// adminOf is a REST token of key: roomAdmin, for no identity in any room.
func adminOf(key room.KeyID) *token.Claims {
	return claimsBy(key, "", "admin", token.Grants{RoomAdmin: true})
}
