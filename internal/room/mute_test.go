package room_test

import (
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/protocol"
)

// TestHostMuteLock: a host's mute is a lock the publisher cannot lift, only
// ask to have lifted; lifting it leaves the track muted for the publisher
// to unmute.
func TestHostMuteLock(t *testing.T) {
	m := newManager(t, room.Config{AutoCreate: true})
	alice, as := join(t, m, "r", "alice", allGrants)
	_, bs := join(t, m, "r", "bob", subOnly)
	_, recv := publish(t, alice, "TR_MIC", "mic", room.KindAudio)
	all := subscribe(t, m)
	as.reset()
	bs.reset()
	track := func() room.TrackInfo {
		t.Helper()
		tr := alice.Info().Tracks
		if len(tr) != 1 {
			t.Fatalf("alice's tracks = %+v", tr)
		}
		return tr[0]
	}

	// The host mutes: the track, the receiver and the lock are set.
	ti, err := m.MuteTrack("r", adminOf(owner), "alice", "TR_MIC", true)
	if err != nil {
		t.Fatal(err)
	}
	if !ti.Muted || !ti.MutedByHost || !recv.Muted() {
		t.Fatalf("after host mute: %+v, receiver muted %v", ti, recv.Muted())
	}
	if tm := as.of(room.EventTrackMuted); len(tm) != 1 || !tm[0].ByHost || !tm[0].Track.Muted || !tm[0].Track.MutedByHost {
		t.Fatalf("publisher's EventTrackMuted = %+v", tm)
	}
	if u := bs.of(room.EventUpdated); len(u) != 1 || !u[0].Participant.Tracks[0].Muted || !u[0].Participant.Tracks[0].MutedByHost {
		t.Fatalf("bob's EventUpdated = %+v", u)
	}
	as.reset()
	bs.reset()
	all.reset()

	// The publisher cannot unmute; muting again is allowed and changes
	// nothing.
	err = alice.SetMuted("TR_MIC", false)
	if !errors.Is(err, room.ErrMutedByHost) || room.Code(err) != protocol.CodeMutedByHost {
		t.Fatalf("SetMuted(false) under a host mute = %v (code %q)", err, room.Code(err))
	}
	if err := alice.SetMuted("TR_MIC", true); err != nil {
		t.Fatalf("SetMuted(true) under a host mute = %v", err)
	}
	if tr := track(); !tr.Muted || !tr.MutedByHost || !recv.Muted() {
		t.Fatalf("after a refused unmute: %+v, receiver muted %v", tr, recv.Muted())
	}
	if n := len(all.all()) + len(as.all()) + len(bs.all()); n != 0 {
		t.Fatalf("a refused unmute emitted %v", kinds(all.all()))
	}

	// She asks instead; the request is an event.
	if err := alice.RequestUnmute("TR_MIC"); err != nil {
		t.Fatal(err)
	}
	if ur := all.of(room.EventUnmuteRequested); len(ur) != 1 || ur[0].Participant.ID != alice.ID() ||
		ur[0].Track.ID != "TR_MIC" || !ur[0].Track.MutedByHost || ur[0].Room != "r" {
		t.Fatalf("EventUnmuteRequested = %+v", ur)
	}
	if err := alice.RequestUnmute("TR_NONE"); !errors.Is(err, room.ErrUnknownTrack) {
		t.Fatalf("RequestUnmute of an unknown track = %v", err)
	}
	if !recv.Muted() {
		t.Fatal("asking unmuted the receiver")
	}
	as.reset()
	bs.reset()
	all.reset()

	// The host lifts the lock: the track stays muted, and the publisher is
	// told that it may unmute.
	ti, err = m.MuteTrack("r", adminOf(owner), "alice", "TR_MIC", false)
	if err != nil {
		t.Fatal(err)
	}
	if !ti.Muted || ti.MutedByHost || !recv.Muted() {
		t.Fatalf("after lifting: %+v, receiver muted %v", ti, recv.Muted())
	}
	tm := as.of(room.EventTrackMuted)
	if len(tm) != 1 || !tm[0].ByHost || !tm[0].Track.Muted || tm[0].Track.MutedByHost || tm[0].Track.ID != "TR_MIC" {
		t.Fatalf("publisher's EventTrackMuted on lifting = %+v, want ByHost, muted, not by host", tm)
	}
	if len(bs.of(room.EventTrackMuted)) != 0 {
		t.Fatal("a subscriber was told of the lock")
	}
	if u := bs.of(room.EventUpdated); len(u) != 1 || !u[0].Participant.Tracks[0].Muted || u[0].Participant.Tracks[0].MutedByHost {
		t.Fatalf("bob's EventUpdated on lifting = %+v", u)
	}

	// Nothing to ask for now.
	all.reset()
	if err := alice.RequestUnmute("TR_MIC"); err != nil || len(all.of(room.EventUnmuteRequested)) != 0 {
		t.Fatalf("RequestUnmute without a lock = %v, events %v", err, kinds(all.all()))
	}

	// And she unmutes herself.
	bs.reset()
	if err := alice.SetMuted("TR_MIC", false); err != nil {
		t.Fatal(err)
	}
	if tr := track(); tr.Muted || tr.MutedByHost || recv.Muted() {
		t.Fatalf("after unmuting: %+v, receiver muted %v", tr, recv.Muted())
	}
	if u := bs.of(room.EventUpdated); len(u) != 1 || u[0].Participant.Tracks[0].Muted {
		t.Fatalf("bob's EventUpdated on unmute = %+v", u)
	}
}

