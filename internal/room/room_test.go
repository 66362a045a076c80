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

func TestPublishFansOut(t *testing.T) {
	m := newManager(t, room.Config{AutoCreate: true})
	alice, as := join(t, m, "r", "alice", allPerms)
	bob, bs := join(t, m, "r", "bob", subOnly)        // subscribes, media attached
	carol, cs := join(t, m, "r", "carol", noSubPerms) // may not subscribe
	_, ds := join(t, m, "r", "dave", subOnly)         // media not attached yet
	am, bm, cm := &fakeMedia{}, &fakeMedia{}, &fakeMedia{}
	alice.AttachMedia(am)
	bob.AttachMedia(bm)
	carol.AttachMedia(cm)
	sinks := map[string]*fakeSink{"alice": as, "bob": bs, "carol": cs, "dave": ds}
	for _, s := range sinks {
		s.reset()
	}

	if err := alice.AnnounceTrack("cid-screen", room.KindVideo, room.SourceScreen, "slides"); err != nil {
		t.Fatal(err)
	}
	info, recv := publish(t, alice, "TR_SCREEN", "cid-screen", room.KindVideo)
	want := room.TrackInfo{ID: "TR_SCREEN", CID: "cid-screen", Kind: room.KindVideo, Source: room.SourceScreen, Name: "slides", MimeType: "video/VP8"}
	if info != want {
		t.Fatalf("Publish = %+v, want %+v", info, want)
	}
	if got := bm.subs(); len(got) != 1 || got[0] != recv {
		t.Errorf("bob (subscriber with media) subscribed to %v, want the receiver", got)
	}
	if got := cm.subs(); len(got) != 0 {
		t.Errorf("carol (no subscribe permission) subscribed to %d tracks", len(got))
	}
	if got := am.subs(); len(got) != 0 {
		t.Errorf("alice subscribed to her own track")
	}
	for name, s := range sinks {
		tp := s.of("TrackPublished")
		if len(tp) != 1 || tp[0].id != alice.ID() || tp[0].track != want {
			t.Errorf("%s's TrackPublished = %+v, want one for alice's %+v", name, tp, want)
		}
	}
	if tr := alice.Info().Tracks; len(tr) != 1 || tr[0] != want {
		t.Errorf("alice's tracks = %+v", tr)
	}
}

func TestPublishSource(t *testing.T) {
	for _, tt := range []struct {
		name     string
		announce bool
		annKind  room.TrackKind
		annSrc   room.TrackSource
		kind     room.TrackKind
		want     room.TrackSource
	}{
		{"video not announced", false, "", "", room.KindVideo, room.SourceCamera},
		{"audio not announced", false, "", "", room.KindAudio, room.SourceMicrophone},
		{"screen announced", true, room.KindVideo, room.SourceScreen, room.KindVideo, room.SourceScreen},
		{"screen audio announced", true, room.KindAudio, room.SourceScreenAudio, room.KindAudio, room.SourceScreenAudio},
		{"announced with another kind", true, room.KindAudio, room.SourceScreenAudio, room.KindVideo, room.SourceCamera},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := newManager(t, room.Config{AutoCreate: true})
			alice, _ := join(t, m, "r", "alice", allPerms)
			if tt.announce {
				if err := alice.AnnounceTrack("c1", tt.annKind, tt.annSrc, ""); err != nil {
					t.Fatal(err)
				}
			}
			info, _ := publish(t, alice, "TR_1", "c1", tt.kind)
			if info.Source != tt.want || info.Kind != tt.kind {
				t.Fatalf("source %q kind %q, want %q %q", info.Source, info.Kind, tt.want, tt.kind)
			}
		})
	}
}

func TestLateJoinerSubscribesOnAttach(t *testing.T) {
	m := newManager(t, room.Config{AutoCreate: true})
	alice, _ := join(t, m, "r", "alice", allPerms)
	_, r1 := publish(t, alice, "TR_CAM", "cam", room.KindVideo)
	_, r2 := publish(t, alice, "TR_MIC", "mic", room.KindAudio)

	eve, es := join(t, m, "r", "eve", subOnly)
	joined := es.of("Joined")
	if len(joined) != 1 || len(joined[0].others) != 1 || len(joined[0].others[0].Tracks) != 2 {
		t.Fatalf("eve's Joined does not show alice's two tracks: %+v", joined)
	}
	em := &fakeMedia{}
	eve.AttachMedia(em)
	got := em.subs()
	if len(got) != 2 || !slices.Contains(got, r1) || !slices.Contains(got, r2) {
		t.Fatalf("eve subscribed to %v, want both of alice's receivers", got)
	}

	// Without the subscribe permission, attaching subscribes to nothing;
	// the publisher's own tracks are never subscribed back to it.
	mallory, _ := join(t, m, "r", "mallory", noSubPerms)
	mm := &fakeMedia{}
	mallory.AttachMedia(mm)
	am := &fakeMedia{}
	alice.AttachMedia(am)
	if len(mm.subs()) != 0 || len(am.subs()) != 0 {
		t.Fatalf("mallory subscribed to %d, alice to %d; want 0 and 0", len(mm.subs()), len(am.subs()))
	}

	// A participant that left does not get media attached.
	eve.Leave("bye")
	late := &fakeMedia{}
	eve.AttachMedia(late)
	_, _ = publish(t, alice, "TR_2", "cam2", room.KindVideo)
	if len(late.subs()) != 0 {
		t.Fatal("media attached after Leave was subscribed")
	}
}

