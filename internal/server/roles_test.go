package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/conclave-video/conclave/client"
	"github.com/conclave-video/conclave/internal/testkit"
	"github.com/conclave-video/conclave/protocol"
	"github.com/conclave-video/conclave/token"
)

// roleToken mints a join token for room whose grants give role: host
// (roomAdmin), participant (publish), viewer (subscribe only). A
// moderator joins as a participant and is promoted through the REST API.
func (e *env) roleToken(room, identity, role string) string {
	e.t.Helper()
	g := token.Grants{Publish: true, Subscribe: true, PublishData: true}
	switch role {
	case protocol.RoleHost:
		g.RoomAdmin = true
	case protocol.RoleViewer:
		g = token.Grants{Subscribe: true}
	}
	tok, err := e.Key.Mint(token.Options{Identity: identity, Name: identity, Room: room, TTL: 10 * time.Minute, Grants: g})
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// joinRole connects identity to room in role, through the real signaling
// path, and records its events.
func (e *env) joinRole(ctx context.Context, t *testing.T, room, identity, role string) *recorder {
	t.Helper()
	c, err := e.join(ctx, e.roleToken(room, identity, role))
	if err != nil {
		t.Fatalf("%s joins as %s: %v", identity, role, err)
	}
	rec := record(c)
	if role == protocol.RoleModerator {
		e.setRoleREST(t, room, identity, role)
		wait(t, rec, "the moderator role", func(ev client.RoleChanged) bool {
			return ev.Participant.ID == c.Self().ID && ev.Participant.Role == role
		})
	}
	if got := c.Self().Role; got != role {
		t.Fatalf("%s is %s, want %s", identity, got, role)
	}
	return rec
}

func (e *env) setRoleREST(t *testing.T, room, identity, role string) {
	t.Helper()
	status, body := e.api("POST", "/v1/rooms/"+room+"/participants/"+identity+"/role", e.adminToken(e.Key, room), `{"role":"`+role+`"}`)
	if status != http.StatusOK {
		t.Fatalf("REST set role %s of %s: %d %s", role, identity, status, body)
	}
}

var roles = []string{protocol.RoleHost, protocol.RoleModerator, protocol.RoleParticipant, protocol.RoleViewer}

// The permission matrix of docs/access.md, written out again so that the
// test does not trust the code it checks.
var (
	roleMay = map[string][]string{
		protocol.RoleHost: {"mute", "set_role", "remove", "lock", "end",
			"admit", "deny", "set_password", "set_lobby", "share_invite"},
		protocol.RoleModerator:   {"mute", "remove", "admit", "deny", "share_invite"},
		protocol.RoleParticipant: {},
		protocol.RoleViewer:      {},
	}
	roleRank = map[string]int{protocol.RoleHost: 4, protocol.RoleModerator: 3, protocol.RoleParticipant: 2, protocol.RoleViewer: 1}
)

// expected is the answer the matrix gives: "" allowed, or the error code.
func expected(actor, action, target string) string {
	switch {
	case !slices.Contains(roleMay[actor], action):
		return protocol.CodeRoleDenied
	case target != "" && roleRank[target] >= roleRank[actor]:
		return protocol.CodeRoleRank
	}
	return ""
}

// errorsSince returns the codes of the errors the recorder got after the
// first n events.
func errorsSince(r *recorder, n int) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, ev := range r.events[n:] {
		if e, ok := ev.(client.ErrorReceived); ok {
			out = append(out, e.Err.Code)
		}
	}
	return out
}

func eventCount(r *recorder) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.events)
}

