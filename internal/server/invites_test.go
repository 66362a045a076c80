package server_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/conclave-video/conclave/internal/accounts"
	"github.com/conclave-video/conclave/internal/config"
	"github.com/conclave-video/conclave/internal/store"
	"github.com/conclave-video/conclave/internal/testkit"
	"github.com/conclave-video/conclave/protocol"
	"github.com/conclave-video/conclave/token"
)

// invite creates an invite as the member and returns its token.
func (m *member) invite(room, body string) accounts.CreateMeetingInviteResponse {
	m.e.t.Helper()
	var out accounts.CreateMeetingInviteResponse
	if status, b := m.do("POST", "/v1/meetings/"+room+"/invites", body, &out); status != http.StatusCreated {
		m.e.t.Fatalf("POST invites: %d %s", status, b)
	}
	if !strings.HasPrefix(out.Token, accounts.InviteTokenPrefix) {
		m.e.t.Fatalf("invite token %q", out.Token)
	}
	return out
}

// redeem redeems an invite as a guest with no session.
func (e *env) redeem(body any) (int, accounts.RedeemInviteResponse, string) {
	e.t.Helper()
	b, _ := json.Marshal(body)
	r := e.do("POST", "/v1/invites/redeem", string(b), "Content-Type", "application/json", "Origin", e.Srv.URL())
	var out accounts.RedeemInviteResponse
	if r.status == http.StatusOK {
		if err := json.Unmarshal([]byte(r.body), &out); err != nil {
			e.t.Fatal(err)
		}
	}
	return r.status, out, errorCode(r.body)
}

// TestInviteGuestJoins: a signed-in host makes an invite for its
// meeting; a guest with no account redeems it with a display name and
// joins with the guest token, in the invite's role, as a fresh identity
// the token names, after waiting in the meeting's lobby (the policy's
// lobby_for_guests) until the host admits it; a single-use invite is
// refused the second time.
func TestInviteGuestJoins(t *testing.T) {
	e := newEnv(t, func(c *config.Config) { c.Rooms.AutoCreate = false })
	ctx, cancel := context.WithTimeout(context.Background(), testkit.DefaultWait())
	defer cancel()
	alice := e.signedIn("alice@example.org")
	m := alice.createMeeting(`{"e2ee":"off"}`)
	name := string(m.Room.Name)
	host, err := e.join(ctx, m.Join.Token)
	if err != nil {
		t.Fatal(err)
	}

	inv := alice.invite(name, `{"role":"viewer"}`)
	if inv.Invite.MaxUses != 1 || inv.Invite.Role != "viewer" || inv.Invite.Room != name {
		t.Fatalf("invite %+v", inv.Invite)
	}
	status, red, code := e.redeem(map[string]string{"invite": inv.Token, "name": "Guest Gail"})
	if status != http.StatusOK {
		t.Fatalf("redeem: %d %s", status, code)
	}
	if red.Room != name || red.Role != "viewer" || !strings.HasPrefix(red.Join.Identity, accounts.GuestIdentityPrefix) {
		t.Fatalf("redeemed %+v", red)
	}
	guest, entry := e.joinAdmitted(ctx, t, host, red.Join.Token)
	if !entry.Invite || entry.Name != "Guest Gail" || entry.Identity != red.Join.Identity {
		t.Fatalf("the host's lobby shows the guest as %+v, want it to have come with an invite", entry)
	}
	self := guest.Self()
	if self.Role != protocol.RoleViewer || self.Name != "Guest Gail" || self.Identity != red.Join.Identity || self.Permissions.Publish {
		t.Fatalf("guest joined as %+v", self)
	}
	testkit.Eventually(t, "the host sees the guest", func() bool { return len(host.Participants()) == 1 })

	// Single use: refused the second time.
	if status, _, code := e.redeem(map[string]string{"invite": inv.Token, "name": "Again"}); status != http.StatusGone || code != protocol.CodeInviteUsedUp {
		t.Fatalf("second use: %d %s", status, code)
	}

	// A participant invite gives a participant.
	inv2 := alice.invite(name, `{"max_uses":2}`)
	_, red2, _ := e.redeem(map[string]string{"invite": inv2.Token, "name": "Pat"})
	p, _ := e.joinAdmitted(ctx, t, host, red2.Join.Token)
	if p.Self().Role != protocol.RoleParticipant || !p.Self().Permissions.Publish {
		t.Fatalf("participant guest: %+v", p.Self())
	}

	// The guest token's claims: the account's, the invite's.
	parts := strings.Split(red.Join.Token, ".")
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	var c token.Claims
	if err != nil || json.Unmarshal(raw, &c) != nil || c.Owner != alice.user.ID || c.Invite != inv.Invite.ID || c.Issuer != e.Srv.ServerKey().ID {
		t.Fatalf("claims %+v %v", c, err)
	}
}