func TestPublishPermissionDenied(t *testing.T) {
	m := newManager(t, room.Config{AutoCreate: true})
	_, as := join(t, m, "r", "alice", allPerms)
	bob, bs := join(t, m, "r", "bob", subOnly)
	as.reset()
	bs.reset()
	if _, err := bob.Publish("TR_1", "c", room.KindVideo, "video/VP8", newReceiver("TR_1", webrtc.RTPCodecTypeVideo)); !errors.Is(err, room.ErrPermissionDenied) {
		t.Fatalf("Publish without permission: %v", err)
	}
	if err := bob.AnnounceTrack("c", room.KindVideo, room.SourceCamera, ""); !errors.Is(err, room.ErrPermissionDenied) {
		t.Fatalf("AnnounceTrack without permission: %v", err)
	}
	if len(as.all())+len(bs.all()) != 0 || len(bob.Info().Tracks) != 0 {
		t.Fatalf("a refused publish had effects: %v %v %+v", kinds(as.all()), kinds(bs.all()), bob.Info().Tracks)
	}
}

func TestMaxTracksPerParticipant(t *testing.T) {
	m := newManager(t, room.Config{AutoCreate: true})
	alice, _ := join(t, m, "r", "alice", allPerms)
	bob, bs := join(t, m, "r", "bob", subOnly)
	bm := &fakeMedia{}
	bob.AttachMedia(bm)
	for i := range room.MaxTracksPerParticipant {
		publish(t, alice, "TR_"+string(rune('A'+i)), "c", room.KindAudio)
	}
	bs.reset()
	_, err := alice.Publish("TR_EXTRA", "c", room.KindAudio, "audio/opus", newReceiver("TR_EXTRA", webrtc.RTPCodecTypeAudio))
	if !errors.Is(err, room.ErrTooManyTracks) {
		t.Fatalf("track %d: %v, want ErrTooManyTracks", room.MaxTracksPerParticipant+1, err)
	}
	if n := len(alice.Info().Tracks); n != room.MaxTracksPerParticipant {
		t.Fatalf("alice has %d tracks", n)
	}
	if len(bs.all()) != 0 || len(bm.subs()) != room.MaxTracksPerParticipant {
		t.Fatalf("refused track was announced (%v) or subscribed (%d)", kinds(bs.all()), len(bm.subs()))
	}
}

func TestUnpublish(t *testing.T) {
	m := newManager(t, room.Config{AutoCreate: true})
	alice, as := join(t, m, "r", "alice", allPerms)
	bob, bs := join(t, m, "r", "bob", subOnly)
	bm := &fakeMedia{}
	bob.AttachMedia(bm)
	publish(t, alice, "TR_CAM", "cam", room.KindVideo)
	publish(t, alice, "TR_MIC", "mic", room.KindAudio)
	as.reset()
	bs.reset()

	alice.Unpublish("TR_CAM")
	if got := bm.unsubs(); !slices.Equal(got, []string{"TR_CAM"}) {
		t.Fatalf("bob unsubscribed from %v", got)
	}
	for name, s := range map[string]*fakeSink{"alice": as, "bob": bs} {
		tu := s.of("TrackUnpublished")
		if len(tu) != 1 || tu[0].id != alice.ID() || tu[0].trackID != "TR_CAM" {
			t.Errorf("%s's TrackUnpublished = %+v", name, tu)
		}
	}
	if tr := alice.Info().Tracks; len(tr) != 1 || tr[0].ID != "TR_MIC" {
		t.Fatalf("alice's tracks after unpublish = %+v", tr)
	}

	// Unpublishing an unknown or already removed track does nothing.
	alice.Unpublish("TR_CAM")
	alice.Unpublish("TR_NONE")
	if len(bm.unsubs()) != 1 || len(bs.of("TrackUnpublished")) != 1 {
		t.Fatalf("repeated unpublish had effects: %v %v", bm.unsubs(), kinds(bs.all()))
	}
}