// TestHostMuteOfSelfMutedTrack: the host's lock holds over a track its
// publisher had already muted, and lifting it leaves that track muted.
func TestHostMuteOfSelfMutedTrack(t *testing.T) {
	m := newManager(t, room.Config{AutoCreate: true})
	alice, as := join(t, m, "r", "alice", allGrants)
	_, recv := publish(t, alice, "TR_CAM", "cam", room.KindVideo)
	if err := alice.SetMuted("TR_CAM", true); err != nil {
		t.Fatal(err)
	}
	as.reset()
	if _, err := m.MuteTrack("r", adminOf(owner), "alice", "TR_CAM", true); err != nil {
		t.Fatal(err)
	}
	if tm := as.of(room.EventTrackMuted); len(tm) != 1 || !tm[0].ByHost || !tm[0].Track.MutedByHost {
		t.Fatalf("publisher not told of the lock on a muted track: %+v", tm)
	}
	if err := alice.SetMuted("TR_CAM", false); !errors.Is(err, room.ErrMutedByHost) {
		t.Fatalf("SetMuted(false) = %v", err)
	}
	if ti, err := m.MuteTrack("r", adminOf(owner), "alice", "TR_CAM", false); err != nil || !ti.Muted || ti.MutedByHost || !recv.Muted() {
		t.Fatalf("lifted: %+v, %v, receiver muted %v", ti, err, recv.Muted())
	}
}

// TestHostMuteSurvivesRepublish: the host's lock holds for the source, so
// a publisher cannot escape it by unpublishing the muted track and
// publishing a new one; lifting it frees new tracks too.
func TestHostMuteSurvivesRepublish(t *testing.T) {
	m := newManager(t, room.Config{AutoCreate: true})
	alice, _ := join(t, m, "r", "alice", allGrants)
	publish(t, alice, "TR_MIC", "mic", room.KindAudio)
	if _, err := m.MuteTrack("r", adminOf(owner), "alice", "TR_MIC", true); err != nil {
		t.Fatal(err)
	}
	alice.Unpublish("TR_MIC")
	ti, recv := publish(t, alice, "TR_MIC2", "mic2", room.KindAudio)
	if !ti.Muted || !ti.MutedByHost || !recv.Muted() {
		t.Fatalf("a new microphone after a host mute: %+v, receiver muted %v; want it locked", ti, recv.Muted())
	}
	if err := alice.SetMuted("TR_MIC2", false); !errors.Is(err, room.ErrMutedByHost) {
		t.Fatalf("unmuting the new microphone = %v, want ErrMutedByHost", err)
	}
	// Another source is not locked.
	if cam, camRecv := publish(t, alice, "TR_CAM", "cam", room.KindVideo); cam.Muted || camRecv.Muted() {
		t.Fatalf("the camera was locked by a microphone mute: %+v", cam)
	}
	if _, err := m.MuteTrack("r", adminOf(owner), "alice", "TR_MIC2", false); err != nil {
		t.Fatal(err)
	}
	alice.Unpublish("TR_MIC2")
	if ti, recv := publish(t, alice, "TR_MIC3", "mic3", room.KindAudio); ti.Muted || ti.MutedByHost || recv.Muted() {
		t.Fatalf("a new microphone after the lock was lifted: %+v", ti)
	}
}

