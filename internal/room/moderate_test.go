package room_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/token"
)

var hostGrants = token.Grants{RoomAdmin: true, Publish: true, Subscribe: true, PublishData: true}

// joinAs joins identity to room "r" in role: the token's grants give
// host, participant or viewer; a moderator is a participant the owner
// promotes.
func joinAs(t *testing.T, m *room.Manager, identity string, role room.Role) (*room.Participant, *recorder) {
	t.Helper()
	g := allGrants
	switch role {
	case room.RoleHost:
		g = hostGrants
	case room.RoleViewer:
		g = subOnly
	}
	p, rec := join(t, m, "r", identity, g)
	if role == room.RoleModerator {
		if _, err := m.SetRole("r", adminOf(owner), room.Identity(identity), room.RoleModerator); err != nil {
			t.Fatal(err)
		}
	}
	if got := p.Info().Role; got != role {
		t.Fatalf("%s joined as %s, want %s", identity, got, role)
	}
	return p, rec
}

var allRoles = []room.Role{room.RoleHost, room.RoleModerator, room.RoleParticipant, room.RoleViewer}

// mayDo is the permission matrix of docs/access.md, written out again
// here so that the test does not trust the code it checks.
var mayDo = map[room.Role][]string{
	room.RoleHost:        {"publish_audio", "publish_video", "publish_screen", "data", "mute", "remove", "set_role", "lock", "end"},
	room.RoleModerator:   {"publish_audio", "publish_video", "publish_screen", "data", "mute", "remove"},
	room.RoleParticipant: {"publish_audio", "publish_video", "publish_screen", "data"},
	room.RoleViewer:      {},
}

var rank = map[room.Role]int{room.RoleHost: 4, room.RoleModerator: 3, room.RoleParticipant: 2, room.RoleViewer: 1}

// TestRoleMatrix tries every action of every role, on every role, through
// the participant's own methods (what signaling calls), and checks the
// answer and its effect.
func TestRoleMatrix(t *testing.T) {
	type action struct {
		name     string
		targeted bool
		do       func(a, target *room.Participant, targetTrack room.TrackID) error
		done     func(m *room.Manager, target *room.Participant) bool // the effect, once allowed
	}
	publishAs := func(src room.TrackSource, kind room.TrackKind) func(a, _ *room.Participant, _ room.TrackID) error {
		return func(a, _ *room.Participant, _ room.TrackID) error {
			if err := a.AnnounceTrack("c1", kind, src, "", false); err != nil {
				return err
			}
			ck, mime := webrtc.RTPCodecTypeVideo, "video/VP8"
			if kind == room.KindAudio {
				ck, mime = webrtc.RTPCodecTypeAudio, "audio/opus"
			}
			_, err := a.Publish("TR_A", "c1", kind, mime, newReceiver("TR_A", ck))
			return err
		}
	}
	published := func(_ *room.Manager, _ *room.Participant) bool { return true }
	actions := []action{
		{name: "publish_audio", do: publishAs(room.SourceMicrophone, room.KindAudio), done: published},
		{name: "publish_video", do: publishAs(room.SourceCamera, room.KindVideo), done: published},
		{name: "publish_screen", do: publishAs(room.SourceScreen, room.KindVideo), done: published},
		{name: "data", do: func(a, _ *room.Participant, _ room.TrackID) error { return a.SendData(nil, "chat", []byte("hi")) }, done: published},
		{name: "mute", targeted: true,
			do: func(a, tg *room.Participant, tr room.TrackID) error { return a.MuteOther(tg.ID(), tr, true) },
			done: func(_ *room.Manager, tg *room.Participant) bool {
				ts := tg.Info().Tracks
				return len(ts) == 1 && ts[0].MutedByHost
			}},
		{name: "remove", targeted: true,
			do: func(a, tg *room.Participant, _ room.TrackID) error { return a.RemoveOther(tg.ID(), nil) },
			done: func(m *room.Manager, tg *room.Participant) bool {
				ps, _ := m.Participants("r", owner)
				return !slices.ContainsFunc(ps, func(p room.ParticipantInfo) bool { return p.ID == tg.ID() })
			}},
		{name: "set_role", targeted: true,
			do: func(a, tg *room.Participant, _ room.TrackID) error {
				to := room.RoleViewer
				if tg.Info().Role == room.RoleViewer {
					to = room.RoleParticipant
				}
				return a.SetRole(tg.ID(), to)
			},
			done: func(_ *room.Manager, tg *room.Participant) bool {
				r := tg.Info().Role
				return r == room.RoleViewer || r == room.RoleParticipant
			}},
		{name: "lock", do: func(a, _ *room.Participant, _ room.TrackID) error { return a.SetLocked(true) },
			done: func(m *room.Manager, _ *room.Participant) bool { i, _ := m.Get("r"); return i.Locked }},
		{name: "end", do: func(a, _ *room.Participant, _ room.TrackID) error { return a.EndMeeting() },
			done: func(m *room.Manager, _ *room.Participant) bool {
				_, err := m.Get("r")
				return errors.Is(err, room.ErrRoomNotFound)
			}},
	}
	for _, actorRole := range allRoles {
		for _, act := range actions {
			targets := []room.Role{""}
			if act.targeted {
				targets = allRoles
			}
			for _, targetRole := range targets {
				name := fmt.Sprintf("%s/%s", actorRole, act.name)
				if targetRole != "" {
					name += "/" + string(targetRole)
				}
				t.Run(name, func(t *testing.T) {
					m := newManager(t, room.Config{})
					if _, err := m.Create(room.Spec{Name: "r", Owner: owner}); err != nil {
						t.Fatal(err)
					}
					a, _ := joinAs(t, m, "actor", actorRole)
					var target *room.Participant
					var track room.TrackID
					if targetRole != "" {
						// The target publishes while it may, then takes its role.
						target, _ = join(t, m, "r", "target", hostGrants)
						publish(t, target, "TR_T", "ct", room.KindAudio)
						track = "TR_T"
						if targetRole != room.RoleHost {
							if _, err := m.SetRole("r", adminOf(owner), "target", targetRole); err != nil {
								t.Fatal(err)
							}
						}
					}
					var want error
					switch {
					case !slices.Contains(mayDo[actorRole], act.name):
						want = room.ErrRoleDenied
					case targetRole != "" && rank[targetRole] >= rank[actorRole]:
						want = room.ErrOutranked
					case act.name == "mute" && targetRole == room.RoleViewer:
						// Demoted to viewer, the target has no track left.
						want = room.ErrUnknownTrack
					}
					err := act.do(a, target, track)
					if !errors.Is(err, want) || (want == nil && err != nil) {
						t.Fatalf("got %v, want %v", err, want)
					}
					if want == nil && !act.done(m, target) {
						t.Fatal("allowed, but the action had no effect")
					}
				})
			}
		}
	}
}

