package room_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/conclave-video/conclave/internal/config"
	"github.com/conclave-video/conclave/internal/policy"
	"github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/protocol"
)

// policyManager is a manager under a policy the test changes: rules
// start as policy.Default with e2ee not required (plain clients).
func policyManager(t *testing.T, change func(*policy.Rules)) (*room.Manager, *policy.Holder) {
	t.Helper()
	r := policy.FromConfig(config.Default())
	r.RequireE2EE = false
	change(&r)
	h := policy.NewHolder(&policy.Policy{Rules: r, Source: policy.SourceDefaults})
	return newManager(t, room.Config{AutoCreate: true, Policy: h}), h
}

// apply puts a changed copy of the holder's rules in force as a newer
// version, as a PUT or a stored version does.
func apply(h *policy.Holder, change func(*policy.Rules)) {
	cur := h.Current()
	r := cur.Rules
	change(&r)
	h.Install(&policy.Policy{Rules: r, Version: cur.Version + 1, Source: policy.SourceStored})
}

func TestPolicyRequireE2EE(t *testing.T) {
	m, h := policyManager(t, func(r *policy.Rules) {})
	if _, err := m.Create(room.Spec{Name: "plain", Owner: owner, E2EE: room.E2EEOff}); err != nil {
		t.Fatal(err)
	}
	apply(h, func(r *policy.Rules) { r.RequireE2EE = true })

	// A room asking for no encryption is refused, by the REST API and
	// /v1/meetings alike (both create through Create), with a stable code.
	_, err := m.Create(room.Spec{Name: "loose", Owner: owner, E2EE: room.E2EEOff})
	if !errors.Is(err, room.ErrPolicyE2EE) || room.RESTCode(err) != protocol.CodePolicyViolation {
		t.Fatalf("Create e2ee off under require_e2ee = %v (%s)", err, room.RESTCode(err))
	}
	// A room created without saying, or by a join, requires it.
	info, err := m.Create(room.Spec{Name: "implicit", Owner: owner})
	if err != nil || info.E2EE != room.E2EERequired {
		t.Fatalf("Create without a mode = %+v, %v; want required", info, err)
	}
	if _, _, err := joinE2EE(t, m, "auto", "alice", nil); !errors.Is(err, room.ErrE2EERequired) {
		t.Fatalf("auto-created room without keys = %v, want e2ee_required", err)
	}
	if _, _, err := joinE2EE(t, m, "auto2", "alice", announce(t, "auto2", "alice")); err != nil {
		t.Fatalf("auto-create with keys: %v", err)
	}
	if got, _ := m.Get("auto2"); got.E2EE != room.E2EERequired {
		t.Fatalf("auto-created room is %s, want required", got.E2EE)
	}
	// The room made before the policy stays, but nobody joins it now.
	_, _, err = joinE2EE(t, m, "plain", "bob", nil)
	if !errors.Is(err, room.ErrPolicyE2EE) {
		t.Fatalf("join of a plain room under require_e2ee = %v", err)
	}
}

func TestPolicyScreenShare(t *testing.T) {
	m, h := policyManager(t, func(r *policy.Rules) {})
	alice, _ := join(t, m, "r", "alice", allGrants)
	if err := alice.AnnounceTrack("c1", room.KindVideo, room.SourceScreen, "", false); err != nil {
		t.Fatalf("screen share allowed: %v", err)
	}
	apply(h, func(r *policy.Rules) { r.ScreenShare = false })
	// Already in the room: refused when used.
	if err := alice.AnnounceTrack("c2", room.KindVideo, room.SourceScreen, "", false); !errors.Is(err, room.ErrPolicyScreenShare) {
		t.Fatalf("announce screen under screen_share false = %v", err)
	}
	if _, err := alice.Publish("TR_1", "c1", room.KindVideo, "video/VP8", nil); !errors.Is(err, room.ErrPolicyScreenShare) {
		t.Fatalf("publish of an announced screen track = %v", err)
	}
	// Cameras are not screens.
	if err := alice.AnnounceTrack("c3", room.KindVideo, room.SourceCamera, "", false); err != nil {
		t.Fatalf("camera under screen_share false: %v", err)
	}
	// A newcomer is admitted without the permission.
	bob, _ := join(t, m, "r", "bob", allGrants)
	if bob.Permissions().Has(room.PublishScreen) || !bob.Permissions().Has(room.PublishVideo) {
		t.Fatalf("bob's permissions under screen_share false: %b", bob.Permissions())
	}
}