// TestRoleMatrixOverSignaling: every role tries every moderation action on
// every role, through the Go client over a real server, and gets what the
// matrix says: role_denied, role_rank, or the change itself (seen by its
// target or by everyone). A mute that the decision allows reaches the
// track lookup, and the targets publish nothing: its answer is
// unknown_track, which no refusal of the decision gives; so does an
// admission or denial of a guest who does not wait (guest_not_found).
// set_password is seen in the room's state, set_lobby by everyone
// (lobby_changed).
func TestRoleMatrixOverSignaling(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*testkit.DefaultWait())
	defer cancel()
	for _, actorRole := range roles {
		t.Run(actorRole, func(t *testing.T) {
			room := "matrix-" + actorRole
			actor := e.joinRole(ctx, t, room, "actor", actorRole)
			targets := map[string]*recorder{}
			for _, tr := range roles {
				targets[tr] = e.joinRole(ctx, t, room, "t-"+tr, tr)
			}
			// act sends one action and waits for its answer: the error
			// code, or "" when the effect was seen.
			act := func(what string, send func() error, effect func() bool) string {
				t.Helper()
				n := eventCount(actor)
				if err := send(); err != nil {
					t.Fatalf("%s: send: %v", what, err)
				}
				var code string
				testkit.Eventually(t, actorRole+" "+what+": an answer", func() bool {
					if errs := errorsSince(actor, n); len(errs) > 0 {
						code = errs[0]
						return true
					}
					return effect != nil && effect()
				})
				return code
			}
			check := func(action, target, got string) {
				t.Helper()
				want := expected(actorRole, action, target)
				if action == "mute" && want == "" {
					want = protocol.CodeUnknownTrack
				}
				if (action == "admit" || action == "deny") && want == "" {
					want = protocol.CodeGuestNotFound
				}
				if got != want {
					t.Errorf("%s %s %s: got %q, want %q", actorRole, action, target, got, want)
				}
			}
			never := func() bool { return false }

			for _, tr := range roles {
				id := targets[tr].c.Self().ID
				got := act("mute "+tr, func() error { return actor.c.MuteParticipant(ctx, id, "TR_NONE", true) }, never)
				check("mute", tr, got)
			}
			for _, tr := range roles {
				id, to := targets[tr].c.Self().ID, protocol.RoleViewer
				if tr == protocol.RoleViewer {
					to = protocol.RoleParticipant
				}
				got := act("set_role "+tr, func() error { return actor.c.SetRole(ctx, id, to) }, func() bool {
					_, ok := find(targets[tr], func(ev client.RoleChanged) bool { return ev.Participant.ID == id && ev.Participant.Role == to })
					return ok
				})
				check("set_role", tr, got)
				if got == "" {
					e.setRoleREST(t, room, "t-"+tr, tr) // back, for the next actions
					wait(t, targets[tr], "its role back", func(ev client.RoleChanged) bool { return ev.Participant.Role == tr })
				}
			}
			got := act("lock", func() error { return actor.c.LockMeeting(ctx, true) }, func() bool {
				_, ok := find(targets[protocol.RoleViewer], func(ev client.LockChanged) bool { return ev.Locked })
				return ok
			})
			check("lock", "", got)
			if got == "" {
				if status, body := e.api("POST", "/v1/rooms/"+room+"/lock", e.adminToken(e.Key, room), `{"locked":false}`); status != http.StatusOK {
					t.Fatalf("unlock: %d %s", status, body)
				}
			}
			got = act("admit", func() error { return actor.c.AdmitGuest(ctx, "LB_NONE") }, never)
			check("admit", "", got)
			got = act("deny", func() error { return actor.c.DenyGuest(ctx, "LB_NONE") }, never)
			check("deny", "", got)
			admin := e.adminToken(e.Key, room)
			hasPassword := func() bool {
				_, body := e.api("GET", "/v1/rooms/"+room, admin, nil)
				var info struct{ Password bool }
				return json.Unmarshal([]byte(body), &info) == nil && info.Password
			}
			got = act("set_password", func() error { return actor.c.SetPassword(ctx, "a room password") }, hasPassword)
			check("set_password", "", got)
			if got == "" {
				if status, body := e.api("POST", "/v1/rooms/"+room+"/password", admin, `{"password":""}`); status != http.StatusOK {
					t.Fatalf("clear the password: %d %s", status, body)
				}
			}
			got = act("set_lobby", func() error { return actor.c.SetLobby(ctx, true) }, func() bool {
				_, ok := find(targets[protocol.RoleViewer], func(ev client.LobbyChanged) bool { return ev.On })
				return ok
			})
			check("set_lobby", "", got)
			if got == "" {
				if status, body := e.api("POST", "/v1/rooms/"+room+"/lobby/settings", admin, `{"on":false}`); status != http.StatusOK {
					t.Fatalf("lobby off: %d %s", status, body)
				}
			}
			// Invites are made through the REST API, with the actor's own
			// join token.
			status, body := e.api("POST", "/v1/meetings/"+room+"/invites", e.roleToken(room, "actor", actorRole), `{}`)
			got = ""
			if status != http.StatusCreated {
				got = jsonErrCode(body)
			}
			check("share_invite", "", got)
			for _, tr := range roles {
				id := targets[tr].c.Self().ID
				got := act("remove "+tr, func() error { return actor.c.RemoveParticipant(ctx, id) }, func() bool {
					_, ok := find(actor, func(ev client.ParticipantLeft) bool {
						return ev.ParticipantID == id && ev.Reason == protocol.ReasonRemoved
					})
					return ok
				})
				check("remove", tr, got)
			}
			got = act("end", func() error { return actor.c.EndMeeting(ctx) }, func() bool {
				_, ok := find(actor, func(ev client.Disconnected) bool { return ev.Reason == protocol.ReasonMeetingEnded })
				return ok
			})
			check("end", "", got)
		})
	}
}