// TestHostMuteCannotBeEscaped: the lock is on the identity and the track's
// kind, so a participant escapes it neither by announcing another source
// of that kind, nor by unmuting a second track of the kind, nor by leaving
// and joining again.
func TestHostMuteCannotBeEscaped(t *testing.T) {
	t.Run("another source of the kind", func(t *testing.T) {
		m := newManager(t, room.Config{AutoCreate: true})
		alice, _ := join(t, m, "r", "alice", allGrants)
		publish(t, alice, "TR_MIC", "mic", room.KindAudio)
		if _, err := m.MuteTrack("r", adminOf(owner), "alice", "TR_MIC", true); err != nil {
			t.Fatal(err)
		}
		if err := alice.AnnounceTrack("mic2", room.KindAudio, room.SourceScreenAudio, "", false); err != nil {
			t.Fatal(err)
		}
		if ti, recv := publish(t, alice, "TR_MIC2", "mic2", room.KindAudio); !ti.MutedByHost || !recv.Muted() {
			t.Fatalf("audio published as %s under the host's audio lock: %+v, receiver muted %v", ti.Source, ti, recv.Muted())
		}
	})
	t.Run("a second track of the kind", func(t *testing.T) {
		m := newManager(t, room.Config{AutoCreate: true})
		alice, _ := join(t, m, "r", "alice", allGrants)
		publish(t, alice, "TR_A", "a", room.KindAudio)
		_, recvB := publish(t, alice, "TR_B", "b", room.KindAudio)
		if err := alice.SetMuted("TR_B", true); err != nil {
			t.Fatal(err)
		}
		if _, err := m.MuteTrack("r", adminOf(owner), "alice", "TR_A", true); err != nil {
			t.Fatal(err)
		}
		if err := alice.SetMuted("TR_B", false); !errors.Is(err, room.ErrMutedByHost) || !recvB.Muted() {
			t.Fatalf("unmuting a second microphone under the host's lock = %v, receiver muted %v", err, recvB.Muted())
		}
	})
	t.Run("leave and rejoin", func(t *testing.T) {
		m := newManager(t, room.Config{AutoCreate: true})
		alice, _ := join(t, m, "r", "alice", allGrants)
		join(t, m, "r", "bob", allGrants) // keeps the room open
		publish(t, alice, "TR_MIC", "mic", room.KindAudio)
		if _, err := m.MuteTrack("r", adminOf(owner), "alice", "TR_MIC", true); err != nil {
			t.Fatal(err)
		}
		alice.Leave(room.ReasonLeft)
		alice2, as2 := join(t, m, "r", "alice", allGrants)
		if ti, recv := publish(t, alice2, "TR_MIC2", "mic2", room.KindAudio); !ti.MutedByHost || !recv.Muted() {
			t.Fatalf("after leaving and joining again the microphone is unlocked: %+v", ti)
		}
		if tm := as2.of(room.EventTrackMuted); len(tm) != 1 || !tm[0].ByHost || tm[0].Track.ID != "TR_MIC2" {
			t.Fatalf("the publisher was not told its new track is locked: %+v", tm)
		}
		if _, err := m.MuteTrack("r", adminOf(owner), "alice", "TR_MIC2", false); err != nil {
			t.Fatal(err)
		}
		if ti, recv := publish(t, alice2, "TR_MIC3", "mic3", room.KindAudio); ti.MutedByHost || recv.Muted() {
			t.Fatalf("a microphone after the lock was lifted: %+v", ti)
		}
	})
}