func TestSetMuted(t *testing.T) {
	m := newManager(t, room.Config{AutoCreate: true})
	alice, as := join(t, m, "r", "alice", allPerms)
	_, bs := join(t, m, "r", "bob", subOnly)
	_, recv := publish(t, alice, "TR_CAM", "cam", room.KindVideo)
	as.reset()
	bs.reset()

	if err := alice.SetMuted("TR_CAM", true); err != nil {
		t.Fatal(err)
	}
	if !recv.Muted() {
		t.Fatal("receiver not muted: the server still forwards the track")
	}
	for name, s := range map[string]*fakeSink{"alice": as, "bob": bs} {
		pu := s.of("ParticipantUpdated")
		if len(pu) != 1 || pu[0].id != alice.ID() || len(pu[0].self.Tracks) != 1 || !pu[0].self.Tracks[0].Muted {
			t.Errorf("%s's ParticipantUpdated = %+v, want alice with a muted track", name, pu)
		}
	}
	if len(as.of("MuteRequested")) != 0 {
		t.Error("a self-mute asked the publisher to mute")
	}

	// Muting again changes nothing and tells nobody.
	if err := alice.SetMuted("TR_CAM", true); err != nil {
		t.Fatal(err)
	}
	if len(bs.of("ParticipantUpdated")) != 1 {
		t.Error("a no-op mute was announced")
	}

	if err := alice.SetMuted("TR_CAM", false); err != nil {
		t.Fatal(err)
	}
	if recv.Muted() {
		t.Fatal("receiver still muted after unmute")
	}
	if pu := bs.of("ParticipantUpdated"); len(pu) != 2 || pu[1].self.Tracks[0].Muted {
		t.Fatalf("unmute updates = %+v", pu)
	}
	if err := alice.SetMuted("TR_NONE", true); !errors.Is(err, room.ErrUnknownTrack) {
		t.Fatalf("unknown track: %v", err)
	}
}

func TestMuteTrackByAdmin(t *testing.T) {
	m := newManager(t, room.Config{AutoCreate: true})
	alice, as := join(t, m, "r", "alice", allPerms)
	_, bs := join(t, m, "r", "bob", subOnly)
	_, recv := publish(t, alice, "TR_MIC", "mic", room.KindAudio)
	as.reset()
	bs.reset()

	ti, err := m.MuteTrack("r", "alice", "TR_MIC", true)
	if err != nil {
		t.Fatal(err)
	}
	if ti.ID != "TR_MIC" || !ti.Muted || ti.Source != room.SourceMicrophone {
		t.Fatalf("MuteTrack = %+v", ti)
	}
	if !recv.Muted() {
		t.Fatal("receiver not muted")
	}
	if mr := as.of("MuteRequested"); len(mr) != 1 || mr[0].trackID != "TR_MIC" || !mr[0].muted {
		t.Fatalf("publisher's MuteRequested = %+v", mr)
	}
	if len(bs.of("MuteRequested")) != 0 {
		t.Fatal("a subscriber was asked to mute")
	}
	if pu := bs.of("ParticipantUpdated"); len(pu) != 1 || !pu[0].self.Tracks[0].Muted {
		t.Fatalf("bob's ParticipantUpdated = %+v", pu)
	}

	for _, tt := range []struct {
		room, identity, track string
		want                  error
	}{
		{"nope", "alice", "TR_MIC", room.ErrRoomNotFound},
		{"r", "nobody", "TR_MIC", room.ErrUnknownParticipant},
		{"r", "alice", "TR_NONE", room.ErrUnknownTrack},
		{"r", "bob", "TR_MIC", room.ErrUnknownTrack}, // bob does not publish it
	} {
		if _, err := m.MuteTrack(tt.room, tt.identity, tt.track, false); !errors.Is(err, tt.want) {
			t.Errorf("MuteTrack(%q, %q, %q) = %v, want %v", tt.room, tt.identity, tt.track, err, tt.want)
		}
	}
	if !recv.Muted() {
		t.Fatal("a refused MuteTrack unmuted the receiver")
	}
}

func TestSendData(t *testing.T) {
	m := newManager(t, room.Config{AutoCreate: true})
	alice, as := join(t, m, "r", "alice", allPerms)
	bob, bs := join(t, m, "r", "bob", allPerms)
	carol, cs := join(t, m, "r", "carol", subOnly) // no publishData

	for _, tt := range []struct {
		name      string
		to        []string
		wantErr   error
		wantAlice int
		wantBob   int
		wantCarol int
	}{
		{"everyone else", nil, nil, 0, 1, 1},
		{"one named", []string{bob.ID()}, nil, 0, 1, 0},
		{"self is skipped", []string{alice.ID(), carol.ID()}, nil, 0, 0, 1},
		{"unknown id delivers nothing", []string{bob.ID(), "PA_NOBODY"}, room.ErrUnknownParticipant, 0, 0, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			as.reset()
			bs.reset()
			cs.reset()
			err := alice.SendData(tt.to, "chat", []byte("hi"))
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("SendData = %v, want %v", err, tt.wantErr)
			}
			for _, c := range []struct {
				name string
				s    *fakeSink
				want int
			}{{"alice", as, tt.wantAlice}, {"bob", bs, tt.wantBob}, {"carol", cs, tt.wantCarol}} {
				d := c.s.of("Data")
				if len(d) != c.want {
					t.Errorf("%s got %d messages, want %d", c.name, len(d), c.want)
				}
				for _, e := range d {
					if e.id != alice.ID() || e.topic != "chat" || e.payload != "hi" {
						t.Errorf("%s got %+v", c.name, e)
					}
				}
			}
		})
	}

	bs.reset()
	if err := carol.SendData(nil, "chat", []byte("x")); !errors.Is(err, room.ErrPermissionDenied) {
		t.Fatalf("SendData without publishData: %v", err)
	}
	if len(bs.of("Data")) != 0 {
		t.Fatal("refused data was delivered")
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