// TestRoleActionsOverREST: the room's owner (a roomAdmin token of its API
// key) may do every action to every role, hosts included; a token without
// roomAdmin may do none, and a roomAdmin token of another room none.
func TestRoleActionsOverREST(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*testkit.DefaultWait())
	defer cancel()
	const room = "rest-roles"
	for _, tr := range roles {
		e.joinRole(ctx, t, room, "t-"+tr, tr)
	}
	admin, otherRoom := e.adminToken(e.Key, room), e.adminToken(e.Key, "elsewhere")
	// No roomAdmin grant; an identity nobody removes, since a removal
	// revokes the removed identity's tokens.
	member := e.roleToken(room, "bystander", protocol.RoleParticipant)
	// Creating an invite link with each role's own join token: the role
	// decides (share_invite: hosts and moderators).
	for _, tr := range roles {
		status, body := e.api("POST", "/v1/meetings/"+room+"/invites", e.roleToken(room, "t-"+tr, tr), `{}`)
		want := expected(tr, "share_invite", "")
		if got := jsonErrCode(body); (want == "" && status != http.StatusCreated) || (want != "" && (status != http.StatusForbidden || got != want)) {
			t.Errorf("%s creates an invite: %d %s, want %q", tr, status, body, want)
		}
	}
	// The lobby and the password: the owner may (an admission or denial
	// of nobody waiting reaches the lobby: guest_not_found), a token
	// without roomAdmin or of another room may not.
	for _, c := range []struct{ path, body, code string }{
		{"/lobby/admit", `{"id":"LB_NONE"}`, protocol.CodeGuestNotFound},
		{"/lobby/deny", `{"all":true}`, ""},
		{"/password", `{"password":"a room password"}`, ""},
		{"/password", `{"password":""}`, ""},
		{"/lobby/settings", `{"on":true}`, ""},
		{"/lobby/settings", `{"on":false}`, ""},
	} {
		path := "/v1/rooms/" + room + c.path
		for _, tok := range []string{member, otherRoom} {
			if status, body := e.api("POST", path, tok, c.body); status != http.StatusForbidden || !jsonCode(body, protocol.CodePermissionDenied) {
				t.Errorf("POST %s %s without the power: %d %s", path, c.body, status, body)
			}
		}
		status, body := e.api("POST", path, admin, c.body)
		if got := jsonErrCode(body); got != c.code || (c.code == "" && status/100 != 2) {
			t.Errorf("owner POST %s %s: %d %s, want %q", path, c.body, status, body, c.code)
		}
	}
	// A host's own join token acts as the host; a moderator's and the
	// others' (no roomAdmin) are not REST admins at all.
	if status, body := e.api("POST", "/v1/rooms/"+room+"/lobby/settings", e.roleToken(room, "t-host", protocol.RoleHost), `{"on":true}`); status != http.StatusOK {
		t.Errorf("a host turns the lobby on over REST: %d %s", status, body)
	}
	if status, body := e.api("POST", "/v1/rooms/"+room+"/lobby/settings", admin, `{"on":false}`); status != http.StatusOK {
		t.Errorf("the owner turns it off: %d %s", status, body)
	}
	type call struct{ method, path, body string }
	calls := func(tr string) []call {
		p := "/v1/rooms/" + room + "/participants/t-" + tr
		return []call{
			{"POST", p + "/tracks/TR_NONE/mute", `{"muted":true}`},
			{"POST", p + "/role", `{"role":"` + tr + `"}`},
			{"POST", "/v1/rooms/" + room + "/lock", `{"locked":false}`},
		}
	}
	for _, tr := range roles {
		for _, c := range calls(tr) {
			for _, tok := range []string{member, otherRoom} {
				if status, body := e.api(c.method, c.path, tok, c.body); status != http.StatusForbidden || !jsonCode(body, protocol.CodePermissionDenied) {
					t.Errorf("%s %s without the power: %d %s", c.method, c.path, status, body)
				}
			}
			status, body := e.api(c.method, c.path, admin, c.body)
			want := http.StatusOK
			if c.body == `{"muted":true}` {
				want = http.StatusNotFound // the decision allowed it; there is no such track
				if !jsonCode(body, protocol.CodeTrackNotFound) {
					t.Errorf("owner mutes %s: %s", tr, body)
				}
			}
			if status != want {
				t.Errorf("owner %s %s: %d %s", c.method, c.path, status, body)
			}
		}
		for _, tok := range []string{member, otherRoom} {
			if status, body := e.api("DELETE", "/v1/rooms/"+room+"/participants/t-"+tr, tok, nil); status != http.StatusForbidden {
				t.Errorf("remove %s without the power: %d %s", tr, status, body)
			}
		}
		if status, body := e.api("DELETE", "/v1/rooms/"+room+"/participants/t-"+tr, admin, nil); status != http.StatusNoContent {
			t.Errorf("owner removes %s: %d %s", tr, status, body)
		}
	}
	// A host's own join token carries roomAdmin: on the REST API it acts
	// as that host, so a peer host is out of its reach.
	e.joinRole(ctx, t, room, "h1", protocol.RoleHost)
	e.joinRole(ctx, t, room, "h2", protocol.RoleHost)
	e.joinRole(ctx, t, room, "p1", protocol.RoleParticipant)
	h1 := e.roleToken(room, "h1", protocol.RoleHost)
	if status, body := e.api("POST", "/v1/rooms/"+room+"/participants/h2/role", h1, `{"role":"viewer"}`); status != http.StatusForbidden || !jsonCode(body, protocol.CodeRoleRank) {
		t.Errorf("a host demotes a peer host over REST: %d %s", status, body)
	}
	if status, body := e.api("DELETE", "/v1/rooms/"+room+"/participants/h2", h1, nil); status != http.StatusForbidden || !jsonCode(body, protocol.CodeRoleRank) {
		t.Errorf("a host removes a peer host over REST: %d %s", status, body)
	}
	if status, body := e.api("POST", "/v1/rooms/"+room+"/participants/p1/role", h1, `{"role":"viewer"}`); status != http.StatusOK {
		t.Errorf("a host demotes a participant over REST: %d %s", status, body)
	}
	// Demoted, the host's token has no power left, in the room or after.
	e.setRoleREST(t, room, "h1", protocol.RoleParticipant)
	if status, body := e.api("POST", "/v1/rooms/"+room+"/lock", h1, `{"locked":true}`); status != http.StatusForbidden || !jsonCode(body, protocol.CodeRoleDenied) {
		t.Errorf("a demoted host locks over REST: %d %s", status, body)
	}
	if status, body := e.api("POST", "/v1/rooms/"+room+"/participants/h2/role", admin, `{"role":"king"}`); status != http.StatusBadRequest {
		t.Errorf("an unknown role: %d %s", status, body)
	}
	if status, body := e.api("POST", "/v1/rooms/"+room+"/end", member, nil); status != http.StatusForbidden {
		t.Errorf("end without the power: %d %s", status, body)
	}
	if status, body := e.api("POST", "/v1/rooms/"+room+"/end", admin, nil); status != http.StatusNoContent {
		t.Errorf("owner ends: %d %s", status, body)
	}
	if status, _ := e.api("GET", "/v1/rooms/"+room, admin, nil); status != http.StatusNotFound {
		t.Errorf("the ended room answers %d", status)
	}
}