// TestSetRoleRank: a host gives roles up to its own (a co-host), and a
// host so made is its peer: neither can then act on the other. The owner
// (REST) acts on any role.
func TestSetRoleRank(t *testing.T) {
	m := newManager(t, room.Config{})
	if _, err := m.Create(room.Spec{Name: "r", Owner: owner}); err != nil {
		t.Fatal(err)
	}
	h, _ := joinAs(t, m, "hana", room.RoleHost)
	p, prec := joinAs(t, m, "pat", room.RoleParticipant)
	if err := h.SetRole(p.ID(), room.RoleHost); err != nil {
		t.Fatalf("host makes a co-host: %v", err)
	}
	if got := p.Info(); got.Role != room.RoleHost || !got.Permissions.Has(room.ChangeRoles) {
		t.Fatalf("co-host: %+v", got)
	}
	if len(prec.of(room.EventRoleChanged)) != 1 {
		t.Fatalf("the promoted participant heard %v", kinds(prec.all()))
	}
	if err := h.SetRole(p.ID(), room.RoleParticipant); !errors.Is(err, room.ErrOutranked) {
		t.Fatalf("host demotes a co-host: %v, want role_rank", err)
	}
	if err := p.RemoveOther(h.ID(), nil); !errors.Is(err, room.ErrOutranked) {
		t.Fatalf("co-host removes the host: %v, want role_rank", err)
	}
	if err := h.SetRole(h.ID(), room.RoleViewer); !errors.Is(err, room.ErrOutranked) {
		t.Fatalf("a host demotes itself: %v, want role_rank", err)
	}
	if err := h.SetRole(p.ID(), room.Role("owner")); !errors.Is(err, room.ErrOutranked) && !errors.Is(err, room.ErrBadRole) {
		t.Fatalf("an unknown role: %v", err)
	}
	if _, err := m.SetRole("r", adminOf(owner), "pat", room.Role("king")); !errors.Is(err, room.ErrBadRole) {
		t.Fatalf("owner gives an unknown role: %v, want ErrBadRole", err)
	}
	// The owner demotes a host.
	if _, err := m.SetRole("r", adminOf(owner), "pat", room.RoleParticipant); err != nil {
		t.Fatalf("owner demotes a host: %v", err)
	}
	if _, err := m.SetRole("r", adminOf(owner), "nobody", room.RoleParticipant); !errors.Is(err, room.ErrUnknownParticipant) {
		t.Fatalf("owner sets the role of nobody: %v", err)
	}
}

