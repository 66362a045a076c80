package room_test

import (
	"errors"
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
	ti, err := m.MuteTrack("r", "alice", "TR_MIC", true)
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
	ti, err = m.MuteTrack("r", "alice", "TR_MIC", false)
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
	if _, err := m.MuteTrack("r", "alice", "TR_CAM", true); err != nil {
		t.Fatal(err)
	}
	if tm := as.of(room.EventTrackMuted); len(tm) != 1 || !tm[0].ByHost || !tm[0].Track.MutedByHost {
		t.Fatalf("publisher not told of the lock on a muted track: %+v", tm)
	}
	if err := alice.SetMuted("TR_CAM", false); !errors.Is(err, room.ErrMutedByHost) {
		t.Fatalf("SetMuted(false) = %v", err)
	}
	if ti, err := m.MuteTrack("r", "alice", "TR_CAM", false); err != nil || !ti.Muted || ti.MutedByHost || !recv.Muted() {
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
	if _, err := m.MuteTrack("r", "alice", "TR_MIC", true); err != nil {
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
	if _, err := m.MuteTrack("r", "alice", "TR_MIC2", false); err != nil {
		t.Fatal(err)
	}
	alice.Unpublish("TR_MIC2")
	if ti, recv := publish(t, alice, "TR_MIC3", "mic3", room.KindAudio); ti.Muted || ti.MutedByHost || recv.Muted() {
		t.Fatalf("a new microphone after the lock was lifted: %+v", ti)
	}
}