func jsonErrCode(body string) string {
	var b struct {
		Error struct{ Code string } `json:"error"`
	}
	_ = json.Unmarshal([]byte(body), &b)
	return b.Error.Code
}

func jsonCode(body, code string) bool {
	var b struct {
		Error struct{ Code string } `json:"error"`
	}
	return json.Unmarshal([]byte(body), &b) == nil && b.Error.Code == code
}

// TestRoleAttacks: each attack is refused with its code, over the real
// paths.
func TestRoleAttacks(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*testkit.DefaultWait())
	defer cancel()

	t.Run("participant removes or mutes the host", func(t *testing.T) {
		host := e.joinRole(ctx, t, "atk1", "hana", protocol.RoleHost)
		pat := e.joinRole(ctx, t, "atk1", "pat", protocol.RoleParticipant)
		mod := e.joinRole(ctx, t, "atk1", "mo", protocol.RoleModerator)
		hid := host.c.Self().ID
		for _, tc := range []struct {
			who  *recorder
			send func(*client.Client) error
			code string
		}{
			{pat, func(c *client.Client) error { return c.RemoveParticipant(ctx, hid) }, protocol.CodeRoleDenied},
			{pat, func(c *client.Client) error { return c.MuteParticipant(ctx, hid, "TR_X", true) }, protocol.CodeRoleDenied},
			{mod, func(c *client.Client) error { return c.RemoveParticipant(ctx, hid) }, protocol.CodeRoleRank},
			{mod, func(c *client.Client) error { return c.MuteParticipant(ctx, hid, "TR_X", true) }, protocol.CodeRoleRank},
			{mod, func(c *client.Client) error { return c.SetRole(ctx, hid, protocol.RoleViewer) }, protocol.CodeRoleDenied},
		} {
			n := eventCount(tc.who)
			if err := tc.send(tc.who.c); err != nil {
				t.Fatal(err)
			}
			testkit.Eventually(t, "the refusal "+tc.code, func() bool { return len(errorsSince(tc.who, n)) > 0 })
			if got := errorsSince(tc.who, n)[0]; got != tc.code {
				t.Errorf("got %s, want %s", got, tc.code)
			}
		}
		if _, gone := find(host, func(client.Disconnected) bool { return true }); gone {
			t.Fatal("the host was disconnected")
		}
	})

	t.Run("viewer publishes", func(t *testing.T) {
		e.joinRole(ctx, t, "atk2", "hana", protocol.RoleHost)
		r := e.dialRaw(ctx, t)
		r.join(e.roleToken("atk2", "vic", protocol.RoleViewer))
		r.mustSend(`{"v":1,"type":"add_track","data":{"cid":"c1","kind":"audio","source":"microphone"}}`)
		r.expectError(protocol.CodeRoleDenied)
		r.mustSend(fmt.Sprintf(`{"v":1,"type":"offer","data":{"pc":"publisher","sdp":%q}}`, sendingOffer))
		r.expectError(protocol.CodeRoleDenied)
		r.mustSend(`{"v":1,"type":"data","data":{"topic":"chat","payload":"aGk="}}`)
		r.expectError(protocol.CodeRoleDenied)
		r.expectOpen()
	})

	t.Run("join a locked meeting with a valid token", func(t *testing.T) {
		host := e.joinRole(ctx, t, "atk3", "hana", protocol.RoleHost)
		if err := host.c.LockMeeting(ctx, true); err != nil {
			t.Fatal(err)
		}
		wait(t, host, "the lock", func(ev client.LockChanged) bool { return ev.Locked && ev.By == host.c.Self().ID })
		for _, role := range []string{protocol.RoleParticipant, protocol.RoleHost} {
			if _, err := e.join(ctx, e.roleToken("atk3", "late-"+role, role)); serverCode(err) != protocol.CodeMeetingLocked {
				t.Errorf("%s joins a locked meeting: %v", role, err)
			}
		}
		if err := host.c.LockMeeting(ctx, false); err != nil {
			t.Fatal(err)
		}
		wait(t, host, "the unlock", func(ev client.LockChanged) bool { return !ev.Locked })
		if _, err := e.join(ctx, e.roleToken("atk3", "late", protocol.RoleParticipant)); err != nil {
			t.Errorf("join after unlock: %v", err)
		}
	})

	t.Run("demoted host loses its powers at once", func(t *testing.T) {
		e.joinRole(ctx, t, "atk4", "hana", protocol.RoleHost)
		h2 := e.joinRole(ctx, t, "atk4", "hugo", protocol.RoleHost)
		pat := e.joinRole(ctx, t, "atk4", "pat", protocol.RoleParticipant)
		e.setRoleREST(t, "atk4", "hugo", protocol.RoleParticipant)
		wait(t, h2, "its demotion", func(ev client.RoleChanged) bool {
			return ev.Participant.ID == h2.c.Self().ID && ev.Participant.Role == protocol.RoleParticipant && !ev.Participant.Permissions.Remove
		})
		n := eventCount(h2)
		if err := h2.c.RemoveParticipant(ctx, pat.c.Self().ID); err != nil {
			t.Fatal(err)
		}
		testkit.Eventually(t, "the refusal", func() bool { return len(errorsSince(h2, n)) > 0 })
		if got := errorsSince(h2, n)[0]; got != protocol.CodeRoleDenied {
			t.Fatalf("demoted host removes: %s", got)
		}
	})

	t.Run("removed participant cannot resume", func(t *testing.T) {
		host := e.joinRole(ctx, t, "atk5", "hana", protocol.RoleHost)
		r := e.dialRaw(ctx, t)
		tok := e.roleToken("atk5", "pat", protocol.RoleParticipant)
		r.mustSend(joinFrame(tok))
		var joined protocol.Joined
		limit := time.After(testkit.DefaultWait())
		for joined.ResumeSecret == "" {
			env, ok := r.next(limit, "joined")
			if !ok {
				t.Fatal("closed while joining")
			}
			if env.Type == protocol.TypeJoined {
				if err := json.Unmarshal(env.Data, &joined); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := host.c.RemoveParticipant(ctx, joined.Participant.ID); err != nil {
			t.Fatal(err)
		}
		wait(t, host, "the removal", func(ev client.ParticipantLeft) bool { return ev.ParticipantID == joined.Participant.ID })
		r.expectClosed()
		// Its token is revoked by the removal; a token issued after it
		// still cannot revive the session.
		for _, tc := range []struct{ tok, want string }{{tok, protocol.CodeTokenRevoked}, {mintAfter(t, e.Key, "atk5", "pat"), protocol.CodeResumeFailed}} {
			again := e.dialRaw(ctx, t)
			again.mustSend(resumeFrame(tc.tok, joined.Participant.ID, joined.ResumeSecret))
			again.expectError(tc.want)
		}
	})
}

// sendingOffer is a publisher offer with one sendrecv audio section.
const sendingOffer = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n" +
	"m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=sendrecv\r\na=rtpmap:111 opus/48000/2\r\n" +
	"a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\na=fingerprint:sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF\r\na=setup:actpass\r\n"