func TestPolicyChatAndData(t *testing.T) {
	m, h := policyManager(t, func(r *policy.Rules) { r.Chat = false })
	alice, _ := join(t, m, "r", "alice", allGrants)
	_, bs := join(t, m, "r", "bob", allGrants)
	if err := alice.SendData(nil, "chat", []byte("hi")); !errors.Is(err, room.ErrPolicyChat) || room.Code(err) != protocol.CodePolicyViolation {
		t.Fatalf("chat under chat false = %v", err)
	}
	if err := alice.SendData(nil, "cursor", []byte("x")); err != nil {
		t.Fatalf("data under chat false: %v", err)
	}
	apply(h, func(r *policy.Rules) { r.DataMessages = false })
	if err := alice.SendData(nil, "cursor", []byte("x")); !errors.Is(err, room.ErrPolicyData) {
		t.Fatalf("data under data_messages false = %v", err)
	}
	if n := len(bs.of(room.EventData)); n != 1 {
		t.Fatalf("bob got %d data messages, want the one allowed", n)
	}
	carol, _ := join(t, m, "r", "carol", allGrants)
	if carol.Permissions().Has(room.PublishData) || carol.Permissions().Wire().PublishData {
		t.Fatal("a newcomer may publish data with chat and data messages off")
	}
}

// TestPolicyMaxMeetingDuration: the policy's max_meeting_duration bounds
// every room: one that asks for none gets it, one that asks for more is
// refused policy_violation, a shorter one keeps its own; the server's
// bound applies when it is the shorter.
func TestPolicyMaxMeetingDuration(t *testing.T) {
	m, _ := policyManager(t, func(r *policy.Rules) { r.MaxMeetingDuration = time.Hour })
	info, err := m.Create(room.Spec{Name: "none", Owner: owner})
	if err != nil || info.MaxDuration != int64(time.Hour/time.Second) || info.EndsAt == nil {
		t.Fatalf("a room asking for no limit: %+v, %v", info, err)
	}
	if _, err := m.Create(room.Spec{Name: "long", Owner: owner, MaxDuration: 2 * time.Hour}); !errors.Is(err, room.ErrPolicyDuration) || room.Code(err) != protocol.CodePolicyViolation {
		t.Errorf("a room longer than the policy: %v", err)
	}
	if info, err := m.Create(room.Spec{Name: "short", Owner: owner, MaxDuration: 10 * time.Minute}); err != nil || info.MaxDuration != 600 {
		t.Errorf("a shorter room: %+v, %v", info, err)
	}

	h := policy.NewHolder(&policy.Policy{Rules: policy.FromConfig(config.Default()), Source: policy.SourceDefaults})
	m2 := newManager(t, room.Config{Policy: h, MaxDuration: 30 * time.Minute})
	if info, err := m2.Create(room.Spec{Name: "r", Owner: owner, E2EE: room.E2EERequired}); err != nil || info.MaxDuration != 1800 {
		t.Errorf("the server's shorter bound: %+v, %v", info, err)
	}
}

