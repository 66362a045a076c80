package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/conclave-video/conclave/client"
	"github.com/conclave-video/conclave/internal/accounts"
	"github.com/conclave-video/conclave/internal/config"
	"github.com/conclave-video/conclave/internal/room"
	"github.com/conclave-video/conclave/internal/store"
	"github.com/conclave-video/conclave/internal/testkit"
	"github.com/conclave-video/conclave/protocol"
	"github.com/conclave-video/conclave/token"
)

// policyEvents records the policy_changed events a server publishes.
type policyEvents struct {
	mu  sync.Mutex
	evs []room.SecurityEvent
}

func (p *policyEvents) OnEvent(e room.Event) {
	if e.Kind == room.EventSecurity && e.Security.Kind == room.SecurityPolicyChanged {
		p.mu.Lock()
		p.evs = append(p.evs, *e.Security)
		p.mu.Unlock()
	}
}

// has reports whether an event with outcome, old and new versions came.
func (p *policyEvents) has(outcome string, old, new int64) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, e := range p.evs {
		if e.Outcome == outcome && e.OldVersion == old && e.NewVersion == new {
			return true
		}
	}
	return false
}

// policyEnv is a server whose admins need no second factor (so that a
// test admin signs in with a password alone), with an admin signed in.
func policyEnv(t *testing.T) (*env, *member, *policyEvents) {
	t.Helper()
	e := newEnv(t, func(c *config.Config) { c.Accounts.RequireSecondFactor = "none" })
	evs := &policyEvents{}
	t.Cleanup(e.Srv.Rooms().Subscribe(evs))
	admin := e.signedIn("admin@example.org")
	if _, err := e.Srv.Store().UpdateUser(context.Background(), admin.user.ID, func(u *store.User) error {
		u.Role = store.RoleAdmin
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	admin.user.Role = store.RoleAdmin
	return e, admin, evs
}

// putPolicy sends PUT /v1/policy.
func (m *member) putPolicy(yaml string, version int64) (int, accounts.PolicyResponse, string) {
	m.e.t.Helper()
	body, _ := json.Marshal(map[string]any{"yaml": yaml, "version": version})
	var pr accounts.PolicyResponse
	status, b := m.do("PUT", "/v1/policy", string(body), &pr)
	return status, pr, string(b)
}

// TestPolicyHotApply: the policy in force follows the store. A version
// applied on the command line (the same store call) is picked up by the
// running server; a PUT is in force at once; a stale PUT, an invalid one
// and an invalid stored version leave the old one in force; every change
// applied or refused is a policy_changed event.
func TestPolicyHotApply(t *testing.T) {
	e, admin, evs := policyEnv(t)
	ctx := context.Background()

	var got accounts.PolicyResponse
	if status, b := admin.do("GET", "/v1/policy", "", &got); status != http.StatusOK || got.Version != 0 || got.Source != "defaults" ||
		!strings.Contains(got.Effective, "require_second_factor: none\n") {
		t.Fatalf("GET with nothing stored: %d %s", status, b)
	}

	// As `conclave policy apply` does, on the server's database.
	if _, err := e.Srv.Store().AddPolicyVersion(ctx, 0, store.PolicyVersion{YAML: "require_second_factor: none\nchat: false\n", Author: "operator:test"}); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, "the server to put version 1 in force", func() bool { return e.Srv.Policy().Version == 1 })
	if e.Srv.Policy().Chat {
		t.Fatal("version 1 in force with chat on")
	}
	testkit.Eventually(t, "policy_changed 0 to 1", func() bool { return evs.has(room.OutcomeSucceeded, 0, 1) })

	// A PUT is in force when it is answered.
	status, pr, b := admin.putPolicy("require_second_factor: none\nscreen_share: false\n", 1)
	if status != http.StatusOK || pr.Version != 2 || pr.Source != "stored" || pr.Author != admin.user.ID {
		t.Fatalf("PUT: %d %s", status, b)
	}
	if p := e.Srv.Policy(); p.Version != 2 || p.ScreenShare || !p.Chat {
		t.Fatalf("after PUT the server has %+v", p)
	}
	if !evs.has(room.OutcomeSucceeded, 1, 2) {
		t.Fatal("no policy_changed event for the PUT")
	}

	// A lost update: based on version 1, which is no longer the newest.
	if status, _, b := admin.putPolicy("chat: true\n", 1); status != http.StatusConflict || errorCode(b) != protocol.CodePolicyConflict {
		t.Fatalf("stale PUT: %d %s", status, b)
	}
	// Invalid: the line and the reason.
	status, _, b = admin.putPolicy("require_second_factor: none\nchat: maybe\n", 2)
	if status != http.StatusBadRequest || errorCode(b) != protocol.CodePolicyInvalid || !strings.Contains(b, "line 2") || !strings.Contains(b, "chat") {
		t.Fatalf("invalid PUT: %d %s", status, b)
	}
	// No version at all: refused before anything is read.
	if status, b := admin.do("PUT", "/v1/policy", `{"yaml":"chat: true\n"}`, nil); status != http.StatusBadRequest {
		t.Fatalf("PUT without a version: %d %s", status, b)
	}
	// A policy that would lock the admin out.
	if status, _, b := admin.putPolicy("require_second_factor: none\nallowed_email_domains: [example.com]\n", 2); status != http.StatusBadRequest || !strings.Contains(b, "domain") {
		t.Fatalf("lock-out PUT: %d %s", status, b)
	}
	if p := e.Srv.Policy(); p.Version != 2 {
		t.Fatalf("a refused PUT changed the policy: %+v", p)
	}
	if !evs.has(room.OutcomeRefused, 2, 2) || !evs.has(room.OutcomeRefused, 2, 0) {
		t.Fatal("refused PUTs were not policy_changed events")
	}

	// A version stored without validation (by hand, by a newer Conclave):
	// refused by the watcher, the old one stays in force.
	if _, err := e.Srv.Store().AddPolicyVersion(ctx, 2, store.PolicyVersion{YAML: "nonsense: 1\n", Author: "operator:test"}); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, "the invalid version 3 refused", func() bool { return evs.has(room.OutcomeRefused, 2, 3) })
	if p := e.Srv.Policy(); p.Version != 2 {
		t.Fatalf("an invalid stored version went in force: %+v", p)
	}

	// Only admins read or change it.
	member := e.signedIn("member@example.org")
	if status, b := member.do("GET", "/v1/policy", "", nil); status != http.StatusForbidden {
		t.Fatalf("a member's GET: %d %s", status, b)
	}
	if status, _, b := member.putPolicy("chat: true\n", 3); status != http.StatusForbidden {
		t.Fatalf("a member's PUT: %d %s", status, b)
	}
}