// TestDemotionIsLive: a participant demoted to viewer has its tracks
// stopped and unpublished at once, hears of its new role first, and its
// next publish and data are refused; a demoted host loses its powers on
// the next message.
func TestDemotionIsLive(t *testing.T) {
	m := newManager(t, room.Config{})
	if _, err := m.Create(room.Spec{Name: "r", Owner: owner}); err != nil {
		t.Fatal(err)
	}
	h, hrec := joinAs(t, m, "hana", room.RoleHost)
	p, prec := joinAs(t, m, "pat", room.RoleParticipant)
	v, _ := joinAs(t, m, "vic", room.RoleViewer)
	hm := &fakeMedia{}
	h.AttachMedia(hm)
	_, recv := publish(t, p, "TR_P", "cp", room.KindVideo)
	prec.reset()
	hrec.reset()

	if err := h.SetRole(p.ID(), room.RoleViewer); err != nil {
		t.Fatal(err)
	}
	info := p.Info()
	if info.Role != room.RoleViewer || info.Permissions != room.RoleViewer.Permissions() || len(info.Tracks) != 0 {
		t.Fatalf("demoted: %+v", info)
	}
	if got := kinds(prec.all()); !slices.Equal(got, []string{"track_unpublished", "role_changed"}) {
		t.Fatalf("the demoted participant heard %v", got)
	}
	if ev := hrec.of(room.EventRoleChanged); len(ev) != 1 || ev[0].Actor != h.ID() || ev[0].Participant.Role != room.RoleViewer {
		t.Fatalf("the host heard %+v", ev)
	}
	if !slices.Contains(hm.unsubs(), "TR_P") {
		t.Fatal("the host's media still receives the demoted participant's track")
	}
	if err := recv.WritePacket(make([]byte, 20)); err == nil {
		t.Fatal("the demoted participant's receiver still forwards")
	}
	if err := p.AnnounceTrack("c2", room.KindAudio, room.SourceMicrophone, "", false); !errors.Is(err, room.ErrRoleDenied) {
		t.Fatalf("demoted publish: %v, want role_denied", err)
	}
	if err := p.MayOffer(); !errors.Is(err, room.ErrRoleDenied) {
		t.Fatalf("demoted offer: %v, want role_denied", err)
	}
	if err := p.SendData(nil, "chat", []byte("x")); !errors.Is(err, room.ErrRoleDenied) {
		t.Fatalf("demoted data: %v, want role_denied", err)
	}

	// Promoted back, it may publish again.
	if err := h.SetRole(p.ID(), room.RoleParticipant); err != nil {
		t.Fatal(err)
	}
	if err := p.MayOffer(); err != nil {
		t.Fatalf("promoted offer: %v", err)
	}

	// The owner demotes the host: its powers are gone at once.
	if _, err := m.SetRole("r", adminOf(owner), "hana", room.RoleParticipant); err != nil {
		t.Fatal(err)
	}
	if err := h.RemoveOther(v.ID(), nil); !errors.Is(err, room.ErrRoleDenied) {
		t.Fatalf("demoted host removes: %v, want role_denied", err)
	}
	if err := h.SetLocked(true); !errors.Is(err, room.ErrRoleDenied) {
		t.Fatalf("demoted host locks: %v, want role_denied", err)
	}
}