// TestAdministrativeActionsCheckTheOwner: a decision made for one room
// cannot act on another room that took its name meanwhile: every
// administrative action checks the owner on the room it acts on.
func TestAdministrativeActionsCheckTheOwner(t *testing.T) {
	m := newManager(t, room.Config{AutoCreate: true})
	b1, _, err := m.Join(room.JoinRequest{Claims: claimsBy(otherOwner, "x", "b1", allGrants), Listener: &recorder{}})
	if err != nil {
		t.Fatal(err)
	}
	publish(t, b1.(*room.Participant), "TR_B", "b", room.KindAudio)
	if err := m.Delete("x", owner, room.ReasonRoomDeleted); !errors.Is(err, room.ErrNotOwner) {
		t.Errorf("Delete by another key = %v", err)
	}
	if _, err := m.Participants("x", owner); !errors.Is(err, room.ErrNotOwner) {
		t.Errorf("Participants by another key = %v", err)
	}
	if err := m.Remove("x", adminOf(owner), "b1", nil); !errors.Is(err, room.ErrNotOwner) {
		t.Errorf("Remove by another key = %v", err)
	}
	if _, err := m.MuteTrack("x", adminOf(owner), "b1", "TR_B", true); !errors.Is(err, room.ErrNotOwner) {
		t.Errorf("MuteTrack by another key = %v", err)
	}
	if ps, err := m.Participants("x", otherOwner); err != nil || len(ps) != 1 {
		t.Fatalf("the room was touched: %v %v", ps, err)
	}
}

// TestModeratorMuteAndPromotionRace: a moderator's mute of a participant
// races the owner's promotion of that participant to host. The mute is
// decided and applied in one step: either it takes effect before the
// promotion (the track muted while its publisher was below the
// moderator), or it is refused (role_rank). Never is a mute allowed on
// the old role applied to the new host. Before, the decision and the
// mute were two steps, and the promotion could come between them.
func TestModeratorMuteAndPromotionRace(t *testing.T) {
	m := newManager(t, room.Config{AutoCreate: true})
	joinAs(t, m, "hana", room.RoleHost)
	mo, _ := joinAs(t, m, "mo", room.RoleModerator)
	tom, _ := joinAs(t, m, "tom", room.RoleParticipant)
	track, _ := publish(t, tom, "TR_A", "a", room.KindAudio)

	// seq orders the room's events: whether tom's host mute came before
	// or after his promotion.
	var mu sync.Mutex
	var order []string
	m.Subscribe(room.ListenerFunc(func(e room.Event) {
		if e.Participant.Identity != "tom" {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		switch {
		case e.Kind == room.EventTrackMuted && e.ByHost && e.Track.MutedByHost:
			order = append(order, "muted as "+string(e.Participant.Role))
		case e.Kind == room.EventRoleChanged:
			order = append(order, "role "+string(e.Participant.Role))
		}
	}))
	for i := range 2000 {
		mu.Lock()
		order = nil
		mu.Unlock()
		var wg sync.WaitGroup
		var muteErr error
		start := make(chan struct{})
		wg.Add(2)
		go func() {
			defer wg.Done()
			<-start
			muteErr = mo.MuteOther(tom.ID(), track.ID, true)
		}()
		go func() {
			defer wg.Done()
			<-start
			if _, err := m.SetRole("r", adminOf(owner), "tom", room.RoleHost); err != nil {
				t.Error(err)
			}
		}()
		close(start)
		wg.Wait()
		mu.Lock()
		got := slices.Clone(order)
		mu.Unlock()
		if slices.Contains(got, "muted as host") {
			t.Fatalf("round %d: a moderator's mute took effect on tom as a host (mute %v; events %v)", i, muteErr, got)
		}
		if muteErr != nil && !errors.Is(muteErr, room.ErrOutranked) {
			t.Fatalf("round %d: mute: %v", i, muteErr)
		}
		// Back to the start: tom a participant, the mute lifted.
		if _, err := m.SetRole("r", adminOf(owner), "tom", room.RoleParticipant); err != nil {
			t.Fatal(err)
		}
		if _, err := m.MuteTrack("r", adminOf(owner), "tom", track.ID, false); err != nil {
			t.Fatal(err)
		}
	}
}
