package server_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/conclave-video/conclave/internal/accounts"
	"github.com/conclave-video/conclave/internal/testkit"
	"github.com/conclave-video/conclave/protocol"
)

// expOf reads a token's exp claim.
func expOf(t *testing.T, tok string) time.Time {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[1])
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		Exp int64 `json:"exp"`
	}
	if err := json.Unmarshal(b, &c); err != nil || c.Exp == 0 {
		t.Fatalf("no exp: %v", err)
	}
	return time.Unix(c.Exp, 0)
}

// TestInviteRevocationReachesRedeemedTokens: an invite bounds the guest
// tokens redeemed from it, through the whole server. A guest token
// expires no later than its invite. Once the invite is revoked, a guest
// token already redeemed from it is refused at join and at resume
// (token_revoked), while a guest already in the meeting stays until its
// connection ends. A host banning a guest with revoke_invite revokes the
// invite the guest came by in the same write: the link's other tokens
// are refused too; asked of an identity that came by no invite, it is
// refused (no_invite) and nothing is done. Before, revocation only
// stopped new redemptions, and a guest token outlived its invite.
func TestInviteRevocationReachesRedeemedTokens(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*testkit.DefaultWait())
	defer cancel()
	alice := e.signedIn("alice@example.org")
	m := alice.createMeeting(`{"e2ee":"off"}`)
	name := string(m.Room.Name)
	host, err := e.join(ctx, m.Join.Token)
	if err != nil {
		t.Fatal(err)
	}
	redeem := func(inv accounts.CreateMeetingInviteResponse, guest string) accounts.RedeemInviteResponse {
		t.Helper()
		status, red, code := e.redeem(map[string]string{"invite": inv.Token, "name": guest})
		if status != http.StatusOK {
			t.Fatalf("%s redeems: %d %s", guest, status, code)
		}
		return red
	}

	// The guest token's expiry is the invite's, when that is sooner.
	short := alice.invite(name, `{"expires_in":120}`)
	if exp := expOf(t, redeem(short, "Sam").Join.Token); exp.After(short.Invite.ExpiresAt) {
		t.Errorf("guest token expires at %v, after its invite (%v)", exp, short.Invite.ExpiresAt)
	}

	// Revoking an invite refuses what was redeemed from it.
	inv := alice.invite(name, `{"max_uses":3}`)
	inside, waiting, lobbied := redeem(inv, "Ina"), redeem(inv, "Wes"), redeem(inv, "Lou")
	raw := e.dialRaw(ctx, t)
	raw.mustSend(joinFrame(inside.Join.Token))
	if err := host.AdmitGuest(ctx, waitGuest(ctx, t, host).ID); err != nil {
		t.Fatal(err)
	}
	j := joinedOn(t, raw, "")
	_, louDone := e.guest(ctx, lobbied.Join.Token)
	waitGuest(ctx, t, host)
	if status, b := alice.do("DELETE", "/v1/meetings/"+name+"/invites/"+inv.Invite.ID, "", nil); status != http.StatusNoContent {
		t.Fatalf("revoke: %d %s", status, b)
	}
	if code := e.connectCode(ctx, waiting.Join.Token); code != protocol.CodeTokenRevoked {
		t.Errorf("a guest token of the revoked invite joins: %q, want token_revoked", code)
	}
	if r := testkit.Receive(t, louDone, "the guest waiting in the lobby to be refused"); serverCode(r.err) != protocol.CodeTokenRevoked {
		t.Errorf("the guest waiting with a token of the revoked invite: %v, want token_revoked", r.err)
	}
	raw.expectOpen()
	_ = raw.ws.CloseNow()
	again := e.dialRaw(ctx, t)
	again.mustSend(resumeFrame(inside.Join.Token, j.Participant.ID, j.ResumeSecret))
	again.expectError(protocol.CodeTokenRevoked)

	// Ban with revoke_invite: the guest's invite goes with it.
	inv2 := alice.invite(name, `{"max_uses":3}`)
	mal, other := redeem(inv2, "Mal"), redeem(inv2, "Otto")
	e.joinAdmitted(ctx, t, host, mal.Join.Token)
	status, body := e.api(http.MethodPost, "/v1/rooms/"+name+"/bans", m.Join.Token, `{"identity":"`+mal.Join.Identity+`","revoke_invite":true,"reason":"spam"}`)
	if status != http.StatusCreated {
		t.Fatalf("ban with revoke_invite: %d %s", status, body)
	}
	if code := e.connectCode(ctx, other.Join.Token); code != protocol.CodeTokenRevoked {
		t.Errorf("another guest token of the banned guest's invite: %q, want token_revoked", code)
	}
	var list accounts.MeetingInviteList
	alice.do("GET", "/v1/meetings/"+name+"/invites", "", &list)
	for _, in := range list.Invites {
		if in.ID == inv2.Invite.ID && in.RevokedAt == nil {
			t.Errorf("the banned guest's invite is not revoked: %+v", in)
		}
	}

	// An identity that came by no invite (here in an API key's room):
	// refused, nothing done.
	walkin := e.Connect(ctx, t, "keyroom", "walkin")
	admin := e.adminToken(e.Key, "")
	status, body = e.api(http.MethodPost, "/v1/rooms/keyroom/bans", admin, `{"identity":"walkin","revoke_invite":true}`)
	if status != http.StatusConflict || errorCode(body) != protocol.CodeNoInvite {
		t.Errorf("revoke_invite for an identity without one: %d %s, want 409 no_invite", status, body)
	}
	if status, body := e.api(http.MethodGet, "/v1/rooms/keyroom/bans", admin, nil); status != http.StatusOK || strings.Contains(body, "walkin") {
		t.Errorf("the refused ban was recorded: %d %s", status, body)
	}
	if !inRoom(e, "keyroom", "walkin") || walkin.Self().ID == "" {
		t.Error("the refused ban removed walkin")
	}
}