// TestPromotionKeepsTokenBounds: a viewer's token does not grant
// publishing, so promoting it to participant gives the role but not the
// media: a role never gives more than the token.
func TestPromotionKeepsTokenBounds(t *testing.T) {
	m := newManager(t, room.Config{})
	if _, err := m.Create(room.Spec{Name: "r", Owner: owner}); err != nil {
		t.Fatal(err)
	}
	h, _ := joinAs(t, m, "hana", room.RoleHost)
	v, _ := joinAs(t, m, "vic", room.RoleViewer)
	if err := h.SetRole(v.ID(), room.RoleModerator); err != nil {
		t.Fatal(err)
	}
	if err := v.MayOffer(); !errors.Is(err, room.ErrPermissionDenied) {
		t.Fatalf("promoted viewer's offer: %v, want permission_denied (its token)", err)
	}
	if perms := v.Info().Permissions; !perms.Has(room.Remove) || perms.Has(room.PublishAudio) {
		t.Fatalf("promoted viewer's permissions %016b", perms)
	}
}

// TestLock: a locked meeting admits nobody new, whatever the token (a
// host's too), while a resume of a live session still gets in; unlocking
// lets joins in again. Each change is an event to everyone and a security
// event; a refused lock is an action_refused security event.
func TestLock(t *testing.T) {
	m := newManager(t, room.Config{})
	all := subscribe(t, m)
	if _, err := m.Create(room.Spec{Name: "r", Owner: owner}); err != nil {
		t.Fatal(err)
	}
	h, _ := joinAs(t, m, "hana", room.RoleHost)
	p, prec := joinAs(t, m, "pat", room.RoleParticipant)
	if err := p.SetLocked(true); !errors.Is(err, room.ErrRoleDenied) {
		t.Fatalf("participant locks: %v", err)
	}
	if err := h.SetLocked(true); err != nil {
		t.Fatal(err)
	}
	if ev := prec.of(room.EventMeetingLocked); len(ev) != 1 || ev[0].Actor != h.ID() {
		t.Fatalf("participant heard %v", kinds(prec.all()))
	}
	for _, g := range []token.Grants{allGrants, hostGrants, subOnly} {
		if _, d, err := m.Join(room.JoinRequest{Claims: claims("r", "late", g), Listener: &recorder{}}); !errors.Is(err, room.ErrMeetingLocked) || d.Code() != "meeting_locked" {
			t.Fatalf("join a locked meeting with %v: %v", g, err)
		}
	}
	if d := m.Decide(room.Request{Action: room.ActionResume, Claims: claims("r", "pat", allGrants)}); d.Outcome != room.Admitted {
		t.Fatalf("resume in a locked meeting: %v", d.Err)
	}
	if info, _ := m.Get("r"); !info.Locked {
		t.Fatal("Info does not say locked")
	}
	if _, err := m.SetLocked("r", adminOf(owner), false); err != nil {
		t.Fatal(err)
	}
	join(t, m, "r", "late", allGrants)

	var sec []string
	for _, e := range all.of(room.EventSecurity) {
		sec = append(sec, fmt.Sprintf("%s %s %s %s", e.Security.Kind, e.Security.Outcome, e.Security.Actor, e.Room))
	}
	want := []string{
		"action_refused refused pat r",
		"meeting_locked succeeded hana r",
		"meeting_unlocked succeeded owner:" + string(owner) + " r",
	}
	if !slices.Equal(sec, want) {
		t.Fatalf("security events\n%q\nwant\n%q", sec, want)
	}
}

// TestRemoveRevokesThroughAccess: a removal, by a host over signaling or
// by the owner over REST, revokes the identity's tokens for the room at
// the room's time; a leave revokes nothing.
func TestRemoveRevokesThroughAccess(t *testing.T) {
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	acc := newMemAccess(func() time.Time { return now })
	m := newManager(t, room.Config{Access: acc, Now: func() time.Time { return now }})
	all := subscribe(t, m)
	if _, err := m.Create(room.Spec{Name: "r", Owner: owner}); err != nil {
		t.Fatal(err)
	}
	h, _ := joinAs(t, m, "hana", room.RoleHost)
	p, prec := joinAs(t, m, "pat", room.RoleParticipant)
	joinAs(t, m, "vic", room.RoleViewer)
	q, _ := joinAs(t, m, "quinn", room.RoleParticipant)
	if err := h.RemoveOther(p.ID(), nil); err != nil {
		t.Fatal(err)
	}
	if ev := prec.of(room.EventRemoved); len(ev) != 1 || ev[0].Reason != room.ReasonRemoved || ev[0].Actor != h.ID() {
		t.Fatalf("removed participant heard %v", kinds(prec.all()))
	}
	if err := m.Remove("r", adminOf(owner), "vic", nil); err != nil {
		t.Fatal(err)
	}
	q.Leave(room.ReasonLeft)
	for _, id := range []room.Identity{"pat", "vic"} {
		if at, ok := acc.revokedAt(owner, "r", id); !ok || !at.Equal(now) {
			t.Errorf("%s's tokens not revoked at the removal: %v %v", id, at, ok)
		}
	}
	if _, ok := acc.revokedAt(owner, "r", "quinn"); ok {
		t.Error("a leave revoked quinn's tokens")
	}
	var removed []string
	for _, e := range all.of(room.EventSecurity) {
		if e.Security.Kind == room.SecurityParticipantRemoved {
			removed = append(removed, e.Security.Actor+" "+e.Security.Subject)
		}
	}
	if want := []string{"hana pat", "owner:" + string(owner) + " vic"}; !slices.Equal(removed, want) {
		t.Fatalf("participant_removed events %q, want %q", removed, want)
	}
}