// TestApplyPolicyToLiveRooms: ApplyPolicy, as the server calls it after a
// change, reaches the rooms already running. A screen share is stopped
// (everyone told it is unpublished, its publisher why), the camera stays,
// and the permission comes back when the policy allows it again. A
// shorter max_meeting_duration brings the end forward (announced at
// once, warned again before, then ended); a longer one never pushes it
// back.
func TestApplyPolicyToLiveRooms(t *testing.T) {
	clk := newFakeClock()
	r := policy.FromConfig(config.Default())
	r.RequireE2EE, r.MaxMeetingDuration = false, 24*time.Hour
	h := policy.NewHolder(&policy.Policy{Rules: r, Source: policy.SourceDefaults})
	cfg := clk.config()
	cfg.AutoCreate, cfg.Policy = true, h
	m := newManager(t, cfg)
	h.Watch(func(_, _ *policy.Policy) { m.ApplyPolicy() })
	all := subscribe(t, m)
	if _, err := m.Create(room.Spec{Name: "r", Owner: owner, MaxDuration: 2 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	alice, aliceRec := join(t, m, "r", "alice", allGrants)
	_, bobRec := join(t, m, "r", "bob", allGrants)
	if err := alice.AnnounceTrack("s", room.KindVideo, room.SourceScreen, "", false); err != nil {
		t.Fatal(err)
	}
	screen, _ := publish(t, alice, "TR_S", "s", room.KindVideo)
	camera, _ := publish(t, alice, "TR_C", "c", room.KindVideo)

	apply(h, func(r *policy.Rules) { r.ScreenShare = false; r.MaxMeetingDuration = 30 * time.Minute })
	unpub := bobRec.of(room.EventTrackUnpublished)
	if len(unpub) != 1 || unpub[0].Track.ID != screen.ID {
		t.Fatalf("bob saw unpublished %+v, want only the screen share", unpub)
	}
	if st := aliceRec.of(room.EventTrackStopped); len(st) != 1 || room.Code(st[0].Err) != protocol.CodePolicyViolation {
		t.Fatalf("alice told %+v, want the screen share stopped with policy_violation", st)
	}
	if len(bobRec.of(room.EventTrackStopped)) != 0 {
		t.Error("bob was told of alice's stopped track")
	}
	if tracks := alice.Info().Tracks; len(tracks) != 1 || tracks[0].ID != camera.ID {
		t.Errorf("alice's tracks after the policy: %+v", tracks)
	}
	if alice.Permissions().Has(room.PublishScreen) {
		t.Error("alice keeps the screen permission")
	}
	created := clk.Now()
	ending := bobRec.of(room.EventMeetingEnding)
	if len(ending) != 1 || !ending[0].EndsAt.Equal(created.Add(30*time.Minute)) || ending[0].Remaining != 30*time.Minute {
		t.Fatalf("meeting_ending after the policy: %+v", ending)
	}
	if info, _ := m.Get("r"); info.MaxDuration != 1800 || !info.EndsAt.Equal(created.Add(30*time.Minute)) {
		t.Errorf("the room after the policy: %+v", info)
	}

	// Looser: the permission is back, the end stays.
	apply(h, func(r *policy.Rules) { r.ScreenShare = true; r.MaxMeetingDuration = 4 * time.Hour })
	if !alice.Permissions().Has(room.PublishScreen) {
		t.Error("the screen permission did not come back")
	}
	if info, _ := m.Get("r"); !info.EndsAt.Equal(created.Add(30 * time.Minute)) {
		t.Errorf("a looser policy moved the end to %v", info.EndsAt)
	}
	clk.Advance(25 * time.Minute)
	if n := len(bobRec.of(room.EventMeetingEnding)); n != 2 {
		t.Errorf("%d meeting_ending events by 5 minutes before the end, want 2", n)
	}
	clk.Advance(5 * time.Minute)
	if len(bobRec.of(room.EventRemoved)) != 1 {
		t.Error("the meeting did not end at its new end")
	}
	var kinds []room.SecurityKind
	for _, e := range all.of(room.EventSecurity) {
		kinds = append(kinds, e.Security.Kind)
	}
	for _, k := range []room.SecurityKind{room.SecurityPolicyTrackStopped, room.SecurityPolicyMeetingShortened} {
		if !slices.Contains(kinds, k) {
			t.Errorf("no %s security event in %v", k, kinds)
		}
	}
}