// TestPolicyRules: each rule enforced today, through the whole server.
func TestPolicyRules(t *testing.T) {
	e, admin, _ := policyEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), testkit.DefaultWait())
	defer cancel()
	member := e.signedIn("member@example.org")
	outsider := e.signedIn("someone@elsewhere.net")
	version := int64(0)
	apply := func(yaml string) {
		t.Helper()
		status, pr, b := admin.putPolicy("require_second_factor: none\n"+yaml, version)
		if status != http.StatusOK {
			t.Fatalf("PUT %q: %d %s", yaml, status, b)
		}
		version = pr.Version
	}

	// Personal API tokens made before the rules change: the policy in
	// force applies to them at each use.
	personal := func(do func(method, path, body string, out any) (int, []byte)) string {
		t.Helper()
		var tr accounts.CreateTokenResponse
		if status, body := do("POST", "/v1/auth/tokens", `{"name":"script","grants":["roomCreate","roomList"]}`, &tr); status != http.StatusCreated {
			t.Fatalf("personal token: %d %s", status, body)
		}
		return tr.Secret
	}
	memberToken, outsiderToken := personal(member.do), personal(outsider.do)

	t.Run("require_e2ee", func(t *testing.T) {
		apply("require_e2ee: true\n")
		if status, b := member.do("POST", "/v1/meetings", `{"e2ee":"off"}`, nil); status != http.StatusForbidden || errorCode(string(b)) != protocol.CodePolicyViolation {
			t.Fatalf("meeting with e2ee off: %d %s", status, b)
		}
		adminTok, err := e.Key.Mint(token.Options{Identity: "ops", TTL: time.Minute, Grants: token.Grants{RoomCreate: true}})
		if err != nil {
			t.Fatal(err)
		}
		r := e.do("POST", "/v1/rooms", `{"name":"plain","e2ee":"off"}`, "Authorization", "Bearer "+adminTok, "Content-Type", "application/json")
		if r.status != http.StatusForbidden || errorCode(r.body) != protocol.CodePolicyViolation {
			t.Fatalf("REST room with e2ee off: %d %s", r.status, r.body)
		}
		// Auto-created by a join: requires keys, which this client lacks.
		if _, err := e.join(ctx, e.JoinToken("auto", "alice")); serverCode(err) != protocol.CodeE2EERequired {
			t.Fatalf("join of an auto-created room without keys: %v", err)
		}
	})

	t.Run("create_rooms", func(t *testing.T) {
		apply("require_e2ee: false\ncreate_rooms: admins\n")
		if status, b := member.do("POST", "/v1/meetings", `{}`, nil); status != http.StatusForbidden || errorCode(string(b)) != protocol.CodePolicyViolation {
			t.Fatalf("a member's meeting under create_rooms admins: %d %s", status, b)
		}
		admin.createMeeting(`{}`)
		// Nor through the rooms API with a personal token: the account
		// loses the roomCreate grant while the rule holds.
		r := e.do("POST", "/v1/rooms", `{"name":"bypass"}`, "Authorization", "Bearer "+memberToken, "Content-Type", "application/json")
		if r.status != http.StatusForbidden || errorCode(r.body) != protocol.CodePermissionDenied {
			t.Fatalf("a member's personal token creates a room under create_rooms admins: %d %s", r.status, r.body)
		}
	})

	t.Run("max_token_lifetime", func(t *testing.T) {
		apply("require_e2ee: false\nmax_token_lifetime: 10m\n")
		long, err := e.Key.Mint(token.Options{Identity: "bob", Room: "lifetime", TTL: time.Hour,
			Grants: token.Grants{Publish: true, Subscribe: true}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.join(ctx, long); serverCode(err) != protocol.CodeTokenLifetime {
			t.Fatalf("an hour-long token under a 10-minute policy: %v", err)
		}
		var mr accounts.MeetingResponse
		if status, b := member.do("POST", "/v1/meetings", `{}`, &mr); status != http.StatusCreated {
			t.Fatalf("meeting: %d %s", status, b)
		}
		if left := time.Until(mr.Join.ExpiresAt); left > 10*time.Minute+time.Second {
			t.Fatalf("the host token lives %v, past the policy's 10m", left)
		}
		if _, err := e.join(ctx, mr.Join.Token); err != nil {
			t.Fatalf("the host token within the policy: %v", err)
		}
	})

	t.Run("allowed_email_domains", func(t *testing.T) {
		apply("require_e2ee: false\nallowed_email_domains: [example.org]\n")
		// The session of an account of another domain ends.
		if status, b := outsider.do("GET", "/v1/auth/me", "", nil); status != http.StatusForbidden || errorCode(string(b)) != protocol.CodeEmailDomain {
			t.Fatalf("an outsider's session: %d %s", status, b)
		}
		// And it cannot sign in again.
		status, b := outsider.do("POST", "/v1/auth/signin", `{"email":"someone@elsewhere.net","password":"`+meetingPassword+`"}`, nil)
		if status != http.StatusForbidden || errorCode(string(b)) != protocol.CodeEmailDomain {
			t.Fatalf("an outsider's sign-in: %d %s", status, b)
		}
		if status, b := member.do("GET", "/v1/auth/me", "", nil); status != http.StatusOK {
			t.Fatalf("a member of the allowed domain: %d %s", status, b)
		}
		// Its personal API token stops working too.
		r := e.do("GET", "/v1/rooms", "", "Authorization", "Bearer "+outsiderToken)
		if r.status != http.StatusUnauthorized || errorCode(r.body) != protocol.CodeTokenRevoked {
			t.Fatalf("an outsider's personal token: %d %s", r.status, r.body)
		}
		if r := e.do("GET", "/v1/rooms", "", "Authorization", "Bearer "+memberToken); r.status != http.StatusOK {
			t.Fatalf("a member's personal token: %d %s", r.status, r.body)
		}
	})

	t.Run("signup", func(t *testing.T) {
		signup := func(email string) (int, string) {
			r := e.do("POST", "/v1/auth/signup", `{"email":"`+email+`","name":"New","password":"`+meetingPassword+`"}`,
				"Content-Type", "application/json", "Origin", e.Srv.URL())
			return r.status, r.body
		}
		apply("require_e2ee: false\nsignup: invite\n")
		if status, b := signup("new1@example.org"); status != http.StatusForbidden || errorCode(b) != protocol.CodeSignupClosed {
			t.Fatalf("signup under invite: %d %s", status, b)
		}
		apply("require_e2ee: false\nsignup: open\nallowed_email_domains: [example.org]\n")
		if status, b := signup("new2@elsewhere.net"); status != http.StatusForbidden || errorCode(b) != protocol.CodeEmailDomain {
			t.Fatalf("open signup from another domain: %d %s", status, b)
		}
		if status, b := signup("new3@example.org"); status != http.StatusCreated {
			t.Fatalf("open signup: %d %s", status, b)
		}
	})

	// The guest rules bind an account's meetings (open to guests through
	// invites), not an API key's rooms (docs/access.md, "Lobby and
	// password").
	t.Run("lobby_for_guests", func(t *testing.T) {
		apply("require_e2ee: false\nlobby_for_guests: true\n")
		if status, b := member.do("POST", "/v1/meetings", `{"lobby":"off"}`, nil); status != http.StatusForbidden || errorCode(string(b)) != protocol.CodePolicyViolation {
			t.Fatalf("a meeting with its lobby off: %d %s", status, b)
		}
		m := member.createMeeting(`{}`)
		if !m.Room.Lobby {
			t.Fatalf("a meeting made without a lobby option: %+v", m.Room)
		}
		host, err := e.join(ctx, m.Join.Token)
		if err != nil {
			t.Fatalf("the host skips the lobby: %v", err)
		}
		inv := member.invite(string(m.Room.Name), `{}`)
		_, red, code := e.redeem(map[string]string{"invite": inv.Token, "name": "Guest"})
		if code != "" {
			t.Fatalf("redeem: %s", code)
		}
		status, done := e.guest(ctx, red.Join.Token)
		if s := <-status; s.Status != protocol.LobbyWaiting || s.Position != 1 {
			t.Fatalf("the guest's status: %+v", s)
		}
		g := waitGuest(ctx, t, host)
		if err := host.AdmitGuest(ctx, g.ID); err != nil {
			t.Fatal(err)
		}
		if r := <-done; r.err != nil {
			t.Fatalf("the admitted guest: %v", r.err)
		} else {
			r.c.Close()
		}

		// Turned off, a new meeting has no lobby unless it asks for one.
		apply("require_e2ee: false\nlobby_for_guests: false\n")
		m = member.createMeeting(`{}`)
		if m.Room.Lobby {
			t.Fatalf("a meeting under lobby_for_guests false: %+v", m.Room)
		}
		inv = member.invite(string(m.Room.Name), `{}`)
		_, red, _ = e.redeem(map[string]string{"invite": inv.Token, "name": "Guest"})
		if _, err := e.join(ctx, red.Join.Token); err != nil {
			t.Fatalf("a guest of a meeting without a lobby: %v", err)
		}
		if m := member.createMeeting(`{"lobby":"on"}`); !m.Room.Lobby {
			t.Fatalf("a meeting that asks for a lobby: %+v", m.Room)
		}
	})

	// members_skip_lobby: a signed-in member who redeems an invite with
	// its session joins without waiting; with the rule off it waits like
	// a guest; a guest waits either way; a disabled member's token is
	// refused; the host sees the member as one.
	t.Run("members_skip_lobby", func(t *testing.T) {
		apply("require_e2ee: false\nlobby_for_guests: true\n")
		skips := &securityKinds{kind: room.SecurityLobbySkipped}
		t.Cleanup(e.Srv.Rooms().Subscribe(skips))
		carol := e.signedIn("carol@example.org")
		m := member.createMeeting(`{}`)
		name := string(m.Room.Name)
		host, err := e.join(ctx, m.Join.Token)
		if err != nil {
			t.Fatal(err)
		}
		hrec := record(host)
		redeemAs := func(who interface {
			do(method, path, body string, v any) (int, []byte)
		}) accounts.RedeemInviteResponse {
			t.Helper()
			inv := member.invite(name, `{}`)
			var out accounts.RedeemInviteResponse
			if status, b := who.do("POST", "/v1/invites/redeem", `{"invite":"`+inv.Token+`"}`, &out); status != http.StatusOK {
				t.Fatalf("a member redeems: %d %s", status, b)
			}
			return out
		}
		red := redeemAs(carol)
		if !red.Member || red.Join.Identity != carol.user.ID || red.Join.Name != carol.user.DisplayName {
			t.Fatalf("a member's redemption: %+v", red)
		}
		c, err := e.join(ctx, red.Join.Token)
		if err != nil {
			t.Fatalf("the member skips the lobby: %v", err)
		}
		if !c.Self().Member {
			t.Fatalf("the member's own info: %+v", c.Self())
		}
		wait(t, hrec, "the member, flagged", func(ev client.ParticipantJoined) bool {
			return ev.Participant.Identity == carol.user.ID && ev.Participant.Member
		})
		testkit.Eventually(t, "lobby_skipped", func() bool { return skips.has(carol.user.ID, "member") })
		_ = c.Close()
		testkit.Eventually(t, "the member to leave", func() bool { return !inRoom(e, name, carol.user.ID) })

		// A guest, with no session, still waits.
		inv := member.invite(name, `{}`)
		_, gred, code := e.redeem(map[string]string{"invite": inv.Token, "name": "Guest"})
		if code != "" || gred.Member {
			t.Fatalf("a guest's redemption: %s %+v", code, gred)
		}
		status, done := e.guest(ctx, gred.Join.Token)
		if s := <-status; s.Status != protocol.LobbyWaiting {
			t.Fatalf("the guest's status: %+v", s)
		}
		g := wait(t, hrec, "the guest", func(ev client.LobbyGuestWaiting) bool { return ev.Guest.Identity == gred.Join.Identity }).Guest
		if g.Member {
			t.Fatalf("a guest shown as a member: %+v", g)
		}
		if err := host.DenyGuest(ctx, g.ID); err != nil {
			t.Fatal(err)
		}
		if r := <-done; r.err == nil {
			t.Fatal("the denied guest got in")
		}

		// With the rule off, the member waits, shown as a member.
		apply("require_e2ee: false\nlobby_for_guests: true\nmembers_skip_lobby: false\n")
		dave := e.signedIn("dave@example.org")
		red = redeemAs(dave)
		_, done = e.guest(ctx, red.Join.Token)
		g = wait(t, hrec, "the waiting member", func(ev client.LobbyGuestWaiting) bool { return ev.Guest.Identity == dave.user.ID }).Guest
		if !g.Member || g.Identity != dave.user.ID {
			t.Fatalf("the waiting member: %+v", g)
		}
		if err := host.AdmitGuest(ctx, g.ID); err != nil {
			t.Fatal(err)
		}
		if r := <-done; r.err != nil {
			t.Fatalf("the admitted member: %v", r.err)
		} else {
			r.c.Close()
		}

		// A disabled member's token is refused.
		apply("require_e2ee: false\nlobby_for_guests: true\n")
		red = redeemAs(carol)
		if _, err := e.Srv.Store().UpdateUser(context.Background(), carol.user.ID, func(u *store.User) error {
			u.Status = store.StatusDisabled
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.join(ctx, red.Join.Token); serverCode(err) != protocol.CodeTokenRevoked {
			t.Fatalf("a disabled member joins: %v", err)
		}
	})

	t.Run("password_for_guest_rooms", func(t *testing.T) {
		apply("require_e2ee: false\npassword_for_guest_rooms: true\n")
		if status, b := member.do("POST", "/v1/meetings", `{}`, nil); status != http.StatusForbidden || errorCode(string(b)) != protocol.CodePolicyViolation {
			t.Fatalf("a meeting without a password: %d %s", status, b)
		}
		const pw = "a password for guests"
		m := member.createMeeting(`{"password":"` + pw + `"}`)
		if !m.Room.Password || !m.Room.Lobby {
			t.Fatalf("a meeting with a password: %+v", m.Room)
		}
		// Clearing it is refused, on both surfaces.
		status, body := e.api("POST", "/v1/rooms/"+string(m.Room.Name)+"/password", m.Join.Token, map[string]any{"password": ""})
		if status != http.StatusForbidden || errorCode(body) != protocol.CodePolicyViolation {
			t.Fatalf("clearing the password over REST: %d %s", status, body)
		}
		host, err := e.join(ctx, m.Join.Token)
		if err != nil {
			t.Fatal(err)
		}
		hrec := record(host)
		if err := host.SetPassword(ctx, ""); err != nil {
			t.Fatal(err)
		}
		wait(t, hrec, "the refusal to clear the password", func(ev client.ErrorReceived) bool { return ev.Err.Code == protocol.CodePolicyViolation })
		if info, err := e.Srv.Rooms().Get(m.Room.Name); err != nil || !info.Password {
			t.Fatalf("the meeting after the refusals: %+v %v", info, err)
		}
		// A guest gives it.
		inv := member.invite(string(m.Room.Name), `{}`)
		if status, _, code := e.redeem(map[string]string{"invite": inv.Token, "name": "Guest"}); status != http.StatusForbidden || code != protocol.CodePasswordRequired {
			t.Fatalf("redeem without the password: %d %s", status, code)
		}
		// An API key's room is its application's: the rule does not bind it.
		adminTok := e.adminToken(e.Key, "")
		if status, body := e.api("POST", "/v1/rooms", adminTok, map[string]any{"name": "app-room"}); status != http.StatusCreated {
			t.Fatalf("an API key's room without a password: %d %s", status, body)
		}
	})

	t.Run("require_second_factor", func(t *testing.T) {
		apply("require_e2ee: false\n")
		if status, b := member.do("GET", "/v1/meetings", "", nil); status != http.StatusOK {
			t.Fatalf("meetings with no second factor required: %d %s", status, b)
		}
		// hosts: every account that may create meetings, members too.
		body, _ := json.Marshal(map[string]any{"yaml": "require_second_factor: hosts\n", "version": version})
		if status, b := admin.do("PUT", "/v1/policy", string(body), nil); status != http.StatusOK {
			t.Fatalf("PUT: %d %s", status, b)
		}
		if status, b := member.do("GET", "/v1/meetings", "", nil); status != http.StatusForbidden || errorCode(string(b)) != protocol.CodeSecondFactorRequired {
			t.Fatalf("a member without a second factor under hosts: %d %s", status, b)
		}
	})
}

// securityKinds records the security events of one kind.
type securityKinds struct {
	kind room.SecurityKind
	mu   sync.Mutex
	evs  []room.SecurityEvent
}

func (s *securityKinds) OnEvent(e room.Event) {
	if e.Kind == room.EventSecurity && e.Security.Kind == s.kind {
		s.mu.Lock()
		s.evs = append(s.evs, *e.Security)
		s.mu.Unlock()
	}
}

// has reports whether an event with subject and reason came.
func (s *securityKinds) has(subject, reason string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range s.evs {
		if e.Subject == subject && e.Reason == reason {
			return true
		}
	}
	return false
}