// TestBanDecision: a ban is a removal that needs the Ban permission too,
// decided on the rank rule on both paths; only the owner bans an identity
// whose role the room does not know; a refused ban records nothing.
func TestBanDecision(t *testing.T) {
	acc := newMemAccess(time.Now)
	m := newManager(t, room.Config{Access: acc})
	if _, err := m.Create(room.Spec{Name: "r", Owner: owner}); err != nil {
		t.Fatal(err)
	}
	h, _ := joinAs(t, m, "hana", room.RoleHost)
	hg, _ := joinAs(t, m, "hugo", room.RoleHost)
	mod, _ := joinAs(t, m, "mona", room.RoleModerator)
	p, _ := joinAs(t, m, "pat", room.RoleParticipant)
	hugo := hg.ID()
	ban := &room.BanRequest{}

	tests := []struct {
		name string
		do   func() error
		want error
	}{
		{"moderator bans a host", func() error { return mod.RemoveOther(hugo, ban) }, room.ErrRoleDenied},
		{"moderator bans a participant", func() error { return mod.RemoveOther(p.ID(), ban) }, room.ErrRoleDenied},
		{"host bans a host", func() error { return h.RemoveOther(hugo, ban) }, room.ErrOutranked},
		{"host's REST token bans a host", func() error { return m.Remove("r", claims("r", "hana", hostGrants), "hugo", ban) }, room.ErrOutranked},
		{"moderator's REST token bans", func() error { return m.Remove("r", claims("r", "mona", allGrants), "pat", ban) }, room.ErrRoleDenied},
		{"host bans someone the room never saw", func() error { return m.Remove("r", claims("r", "hana", hostGrants), "stranger", ban) }, room.ErrUnknownParticipant},
	}
	for _, tt := range tests {
		if err := tt.do(); !errors.Is(err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}
	for _, id := range []room.Identity{"hugo", "pat", "stranger"} {
		if _, ok := acc.revokedAt(owner, "r", id); ok {
			t.Errorf("a refused ban revoked %s's tokens", id)
		}
	}
	if bans, _ := m.Bans(owner, "r"); len(bans) != 0 {
		t.Fatalf("refused bans recorded: %+v", bans)
	}

	// A host bans a participant over signaling; the owner bans the
	// stranger and a host.
	if err := h.RemoveOther(p.ID(), ban); err != nil {
		t.Fatal(err)
	}
	if err := m.Remove("r", adminOf(owner), "stranger", ban); err != nil {
		t.Fatal(err)
	}
	if err := m.Remove("r", adminOf(owner), "hugo", ban); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"pat", "stranger", "hugo"} {
		if err := tryJoin(m, "r", id); !errors.Is(err, room.ErrBanned) {
			t.Errorf("%s joined after a ban: %v", id, err)
		}
	}
}

