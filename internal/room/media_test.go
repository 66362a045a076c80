package room_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/pion/webrtc/v4"

	"github.com/conclave-video/conclave/internal/room"
)

func TestPublishFansOut(t *testing.T) {
	m := newManager(t, room.Config{AutoCreate: true})
	alice, as := join(t, m, "r", "alice", allGrants)
	bob, bs := join(t, m, "r", "bob", subOnly)        // subscribes, media attached
	carol, cs := join(t, m, "r", "carol", noSubPerms) // may not subscribe
	_, ds := join(t, m, "r", "dave", subOnly)         // media not attached yet
	am, bm, cm := &fakeMedia{}, &fakeMedia{}, &fakeMedia{}
	alice.AttachMedia(am)
	bob.AttachMedia(bm)
	carol.AttachMedia(cm)
	recs := map[string]*recorder{"alice": as, "bob": bs, "carol": cs, "dave": ds}
	for _, s := range recs {
		s.reset()
	}

	if err := alice.AnnounceTrack("cid-screen", room.KindVideo, room.SourceScreen, "slides", false); err != nil {
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
	for name, s := range recs {
		tp := s.of(room.EventTrackPublished)
		if len(tp) != 1 || tp[0].Participant.ID != alice.ID() || tp[0].Track != want {
			t.Errorf("%s's EventTrackPublished = %+v, want one for alice's %+v", name, tp, want)
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
			alice, _ := join(t, m, "r", "alice", allGrants)
			if tt.announce {
				if err := alice.AnnounceTrack("c1", tt.annKind, tt.annSrc, "", false); err != nil {
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
	alice, _ := join(t, m, "r", "alice", allGrants)
	_, r1 := publish(t, alice, "TR_CAM", "cam", room.KindVideo)
	_, r2 := publish(t, alice, "TR_MIC", "mic", room.KindAudio)

	eve, es := join(t, m, "r", "eve", subOnly)
	joined := es.of(room.EventJoined)
	if len(joined) != 1 || len(joined[0].Others) != 1 || len(joined[0].Others[0].Tracks) != 2 {
		t.Fatalf("eve's Joined does not show alice's two tracks: %+v", joined)
	}
	em := &fakeMedia{}
	eve.AttachMedia(em)
	got := em.subs()
	if len(got) != 2 || !slices.Contains(got, r1) || !slices.Contains(got, r2) {
		t.Fatalf("eve subscribed to %v, want both of alice's receivers", got)
	}
	if em.calls != 1 {
		t.Errorf("eve's tracks came in %d Subscribe calls, want 1 (one negotiation)", em.calls)
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
	eve.Leave(room.ReasonLeft)
	late := &fakeMedia{}
	eve.AttachMedia(late)
	_, _ = publish(t, alice, "TR_2", "cam2", room.KindVideo)
	if len(late.subs()) != 0 {
		t.Fatal("media attached after Leave was subscribed")
	}
}

func TestPublishPermissionDenied(t *testing.T) {
	m := newManager(t, room.Config{AutoCreate: true})
	_, as := join(t, m, "r", "alice", allGrants)
	bob, bs := join(t, m, "r", "bob", subOnly)
	as.reset()
	bs.reset()
	if _, err := bob.Publish("TR_1", "c", room.KindVideo, "video/VP8", newReceiver("TR_1", webrtc.RTPCodecTypeVideo)); !errors.Is(err, room.ErrRoleDenied) {
		t.Fatalf("Publish without permission: %v", err)
	}
	if err := bob.AnnounceTrack("c", room.KindVideo, room.SourceCamera, "", false); !errors.Is(err, room.ErrRoleDenied) {
		t.Fatalf("AnnounceTrack without permission: %v", err)
	}
	if len(as.all())+len(bs.all()) != 0 || len(bob.Info().Tracks) != 0 {
		t.Fatalf("a refused publish had effects: %v %v %+v", kinds(as.all()), kinds(bs.all()), bob.Info().Tracks)
	}
}

func TestMaxTracksPerParticipant(t *testing.T) {
	m := newManager(t, room.Config{AutoCreate: true})
	alice, _ := join(t, m, "r", "alice", allGrants)
	bob, bs := join(t, m, "r", "bob", subOnly)
	bm := &fakeMedia{}
	bob.AttachMedia(bm)
	for i := range room.MaxTracksPerParticipant {
		publish(t, alice, room.TrackID("TR_"+string(rune('A'+i))), "c", room.KindAudio)
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
	alice, as := join(t, m, "r", "alice", allGrants)
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
	for name, s := range map[string]*recorder{"alice": as, "bob": bs} {
		tu := s.of(room.EventTrackUnpublished)
		if len(tu) != 1 || tu[0].Participant.ID != alice.ID() || tu[0].Track.ID != "TR_CAM" {
			t.Errorf("%s's EventTrackUnpublished = %+v", name, tu)
		}
	}
	if tr := alice.Info().Tracks; len(tr) != 1 || tr[0].ID != "TR_MIC" {
		t.Fatalf("alice's tracks after unpublish = %+v", tr)
	}

	// Unpublishing an unknown or already removed track does nothing.
	alice.Unpublish("TR_CAM")
	alice.Unpublish("TR_NONE")
	if len(bm.unsubs()) != 1 || len(bs.of(room.EventTrackUnpublished)) != 1 {
		t.Fatalf("repeated unpublish had effects: %v %v", bm.unsubs(), kinds(bs.all()))
	}
}

func TestSetMuted(t *testing.T) {
	m := newManager(t, room.Config{AutoCreate: true})
	alice, as := join(t, m, "r", "alice", allGrants)
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
	for name, s := range map[string]*recorder{"alice": as, "bob": bs} {
		pu := s.of(room.EventUpdated)
		if len(pu) != 1 || pu[0].Participant.ID != alice.ID() || len(pu[0].Participant.Tracks) != 1 || !pu[0].Participant.Tracks[0].Muted {
			t.Errorf("%s's EventUpdated = %+v, want alice with a muted track", name, pu)
		}
	}
	// A self-mute is not a host's: the publisher is not told of it as one.
	if len(as.of(room.EventTrackMuted)) != 0 {
		t.Error("a self-mute asked the publisher to mute")
	}

	// Muting again changes nothing and tells nobody.
	if err := alice.SetMuted("TR_CAM", true); err != nil {
		t.Fatal(err)
	}
	if len(bs.of(room.EventUpdated)) != 1 {
		t.Error("a no-op mute was announced")
	}

	if err := alice.SetMuted("TR_CAM", false); err != nil {
		t.Fatal(err)
	}
	if recv.Muted() {
		t.Fatal("receiver still muted after unmute")
	}
	if pu := bs.of(room.EventUpdated); len(pu) != 2 || pu[1].Participant.Tracks[0].Muted {
		t.Fatalf("unmute updates = %+v", pu)
	}
	if err := alice.SetMuted("TR_NONE", true); !errors.Is(err, room.ErrUnknownTrack) {
		t.Fatalf("unknown track: %v", err)
	}
}

func TestMuteTrackByAdmin(t *testing.T) {
	m := newManager(t, room.Config{AutoCreate: true})
	alice, as := join(t, m, "r", "alice", allGrants)
	_, bs := join(t, m, "r", "bob", subOnly)
	_, recv := publish(t, alice, "TR_MIC", "mic", room.KindAudio)
	as.reset()
	bs.reset()

	ti, err := m.MuteTrack("r", adminOf(owner), "alice", "TR_MIC", true)
	if err != nil {
		t.Fatal(err)
	}
	if ti.ID != "TR_MIC" || !ti.Muted || ti.Source != room.SourceMicrophone {
		t.Fatalf("MuteTrack = %+v", ti)
	}
	if !recv.Muted() {
		t.Fatal("receiver not muted")
	}
	if mr := as.of(room.EventTrackMuted); len(mr) != 1 || mr[0].Track.ID != "TR_MIC" || !mr[0].Track.Muted || !mr[0].ByHost {
		t.Fatalf("publisher's EventTrackMuted = %+v", mr)
	}
	if len(bs.of(room.EventTrackMuted)) != 0 {
		t.Fatal("a subscriber was asked to mute")
	}
	if pu := bs.of(room.EventUpdated); len(pu) != 1 || !pu[0].Participant.Tracks[0].Muted {
		t.Fatalf("bob's EventUpdated = %+v", pu)
	}

	for _, tt := range []struct {
		room     room.RoomName
		identity room.Identity
		track    room.TrackID
		want     error
	}{
		{"nope", "alice", "TR_MIC", room.ErrRoomNotFound},
		{"r", "nobody", "TR_MIC", room.ErrUnknownParticipant},
		{"r", "alice", "TR_NONE", room.ErrUnknownTrack},
		{"r", "bob", "TR_MIC", room.ErrUnknownTrack}, // bob does not publish it
	} {
		if _, err := m.MuteTrack(tt.room, adminOf(owner), tt.identity, tt.track, false); !errors.Is(err, tt.want) {
			t.Errorf("MuteTrack(%q, %q, %q) = %v, want %v", tt.room, tt.identity, tt.track, err, tt.want)
		}
	}
	if !recv.Muted() {
		t.Fatal("a refused MuteTrack unmuted the receiver")
	}
}

func TestSendData(t *testing.T) {
	m := newManager(t, room.Config{AutoCreate: true})
	alice, as := join(t, m, "r", "alice", allGrants)
	bob, bs := join(t, m, "r", "bob", allGrants)
	carol, cs := join(t, m, "r", "carol", subOnly) // no publishData

	for _, tt := range []struct {
		name      string
		to        []room.ParticipantID
		wantErr   error
		wantAlice int
		wantBob   int
		wantCarol int
	}{
		{"everyone else", nil, nil, 0, 1, 1},
		{"one named", []room.ParticipantID{bob.ID()}, nil, 0, 1, 0},
		{"self is skipped", []room.ParticipantID{alice.ID(), carol.ID()}, nil, 0, 0, 1},
		{"unknown id delivers nothing", []room.ParticipantID{bob.ID(), "PA_NOBODY"}, room.ErrUnknownParticipant, 0, 0, 0},
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
				s    *recorder
				want int
			}{{"alice", as, tt.wantAlice}, {"bob", bs, tt.wantBob}, {"carol", cs, tt.wantCarol}} {
				d := c.s.of(room.EventData)
				if len(d) != c.want {
					t.Errorf("%s got %d messages, want %d", c.name, len(d), c.want)
				}
				for _, e := range d {
					if e.Participant.ID != alice.ID() || e.Topic != "chat" || string(e.Payload) != "hi" {
						t.Errorf("%s got %+v", c.name, e)
					}
				}
			}
		})
	}

	bs.reset()
	if err := carol.SendData(nil, "chat", []byte("x")); !errors.Is(err, room.ErrRoleDenied) {
		t.Fatalf("SendData without publishData: %v", err)
	}
	if len(bs.of(room.EventData)) != 0 {
		t.Fatal("refused data was delivered")
	}
}

// TestSendDataAfterLeaveDeliversNothing: once a participant has left (or
// been removed), everyone was told it is gone; a message it sends after
// that, such as one its session read just before the removal, must reach
// nobody.
func TestSendDataAfterLeaveDeliversNothing(t *testing.T) {
	m := newManager(t, room.Config{AutoCreate: true})
	alice, _ := join(t, m, "r", "alice", allGrants)
	_, bs := join(t, m, "r", "bob", allGrants)
	all := subscribe(t, m)
	if err := m.Remove("r", adminOf(owner), "alice", nil); err != nil {
		t.Fatal(err)
	}
	bs.reset()
	all.reset()

	err := alice.SendData(nil, "chat", []byte("from beyond"))
	if err == nil {
		t.Error("SendData by a removed participant succeeded")
	}
	if d := bs.of(room.EventData); len(d) != 0 {
		t.Errorf("bob got %d messages from alice after being told she left", len(d))
	}
	if d := all.of(room.EventData); len(d) != 0 {
		t.Errorf("subscribers got EventData from a participant no longer in the room: %+v", d[0].Participant.ID)
	}
}