// TestInviteRaceSingleUse: many guests racing for one single-use invite
// through the real server: exactly one gets a token.
func TestInviteRaceSingleUse(t *testing.T) {
	e := newEnv(t)
	alice := e.signedIn("alice@example.org")
	name := string(alice.createMeeting(`{"e2ee":"off"}`).Room.Name)
	inv := alice.invite(name, `{}`)
	const racers = 8
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[string]int{}
	for range racers {
		wg.Go(func() {
			status, _, code := e.redeem(map[string]string{"invite": inv.Token, "name": "racer"})
			mu.Lock()
			defer mu.Unlock()
			if status == http.StatusOK {
				code = "ok"
			}
			codes[code]++
		})
	}
	wg.Wait()
	if codes["ok"] != 1 || codes[protocol.CodeInviteUsedUp] != racers-1 {
		t.Fatalf("racing redemptions: %v", codes)
	}
}

// TestInviteRefusals: expired, revoked, forged, the email domain, a
// role above participant, and a participant without share_invite.
func TestInviteRefusals(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), testkit.DefaultWait())
	defer cancel()
	alice := e.signedIn("alice@example.org")
	meeting := alice.createMeeting(`{"e2ee":"off"}`)
	name := string(meeting.Room.Name)

	// Revoked.
	inv := alice.invite(name, `{"max_uses":5}`)
	if status, b := alice.do("DELETE", "/v1/meetings/"+name+"/invites/"+inv.Invite.ID, "", nil); status != http.StatusNoContent {
		t.Fatalf("revoke: %d %s", status, b)
	}
	if status, _, code := e.redeem(map[string]string{"invite": inv.Token, "name": "x"}); status != http.StatusGone || code != protocol.CodeInviteRevoked {
		t.Errorf("revoked: %d %s", status, code)
	}
	var list accounts.MeetingInviteList
	if status, b := alice.do("GET", "/v1/meetings/"+name+"/invites", "", &list); status != http.StatusOK || len(list.Invites) != 1 || list.Invites[0].RevokedAt == nil {
		t.Errorf("list: %d %s", status, b)
	}

	// Expired: an invite stored an hour ago for ten minutes, with its
	// link signed by the server's key.
	past := time.Now().Add(-time.Hour).UTC()
	if err := e.Srv.Store().CreateMeetingInvite(ctx, store.MeetingInvite{ID: "MI_EXPIREDAAAAAAAAAAAAAAAAAAA", Room: name,
		Owner: alice.user.ID, CreatedBy: alice.user.ID, Role: "participant", MaxUses: 5, CreatedAt: past,
		ExpiresAt: past.Add(10 * time.Minute)}, 100); err != nil {
		t.Fatal(err)
	}
	expTok, err := accounts.SignInvite(e.Srv.ServerKey(), "MI_EXPIREDAAAAAAAAAAAAAAAAAAA", name, past.Add(10*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if status, _, code := e.redeem(map[string]string{"invite": expTok, "name": "late"}); status != http.StatusGone || code != protocol.CodeInviteExpired {
		t.Errorf("expired: %d %s", status, code)
	}
	exp := alice.invite(name, `{"expires_in":60}`)
	// Forged: another signature, a mangled body, someone else's key.
	bad := []string{"", "cmi1.", exp.Token + "x", strings.Replace(exp.Token, "cmi1.", "cmi1.A", 1), e.JoinToken(name, "x")}
	for _, b := range bad {
		if status, _, code := e.redeem(map[string]string{"invite": b, "name": "x"}); status != http.StatusBadRequest || code != protocol.CodeInviteLinkInvalid {
			t.Errorf("forged %q: %d %s", b, status, code)
		}
	}

	// Email domain.
	dom := alice.invite(name, `{"email_domain":"Example.com","max_uses":3}`)
	for _, email := range []string{"", "bob@example.org", "bob@sub.example.com", "example.com", "@example.com"} {
		if status, _, code := e.redeem(map[string]string{"invite": dom.Token, "name": "Bob", "email": email}); status != http.StatusForbidden || code != protocol.CodeInviteEmailDomain {
			t.Errorf("email %q: %d %s", email, status, code)
		}
	}
	if status, _, code := e.redeem(map[string]string{"invite": dom.Token, "name": "Bob", "email": "Bob@EXAMPLE.com"}); status != http.StatusOK {
		t.Errorf("matching email: %d %s", status, code)
	}

	// A host role cannot be given by an invite.
	if status, b := alice.do("POST", "/v1/meetings/"+name+"/invites", `{"role":"host"}`, nil); status != http.StatusBadRequest {
		t.Errorf("host invite: %d %s", status, b)
	}

	// A participant's own join token may not share invites; another
	// account may not either.
	pinv := alice.invite(name, `{}`)
	_, pred, _ := e.redeem(map[string]string{"invite": pinv.Token, "name": "Pat"})
	host, err := e.join(ctx, meeting.Join.Token)
	if err != nil {
		t.Fatal(err)
	}
	e.joinAdmitted(ctx, t, host, pred.Join.Token)
	status, body := e.api("POST", "/v1/meetings/"+name+"/invites", pred.Join.Token, `{}`)
	if status != http.StatusForbidden || errorCode(body) != protocol.CodeRoleDenied {
		t.Errorf("participant shares: %d %s", status, body)
	}
	mallory := e.signedIn("mallory@example.org")
	if status, b := mallory.do("POST", "/v1/meetings/"+name+"/invites", `{}`, nil); status != http.StatusForbidden {
		t.Errorf("another account: %d %s", status, b)
	}
}

// TestInviteOnlyRoom: a named room that requires an invite refuses a
// token of its own key that is not a host token, admits the host, and
// admits a guest of an invite made by the host's join token; an invite
// claim signed by the app's key is refused.
func TestInviteOnlyRoom(t *testing.T) {
	e := newEnv(t, func(c *config.Config) { c.Rooms.AutoCreate = false })
	ctx, cancel := context.WithTimeout(context.Background(), testkit.DefaultWait())
	defer cancel()
	admin := e.adminToken(e.Key, "")
	if status, body := e.api("POST", "/v1/rooms", admin, `{"name":"board","invite_only":true,"e2ee":"off"}`); status != http.StatusCreated {
		t.Fatalf("create: %d %s", status, body)
	}
	if _, err := e.join(ctx, e.JoinToken("board", "walk-in")); serverCode(err) != protocol.CodeInviteRequired {
		t.Fatalf("walk-in: %v", err)
	}
	hostTok, err := e.Key.Mint(token.Options{Identity: "chair", Room: "board", TTL: 10 * time.Minute,
		Grants: token.Grants{Publish: true, Subscribe: true, PublishData: true, RoomAdmin: true}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.join(ctx, hostTok); err != nil {
		t.Fatalf("host: %v", err)
	}
	status, body := e.api("POST", "/v1/meetings/board/invites", hostTok, `{"max_uses":1}`)
	if status != http.StatusCreated {
		t.Fatalf("host's invite: %d %s", status, body)
	}
	var inv accounts.CreateMeetingInviteResponse
	_ = json.Unmarshal([]byte(body), &inv)
	st, red, code := e.redeem(map[string]string{"invite": inv.Token, "name": "Guest"})
	if st != http.StatusOK {
		t.Fatalf("redeem: %d %s", st, code)
	}
	g, err := e.join(ctx, red.Join.Token)
	if err != nil || g.Self().Role != protocol.RoleParticipant {
		t.Fatalf("guest in invite-only room: %v", err)
	}
	forged, err := e.Key.Mint(token.Options{Identity: "sneak", Room: "board", TTL: time.Minute, Owner: "US_X", Invite: "MI_AAAAAAAAAAAAAAAAAAAAAAAAAA",
		Grants: token.Grants{Subscribe: true}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.join(ctx, forged); serverCode(err) != protocol.CodeTokenOwner {
		t.Fatalf("forged invite claim: %v", err)
	}
	// A room created without a name gets 128 random bits.
	status, body = e.api("POST", "/v1/rooms", admin, `{}`)
	var info struct{ Name string }
	_ = json.Unmarshal([]byte(body), &info)
	if status != http.StatusCreated || len(info.Name) != 26 {
		t.Fatalf("unnamed room: %d %s", status, body)
	}
}