// TestEndMeeting: a host ends the meeting: everyone is told (removed with
// meeting_ended), the room is gone, and the end is a security event.
func TestEndMeeting(t *testing.T) {
	m := newManager(t, room.Config{})
	all := subscribe(t, m)
	if _, err := m.Create(room.Spec{Name: "r", Owner: owner}); err != nil {
		t.Fatal(err)
	}
	h, hrec := joinAs(t, m, "hana", room.RoleHost)
	_, prec := joinAs(t, m, "pat", room.RoleParticipant)
	if err := h.EndMeeting(); err != nil {
		t.Fatal(err)
	}
	for _, rec := range []*recorder{hrec, prec} {
		if ev := rec.of(room.EventRemoved); len(ev) != 1 || ev[0].Reason != room.ReasonMeetingEnded {
			t.Fatalf("heard %v", kinds(rec.all()))
		}
	}
	if _, err := m.Get("r"); !errors.Is(err, room.ErrRoomNotFound) {
		t.Fatalf("room after the end: %v", err)
	}
	ended := 0
	for _, e := range all.of(room.EventSecurity) {
		if e.Security.Kind == room.SecurityMeetingEnded && e.Security.Actor == "hana" && e.Security.Reason == "meeting_ended" {
			ended++
		}
	}
	if ended != 1 {
		t.Fatal("no meeting_ended security event")
	}
	if err := m.End("r", adminOf(owner), room.ReasonMeetingEnded); !errors.Is(err, room.ErrRoomNotFound) {
		t.Fatalf("End of an ended room: %v", err)
	}
}

// TestDemotionOutlivesTheStay: a host's own join token carries roomAdmin,
// so on the REST API it acts as that host (peers stay out of reach); once
// the owner demotes it, neither its token on REST nor a new join with the
// same token gives the host's powers back.
func TestDemotionOutlivesTheStay(t *testing.T) {
	m := newManager(t, room.Config{})
	if _, err := m.Create(room.Spec{Name: "r", Owner: owner}); err != nil {
		t.Fatal(err)
	}
	h, _ := joinAs(t, m, "hana", room.RoleHost)
	joinAs(t, m, "hugo", room.RoleHost)
	joinAs(t, m, "pat", room.RoleParticipant)
	hanaREST := claims("r", "hana", hostGrants)
	if _, err := m.SetRole("r", hanaREST, "hugo", room.RoleViewer); !errors.Is(err, room.ErrOutranked) {
		t.Fatalf("a host demotes its peer over REST: %v, want role_rank", err)
	}
	if _, err := m.SetRole("r", hanaREST, "pat", room.RoleViewer); err != nil {
		t.Fatalf("a host demotes a participant over REST: %v", err)
	}
	if _, err := m.SetRole("r", adminOf(owner), "hana", room.RoleParticipant); err != nil {
		t.Fatal(err)
	}
	h.Leave(room.ReasonLeft)
	if _, err := m.SetLocked("r", hanaREST, true); !errors.Is(err, room.ErrRoleDenied) {
		t.Fatalf("a demoted host that left locks over REST: %v, want role_denied", err)
	}
	again, _ := join(t, m, "r", "hana", hostGrants)
	if got := again.Info(); got.Role != room.RoleParticipant || got.Permissions.Has(room.Remove) {
		t.Fatalf("a demoted host joined again as %s with %016b", got.Role, got.Permissions)
	}
}

// A host that left acts over REST with the role it last held, never as the
// room's owner: it cannot demote, remove or ban its peer host, nor manage
// the room's revocations; only an identity that never was in the room acts
// as the owner.
func TestHostThatLeftIsNoOwner(t *testing.T) {
	m := newManager(t, room.Config{})
	if _, err := m.Create(room.Spec{Name: "r", Owner: owner}); err != nil {
		t.Fatal(err)
	}
	h, _ := joinAs(t, m, "hana", room.RoleHost)
	joinAs(t, m, "hugo", room.RoleHost)
	h.Leave(room.ReasonLeft)
	hanaREST := claims("r", "hana", hostGrants)
	if _, err := m.SetRole("r", hanaREST, "hugo", room.RoleViewer); !errors.Is(err, room.ErrOutranked) {
		t.Fatalf("a host that left demotes its peer over REST: %v, want role_rank", err)
	}
	if err := m.Remove("r", hanaREST, "hugo", nil); !errors.Is(err, room.ErrOutranked) {
		t.Fatalf("a host that left removes its peer over REST: %v, want role_rank", err)
	}
	if d := m.Decide(room.Request{Action: room.ActionManageAccess, Room: "r", Claims: hanaREST}); d.Outcome == room.Admitted {
		t.Fatal("a host that left manages the room's revocations as its owner")
	}
	// An admin token of an identity the room never saw is the owner's.
	if _, err := m.SetRole("r", claims("r", "ops", hostGrants), "hugo", room.RoleParticipant); err != nil {
		t.Fatalf("the owner's admin token demotes a host: %v", err)
	}
}
